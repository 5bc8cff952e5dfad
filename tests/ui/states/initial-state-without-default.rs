// The initial state holds a type without `Default`, so the aggregate cannot be created.
use lsaa::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Event, Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Opened;

#[derive(Event, Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Shut;

#[derive(Debug)]
pub struct Panel {
    pub angle: u8,
}

#[aggregate(events(Opened, Shut))]
pub enum Door {
    #[initial]
    #[on(Opened => Open)]
    Closed(Panel),
    #[on(Shut => Closed)]
    Open,
}

#[aggregate]
impl Door {
    fn open(_: Panel, _: &Opened) -> Open {
        Open
    }

    fn shut(_: Open, _: &Shut) -> Panel {
        Panel { angle: 0 }
    }
}

fn main() {}
