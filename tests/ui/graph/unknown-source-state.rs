// The user misspelt a source state in an enum-level `#[on(A | B: Event => Target)]` row.
use lsaa::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Event, Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Opened;

#[derive(Event, Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Shut;

#[derive(Event, Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Broken;

#[aggregate(events(Opened, Shut, Broken))]
#[on(Closed | Opn: Broken => Wrecked)]
pub enum Door {
    #[initial]
    #[on(Opened => Open)]
    Closed,
    #[on(Shut => Closed)]
    Open,
    #[terminal]
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

    fn break_closed(_: Closed, _: &Broken) -> Wrecked {
        Wrecked
    }
}

fn main() {}
