// The user wrote an empty `events()` list.
use lsaa::prelude::*;
use serde::{Deserialize, Serialize};

#[aggregate(events())]
pub enum Door {
    #[initial]
    #[terminal]
    Closed,
}

#[aggregate]
impl Door {}

fn main() {}
