//! The classic coin-operated turnstile: two states, two events, two commands, stored in a
//! SQLite file.
//!
//! Prints the state diagram, runs a short sequence of commands against the stored turnstile
//! (one refused because the turnstile is in the wrong state, one rejected by the domain), shows
//! the history with its metadata, and the state as of an earlier version and an earlier
//! instant. Run it again: it continues from what the first run stored.
//!
//! Run it with `cargo run --example turnstile` (`-- --db PATH` for another file, `-- --fresh`
//! to start over).

use std::path::PathBuf;

use lsaa::RepositoryError;
use lsaa::prelude::*;
use serde::{Deserialize, Serialize};

/// A coin was inserted.
#[derive(Event, Debug, Clone, PartialEq, Serialize, Deserialize)]
#[event(name = "turnstile.coin-inserted", version = 1)]
pub struct CoinInserted {
    /// The coin's value in cents.
    pub cents: u32,
}

/// Someone pushed through the arm.
#[derive(Event, Debug, Clone, PartialEq, Serialize, Deserialize)]
#[event(name = "turnstile.passed-through", version = 1)]
pub struct PassedThrough;

/// Insert a coin.
#[derive(Debug, Clone)]
pub struct InsertCoin {
    /// The coin's value in cents.
    pub cents: u32,
}

/// Push the arm.
#[derive(Debug, Clone)]
pub struct Push;

/// Why the turnstile rejects a command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TurnstileError {
    /// Coins below 10 cents are not accepted.
    CoinTooSmall {
        /// The value of the rejected coin.
        cents: u32,
    },
}

impl std::fmt::Display for TurnstileError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::CoinTooSmall { cents } => write!(f, "a {cents}-cent coin is too small"),
        }
    }
}

impl std::error::Error for TurnstileError {}

/// The locked arm, with the money collected since installation.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Locked {
    /// Cents collected so far.
    pub collected: u32,
}

/// The unlocked arm, with the money collected since installation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unlocked {
    /// Cents collected so far.
    pub collected: u32,
}

/// A coin-operated turnstile.
#[aggregate(events(CoinInserted, PassedThrough), error = TurnstileError)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Turnstile {
    /// Waiting for a coin.
    #[initial]
    #[on(CoinInserted => Unlocked)]
    Locked(Locked),
    /// Waiting for someone to push through; extra coins are kept.
    #[on(PassedThrough => Locked, CoinInserted => Unlocked)]
    Unlocked(Unlocked),
}

#[aggregate]
impl Turnstile {
    fn unlock(state: Locked, event: &CoinInserted) -> Unlocked {
        Unlocked {
            collected: state.collected + event.cents,
        }
    }

    fn keep_coin(state: Unlocked, event: &CoinInserted) -> Unlocked {
        Unlocked {
            collected: state.collected + event.cents,
        }
    }

    fn lock(state: Unlocked, _: &PassedThrough) -> Locked {
        Locked {
            collected: state.collected,
        }
    }

    #[command]
    fn insert_coin(_: &Locked, command: InsertCoin) -> Result<CoinInserted, TurnstileError> {
        if command.cents < 10 {
            return Err(TurnstileError::CoinTooSmall {
                cents: command.cents,
            });
        }
        Ok(CoinInserted {
            cents: command.cents,
        })
    }

    #[command]
    fn push(_: &Unlocked, _: Push) -> PassedThrough {
        PassedThrough
    }
}

/// `--db PATH` and `--fresh`; the default file lives in the workspace's `target/` directory.
fn arguments() -> (PathBuf, bool) {
    let mut db =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/lsaa-examples/turnstile.sqlite");
    let mut fresh = false;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--db" => {
                if let Some(path) = args.next() {
                    db = PathBuf::from(path);
                }
            }
            "--fresh" => fresh = true,
            other => eprintln!("ignoring unknown argument `{other}`"),
        }
    }
    (db, fresh)
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    println!("The turnstile's states and arrows (Mermaid):\n");
    println!("{}", Turnstile::GRAPH.mermaid());

    let (db, fresh) = arguments();
    if let Some(dir) = db.parent() {
        std::fs::create_dir_all(dir)?;
    }
    if fresh {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
        }
    }
    let store = SqliteStore::open(&db).await?;
    println!("Event store: {}", db.display());
    let repository = Repository::<Turnstile, _>::new(store);
    let id = "gate-1";

    let before = repository.load(id).await?;
    if before.version == 0 {
        println!("`{id}` has no history yet: this is the first run.\n");
    } else {
        println!(
            "`{id}` continues from version {} (state `{}`, {:?}).\n",
            before.version,
            before.state.state_name(),
            before.state
        );
    }

    let commands: Vec<TurnstileCommand> = vec![
        InsertCoin { cents: 5 }.into(),
        InsertCoin { cents: 50 }.into(),
        Push.into(),
        Push.into(),
        InsertCoin { cents: 20 }.into(),
    ];
    let mut instant_after_first_coin = None;
    for (n, command) in commands.into_iter().enumerate() {
        let described = format!("{command:?}");
        // The request context travels with every event the command produces.
        let metadata = Metadata::new()
            .actor("gate-controller")
            .with("request_id", format!("req-{}-{n}", before.version))
            .with("ip", "192.0.2.7")
            .with("user_agent", "turnstile-firmware/2.1");
        match repository.execute_with(id, command, metadata).await {
            Ok(done) => {
                println!(
                    "{described:<26} -> {:?} -> v{} `{}`",
                    done.events,
                    done.version,
                    done.state.state_name()
                );
                if instant_after_first_coin.is_none() && !done.events.is_empty() {
                    instant_after_first_coin = Some(Timestamp::now());
                }
            }
            Err(RepositoryError::NotHandled { state, .. }) => {
                println!("{described:<26} -> refused: no handler in `{state}`");
            }
            Err(RepositoryError::Rejected(error)) => {
                println!("{described:<26} -> rejected: {error}");
            }
            Err(other) => return Err(other.into()),
        }
    }

    println!("\nHistory of `{id}` as stored (last 6 events):");
    let history = repository.history(id, StreamRange::all()).await?;
    for recorded in history.iter().rev().take(6).rev() {
        let envelope = &recorded.envelope;
        println!(
            "  v{:<3} #{:<4} {} {} {:?}\n         actor={} context={:?} correlation={}",
            envelope.version,
            envelope.position,
            envelope.recorded_at,
            envelope.name,
            recorded.event,
            envelope.metadata.actor.as_deref().unwrap_or("-"),
            envelope.metadata.context,
            envelope
                .metadata
                .correlation_id
                .map_or_else(|| "-".to_owned(), |id| id.to_string()),
        );
    }

    let now = repository.load(id).await?;
    let earlier = now.version.saturating_sub(2);
    let as_of_version = repository.load_as_of(id, AsOf::Version(earlier)).await?;
    println!("\nNow (v{}):           {:?}", now.version, now.state);
    println!("As of version {earlier}:   {:?}", as_of_version.state);
    if let Some(instant) = instant_after_first_coin {
        let as_of_instant = repository.load_as_of(id, AsOf::Instant(instant)).await?;
        println!(
            "As of {instant} (just after this run's first coin): v{} {:?}",
            as_of_instant.version, as_of_instant.state
        );
    }

    // Replaying the stored events by hand gives the same state.
    let events: Vec<TurnstileEvent> = history.into_iter().map(|r| r.event).collect();
    assert_eq!(Turnstile::replay(&events)?, now.state);
    println!(
        "\nRun it again: the turnstile continues from version {}.",
        now.version
    );
    Ok(())
}
