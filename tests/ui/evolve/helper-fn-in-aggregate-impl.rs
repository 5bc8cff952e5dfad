// The user put a helper function without `#[command]` into the `#[aggregate] impl` block, where every such fn is an evolve function.
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
    fn open(_: Closed, _: &Opened) -> Open {
        Open
    }

    fn is_heavy(weight: u32) -> bool {
        weight > 100
    }

    fn shut(_: Open, _: &Shut) -> Closed {
        Closed
    }
}

fn main() {}
