// Passes: a handler with an emitter emits one of the several events leaving its state, or two in a row.
use lsaa::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Event, Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Opened;

#[derive(Event, Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Locked;

#[derive(Event, Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Shut;

#[derive(Event, Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Unlocked;

#[derive(Debug)]
pub struct Handle {
    pub locked: bool,
}

#[derive(Debug)]
pub struct Slam;

#[aggregate(events(Opened, Locked, Shut, Unlocked))]
#[derive(Debug, PartialEq)]
pub enum Door {
    #[initial]
    #[on(Opened => Open, Locked => Bolted)]
    Closed,
    #[on(Shut => Closed)]
    Open,
    #[on(Unlocked => Closed)]
    Bolted,
}

#[aggregate]
impl Door {
    fn open(_: Closed, _: &Opened) -> Open {
        Open
    }

    fn bolt(_: Closed, _: &Locked) -> Bolted {
        Bolted
    }

    fn shut(_: Open, _: &Shut) -> Closed {
        Closed
    }

    fn unbolt(_: Bolted, _: &Unlocked) -> Closed {
        Closed
    }

    #[command]
    fn handle(_: &Closed, command: Handle, out: &mut Emit<Self, Closed>) {
        if command.locked {
            out.emit(Locked);
        } else {
            out.emit(Opened);
        }
    }

    #[command]
    fn slam(_: &Open, _: Slam, out: &mut Emit<Self, Open>) -> Result<(), std::convert::Infallible> {
        out.emit(Shut);
        Ok(())
    }
}

fn main() {
    let door = Door::initial();
    assert_eq!(door.decide(Handle { locked: true }).unwrap(), [DoorEvent::Locked(Locked)]);
    assert_eq!(door.decide(Handle { locked: false }).unwrap(), [DoorEvent::Opened(Opened)]);
    let open = Door::Open;
    assert_eq!(open.decide(Slam).unwrap(), [DoorEvent::Shut(Shut)]);
}
