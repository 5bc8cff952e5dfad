// Passes: a handler's own error converts into the declared error through `From`.
use lsaa::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Event, Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Opened;

#[derive(Event, Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Shut;

#[derive(Debug)]
pub struct Push;

#[derive(Debug)]
pub struct HingeError;

#[derive(Debug)]
pub enum DoorError {
    Hinge(HingeError),
}

impl From<HingeError> for DoorError {
    fn from(error: HingeError) -> Self {
        Self::Hinge(error)
    }
}

#[aggregate(events(Opened, Shut), error = DoorError)]
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
    fn push(_: &Closed, _: Push) -> Result<Opened, HingeError> {
        Err(HingeError)
    }
}

fn main() {
    assert!(matches!(
        Door::initial().decide(Push),
        Err(CommandError::Rejected(DoorError::Hinge(HingeError)))
    ));
}
