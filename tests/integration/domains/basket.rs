//! The shopping basket of `examples/basket.rs`.

use std::fmt;

use lsaa::prelude::*;
use serde::{Deserialize, Serialize};

/// The most units (summed over all lines) one basket may hold.
pub(crate) const MAX_UNITS: u32 = 50;

// ---------------------------------------------------------------------------------------------
// Events: the arrows, recorded.

/// A new line was added to the basket.
#[derive(Event, Debug, Clone, PartialEq, Serialize, Deserialize)]
#[event(name = "basket.item-added", version = 1)]
pub(crate) struct ItemAdded {
    /// The product's stock-keeping unit.
    pub(crate) sku: String,
    /// How many units.
    pub(crate) quantity: u32,
    /// The price of one unit, in cents.
    pub(crate) unit_price_cents: u64,
}

/// The quantity of a line changed.
#[derive(Event, Debug, Clone, PartialEq, Serialize, Deserialize)]
#[event(name = "basket.quantity-changed")]
pub(crate) struct QuantityChanged {
    /// The line's stock-keeping unit.
    pub(crate) sku: String,
    /// The line's new quantity (never zero: a line without units is removed).
    pub(crate) quantity: u32,
}

/// A line was removed from the basket.
#[derive(Event, Debug, Clone, PartialEq, Serialize, Deserialize)]
#[event(name = "basket.item-removed")]
pub(crate) struct ItemRemoved {
    /// The removed line's stock-keeping unit.
    pub(crate) sku: String,
}

/// The customer checked out: the basket became an order.
#[derive(Event, Debug, Clone, PartialEq, Serialize, Deserialize)]
#[event(name = "basket.checked-out")]
pub(crate) struct BasketCheckedOut {
    /// The amount charged, in cents.
    pub(crate) total_cents: u64,
}

/// The customer walked away from the basket.
#[derive(Event, Debug, Clone, PartialEq, Serialize, Deserialize)]
#[event(name = "basket.abandoned")]
pub(crate) struct BasketAbandoned;

// ---------------------------------------------------------------------------------------------
// Commands: what the customer asks for.

/// Put `quantity` units of `sku` into the basket; adds to the line if `sku` is already there.
#[derive(Debug, Clone)]
pub(crate) struct AddItem {
    /// The product's stock-keeping unit.
    pub(crate) sku: String,
    /// How many units to add.
    pub(crate) quantity: u32,
    /// The price of one unit, in cents.
    pub(crate) unit_price_cents: u64,
}

/// Set the quantity of a line that is already in the basket.
#[derive(Debug, Clone)]
pub(crate) struct ChangeQuantity {
    /// The line's stock-keeping unit.
    pub(crate) sku: String,
    /// The new quantity.
    pub(crate) quantity: u32,
}

/// Take `quantity` units of `sku` out; taking out every unit removes the line.
#[derive(Debug, Clone)]
pub(crate) struct RemoveUnits {
    /// The line's stock-keeping unit.
    pub(crate) sku: String,
    /// How many units to take out.
    pub(crate) quantity: u32,
}

/// Pay for the basket.
#[derive(Debug, Clone)]
pub(crate) struct CheckOut;

/// Walk away from the basket.
#[derive(Debug, Clone)]
pub(crate) struct Abandon;

/// Why the basket rejects a command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum BasketError {
    /// A quantity of zero was asked for; use [`RemoveUnits`] to take units out.
    QuantityZero,
    /// No line of the basket has this stock-keeping unit.
    UnknownItem(String),
    /// The basket would hold more than [`MAX_UNITS`] units.
    TooManyItems {
        /// The limit.
        max: u32,
    },
    /// The item is already in the basket at another unit price.
    PriceMismatch {
        /// The unit price of the line in the basket, in cents.
        in_basket: u64,
        /// The unit price offered with the command, in cents.
        offered: u64,
    },
    /// A basket without lines cannot be checked out.
    EmptyBasket,
}

impl fmt::Display for BasketError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::QuantityZero => f.write_str("a quantity must be at least 1"),
            Self::UnknownItem(sku) => write!(f, "`{sku}` is not in the basket"),
            Self::TooManyItems { max } => write!(f, "a basket holds at most {max} units"),
            Self::PriceMismatch { in_basket, offered } => write!(
                f,
                "the item is in the basket at {in_basket} cents a unit, not {offered}"
            ),
            Self::EmptyBasket => f.write_str("an empty basket cannot be checked out"),
        }
    }
}

impl std::error::Error for BasketError {}

// ---------------------------------------------------------------------------------------------
// State data.

/// One line of a basket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Line {
    /// The product's stock-keeping unit.
    pub(crate) sku: String,
    /// How many units (at least one).
    pub(crate) quantity: u32,
    /// The price of one unit, in cents.
    pub(crate) unit_price_cents: u64,
}

impl Line {
    /// The line's price: quantity times unit price, in cents.
    #[must_use]
    pub(crate) fn subtotal_cents(&self) -> u64 {
        u64::from(self.quantity) * self.unit_price_cents
    }
}

/// A basket that holds (or has held) items and can still change.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct OpenBasket {
    /// The lines, in the order they were first added.
    pub(crate) lines: Vec<Line>,
}

impl OpenBasket {
    /// The line of `sku`, if the basket has one.
    #[must_use]
    pub(crate) fn line(&self, sku: &str) -> Option<&Line> {
        self.lines.iter().find(|line| line.sku == sku)
    }

    /// The units in the basket, summed over all lines.
    #[must_use]
    pub(crate) fn units(&self) -> u32 {
        self.lines.iter().map(|line| line.quantity).sum()
    }

    /// The basket's total, in cents.
    #[must_use]
    pub(crate) fn total_cents(&self) -> u64 {
        self.lines.iter().map(Line::subtotal_cents).sum()
    }

    fn line_mut(&mut self, sku: &str) -> Option<&mut Line> {
        self.lines.iter_mut().find(|line| line.sku == sku)
    }

    /// The line of `sku`, or the domain error naming it.
    fn known_line(&self, sku: &str) -> Result<&Line, BasketError> {
        self.line(sku)
            .ok_or_else(|| BasketError::UnknownItem(sku.to_owned()))
    }

    /// Refuses a change that would leave `units` units in the basket, above the limit.
    fn check_units(units: u32) -> Result<(), BasketError> {
        if units > MAX_UNITS {
            return Err(BasketError::TooManyItems { max: MAX_UNITS });
        }
        Ok(())
    }
}

/// A checked-out basket: what was bought and what it cost.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Order {
    /// The lines as they were at checkout.
    pub(crate) lines: Vec<Line>,
    /// The amount charged, in cents.
    pub(crate) total_cents: u64,
}

// ---------------------------------------------------------------------------------------------
// The machine.

/// A shopping basket.
#[aggregate(
    events(ItemAdded, QuantityChanged, ItemRemoved, BasketCheckedOut, BasketAbandoned),
    error = BasketError
)]
#[on(Empty | Open: BasketAbandoned => Abandoned)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum Basket {
    /// Nothing was ever put in.
    #[initial]
    #[on(ItemAdded => Open)]
    Empty,
    /// Items can be added, changed and removed.
    #[on(ItemAdded | QuantityChanged | ItemRemoved => Open, BasketCheckedOut => CheckedOut)]
    Open(OpenBasket),
    /// Paid for: the basket is now an order.
    #[terminal]
    CheckedOut(Order),
    /// Walked away from.
    #[terminal]
    Abandoned,
}

#[aggregate]
impl Basket {
    fn open(_: Empty, event: &ItemAdded) -> OpenBasket {
        Self::add_line(OpenBasket::default(), event)
    }

    fn add_line(mut basket: OpenBasket, event: &ItemAdded) -> OpenBasket {
        basket.lines.push(Line {
            sku: event.sku.clone(),
            quantity: event.quantity,
            unit_price_cents: event.unit_price_cents,
        });
        basket
    }

    fn set_quantity(mut basket: OpenBasket, event: &QuantityChanged) -> OpenBasket {
        if let Some(line) = basket.line_mut(&event.sku) {
            line.quantity = event.quantity;
        }
        basket
    }

    fn remove_line(mut basket: OpenBasket, event: &ItemRemoved) -> OpenBasket {
        basket.lines.retain(|line| line.sku != event.sku);
        basket
    }

    fn place_order(basket: OpenBasket, event: &BasketCheckedOut) -> Order {
        Order {
            lines: basket.lines,
            total_cents: event.total_cents,
        }
    }

    fn walk_away_empty(_: Empty, _: &BasketAbandoned) -> Abandoned {
        Abandoned
    }

    fn walk_away_open(_: OpenBasket, _: &BasketAbandoned) -> Abandoned {
        Abandoned
    }

    #[command]
    fn add_first(_: &Empty, command: AddItem) -> Result<ItemAdded, BasketError> {
        if command.quantity == 0 {
            return Err(BasketError::QuantityZero);
        }
        OpenBasket::check_units(command.quantity)?;
        Ok(ItemAdded {
            sku: command.sku,
            quantity: command.quantity,
            unit_price_cents: command.unit_price_cents,
        })
    }

    /// A new `sku` opens a line; a known one at the same price grows its line.
    #[command]
    fn add_more(
        basket: &OpenBasket,
        command: AddItem,
        out: &mut Emit<Self, OpenBasket>,
    ) -> Result<(), BasketError> {
        if command.quantity == 0 {
            return Err(BasketError::QuantityZero);
        }
        OpenBasket::check_units(basket.units().saturating_add(command.quantity))?;
        match basket.line(&command.sku) {
            None => out.emit(ItemAdded {
                sku: command.sku,
                quantity: command.quantity,
                unit_price_cents: command.unit_price_cents,
            }),
            Some(line) if line.unit_price_cents != command.unit_price_cents => {
                return Err(BasketError::PriceMismatch {
                    in_basket: line.unit_price_cents,
                    offered: command.unit_price_cents,
                });
            }
            Some(line) => out.emit(QuantityChanged {
                quantity: line.quantity + command.quantity,
                sku: command.sku,
            }),
        };
        Ok(())
    }

    #[command]
    fn change_quantity(
        basket: &OpenBasket,
        command: ChangeQuantity,
    ) -> Result<QuantityChanged, BasketError> {
        let line = basket.known_line(&command.sku)?;
        if command.quantity == 0 {
            return Err(BasketError::QuantityZero);
        }
        OpenBasket::check_units(basket.units() - line.quantity + command.quantity)?;
        Ok(QuantityChanged {
            sku: command.sku,
            quantity: command.quantity,
        })
    }

    /// Taking out fewer units than the line holds shrinks it; taking out all of them (or
    /// more) removes it.
    #[command]
    fn remove_units(
        basket: &OpenBasket,
        command: RemoveUnits,
        out: &mut Emit<Self, OpenBasket>,
    ) -> Result<(), BasketError> {
        let line = basket.known_line(&command.sku)?;
        if command.quantity == 0 {
            return Err(BasketError::QuantityZero);
        }
        if command.quantity < line.quantity {
            out.emit(QuantityChanged {
                quantity: line.quantity - command.quantity,
                sku: command.sku,
            });
        } else {
            out.emit(ItemRemoved { sku: command.sku });
        }
        Ok(())
    }

    #[command]
    fn check_out(basket: &OpenBasket, _: CheckOut) -> Result<BasketCheckedOut, BasketError> {
        if basket.lines.is_empty() {
            return Err(BasketError::EmptyBasket);
        }
        Ok(BasketCheckedOut {
            total_cents: basket.total_cents(),
        })
    }

    #[command]
    fn abandon_empty(_: &Empty, _: Abandon) -> BasketAbandoned {
        BasketAbandoned
    }

    #[command]
    fn abandon_open(_: &OpenBasket, _: Abandon) -> BasketAbandoned {
        BasketAbandoned
    }
}
