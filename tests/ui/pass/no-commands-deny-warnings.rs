// Passes: an aggregate without any `#[command]` handler compiles without warnings (its command enum is empty).
#![deny(warnings)]

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
    let door = Door::replay(&[DoorEvent::from(Opened), Shut.into()]).expect("legal history");
    assert_eq!(door, Door::Closed);
    assert!(<DoorCommand as lsaa::CommandSet>::NAMES.is_empty());
}
