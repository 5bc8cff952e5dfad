//! Given/when/then tests for aggregates.
//!
//! ```text
//! use lsaa::testing::*;
//!
//! Turnstile::given([CoinInserted { cents: 100 }.into()])
//!     .when(Push)
//!     .then([PassedThrough.into()]);
//! Turnstile::given_nothing().when(Push).then_refused();
//! ```
//!
//! The harness is synchronous: it works in a plain `#[test]` and inside `#[tokio::test]`.
//! It compares only the events the command emits, never the history. On the way it checks
//! that every event (given or emitted) round-trips through serde (JSON) unchanged, and that
//! evolve is deterministic (the same event applied to two copies of a state gives equal
//! states). A failed expectation panics with the given history, the command, and a line diff
//! of expected against actual.

use std::fmt::{self, Debug, Write as _};

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::aggregate::{Aggregate, Decide};
use crate::error::CommandError;

/// What an aggregate needs for the harness: debuggable, comparable values and serde events.
pub trait Testable: Decide + Clone + Debug + PartialEq
where
    Self::Event: Clone + Debug + PartialEq + Serialize + DeserializeOwned,
    Self::Command: Debug,
    Self::Error: Debug,
{
}

impl<A> Testable for A
where
    A: Decide + Clone + Debug + PartialEq,
    A::Event: Clone + Debug + PartialEq + Serialize + DeserializeOwned,
    A::Command: Debug,
    A::Error: Debug,
{
}

/// Starts a scenario: `Aggregate::given(events)` or `Aggregate::given_nothing()`.
pub trait Scenario: Testable
where
    Self::Event: Clone + Debug + PartialEq + Serialize + DeserializeOwned,
    Self::Command: Debug,
    Self::Error: Debug,
{
    /// The aggregate after replaying `events` from its initial state.
    ///
    /// # Panics
    ///
    /// If an event is illegal where it stands, does not round-trip through serde, or evolves
    /// non-deterministically.
    #[track_caller]
    fn given(events: impl IntoIterator<Item = Self::Event>) -> Given<Self> {
        let mut given = Given {
            state: Self::initial(),
            history: Vec::new(),
        };
        for event in events {
            given.state = given.apply(&event, "given");
            given.history.push(event);
        }
        given
    }

    /// The aggregate in its initial state, with no history.
    #[must_use]
    fn given_nothing() -> Given<Self> {
        Given {
            state: Self::initial(),
            history: Vec::new(),
        }
    }
}

impl<A> Scenario for A
where
    A: Testable,
    A::Event: Clone + Debug + PartialEq + Serialize + DeserializeOwned,
    A::Command: Debug,
    A::Error: Debug,
{
}

/// An aggregate with a known history, ready for a command.
#[derive(Debug, Clone)]
pub struct Given<A: Aggregate> {
    state: A,
    history: Vec<A::Event>,
}

impl<A> Given<A>
where
    A: Testable,
    A::Event: Clone + Debug + PartialEq + Serialize + DeserializeOwned,
    A::Command: Debug,
    A::Error: Debug,
{
    /// Decides `command` in the current state.
    pub fn when(self, command: impl Into<A::Command>) -> When<A> {
        let command = command.into();
        let described = format!("{command:?}");
        let outcome = self.state.decide(command);
        When {
            given: self,
            command: described,
            outcome,
        }
    }

    /// The current state.
    #[must_use]
    pub fn state(&self) -> &A {
        &self.state
    }

    /// Every event so far: the given ones, then those of each `when` that succeeded.
    #[must_use]
    pub fn history(&self) -> &[A::Event] {
        &self.history
    }

    #[track_caller]
    fn apply(&self, event: &A::Event, role: &str) -> A {
        check_round_trip(event, role, &self.history);
        let once = self.state.clone().evolve(event);
        let twice = self.state.clone().evolve(event);
        match (once, twice) {
            (Ok(once), Ok(twice)) => {
                assert!(
                    once == twice,
                    "evolve is not deterministic: applying {role} event {event:?} to {:?} gave\n  {once:?}\nthen\n  {twice:?}",
                    self.state
                );
                once
            }
            (Err(illegal), _) | (_, Err(illegal)) => panic!(
                "{role} event #{} is illegal: {illegal}\n{}",
                self.history.len() + 1,
                describe_history(&self.history)
            ),
        }
    }
}

/// A scenario after its command: assert on the outcome with one of the `then` methods.
#[must_use = "a scenario asserts nothing until one of its `then` methods is called"]
pub struct When<A: Decide> {
    given: Given<A>,
    command: String,
    outcome: Result<Vec<A::Event>, CommandError<A::Error>>,
}

impl<A> When<A>
where
    A: Testable,
    A::Event: Clone + Debug + PartialEq + Serialize + DeserializeOwned,
    A::Command: Debug,
    A::Error: Debug,
{
    /// Asserts that the command emitted exactly `expected`, in order; returns the scenario
    /// with those events applied, for a further `when`.
    ///
    /// # Panics
    ///
    /// If the command failed or emitted other events.
    #[track_caller]
    pub fn then(self, expected: impl IntoIterator<Item = A::Event>) -> Given<A> {
        let expected: Vec<A::Event> = expected.into_iter().collect();
        match &self.outcome {
            Ok(actual) if *actual == expected => {}
            Ok(actual) => self.fail(
                "the command emitted other events than expected",
                &format!("{expected:#?}"),
                &format!("{actual:#?}"),
            ),
            Err(error) => self.fail(
                "expected events, but the command was not carried out",
                &format!("{expected:#?}"),
                &format!("{}", Refusal(error)),
            ),
        }
        self.advance()
    }

    /// Asserts that the command succeeded without emitting any event.
    ///
    /// # Panics
    ///
    /// If the command failed or emitted events.
    #[track_caller]
    pub fn then_nothing(self) -> Given<A> {
        match &self.outcome {
            Ok(actual) if actual.is_empty() => {}
            Ok(actual) => self.fail(
                "expected no events, but the command emitted some",
                "[]",
                &format!("{actual:#?}"),
            ),
            Err(error) => self.fail(
                "expected no events, but the command was not carried out",
                "[]",
                &format!("{}", Refusal(error)),
            ),
        }
        self.advance()
    }

    /// Asserts that the handler refused the command with `expected`.
    ///
    /// # Panics
    ///
    /// If the command succeeded, had no handler, or failed with another error.
    #[track_caller]
    #[allow(
        clippy::needless_pass_by_value,
        reason = "`then_err(Error::Variant)` reads better than `then_err(&Error::Variant)`"
    )]
    pub fn then_err(self, expected: A::Error) -> Given<A>
    where
        A::Error: PartialEq,
    {
        let wanted = format!("error {expected:#?}");
        match &self.outcome {
            Err(CommandError::Rejected(actual)) if *actual == expected => {}
            Err(error) => self.fail(
                "expected the handler to reject the command with another error",
                &wanted,
                &format!("{}", Refusal(error)),
            ),
            Ok(actual) => self.fail(
                "expected the handler to reject the command, but it emitted events",
                &wanted,
                &format!("{actual:#?}"),
            ),
        }
        self.given
    }

    /// Asserts that the current state has no handler for the command.
    ///
    /// # Panics
    ///
    /// If a handler ran.
    #[track_caller]
    pub fn then_refused(self) -> Given<A> {
        let wanted = format!(
            "no handler for the command in state `{}`",
            self.given.state.state_name()
        );
        match &self.outcome {
            Err(CommandError::NotHandled { .. }) => {}
            Err(error) => self.fail(
                "expected no handler for the command, but a handler rejected it",
                &wanted,
                &format!("{}", Refusal(error)),
            ),
            Ok(actual) => self.fail(
                "expected no handler for the command, but a handler emitted events",
                &wanted,
                &format!("{actual:#?}"),
            ),
        }
        self.given
    }

    /// Asserts that the command succeeded and left the aggregate in `expected`.
    ///
    /// # Panics
    ///
    /// If the command failed or the resulting state differs.
    #[track_caller]
    pub fn then_state(self, expected: impl Into<A>) -> Given<A> {
        let expected = expected.into();
        if let Err(error) = &self.outcome {
            self.fail(
                "expected a state, but the command was not carried out",
                &format!("{expected:#?}"),
                &format!("{}", Refusal(error)),
            );
        }
        let command = self.command.clone();
        let history_before = self.given.history.len();
        let given = self.advance();
        if given.state != expected {
            let emitted = format!("{:?}", &given.history[history_before..]);
            let command = format!("{command}\nemitted:\n    {emitted}");
            let report = Report {
                history: &given.history[..history_before],
                command: Some(&command),
                wanted: "the command left the aggregate in another state than expected",
                expected: &format!("{expected:#?}"),
                actual: &format!("{:#?}", given.state),
            };
            panic!("{report}");
        }
        given
    }

    /// The outcome, for assertions the `then` methods do not cover.
    pub fn outcome(&self) -> &Result<Vec<A::Event>, CommandError<A::Error>> {
        &self.outcome
    }

    #[track_caller]
    fn advance(self) -> Given<A> {
        let mut given = self.given;
        if let Ok(events) = self.outcome {
            for event in events {
                given.state = given.apply(&event, "emitted");
                given.history.push(event);
            }
        }
        given
    }

    #[track_caller]
    fn fail(&self, wanted: &str, expected: &str, actual: &str) -> ! {
        let report = Report {
            history: &self.given.history,
            command: Some(&self.command),
            wanted,
            expected,
            actual,
        };
        panic!("{report}");
    }
}

struct Refusal<'e, E>(&'e CommandError<E>);

impl<E: Debug> fmt::Display for Refusal<'_, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            CommandError::Rejected(error) => write!(f, "error {error:#?}"),
            CommandError::NotHandled {
                aggregate,
                state,
                command,
            } => write!(
                f,
                "no handler: command `{command}` is not handled while `{aggregate}` is `{state}`"
            ),
        }
    }
}

struct Report<'r, E> {
    history: &'r [E],
    command: Option<&'r str>,
    wanted: &'r str,
    expected: &'r str,
    actual: &'r str,
}

impl<E: Debug> fmt::Display for Report<'_, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "scenario failed: {}", self.wanted)?;
        f.write_str(&describe_history(self.history))?;
        if let Some(command) = self.command {
            writeln!(f, "when:\n    {command}")?;
        }
        writeln!(f, "expected:")?;
        indent(f, self.expected)?;
        writeln!(f, "actual:")?;
        indent(f, self.actual)?;
        writeln!(f, "diff (- expected, + actual):")?;
        f.write_str(&line_diff(self.expected, self.actual))
    }
}

fn indent(f: &mut fmt::Formatter<'_>, text: &str) -> fmt::Result {
    for line in text.lines() {
        writeln!(f, "    {line}")?;
    }
    Ok(())
}

fn describe_history<E: Debug>(history: &[E]) -> String {
    let mut out = String::from("given:\n");
    if history.is_empty() {
        out.push_str("    (no events)\n");
    }
    for (i, event) in history.iter().enumerate() {
        let _ = writeln!(out, "    #{} {event:?}", i + 1);
    }
    out
}

#[track_caller]
fn check_round_trip<E>(event: &E, role: &str, history: &[E])
where
    E: Debug + PartialEq + Serialize + DeserializeOwned,
{
    let json = match serde_json::to_string(event) {
        Ok(json) => json,
        Err(error) => panic!("{role} event {event:?} does not serialize: {error}"),
    };
    match serde_json::from_str::<E>(&json) {
        Ok(back) if back == *event => {}
        Ok(back) => panic!(
            "{role} event does not round-trip through serde:\n    before: {event:?}\n    json:   {json}\n    after:  {back:?}\n{}",
            describe_history(history)
        ),
        Err(error) => panic!(
            "{role} event {event:?} serializes to {json} but does not deserialize back: {error}"
        ),
    }
}

/// A line diff of two texts: `-` lines only in `expected`, `+` only in `actual`.
fn line_diff(expected: &str, actual: &str) -> String {
    let a: Vec<&str> = expected.lines().collect();
    let b: Vec<&str> = actual.lines().collect();
    // Longest common subsequence table; scenario outputs are small.
    let mut lcs = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for i in (0..a.len()).rev() {
        for j in (0..b.len()).rev() {
            lcs[i][j] = if a[i] == b[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let (mut i, mut j, mut out) = (0, 0, String::new());
    while i < a.len() || j < b.len() {
        if i < a.len() && j < b.len() && a[i] == b[j] {
            let _ = writeln!(out, "     {}", a[i]);
            i += 1;
            j += 1;
        } else if i < a.len() && (j == b.len() || lcs[i + 1][j] >= lcs[i][j + 1]) {
            let _ = writeln!(out, "   - {}", a[i]);
            i += 1;
        } else {
            let _ = writeln!(out, "   + {}", b[j]);
            j += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::line_diff;

    #[test]
    fn diff_marks_removed_and_added_lines() {
        let diff = line_diff("[\n    A,\n    B,\n]", "[\n    A,\n    C,\n]");
        assert_eq!(
            diff,
            "     [\n         A,\n   -     B,\n   +     C,\n     ]\n"
        );
    }

    #[test]
    fn diff_of_equal_texts_has_no_marks() {
        let diff = line_diff("a\nb", "a\nb");
        assert!(!diff.contains('+') && !diff.contains('-'));
    }
}
