// A handler returns `Result<_, DoorError>` but the aggregate declares no `error = ...`.
use lsaa::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Event, Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Opened;

#[derive(Event, Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Shut;

#[derive(Event, Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Locked;

#[derive(Event, Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Unlocked;

#[derive(Debug)]
pub struct Push;

#[derive(Debug)]
pub struct Pull;

#[derive(Debug)]
pub struct Lock;

#[aggregate(events(Opened, Shut, Locked, Unlocked))]
pub enum Door {
    /// Several arrows leave `Closed`.
    #[initial]
    #[on(Opened => Open, Locked => Bolted)]
    Closed,
    /// One arrow leaves `Open`.
    #[on(Shut => Closed)]
    Open,
    #[on(Unlocked => Closed)]
    Bolted,
}

#[derive(Debug)]
pub enum DoorError {
    Jammed,
}

#[aggregate]
impl Door {
    fn open(_: Closed, _: &Opened) -> Open {
        Open
    }

    fn shut(_: Open, _: &Shut) -> Closed {
        Closed
    }

    fn bolt(_: Closed, _: &Locked) -> Bolted {
        Bolted
    }

    fn unbolt(_: Bolted, _: &Unlocked) -> Closed {
        Closed
    }

    #[command]
    fn push(_: &Closed, _: Push) -> Result<Opened, DoorError> {
        Err(DoorError::Jammed)
    }
}

fn main() {}
