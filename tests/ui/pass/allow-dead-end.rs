// Passes: a non-terminal state without a way out yet, explicitly allowed.
use lsaa::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Event, Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Opened;

#[derive(Event, Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Shut;

#[derive(Event, Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Jammed;

#[aggregate(events(Opened, Shut, Jammed), allow(dead_end))]
#[derive(Debug, PartialEq)]
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

fn main() {
    let door = Door::replay(&[DoorEvent::from(Opened), Jammed.into()]).unwrap();
    assert_eq!(door, Door::Stuck);
    assert!(!door.is_terminal());
}
