#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

/// Turns a state enum into a typed state machine, and its `impl` block into the machine's
/// behaviour.
///
/// # On the enum
///
/// ```
/// # use lsaa::prelude::*;
/// # use serde::{Deserialize, Serialize};
/// # #[derive(Event, Debug, Clone, PartialEq, Serialize, Deserialize)] pub struct Opened;
/// # #[derive(Event, Debug, Clone, PartialEq, Serialize, Deserialize)] pub struct Closed;
/// # #[derive(Event, Debug, Clone, PartialEq, Serialize, Deserialize)] pub struct Demolished;
/// #[aggregate(events(Opened, Closed, Demolished))]
/// #[on(Shut | Open: Demolished => Gone)] // the same arrow from several states
/// #[derive(Debug, Clone, PartialEq)]
/// pub enum Door {
///     #[initial]
///     #[on(Opened => Open)]
///     Shut,
///     #[on(Closed => Shut)]
///     Open,
///     #[terminal]
///     Gone,
/// }
/// # #[aggregate]
/// # impl Door {
/// #     fn open(_: Shut, _: &Opened) -> Open { Open }
/// #     fn close(_: Open, _: &Closed) -> Shut { Shut }
/// #     fn demolish_shut(_: Shut, _: &Demolished) -> Gone { Gone }
/// #     fn demolish_open(_: Open, _: &Demolished) -> Gone { Gone }
/// # }
/// assert_eq!(Door::GRAPH.arrows.len(), 4);
/// assert!(Door::GRAPH.mermaid().contains("Shut --> Gone: Demolished"));
/// ```
///
/// ## Options of `#[aggregate(...)]`
///
/// - `events(A, B, ..)` (required): every event of the aggregate. Each is a type deriving
///   [`Event`](derive@Event); the last segment of its path names it in the graph.
/// - `error = Path`: the domain error of the handlers (default [`std::convert::Infallible`]).
/// - `allow(unreachable, dead_end, unused_event)`: relaxes the graph check of that name.
///
/// ## Attributes of the variants and the enum
///
/// - `#[initial]`: the state before the first event; exactly one. Its data implements
///   `Default`.
/// - `#[terminal]`: no arrow leaves this state.
/// - `#[on(Event => Target, EventA | EventB => Target)]` on a variant: arrows leaving it.
/// - `#[on(StateA | StateB: Event => Target)]` on the enum, below `#[aggregate]`: arrows from
///   several states.
///
/// A variant is data-less (`Shut`; a unit struct `Shut` is generated to name the state) or
/// holds exactly one type (`Open(OpenDoor)`), distinct for each state.
///
/// ## Expands to
///
/// ```text
/// enum Door { .. }                      // as written, documented with its Mermaid diagram
/// struct Shut; struct Open; struct Gone; // the data-less states, as types
/// enum DoorEvent { Opened(Opened), .. }  // From each event; serde by stable name
/// impl Aggregate for Door { .. }        // initial, evolve dispatch, names, GRAPH
/// impl StateOf<Door> for Shut { .. }    // and From<Shut> for Door, for each state
/// impl EmittableIn<Door, Shut> for Opened {} // one per arrow: what each state may emit
/// impl HasArrow<Shut, Opened, Open> for Door {}
/// ```
///
/// # On the impl block
///
/// Functions without `#[command]` are evolve functions, `fn(state: S, event: &E) -> T`, one
/// per arrow `S --E--> T`. Functions with `#[command]` are handlers, bound to the state named
/// by their first parameter: `fn(state: &S, command: C) -> Result<E, Error>` (or `-> E`)
/// emits one event; with a third parameter `out: &mut Emit<Self, S>` a handler emits any
/// number of events through [`Emit::emit`].
///
/// The impl block's only option, `#[aggregate(vis = pub(crate))]`, sets the visibility of the
/// generated command enum (default `pub`).
///
/// ```text
/// enum DoorCommand { .. }               // From each command
/// impl EvolveArrow<Shut, Opened, Open> for Door { .. } // per evolve function
/// impl HandledIn<Door, Shut> for Open { .. }           // per handler
/// impl Decide for Door { .. }           // the command dispatch
/// ```
///
/// # Errors
///
/// At compile time, each with a span on the offending token: unknown or duplicate option
/// keys; a missing or empty `events(...)`; an event listed twice; a misshapen variant, two
/// states holding one type, generic parameters; unknown state or event names (with "did you
/// mean"); zero or several initial states; an arrow declared twice or a `(state, event)` pair
/// with two targets; a terminal state with an outgoing arrow; an unreachable state, a dead
/// end, an unused event (each relaxable with `allow(..)`); a malformed evolve function or
/// handler, a duplicate handler or evolve function; a declared arrow without an evolve
/// function; an evolve function matching no arrow; a handler for a type that is not a state;
/// a handler emitting an event that does not leave its state; a typestate handle asked for a
/// command its state does not handle.
pub use lsaa_macros::aggregate;

/// Derives [`Event`](trait@Event): a stable storage name and a schema version.
///
/// ```
/// # use lsaa::prelude::*;
/// # use serde::{Deserialize, Serialize};
/// #[derive(Event, Debug, Clone, PartialEq, Serialize, Deserialize)]
/// #[event(name = "basket.item-added", version = 2)]
/// pub struct ItemAdded { pub sku: String, pub quantity: u32 }
///
/// assert_eq!(<ItemAdded as lsaa::Event>::NAME, "basket.item-added");
/// assert_eq!(<ItemAdded as lsaa::Event>::VERSION, 2);
/// ```
///
/// # Options
///
/// - `name = "..."`: the stored name (default: the type's name). Never change it once events
///   are stored; non-empty, without surrounding white space.
/// - `version = N`: the payload's schema version, from 1 (default 1).
///
/// # Errors
///
/// Unknown or duplicate keys, an empty name, version 0, generic parameters. Two events of one
/// aggregate stored under the same name fail to compile where the aggregate is declared.
pub use lsaa_macros::Event;
pub use lsaa_runtime::{
    Aggregate, Appended, Arrow, AsOf, CommandError, CommandSet, Decide, DecodeError, Emit,
    EmittableIn, Event, EventSet, EventStore, EvolveArrow, Executed, ExpectedVersion, Graph,
    HandledIn, HasArrow, IllegalTransition, InState, Loaded, MemoryStore, Metadata, NewEvent,
    Recorded, RecordedEvent, ReplayError, Repository, RepositoryError, RetryPolicy, Snapshot,
    SnapshotPolicy, StateInfo, StateOf, StoreError, StreamId, StreamRange, Timestamp, Upcasters,
    Uuid, clock, codec, store, testing,
};

/// The embedded event store: one SQLite file (feature `sqlite`, on by default).
#[cfg(feature = "sqlite")]
pub use lsaa_runtime::SqliteStore;

/// The PostgreSQL event store (feature `postgres`).
#[cfg(feature = "postgres")]
pub use lsaa_runtime::{PostgresOptions, PostgresStore};

/// The names most programs need: `use lsaa::prelude::*;`.
pub mod prelude {
    pub use crate::testing::Scenario as _;
    pub use crate::{
        Aggregate, AsOf, CommandError, Decide, Emit, Event, EventSet, EventStore, InState,
        MemoryStore, Metadata, Repository, StateOf, StreamRange, Timestamp, aggregate,
    };

    #[cfg(feature = "sqlite")]
    pub use crate::SqliteStore;
}

/// Paths used by the code that the macros generate. Not part of the public API: no stability
/// guarantee, do not use directly.
#[doc(hidden)]
pub mod __private {
    pub use lsaa_runtime::__private::*;
    pub use lsaa_runtime::{
        Aggregate, Arrow, CommandError, CommandSet, Decide, Emit, EmittableIn, Event, EventSet,
        EvolveArrow, Graph, HandledIn, HasArrow, IllegalTransition, StateInfo, StateOf,
    };
}
