// The user wrote the `name` key twice in `#[event(...)]`.
use lsaa::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Event, Debug, Clone, PartialEq, Serialize, Deserialize)]
#[event(name = "door.opened", name = "door.swung-open")]
pub struct Opened;

fn main() {}
