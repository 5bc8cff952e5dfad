// The user gave `#[terminal]` an argument.
use lsaa::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Event, Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Opened;

#[aggregate(events(Opened))]
pub enum Door {
    #[initial]
    #[on(Opened => Open)]
    Closed,
    #[terminal = true]
    Open,
}

#[aggregate]
impl Door {
    fn open(_: Closed, _: &Opened) -> Open {
        Open
    }
}

fn main() {}
