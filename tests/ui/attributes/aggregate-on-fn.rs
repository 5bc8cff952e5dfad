// The user put `#[aggregate]` on a free function.
use lsaa::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Event, Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Opened;

#[aggregate]
pub fn open(_: &Opened) -> bool {
    true
}

fn main() {}
