// The user wrote an empty `events()` list.
use lsaa::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Event, Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Opened;

#[aggregate(events())]
pub enum Door {
    #[initial]
    #[terminal]
    Closed,
}

#[aggregate]
impl Door {}

fn main() {}
