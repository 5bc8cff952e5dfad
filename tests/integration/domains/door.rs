//! A door, small on purpose: the handler shapes that the two main domains do not use (an
//! emitter emitting several events or none, a validation-only handler, an emitter without a
//! `Result`) and the default stable names of events without `#[event(...)]`.

use lsaa::prelude::*;
use serde::{Deserialize, Serialize};

/// The door was opened.
#[derive(Event, Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct DoorOpened;

/// The door was closed.
#[derive(Event, Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct DoorClosed;

/// Someone knocked once.
#[derive(Event, Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Knocked;

/// Open the door.
#[derive(Debug, Clone)]
pub(crate) struct OpenDoor;

/// Close the door.
#[derive(Debug, Clone)]
pub(crate) struct CloseDoor;

/// Knock `times` times: one `Knocked` per knock.
#[derive(Debug, Clone)]
pub(crate) struct Knock {
    /// How many knocks.
    pub(crate) times: u32,
}

/// Look through the peephole: succeeds or fails, never records anything.
#[derive(Debug, Clone)]
pub(crate) struct Peek {
    /// Whether the light is on.
    pub(crate) light: bool,
}

/// Slam the door: a buggy handler that closes it twice.
#[derive(Debug, Clone)]
pub(crate) struct Slam;

/// Close the door, then fail, reporting how many events the emitter says it holds.
#[derive(Debug, Clone)]
pub(crate) struct CountAndFail;

/// Why the door refuses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum DoorError {
    /// Nothing can be seen in the dark.
    TooDark,
    /// `Emit::emitted().len()` at the time of failing.
    Emitted(usize),
}

/// A door.
#[aggregate(events(DoorOpened, DoorClosed, Knocked), error = DoorError)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum Door {
    /// Closed.
    #[initial]
    #[on(DoorOpened => Open, Knocked => Closed)]
    Closed,
    /// Open.
    #[on(DoorClosed => Closed)]
    Open,
}

#[aggregate]
impl Door {
    fn open(_: Closed, _: &DoorOpened) -> Open {
        Open
    }

    fn knocked(state: Closed, _: &Knocked) -> Closed {
        state
    }

    fn close(_: Open, _: &DoorClosed) -> Closed {
        Closed
    }

    #[command]
    fn open_door(_: &Closed, _: OpenDoor) -> DoorOpened {
        DoorOpened
    }

    #[command]
    fn close_door(_: &Open, _: CloseDoor) -> DoorClosed {
        DoorClosed
    }

    #[command]
    fn knock(_: &Closed, command: Knock, out: &mut Emit<Self, Closed>) {
        for _ in 0..command.times {
            out.emit(Knocked);
        }
    }

    #[command]
    fn peek(_: &Closed, command: Peek) -> Result<(), DoorError> {
        if command.light {
            Ok(())
        } else {
            Err(DoorError::TooDark)
        }
    }

    #[command]
    fn slam(_: &Open, _: Slam, out: &mut Emit<Self, Open>) {
        out.emit(DoorClosed).emit(DoorClosed);
    }

    #[command]
    fn count_and_fail(
        _: &Open,
        _: CountAndFail,
        out: &mut Emit<Self, Open>,
    ) -> Result<(), DoorError> {
        out.emit(DoorClosed);
        Err(DoorError::Emitted(out.emitted().len()))
    }
}
