// The user derived `Event` on a union.
use lsaa::prelude::*;

#[derive(Event, Clone, Copy)]
pub union Opened {
    pub by: u32,
}

fn main() {}
