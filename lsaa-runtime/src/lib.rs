//! Runtime of lsaa: the aggregate contract, replay, typed errors, the state graph and the
//! given/when/then test harness.
//!
//! Most users depend on the `lsaa` facade crate, which re-exports everything here together
//! with the `#[aggregate]` and `#[derive(Event)]` macros. The items in this crate are what the
//! macros generate code against; they can also be implemented by hand.
#![forbid(unsafe_code)]

mod aggregate;
pub mod clock;
pub mod codec;
mod envelope;
mod error;
mod event;
mod graph;
pub mod repository;
pub mod store;
pub mod testing;
mod transition;
mod typestate;

pub use aggregate::{Aggregate, Decide, StateOf};
pub use codec::{DecodeError, Upcasters};
pub use envelope::{Metadata, NewEvent, RecordedEvent, StreamId, Timestamp};
pub use error::{CommandError, IllegalTransition, ReplayError};
pub use event::{CommandSet, Event, EventSet};
pub use graph::{Arrow, Graph, StateInfo};
pub use repository::{
    AsOf, Executed, Loaded, Recorded, Repository, RepositoryError, RetryPolicy, SnapshotPolicy,
};
#[cfg(feature = "postgres")]
pub use store::postgres::{PostgresOptions, PostgresStore};
#[cfg(feature = "sqlite")]
pub use store::sqlite::SqliteStore;
pub use store::{
    Appended, EventStore, ExpectedVersion, Snapshot, StoreError, StreamRange, memory::MemoryStore,
};
pub use transition::{Emit, EmittableIn, EvolveArrow, HandledIn, HasArrow};
pub use typestate::InState;
pub use uuid::Uuid;

/// Items used by the code that the macros generate. Not part of the public API: no
/// stability guarantee, do not use directly.
#[doc(hidden)]
pub mod __private {
    pub use crate::event::{EventVisitor, const_str_eq, unknown_event};
    pub use crate::transition::{
        InitialData, IntoAggregateError, assert_arrow, emit_one, into_aggregate_error,
    };
    pub use serde;
}
