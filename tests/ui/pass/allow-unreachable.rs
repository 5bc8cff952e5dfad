// Passes: a state kept only for old histories is unreachable, explicitly allowed.
use lsaa::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Event, Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Opened;

#[derive(Event, Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Shut;

#[aggregate(events(Opened, Shut), allow(unreachable))]
#[derive(Debug, PartialEq)]
pub enum Door {
    #[initial]
    #[on(Opened => Open)]
    Closed,
    #[on(Shut => Closed)]
    Open,
    /// Retired: new doors can no longer be locked, but old histories still replay.
    #[on(Opened => Open)]
    LegacyLocked,
}

#[aggregate]
impl Door {
    fn open(_: Closed, _: &Opened) -> Open {
        Open
    }

    fn shut(_: Open, _: &Shut) -> Closed {
        Closed
    }

    fn unlock_legacy(_: LegacyLocked, _: &Opened) -> Open {
        Open
    }
}

fn main() {
    let door = Door::LegacyLocked.evolve(&Opened.into()).unwrap();
    assert_eq!(door, Door::Open);
}
