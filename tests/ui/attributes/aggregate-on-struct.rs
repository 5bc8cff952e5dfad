// The user put `#[aggregate]` on a struct instead of the state enum.
use lsaa::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Event, Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Opened;

#[aggregate(events(Opened))]
pub struct Door {
    pub open: bool,
}

fn main() {}
