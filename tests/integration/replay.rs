//! Replay and fold: state is a fold over the history, and an illegal history is a typed error
//! naming the aggregate, state, event and version.

use lsaa::prelude::*;
use lsaa::{IllegalTransition, ReplayError};

use crate::basket::{added, changed, checked_out, removed};
use crate::domains::basket::{
    Abandoned, Basket, BasketAbandoned, BasketEvent, Line, OpenBasket, Order,
};
use crate::domains::turnstile::{CoinInserted, Locked, PassedThrough, Turnstile, Unlocked};

fn history() -> Vec<BasketEvent> {
    vec![
        added("tea", 2, 450),
        added("mug", 1, 1200),
        changed("tea", 3),
        removed("mug"),
        checked_out(1350),
    ]
}

#[test]
fn replaying_nothing_gives_the_initial_state() {
    assert_eq!(Basket::replay(&[]), Ok(Basket::Empty));
    assert_eq!(
        Turnstile::replay(&[]),
        Ok(Turnstile::Locked(Locked::default()))
    );
}

#[test]
fn replay_applies_every_event_in_order() {
    let basket = Basket::replay(&history()).unwrap();
    assert_eq!(
        basket,
        Basket::CheckedOut(Order {
            lines: vec![Line {
                sku: "tea".to_owned(),
                quantity: 3,
                unit_price_cents: 450,
            }],
            total_cents: 1350,
        })
    );
}

#[test]
fn replay_accepts_any_iterator_of_references() {
    let history = history();
    let by_iter = Basket::replay(history.iter()).unwrap();
    let by_vec = Basket::replay(&history).unwrap();
    assert_eq!(by_iter, by_vec);
}

#[test]
fn replay_is_deterministic() {
    let history = history();
    assert_eq!(Basket::replay(&history), Basket::replay(&history));
}

#[test]
fn snapshot_plus_tail_equals_full_replay() {
    let history = history();
    let full = Basket::replay(&history).unwrap();
    for split in 0..=history.len() {
        let (head, tail) = history.split_at(split);
        let snapshot = Basket::replay(head).unwrap();
        let first_version = u64::try_from(split).unwrap() + 1;
        assert_eq!(
            snapshot.fold(tail, first_version).unwrap(),
            full,
            "split at {split}"
        );
    }
}

#[test]
fn evolve_takes_one_arrow() {
    let open = Basket::Empty.evolve(&added("tea", 1, 450)).unwrap();
    assert_eq!(
        open,
        Basket::Open(OpenBasket {
            lines: vec![Line {
                sku: "tea".to_owned(),
                quantity: 1,
                unit_price_cents: 450,
            }],
        })
    );
    let abandoned = open.evolve(&BasketAbandoned.into()).unwrap();
    assert_eq!(abandoned, Basket::Abandoned);
    assert_eq!(Basket::from(Abandoned), abandoned);
}

#[test]
fn evolve_refuses_an_event_that_leaves_no_arrow() {
    let error = Basket::Empty.evolve(&removed("tea")).unwrap_err();
    assert_eq!(
        error,
        IllegalTransition {
            aggregate: "Basket",
            state: "Empty",
            event: "ItemRemoved",
        }
    );
    assert_eq!(
        error.to_string(),
        "event `ItemRemoved` is not legal while `Basket` is `Empty`: no arrow leaves `Empty` on `ItemRemoved`"
    );
}

#[test]
fn replaying_two_checkouts_names_state_event_and_version() {
    let mut history = history();
    history.push(checked_out(1350));
    let error = Basket::replay(&history).unwrap_err();
    assert_eq!(
        error,
        ReplayError {
            transition: IllegalTransition {
                aggregate: "Basket",
                state: "CheckedOut",
                event: "BasketCheckedOut",
            },
            version: 6,
            stream: None,
        }
    );
    assert_eq!(
        error.to_string(),
        "cannot replay event #6 of `Basket`: event `BasketCheckedOut` is not legal while `Basket` is `CheckedOut`: no arrow leaves `CheckedOut` on `BasketCheckedOut`"
    );
    assert_eq!(
        error.in_stream("Basket-42").to_string(),
        "cannot replay event #6 of stream `Basket-42` of `Basket`: event `BasketCheckedOut` is not legal while `Basket` is `CheckedOut`: no arrow leaves `CheckedOut` on `BasketCheckedOut`"
    );
}

#[test]
fn replaying_after_a_terminal_state_fails_on_the_first_extra_event() {
    let history = [
        BasketAbandoned.into(),
        added("tea", 1, 450),
        added("mug", 1, 1200),
    ];
    let error = Basket::replay(&history).unwrap_err();
    assert_eq!(error.version, 2);
    assert_eq!(error.transition.state, "Abandoned");
    assert_eq!(error.transition.event, "ItemAdded");
}

#[test]
fn fold_counts_versions_from_its_first_version() {
    let snapshot = Basket::replay(&history()).unwrap();
    let error = snapshot.fold(&[BasketAbandoned.into()], 6).unwrap_err();
    assert_eq!(error.version, 6);
    assert_eq!(error.transition.state, "CheckedOut");
    assert_eq!(error.transition.event, "BasketAbandoned");

    let open = Basket::replay(&[added("tea", 1, 450)]).unwrap();
    let error = open
        .fold(
            &[
                changed("tea", 2),
                removed("tea"),
                BasketAbandoned.into(),
                removed("tea"),
            ],
            41,
        )
        .unwrap_err();
    assert_eq!(error.version, 44);
    assert_eq!(error.transition.state, "Abandoned");
}

#[test]
fn replay_error_is_a_std_error_with_no_source() {
    let error = Turnstile::replay(&[PassedThrough.into()]).unwrap_err();
    let error: &dyn std::error::Error = &error;
    assert!(error.source().is_none());
    assert_eq!(
        error.to_string(),
        "cannot replay event #1 of `Turnstile`: event `PassedThrough` is not legal while `Turnstile` is `Locked`: no arrow leaves `Locked` on `PassedThrough`"
    );
}

#[test]
fn turnstile_replay_sums_every_coin() {
    let state = Turnstile::replay(&[
        CoinInserted { cents: 10 }.into(),
        CoinInserted { cents: 20 }.into(),
        PassedThrough.into(),
        CoinInserted { cents: 30 }.into(),
    ])
    .unwrap();
    assert_eq!(state, Turnstile::Unlocked(Unlocked { collected: 60 }));
}
