//! Typestate handles: `in_state::<S>()` gives a handle that accepts only the commands `S`
//! handles (checked at compile time), and whose errors are the bare domain errors.

use lsaa::prelude::*;

use crate::basket::{add, added, checked_out};
use crate::domains::basket::{
    Abandon, Basket, BasketAbandoned, BasketError, BasketEvent, CheckOut, Empty, OpenBasket, Order,
};
use crate::domains::turnstile::{
    CoinInserted, InsertCoin, Locked, PassedThrough, Push, Turnstile, TurnstileError, Unlocked,
};

#[test]
fn in_state_is_some_only_in_that_state() {
    let empty = Basket::initial();
    assert!(empty.in_state::<Empty>().is_some());
    assert!(empty.in_state::<OpenBasket>().is_none());
    assert!(empty.in_state::<Order>().is_none());

    let open = Basket::replay(&[added("tea", 1, 450)]).unwrap();
    assert!(open.in_state::<Empty>().is_none());
    let handle = open.in_state::<OpenBasket>().unwrap();
    assert_eq!(handle.name(), "Open");
    assert_eq!(handle.state().total_cents(), 450);
}

#[test]
fn a_handle_runs_the_states_handlers() {
    let basket = Basket::replay(&[added("tea", 2, 450)]).unwrap();
    let open = basket.in_state::<OpenBasket>().unwrap();
    assert_eq!(open.handle(CheckOut), Ok(vec![checked_out(900)]));
    assert_eq!(
        open.handle(add("tea", 0, 450)),
        Err(BasketError::QuantityZero)
    );
    assert_eq!(
        open.handle(Abandon),
        Ok(vec![BasketEvent::from(BasketAbandoned)])
    );

    let empty = Basket::initial();
    let empty = empty.in_state::<Empty>().unwrap();
    assert_eq!(empty.name(), "Empty");
    assert_eq!(
        empty.handle(add("tea", 1, 450)),
        Ok(vec![added("tea", 1, 450)])
    );
    assert_eq!(empty.handle(Abandon), Ok(vec![BasketAbandoned.into()]));
}

#[test]
fn a_handle_agrees_with_decide() {
    let basket = Basket::replay(&[added("tea", 2, 450)]).unwrap();
    let handle = basket.in_state::<OpenBasket>().unwrap();
    assert_eq!(
        handle
            .handle(add("mug", 1, 1200))
            .map_err(CommandError::Rejected),
        basket.decide(add("mug", 1, 1200))
    );
}

#[test]
fn a_handle_can_be_built_from_state_data_alone() {
    let locked = Locked { collected: 30 };
    let handle: InState<'_, Turnstile, Locked> = InState::new(&locked);
    assert_eq!(
        handle.handle(InsertCoin { cents: 20 }),
        Ok(vec![CoinInserted { cents: 20 }.into()])
    );
    assert_eq!(
        handle.handle(InsertCoin { cents: 2 }),
        Err(TurnstileError::CoinTooSmall)
    );
    let unlocked = Unlocked { collected: 50 };
    let handle = InState::<Turnstile, _>::new(&unlocked);
    assert_eq!(handle.handle(Push), Ok(vec![PassedThrough.into()]));
    assert_eq!(format!("{handle:?}"), "InState(Unlocked { collected: 50 })");
}

#[test]
fn handles_are_copy() {
    let turnstile = Turnstile::initial();
    let handle = turnstile.in_state::<Locked>().unwrap();
    let copy = handle;
    assert_eq!(handle.state(), copy.state());
}

#[test]
fn typestate_dispatch_by_match() {
    // The shape an application writes: branch once on the state, then call typed handlers.
    fn check_out_if_open(basket: &Basket) -> Option<Result<Vec<BasketEvent>, BasketError>> {
        basket
            .in_state::<OpenBasket>()
            .map(|open| open.handle(CheckOut))
    }
    assert_eq!(check_out_if_open(&Basket::initial()), None);
    let open = Basket::replay(&[added("tea", 1, 450)]).unwrap();
    assert_eq!(check_out_if_open(&open), Some(Ok(vec![checked_out(450)])));
}
