// The user numbered the first schema version 0.
use lsaa::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Event, Debug, Clone, PartialEq, Serialize, Deserialize)]
#[event(version = 0)]
pub struct Opened;

fn main() {}
