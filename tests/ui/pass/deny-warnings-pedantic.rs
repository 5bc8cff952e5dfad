// Passes: the generated code raises no warning under `#![deny(warnings)]` and clippy pedantic.
#![deny(warnings)]
#![deny(clippy::pedantic)]

use lsaa::prelude::*;
use serde::{Deserialize, Serialize};

/// A coin was inserted.
#[derive(Event, Debug, Clone, PartialEq, Serialize, Deserialize)]
#[event(name = "turnstile.coin-inserted", version = 2)]
pub struct CoinInserted {
    /// The coin's value.
    pub cents: u32,
}

/// Someone pushed through.
#[derive(Event, Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PassedThrough;

/// The turnstile was broken for good.
#[derive(Event, Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Vandalised;

/// Insert a coin.
#[derive(Debug)]
pub struct InsertCoin {
    /// The coin's value.
    pub cents: u32,
}

/// Push the arm.
#[derive(Debug)]
pub struct Push;

/// Kick the turnstile.
#[derive(Debug)]
pub struct Kick;

/// Why a command is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TurnstileError {
    /// The coin is too small.
    CoinTooSmall,
}

/// The unlocked arm.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unlocked {
    /// Cents collected.
    pub collected: u32,
}

/// A turnstile.
#[aggregate(events(CoinInserted, PassedThrough, Vandalised), error = TurnstileError)]
#[derive(Debug, Clone, PartialEq)]
#[on(Locked | Open: Vandalised => Broken)]
pub enum Turnstile {
    /// Waiting for a coin.
    #[initial]
    #[on(CoinInserted => Open)]
    Locked,
    /// Waiting for a push.
    #[on(PassedThrough => Locked, CoinInserted => Open)]
    Open(Unlocked),
    /// Out of order, for good.
    #[terminal]
    Broken,
}

#[aggregate]
impl Turnstile {
    fn unlock(_: Locked, event: &CoinInserted) -> Unlocked {
        Unlocked { collected: event.cents }
    }

    fn keep_coin(state: Unlocked, event: &CoinInserted) -> Unlocked {
        Unlocked { collected: state.collected + event.cents }
    }

    fn lock(_: Unlocked, _: &PassedThrough) -> Locked {
        Locked
    }

    fn break_locked(_: Locked, _: &Vandalised) -> Broken {
        Broken
    }

    fn break_open(_: Unlocked, _: &Vandalised) -> Broken {
        Broken
    }

    #[command]
    fn insert_coin(_: &Locked, command: InsertCoin) -> Result<CoinInserted, TurnstileError> {
        if command.cents < 10 {
            return Err(TurnstileError::CoinTooSmall);
        }
        Ok(CoinInserted { cents: command.cents })
    }

    #[command]
    fn push(_: &Unlocked, _: Push) -> PassedThrough {
        PassedThrough
    }

    #[command]
    fn kick(state: &Unlocked, _: Kick, out: &mut Emit<Self, Unlocked>) {
        if state.collected > 0 {
            out.emit(Vandalised);
        }
    }
}

fn main() {
    let mut state = Turnstile::initial();
    let mut history = Vec::new();
    let commands = [
        TurnstileCommand::from(InsertCoin { cents: 5 }),
        InsertCoin { cents: 50 }.into(),
        Push.into(),
        InsertCoin { cents: 20 }.into(),
        Kick.into(),
    ];
    for command in commands {
        if let Ok(events) = state.decide(command) {
            for event in events {
                state = state.clone().evolve(&event).expect("decided events are legal");
                history.push(event);
            }
        }
    }
    assert_eq!(state, Turnstile::Broken);
    assert!(state.is_terminal());
    assert_eq!(Turnstile::replay(&history).expect("history is legal"), state);
    let locked = Turnstile::initial();
    let handle = locked.in_state::<Locked>().expect("starts locked");
    assert_eq!(handle.handle(InsertCoin { cents: 1 }), Err(TurnstileError::CoinTooSmall));
    let open = Turnstile::Open(Unlocked { collected: 10 });
    let handle = open.in_state::<Unlocked>().expect("open");
    assert_eq!(handle.handle(Push).expect("infallible").len(), 1);
    println!("{}", Turnstile::GRAPH.mermaid());
}
