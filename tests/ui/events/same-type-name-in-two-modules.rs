// Two distinct event types from different modules share their type name `Opened`.
use lsaa::prelude::*;
use serde::{Deserialize, Serialize};

pub mod front {
    use super::*;

    #[derive(Event, Debug, Clone, PartialEq, Serialize, Deserialize)]
    pub struct Opened;
}

pub mod back {
    use super::*;

    #[derive(Event, Debug, Clone, PartialEq, Serialize, Deserialize)]
    pub struct Opened;
}

#[aggregate(events(front::Opened, back::Opened))]
pub enum Door {
    #[initial]
    #[on(Opened => Open)]
    Closed,
    #[terminal]
    Open,
}

#[aggregate]
impl Door {
    fn open(_: Closed, _: &front::Opened) -> Open {
        Open
    }
}

fn main() {}
