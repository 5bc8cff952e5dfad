// Passes: every state is data-less; the macro generates a unit struct per state.
use lsaa::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Event, Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Opened;

#[derive(Event, Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Shut;

#[aggregate(events(Opened, Shut))]
#[derive(Debug, PartialEq)]
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

fn main() {
    let history = [DoorEvent::from(Opened), Shut.into(), Opened.into()];
    let door = Door::replay(&history).unwrap();
    assert_eq!(door, Door::Open);
    assert_eq!(door.state_name(), "Open");
    let _: Door = Closed.into();
    assert_eq!(Door::initial().in_state::<Closed>().map(|s| *s.state()), Some(Closed));
}
