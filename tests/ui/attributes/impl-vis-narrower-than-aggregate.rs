// The user made the command enum `pub(crate)` while the aggregate is `pub`, so `Decide::Command` leaks a private type.
use lsaa::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Event, Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Opened;

#[derive(Event, Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Shut;

#[derive(Debug)]
pub struct Push;

#[aggregate(events(Opened, Shut))]
pub enum Door {
    #[initial]
    #[on(Opened => Open)]
    Closed,
    #[on(Shut => Closed)]
    Open,
}

#[aggregate(vis = pub(crate))]
impl Door {
    fn open(_: Closed, _: &Opened) -> Open {
        Open
    }

    fn shut(_: Open, _: &Shut) -> Closed {
        Closed
    }

    #[command]
    fn push(_: &Closed, _: Push) -> Opened {
        Opened
    }
}

fn main() {}
