//! The given/when/then harness itself: what it checks on the way, and what a failure says.

use std::panic::{UnwindSafe, catch_unwind};
use std::sync::{Arc, Mutex};

use lsaa::prelude::*;

use crate::basket::{add, added, changed, checked_out};
use crate::domains::basket::{Basket, BasketError, CheckOut, OpenBasket};
use crate::domains::turnstile::{
    CoinInserted, InsertCoin, PassedThrough, Push, Turnstile, TurnstileError,
};

/// The message of the panic `scenario` raises; fails if it does not panic.
#[track_caller]
fn panic_message(scenario: impl FnOnce() + UnwindSafe) -> String {
    let payload = catch_unwind(scenario).expect_err("the scenario should have failed");
    if let Some(message) = payload.downcast_ref::<String>() {
        message.clone()
    } else if let Some(message) = payload.downcast_ref::<&str>() {
        (*message).to_owned()
    } else {
        panic!("the panic payload is not a string")
    }
}

#[track_caller]
fn assert_contains(message: &str, parts: &[&str]) {
    for part in parts {
        assert!(message.contains(part), "missing {part:?} in:\n{message}");
    }
}

#[test]
fn wrong_events_show_given_when_expected_actual_and_a_diff() {
    let message = panic_message(|| {
        Basket::given([added("tea", 2, 450)])
            .when(add("tea", 1, 450))
            .then([changed("tea", 4)]);
    });
    assert_eq!(
        message,
        r#"scenario failed: the command emitted other events than expected
given:
    #1 ItemAdded { sku: "tea", quantity: 2, unit_price_cents: 450 }
when:
    AddItem { sku: "tea", quantity: 1, unit_price_cents: 450 }
expected:
    [
        QuantityChanged {
            sku: "tea",
            quantity: 4,
        },
    ]
actual:
    [
        QuantityChanged {
            sku: "tea",
            quantity: 3,
        },
    ]
diff (- expected, + actual):
     [
         QuantityChanged {
             sku: "tea",
   -         quantity: 4,
   +         quantity: 3,
         },
     ]
"#
    );
}

#[test]
fn an_extra_event_shows_as_added_lines() {
    let message = panic_message(|| {
        Basket::given([added("tea", 2, 450)])
            .when(CheckOut)
            .then([]);
    });
    assert_contains(
        &message,
        &[
            "expected:\n    []\n",
            "   - []\n",
            "   +     BasketCheckedOut {\n",
            "   +         total_cents: 900,\n",
        ],
    );
}

#[test]
fn expected_events_after_a_rejection_show_the_error() {
    let message = panic_message(|| {
        Basket::given([added("tea", 2, 450)])
            .when(add("tea", 0, 450))
            .then([changed("tea", 2)]);
    });
    assert_contains(
        &message,
        &[
            "scenario failed: expected events, but the command was not carried out",
            "actual:\n    error QuantityZero\n",
            "   + error QuantityZero\n",
        ],
    );
}

#[test]
fn expected_events_after_a_refusal_name_state_and_command() {
    let message = panic_message(|| {
        Turnstile::given_nothing().when(Push).then([]);
    });
    assert_contains(
        &message,
        &[
            "given:\n    (no events)\n",
            "when:\n    Push\n",
            "no handler: command `Push` is not handled while `Turnstile` is `Locked`",
        ],
    );
}

#[test]
fn then_err_on_success_fails_with_the_events() {
    let message = panic_message(|| {
        Turnstile::given_nothing()
            .when(InsertCoin { cents: 50 })
            .then_err(TurnstileError::CoinTooSmall);
    });
    assert_contains(
        &message,
        &[
            "scenario failed: expected the handler to reject the command",
            "expected:\n    error CoinTooSmall\n",
            "   +     CoinInserted {\n",
            "   +         cents: 50,\n",
        ],
    );
}

#[test]
fn then_err_with_another_error_fails_with_both() {
    let message = panic_message(|| {
        Basket::given([added("tea", 1, 450)])
            .when(add("tea", 0, 450))
            .then_err(BasketError::EmptyBasket);
    });
    assert_contains(
        &message,
        &["   - error EmptyBasket\n", "   + error QuantityZero\n"],
    );
}

#[test]
fn then_err_on_a_refusal_says_no_handler() {
    let message = panic_message(|| {
        Basket::given_nothing()
            .when(CheckOut)
            .then_err(BasketError::EmptyBasket);
    });
    assert_contains(
        &message,
        &["no handler: command `CheckOut` is not handled while `Basket` is `Empty`"],
    );
}

#[test]
fn then_refused_when_a_handler_ran_fails() {
    let message = panic_message(|| {
        Turnstile::given_nothing()
            .when(InsertCoin { cents: 50 })
            .then_refused();
    });
    assert_contains(
        &message,
        &[
            "scenario failed: expected no handler for the command",
            "no handler for the command in state `Locked`",
        ],
    );
    let message = panic_message(|| {
        Turnstile::given_nothing()
            .when(InsertCoin { cents: 5 })
            .then_refused();
    });
    assert_contains(&message, &["actual:\n    error CoinTooSmall\n"]);
}

#[test]
fn then_nothing_with_events_fails() {
    let message = panic_message(|| {
        Basket::given([added("tea", 1, 450)])
            .when(CheckOut)
            .then_nothing();
    });
    assert_contains(
        &message,
        &[
            "scenario failed: expected no events",
            "   - []\n",
            "total_cents: 450,",
        ],
    );
}

#[test]
fn then_state_with_another_state_fails_with_a_diff() {
    let message = panic_message(|| {
        Basket::given([added("tea", 1, 450)])
            .when(add("tea", 1, 450))
            .then_state(OpenBasket::default());
    });
    assert_contains(
        &message,
        &[
            "scenario failed: the command left the aggregate in another state than expected",
            // The state is checked after the events were applied: they are shown as emitted.
            "emitted:\n    [QuantityChanged { sku: \"tea\", quantity: 2 }]\n",
            "   -         lines: [],\n",
            "   +         lines: [\n",
        ],
    );
}

#[test]
fn then_state_with_another_state_names_the_command() {
    let message = panic_message(|| {
        Basket::given([added("tea", 1, 450)])
            .when(add("tea", 1, 450))
            .then_state(OpenBasket::default());
    });
    assert_contains(
        &message,
        &["when:\n    AddItem { sku: \"tea\", quantity: 1, unit_price_cents: 450 }\n"],
    );
}

#[test]
fn then_state_after_a_rejection_fails() {
    let message = panic_message(|| {
        Basket::given_nothing()
            .when(add("tea", 0, 450))
            .then_state(Basket::Empty);
    });
    assert_contains(
        &message,
        &[
            "scenario failed: expected a state, but the command was not carried out",
            "actual:\n    error QuantityZero\n",
        ],
    );
}

#[test]
fn an_illegal_given_history_names_the_event_and_its_position() {
    let message = panic_message(|| {
        let _ = Basket::given([added("tea", 1, 450), checked_out(450), checked_out(450)]);
    });
    assert_contains(
        &message,
        &[
            "given event #3 is illegal: event `BasketCheckedOut` is not legal while `Basket` is `CheckedOut`",
            "    #1 ItemAdded { sku: \"tea\", quantity: 1, unit_price_cents: 450 }\n",
            "    #2 BasketCheckedOut { total_cents: 450 }\n",
        ],
    );
}

#[test]
fn a_failure_points_at_the_test_not_the_harness() {
    // `#[track_caller]` all the way down: the panic's location is the test's `.then(...)`.
    // The hook is process-wide, so it records only panics of this test's thread.
    let test_thread = std::thread::current().id();
    let location = Arc::new(Mutex::new(None));
    let seen = Arc::clone(&location);
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if std::thread::current().id() == test_thread {
            *seen.lock().unwrap() = info.location().map(|l| (l.file().to_owned(), l.line()));
        }
    }));
    let line = line!() + 1;
    let result = catch_unwind(|| Turnstile::given_nothing().when(Push).then([]));
    std::panic::set_hook(previous);
    assert!(result.is_err());
    assert_eq!(
        *location.lock().unwrap(),
        Some(("tests/integration/harness.rs".to_owned(), line))
    );
}

#[test]
fn outcome_exposes_the_decision_before_asserting() {
    let when = Turnstile::given([CoinInserted { cents: 10 }.into()]).when(Push);
    assert_eq!(when.outcome(), &Ok(vec![PassedThrough.into()]));
    let given = when.then([PassedThrough.into()]);
    assert_eq!(given.history().len(), 2);
    let when = given.when(Push);
    assert!(
        when.outcome()
            .as_ref()
            .is_err_and(CommandError::is_not_handled)
    );
    when.then_refused();
}

#[tokio::test(flavor = "current_thread")]
async fn the_harness_works_inside_a_runtime() {
    let given = Basket::given_nothing()
        .when(add("tea", 2, 450))
        .then([added("tea", 2, 450)]);
    tokio::task::yield_now().await;
    let given = given.when(CheckOut).then([checked_out(900)]);
    assert!(given.state().is_terminal());
    // And inside a task spawned on the runtime.
    let total = tokio::spawn(async {
        Turnstile::given_nothing()
            .when(InsertCoin { cents: 30 })
            .then([CoinInserted { cents: 30 }.into()])
            .when(Push)
            .then([PassedThrough.into()])
            .history()
            .len()
    })
    .await
    .unwrap();
    assert_eq!(total, 2);
}

/// An aggregate whose event loses a field in its serde form.
mod leaky {
    use lsaa::prelude::*;
    use serde::{Deserialize, Serialize};

    /// A note was written; `secret` is not stored.
    #[derive(Event, Debug, Clone, PartialEq, Serialize, Deserialize)]
    pub(crate) struct Noted {
        pub(crate) text: String,
        #[serde(skip)]
        pub(crate) secret: u32,
    }

    #[derive(Debug)]
    pub(crate) struct Note {
        pub(crate) text: String,
        pub(crate) secret: u32,
    }

    #[derive(Debug, Clone, Default, PartialEq, Eq)]
    pub(crate) struct Notes {
        pub(crate) count: u32,
    }

    /// Without `error = ...`: handlers cannot fail.
    #[aggregate(events(Noted))]
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub(crate) enum Notebook {
        #[initial]
        #[on(Noted => Writing)]
        Writing(Notes),
    }

    #[aggregate]
    impl Notebook {
        fn noted(notes: Notes, _: &Noted) -> Notes {
            Notes {
                count: notes.count + 1,
            }
        }

        #[command]
        fn write(_: &Notes, command: Note) -> Noted {
            Noted {
                text: command.text,
                secret: command.secret,
            }
        }
    }
}

/// An aggregate whose evolve function depends on more than its inputs.
mod flaky {
    use std::sync::atomic::{AtomicU32, Ordering};

    use lsaa::prelude::*;
    use serde::{Deserialize, Serialize};

    static CALLS: AtomicU32 = AtomicU32::new(0);

    #[derive(Event, Debug, Clone, PartialEq, Serialize, Deserialize)]
    pub(crate) struct Ticked;

    // Without a single `#[command]` the generated `decide_into` warns `unreachable expression`.
    #[derive(Debug)]
    pub(crate) struct Tick;

    #[derive(Debug, Clone, Default, PartialEq, Eq)]
    pub(crate) struct Ticks {
        pub(crate) seen: u32,
    }

    #[aggregate(events(Ticked))]
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub(crate) enum Clock {
        #[initial]
        #[on(Ticked => Running)]
        Running(Ticks),
    }

    #[aggregate]
    impl Clock {
        fn ticked(_: Ticks, _: &Ticked) -> Ticks {
            Ticks {
                seen: CALLS.fetch_add(1, Ordering::Relaxed),
            }
        }

        #[command]
        fn tick(_: &Ticks, _: Tick) -> Ticked {
            Ticked
        }
    }
}

#[test]
fn a_given_event_that_does_not_round_trip_is_caught() {
    use leaky::{Notebook, Noted};
    // `secret: 0` survives (it is the default), 7 does not.
    Notebook::given([Noted {
        text: "a".to_owned(),
        secret: 0,
    }
    .into()]);
    let message = panic_message(|| {
        let _ = Notebook::given([Noted {
            text: "b".to_owned(),
            secret: 7,
        }
        .into()]);
    });
    assert_contains(
        &message,
        &[
            "given event does not round-trip through serde:",
            "before: Noted { text: \"b\", secret: 7 }",
            "json:   {\"Noted\":{\"text\":\"b\"}}",
            "after:  Noted { text: \"b\", secret: 0 }",
        ],
    );
}

#[test]
fn an_emitted_event_that_does_not_round_trip_is_caught() {
    use leaky::{Note, Notebook, Noted};
    let message = panic_message(|| {
        Notebook::given_nothing()
            .when(Note {
                text: "c".to_owned(),
                secret: 9,
            })
            .then([Noted {
                text: "c".to_owned(),
                secret: 9,
            }
            .into()]);
    });
    assert_contains(
        &message,
        &["emitted event does not round-trip through serde:"],
    );
}

#[test]
fn a_non_deterministic_evolve_is_caught() {
    use flaky::{Clock, Ticked};
    let message = panic_message(|| {
        let _ = Clock::given([Ticked.into()]);
    });
    assert_contains(
        &message,
        &["evolve is not deterministic: applying given event Ticked to Running(Ticks { seen: 0 })"],
    );
}

#[test]
fn an_emitter_sequence_that_leaves_the_graph_is_caught() {
    use crate::domains::door::{Door, DoorClosed, DoorOpened, Slam};
    // Each event `slam` emits labels an arrow out of `Open`, which is all `Emit<Self, Open>`
    // checks; but the first `DoorClosed` leaves `Open`, so the second one is illegal. Decide
    // does not notice; evolve, replay and the harness do.
    let open = Door::replay(&[DoorOpened.into()]).unwrap();
    let events = open.decide(Slam).unwrap();
    assert_eq!(events, [DoorClosed.into(), DoorClosed.into()]);
    let error = open.fold(&events, 2).unwrap_err();
    assert_eq!((error.version, error.transition.state), (3, "Closed"));

    let message = panic_message(|| {
        Door::given([DoorOpened.into()])
            .when(Slam)
            .then([DoorClosed.into(), DoorClosed.into()]);
    });
    assert_contains(
        &message,
        &[
            "emitted event #3 is illegal: event `DoorClosed` is not legal while `Door` is `Closed`",
            "    #2 DoorClosed\n",
        ],
    );
}
