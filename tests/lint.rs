//! The generated code compiles without a warning under (almost) every lint: the user's crate
//! decides its lint levels, and `#[aggregate]` must not get in the way.
//!
//! The domains exercise every shape of the DSL: data-less and data-holding states, terminal
//! states, enum-level arrows from several states, single-event, emitter and validation-only
//! handlers, fallible and infallible ones, and an aggregate without a domain error.

#![deny(warnings)]
#![deny(
    // rustc: groups.
    future_incompatible,
    let_underscore,
    nonstandard_style,
    rust_2018_idioms,
    rust_2024_compatibility,
    unused,
    // rustc: allow-by-default lints that generated code could trip.
    absolute_paths_not_starting_with_crate,
    deprecated_in_future,
    elided_lifetimes_in_paths,
    explicit_outlives_requirements,
    keyword_idents,
    macro_use_extern_crate,
    meta_variable_misuse,
    missing_copy_implementations,
    missing_debug_implementations,
    missing_docs,
    non_ascii_idents,
    redundant_lifetimes,
    single_use_lifetimes,
    trivial_casts,
    trivial_numeric_casts,
    unit_bindings,
    unnameable_types,
    unreachable_pub,
    unsafe_code,
    unused_extern_crates,
    unused_import_braces,
    unused_lifetimes,
    unused_macro_rules,
    unused_qualifications,
    unused_results,
    variant_size_differences
)]
#![deny(clippy::all, clippy::pedantic, clippy::nursery)]
// A few restriction lints that generated code in particular must not trip.
#![deny(
    clippy::as_conversions,
    clippy::dbg_macro,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::missing_docs_in_private_items,
    clippy::panic,
    clippy::print_stdout,
    clippy::todo,
    clippy::unimplemented,
    clippy::unwrap_used,
    clippy::use_debug
)]

/// A shopping basket with every handler shape.
pub mod basket {
    use lsaa::prelude::*;
    use serde::{Deserialize, Serialize};

    /// An item was added.
    #[derive(Event, Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    #[event(name = "lint.item-added", version = 2)]
    pub struct ItemAdded {
        /// The item.
        pub sku: String,
    }

    /// An item was removed.
    #[derive(Event, Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    pub struct ItemRemoved {
        /// The item.
        pub sku: String,
    }

    /// The basket was paid for.
    #[derive(Event, Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
    pub struct CheckedOut;

    /// The basket was left behind.
    #[derive(Event, Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
    pub struct Abandoned;

    /// Add an item.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct AddItem {
        /// The item.
        pub sku: String,
    }

    /// Remove an item.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct RemoveItem {
        /// The item.
        pub sku: String,
    }

    /// Check that an item may be added, without adding it.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct Validate {
        /// The item.
        pub sku: String,
    }

    /// Pay.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub struct CheckOut;

    /// Leave.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub struct Abandon;

    /// Why the basket refuses.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum BasketError {
        /// The item is not in the basket.
        Unknown,
        /// The item is already in the basket.
        Duplicate,
        /// Nothing to pay for.
        Empty,
    }

    /// The items of an open basket.
    #[derive(Debug, Clone, Default, PartialEq, Eq)]
    pub struct Items {
        /// The items, in order.
        pub skus: Vec<String>,
    }

    /// What was bought.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct Order {
        /// The items, in order.
        pub skus: Vec<String>,
    }

    /// A basket.
    #[aggregate(
        events(ItemAdded, ItemRemoved, CheckedOut, Abandoned),
        error = BasketError
    )]
    #[on(New | Open: Abandoned => Gone)]
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub enum Basket {
        /// Never used.
        #[initial]
        #[on(ItemAdded => Open)]
        New,
        /// Holding items.
        #[on(ItemAdded | ItemRemoved => Open, CheckedOut => Paid)]
        Open(Items),
        /// Paid for.
        #[terminal]
        Paid(Order),
        /// Left behind.
        #[terminal]
        Gone,
    }

    #[aggregate]
    impl Basket {
        fn first(_: New, event: &ItemAdded) -> Items {
            Items {
                skus: vec![event.sku.clone()],
            }
        }

        fn add(mut items: Items, event: &ItemAdded) -> Items {
            items.skus.push(event.sku.clone());
            items
        }

        fn remove(mut items: Items, event: &ItemRemoved) -> Items {
            items.skus.retain(|sku| *sku != event.sku);
            items
        }

        fn pay(items: Items, _: &CheckedOut) -> Order {
            Order { skus: items.skus }
        }

        const fn leave_new(_: New, _: &Abandoned) -> Gone {
            Gone
        }

        fn leave_open(_: Items, _: &Abandoned) -> Gone {
            Gone
        }

        #[command]
        fn add_first(_: &New, command: AddItem) -> ItemAdded {
            ItemAdded { sku: command.sku }
        }

        #[command]
        fn add_more(items: &Items, command: AddItem) -> Result<ItemAdded, BasketError> {
            if items.skus.contains(&command.sku) {
                return Err(BasketError::Duplicate);
            }
            Ok(ItemAdded { sku: command.sku })
        }

        #[command]
        fn validate(items: &Items, command: Validate) -> Result<(), BasketError> {
            if items.skus.contains(&command.sku) {
                return Err(BasketError::Duplicate);
            }
            Ok(())
        }

        #[command]
        fn remove_item(
            items: &Items,
            command: RemoveItem,
            out: &mut Emit<Self, Items>,
        ) -> Result<(), BasketError> {
            if !items.skus.contains(&command.sku) {
                return Err(BasketError::Unknown);
            }
            let _ = out.emit(ItemRemoved { sku: command.sku });
            Ok(())
        }

        #[command]
        fn check_out(
            items: &Items,
            _: CheckOut,
            out: &mut Emit<Self, Items>,
        ) -> Result<(), BasketError> {
            if items.skus.is_empty() {
                return Err(BasketError::Empty);
            }
            let _ = out.emit(CheckedOut);
            Ok(())
        }

        #[command]
        const fn abandon(_: &Items, _: Abandon) -> Abandoned {
            Abandoned
        }
    }
}

/// A counter that cannot refuse: no `error = ...`.
pub mod counter {
    use lsaa::prelude::*;
    use serde::{Deserialize, Serialize};

    /// The counter went up.
    #[derive(Event, Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
    pub struct Incremented {
        /// By how much.
        pub by: u64,
    }

    /// Count up.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub struct Increment {
        /// By how much.
        pub by: u64,
    }

    /// The count so far.
    #[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
    pub struct Count {
        /// The count.
        pub value: u64,
    }

    /// A counter.
    #[aggregate(events(Incremented))]
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum Counter {
        /// Counting.
        #[initial]
        #[on(Incremented => Counting)]
        Counting(Count),
    }

    #[aggregate]
    impl Counter {
        const fn incremented(count: Count, event: &Incremented) -> Count {
            Count {
                value: count.value.saturating_add(event.by),
            }
        }

        #[command]
        const fn increment(_: &Count, command: Increment) -> Incremented {
            Incremented { by: command.by }
        }
    }
}

use basket::{
    Abandon, AddItem, Basket, BasketError, CheckOut, CheckedOut, ItemAdded, ItemRemoved,
    RemoveItem, Validate,
};
use counter::{Count, Counter, Increment, Incremented};
use lsaa::prelude::*;

#[test]
fn the_basket_under_every_lint_works() {
    let tea = || "tea".to_owned();
    let given = Basket::given_nothing()
        .when(AddItem { sku: tea() })
        .then([ItemAdded { sku: tea() }.into()])
        .when(Validate { sku: tea() })
        .then_err(BasketError::Duplicate)
        .when(Validate {
            sku: "mug".to_owned(),
        })
        .then_nothing()
        .when(RemoveItem { sku: tea() })
        .then([ItemRemoved { sku: tea() }.into()])
        .when(CheckOut)
        .then_err(BasketError::Empty)
        .when(AddItem { sku: tea() })
        .then([ItemAdded { sku: tea() }.into()])
        .when(CheckOut)
        .then([CheckedOut.into()])
        .when(Abandon)
        .then_refused();
    assert_eq!(given.history().len(), 4);
    assert!(Basket::GRAPH.mermaid().contains("New --> Gone: Abandoned"));
}

#[test]
fn the_counter_under_every_lint_works() {
    let given = Counter::given([Incremented { by: 2 }.into()])
        .when(Increment { by: 3 })
        .then_state(Count { value: 5 });
    assert_eq!(given.history().len(), 2);
}
