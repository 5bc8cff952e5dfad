// The user wrote a negative schema version.
use lsaa::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Event, Debug, Clone, PartialEq, Serialize, Deserialize)]
#[event(version = -1)]
pub struct Opened;

fn main() {}
