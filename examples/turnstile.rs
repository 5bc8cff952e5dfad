//! The classic coin-operated turnstile: two states, two events, two commands.
//!
//! Prints the state diagram, runs a short sequence of commands (one of them refused because
//! the turnstile is in the wrong state, one rejected by the domain), then replays the
//! recorded history and checks that it gives the same state.
//!
//! Run it with `cargo run --example turnstile`.

use lsaa::prelude::*;
use serde::{Deserialize, Serialize};

/// A coin was inserted.
#[derive(Event, Debug, Clone, PartialEq, Serialize, Deserialize)]
#[event(name = "turnstile.coin-inserted", version = 1)]
pub struct CoinInserted {
    /// The coin's value in cents.
    pub cents: u32,
}

/// Someone pushed through the arm.
#[derive(Event, Debug, Clone, PartialEq, Serialize, Deserialize)]
#[event(name = "turnstile.passed-through", version = 1)]
pub struct PassedThrough;

/// Insert a coin.
#[derive(Debug)]
pub struct InsertCoin {
    /// The coin's value in cents.
    pub cents: u32,
}

/// Push the arm.
#[derive(Debug)]
pub struct Push;

/// Why the turnstile rejects a command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TurnstileError {
    /// Coins below 10 cents are not accepted.
    CoinTooSmall {
        /// The value of the rejected coin.
        cents: u32,
    },
}

impl std::fmt::Display for TurnstileError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::CoinTooSmall { cents } => write!(f, "a {cents}-cent coin is too small"),
        }
    }
}

impl std::error::Error for TurnstileError {}

/// The locked arm, with the money collected since installation.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Locked {
    /// Cents collected so far.
    pub collected: u32,
}

/// The unlocked arm, with the money collected since installation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unlocked {
    /// Cents collected so far.
    pub collected: u32,
}

/// A coin-operated turnstile.
#[aggregate(events(CoinInserted, PassedThrough), error = TurnstileError)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Turnstile {
    /// Waiting for a coin.
    #[initial]
    #[on(CoinInserted => Unlocked)]
    Locked(Locked),
    /// Waiting for someone to push through; extra coins are kept.
    #[on(PassedThrough => Locked, CoinInserted => Unlocked)]
    Unlocked(Unlocked),
}

#[aggregate]
impl Turnstile {
    fn unlock(state: Locked, event: &CoinInserted) -> Unlocked {
        Unlocked {
            collected: state.collected + event.cents,
        }
    }

    fn keep_coin(state: Unlocked, event: &CoinInserted) -> Unlocked {
        Unlocked {
            collected: state.collected + event.cents,
        }
    }

    fn lock(state: Unlocked, _: &PassedThrough) -> Locked {
        Locked {
            collected: state.collected,
        }
    }

    #[command]
    fn insert_coin(_: &Locked, command: InsertCoin) -> Result<CoinInserted, TurnstileError> {
        if command.cents < 10 {
            return Err(TurnstileError::CoinTooSmall {
                cents: command.cents,
            });
        }
        Ok(CoinInserted {
            cents: command.cents,
        })
    }

    #[command]
    fn push(_: &Unlocked, _: Push) -> PassedThrough {
        PassedThrough
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    println!("The turnstile's states and arrows (Mermaid):\n");
    println!("{}", Turnstile::GRAPH.mermaid());

    let commands: Vec<TurnstileCommand> = vec![
        InsertCoin { cents: 5 }.into(),
        InsertCoin { cents: 50 }.into(),
        Push.into(),
        Push.into(),
        InsertCoin { cents: 20 }.into(),
    ];

    let mut state = Turnstile::initial();
    let mut history: Vec<TurnstileEvent> = Vec::new();
    for command in commands {
        let before = state.state_name();
        let described = format!("{command:?}");
        match state.decide(command) {
            Ok(events) => {
                state = state.fold(&events, history.len() as u64 + 1)?;
                println!(
                    "{before:>8} | {described:<28} -> {events:?} -> {}",
                    state.state_name()
                );
                history.extend(events);
            }
            Err(CommandError::NotHandled { .. }) => {
                println!("{before:>8} | {described:<28} -> refused: no handler in `{before}`");
            }
            Err(CommandError::Rejected(error)) => {
                println!("{before:>8} | {described:<28} -> rejected: {error}");
            }
        }
    }

    println!("\nHistory ({} events, as stored):", history.len());
    for (index, event) in history.iter().enumerate() {
        println!(
            "  v{} {} (schema v{}): {}",
            index + 1,
            event.name(),
            event.version(),
            serde_json::to_string(event)?
        );
    }

    let replayed = Turnstile::replay(&history)?;
    assert_eq!(replayed, state);
    println!("\nReplayed from the history: {replayed:?}");
    let halfway = Turnstile::initial().fold(&history[..1], 1)?;
    println!("As of version 1:           {halfway:?}");
    Ok(())
}
