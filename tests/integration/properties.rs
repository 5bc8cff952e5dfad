//! Property tests on the basket: random command sessions checked against an independent
//! model of the basket, with decide and evolve driving the aggregate step by step.

use lsaa::prelude::*;
use proptest::prelude::*;

use crate::domains::basket::{
    Abandon, AddItem, Basket, BasketCommand, BasketError, BasketEvent, ChangeQuantity, CheckOut,
    MAX_UNITS, RemoveUnits,
};

const SKUS: [&str; 4] = ["tea", "mug", "spoon", "pot"];
const PRICES: [u64; 3] = [100, 450, 1200];

/// One step of a session, with skus and prices drawn from small sets so that lines collide.
#[derive(Debug, Clone)]
enum Choice {
    Add {
        sku: usize,
        quantity: u32,
        price: usize,
    },
    Change {
        sku: usize,
        quantity: u32,
    },
    Remove {
        sku: usize,
        quantity: u32,
    },
    CheckOut,
    Abandon,
}

impl Choice {
    fn command(&self) -> BasketCommand {
        match *self {
            Self::Add {
                sku,
                quantity,
                price,
            } => AddItem {
                sku: SKUS[sku].to_owned(),
                quantity,
                unit_price_cents: PRICES[price],
            }
            .into(),
            Self::Change { sku, quantity } => ChangeQuantity {
                sku: SKUS[sku].to_owned(),
                quantity,
            }
            .into(),
            Self::Remove { sku, quantity } => RemoveUnits {
                sku: SKUS[sku].to_owned(),
                quantity,
            }
            .into(),
            Self::CheckOut => CheckOut.into(),
            Self::Abandon => Abandon.into(),
        }
    }
}

fn choice() -> impl Strategy<Value = Choice> {
    // Mostly small quantities, sometimes zero or past the limit.
    let quantity = prop_oneof![8 => 1..=5u32, 1 => Just(0u32), 1 => 6..=(MAX_UNITS + 5)];
    prop_oneof![
        6 => (0..SKUS.len(), quantity.clone(), 0..PRICES.len())
            .prop_map(|(sku, quantity, price)| Choice::Add { sku, quantity, price }),
        2 => (0..SKUS.len(), quantity.clone())
            .prop_map(|(sku, quantity)| Choice::Change { sku, quantity }),
        3 => (0..SKUS.len(), quantity).prop_map(|(sku, quantity)| Choice::Remove { sku, quantity }),
        1 => Just(Choice::CheckOut),
        1 => Just(Choice::Abandon),
    ]
}

/// The basket as a plain reference model: lines as `(sku, quantity, unit price)`.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Model {
    Empty,
    Open(Vec<(String, u32, u64)>),
    CheckedOut(Vec<(String, u32, u64)>, u64),
    Abandoned,
}

/// What the model says a command does.
#[derive(Debug, PartialEq, Eq)]
enum Expected {
    Accepted,
    Rejected(BasketError),
    Refused,
}

fn total(lines: &[(String, u32, u64)]) -> u64 {
    lines.iter().map(|(_, q, p)| u64::from(*q) * p).sum()
}

fn units(lines: &[(String, u32, u64)]) -> u32 {
    lines.iter().map(|(_, q, _)| q).sum()
}

impl Model {
    fn state_name(&self) -> &'static str {
        match self {
            Self::Empty => "Empty",
            Self::Open(_) => "Open",
            Self::CheckedOut(..) => "CheckedOut",
            Self::Abandoned => "Abandoned",
        }
    }

    /// Applies `choice`; on anything but acceptance the model is left unchanged.
    fn step(&mut self, choice: &Choice) -> Expected {
        let lines = match self {
            Self::Empty => match *choice {
                Choice::Add {
                    sku,
                    quantity,
                    price,
                } => {
                    if quantity == 0 {
                        return Expected::Rejected(BasketError::QuantityZero);
                    }
                    if quantity > MAX_UNITS {
                        return Expected::Rejected(BasketError::TooManyItems { max: MAX_UNITS });
                    }
                    *self = Self::Open(vec![(SKUS[sku].to_owned(), quantity, PRICES[price])]);
                    return Expected::Accepted;
                }
                Choice::Abandon => {
                    *self = Self::Abandoned;
                    return Expected::Accepted;
                }
                _ => return Expected::Refused,
            },
            Self::Open(lines) => lines,
            Self::CheckedOut(..) | Self::Abandoned => return Expected::Refused,
        };
        let find = |lines: &[(String, u32, u64)], sku: usize| {
            lines.iter().position(|(s, _, _)| s == SKUS[sku])
        };
        let too_many = Expected::Rejected(BasketError::TooManyItems { max: MAX_UNITS });
        match *choice {
            Choice::Add {
                sku,
                quantity,
                price,
            } => {
                if quantity == 0 {
                    return Expected::Rejected(BasketError::QuantityZero);
                }
                if units(lines) + quantity > MAX_UNITS {
                    return too_many;
                }
                match find(lines, sku) {
                    None => lines.push((SKUS[sku].to_owned(), quantity, PRICES[price])),
                    Some(i) if lines[i].2 != PRICES[price] => {
                        return Expected::Rejected(BasketError::PriceMismatch {
                            in_basket: lines[i].2,
                            offered: PRICES[price],
                        });
                    }
                    Some(i) => lines[i].1 += quantity,
                }
            }
            Choice::Change { sku, quantity } => {
                let Some(i) = find(lines, sku) else {
                    return Expected::Rejected(BasketError::UnknownItem(SKUS[sku].to_owned()));
                };
                if quantity == 0 {
                    return Expected::Rejected(BasketError::QuantityZero);
                }
                if units(lines) - lines[i].1 + quantity > MAX_UNITS {
                    return too_many;
                }
                lines[i].1 = quantity;
            }
            Choice::Remove { sku, quantity } => {
                let Some(i) = find(lines, sku) else {
                    return Expected::Rejected(BasketError::UnknownItem(SKUS[sku].to_owned()));
                };
                if quantity == 0 {
                    return Expected::Rejected(BasketError::QuantityZero);
                }
                if quantity < lines[i].1 {
                    lines[i].1 -= quantity;
                } else {
                    lines.remove(i);
                }
            }
            Choice::CheckOut => {
                if lines.is_empty() {
                    return Expected::Rejected(BasketError::EmptyBasket);
                }
                let lines = std::mem::take(lines);
                let total = total(&lines);
                *self = Self::CheckedOut(lines, total);
            }
            Choice::Abandon => *self = Self::Abandoned,
        }
        Expected::Accepted
    }
}

/// The aggregate's state in the model's terms.
fn as_model(basket: &Basket) -> Model {
    let lines = |lines: &[crate::domains::basket::Line]| {
        lines
            .iter()
            .map(|l| (l.sku.clone(), l.quantity, l.unit_price_cents))
            .collect::<Vec<_>>()
    };
    match basket {
        Basket::Empty => Model::Empty,
        Basket::Open(open) => Model::Open(lines(&open.lines)),
        Basket::CheckedOut(order) => Model::CheckedOut(lines(&order.lines), order.total_cents),
        Basket::Abandoned => Model::Abandoned,
    }
}

proptest! {
    #[test]
    fn sessions_agree_with_the_model_and_replay(choices in proptest::collection::vec(choice(), 0..40)) {
        let mut basket = Basket::initial();
        let mut model = Model::Empty;
        let mut history: Vec<BasketEvent> = Vec::new();
        for choice in &choices {
            let state_before = basket.state_name();
            let command = choice.command();
            let command_name = lsaa::CommandSet::name(&command);
            let expected = model.step(choice);
            match basket.decide(command) {
                Ok(events) => {
                    prop_assert_eq!(expected, Expected::Accepted, "{:?} in {}", choice, state_before);
                    prop_assert!(!events.is_empty(), "every accepted basket command records an event");
                    for event in events {
                        basket = match basket.evolve(&event) {
                            Ok(next) => next,
                            Err(illegal) => {
                                return Err(TestCaseError::fail(format!("decided an illegal event: {illegal}")));
                            }
                        };
                        history.push(event);
                    }
                }
                Err(CommandError::Rejected(error)) => {
                    prop_assert_eq!(expected, Expected::Rejected(error));
                }
                Err(CommandError::NotHandled { aggregate, state, command }) => {
                    prop_assert_eq!(expected, Expected::Refused, "{:?} in {}", choice, state_before);
                    prop_assert_eq!((aggregate, state, command), ("Basket", state_before, command_name));
                }
            }
            prop_assert_eq!(basket.state_name(), model.state_name());
            prop_assert_eq!(as_model(&basket), model.clone());
            prop_assert_eq!(basket.is_terminal(), matches!(model, Model::CheckedOut(..) | Model::Abandoned));

            // The computed total is the sum over the lines, computed independently.
            match (&basket, &model) {
                (Basket::Open(open), Model::Open(lines)) => {
                    prop_assert_eq!(open.total_cents(), total(lines));
                    prop_assert!(open.units() <= MAX_UNITS);
                    prop_assert!(open.lines.iter().all(|line| line.quantity > 0));
                }
                (Basket::CheckedOut(order), Model::CheckedOut(lines, _)) => {
                    prop_assert_eq!(order.total_cents, total(lines));
                    prop_assert!(order.total_cents > 0);
                }
                _ => {}
            }
        }

        // State is a fold over the history.
        prop_assert_eq!(Basket::replay(&history), Ok(basket.clone()));
        // Snapshot + tail == full replay, wherever the snapshot is taken.
        let split = history.len() / 2;
        let snapshot = Basket::replay(&history[..split]).unwrap();
        prop_assert_eq!(snapshot.fold(&history[split..], split as u64 + 1), Ok(basket.clone()));
        // The history survives storage.
        let json = serde_json::to_string(&history).unwrap();
        let stored: Vec<BasketEvent> = serde_json::from_str(&json).unwrap();
        prop_assert_eq!(&stored, &history);
        prop_assert_eq!(Basket::replay(&stored), Ok(basket));
    }

    #[test]
    fn replay_never_panics_on_arbitrary_histories(events in proptest::collection::vec(arbitrary_event(), 0..12)) {
        // Any sequence of events either replays or names the first illegal one.
        match Basket::replay(&events) {
            Ok(_) => {}
            Err(error) => {
                let index = usize::try_from(error.version).unwrap() - 1;
                prop_assert!(index < events.len());
                let prefix = Basket::replay(&events[..index]).unwrap();
                prop_assert_eq!(prefix.state_name(), error.transition.state);
                prop_assert_eq!(events[index].type_name(), error.transition.event);
                prop_assert!(Basket::GRAPH.target(error.transition.state, error.transition.event).is_none());
            }
        }
    }
}

fn arbitrary_event() -> impl Strategy<Value = BasketEvent> {
    use crate::basket::{added, changed, checked_out, removed};
    use crate::domains::basket::BasketAbandoned;
    prop_oneof![
        (0..SKUS.len(), 1..5u32).prop_map(|(sku, q)| added(SKUS[sku], q, 100)),
        (0..SKUS.len(), 1..5u32).prop_map(|(sku, q)| changed(SKUS[sku], q)),
        (0..SKUS.len()).prop_map(|sku| removed(SKUS[sku])),
        (0..1000u64).prop_map(checked_out),
        Just(BasketAbandoned.into()),
    ]
}
