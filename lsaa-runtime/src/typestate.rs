//! Typestate handles: a value statically known to be in one state accepts only that state's
//! commands.

use std::fmt;
use std::marker::PhantomData;

use crate::aggregate::{Decide, StateOf};
use crate::transition::HandledIn;

/// A borrowed state `S` of aggregate `A`, known at compile time.
///
/// Obtain one with [`Aggregate::in_state`](crate::Aggregate::in_state) or
/// [`InState::new`]. [`handle`](InState::handle) only accepts the commands that `S` has a
/// handler for; any other command is a compile error naming the state and the command.
pub struct InState<'a, A, S> {
    state: &'a S,
    aggregate: PhantomData<fn() -> A>,
}

impl<'a, A, S: StateOf<A>> InState<'a, A, S> {
    /// A handle on `state`.
    #[must_use]
    pub fn new(state: &'a S) -> Self {
        Self {
            state,
            aggregate: PhantomData,
        }
    }

    /// The state's data.
    #[must_use]
    pub fn state(&self) -> &'a S {
        self.state
    }

    /// The state's name.
    #[must_use]
    pub fn name(&self) -> &'static str {
        S::NAME
    }

    /// Runs the handler of `command` in this state and returns the events it emits.
    pub fn handle<C>(&self, command: C) -> Result<Vec<A::Event>, A::Error>
    where
        A: Decide,
        C: HandledIn<A, S>,
    {
        let mut events = Vec::new();
        C::handle(self.state, command, &mut events)?;
        Ok(events)
    }
}

impl<A, S> Clone for InState<'_, A, S> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<A, S> Copy for InState<'_, A, S> {}

impl<A, S: StateOf<A> + fmt::Debug> fmt::Debug for InState<'_, A, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("InState").field(self.state).finish()
    }
}
