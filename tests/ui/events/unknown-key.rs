// The user misspelt `version` as `versoin` in `#[event(...)]`.
use lsaa::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Event, Debug, Clone, PartialEq, Serialize, Deserialize)]
#[event(name = "door.opened", versoin = 2)]
pub struct Opened;

fn main() {}
