// The evolve function of `Closed --Opened--> Open` returns the wrong target state.
use lsaa::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Event, Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Opened;

#[derive(Event, Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Shut;

#[aggregate(events(Opened, Shut))]
pub enum Door {
    #[initial]
    #[on(Opened => Open)]
    Closed,
    #[on(Shut => Closed)]
    Open,
}

#[aggregate]
impl Door {
    fn open(_: Closed, _: &Opened) -> Closed {
        Closed
    }

    fn shut(_: Open, _: &Shut) -> Closed {
        Closed
    }
}

fn main() {}
