//! The coin-operated turnstile of `examples/turnstile.rs`.

use lsaa::prelude::*;
use serde::{Deserialize, Serialize};

/// A coin was inserted.
#[derive(Event, Debug, Clone, PartialEq, Serialize, Deserialize)]
#[event(name = "turnstile.coin-inserted", version = 1)]
pub(crate) struct CoinInserted {
    /// The coin's value.
    pub(crate) cents: u32,
}

/// Someone pushed through the arm.
#[derive(Event, Debug, Clone, PartialEq, Serialize, Deserialize)]
#[event(name = "turnstile.passed-through")]
pub(crate) struct PassedThrough;

/// Insert a coin.
#[derive(Debug, Clone)]
pub(crate) struct InsertCoin {
    /// The coin's value.
    pub(crate) cents: u32,
}

/// Push the arm.
#[derive(Debug, Clone)]
pub(crate) struct Push;

/// Why the turnstile refuses a command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum TurnstileError {
    /// Coins below this value are not accepted.
    CoinTooSmall,
}

/// The locked arm, with the coins collected so far.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Locked {
    /// Cents collected since installation.
    pub(crate) collected: u32,
}

/// The unlocked arm.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Unlocked {
    /// Cents collected since installation.
    pub(crate) collected: u32,
}

/// A coin-operated turnstile.
#[aggregate(events(CoinInserted, PassedThrough), error = TurnstileError)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum Turnstile {
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
