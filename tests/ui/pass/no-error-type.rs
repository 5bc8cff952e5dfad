// Passes: an aggregate without `error = ...`: its error type is `Infallible`.
use lsaa::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Event, Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Opened;

#[derive(Event, Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Shut;

#[derive(Debug)]
pub struct Push;

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

    fn shut(_: Open, _: &Shut) -> Closed {
        Closed
    }

    #[command]
    fn push(_: &Closed, _: Push) -> Opened {
        Opened
    }
}

fn main() {
    let _: fn(<Door as Aggregate>::Error) -> std::convert::Infallible = |never| never;
    assert!(matches!(Door::Open.decide(Push), Err(CommandError::NotHandled { .. })));
}
