// The user sent one event from one state to two different targets.
use lsaa::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Event, Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Opened;

#[derive(Event, Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Shut;

#[aggregate(events(Opened, Shut))]
pub enum Door {
    #[initial]
    #[on(Opened => Open, Opened => Ajar)]
    Closed,
    #[on(Shut => Closed)]
    Open,
    #[on(Shut => Closed)]
    Ajar,
}

#[aggregate]
impl Door {
    fn open(_: Closed, _: &Opened) -> Open {
        Open
    }

    fn shut(_: Open, _: &Shut) -> Closed {
        Closed
    }

    fn shut_ajar(_: Ajar, _: &Shut) -> Closed {
        Closed
    }
}

fn main() {}
