// Passes: an event declared ahead of the arrows that will use it, explicitly allowed.
use lsaa::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Event, Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Opened;

#[derive(Event, Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Shut;

#[derive(Event, Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Painted;

#[aggregate(events(Opened, Shut, Painted), allow(unused_event))]
#[derive(Debug, PartialEq)]
pub enum Door {
    #[initial]
    #[on(Opened => Open)]
    Closed,
    #[on(Shut => Closed)]
    Open,
}

#[aggregate]
impl Door {
    fn open(_: Closed, _: &Opened) -> Open {
        Open
    }

    fn shut(_: Open, _: &Shut) -> Closed {
        Closed
    }
}

fn main() {
    assert!(Door::initial().evolve(&Painted.into()).is_err());
    assert_eq!(<DoorEvent as EventSet>::NAMES, ["Opened", "Shut", "Painted"]);
}
