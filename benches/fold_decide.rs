//! What `#[aggregate]` costs on the hot paths: folding 1,000,000 events and deciding
//! 1,000,000 commands, beside a hand-written `enum` + `match` of the same shopping basket.
//!
//! Both implementations run on the same pseudo-random, deterministic inputs, built once
//! outside the timed region and checked to give the same results before anything is timed.
//! Run with `cargo bench --bench fold_decide`; figures are in `BENCHMARKS.md`.

use std::sync::LazyLock;

use divan::counter::ItemsCount;
use divan::{Bencher, black_box};
use lsaa::prelude::*;
use serde::{Deserialize, Serialize};

/// Events folded, and commands decided, per benchmark iteration.
const N: usize = 1_000_000;

fn main() {
    // Build the inputs and compare the two implementations before anything is timed.
    check_equivalence();
    divan::main();
}

// ---------------------------------------------------------------------------------------
// The domain, through `#[aggregate]`.
// ---------------------------------------------------------------------------------------

/// A line was added to the basket.
#[derive(Event, Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ItemAdded {
    /// The product.
    pub sku: u32,
    /// How many.
    pub quantity: u32,
    /// The price of one, in cents.
    pub unit_cents: u32,
}

/// A line was removed from the basket.
#[derive(Event, Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ItemRemoved {
    /// The product.
    pub sku: u32,
    /// How many.
    pub quantity: u32,
    /// The price of one, in cents.
    pub unit_cents: u32,
}

/// The basket was emptied.
#[derive(Event, Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct BasketCleared;

/// The customer went to the checkout.
#[derive(Event, Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CheckoutStarted {
    /// The amount due, in cents.
    pub total_cents: u64,
}

/// The customer went back to shopping.
#[derive(Event, Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CheckoutCancelled;

/// The basket was paid.
#[derive(Event, Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PaymentReceived {
    /// The amount paid, in cents.
    pub cents: u64,
}

/// Add `quantity` of one product.
#[derive(Debug, Clone, Copy)]
pub struct AddItem {
    /// The product.
    pub sku: u32,
    /// How many.
    pub quantity: u32,
    /// The price of one, in cents.
    pub unit_cents: u32,
}

/// Add `count` consecutive products, one line each.
#[derive(Debug, Clone, Copy)]
pub struct AddBundle {
    /// The first product.
    pub first_sku: u32,
    /// How many lines, 1 to 4.
    pub count: u32,
    /// The price of each, in cents.
    pub unit_cents: u32,
}

/// Remove a line.
#[derive(Debug, Clone, Copy)]
pub struct RemoveItem {
    /// The product.
    pub sku: u32,
    /// How many.
    pub quantity: u32,
    /// The price of one, in cents.
    pub unit_cents: u32,
}

/// Empty the basket.
#[derive(Debug, Clone, Copy)]
pub struct Clear;

/// Go to the checkout.
#[derive(Debug, Clone, Copy)]
pub struct Checkout;

/// Go back to shopping.
#[derive(Debug, Clone, Copy)]
pub struct Cancel;

/// Pay the amount due.
#[derive(Debug, Clone, Copy)]
pub struct Pay {
    /// The amount paid, in cents.
    pub cents: u64,
}

/// Why the basket refuses a command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BasketError {
    /// A line needs at least one item.
    ZeroQuantity,
    /// A bundle has 1 to 4 lines.
    BadBundle,
    /// No line is left to remove.
    NothingToRemove,
    /// An empty basket cannot be checked out.
    EmptyBasket,
    /// The payment does not cover the amount due.
    Underpaid,
}

/// A basket being filled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpenBasket {
    /// Lines in the basket.
    pub lines: u32,
    /// Baskets paid so far in this session.
    pub orders: u32,
    /// The amount due, in cents.
    pub total_cents: u64,
}

/// A basket at the checkout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CheckedOutBasket {
    /// Lines in the basket.
    pub lines: u32,
    /// Baskets paid so far in this session.
    pub orders: u32,
    /// The amount due, in cents.
    pub total_cents: u64,
}

/// A paid basket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PaidBasket {
    /// Baskets paid so far in this session, this one included.
    pub orders: u32,
    /// The change given back, in cents.
    pub change_cents: u64,
}

/// A shopping basket: one data-less state and three that carry data.
#[aggregate(
    events(ItemAdded, ItemRemoved, BasketCleared, CheckoutStarted, CheckoutCancelled, PaymentReceived),
    error = BasketError
)]
#[derive(Debug, Clone, PartialEq)]
pub enum Basket {
    /// Nothing in it yet.
    #[initial]
    #[on(ItemAdded => Open)]
    Empty,
    /// Being filled.
    #[on(
        ItemAdded | ItemRemoved => Open,
        BasketCleared => Empty,
        CheckoutStarted => CheckedOut
    )]
    Open(OpenBasket),
    /// At the checkout.
    #[on(CheckoutCancelled => Open, PaymentReceived => Paid)]
    CheckedOut(CheckedOutBasket),
    /// Paid; adding an item starts the next basket.
    #[on(ItemAdded => Open)]
    Paid(PaidBasket),
}

#[aggregate]
impl Basket {
    fn open(_: Empty, event: &ItemAdded) -> OpenBasket {
        OpenBasket {
            lines: 1,
            orders: 0,
            total_cents: line_cents(event.quantity, event.unit_cents),
        }
    }

    fn add(state: OpenBasket, event: &ItemAdded) -> OpenBasket {
        OpenBasket {
            lines: state.lines + 1,
            total_cents: state.total_cents + line_cents(event.quantity, event.unit_cents),
            ..state
        }
    }

    fn remove(state: OpenBasket, event: &ItemRemoved) -> OpenBasket {
        OpenBasket {
            lines: state.lines - 1,
            total_cents: state
                .total_cents
                .saturating_sub(line_cents(event.quantity, event.unit_cents)),
            ..state
        }
    }

    fn clear(_: OpenBasket, _: &BasketCleared) -> Empty {
        Empty
    }

    fn check_out(state: OpenBasket, event: &CheckoutStarted) -> CheckedOutBasket {
        CheckedOutBasket {
            lines: state.lines,
            orders: state.orders,
            total_cents: event.total_cents,
        }
    }

    fn cancel_checkout(state: CheckedOutBasket, _: &CheckoutCancelled) -> OpenBasket {
        OpenBasket {
            lines: state.lines,
            orders: state.orders,
            total_cents: state.total_cents,
        }
    }

    fn pay(state: CheckedOutBasket, event: &PaymentReceived) -> PaidBasket {
        PaidBasket {
            orders: state.orders + 1,
            change_cents: event.cents - state.total_cents,
        }
    }

    fn next_basket(state: PaidBasket, event: &ItemAdded) -> OpenBasket {
        OpenBasket {
            lines: 1,
            orders: state.orders,
            total_cents: line_cents(event.quantity, event.unit_cents),
        }
    }

    #[command]
    fn add_first(_: &Empty, command: AddItem) -> Result<ItemAdded, BasketError> {
        item_added(command)
    }

    #[command]
    fn add_item(_: &OpenBasket, command: AddItem) -> Result<ItemAdded, BasketError> {
        item_added(command)
    }

    #[command]
    fn add_after_payment(_: &PaidBasket, command: AddItem) -> Result<ItemAdded, BasketError> {
        item_added(command)
    }

    #[command]
    fn add_bundle(
        _: &OpenBasket,
        command: AddBundle,
        out: &mut Emit<Self, OpenBasket>,
    ) -> Result<(), BasketError> {
        if !(1..=4).contains(&command.count) {
            return Err(BasketError::BadBundle);
        }
        for offset in 0..command.count {
            out.emit(ItemAdded {
                sku: command.first_sku + offset,
                quantity: 1,
                unit_cents: command.unit_cents,
            });
        }
        Ok(())
    }

    #[command]
    fn remove_item(state: &OpenBasket, command: RemoveItem) -> Result<ItemRemoved, BasketError> {
        if state.lines == 0 {
            return Err(BasketError::NothingToRemove);
        }
        Ok(ItemRemoved {
            sku: command.sku,
            quantity: command.quantity,
            unit_cents: command.unit_cents,
        })
    }

    #[command]
    fn clear_basket(_: &OpenBasket, _: Clear) -> BasketCleared {
        BasketCleared
    }

    #[command]
    fn checkout(state: &OpenBasket, _: Checkout) -> Result<CheckoutStarted, BasketError> {
        if state.lines == 0 {
            return Err(BasketError::EmptyBasket);
        }
        Ok(CheckoutStarted {
            total_cents: state.total_cents,
        })
    }

    #[command]
    fn cancel(_: &CheckedOutBasket, _: Cancel) -> CheckoutCancelled {
        CheckoutCancelled
    }

    #[command]
    fn pay_basket(state: &CheckedOutBasket, command: Pay) -> Result<PaymentReceived, BasketError> {
        if command.cents < state.total_cents {
            return Err(BasketError::Underpaid);
        }
        Ok(PaymentReceived {
            cents: command.cents,
        })
    }
}

/// Shared by both implementations so that the domain arithmetic is the same code.
#[inline]
fn line_cents(quantity: u32, unit_cents: u32) -> u64 {
    u64::from(quantity) * u64::from(unit_cents)
}

#[inline]
fn item_added(command: AddItem) -> Result<ItemAdded, BasketError> {
    if command.quantity == 0 {
        return Err(BasketError::ZeroQuantity);
    }
    Ok(ItemAdded {
        sku: command.sku,
        quantity: command.quantity,
        unit_cents: command.unit_cents,
    })
}

// ---------------------------------------------------------------------------------------
// The same domain, written by hand: the code one writes without the macro.
// ---------------------------------------------------------------------------------------

mod hand {
    use super::{
        AddBundle, AddItem, BasketError, CheckedOutBasket, ItemAdded, ItemRemoved, OpenBasket,
        PaidBasket, Pay, RemoveItem, item_added, line_cents,
    };

    #[derive(Debug, Clone, PartialEq)]
    pub(super) enum State {
        Empty,
        Open(OpenBasket),
        CheckedOut(CheckedOutBasket),
        Paid(PaidBasket),
    }

    #[derive(Debug, Clone, PartialEq)]
    pub(super) enum Event {
        ItemAdded(ItemAdded),
        ItemRemoved(ItemRemoved),
        BasketCleared,
        CheckoutStarted { total_cents: u64 },
        CheckoutCancelled,
        PaymentReceived { cents: u64 },
    }

    #[derive(Debug)]
    pub(super) enum Command {
        AddItem(AddItem),
        AddBundle(AddBundle),
        RemoveItem(RemoveItem),
        Clear,
        Checkout,
        Cancel,
        Pay(Pay),
    }

    /// Same shape as `lsaa::IllegalTransition`.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub(super) struct Illegal {
        pub(super) aggregate: &'static str,
        pub(super) state: &'static str,
        pub(super) event: &'static str,
    }

    /// Same shape as `lsaa::ReplayError`.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub(super) struct ReplayError {
        pub(super) transition: Illegal,
        pub(super) version: u64,
    }

    /// Same shape as `lsaa::CommandError<BasketError>`.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub(super) enum CommandError {
        Rejected(BasketError),
        NotHandled {
            aggregate: &'static str,
            state: &'static str,
            command: &'static str,
        },
    }

    impl State {
        fn name(&self) -> &'static str {
            match self {
                Self::Empty => "Empty",
                Self::Open(_) => "Open",
                Self::CheckedOut(_) => "CheckedOut",
                Self::Paid(_) => "Paid",
            }
        }

        #[inline]
        pub(super) fn evolve(self, event: &Event) -> Result<Self, Illegal> {
            match (self, event) {
                (Self::Empty, Event::ItemAdded(e)) => Ok(Self::Open(OpenBasket {
                    lines: 1,
                    orders: 0,
                    total_cents: line_cents(e.quantity, e.unit_cents),
                })),
                (Self::Open(s), Event::ItemAdded(e)) => Ok(Self::Open(OpenBasket {
                    lines: s.lines + 1,
                    total_cents: s.total_cents + line_cents(e.quantity, e.unit_cents),
                    ..s
                })),
                (Self::Open(s), Event::ItemRemoved(e)) => Ok(Self::Open(OpenBasket {
                    lines: s.lines - 1,
                    total_cents: s
                        .total_cents
                        .saturating_sub(line_cents(e.quantity, e.unit_cents)),
                    ..s
                })),
                (Self::Open(_), Event::BasketCleared) => Ok(Self::Empty),
                (Self::Open(s), Event::CheckoutStarted { total_cents }) => {
                    Ok(Self::CheckedOut(CheckedOutBasket {
                        lines: s.lines,
                        orders: s.orders,
                        total_cents: *total_cents,
                    }))
                }
                (Self::CheckedOut(s), Event::CheckoutCancelled) => Ok(Self::Open(OpenBasket {
                    lines: s.lines,
                    orders: s.orders,
                    total_cents: s.total_cents,
                })),
                (Self::CheckedOut(s), Event::PaymentReceived { cents }) => {
                    Ok(Self::Paid(PaidBasket {
                        orders: s.orders + 1,
                        change_cents: cents - s.total_cents,
                    }))
                }
                (Self::Paid(s), Event::ItemAdded(e)) => Ok(Self::Open(OpenBasket {
                    lines: 1,
                    orders: s.orders,
                    total_cents: line_cents(e.quantity, e.unit_cents),
                })),
                (state, event) => Err(Illegal {
                    aggregate: "Basket",
                    state: state.name(),
                    event: event.name(),
                }),
            }
        }

        /// The loop of `Aggregate::replay`, with its version counter.
        pub(super) fn replay(events: &[Event]) -> Result<Self, ReplayError> {
            let mut state = Self::Empty;
            for (version, event) in (1..).zip(events) {
                state = state.evolve(event).map_err(|transition| ReplayError {
                    transition,
                    version,
                })?;
            }
            Ok(state)
        }

        #[inline]
        pub(super) fn decide(
            &self,
            command: Command,
            out: &mut Vec<Event>,
        ) -> Result<(), CommandError> {
            match (self, command) {
                (Self::Empty | Self::Open(_) | Self::Paid(_), Command::AddItem(c)) => {
                    out.push(Event::ItemAdded(
                        item_added(c).map_err(CommandError::Rejected)?,
                    ));
                }
                (Self::Open(_), Command::AddBundle(c)) => {
                    if !(1..=4).contains(&c.count) {
                        return Err(CommandError::Rejected(BasketError::BadBundle));
                    }
                    for offset in 0..c.count {
                        out.push(Event::ItemAdded(ItemAdded {
                            sku: c.first_sku + offset,
                            quantity: 1,
                            unit_cents: c.unit_cents,
                        }));
                    }
                }
                (Self::Open(s), Command::RemoveItem(c)) => {
                    if s.lines == 0 {
                        return Err(CommandError::Rejected(BasketError::NothingToRemove));
                    }
                    out.push(Event::ItemRemoved(ItemRemoved {
                        sku: c.sku,
                        quantity: c.quantity,
                        unit_cents: c.unit_cents,
                    }));
                }
                (Self::Open(_), Command::Clear) => out.push(Event::BasketCleared),
                (Self::Open(s), Command::Checkout) => {
                    if s.lines == 0 {
                        return Err(CommandError::Rejected(BasketError::EmptyBasket));
                    }
                    out.push(Event::CheckoutStarted {
                        total_cents: s.total_cents,
                    });
                }
                (Self::CheckedOut(_), Command::Cancel) => out.push(Event::CheckoutCancelled),
                (Self::CheckedOut(s), Command::Pay(c)) => {
                    if c.cents < s.total_cents {
                        return Err(CommandError::Rejected(BasketError::Underpaid));
                    }
                    out.push(Event::PaymentReceived { cents: c.cents });
                }
                (state, command) => {
                    return Err(CommandError::NotHandled {
                        aggregate: "Basket",
                        state: state.name(),
                        command: command.name(),
                    });
                }
            }
            Ok(())
        }
    }

    impl Event {
        fn name(&self) -> &'static str {
            match self {
                Self::ItemAdded(_) => "ItemAdded",
                Self::ItemRemoved(_) => "ItemRemoved",
                Self::BasketCleared => "BasketCleared",
                Self::CheckoutStarted { .. } => "CheckoutStarted",
                Self::CheckoutCancelled => "CheckoutCancelled",
                Self::PaymentReceived { .. } => "PaymentReceived",
            }
        }
    }

    impl Command {
        fn name(&self) -> &'static str {
            match self {
                Self::AddItem(_) => "AddItem",
                Self::AddBundle(_) => "AddBundle",
                Self::RemoveItem(_) => "RemoveItem",
                Self::Clear => "Clear",
                Self::Checkout => "Checkout",
                Self::Cancel => "Cancel",
                Self::Pay(_) => "Pay",
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// Inputs: one deterministic sequence, built once, in both representations.
// ---------------------------------------------------------------------------------------

/// xorshift64: deterministic, dependency-free, good enough to mix the branches.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// A value in `0..bound`.
    fn below(&mut self, bound: u32) -> u32 {
        u32::try_from(self.next() % u64::from(bound)).expect("below a u32 bound")
    }
}

/// One event, in a form both implementations are built from.
#[derive(Debug, Clone, Copy)]
enum EventSpec {
    Added(ItemAdded),
    Removed(ItemRemoved),
    Cleared,
    CheckoutStarted(u64),
    CheckoutCancelled,
    Paid(u64),
}

impl EventSpec {
    fn generated(self) -> BasketEvent {
        match self {
            Self::Added(e) => e.into(),
            Self::Removed(e) => e.into(),
            Self::Cleared => BasketCleared.into(),
            Self::CheckoutStarted(total_cents) => CheckoutStarted { total_cents }.into(),
            Self::CheckoutCancelled => CheckoutCancelled.into(),
            Self::Paid(cents) => PaymentReceived { cents }.into(),
        }
    }

    fn hand(self) -> hand::Event {
        match self {
            Self::Added(e) => hand::Event::ItemAdded(e),
            Self::Removed(e) => hand::Event::ItemRemoved(e),
            Self::Cleared => hand::Event::BasketCleared,
            Self::CheckoutStarted(total_cents) => hand::Event::CheckoutStarted { total_cents },
            Self::CheckoutCancelled => hand::Event::CheckoutCancelled,
            Self::Paid(cents) => hand::Event::PaymentReceived { cents },
        }
    }
}

fn random_line(rng: &mut Rng) -> ItemAdded {
    ItemAdded {
        sku: rng.below(10_000),
        quantity: 1 + rng.below(5),
        unit_cents: 50 + rng.below(5_000),
    }
}

/// `N` events, each legal where it stands: a random walk over the arrows of the basket,
/// weighted towards filling it, so that a basket has a few lines and every arrow is taken
/// often.
fn event_specs() -> Vec<EventSpec> {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut state = hand::State::Empty;
    let mut specs = Vec::with_capacity(N);
    while specs.len() < N {
        let roll = rng.below(100);
        let spec = match &state {
            hand::State::Empty | hand::State::Paid(_) => EventSpec::Added(random_line(&mut rng)),
            hand::State::Open(basket) => match roll {
                55..75 if basket.lines > 0 => {
                    let line = random_line(&mut rng);
                    EventSpec::Removed(ItemRemoved {
                        sku: line.sku,
                        quantity: line.quantity,
                        unit_cents: line.unit_cents,
                    })
                }
                0..75 => EventSpec::Added(random_line(&mut rng)),
                75..80 => EventSpec::Cleared,
                _ => EventSpec::CheckoutStarted(basket.total_cents),
            },
            hand::State::CheckedOut(basket) => match roll {
                0..30 => EventSpec::CheckoutCancelled,
                _ => EventSpec::Paid(basket.total_cents + u64::from(rng.below(500))),
            },
        };
        state = state
            .evolve(&spec.hand())
            .expect("the walk follows the arrows");
        specs.push(spec);
    }
    specs
}

/// One command, in a form both implementations are built from.
#[derive(Debug, Clone, Copy)]
enum CommandSpec {
    AddItem(AddItem),
    AddBundle(AddBundle),
    RemoveItem(RemoveItem),
    Clear,
    Checkout,
    Cancel,
    Pay(Pay),
}

impl CommandSpec {
    fn generated(self) -> BasketCommand {
        match self {
            Self::AddItem(c) => c.into(),
            Self::AddBundle(c) => c.into(),
            Self::RemoveItem(c) => c.into(),
            Self::Clear => Clear.into(),
            Self::Checkout => Checkout.into(),
            Self::Cancel => Cancel.into(),
            Self::Pay(c) => c.into(),
        }
    }

    fn hand(self) -> hand::Command {
        match self {
            Self::AddItem(c) => hand::Command::AddItem(c),
            Self::AddBundle(c) => hand::Command::AddBundle(c),
            Self::RemoveItem(c) => hand::Command::RemoveItem(c),
            Self::Clear => hand::Command::Clear,
            Self::Checkout => hand::Command::Checkout,
            Self::Cancel => hand::Command::Cancel,
            Self::Pay(c) => hand::Command::Pay(c),
        }
    }
}

/// A command of kind `kind` (0 to 6), with random data.
fn command_of_kind(rng: &mut Rng, kind: u32, due_cents: u64) -> CommandSpec {
    let line = random_line(rng);
    match kind {
        // Now and then a zero quantity: rejected.
        0 => CommandSpec::AddItem(AddItem {
            sku: line.sku,
            quantity: rng.below(6),
            unit_cents: line.unit_cents,
        }),
        // 1 to 4 lines, and now and then 0 or 5: rejected.
        1 => CommandSpec::AddBundle(AddBundle {
            first_sku: line.sku,
            count: rng.below(6),
            unit_cents: line.unit_cents,
        }),
        2 => CommandSpec::RemoveItem(RemoveItem {
            sku: line.sku,
            quantity: line.quantity,
            unit_cents: line.unit_cents,
        }),
        3 => CommandSpec::Clear,
        4 => CommandSpec::Checkout,
        5 => CommandSpec::Cancel,
        // Now and then short of the amount due: rejected.
        _ => CommandSpec::Pay(Pay {
            cents: (due_cents + u64::from(rng.below(500))).saturating_sub(50),
        }),
    }
}

/// Mostly a command that the state handles; one in ten is any command, most of which the
/// state does not handle.
fn random_command(rng: &mut Rng, state: &hand::State) -> CommandSpec {
    let roll = rng.below(100);
    let (kind, due_cents) = match state {
        _ if roll < 10 => (rng.below(7), 0),
        hand::State::Empty | hand::State::Paid(_) => (0, 0),
        hand::State::Open(_) => match roll {
            10..45 => (0, 0),
            45..55 => (1, 0),
            55..70 => (2, 0),
            70..74 => (3, 0),
            _ => (4, 0),
        },
        hand::State::CheckedOut(basket) => (if roll < 35 { 5 } else { 6 }, basket.total_cents),
    };
    command_of_kind(rng, kind, due_cents)
}

/// What one decide produced, comparable across the two implementations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Events(usize),
    Rejected(BasketError),
    NotHandled(&'static str, &'static str),
}

/// How often each outcome occurs in the decide inputs.
#[derive(Debug, Default)]
struct Tally {
    events: usize,
    rejected: usize,
    not_handled: usize,
}

/// `N` (state, command) pairs of one session: each state is the one the previous commands
/// led to. Every command and every refusal (rejected by a handler, or not handled in the
/// state) occurs.
///
/// Both implementations walk the session in lockstep, and every step is checked to produce
/// the same outcome, the same events and the same next state: this is the equivalence check
/// of decide (and of evolve on decided events).
fn decide_inputs() -> (Vec<Basket>, Vec<hand::State>, Vec<CommandSpec>, Tally) {
    let mut rng = Rng(0x2545_F491_4F6C_DD1D);
    let (mut state, mut hand_state) = (Basket::initial(), hand::State::Empty);
    let mut states = Vec::with_capacity(N);
    let mut hand_states = Vec::with_capacity(N);
    let mut commands = Vec::with_capacity(N);
    let (mut out, mut hand_out) = (Vec::new(), Vec::new());
    let mut tally = Tally::default();
    while commands.len() < N {
        let command = random_command(&mut rng, &hand_state);
        states.push(state.clone());
        hand_states.push(hand_state.clone());
        commands.push(command);

        out.clear();
        hand_out.clear();
        let outcome = match state.decide_into(command.generated(), &mut out) {
            Ok(()) => Outcome::Events(out.len()),
            Err(CommandError::Rejected(error)) => Outcome::Rejected(error),
            Err(CommandError::NotHandled { state, command, .. }) => {
                Outcome::NotHandled(state, command)
            }
        };
        let hand_outcome = match hand_state.decide(command.hand(), &mut hand_out) {
            Ok(()) => Outcome::Events(hand_out.len()),
            Err(hand::CommandError::Rejected(error)) => Outcome::Rejected(error),
            Err(hand::CommandError::NotHandled { state, command, .. }) => {
                Outcome::NotHandled(state, command)
            }
        };
        assert_eq!(
            outcome, hand_outcome,
            "decide: outcomes differ for {command:?} in {state:?}"
        );
        let hand_as_generated: Vec<BasketEvent> = hand_out
            .iter()
            .map(|e| hand_to_spec(e).generated())
            .collect();
        assert_eq!(
            out, hand_as_generated,
            "decide: events differ for {command:?} in {state:?}"
        );

        for event in &out {
            state = state.evolve(event).expect("decided events are legal");
        }
        for event in &hand_out {
            hand_state = hand_state.evolve(event).expect("decided events are legal");
        }
        assert_eq!(
            state,
            to_generated(&hand_state),
            "evolve: next states differ"
        );
        match outcome {
            Outcome::Events(count) => tally.events += count,
            Outcome::Rejected(_) => tally.rejected += 1,
            Outcome::NotHandled(..) => tally.not_handled += 1,
        }
    }
    assert!(
        tally.rejected > N / 100 && tally.not_handled > N / 100,
        "both kinds of refusal occur"
    );
    (states, hand_states, commands, tally)
}

fn to_generated(state: &hand::State) -> Basket {
    match state {
        hand::State::Empty => Basket::Empty,
        hand::State::Open(s) => Basket::Open(*s),
        hand::State::CheckedOut(s) => Basket::CheckedOut(*s),
        hand::State::Paid(s) => Basket::Paid(*s),
    }
}

struct Inputs {
    events: Vec<BasketEvent>,
    hand_events: Vec<hand::Event>,
    states: Vec<Basket>,
    hand_states: Vec<hand::State>,
    commands: Vec<CommandSpec>,
    tally: Tally,
}

static INPUTS: LazyLock<Inputs> = LazyLock::new(|| {
    let specs = event_specs();
    let (states, hand_states, commands, tally) = decide_inputs();
    Inputs {
        events: specs.iter().map(|s| s.generated()).collect(),
        hand_events: specs.iter().map(|s| s.hand()).collect(),
        states,
        hand_states,
        commands,
        tally,
    }
});

// ---------------------------------------------------------------------------------------
// Equivalence, checked once outside the timed region.
// ---------------------------------------------------------------------------------------

/// Builds the inputs (which checks decide step by step) and checks that both folds of the
/// whole event sequence end in the same state.
fn check_equivalence() {
    let inputs = &*INPUTS;
    let generated = Basket::replay(&inputs.events).expect("the event walk is legal");
    let hand_written = hand::State::replay(&inputs.hand_events).expect("the event walk is legal");
    assert_eq!(
        generated,
        to_generated(&hand_written),
        "fold: final states differ"
    );
    let Tally {
        events,
        rejected,
        not_handled,
    } = inputs.tally;
    eprintln!(
        "inputs: fold of {N} events ends in `{}`; decide of {N} commands: {events} events, \
         {rejected} rejected, {not_handled} not handled",
        generated.state_name()
    );
}

fn hand_to_spec(event: &hand::Event) -> EventSpec {
    match event {
        hand::Event::ItemAdded(e) => EventSpec::Added(*e),
        hand::Event::ItemRemoved(e) => EventSpec::Removed(*e),
        hand::Event::BasketCleared => EventSpec::Cleared,
        hand::Event::CheckoutStarted { total_cents } => EventSpec::CheckoutStarted(*total_cents),
        hand::Event::CheckoutCancelled => EventSpec::CheckoutCancelled,
        hand::Event::PaymentReceived { cents } => EventSpec::Paid(*cents),
    }
}

// ---------------------------------------------------------------------------------------
// The benchmarks.
// ---------------------------------------------------------------------------------------

mod fold {
    use super::{Aggregate, Basket, Bencher, INPUTS, ItemsCount, N, black_box, hand};

    #[divan::bench]
    fn generated(bencher: Bencher<'_, '_>) {
        let events = INPUTS.events.as_slice();
        bencher
            .counter(ItemsCount::new(N))
            .bench_local(|| Basket::replay(black_box(events)));
    }

    #[divan::bench]
    fn hand_written(bencher: Bencher<'_, '_>) {
        let events = INPUTS.hand_events.as_slice();
        bencher
            .counter(ItemsCount::new(N))
            .bench_local(|| hand::State::replay(black_box(events)));
    }
}

mod decide {
    use super::{
        Basket, BasketCommand, BasketEvent, Bencher, Decide, INPUTS, ItemsCount, N, black_box, hand,
    };

    #[divan::bench]
    fn generated(bencher: Bencher<'_, '_>) {
        let states: &[Basket] = &INPUTS.states;
        let mut out = Vec::with_capacity(8);
        bencher
            .counter(ItemsCount::new(N))
            // Commands are taken by value: build them outside the timed region, drain inside.
            .with_inputs(|| {
                INPUTS
                    .commands
                    .iter()
                    .map(|c| c.generated())
                    .collect::<Vec<_>>()
            })
            .bench_local_refs(|commands| decide_all(black_box(states), commands, &mut out));
    }

    #[divan::bench]
    fn hand_written(bencher: Bencher<'_, '_>) {
        let states: &[hand::State] = &INPUTS.hand_states;
        let mut out = Vec::with_capacity(8);
        bencher
            .counter(ItemsCount::new(N))
            .with_inputs(|| INPUTS.commands.iter().map(|c| c.hand()).collect::<Vec<_>>())
            .bench_local_refs(|commands| decide_all_hand(black_box(states), commands, &mut out));
    }

    // The timed loops are functions of their own (called once per 1,000,000 commands) so
    // that they can be found in a profile or a disassembly; the decide inside is inlined or
    // not as the compiler sees fit, as in an application.
    #[inline(never)]
    fn decide_all(
        states: &[Basket],
        commands: &mut Vec<BasketCommand>,
        out: &mut Vec<BasketEvent>,
    ) -> usize {
        let mut accepted = 0_usize;
        for (state, command) in states.iter().zip(commands.drain(..)) {
            out.clear();
            accepted += usize::from(state.decide_into(command, out).is_ok());
            black_box(&mut *out);
        }
        accepted
    }

    #[inline(never)]
    fn decide_all_hand(
        states: &[hand::State],
        commands: &mut Vec<hand::Command>,
        out: &mut Vec<hand::Event>,
    ) -> usize {
        let mut accepted = 0_usize;
        for (state, command) in states.iter().zip(commands.drain(..)) {
            out.clear();
            accepted += usize::from(state.decide(command, out).is_ok());
            black_box(&mut *out);
        }
        accepted
    }
}
