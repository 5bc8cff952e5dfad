// The user made an event generic.
use lsaa::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Event, Debug, Clone, PartialEq, Serialize, Deserialize)]
#[event(name = "door.opened")]
pub struct Opened<T> {
    pub by: T,
}

fn main() {}
