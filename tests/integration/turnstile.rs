//! Given/when/then for every handler, error and refusal of the turnstile.

use lsaa::prelude::*;

use crate::domains::turnstile::{
    CoinInserted, InsertCoin, Locked, PassedThrough, Push, Turnstile, TurnstileError,
    TurnstileEvent, Unlocked,
};

#[test]
fn a_coin_unlocks_the_arm() {
    Turnstile::given_nothing()
        .when(InsertCoin { cents: 50 })
        .then([CoinInserted { cents: 50 }.into()]);
}

#[test]
fn a_coin_below_ten_cents_is_rejected() {
    Turnstile::given_nothing()
        .when(InsertCoin { cents: 9 })
        .then_err(TurnstileError::CoinTooSmall);
}

#[test]
fn a_ten_cent_coin_is_the_smallest_accepted() {
    Turnstile::given_nothing()
        .when(InsertCoin { cents: 10 })
        .then([CoinInserted { cents: 10 }.into()]);
}

#[test]
fn pushing_an_unlocked_arm_passes_through() {
    Turnstile::given([CoinInserted { cents: 100 }.into()])
        .when(Push)
        .then([PassedThrough.into()]);
}

#[test]
fn pushing_a_locked_arm_is_refused() {
    Turnstile::given_nothing().when(Push).then_refused();
    Turnstile::given([CoinInserted { cents: 100 }.into(), PassedThrough.into()])
        .when(Push)
        .then_refused();
}

#[test]
fn a_second_coin_has_no_handler_although_its_arrow_exists() {
    // `Unlocked --CoinInserted--> Unlocked` is declared (a coin can fall in), but no command
    // handler produces it in `Unlocked`.
    Turnstile::given([CoinInserted { cents: 100 }.into()])
        .when(InsertCoin { cents: 100 })
        .then_refused();
}

#[test]
fn a_refused_command_leaves_the_state_and_history_alone() {
    let given = Turnstile::given_nothing().when(Push).then_refused();
    assert_eq!(given.state(), &Turnstile::initial());
    assert!(given.history().is_empty());
}

#[test]
fn a_rejected_command_leaves_the_state_and_history_alone() {
    let given = Turnstile::given_nothing()
        .when(InsertCoin { cents: 1 })
        .then_err(TurnstileError::CoinTooSmall);
    assert_eq!(given.state(), &Turnstile::initial());
    assert!(given.history().is_empty());
}

#[test]
fn when_chains_follow_the_emitted_events() {
    let given = Turnstile::given_nothing()
        .when(InsertCoin { cents: 50 })
        .then([CoinInserted { cents: 50 }.into()])
        .when(Push)
        .then([PassedThrough.into()])
        .when(Push)
        .then_refused()
        .when(InsertCoin { cents: 5 })
        .then_err(TurnstileError::CoinTooSmall)
        .when(InsertCoin { cents: 20 })
        .then([CoinInserted { cents: 20 }.into()]);
    let expected: [TurnstileEvent; 3] = [
        CoinInserted { cents: 50 }.into(),
        PassedThrough.into(),
        CoinInserted { cents: 20 }.into(),
    ];
    assert_eq!(given.history(), expected);
    assert_eq!(
        given.state(),
        &Turnstile::Unlocked(Unlocked { collected: 70 })
    );
}

#[test]
fn then_state_sees_the_collected_coins() {
    Turnstile::given([
        CoinInserted { cents: 100 }.into(),
        CoinInserted { cents: 25 }.into(),
    ])
    .when(Push)
    .then_state(Locked { collected: 125 });
}

#[test]
fn then_state_accepts_the_aggregate_itself() {
    Turnstile::given_nothing()
        .when(InsertCoin { cents: 40 })
        .then_state(Turnstile::Unlocked(Unlocked { collected: 40 }));
}

#[test]
fn the_initial_state_is_locked_with_nothing_collected() {
    assert_eq!(Turnstile::initial(), Turnstile::Locked(Locked::default()));
    assert_eq!(Turnstile::initial().state_name(), "Locked");
    assert!(!Turnstile::initial().is_terminal());
}

#[test]
fn decide_reports_a_missing_handler_with_aggregate_state_and_command() {
    let error = Turnstile::initial().decide(Push).unwrap_err();
    assert_eq!(
        error,
        CommandError::NotHandled {
            aggregate: "Turnstile",
            state: "Locked",
            command: "Push",
        }
    );
    assert!(error.is_not_handled());
    assert_eq!(error.rejected(), None);
}

#[test]
fn decide_wraps_a_domain_error_in_rejected() {
    let error = Turnstile::initial()
        .decide(InsertCoin { cents: 1 })
        .unwrap_err();
    assert_eq!(error, CommandError::Rejected(TurnstileError::CoinTooSmall));
    assert_eq!(error.rejected(), Some(&TurnstileError::CoinTooSmall));
    assert!(!error.is_not_handled());
}
