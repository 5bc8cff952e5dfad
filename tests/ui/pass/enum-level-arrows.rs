// Passes: one enum-level `#[on(A | B: Event => Target)]` row declares arrows from several states.
use lsaa::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Event, Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Opened;

#[derive(Event, Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Propped;

#[derive(Event, Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Shut;

#[aggregate(events(Opened, Propped, Shut))]
#[on(Open | Ajar: Shut => Closed)]
#[derive(Debug, PartialEq)]
pub enum Door {
    #[initial]
    #[on(Opened => Open, Propped => Ajar)]
    Closed,
    Open,
    Ajar,
}

#[aggregate]
impl Door {
    fn open(_: Closed, _: &Opened) -> Open {
        Open
    }

    fn prop(_: Closed, _: &Propped) -> Ajar {
        Ajar
    }

    fn shut(_: Open, _: &Shut) -> Closed {
        Closed
    }

    fn shut_ajar(_: Ajar, _: &Shut) -> Closed {
        Closed
    }
}

fn main() {
    let history = [DoorEvent::from(Propped), Shut.into(), Opened.into(), Shut.into()];
    assert_eq!(Door::replay(&history).unwrap(), Door::Closed);
    assert_eq!(Door::GRAPH.arrows.len(), 4);
}
