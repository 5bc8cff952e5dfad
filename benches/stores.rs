//! What the event stores cost, each figure beside the raw driver doing the same inserts and
//! reads in the same run (the ceiling): appends of one event and of batches of 100, reading a
//! 10,000-event stream and decoding it, and loading a 10,000-event aggregate with and without
//! a snapshot.
//!
//! SQLite always runs, in temporary files with the settings of `SqliteStore` (WAL,
//! `synchronous=FULL`). PostgreSQL runs when `LSAA_TEST_POSTGRES_URL` is set (see
//! `scripts/pg-test-server.sh`); it first counts the round trips of each store call through a
//! counting TCP proxy. Before divan's benches, lsaa and the raw driver are also timed in
//! alternation, which gives ratios that the load swings of a shared machine cannot skew the
//! way they skew two benches run one after the other.
//!
//! Run with `cargo bench --bench stores`; figures are in `BENCHMARKS.md`.

use std::io::{Read as _, Write as _};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, LazyLock, Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant};

use divan::Bencher;
use divan::counter::ItemsCount;
use lsaa::prelude::*;
use lsaa_runtime::{
    ExpectedVersion, NewEvent, PostgresOptions, PostgresStore, RecordedEvent, SnapshotPolicy,
    StreamId, Upcasters, Uuid, codec,
};
use rusqlite::{Connection, TransactionBehavior, params};
use serde::{Deserialize, Serialize};

/// Events in the stream that is read and loaded.
const STREAM_EVENTS: u64 = 10_000;
/// Events per batch in the batch benches (and per command when the streams are built).
const BATCH: usize = 100;
/// The snapshot interval of the repository with snapshots.
const SNAPSHOT_EVERY: u64 = 1_000;
/// The aggregate with `STREAM_EVENTS` events, its last snapshot at its last version.
const TEN_K: &str = "ten-thousand";
/// The aggregate with a snapshot at 10,000 and 999 events after it (the worst tail).
const TAIL_999: &str = "tail-999";
/// PostgreSQL schemas of the lsaa store and of the raw driver's table.
const PG_SCHEMA: &str = "lsaa_bench_stores";
const PG_RAW_SCHEMA: &str = "lsaa_bench_stores_raw";

fn main() {
    let mut divan = divan::Divan::from_args();
    // Only a real run, as divan decides it: `--bench` (which `cargo bench` passes), and
    // neither `--test` (each bench once, also what `cargo test --benches` runs) nor `--list`.
    let flag = |name: &str| std::env::args().any(|arg| arg == name);
    let timing = flag("--bench") && !flag("--test") && !flag("--list");
    let postgres = postgres_url();
    if let Some(url) = &postgres {
        count_round_trips(url);
    } else {
        eprintln!(
            "PostgreSQL benches skipped: set LSAA_TEST_POSTGRES_URL (eval \"$(bash \
             scripts/pg-test-server.sh start)\" && export LSAA_TEST_POSTGRES_URL)"
        );
        divan = divan.skip_regex("postgres");
    }
    if timing {
        print_interleaved("SQLite", sqlite_backend());
        if postgres.is_some() {
            print_interleaved("PostgreSQL", postgres_backend());
            print_interleaved_function(postgres_backend());
        }
    }
    divan.main();
    if let Some(postgres) = POSTGRES.get() {
        RUNTIME.block_on(postgres.drop_schemas());
    }
    // Best effort: a leftover directory in the temporary directory is harmless.
    let _ = std::fs::remove_dir_all(&*DIR);
}

/// One runtime for every bench; each timed closure blocks on it.
static RUNTIME: LazyLock<tokio::runtime::Runtime> = LazyLock::new(|| {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime")
});

/// The SQLite files live here, on the temporary directory's file system.
static DIR: LazyLock<PathBuf> = LazyLock::new(|| {
    let dir = std::env::temp_dir().join(format!("lsaa-bench-stores-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("bench directory");
    dir
});

fn postgres_url() -> Option<String> {
    std::env::var("LSAA_TEST_POSTGRES_URL")
        .ok()
        .filter(|url| !url.trim().is_empty())
}

// ---------------------------------------------------------------------------------------------
// The domain: a bank account.

/// The account was opened.
#[derive(Event, Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Opened {
    owner: String,
}

/// Money came in.
#[derive(Event, Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Deposited {
    cents: u64,
}

/// Money went out.
#[derive(Event, Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Withdrawn {
    cents: u64,
}

/// Open the account.
#[derive(Debug, Clone)]
struct OpenAccount;

/// Record `count` movements: deposits of 100 cents, every fourth one a withdrawal of 50.
#[derive(Debug, Clone)]
struct Record {
    count: u64,
}

/// An open account.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
struct Account {
    balance: u64,
    movements: u64,
}

/// A bank account.
#[aggregate(events(Opened, Deposited, Withdrawn))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
enum BankAccount {
    /// Not opened yet.
    #[initial]
    #[on(Opened => Open)]
    Unopened,
    /// Open.
    #[on(Deposited | Withdrawn => Open)]
    Open(Account),
}

#[aggregate(vis = pub(crate))]
impl BankAccount {
    fn open(_: Unopened, _: &Opened) -> Account {
        Account::default()
    }

    fn deposit(state: Account, event: &Deposited) -> Account {
        Account {
            balance: state.balance + event.cents,
            movements: state.movements + 1,
        }
    }

    fn withdraw(state: Account, event: &Withdrawn) -> Account {
        Account {
            balance: state.balance.saturating_sub(event.cents),
            movements: state.movements + 1,
        }
    }

    #[command]
    fn open_account(_: &Unopened, _: OpenAccount) -> Opened {
        Opened {
            owner: "alice@example.com".to_owned(),
        }
    }

    #[command]
    fn record(state: &Account, command: Record, out: &mut Emit<Self, Account>) {
        for i in 0..command.count {
            if (state.movements + i) % 4 == 3 {
                out.emit(Withdrawn { cents: 50 });
            } else {
                out.emit(Deposited { cents: 100 });
            }
        }
    }
}

/// Builds `id` with `events` events through the repository (which saves the snapshots its
/// policy asks for): one `OpenAccount`, then commands of up to [`BATCH`] events, so that the
/// snapshots of [`SNAPSHOT_EVERY`] land exactly on its multiples.
async fn build_account<S: EventStore>(
    repository: &Repository<BankAccount, S>,
    id: &str,
    events: u64,
) {
    repository.execute(id, OpenAccount).await.expect("open");
    let mut version = 1;
    while version < events {
        // Never across a multiple of the snapshot interval: snapshots land exactly on them.
        let count = (events - version)
            .min(BATCH as u64)
            .min(SNAPSHOT_EVERY - version % SNAPSHOT_EVERY);
        let executed = repository
            .execute(id, Record { count })
            .await
            .expect("record");
        assert!(executed.snapshot_error.is_none());
        version = executed.version;
    }
}

/// The streams that are read and loaded: `TEN_K` (10,000 events, last snapshot at 10,000)
/// and `TAIL_999` (10,999 events, last snapshot at 10,000).
async fn build_read_streams<S: EventStore + Clone>(store: &S) {
    let repository = snapshotting(store.clone());
    build_account(&repository, TEN_K, STREAM_EVENTS).await;
    build_account(&repository, TAIL_999, STREAM_EVENTS + 999).await;
    for (id, tail) in [(TEN_K, 0), (TAIL_999, 999)] {
        let loaded = repository.load(id).await.expect("load");
        assert_eq!(loaded.from_snapshot, Some(STREAM_EVENTS), "{id}");
        assert_eq!(loaded.version, STREAM_EVENTS + tail, "{id}");
    }
}

fn snapshotting<S: EventStore>(store: S) -> Repository<BankAccount, S> {
    Repository::new(store).with_snapshots(SnapshotPolicy::every(SNAPSHOT_EVERY))
}

fn account_stream(id: &str) -> StreamId {
    StreamId::new(BankAccount::NAME, id)
}

/// `count` fresh deposits as the repository would encode them (with correlation and causation
/// ids), to append.
fn new_events(count: usize) -> Vec<NewEvent> {
    let command = Uuid::now_v7();
    let metadata = Metadata::new()
        .correlation_id(command)
        .causation_id(command);
    (0..count)
        .map(|_| {
            codec::encode(
                &BankAccountEvent::from(Deposited { cents: 100 }),
                metadata.clone(),
            )
            .expect("encode")
        })
        .collect()
}

/// What the raw readers produce per row: what a hand-written reader of one known stream keeps.
#[derive(Debug)]
#[allow(dead_code, reason = "kept for the reader, read by nobody in the bench")]
struct RawEvent {
    id: Uuid,
    version: i64,
    position: i64,
    recorded_at: i64,
    schema_version: i64,
    event: BankAccountEvent,
    metadata: Metadata,
}

/// The raw readers' decoding: dispatch on the stored name, then `serde_json`.
fn decode_raw(name: &str, payload: &str) -> BankAccountEvent {
    let json = |e| panic!("payload of {name}: {e}");
    if name == Deposited::NAME {
        serde_json::from_str::<Deposited>(payload).map_or_else(json, Into::into)
    } else if name == Withdrawn::NAME {
        serde_json::from_str::<Withdrawn>(payload).map_or_else(json, Into::into)
    } else if name == Opened::NAME {
        serde_json::from_str::<Opened>(payload).map_or_else(json, Into::into)
    } else {
        panic!("unknown event {name}")
    }
}

/// lsaa's read: `read_stream`, then `codec::decode` of each event.
fn decode_lsaa(events: Vec<RecordedEvent>) -> Vec<(RecordedEvent, BankAccountEvent)> {
    static UPCASTERS: LazyLock<Upcasters> = LazyLock::new(Upcasters::new);
    events
        .into_iter()
        .map(|recorded| {
            let event = codec::decode(&recorded, &UPCASTERS).expect("decode");
            (recorded, event)
        })
        .collect()
}

fn to_i64(value: u64) -> i64 {
    i64::try_from(value).expect("fits i64")
}

// ---------------------------------------------------------------------------------------------
// What is timed, for either store

/// Who does the work: lsaa, or the raw driver doing the same inserts and reads by hand.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Side {
    Lsaa,
    Raw,
}

/// What a read returns, kept until after the timing so that dropping it is not timed.
#[allow(dead_code, reason = "held only to be dropped outside the timed region")]
enum Decoded {
    Lsaa(Vec<(RecordedEvent, BankAccountEvent)>),
    Raw(Vec<RawEvent>),
}

/// One store and its raw baseline, each side appending to storage of its own (same schema,
/// made by the store); both sides read the store's rows, the very bytes lsaa reads.
trait Backend: Sync {
    type Store: EventStore + Clone;

    fn store(&self) -> &Self::Store;

    /// The current version of `stream` in `side`'s storage.
    fn version(&self, side: Side, stream: &StreamId) -> u64;

    /// Appends `events` to `stream` at `version` (its current version); returns the new one.
    fn append(&self, side: Side, stream: &StreamId, version: u64, events: Vec<NewEvent>) -> u64;

    /// Reads the whole of `stream` and decodes every event into the typed event.
    fn read(&self, side: Side, stream: &StreamId) -> Decoded;
}

fn bench_append<B: Backend>(
    bencher: Bencher<'_, '_>,
    backend: &B,
    side: Side,
    id: &str,
    per_append: usize,
) {
    let stream = account_stream(id);
    let mut version = backend.version(side, &stream);
    bencher
        .counter(ItemsCount::new(per_append))
        .with_inputs(|| new_events(per_append))
        .bench_local_values(|events| {
            version = backend.append(side, &stream, version, events);
        });
}

fn bench_read<B: Backend>(bencher: Bencher<'_, '_>, backend: &B, side: Side) {
    let stream = account_stream(TEN_K);
    bencher
        .counter(ItemsCount::new(STREAM_EVENTS))
        .bench_local(|| backend.read(side, &stream));
}

/// Times `Repository::load(id)`, counting the events it reads and folds (none after a
/// snapshot at the last version: no counter then).
fn bench_load<B: Backend>(bencher: Bencher<'_, '_>, backend: &B, snapshots: bool, id: &str) {
    let repository = if snapshots {
        snapshotting(backend.store().clone())
    } else {
        Repository::<BankAccount, _>::new(backend.store().clone())
    };
    let loaded = RUNTIME.block_on(repository.load(id)).expect("load");
    assert_eq!(loaded.from_snapshot.is_some(), snapshots);
    let folded = loaded.version - loaded.from_snapshot.unwrap_or(0);
    let load = || RUNTIME.block_on(repository.load(id)).expect("load");
    if folded == 0 {
        bencher.bench_local(load);
    } else {
        bencher.counter(ItemsCount::new(folded)).bench_local(load);
    }
}

// ---------------------------------------------------------------------------------------------
// Interleaved ratios

/// Times contestants `0..count` `rounds` times each, in alternation (the order rotating every
/// round), and returns each one's median. Two benches that run one after the other can land in
/// different phases of a shared machine's load; contestants that alternate cannot.
fn interleave(
    rounds: usize,
    count: usize,
    mut time: impl FnMut(usize) -> Duration,
) -> Vec<Duration> {
    let mut times = vec![Vec::with_capacity(rounds); count];
    for round in 0..rounds {
        for turn in 0..count {
            let who = (round + turn) % count;
            times[who].push(time(who));
        }
    }
    times
        .into_iter()
        .map(|mut samples| {
            samples.sort_unstable();
            samples[samples.len() / 2]
        })
        .collect()
}

const SIDES: [Side; 2] = [Side::Lsaa, Side::Raw];

/// Prints lsaa's and the raw driver's medians for appends and reads, timed in alternation.
fn print_interleaved<B: Backend>(title: &str, backend: &B) {
    eprintln!("{title}, lsaa and the raw driver timed in alternation (medians):");
    for (per_append, rounds) in [(1, 500), (BATCH, 100)] {
        let stream = account_stream(&format!("interleaved-{per_append}"));
        let mut versions = SIDES.map(|side| backend.version(side, &stream));
        let medians = interleave(rounds, 2, |who| {
            let events = new_events(per_append);
            let start = Instant::now();
            versions[who] = backend.append(SIDES[who], &stream, versions[who], events);
            start.elapsed()
        });
        print_ratio(&format!("append, {per_append} per append"), &medians);
    }
    let stream = account_stream(TEN_K);
    let medians = interleave(40, 2, |who| {
        let start = Instant::now();
        let decoded = backend.read(SIDES[who], &stream);
        let elapsed = start.elapsed();
        drop(decoded);
        elapsed
    });
    print_ratio("read 10,000 events + decode", &medians);
}

/// PostgreSQL only: one-event appends by lsaa, by the raw driver calling lsaa's own
/// `append_events` function (the server's share), and by a raw INSERT, in alternation.
fn print_interleaved_function(pg: &Postgres) {
    let stream = account_stream("interleaved-function");
    // lsaa's stream and the function's are both in the lsaa schema: one each.
    let called = account_stream("interleaved-function-called");
    let mut versions = [
        pg.version(Side::Lsaa, &stream),
        pg.version(Side::Raw, &stream),
        pg.version(Side::Lsaa, &called),
    ];
    let medians = interleave(500, 3, |who| {
        let events = new_events(1);
        let version = versions[who];
        let start = Instant::now();
        versions[who] = match who {
            0 => pg.append(Side::Lsaa, &stream, version, events),
            1 => pg.append(Side::Raw, &stream, version, events),
            _ => RUNTIME.block_on(pg.raw_append_events(&called, version, &events)),
        };
        start.elapsed()
    });
    let (lsaa, raw, function) = (medians[0], medians[1], medians[2]);
    eprintln!(
        "  append, 1 per append: lsaa {lsaa:.1?}, raw driver calling append_events {function:.1?}, \
         raw INSERT {raw:.1?}"
    );
}

fn print_ratio(figure: &str, medians: &[Duration]) {
    let (lsaa, raw) = (medians[0], medians[1]);
    eprintln!(
        "  {figure:<28} lsaa {lsaa:>10.1?}   raw {raw:>10.1?}   ratio {:.2}",
        lsaa.as_secs_f64() / raw.as_secs_f64()
    );
}

// ---------------------------------------------------------------------------------------------
// SQLite

struct Sqlite {
    /// `lsaa.db`: the store's appends and the streams that are read and loaded.
    store: SqliteStore,
    /// `raw.db` (same schema, created by `SqliteStore`): the raw appends.
    raw_writer: Mutex<Connection>,
    /// Reads `lsaa.db`, the very rows the store reads.
    raw_reader: Mutex<Connection>,
}

fn sqlite_backend() -> &'static Sqlite {
    static SQLITE: LazyLock<Sqlite> = LazyLock::new(|| {
        RUNTIME.block_on(async {
            let raw_path = DIR.join("raw.db");
            // Let the store create the same schema in the raw file, then close it.
            drop(SqliteStore::open(&raw_path).await.expect("raw schema"));
            let store = SqliteStore::open(DIR.join("lsaa.db"))
                .await
                .expect("open SQLite store");
            build_read_streams(&store).await;
            Sqlite {
                raw_writer: Mutex::new(raw_connection(&raw_path)),
                raw_reader: Mutex::new(raw_connection(store.path())),
                store,
            }
        })
    });
    &SQLITE
}

/// A connection with the store's settings: WAL (kept by the file), `synchronous=FULL`.
fn raw_connection(path: &std::path::Path) -> Connection {
    let connection = Connection::open(path).expect("raw connection");
    let mode: String = connection
        .pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get(0))
        .expect("WAL");
    assert!(mode.eq_ignore_ascii_case("wal"));
    connection
        .pragma_update(None, "synchronous", "FULL")
        .expect("synchronous=FULL");
    connection
}

const SQLITE_VERSION: &str =
    "SELECT COALESCE(MAX(version), 0) FROM events WHERE stream_category = ?1 AND stream_id = ?2";
const SQLITE_INSERT: &str = "INSERT INTO events (event_id, stream_category, stream_id, \
     version, recorded_at, name, schema_version, payload, metadata) \
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)";
const SQLITE_READ: &str = "SELECT position, event_id, stream_category, stream_id, version, \
     recorded_at, name, schema_version, payload, metadata FROM events \
     WHERE stream_category = ?1 AND stream_id = ?2 ORDER BY version";

fn lock(connection: &Mutex<Connection>) -> MutexGuard<'_, Connection> {
    connection.lock().expect("connection")
}

impl Backend for Sqlite {
    type Store = SqliteStore;

    fn store(&self) -> &SqliteStore {
        &self.store
    }

    fn version(&self, side: Side, stream: &StreamId) -> u64 {
        match side {
            Side::Lsaa => RUNTIME
                .block_on(self.store.stream_version(stream))
                .expect("version"),
            Side::Raw => {
                let version: i64 = lock(&self.raw_writer)
                    .query_row(SQLITE_VERSION, params![stream.category, stream.id], |row| {
                        row.get(0)
                    })
                    .expect("version");
                u64::try_from(version).expect("version")
            }
        }
    }

    fn append(&self, side: Side, stream: &StreamId, version: u64, events: Vec<NewEvent>) -> u64 {
        match side {
            Side::Lsaa => {
                RUNTIME
                    .block_on(
                        self.store
                            .append(stream, ExpectedVersion::Exactly(version), events),
                    )
                    .expect("append")
                    .version
            }
            Side::Raw => sqlite_raw_append(&mut lock(&self.raw_writer), stream, version, &events),
        }
    }

    fn read(&self, side: Side, stream: &StreamId) -> Decoded {
        match side {
            Side::Lsaa => Decoded::Lsaa(decode_lsaa(
                RUNTIME
                    .block_on(self.store.read_stream(stream, StreamRange::all()))
                    .expect("read"),
            )),
            Side::Raw => Decoded::Raw(sqlite_raw_read(&lock(&self.raw_reader), stream)),
        }
    }
}

/// BEGIN IMMEDIATE; SELECT max(version); INSERT per event; COMMIT. Returns the new version.
fn sqlite_raw_append(
    connection: &mut Connection,
    stream: &StreamId,
    expected: u64,
    events: &[NewEvent],
) -> u64 {
    let transaction = connection
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .expect("begin");
    let current: i64 = transaction
        .prepare_cached(SQLITE_VERSION)
        .and_then(|mut query| {
            query.query_row(params![stream.category, stream.id], |row| row.get(0))
        })
        .expect("version");
    assert_eq!(current, to_i64(expected), "raw append: conflict");
    let recorded_at = Timestamp::now().as_micros();
    {
        let mut insert = transaction.prepare_cached(SQLITE_INSERT).expect("insert");
        for (version, event) in (current + 1..).zip(events) {
            let metadata = serde_json::to_string(&event.metadata).expect("metadata");
            let mut id = Uuid::encode_buffer();
            let id: &str = event.id.hyphenated().encode_lower(&mut id);
            insert
                .execute(params![
                    id,
                    stream.category,
                    stream.id,
                    version,
                    recorded_at,
                    event.name,
                    i64::from(event.schema_version),
                    event.payload,
                    metadata,
                ])
                .expect("insert");
        }
    }
    transaction.commit().expect("commit");
    expected + events.len() as u64
}

/// SELECT the stream's rows; parse the id, decode payload and metadata with `serde_json`.
fn sqlite_raw_read(connection: &Connection, stream: &StreamId) -> Vec<RawEvent> {
    let mut query = connection.prepare_cached(SQLITE_READ).expect("prepare");
    let mut rows = query
        .query(params![stream.category, stream.id])
        .expect("query");
    let mut events = Vec::new();
    while let Some(row) = rows.next().expect("row") {
        let text = |index| {
            row.get_ref(index)
                .and_then(|v| Ok(v.as_str()?))
                .expect("text")
        };
        events.push(RawEvent {
            position: row.get(0).expect("position"),
            id: Uuid::parse_str(text(1)).expect("uuid"),
            version: row.get(4).expect("version"),
            recorded_at: row.get(5).expect("recorded_at"),
            schema_version: row.get(7).expect("schema_version"),
            event: decode_raw(text(6), text(8)),
            metadata: serde_json::from_str(text(9)).expect("metadata"),
        });
    }
    events
}

mod sqlite {
    /// One event per append: one fsync'd transaction each.
    mod append_1 {
        use crate::{Bencher, Side, bench_append, sqlite_backend};

        #[divan::bench(sample_count = 100, sample_size = 10)]
        fn lsaa(bencher: Bencher<'_, '_>) {
            bench_append(bencher, sqlite_backend(), Side::Lsaa, "append-1", 1);
        }

        #[divan::bench(sample_count = 100, sample_size = 10)]
        fn raw(bencher: Bencher<'_, '_>) {
            bench_append(bencher, sqlite_backend(), Side::Raw, "append-1", 1);
        }
    }

    /// 100 events per append, one stream.
    mod append_100 {
        use crate::{BATCH, Bencher, Side, bench_append, sqlite_backend};

        #[divan::bench(sample_count = 50, sample_size = 2)]
        fn lsaa(bencher: Bencher<'_, '_>) {
            bench_append(bencher, sqlite_backend(), Side::Lsaa, "append-100", BATCH);
        }

        #[divan::bench(sample_count = 50, sample_size = 2)]
        fn raw(bencher: Bencher<'_, '_>) {
            bench_append(bencher, sqlite_backend(), Side::Raw, "append-100", BATCH);
        }
    }

    /// Read the 10,000 events of one stream and decode them into typed events.
    mod read_10k {
        use crate::{Bencher, Side, bench_read, sqlite_backend};

        #[divan::bench(sample_count = 40, sample_size = 1)]
        fn lsaa(bencher: Bencher<'_, '_>) {
            bench_read(bencher, sqlite_backend(), Side::Lsaa);
        }

        #[divan::bench(sample_count = 40, sample_size = 1)]
        fn raw(bencher: Bencher<'_, '_>) {
            bench_read(bencher, sqlite_backend(), Side::Raw);
        }
    }

    /// `Repository::load` of an aggregate of 10,000 events.
    mod load_10k {
        use crate::{Bencher, TAIL_999, TEN_K, bench_load, sqlite_backend};

        /// No snapshot: read, decode and fold all 10,000 events.
        #[divan::bench(sample_count = 40, sample_size = 1)]
        fn replay_all(bencher: Bencher<'_, '_>) {
            bench_load(bencher, sqlite_backend(), false, TEN_K);
        }

        /// `SnapshotPolicy::every(1000)`, the snapshot at the stream's last version.
        #[divan::bench(sample_count = 40, sample_size = 5)]
        fn snapshot(bencher: Bencher<'_, '_>) {
            bench_load(bencher, sqlite_backend(), true, TEN_K);
        }

        /// `SnapshotPolicy::every(1000)`, 999 events after the snapshot (the worst case).
        #[divan::bench(sample_count = 40, sample_size = 5)]
        fn snapshot_tail_999(bencher: Bencher<'_, '_>) {
            bench_load(bencher, sqlite_backend(), true, TAIL_999);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL

struct Postgres {
    /// Schema `PG_SCHEMA`: the store's appends and the streams that are read and loaded.
    store: PostgresStore,
    /// One plain connection of the driver lsaa uses.
    raw: tokio_postgres::Client,
    /// Autocommit insert of one row into `PG_RAW_SCHEMA` (same table, made by the store).
    insert_one: tokio_postgres::Statement,
    /// Autocommit `INSERT ... SELECT FROM unnest(...)` into `PG_RAW_SCHEMA`.
    insert_batch: tokio_postgres::Statement,
    /// The raw schema's version of a stream.
    raw_version: tokio_postgres::Statement,
    /// Reads a stream of `PG_SCHEMA`, the very rows the store reads, with the store's query:
    /// without its range bounds, the planner may prefer a sequential scan and a sort.
    read: tokio_postgres::Statement,
    /// The store's own `append_events` function of `PG_SCHEMA`, called by the raw driver.
    append_events: tokio_postgres::Statement,
}

static POSTGRES: OnceLock<Postgres> = OnceLock::new();

/// A batch's columns as arrays, as lsaa's function and the raw `unnest` insert take them.
struct Arrays<'a> {
    ids: Vec<Uuid>,
    names: Vec<&'a str>,
    schema_versions: Vec<i64>,
    payloads: Vec<&'a str>,
    metadata: Vec<String>,
}

impl<'a> Arrays<'a> {
    fn of(events: &'a [NewEvent]) -> Self {
        Self {
            ids: events.iter().map(|e| e.id).collect(),
            names: events.iter().map(|e| e.name.as_str()).collect(),
            schema_versions: events.iter().map(|e| i64::from(e.schema_version)).collect(),
            payloads: events.iter().map(|e| e.payload.as_str()).collect(),
            metadata: events
                .iter()
                .map(|e| serde_json::to_string(&e.metadata).expect("metadata"))
                .collect(),
        }
    }
}

fn postgres_backend() -> &'static Postgres {
    POSTGRES.get_or_init(|| {
        let url = postgres_url().expect("LSAA_TEST_POSTGRES_URL");
        RUNTIME.block_on(Postgres::connect(&url))
    })
}

impl Postgres {
    async fn connect(url: &str) -> Self {
        let (raw, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
            .await
            .expect("raw connection");
        tokio::spawn(async move {
            if let Err(error) = connection.await {
                eprintln!("raw PostgreSQL connection: {error}");
            }
        });
        raw.batch_execute(&format!(
            "DROP SCHEMA IF EXISTS {PG_SCHEMA} CASCADE; \
             DROP SCHEMA IF EXISTS {PG_RAW_SCHEMA} CASCADE"
        ))
        .await
        .expect("drop old schemas");
        // Let the store create the same table in the raw schema.
        drop(
            PostgresStore::connect_with(url, PostgresOptions::default().schema(PG_RAW_SCHEMA))
                .await
                .expect("raw schema"),
        );
        let store = PostgresStore::connect_with(url, PostgresOptions::default().schema(PG_SCHEMA))
            .await
            .expect("connect PostgreSQL store");
        build_read_streams(&store).await;

        let s = PG_RAW_SCHEMA;
        // The JSON columns' type as the store made them: the raw inserts cast to it, like the
        // store's own function does, so that neither side converts more than the other.
        let json: String = raw
            .query_one(
                "SELECT format_type(atttypid, atttypmod) FROM pg_attribute \
                 WHERE attrelid = $1::text::regclass AND attname = 'payload'",
                &[&format!("{s}.events")],
            )
            .await
            .expect("payload column type")
            .get(0);
        let columns = "position, event_id, stream_category, stream_id, version, recorded_at, \
                       name, schema_version, payload, metadata";
        let insert_one = raw
            .prepare(&format!(
                "INSERT INTO {s}.events ({columns}) VALUES \
                 (nextval('{s}.events_position_seq'), $1, $2, $3, $4, $5, $6, $7, \
                 $8::text::{json}, $9::text::{json})"
            ))
            .await
            .expect("prepare insert");
        let insert_batch = raw
            .prepare(&format!(
                "INSERT INTO {s}.events ({columns}) \
                 SELECT nextval('{s}.events_position_seq'), b.id, $1::text, $2::text, \
                        $3::bigint + b.ord, $4::bigint, b.name, b.schema_version, \
                        b.payload::{json}, b.metadata::{json} \
                   FROM unnest($5::uuid[], $6::text[], $7::bigint[], $8::text[], $9::text[]) \
                        WITH ORDINALITY AS b(id, name, schema_version, payload, metadata, ord)"
            ))
            .await
            .expect("prepare batch insert");
        let raw_version = raw
            .prepare(&format!(
                "SELECT coalesce(max(version), 0) FROM {s}.events \
                 WHERE stream_category = $1 AND stream_id = $2"
            ))
            .await
            .expect("prepare version");
        let read = raw
            .prepare(&format!(
                "SELECT position, event_id, stream_category, stream_id, version, recorded_at, \
                        name, schema_version, payload::text, metadata::text \
                   FROM {PG_SCHEMA}.events WHERE stream_category = $1 AND stream_id = $2 \
                        AND version >= $3 AND version <= $4 AND recorded_at <= $5 \
                        AND position <= $6 \
                  ORDER BY version"
            ))
            .await
            .expect("prepare read");
        let append_events = raw
            .prepare(&format!(
                "SELECT new_version, first_position, recorded_at FROM {PG_SCHEMA}.append_events(\
                 $1::text, $2::text, $3::bigint, $4::uuid[], $5::text[], $6::bigint[], \
                 $7::text[], $8::text[], $9::bigint)"
            ))
            .await
            .expect("prepare append_events");

        quiet(&raw).await;
        Self {
            store,
            raw,
            insert_one,
            insert_batch,
            raw_version,
            read,
            append_events,
        }
    }

    async fn drop_schemas(&self) {
        let dropped = self
            .raw
            .batch_execute(&format!(
                "DROP SCHEMA IF EXISTS {PG_SCHEMA} CASCADE; \
                 DROP SCHEMA IF EXISTS {PG_RAW_SCHEMA} CASCADE"
            ))
            .await;
        if let Err(error) = dropped {
            eprintln!("dropping the bench schemas: {error}");
        }
    }

    /// One autocommit INSERT of one event, the version computed by the caller.
    async fn raw_append_one(&self, stream: &StreamId, version: u64, event: &NewEvent) {
        let metadata = serde_json::to_string(&event.metadata).expect("metadata");
        self.raw
            .execute(
                &self.insert_one,
                &[
                    &event.id,
                    &stream.category,
                    &stream.id,
                    &to_i64(version),
                    &Timestamp::now().as_micros(),
                    &event.name,
                    &i64::from(event.schema_version),
                    &event.payload,
                    &metadata,
                ],
            )
            .await
            .expect("raw insert");
    }

    /// One autocommit `INSERT ... SELECT FROM unnest(...)` of a batch after `current`.
    async fn raw_append_batch(&self, stream: &StreamId, current: u64, events: &[NewEvent]) {
        let a = Arrays::of(events);
        self.raw
            .execute(
                &self.insert_batch,
                &[
                    &stream.category,
                    &stream.id,
                    &to_i64(current),
                    &Timestamp::now().as_micros(),
                    &a.ids,
                    &a.names,
                    &a.schema_versions,
                    &a.payloads,
                    &a.metadata,
                ],
            )
            .await
            .expect("raw batch insert");
    }

    /// The store's own `append_events` function called by the raw driver with the arguments
    /// lsaa passes; returns the new version.
    async fn raw_append_events(&self, stream: &StreamId, current: u64, events: &[NewEvent]) -> u64 {
        let a = Arrays::of(events);
        let row = self
            .raw
            .query_one(
                &self.append_events,
                &[
                    &stream.category,
                    &stream.id,
                    &Some(to_i64(current)),
                    &a.ids,
                    &a.names,
                    &a.schema_versions,
                    &a.payloads,
                    &a.metadata,
                    &Timestamp::now().as_micros(),
                ],
            )
            .await
            .expect("append_events");
        assert!(
            row.get::<_, Option<i64>>(1).is_some(),
            "append_events: conflict"
        );
        u64::try_from(row.get::<_, i64>(0)).expect("version")
    }

    async fn raw_read(&self, stream: &StreamId) -> Vec<RawEvent> {
        let rows = self
            .raw
            .query(
                &self.read,
                &[
                    &stream.category,
                    &stream.id,
                    &1_i64,
                    &i64::MAX,
                    &i64::MAX,
                    &i64::MAX,
                ],
            )
            .await
            .expect("raw read");
        rows.iter()
            .map(|row| RawEvent {
                position: row.get(0),
                id: row.get(1),
                version: row.get(4),
                recorded_at: row.get(5),
                schema_version: row.get(7),
                event: decode_raw(row.get(6), row.get(8)),
                metadata: serde_json::from_str(row.get(9)).expect("metadata"),
            })
            .collect()
    }
}

/// Leaves the server quiet before timing: no autovacuum or checkpoint of the fixture's rows
/// while the benches run (the same for both schemas).
async fn quiet(raw: &tokio_postgres::Client) {
    for schema in [PG_SCHEMA, PG_RAW_SCHEMA] {
        for statement in [
            format!("ALTER TABLE {schema}.events SET (autovacuum_enabled = false)"),
            format!("VACUUM (ANALYZE) {schema}.events"),
            format!("VACUUM (ANALYZE) {schema}.snapshots"),
        ] {
            raw.batch_execute(&statement).await.expect("vacuum");
        }
    }
    if let Err(error) = raw.batch_execute("CHECKPOINT").await {
        eprintln!("no CHECKPOINT before timing (needs pg_checkpoint): {error}");
    }
}

impl Backend for Postgres {
    type Store = PostgresStore;

    fn store(&self) -> &PostgresStore {
        &self.store
    }

    fn version(&self, side: Side, stream: &StreamId) -> u64 {
        let version = match side {
            Side::Lsaa => {
                return RUNTIME
                    .block_on(self.store.stream_version(stream))
                    .expect("version");
            }
            Side::Raw => RUNTIME
                .block_on(
                    self.raw
                        .query_one(&self.raw_version, &[&stream.category, &stream.id]),
                )
                .expect("raw version")
                .get::<_, i64>(0),
        };
        u64::try_from(version).expect("version")
    }

    /// lsaa: `append` (one call of the store's function). Raw: one autocommit INSERT for one
    /// event, one `INSERT ... SELECT FROM unnest(...)` for a batch.
    fn append(&self, side: Side, stream: &StreamId, version: u64, events: Vec<NewEvent>) -> u64 {
        let count = events.len() as u64;
        RUNTIME.block_on(async {
            match side {
                Side::Lsaa => {
                    return self
                        .store
                        .append(stream, ExpectedVersion::Exactly(version), events)
                        .await
                        .expect("append")
                        .version;
                }
                Side::Raw if events.len() == 1 => {
                    self.raw_append_one(stream, version + 1, &events[0]).await;
                }
                Side::Raw => self.raw_append_batch(stream, version, &events).await,
            }
            version + count
        })
    }

    fn read(&self, side: Side, stream: &StreamId) -> Decoded {
        match side {
            Side::Lsaa => Decoded::Lsaa(decode_lsaa(
                RUNTIME
                    .block_on(self.store.read_stream(stream, StreamRange::all()))
                    .expect("read"),
            )),
            Side::Raw => Decoded::Raw(RUNTIME.block_on(self.raw_read(stream))),
        }
    }
}

mod postgres {
    /// One event per append: one committed transaction each.
    mod append_1 {
        use crate::{
            Bencher, ItemsCount, RUNTIME, Side, account_stream, bench_append, new_events,
            postgres_backend,
        };

        #[divan::bench(sample_count = 100, sample_size = 10)]
        fn lsaa(bencher: Bencher<'_, '_>) {
            bench_append(bencher, postgres_backend(), Side::Lsaa, "append-1", 1);
        }

        #[divan::bench(sample_count = 100, sample_size = 10)]
        fn raw(bencher: Bencher<'_, '_>) {
            bench_append(bencher, postgres_backend(), Side::Raw, "append-1", 1);
        }

        /// The raw driver calling the store's own `append_events` function: the server's
        /// share of an lsaa append.
        #[divan::bench(sample_count = 100, sample_size = 10)]
        fn raw_append_events(bencher: Bencher<'_, '_>) {
            let pg = postgres_backend();
            let stream = account_stream("append-1-function");
            let mut version = 0;
            bencher
                .counter(ItemsCount::new(1_usize))
                .with_inputs(|| new_events(1))
                .bench_local_values(|events| {
                    version = RUNTIME.block_on(pg.raw_append_events(&stream, version, &events));
                });
        }
    }

    /// 100 events per append, one stream.
    mod append_100 {
        use crate::{BATCH, Bencher, Side, bench_append, postgres_backend};

        #[divan::bench(sample_count = 50, sample_size = 2)]
        fn lsaa(bencher: Bencher<'_, '_>) {
            bench_append(bencher, postgres_backend(), Side::Lsaa, "append-100", BATCH);
        }

        #[divan::bench(sample_count = 50, sample_size = 2)]
        fn raw(bencher: Bencher<'_, '_>) {
            bench_append(bencher, postgres_backend(), Side::Raw, "append-100", BATCH);
        }
    }

    /// Read the 10,000 events of one stream and decode them into typed events.
    mod read_10k {
        use crate::{Bencher, Side, bench_read, postgres_backend};

        #[divan::bench(sample_count = 40, sample_size = 1)]
        fn lsaa(bencher: Bencher<'_, '_>) {
            bench_read(bencher, postgres_backend(), Side::Lsaa);
        }

        #[divan::bench(sample_count = 40, sample_size = 1)]
        fn raw(bencher: Bencher<'_, '_>) {
            bench_read(bencher, postgres_backend(), Side::Raw);
        }
    }

    /// `Repository::load` of an aggregate of 10,000 events.
    mod load_10k {
        use crate::{Bencher, TAIL_999, TEN_K, bench_load, postgres_backend};

        /// No snapshot: read, decode and fold all 10,000 events.
        #[divan::bench(sample_count = 40, sample_size = 1)]
        fn replay_all(bencher: Bencher<'_, '_>) {
            bench_load(bencher, postgres_backend(), false, TEN_K);
        }

        /// `SnapshotPolicy::every(1000)`, the snapshot at the stream's last version.
        #[divan::bench(sample_count = 40, sample_size = 5)]
        fn snapshot(bencher: Bencher<'_, '_>) {
            bench_load(bencher, postgres_backend(), true, TEN_K);
        }

        /// `SnapshotPolicy::every(1000)`, 999 events after the snapshot (the worst case).
        #[divan::bench(sample_count = 40, sample_size = 5)]
        fn snapshot_tail_999(bencher: Bencher<'_, '_>) {
            bench_load(bencher, postgres_backend(), true, TAIL_999);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Round trips, counted by a TCP proxy between a one-connection store and the server.

/// Prints how many client-to-server writes (requests the client then waits on) each store
/// call makes, measured through a counting proxy.
fn count_round_trips(url: &str) {
    let config: tokio_postgres::Config = url.parse().expect("LSAA_TEST_POSTGRES_URL");
    let (Some(tokio_postgres::config::Host::Tcp(host)), Some(&port)) =
        (config.get_hosts().first(), config.get_ports().first())
    else {
        eprintln!("round trips not counted: the URL names no TCP host and port");
        return;
    };
    let (Ok(target), true) = (
        format!("{host}:{port}").parse::<SocketAddr>(),
        url.contains(&format!(":{port}/")),
    ) else {
        eprintln!("round trips not counted: cannot rewrite {url} to go through a proxy");
        return;
    };
    let proxy = Proxy::start(target);
    let proxied_url = url.replacen(&format!(":{port}/"), &format!(":{}/", proxy.port), 1);
    // Builds the streams that are read and loaded, before the proxied store reads them.
    postgres_backend();
    let counts = RUNTIME.block_on(async {
        let options = PostgresOptions::default().schema(PG_SCHEMA).pool_size(1);
        let store = PostgresStore::connect_with(&proxied_url, options)
            .await
            .expect("store through the proxy");
        let plain = Repository::<BankAccount, _>::new(store.clone());
        let snapshots = snapshotting(store.clone());
        let stream = account_stream("round-trips");
        let mut version = 0;
        let mut append = async |count| {
            let appended = store
                .append(
                    &stream,
                    ExpectedVersion::Exactly(version),
                    new_events(count),
                )
                .await
                .expect("append");
            version = appended.version;
        };
        // Warm up: the pooled connection prepares each statement once.
        append(1).await;
        append(BATCH).await;
        drop(store.read_stream(&stream, StreamRange::all()).await);
        drop(snapshots.load(TEN_K).await);
        drop(plain.load(TEN_K).await);
        let mut counts = Vec::new();
        let runs = 20;
        proxy.reset();
        for _ in 0..runs {
            append(1).await;
        }
        counts.push(("append (1 event)", proxy.reset(), runs));
        for _ in 0..runs {
            append(BATCH).await;
        }
        counts.push(("append (100 events)", proxy.reset(), runs));
        for _ in 0..runs {
            drop(
                store
                    .read_stream(&account_stream(TEN_K), StreamRange::all())
                    .await,
            );
        }
        counts.push(("read_stream (10,000 events)", proxy.reset(), runs));
        for _ in 0..runs {
            drop(plain.load(TEN_K).await);
        }
        counts.push(("Repository::load, no snapshots", proxy.reset(), runs));
        for _ in 0..runs {
            drop(snapshots.load(TEN_K).await);
        }
        counts.push(("Repository::load, with snapshots", proxy.reset(), runs));
        counts
    });
    eprintln!("PostgreSQL round trips per call (client-to-server writes through a proxy):");
    for (call, writes, runs) in counts {
        #[allow(clippy::cast_precision_loss, reason = "small counts")]
        let per_call = writes as f64 / f64::from(runs);
        eprintln!("  {call}: {per_call:.2}");
    }
}

/// Forwards one TCP port to `target`, counting the client's writes.
struct Proxy {
    port: u16,
    client_writes: Arc<AtomicU64>,
}

impl Proxy {
    fn start(target: SocketAddr) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("proxy listener");
        let port = listener.local_addr().expect("proxy address").port();
        let client_writes = Arc::new(AtomicU64::new(0));
        let counter = Arc::clone(&client_writes);
        std::thread::spawn(move || {
            for client in listener.incoming() {
                let Ok(client) = client else { continue };
                let Ok(server) = TcpStream::connect(target) else {
                    continue;
                };
                for stream in [&client, &server] {
                    stream.set_nodelay(true).expect("nodelay");
                }
                let (client_in, server_in) = (
                    client.try_clone().expect("clone"),
                    server.try_clone().expect("clone"),
                );
                let counter = Arc::clone(&counter);
                std::thread::spawn(move || pump(client_in, server, Some(&counter)));
                std::thread::spawn(move || pump(server_in, client, None));
            }
        });
        Self {
            port,
            client_writes,
        }
    }

    /// The client writes since the last reset.
    fn reset(&self) -> u64 {
        self.client_writes.swap(0, Ordering::SeqCst)
    }
}

/// Copies `from` to `to`, counting each chunk read (one per write of the peer, for requests
/// this small on loopback).
fn pump(mut from: TcpStream, mut to: TcpStream, counter: Option<&AtomicU64>) {
    let mut buffer = vec![0; 64 * 1024];
    loop {
        match from.read(&mut buffer) {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                if let Some(counter) = counter {
                    counter.fetch_add(1, Ordering::SeqCst);
                }
                if to.write_all(&buffer[..n]).is_err() {
                    break;
                }
            }
        }
    }
    let _ = to.shutdown(Shutdown::Write);
}
