// The user gave an event an empty stored name.
use lsaa::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Event, Debug, Clone, PartialEq, Serialize, Deserialize)]
#[event(name = "")]
pub struct Opened;

fn main() {}
