// Passes: handlers that return an event, or nothing at all, without `Result`.
use lsaa::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Event, Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Opened;

#[derive(Event, Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Shut;

#[derive(Debug)]
pub struct Push;

#[derive(Debug)]
pub struct Knock;

#[derive(Debug)]
pub enum DoorError {
    Jammed,
}

#[aggregate(events(Opened, Shut), error = DoorError)]
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

    #[command]
    fn push(_: &Closed, _: Push) -> Opened {
        Opened
    }

    #[command]
    fn knock(_: &Closed, _: Knock) {}

    #[command]
    fn knock_open(_: &Open, _: Knock) -> Result<(), DoorError> {
        Err(DoorError::Jammed)
    }
}

fn main() {
    let door = Door::initial();
    assert_eq!(door.decide(Push).unwrap(), [DoorEvent::Opened(Opened)]);
    assert!(door.decide(Knock).unwrap().is_empty());
    assert!(matches!(Door::Open.decide(Knock), Err(CommandError::Rejected(DoorError::Jammed))));
}
