//! The classic coin-operated turnstile: two states, two events, two commands.
//!
//! Prints the state diagram, runs a few commands, shows a refused one, and replays the
//! history to the same state.

use lsaa::prelude::*;
use serde::{Deserialize, Serialize};

/// A coin was inserted.
#[derive(Event, Debug, Clone, PartialEq, Serialize, Deserialize)]
#[event(name = "turnstile.coin-inserted", version = 1)]
pub struct CoinInserted {
    /// The coin's value.
    pub cents: u32,
}

/// Someone pushed through the arm.
#[derive(Event, Debug, Clone, PartialEq, Serialize, Deserialize)]
#[event(name = "turnstile.passed-through")]
pub struct PassedThrough;

/// Insert a coin.
#[derive(Debug)]
pub struct InsertCoin {
    /// The coin's value.
    pub cents: u32,
}

/// Push the arm.
#[derive(Debug)]
pub struct Push;

/// Why the turnstile refuses a command.
#[derive(Debug, Clone, PartialEq)]
pub enum TurnstileError {
    /// Coins below this value are not accepted.
    CoinTooSmall,
}

/// The locked arm, with the coins collected so far.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Locked {
    /// Cents collected since installation.
    pub collected: u32,
}

/// The unlocked arm.
#[derive(Debug, Clone, PartialEq)]
pub struct Unlocked {
    /// Cents collected since installation.
    pub collected: u32,
}

/// A coin-operated turnstile.
#[aggregate(events(CoinInserted, PassedThrough), error = TurnstileError)]
#[derive(Debug, Clone, PartialEq)]
pub enum Turnstile {
    /// Waiting for a coin.
    #[initial]
    #[on(CoinInserted => Unlocked)]
    Locked(Locked),
    /// Waiting for a push.
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
            return Err(TurnstileError::CoinTooSmall);
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

fn main() {
    println!("{}", Turnstile::GRAPH.mermaid());
    let mut state = Turnstile::initial();
    let mut history = Vec::new();
    for command in [
        TurnstileCommand::from(InsertCoin { cents: 50 }),
        Push.into(),
        Push.into(),
    ] {
        match state.decide(command) {
            Ok(events) => {
                for event in events {
                    state = state.evolve(&event).expect("decided events are legal");
                    history.push(event);
                }
            }
            Err(error) => println!("refused: {error:?}"),
        }
    }
    let replayed = Turnstile::replay(&history).expect("history is legal");
    assert_eq!(replayed, state);
    println!("{state:?}");
}
