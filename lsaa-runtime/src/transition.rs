//! The traits through which the compiler checks transitions: which events a state may emit,
//! which commands it handles, and which evolve function takes which arrow.
//!
//! `#[aggregate]` implements them from the declared table and the user's functions; each
//! carries a `#[diagnostic::on_unimplemented]` message so that a violation reads in the
//! domain's words. The user-supplied type (event, command) is always `Self`, so rustc reports
//! the custom message instead of inferring the only impl and reporting a type mismatch.

use std::marker::PhantomData;

use crate::aggregate::Aggregate;

/// Event `Self` labels an arrow out of state `S` of aggregate `A`.
#[diagnostic::on_unimplemented(
    message = "event `{Self}` cannot be emitted while `{A}` is `{S}`",
    label = "no arrow leaves `{S}` on `{Self}`",
    note = "a handler may only emit the events on the arrows out of its own state; if this transition is meant to exist, add `#[on({Self} => <target state>)]` to the `{S}` variant of `enum {A}` (and list `{Self}` in `events(...)` if it is not an event of `{A}` yet)"
)]
pub trait EmittableIn<A: Aggregate, S> {
    /// Wraps the event into the aggregate's event enum.
    fn into_event(self) -> A::Event;
}

/// Command `Self` has a `#[command]` handler in state `S` of aggregate `A`.
#[diagnostic::on_unimplemented(
    message = "command `{Self}` cannot be handled while `{A}` is `{S}`",
    label = "`{S}` has no handler for `{Self}`",
    note = "add a `#[command]` handler taking `&{S}` and `{Self}` to the `#[aggregate] impl {A}` block, or call it on a state that handles it"
)]
pub trait HandledIn<A: Aggregate, S>: Sized {
    /// Runs the handler and appends the events it emits to `out`.
    fn handle(state: &S, command: Self, out: &mut Vec<A::Event>) -> Result<(), A::Error>;
}

/// `Self` declares the arrow `S --E--> T`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` has no arrow from `{S}` on `{E}` to `{T}`",
    label = "this evolve function matches no declared arrow",
    note = "an evolve function `fn(state: S, event: &E) -> T` must mirror an arrow `#[on(E => T)]` on state `S` of `enum {Self}`; fix its state, event or return type, or declare the arrow"
)]
pub trait HasArrow<S, E, T> {}

/// The evolve function of the arrow `S --E--> T` of `Self`.
#[diagnostic::on_unimplemented(
    message = "the arrow from `{S}` on `{E}` to `{T}` of `{Self}` has no evolve function",
    label = "declared here",
    note = "add `fn <name>(state: {S}, event: &{E}) -> {T}` to the `#[aggregate] impl {Self}` block"
)]
pub trait EvolveArrow<S, E, T> {
    /// Takes the arrow.
    fn evolve(state: S, event: &E) -> T;
}

/// The typed emitter of a handler running in state `S` of aggregate `A`.
///
/// Handlers that emit several events, or one of several, take `out: &mut Emit<Self, S>` and
/// call [`emit`](Emit::emit); emitting an event that does not leave `S` does not compile.
pub struct Emit<A: Aggregate, S> {
    /// The caller's buffer, moved in for the duration of the call (no allocation).
    events: Vec<A::Event>,
    /// Where this call's events start in `events`.
    start: usize,
    state: PhantomData<fn(&S)>,
}

impl<A: Aggregate, S> Emit<A, S> {
    /// Emits `event`, which must label an arrow out of `S`.
    pub fn emit<E: EmittableIn<A, S>>(&mut self, event: E) -> &mut Self {
        self.events.push(event.into_event());
        self
    }

    /// The events emitted so far by this handler call.
    #[must_use]
    pub fn emitted(&self) -> &[A::Event] {
        &self.events[self.start..]
    }

    #[doc(hidden)]
    #[must_use]
    pub fn __new(buffer: Vec<A::Event>) -> Self {
        Self {
            start: buffer.len(),
            events: buffer,
            state: PhantomData,
        }
    }

    #[doc(hidden)]
    #[must_use]
    pub fn __into_inner(self) -> Vec<A::Event> {
        self.events
    }
}

#[allow(
    clippy::missing_fields_in_debug,
    reason = "shows this call's events, not the caller's whole buffer"
)]
impl<A, S> std::fmt::Debug for Emit<A, S>
where
    A: Aggregate,
    A::Event: std::fmt::Debug,
{
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Emit")
            .field("events", &self.events)
            .finish()
    }
}

/// Pushes the single event returned by a handler running in `S`.
#[doc(hidden)]
#[inline]
pub fn emit_one<A: Aggregate, S, E: EmittableIn<A, S>>(event: E, out: &mut Vec<A::Event>) {
    out.push(event.into_event());
}

/// A handler's error type converts into the aggregate's declared error.
#[diagnostic::on_unimplemented(
    message = "the handler's error `{Self}` does not convert into the error of `{A}`",
    label = "`{A}`'s error has no `From<{Self}>`",
    note = "implement `From<{Self}>` for the error named in `#[aggregate(error = ...)]` on `enum {A}`, or return that error; an aggregate without `error = ...` has handlers that cannot fail"
)]
pub trait IntoAggregateError<A: Aggregate> {
    /// Converts the error.
    fn into_aggregate_error(self) -> A::Error;
}

#[diagnostic::do_not_recommend]
impl<A: Aggregate, E> IntoAggregateError<A> for E
where
    A::Error: From<E>,
{
    #[inline]
    fn into_aggregate_error(self) -> A::Error {
        A::Error::from(self)
    }
}

/// Converts a handler's error into the aggregate's error.
#[doc(hidden)]
#[inline]
pub fn into_aggregate_error<A: Aggregate, E: IntoAggregateError<A>>(error: E) -> A::Error {
    error.into_aggregate_error()
}

/// The data of an initial state can be created from nothing.
#[diagnostic::on_unimplemented(
    message = "the initial state holds `{Self}`, which must implement `Default`",
    label = "`{Self}` is not `Default`",
    note = "an aggregate starts from its `#[initial]` state's `Default::default()`: derive or implement `Default` for `{Self}`, or make another state initial"
)]
pub trait InitialData: Sized {
    /// The state's data before the first event.
    fn initial_data() -> Self;
}

#[diagnostic::do_not_recommend]
impl<T: Default> InitialData for T {
    #[inline]
    fn initial_data() -> Self {
        T::default()
    }
}

/// Compile-time check that an evolve function mirrors a declared arrow.
#[doc(hidden)]
#[inline]
pub const fn assert_arrow<A: HasArrow<S, E, T>, S, E, T>() {}
