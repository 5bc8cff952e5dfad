// The user wrote the stored name as a path instead of a string literal.
use lsaa::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Event, Debug, Clone, PartialEq, Serialize, Deserialize)]
#[event(name = door_opened)]
pub struct Opened;

fn main() {}
