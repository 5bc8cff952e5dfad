//! Time travel: re-issue an invoice exactly as it was six months ago, with the billing address
//! the customer had then, although the customer has moved since.
//!
//! Two aggregates share one SQLite file. A manual clock stands in for six months of calendar
//! time, so the example runs instantly and prints the same dates every time.
//!
//! Run it with `cargo run --example invoice`.

use std::sync::Arc;
use std::time::Duration;

use lsaa::clock::{Clock, ManualClock};
use lsaa::prelude::*;
use serde::{Deserialize, Serialize};

const DAY: Duration = Duration::from_secs(86_400);

// --- The customer -----------------------------------------------------------------------

/// A customer signed up.
#[derive(Event, Debug, Clone, PartialEq, Serialize, Deserialize)]
#[event(name = "customer.registered")]
pub struct CustomerRegistered {
    /// The company name.
    pub name: String,
    /// Where invoices go.
    pub billing_address: String,
}

/// The customer moved.
#[derive(Event, Debug, Clone, PartialEq, Serialize, Deserialize)]
#[event(name = "customer.billing-address-changed")]
pub struct BillingAddressChanged {
    /// Where invoices go from now on.
    pub billing_address: String,
}

/// Sign a customer up.
#[derive(Debug, Clone)]
pub struct Register {
    /// The company name.
    pub name: String,
    /// Where invoices go.
    pub billing_address: String,
}

/// Record a move.
#[derive(Debug, Clone)]
pub struct ChangeBillingAddress {
    /// The new address.
    pub billing_address: String,
}

/// A registered customer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Active {
    /// The company name.
    pub name: String,
    /// Where invoices go.
    pub billing_address: String,
}

/// A customer.
#[aggregate(events(CustomerRegistered, BillingAddressChanged))]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Customer {
    /// Not signed up yet.
    #[initial]
    #[on(CustomerRegistered => Active)]
    Unknown,
    /// Signed up; may move any number of times.
    #[on(BillingAddressChanged => Active)]
    Active(Active),
}

#[aggregate]
impl Customer {
    fn registered(_: Unknown, event: &CustomerRegistered) -> Active {
        Active {
            name: event.name.clone(),
            billing_address: event.billing_address.clone(),
        }
    }

    fn moved(state: Active, event: &BillingAddressChanged) -> Active {
        Active {
            billing_address: event.billing_address.clone(),
            ..state
        }
    }

    #[command]
    fn register(_: &Unknown, command: Register) -> CustomerRegistered {
        CustomerRegistered {
            name: command.name,
            billing_address: command.billing_address,
        }
    }

    #[command]
    fn change_address(_: &Active, command: ChangeBillingAddress) -> BillingAddressChanged {
        BillingAddressChanged {
            billing_address: command.billing_address,
        }
    }
}

// --- The invoice ------------------------------------------------------------------------

/// One invoice line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Line {
    /// What was sold.
    pub description: String,
    /// Its price in cents.
    pub cents: u64,
}

/// The invoice was issued to a customer.
#[derive(Event, Debug, Clone, PartialEq, Serialize, Deserialize)]
#[event(name = "invoice.issued")]
pub struct InvoiceIssued {
    /// The customer's id.
    pub customer: String,
    /// The lines.
    pub lines: Vec<Line>,
}

/// The invoice was paid.
#[derive(Event, Debug, Clone, PartialEq, Serialize, Deserialize)]
#[event(name = "invoice.paid")]
pub struct InvoicePaid {
    /// The amount received, in cents.
    pub cents: u64,
}

/// Issue the invoice.
#[derive(Debug, Clone)]
pub struct Issue {
    /// The customer's id.
    pub customer: String,
    /// The lines.
    pub lines: Vec<Line>,
}

/// Record a payment.
#[derive(Debug, Clone)]
pub struct Pay {
    /// The amount received, in cents.
    pub cents: u64,
}

/// Why an invoice refuses a command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InvoiceError {
    /// An invoice needs at least one line.
    NoLines,
    /// The payment does not match the total.
    WrongAmount {
        /// What is due.
        due: u64,
    },
}

impl std::fmt::Display for InvoiceError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::NoLines => f.write_str("an invoice needs at least one line"),
            Self::WrongAmount { due } => {
                write!(f, "the payment must be {} (the total)", money(*due))
            }
        }
    }
}

impl std::error::Error for InvoiceError {}

/// An issued invoice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issued {
    /// The customer's id.
    pub customer: String,
    /// The lines.
    pub lines: Vec<Line>,
}

impl Issued {
    /// The amount due, in cents.
    #[must_use]
    pub fn total(&self) -> u64 {
        self.lines.iter().map(|line| line.cents).sum()
    }
}

/// A paid invoice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paid {
    /// The invoice as issued.
    pub invoice: Issued,
}

/// An invoice.
#[aggregate(events(InvoiceIssued, InvoicePaid), error = InvoiceError)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Invoice {
    /// Being written.
    #[initial]
    #[on(InvoiceIssued => Issued)]
    Draft,
    /// Sent to the customer.
    #[on(InvoicePaid => Paid)]
    Issued(Issued),
    /// Settled.
    #[terminal]
    Paid(Paid),
}

#[aggregate]
impl Invoice {
    fn issued(_: Draft, event: &InvoiceIssued) -> Issued {
        Issued {
            customer: event.customer.clone(),
            lines: event.lines.clone(),
        }
    }

    fn paid(state: Issued, _: &InvoicePaid) -> Paid {
        Paid { invoice: state }
    }

    #[command]
    fn issue(_: &Draft, command: Issue) -> Result<InvoiceIssued, InvoiceError> {
        if command.lines.is_empty() {
            return Err(InvoiceError::NoLines);
        }
        Ok(InvoiceIssued {
            customer: command.customer,
            lines: command.lines,
        })
    }

    #[command]
    fn pay(state: &Issued, command: Pay) -> Result<InvoicePaid, InvoiceError> {
        if command.cents != state.total() {
            return Err(InvoiceError::WrongAmount { due: state.total() });
        }
        Ok(InvoicePaid {
            cents: command.cents,
        })
    }
}

/// The invoice as a customer would receive it.
fn money(cents: u64) -> String {
    format!("{}.{:02}", cents / 100, cents % 100)
}

fn render(number: &str, invoice: &Issued, customer: &Active) -> String {
    use std::fmt::Write as _;
    let mut out = format!(
        "  INVOICE {number}\n  To: {}\n      {}\n",
        customer.name, customer.billing_address
    );
    for line in &invoice.lines {
        let _ = writeln!(out, "  {:<30} {:>8}", line.description, money(line.cents));
    }
    let _ = writeln!(out, "  {:<30} {:>8}", "Total", money(invoice.total()));
    out
}

fn issued_part(invoice: &Invoice) -> Option<&Issued> {
    match invoice {
        Invoice::Issued(issued) => Some(issued),
        Invoice::Paid(paid) => Some(&paid.invoice),
        Invoice::Draft => None,
    }
}

fn active_part(customer: &Customer) -> Option<&Active> {
    match customer {
        Customer::Active(active) => Some(active),
        Customer::Unknown => None,
    }
}

#[tokio::main(flavor = "current_thread")]
#[allow(
    clippy::too_many_lines,
    reason = "the story reads top to bottom; splitting it would hide the timeline"
)]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // 2026-05-20, six months before "today" in this story.
    let clock = ManualClock::new(Timestamp::from_micros(1_779_235_200_000_000));
    let path = std::env::temp_dir().join(format!("lsaa-invoice-{}.sqlite", std::process::id()));
    let store = SqliteStore::open_with_clock(&path, Arc::new(clock.clone())).await?;
    println!(
        "Event store: {} (a fresh file for this run)\n",
        path.display()
    );
    let customers = Repository::<Customer, _>::new(store.clone());
    let invoices = Repository::<Invoice, _>::new(store.clone());
    let by_accounting = Metadata::new().actor("accounting@example.com");

    customers
        .execute_with(
            "acme",
            Register {
                name: "ACME Anvils Ltd".into(),
                billing_address: "1 Old Street, Springfield".into(),
            },
            by_accounting.clone(),
        )
        .await?;
    println!(
        "{}  ACME registers, billing address 1 Old Street",
        clock.now()
    );

    clock.advance(6 * DAY);
    let issued = invoices
        .execute_with(
            "INV-2026-0042",
            Issue {
                customer: "acme".into(),
                lines: vec![
                    Line {
                        description: "Anvil, 50 kg".into(),
                        cents: 129_900,
                    },
                    Line {
                        description: "Delivery".into(),
                        cents: 4_500,
                    },
                ],
            },
            by_accounting.clone(),
        )
        .await?;
    let issued_at = clock.now();
    println!("{issued_at}  invoice INV-2026-0042 issued");
    // A named checkpoint on the global log, like a git tag.
    let position = issued.positions.last().copied().unwrap_or_default();
    store.create_tag("books-closed-2026-05", position).await?;
    println!("{issued_at}  tag `books-closed-2026-05` at global position {position}");

    clock.advance(67 * DAY);
    customers
        .execute_with(
            "acme",
            ChangeBillingAddress {
                billing_address: "99 New Avenue, Shelbyville".into(),
            },
            Metadata::new()
                .actor("customer-portal")
                .with("ip", "198.51.100.23"),
        )
        .await?;
    println!("{}  ACME moves to 99 New Avenue", clock.now());

    clock.advance(9 * DAY);
    if let Err(refused) = invoices.execute("INV-2026-0042", Pay { cents: 100 }).await {
        println!("{}  a payment of 1.00 is refused: {refused}", clock.now());
    }
    invoices
        .execute_with("INV-2026-0042", Pay { cents: 134_400 }, by_accounting)
        .await?;
    println!("{}  invoice paid", clock.now());

    clock.advance(108 * DAY);
    println!(
        "{}  today: the customer asks for a copy of the invoice\n",
        clock.now()
    );

    // Naively combining today's states prints today's address on an old invoice.
    let invoice_now = invoices.load("INV-2026-0042").await?.state;
    let customer_now = customers.load("acme").await?.state;
    if let (Some(invoice), Some(customer)) = (issued_part(&invoice_now), active_part(&customer_now))
    {
        println!("Today's data (wrong for a copy: the address changed since):");
        println!("{}", render("INV-2026-0042", invoice, customer));
    }

    // Time travel: both aggregates as they were when the invoice was issued.
    let invoice_then = invoices
        .load_as_of("INV-2026-0042", AsOf::Instant(issued_at))
        .await?
        .state;
    let customer_then = customers
        .load_as_of("acme", AsOf::Instant(issued_at))
        .await?
        .state;
    if let (Some(invoice), Some(customer)) =
        (issued_part(&invoice_then), active_part(&customer_then))
    {
        println!("As of {issued_at} (the invoice exactly as it was issued):");
        println!("{}", render("INV-2026-0042", invoice, customer));
        assert_eq!(customer.billing_address, "1 Old Street, Springfield");
    }

    // The same through the tag.
    let customer_at_tag = customers
        .load_as_of("acme", AsOf::tag("books-closed-2026-05"))
        .await?;
    println!(
        "As of tag `books-closed-2026-05`: ACME at version {}, billing address {:?}",
        customer_at_tag.version,
        active_part(&customer_at_tag.state).map(|c| c.billing_address.as_str())
    );

    println!("\nWho changed the address, and from where:");
    for recorded in customers.history("acme", StreamRange::all()).await? {
        let envelope = &recorded.envelope;
        println!(
            "  {} v{} {:<34} by {:<24} {:?}",
            envelope.recorded_at,
            envelope.version,
            envelope.name,
            envelope.metadata.actor.as_deref().unwrap_or("-"),
            envelope.metadata.context
        );
    }

    drop(store);
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    Ok(())
}
