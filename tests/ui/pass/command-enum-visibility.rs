// Passes: `#[aggregate(vis = pub(crate))]` on the impl block gives the command enum of a `pub(crate)` aggregate the same visibility.
#![deny(unreachable_pub)]

use lsaa::prelude::*;
use serde::{Deserialize, Serialize};

mod door {
    use super::*;

    #[derive(Event, Debug, Clone, PartialEq, Serialize, Deserialize)]
    pub(crate) struct Opened;

    #[derive(Event, Debug, Clone, PartialEq, Serialize, Deserialize)]
    pub(crate) struct Shut;

    #[derive(Debug)]
    pub(crate) struct Push;

    #[aggregate(events(Opened, Shut))]
    pub(crate) enum Door {
        #[initial]
        #[on(Opened => Open)]
        Closed,
        #[on(Shut => Closed)]
        Open,
    }

    #[aggregate(vis = pub(crate))]
    impl Door {
        fn open(_: Closed, _: &Opened) -> Open {
            Open
        }

        fn shut(_: Open, _: &Shut) -> Closed {
            Closed
        }

        #[command]
        fn push(_: &Closed, _: Push) -> Opened {
            Opened
        }
    }
}

fn main() {
    let command = door::DoorCommand::from(door::Push);
    assert_eq!(door::Door::initial().decide(command).unwrap().len(), 1);
}
