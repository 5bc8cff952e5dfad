//! Lower: the resolved model of the state machine that code generation reads.

use proc_macro2::Span;
use syn::{Ident, Path, Type, Visibility};

/// A state machine whose names are all resolved.
pub(crate) struct Machine {
    /// The aggregate (the enum's name).
    pub(crate) ident: Ident,
    /// The enum's visibility, given to the generated items.
    pub(crate) vis: Visibility,
    /// The generated event enum's name (`<Aggregate>Event`).
    pub(crate) event_enum: Ident,
    /// The domain error of command handlers, if declared.
    pub(crate) error: Option<Path>,
    /// The states, in variant order.
    pub(crate) states: Vec<State>,
    /// The events, in `events(...)` order.
    pub(crate) events: Vec<EventRef>,
    /// The arrows, deduplicated, in declaration order.
    pub(crate) arrows: Vec<Arrow>,
    /// Index of the initial state (the first state when none was valid, already reported).
    pub(crate) initial: usize,
    /// Span of the `#[initial]` marker, for errors about the initial state's data.
    pub(crate) initial_span: Span,
    /// Errors were reported before the graph checks: the table may lack arrows, so the
    /// generated code accepts any evolve function rather than report it again.
    pub(crate) incomplete: bool,
}

/// One state.
pub(crate) struct State {
    /// The variant's name.
    pub(crate) ident: Ident,
    /// What the state holds.
    pub(crate) data: StateData,
    /// Whether the state was marked `#[terminal]`.
    pub(crate) terminal: bool,
}

/// What a state holds.
pub(crate) enum StateData {
    /// Nothing: the macro generates a unit struct named after the variant.
    Unit,
    /// One type.
    Tuple(Box<Type>),
    /// An unsupported shape, already reported: no code refers to its data.
    Unsupported,
}

impl State {
    /// The type that stands for this state in handlers and evolve functions.
    pub(crate) fn data_type(&self) -> Option<Type> {
        match &self.data {
            StateData::Unit => {
                let ident = &self.ident;
                Some(syn::parse_quote!(#ident))
            }
            StateData::Tuple(ty) => Some((**ty).clone()),
            StateData::Unsupported => None,
        }
    }
}

/// One declared event.
pub(crate) struct EventRef {
    /// The event's type, as written in `events(...)`.
    pub(crate) path: Path,
    /// Its last segment: the variant name in the event enum and the name in the graph.
    pub(crate) ident: Ident,
}

/// One arrow `from --event--> to`.
pub(crate) struct Arrow {
    /// Source state index.
    pub(crate) from: usize,
    /// Event index.
    pub(crate) event: usize,
    /// Target state index.
    pub(crate) to: usize,
    /// Where the arrow is declared (its event in the `#[on(...)]` row).
    pub(crate) span: Span,
}
