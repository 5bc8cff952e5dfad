// The user made two states hold the same type, so handlers cannot tell them apart.
use lsaa::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Event, Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Opened;

#[derive(Event, Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Shut;

#[derive(Debug, Default)]
pub struct Panel {
    pub angle: u8,
}

#[aggregate(events(Opened, Shut))]
pub enum Door {
    #[initial]
    #[on(Opened => Open)]
    Closed(Panel),
    #[on(Shut => Closed)]
    Open(Panel),
}

#[aggregate]
impl Door {
    fn open(state: Panel, _: &Opened) -> Panel {
        state
    }
}

fn main() {}
