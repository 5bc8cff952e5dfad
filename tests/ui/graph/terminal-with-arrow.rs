// The user gave a `#[terminal]` state an outgoing arrow.
use lsaa::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Event, Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Opened;

#[derive(Event, Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Shut;

#[derive(Event, Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Broken;

#[derive(Event, Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Repaired;

#[aggregate(events(Opened, Shut, Broken, Repaired))]
pub enum Door {
    #[initial]
    #[on(Opened => Open, Broken => Wrecked)]
    Closed,
    #[on(Shut => Closed)]
    Open,
    #[terminal]
    #[on(Repaired => Closed)]
    Wrecked,
}

#[aggregate]
impl Door {
    fn open(_: Closed, _: &Opened) -> Open {
        Open
    }

    fn shut(_: Open, _: &Shut) -> Closed {
        Closed
    }

    fn wreck(_: Closed, _: &Broken) -> Wrecked {
        Wrecked
    }

    fn repair(_: Wrecked, _: &Repaired) -> Closed {
        Closed
    }
}

fn main() {}
