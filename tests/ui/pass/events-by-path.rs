// Passes: events named by path, `crate::module::Event` and `module::Event`, in `events(...)` and arrows.
use lsaa::prelude::*;
use serde::{Deserialize, Serialize};

pub mod events {
    use super::*;

    #[derive(Event, Debug, Clone, PartialEq, Serialize, Deserialize)]
    #[event(name = "door.opened")]
    pub struct Opened;

    #[derive(Event, Debug, Clone, PartialEq, Serialize, Deserialize)]
    #[event(name = "door.shut", version = 2)]
    pub struct Shut;
}

#[derive(Debug)]
pub struct Push;

#[aggregate(events(crate::events::Opened, events::Shut))]
#[derive(Debug, PartialEq)]
pub enum Door {
    #[initial]
    #[on(events::Opened => Open)]
    Closed,
    #[on(Shut => Closed)]
    Open,
}

#[aggregate]
impl Door {
    fn open(_: Closed, _: &events::Opened) -> Open {
        Open
    }

    fn shut(_: Open, _: &crate::events::Shut) -> Closed {
        Closed
    }

    #[command]
    fn push(_: &Closed, _: Push) -> events::Opened {
        events::Opened
    }
}

fn main() {
    let event = DoorEvent::from(events::Shut);
    assert_eq!(event.name(), "door.shut");
    assert_eq!(event.version(), 2);
    assert_eq!(event.type_name(), "Shut");
    let json = serde_json::to_string(&DoorEvent::from(events::Opened)).unwrap();
    assert_eq!(json, r#"{"door.opened":null}"#);
    assert_eq!(Door::initial().decide(Push).unwrap(), [DoorEvent::Opened(events::Opened)]);
}
