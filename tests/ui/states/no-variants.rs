// The user declared an aggregate enum without any state.
use lsaa::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Event, Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Opened;

#[aggregate(events(Opened))]
pub enum Door {}

#[aggregate]
impl Door {}

fn main() {}
