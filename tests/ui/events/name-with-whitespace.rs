// The user gave an event a stored name with trailing white space.
use lsaa::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Event, Debug, Clone, PartialEq, Serialize, Deserialize)]
#[event(name = "door.opened ")]
pub struct Opened;

fn main() {}
