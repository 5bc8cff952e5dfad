// Passes: commands called through a typestate handle of the state that handles them.
use lsaa::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Event, Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Opened;

#[derive(Event, Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Shut;

#[derive(Debug)]
pub struct Push;

#[derive(Debug)]
pub struct Pull;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Ajar {
    pub degrees: u16,
}

#[derive(Debug)]
pub enum DoorError {
    TooWide,
}

#[aggregate(events(Opened, Shut), error = DoorError)]
#[derive(Debug, PartialEq)]
pub enum Door {
    #[initial]
    #[on(Opened => Open)]
    Closed,
    #[on(Shut => Closed)]
    Open(Ajar),
}

#[aggregate]
impl Door {
    fn open(_: Closed, _: &Opened) -> Ajar {
        Ajar { degrees: 90 }
    }

    fn shut(_: Ajar, _: &Shut) -> Closed {
        Closed
    }

    #[command]
    fn push(_: &Closed, _: Push) -> Opened {
        Opened
    }

    #[command]
    fn pull(state: &Ajar, _: Pull) -> Result<Shut, DoorError> {
        if state.degrees > 170 {
            return Err(DoorError::TooWide);
        }
        Ok(Shut)
    }
}

fn main() {
    let door = Door::initial();
    let closed = door.in_state::<Closed>().unwrap();
    assert_eq!(closed.name(), "Closed");
    assert_eq!(closed.handle(Push).unwrap(), [DoorEvent::Opened(Opened)]);
    assert!(door.in_state::<Ajar>().is_none());

    let door = Door::Open(Ajar { degrees: 180 });
    let open = door.in_state::<Ajar>().unwrap();
    assert_eq!(open.state().degrees, 180);
    assert!(matches!(open.handle(Pull), Err(DoorError::TooWide)));
    let handle: InState<'_, Door, Ajar> = InState::new(&Ajar { degrees: 10 });
    assert_eq!(handle.handle(Pull).unwrap(), [DoorEvent::Shut(Shut)]);
}
