// Passes: all three opt-outs at once.
use lsaa::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Event, Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Opened;

#[derive(Event, Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Painted;

#[aggregate(events(Opened, Painted), allow(unreachable, dead_end, unused_event))]
pub enum Door {
    #[initial]
    #[on(Opened => Open)]
    Closed,
    Open,
    Demolished,
}

#[aggregate]
impl Door {
    fn open(_: Closed, _: &Opened) -> Open {
        Open
    }
}

fn main() {
    assert_eq!(Door::GRAPH.states.len(), 3);
}
