//! The aggregate contract: a state machine that folds events (evolve) and answers commands (decide).

use crate::error::{CommandError, IllegalTransition, ReplayError};
use crate::event::{CommandSet, EventSet};
use crate::graph::Graph;
use crate::typestate::InState;

/// A state machine whose transitions are recorded as events.
///
/// Implemented by `#[aggregate]` on the state enum. The states are the enum's variants, the
/// events are the arrows between them, and [`evolve`](Aggregate::evolve) takes one arrow.
pub trait Aggregate: Sized {
    /// The enum of every event of this aggregate (generated as `<Name>Event`).
    type Event: EventSet;
    /// The domain error that command handlers return (`error = ...` in `#[aggregate]`).
    type Error;

    /// The aggregate's name, as written in the source (`Turnstile`).
    const NAME: &'static str;
    /// The declared states and arrows.
    const GRAPH: Graph<'static>;

    /// The state of an aggregate before its first event.
    fn initial() -> Self;

    /// The name of the current state, as written in the source (`Locked`).
    fn state_name(&self) -> &'static str;

    /// Whether the current state is terminal (no arrow leaves it).
    fn is_terminal(&self) -> bool;

    /// Takes the arrow labelled by `event` out of the current state.
    ///
    /// Infallible for every declared arrow; an event that labels no arrow out of the current
    /// state (a corrupt or foreign history) is refused with [`IllegalTransition`].
    fn evolve(self, event: &Self::Event) -> Result<Self, IllegalTransition>;

    /// Folds `events` into `self`, in order.
    ///
    /// `first_version` is the version (1-based position in the stream) of the first event; it
    /// is only used to say which event was illegal.
    fn fold<'e, I>(self, events: I, first_version: u64) -> Result<Self, ReplayError>
    where
        I: IntoIterator<Item = &'e Self::Event>,
        Self::Event: 'e,
    {
        let mut state = self;
        for (version, event) in (first_version..).zip(events) {
            state = state
                .evolve(event)
                .map_err(|illegal| ReplayError::new(illegal, version))?;
        }
        Ok(state)
    }

    /// Replays a whole history from the initial state.
    fn replay<'e, I>(events: I) -> Result<Self, ReplayError>
    where
        I: IntoIterator<Item = &'e Self::Event>,
        Self::Event: 'e,
    {
        Self::initial().fold(events, 1)
    }

    /// A typestate handle on the current state if it is `S`: through it only the commands
    /// that `S` handles can be called, checked at compile time.
    fn in_state<S: StateOf<Self>>(&self) -> Option<InState<'_, Self, S>> {
        S::project(self).map(InState::new)
    }
}

/// The command side of an aggregate: which events a command produces in the current state.
///
/// Implemented by `#[aggregate]` on the aggregate's `impl` block, from its `#[command]`
/// handlers.
pub trait Decide: Aggregate {
    /// The enum of every command of this aggregate (generated as `<Name>Command`).
    type Command: CommandSet;

    /// Decides which events `command` produces and appends them to `out`.
    ///
    /// On error nothing is appended. A command without a handler in the current state is
    /// refused with [`CommandError::NotHandled`]; a handler's own refusal is
    /// [`CommandError::Rejected`].
    fn decide_into(
        &self,
        command: Self::Command,
        out: &mut Vec<Self::Event>,
    ) -> Result<(), CommandError<Self::Error>>;

    /// Decides which events `command` produces.
    fn decide(
        &self,
        command: impl Into<Self::Command>,
    ) -> Result<Vec<Self::Event>, CommandError<Self::Error>> {
        let mut events = Vec::new();
        self.decide_into(command.into(), &mut events)?;
        Ok(events)
    }
}

/// A type that holds the data of one state of aggregate `A`.
///
/// Implemented by `#[aggregate]` for the type inside each state variant, and for the marker
/// struct it generates for each data-less state.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a state of `{A}`",
    label = "not one of the states declared in `enum {A}`",
    note = "a state of `{A}` is the type held by one of the variants of `enum {A}`, or, for a data-less variant, the variant's name"
)]
pub trait StateOf<A>: Sized {
    /// The state's name, as written in the source.
    const NAME: &'static str;

    /// The state's data if `aggregate` is currently in this state.
    fn project(aggregate: &A) -> Option<&Self>;
}
