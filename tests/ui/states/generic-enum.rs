// The user made the aggregate enum generic.
use lsaa::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Event, Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Opened;

#[derive(Event, Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Shut;

#[derive(Debug, Default)]
pub struct Panel<T>(pub T);

#[aggregate(events(Opened, Shut))]
pub enum Door<T> {
    #[initial]
    #[on(Opened => Open)]
    Closed(Panel<T>),
    #[on(Shut => Closed)]
    Open,
}

fn main() {}
