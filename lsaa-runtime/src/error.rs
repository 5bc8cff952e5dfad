//! Typed errors of the pure core: refused commands and illegal transitions.

use std::error::Error as StdError;
use std::fmt;

/// Why a command produced no events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CommandError<E> {
    /// The handler ran and refused the command with a domain error.
    Rejected(E),
    /// The current state has no handler for this command.
    NotHandled {
        /// The aggregate's name.
        aggregate: &'static str,
        /// The state the aggregate was in.
        state: &'static str,
        /// The command's name.
        command: &'static str,
    },
}

impl<E> CommandError<E> {
    /// The domain error, if the handler refused the command.
    pub fn rejected(&self) -> Option<&E> {
        match self {
            Self::Rejected(error) => Some(error),
            Self::NotHandled { .. } => None,
        }
    }

    /// Whether the command was refused because no handler exists in the current state.
    pub fn is_not_handled(&self) -> bool {
        matches!(self, Self::NotHandled { .. })
    }
}

impl<E: fmt::Display> fmt::Display for CommandError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Rejected(error) => write!(f, "command rejected: {error}"),
            Self::NotHandled {
                aggregate,
                state,
                command,
            } => write!(
                f,
                "command `{command}` is not handled while `{aggregate}` is `{state}`"
            ),
        }
    }
}

impl<E: StdError + 'static> StdError for CommandError<E> {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        match self {
            Self::Rejected(error) => Some(error),
            Self::NotHandled { .. } => None,
        }
    }
}

/// An event that labels no arrow out of the aggregate's current state.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "event `{event}` is not legal while `{aggregate}` is `{state}`: no arrow leaves `{state}` on `{event}`"
)]
pub struct IllegalTransition {
    /// The aggregate's name.
    pub aggregate: &'static str,
    /// The state the aggregate was in.
    pub state: &'static str,
    /// The event's name (its Rust type name).
    pub event: &'static str,
}

/// Replaying a history failed: one of its events is illegal where it stands.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "cannot replay event #{version}{} of `{}`: {transition}",
    stream.as_ref().map(|s| format!(" of stream `{s}`")).unwrap_or_default(),
    transition.aggregate
)]
pub struct ReplayError {
    /// The transition that was refused.
    pub transition: IllegalTransition,
    /// The version (1-based position in the stream) of the illegal event.
    pub version: u64,
    /// The stream the history was read from, when it came from a store.
    pub stream: Option<String>,
}

impl ReplayError {
    /// An illegal transition found at `version`.
    #[must_use]
    pub fn new(transition: IllegalTransition, version: u64) -> Self {
        Self {
            transition,
            version,
            stream: None,
        }
    }

    /// The same error, naming the stream it was read from.
    #[must_use]
    pub fn in_stream(mut self, stream: impl Into<String>) -> Self {
        self.stream = Some(stream.into());
        self
    }
}
