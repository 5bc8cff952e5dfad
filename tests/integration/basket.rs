//! Given/when/then for every handler, error and refusal of the basket.

use lsaa::prelude::*;

use crate::domains::basket::{
    Abandon, Abandoned, AddItem, Basket, BasketAbandoned, BasketCheckedOut, BasketCommand,
    BasketError, BasketEvent, ChangeQuantity, CheckOut, Empty, ItemAdded, ItemRemoved, Line,
    MAX_UNITS, OpenBasket, Order, QuantityChanged, RemoveUnits,
};

pub(crate) fn added(sku: &str, quantity: u32, unit_price_cents: u64) -> BasketEvent {
    ItemAdded {
        sku: sku.to_owned(),
        quantity,
        unit_price_cents,
    }
    .into()
}

pub(crate) fn changed(sku: &str, quantity: u32) -> BasketEvent {
    QuantityChanged {
        sku: sku.to_owned(),
        quantity,
    }
    .into()
}

pub(crate) fn removed(sku: &str) -> BasketEvent {
    ItemRemoved {
        sku: sku.to_owned(),
    }
    .into()
}

pub(crate) fn checked_out(total_cents: u64) -> BasketEvent {
    BasketCheckedOut { total_cents }.into()
}

pub(crate) fn add(sku: &str, quantity: u32, unit_price_cents: u64) -> AddItem {
    AddItem {
        sku: sku.to_owned(),
        quantity,
        unit_price_cents,
    }
}

fn change(sku: &str, quantity: u32) -> ChangeQuantity {
    ChangeQuantity {
        sku: sku.to_owned(),
        quantity,
    }
}

fn take(sku: &str, quantity: u32) -> RemoveUnits {
    RemoveUnits {
        sku: sku.to_owned(),
        quantity,
    }
}

fn line(sku: &str, quantity: u32, unit_price_cents: u64) -> Line {
    Line {
        sku: sku.to_owned(),
        quantity,
        unit_price_cents,
    }
}

/// A basket holding two teas at 450 and one mug at 1200.
fn tea_and_mug() -> [BasketEvent; 2] {
    [added("tea", 2, 450), added("mug", 1, 1200)]
}

// --- Empty --------------------------------------------------------------------------------------

#[test]
fn the_first_item_opens_the_basket() {
    Basket::given_nothing()
        .when(add("tea", 2, 450))
        .then([added("tea", 2, 450)])
        .when(CheckOut)
        .then([checked_out(900)]);
}

#[test]
fn the_first_item_lands_in_an_open_basket() {
    Basket::given_nothing()
        .when(add("tea", 2, 450))
        .then_state(OpenBasket {
            lines: vec![line("tea", 2, 450)],
        });
}

#[test]
fn the_first_item_needs_a_quantity() {
    Basket::given_nothing()
        .when(add("tea", 0, 450))
        .then_err(BasketError::QuantityZero);
}

#[test]
fn the_first_item_cannot_exceed_the_unit_limit() {
    Basket::given_nothing()
        .when(add("tea", MAX_UNITS + 1, 450))
        .then_err(BasketError::TooManyItems { max: MAX_UNITS });
    Basket::given_nothing()
        .when(add("tea", MAX_UNITS, 450))
        .then([added("tea", MAX_UNITS, 450)]);
}

#[test]
fn an_empty_basket_can_be_abandoned() {
    Basket::given_nothing()
        .when(Abandon)
        .then([BasketAbandoned.into()]);
    Basket::given_nothing().when(Abandon).then_state(Abandoned);
}

#[test]
fn an_empty_basket_has_nothing_to_check_out_change_or_remove() {
    Basket::given_nothing().when(CheckOut).then_refused();
    Basket::given_nothing()
        .when(change("tea", 1))
        .then_refused();
    Basket::given_nothing().when(take("tea", 1)).then_refused();
}

// --- Open: adding -------------------------------------------------------------------------------

#[test]
fn a_new_sku_adds_a_line() {
    Basket::given([added("tea", 2, 450)])
        .when(add("mug", 1, 1200))
        .then([added("mug", 1, 1200)])
        .when(CheckOut)
        .then_state(Order {
            lines: vec![line("tea", 2, 450), line("mug", 1, 1200)],
            total_cents: 2100,
        });
}

#[test]
fn a_known_sku_at_the_same_price_grows_its_line() {
    Basket::given(tea_and_mug())
        .when(add("tea", 3, 450))
        .then([changed("tea", 5)])
        .when(CheckOut)
        .then([checked_out(5 * 450 + 1200)]);
}

#[test]
fn a_known_sku_at_another_price_is_rejected() {
    Basket::given(tea_and_mug())
        .when(add("tea", 1, 500))
        .then_err(BasketError::PriceMismatch {
            in_basket: 450,
            offered: 500,
        });
}

#[test]
fn adding_nothing_to_an_open_basket_is_rejected() {
    Basket::given(tea_and_mug())
        .when(add("tea", 0, 450))
        .then_err(BasketError::QuantityZero);
    Basket::given(tea_and_mug())
        .when(add("spoon", 0, 100))
        .then_err(BasketError::QuantityZero);
}

#[test]
fn adding_cannot_exceed_the_unit_limit() {
    // The basket holds 3 units.
    Basket::given(tea_and_mug())
        .when(add("spoon", MAX_UNITS - 2, 100))
        .then_err(BasketError::TooManyItems { max: MAX_UNITS });
    Basket::given(tea_and_mug())
        .when(add("tea", MAX_UNITS - 2, 450))
        .then_err(BasketError::TooManyItems { max: MAX_UNITS });
    Basket::given(tea_and_mug())
        .when(add("spoon", MAX_UNITS - 3, 100))
        .then([added("spoon", MAX_UNITS - 3, 100)]);
}

#[test]
fn a_huge_quantity_is_rejected_without_overflowing() {
    Basket::given(tea_and_mug())
        .when(add("tea", u32::MAX, 450))
        .then_err(BasketError::TooManyItems { max: MAX_UNITS });
}

// --- Open: changing quantities ------------------------------------------------------------------

#[test]
fn a_line_quantity_can_be_set() {
    Basket::given(tea_and_mug())
        .when(change("mug", 4))
        .then([changed("mug", 4)])
        .when(change("mug", 1))
        .then_state(OpenBasket {
            lines: vec![line("tea", 2, 450), line("mug", 1, 1200)],
        });
}

#[test]
fn changing_an_unknown_item_is_rejected() {
    Basket::given(tea_and_mug())
        .when(change("spoon", 1))
        .then_err(BasketError::UnknownItem("spoon".to_owned()));
}

#[test]
fn changing_a_quantity_to_zero_is_rejected() {
    Basket::given(tea_and_mug())
        .when(change("mug", 0))
        .then_err(BasketError::QuantityZero);
}

#[test]
fn changing_a_quantity_cannot_exceed_the_unit_limit() {
    // 2 teas stay, so the mug line may grow to MAX_UNITS - 2.
    Basket::given(tea_and_mug())
        .when(change("mug", MAX_UNITS - 1))
        .then_err(BasketError::TooManyItems { max: MAX_UNITS });
    Basket::given(tea_and_mug())
        .when(change("mug", MAX_UNITS - 2))
        .then([changed("mug", MAX_UNITS - 2)]);
}

// --- Open: removing units (emitter: one of two events) ------------------------------------------

#[test]
fn taking_out_some_units_shrinks_the_line() {
    Basket::given(tea_and_mug())
        .when(take("tea", 1))
        .then([changed("tea", 1)]);
}

#[test]
fn taking_out_the_last_unit_removes_the_line() {
    Basket::given(tea_and_mug())
        .when(take("tea", 1))
        .then([changed("tea", 1)])
        .when(take("tea", 1))
        .then([removed("tea")])
        .when(CheckOut)
        .then([checked_out(1200)]);
}

#[test]
fn taking_out_more_units_than_held_removes_the_line() {
    Basket::given(tea_and_mug())
        .when(take("tea", 7))
        .then([removed("tea")])
        .when(take("tea", 1))
        .then_err(BasketError::UnknownItem("tea".to_owned()));
}

#[test]
fn taking_out_an_unknown_item_is_rejected() {
    Basket::given(tea_and_mug())
        .when(take("spoon", 1))
        .then_err(BasketError::UnknownItem("spoon".to_owned()));
}

#[test]
fn taking_out_zero_units_is_rejected() {
    Basket::given(tea_and_mug())
        .when(take("tea", 0))
        .then_err(BasketError::QuantityZero);
}

// --- Open: checking out and abandoning ----------------------------------------------------------

#[test]
fn checking_out_charges_the_total() {
    Basket::given(tea_and_mug())
        .when(CheckOut)
        .then([checked_out(2 * 450 + 1200)]);
}

#[test]
fn a_basket_emptied_line_by_line_cannot_be_checked_out() {
    Basket::given(tea_and_mug())
        .when(take("tea", 2))
        .then([removed("tea")])
        .when(take("mug", 1))
        .then([removed("mug")])
        .when(CheckOut)
        .then_err(BasketError::EmptyBasket);
}

#[test]
fn an_emptied_basket_stays_open_and_accepts_items() {
    Basket::given([added("tea", 1, 450), removed("tea")])
        .when(add("tea", 1, 450))
        .then([added("tea", 1, 450)]);
    // Not `Empty`: `Empty` is only the state before the first item.
    let given = Basket::given([added("tea", 1, 450), removed("tea")]);
    assert_eq!(given.state(), &Basket::Open(OpenBasket::default()));
}

#[test]
fn an_open_basket_can_be_abandoned() {
    Basket::given(tea_and_mug())
        .when(Abandon)
        .then([BasketAbandoned.into()])
        .when(Abandon)
        .then_refused();
}

// --- terminal states ----------------------------------------------------------------------------

fn every_command() -> Vec<BasketCommand> {
    vec![
        add("tea", 1, 450).into(),
        change("tea", 1).into(),
        take("tea", 1).into(),
        CheckOut.into(),
        Abandon.into(),
    ]
}

#[test]
fn a_checked_out_basket_refuses_every_command() {
    let history = [added("tea", 1, 450), checked_out(450)];
    for command in every_command() {
        Basket::given(history.clone()).when(command).then_refused();
    }
}

#[test]
fn an_abandoned_basket_refuses_every_command() {
    for history in [
        vec![BasketAbandoned.into()],
        vec![added("tea", 1, 450), BasketAbandoned.into()],
    ] {
        for command in every_command() {
            Basket::given(history.clone()).when(command).then_refused();
        }
    }
}

#[test]
fn terminal_states_say_so() {
    let checked_out = Basket::replay(&[added("tea", 1, 450), checked_out(450)]).unwrap();
    assert!(checked_out.is_terminal());
    assert_eq!(checked_out.state_name(), "CheckedOut");
    let abandoned = Basket::replay(&[BasketAbandoned.into()]).unwrap();
    assert!(abandoned.is_terminal());
    assert_eq!(abandoned.state_name(), "Abandoned");
    assert!(!Basket::initial().is_terminal());
    assert_eq!(Basket::initial(), Basket::Empty);
    assert_eq!(Basket::from(Empty), Basket::Empty);
}

#[test]
fn a_whole_session_chains_whens() {
    let given = Basket::given_nothing()
        .when(CheckOut)
        .then_refused()
        .when(add("tea", 2, 450))
        .then([added("tea", 2, 450)])
        .when(add("mug", 1, 1200))
        .then([added("mug", 1, 1200)])
        .when(add("tea", 1, 450))
        .then([changed("tea", 3)])
        .when(change("spoon", 3))
        .then_err(BasketError::UnknownItem("spoon".to_owned()))
        .when(take("mug", 1))
        .then([removed("mug")])
        .when(CheckOut)
        .then([checked_out(1350)])
        .when(Abandon)
        .then_refused();
    assert_eq!(given.history().len(), 5);
    assert_eq!(
        given.state(),
        &Basket::CheckedOut(Order {
            lines: vec![line("tea", 3, 450)],
            total_cents: 1350,
        })
    );
}

#[test]
fn domain_errors_read_as_sentences() {
    let error = Basket::replay(&tea_and_mug())
        .unwrap()
        .decide(change("spoon", 1))
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "command rejected: `spoon` is not in the basket"
    );
    let source = std::error::Error::source(&error).map(ToString::to_string);
    assert_eq!(source.as_deref(), Some("`spoon` is not in the basket"));
    let refused = Basket::initial().decide(CheckOut).unwrap_err();
    assert_eq!(
        refused.to_string(),
        "command `CheckOut` is not handled while `Basket` is `Empty`"
    );
    assert!(std::error::Error::source(&refused).is_none());
}

#[test]
fn decide_into_appends_after_existing_events() {
    let basket = Basket::replay(&tea_and_mug()).unwrap();
    let mut out = vec![added("x", 1, 1)];
    basket.decide_into(take("tea", 2).into(), &mut out).unwrap();
    assert_eq!(out, [added("x", 1, 1), removed("tea")]);
}

#[test]
fn decide_into_leaves_existing_events_on_error() {
    let basket = Basket::replay(&tea_and_mug()).unwrap();
    let mut out = vec![added("x", 1, 1)];
    let error = basket
        .decide_into(take("spoon", 2).into(), &mut out)
        .unwrap_err();
    assert_eq!(
        error,
        CommandError::Rejected(BasketError::UnknownItem("spoon".to_owned()))
    );
    assert_eq!(out, [added("x", 1, 1)]);
    let refused = Basket::initial()
        .decide_into(CheckOut.into(), &mut out)
        .unwrap_err();
    assert!(refused.is_not_handled());
    assert_eq!(out, [added("x", 1, 1)]);
}
