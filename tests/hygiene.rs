//! Hygiene: the generated code names everything by absolute path, so it compiles in a module
//! without the prelude and in one whose prelude (and lsaa's own) names are shadowed by local
//! items.

/// A turnstile in a module without the implicit prelude: every name is a full path.
mod no_prelude {
    #![no_implicit_prelude]

    /// A coin was inserted.
    #[derive(
        ::lsaa::Event,
        ::std::fmt::Debug,
        ::std::clone::Clone,
        ::std::cmp::PartialEq,
        ::serde::Serialize,
        ::serde::Deserialize,
    )]
    #[event(name = "hygiene.coin-inserted", version = 2)]
    pub(crate) struct CoinInserted {
        pub(crate) cents: u32,
    }

    /// Someone passed.
    #[derive(
        ::lsaa::Event,
        ::std::fmt::Debug,
        ::std::clone::Clone,
        ::std::cmp::PartialEq,
        ::serde::Serialize,
        ::serde::Deserialize,
    )]
    pub(crate) struct PassedThrough;

    /// Insert a coin.
    #[derive(::std::fmt::Debug)]
    pub(crate) struct InsertCoin {
        pub(crate) cents: u32,
    }

    /// Push: emits through the emitter; jams after three coins.
    #[derive(::std::fmt::Debug)]
    pub(crate) struct Push;

    /// Why the turnstile refuses.
    #[derive(::std::fmt::Debug, ::std::clone::Clone, ::std::cmp::PartialEq)]
    pub(crate) enum TurnstileError {
        CoinTooSmall,
        Jammed,
    }

    /// The unlocked arm.
    #[derive(::std::fmt::Debug, ::std::clone::Clone, ::std::cmp::PartialEq)]
    pub(crate) struct Unlocked {
        pub(crate) coins: ::std::vec::Vec<u32>,
    }

    /// A turnstile.
    #[::lsaa::aggregate(events(CoinInserted, PassedThrough), error = TurnstileError)]
    #[on(Locked | Unlocked: CoinInserted => Unlocked)]
    #[derive(::std::fmt::Debug, ::std::clone::Clone, ::std::cmp::PartialEq)]
    pub(crate) enum Turnstile {
        #[initial]
        Locked,
        #[on(PassedThrough => Locked)]
        Unlocked(Unlocked),
    }

    #[::lsaa::aggregate]
    impl Turnstile {
        fn unlock(_: Locked, event: &CoinInserted) -> Unlocked {
            Unlocked {
                coins: ::std::vec![event.cents],
            }
        }

        fn keep(mut state: Unlocked, event: &CoinInserted) -> Unlocked {
            state.coins.push(event.cents);
            state
        }

        fn lock(_: Unlocked, _: &PassedThrough) -> Locked {
            Locked
        }

        #[command]
        fn insert(
            _: &Locked,
            command: InsertCoin,
        ) -> ::std::result::Result<CoinInserted, TurnstileError> {
            if command.cents < 10 {
                return ::std::result::Result::Err(TurnstileError::CoinTooSmall);
            }
            ::std::result::Result::Ok(CoinInserted {
                cents: command.cents,
            })
        }

        #[command]
        fn push(
            state: &Unlocked,
            _: Push,
            out: &mut ::lsaa::Emit<Self, Unlocked>,
        ) -> ::std::result::Result<(), TurnstileError> {
            if state.coins.len() > 2 {
                return ::std::result::Result::Err(TurnstileError::Jammed);
            }
            out.emit(PassedThrough);
            ::std::result::Result::Ok(())
        }
    }
}

/// A basket in a module where the prelude's names are taken by local items.
mod shadowed {
    #![allow(
        dead_code,
        non_camel_case_types,
        reason = "these items exist only to shadow the names generated code might use unqualified"
    )]

    use lsaa::prelude::*;
    use serde::{Deserialize, Serialize};

    pub(crate) struct Result;
    pub(crate) struct Option;
    pub(crate) struct Ok;
    pub(crate) struct Err;
    pub(crate) struct Some;
    pub(crate) struct None;
    pub(crate) struct Vec;
    pub(crate) struct String;
    pub(crate) struct Box;
    pub(crate) trait Default {}
    pub(crate) trait From {}
    pub(crate) trait Into {}
    pub(crate) trait Clone {}
    pub(crate) trait Debug {}
    pub(crate) trait PartialEq {}
    pub(crate) trait Iterator {}
    pub(crate) trait Sized {}
    pub(crate) trait Fn {}
    pub(crate) mod core {}
    // The runtime's names, which generated code must reach through `::lsaa::__private`.
    pub(crate) trait Aggregate {}
    pub(crate) trait Decide {}
    pub(crate) trait EventSet {}
    pub(crate) trait StateOf {}
    pub(crate) trait HandledIn {}
    pub(crate) trait EmittableIn {}
    pub(crate) struct Graph;
    pub(crate) struct Arrow;
    pub(crate) struct StateInfo;
    pub(crate) struct CommandError;
    pub(crate) struct IllegalTransition;
    pub(crate) mod __private {}

    /// An item was added.
    #[derive(
        Event, std::fmt::Debug, std::clone::Clone, std::cmp::PartialEq, Serialize, Deserialize,
    )]
    pub(crate) struct ItemAdded {
        pub(crate) sku: std::string::String,
    }

    /// The basket was checked out.
    #[derive(
        Event, std::fmt::Debug, std::clone::Clone, std::cmp::PartialEq, Serialize, Deserialize,
    )]
    pub(crate) struct CheckedOut;

    /// Add an item.
    #[derive(std::fmt::Debug)]
    pub(crate) struct AddItem {
        pub(crate) sku: std::string::String,
    }

    /// Check out.
    #[derive(std::fmt::Debug)]
    pub(crate) struct CheckOut;

    /// Why the basket refuses.
    #[derive(std::fmt::Debug, std::cmp::PartialEq)]
    pub(crate) enum BasketError {
        Duplicate,
    }

    /// The open basket.
    #[derive(std::fmt::Debug, std::clone::Clone, std::cmp::PartialEq, std::default::Default)]
    pub(crate) struct Items {
        pub(crate) skus: std::vec::Vec<std::string::String>,
    }

    /// The order.
    #[derive(std::fmt::Debug, std::clone::Clone, std::cmp::PartialEq)]
    pub(crate) struct Order {
        pub(crate) skus: std::vec::Vec<std::string::String>,
    }

    /// A basket.
    #[aggregate(events(ItemAdded, CheckedOut), error = BasketError)]
    #[derive(std::fmt::Debug, std::clone::Clone, std::cmp::PartialEq)]
    pub(crate) enum Basket {
        #[initial]
        #[on(ItemAdded => Open, CheckedOut => Done)]
        Open(Items),
        #[terminal]
        Done(Order),
    }

    #[aggregate]
    impl Basket {
        fn add(mut items: Items, event: &ItemAdded) -> Items {
            items.skus.push(event.sku.clone());
            items
        }

        fn done(items: Items, _: &CheckedOut) -> Order {
            Order { skus: items.skus }
        }

        #[command]
        fn add_item(
            items: &Items,
            command: AddItem,
        ) -> std::result::Result<ItemAdded, BasketError> {
            if items.skus.contains(&command.sku) {
                return std::result::Result::Err(BasketError::Duplicate);
            }
            std::result::Result::Ok(ItemAdded { sku: command.sku })
        }

        #[command]
        fn check_out(_: &Items, _: CheckOut) -> CheckedOut {
            CheckedOut
        }
    }
}

use lsaa::prelude::*;

#[test]
fn the_domain_without_a_prelude_works() {
    use no_prelude::{
        CoinInserted, InsertCoin, PassedThrough, Push, Turnstile, TurnstileError, Unlocked,
    };
    Turnstile::given_nothing()
        .when(InsertCoin { cents: 5 })
        .then_err(TurnstileError::CoinTooSmall)
        .when(InsertCoin { cents: 20 })
        .then([CoinInserted { cents: 20 }.into()])
        .when(InsertCoin { cents: 20 })
        .then_refused()
        .when(Push)
        .then([PassedThrough.into()])
        .when(Push)
        .then_refused();
    Turnstile::given([
        CoinInserted { cents: 10 }.into(),
        CoinInserted { cents: 10 }.into(),
        CoinInserted { cents: 10 }.into(),
    ])
    .when(Push)
    .then_err(TurnstileError::Jammed);
    let state = Turnstile::replay(&[
        CoinInserted { cents: 1 }.into(),
        CoinInserted { cents: 2 }.into(),
    ]);
    assert_eq!(
        state,
        Ok(Turnstile::Unlocked(Unlocked { coins: vec![1, 2] }))
    );
    assert_eq!(<CoinInserted as Event>::VERSION, 2);
    let json = serde_json::to_string(&no_prelude::TurnstileEvent::from(CoinInserted { cents: 7 }))
        .unwrap();
    assert_eq!(json, r#"{"hygiene.coin-inserted":{"cents":7}}"#);
    assert!(
        Turnstile::initial()
            .in_state::<no_prelude::Locked>()
            .is_some()
    );
}

#[test]
fn the_domain_with_shadowed_names_works() {
    use shadowed::{AddItem, Basket, BasketError, CheckOut, CheckedOut, ItemAdded, Order};
    Basket::given_nothing()
        .when(AddItem {
            sku: "tea".to_owned(),
        })
        .then([ItemAdded {
            sku: "tea".to_owned(),
        }
        .into()])
        .when(AddItem {
            sku: "tea".to_owned(),
        })
        .then_err(BasketError::Duplicate)
        .when(CheckOut)
        .then([CheckedOut.into()])
        .when(CheckOut)
        .then_refused();
    let basket = Basket::given([
        ItemAdded {
            sku: "mug".to_owned(),
        }
        .into(),
        CheckedOut.into(),
    ]);
    assert_eq!(
        basket.state(),
        &Basket::Done(Order {
            skus: vec!["mug".to_owned()]
        })
    );
}
