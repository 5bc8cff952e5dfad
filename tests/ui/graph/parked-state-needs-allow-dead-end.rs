// A state with no way out yet (filled in by a later release) is a dead end on purpose, but the user did not write `allow(dead_end)`.
use lsaa::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Event, Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Opened;

#[derive(Event, Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Shut;

#[derive(Event, Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Jammed;

#[aggregate(events(Opened, Shut, Jammed))]
pub enum Door {
    #[initial]
    #[on(Opened => Open)]
    Closed,
    #[on(Shut => Closed, Jammed => Stuck)]
    Open,
    /// Waiting for the repair workflow, which has no events yet.
    Stuck,
}

#[aggregate]
impl Door {
    fn open(_: Closed, _: &Opened) -> Open {
        Open
    }

    fn shut(_: Open, _: &Shut) -> Closed {
        Closed
    }

    fn jam(_: Open, _: &Jammed) -> Stuck {
        Stuck
    }
}

fn main() {}
