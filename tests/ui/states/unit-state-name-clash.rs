// A data-less state is named like an existing type, which clashes with the unit struct the macro generates for it.
use lsaa::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Event, Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Opened;

#[derive(Event, Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Shut;

pub struct Open;

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
    fn open(_: Closed, _: &Opened) -> Open {
        Open
    }

    fn shut(_: Open, _: &Shut) -> Closed {
        Closed
    }
}

fn main() {}
