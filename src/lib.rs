#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

pub use lsaa_macros::{Event, aggregate};
pub use lsaa_runtime::{
    Aggregate, Arrow, CommandError, CommandSet, Decide, Emit, EmittableIn, Event, EventSet,
    EvolveArrow, Graph, HandledIn, HasArrow, IllegalTransition, InState, ReplayError, StateInfo,
    StateOf, testing,
};

/// The names most programs need: `use lsaa::prelude::*;`.
pub mod prelude {
    pub use crate::testing::Scenario as _;
    pub use crate::{
        Aggregate, CommandError, Decide, Emit, Event, EventSet, InState, StateOf, aggregate,
    };
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
