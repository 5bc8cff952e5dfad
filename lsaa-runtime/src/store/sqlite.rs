//! The SQLite event store: one file, WAL, durable once `append` returns.
//!
//! # Layout
//!
//! One SQLite file (plus SQLite's own `-wal` and `-shm` files beside it while it is open)
//! with three tables: `events` (the log: the row id *is* the global position), `tags` and
//! `snapshots`. The file is marked as an lsaa store with `PRAGMA application_id` and records
//! its schema version in `PRAGMA user_version`; opening it applies the missing migrations,
//! each in its own transaction.
//!
//! # Durability and ordering
//!
//! The file is in WAL mode with `synchronous=FULL`: a commit returns only after the WAL has
//! been synced to disk, so a batch whose `append` returned survives a crash of the process
//! *and* a power loss (with `NORMAL`, the last commits could vanish on power loss). Every
//! write goes through one writer connection and starts with `BEGIN IMMEDIATE`, which takes
//! SQLite's write lock before reading the stream's version: appends are serialised (across
//! processes too), so positions increase in commit order and a reader following
//! [`read_all`](EventStore::read_all) never skips an event that commits later.
//!
//! # Threads
//!
//! Reads use a second connection, which WAL lets proceed while a write is in progress. Every
//! SQLite call runs on tokio's blocking pool, so the store must be used from within a tokio
//! runtime (without one, calls fail with [`StoreError::Backend`] rather than panicking).
//! Dropping an `append` future does not cancel the append: once started, it commits or fails
//! on its own, like a request whose answer was lost.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, OptionalExtension, Row, TransactionBehavior, params};
use uuid::Uuid;

use super::{Appended, EventStore, ExpectedVersion, Snapshot, StoreError, StreamRange};
use crate::clock::{self, Clock};
use crate::envelope::{NewEvent, RecordedEvent, StreamId, Timestamp};

/// `PRAGMA application_id` of an lsaa store: "lsaa" in ASCII. It tells our files from other
/// SQLite databases, which may use `user_version` for their own purposes.
const APPLICATION_ID: i32 = 0x6C73_6161;

/// The schema, as an ordered list of migrations: migration `i` takes the file from schema
/// version `i` to `i + 1`. Append only; never edit a released step.
const MIGRATIONS: &[&str] = &[
    // 1: the log, tags and snapshots.
    //
    // STRICT makes SQLite enforce the column types, so a row can only be corrupted by hand.
    // AUTOINCREMENT guarantees that a position is never reused, even if the newest events were
    // ever deleted by hand: a reader's checkpoint must never point at a different event.
    // UNIQUE (stream, version) is both the last guard of gap-free versions and the index that
    // stream reads and `MAX(version)` use; as-of-instant reads scan one stream through it.
    "CREATE TABLE events (
        position        INTEGER PRIMARY KEY AUTOINCREMENT,
        event_id        TEXT    NOT NULL UNIQUE,
        stream_category TEXT    NOT NULL,
        stream_id       TEXT    NOT NULL,
        version         INTEGER NOT NULL,
        recorded_at     INTEGER NOT NULL,
        name            TEXT    NOT NULL,
        schema_version  INTEGER NOT NULL,
        payload         TEXT    NOT NULL,
        metadata        TEXT    NOT NULL,
        UNIQUE (stream_category, stream_id, version)
    ) STRICT;
    CREATE TABLE tags (
        name     TEXT    PRIMARY KEY,
        position INTEGER NOT NULL
    ) STRICT;
    CREATE TABLE snapshots (
        stream_category TEXT    NOT NULL,
        stream_id       TEXT    NOT NULL,
        version         INTEGER NOT NULL,
        schema_version  INTEGER NOT NULL,
        state           TEXT    NOT NULL,
        taken_at        INTEGER NOT NULL,
        PRIMARY KEY (stream_category, stream_id, version)
    ) STRICT, WITHOUT ROWID;",
];

/// The newest schema version this build knows.
#[allow(
    clippy::cast_possible_wrap,
    reason = "a handful of migrations, far below i64::MAX"
)]
const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// How long a connection waits for another process's lock before failing with "database is
/// locked". Within one process the writer mutex already serialises writes.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// The columns of an event row, in the order [`decode_event`] reads them.
macro_rules! select_events {
    ($($rest:literal)*) => {
        concat!(
            "SELECT position, event_id, stream_category, stream_id, version, recorded_at, name, \
             schema_version, payload, metadata FROM events ",
            $($rest),*
        )
    };
}

/// A few of the tables a database holds, SQLite's own (`sqlite_sequence`, ...) left out.
const SQL_USER_TABLES: &str = r"SELECT name FROM sqlite_schema
     WHERE name NOT LIKE 'sqlite\_%' ESCAPE '\' ORDER BY name LIMIT 4";
const SQL_STREAM_HEAD: &str = "SELECT version, recorded_at FROM events \
     WHERE stream_category = ?1 AND stream_id = ?2 ORDER BY version DESC LIMIT 1";
const SQL_INSERT_EVENT: &str = "INSERT INTO events (event_id, stream_category, stream_id, \
     version, recorded_at, name, schema_version, payload, metadata) \
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)";
// Absent bounds are bound as extreme values rather than tested with `?4 IS NULL OR ...`, so
// both version bounds stay usable as a range on the (stream, version) index.
const SQL_READ_STREAM: &str = select_events!(
    "WHERE stream_category = ?1 AND stream_id = ?2 AND version >= ?3 AND version <= ?4 "
    "AND recorded_at <= ?5 AND position <= ?6 ORDER BY version"
);
const SQL_READ_ALL: &str = select_events!("WHERE position > ?1 ORDER BY position LIMIT ?2");
const SQL_HEAD: &str = "SELECT COALESCE(MAX(position), 0) FROM events";
const SQL_TAG: &str = "SELECT position FROM tags WHERE name = ?1";
const SQL_INSERT_TAG: &str = "INSERT INTO tags (name, position) VALUES (?1, ?2)";
const SQL_SAVE_SNAPSHOT: &str = "INSERT INTO snapshots \
     (stream_category, stream_id, version, schema_version, state, taken_at) \
     VALUES (?1, ?2, ?3, ?4, ?5, ?6) \
     ON CONFLICT (stream_category, stream_id, version) DO UPDATE SET \
     schema_version = excluded.schema_version, state = excluded.state, \
     taken_at = excluded.taken_at";
const SQL_LOAD_SNAPSHOT: &str = "SELECT version, schema_version, state, taken_at FROM snapshots \
     WHERE stream_category = ?1 AND stream_id = ?2 AND version <= ?3 \
     ORDER BY version DESC LIMIT 1";

/// An event store in one SQLite file. Cheap to clone: clones share the same connections.
///
/// ```no_run
/// # async fn demo() -> Result<(), lsaa_runtime::StoreError> {
/// use lsaa_runtime::{EventStore, ExpectedVersion, Metadata, NewEvent, SqliteStore, StreamId};
///
/// let store = SqliteStore::open("events.db").await?;
/// let stream = StreamId::new("Invoice", "2026-0042");
/// let event = NewEvent::new("Issued", 1, r#"{"total":120}"#, Metadata::new());
/// store.append(&stream, ExpectedVersion::NoStream, vec![event]).await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct SqliteStore {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    path: PathBuf,
    /// Every write (appends, tags, snapshots) goes through this connection, one at a time.
    writer: Mutex<Connection>,
    /// Reads go through this one, so they do not wait behind a write's fsync.
    reader: Mutex<Connection>,
    clock: Arc<dyn Clock>,
}

impl SqliteStore {
    /// Opens the store in the file at `path`, recording times from the system clock.
    ///
    /// Creates the file and its schema if missing, and migrates an older schema.
    ///
    /// # Errors
    ///
    /// [`StoreError::SchemaTooNew`] if a newer lsaa wrote the file; [`StoreError::Corrupt`]
    /// (located at the file) if the file is not an SQLite database or is another
    /// application's database; [`StoreError::Backend`] if it cannot be opened or written.
    pub async fn open(path: impl AsRef<Path>) -> Result<Self, StoreError> {
        Self::open_with_clock(path, clock::system()).await
    }

    /// Opens the store in the file at `path`, recording times from `clock`.
    ///
    /// # Errors
    ///
    /// As [`open`](Self::open).
    pub async fn open_with_clock(
        path: impl AsRef<Path>,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, StoreError> {
        let path = path.as_ref().to_path_buf();
        blocking(move || {
            let (writer, reader) = open_connections(&path)?;
            Ok(Self {
                inner: Arc::new(Inner {
                    path,
                    writer: Mutex::new(writer),
                    reader: Mutex::new(reader),
                    clock,
                }),
            })
        })
        .await
    }

    /// The path of the database file, as given to [`open`](Self::open).
    #[must_use]
    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// Runs `work` with the writer connection on the blocking pool.
    async fn write<T, F>(&self, work: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection, &dyn Clock) -> Result<T, StoreError> + Send + 'static,
    {
        let inner = Arc::clone(&self.inner);
        blocking(move || {
            let mut writer = inner.writer()?;
            work(&mut writer, &*inner.clock)
        })
        .await
    }

    /// Runs `work` with the reader connection on the blocking pool.
    async fn read<T, F>(&self, work: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
    {
        let inner = Arc::clone(&self.inner);
        blocking(move || work(&lock(&inner.reader))).await
    }
}

impl Inner {
    fn writer(&self) -> Result<MutexGuard<'_, Connection>, StoreError> {
        let writer = lock(&self.writer);
        // Every write runs in a `Transaction` guard, which rolls back when dropped, unwinding
        // included. Should a transaction still be open (a panic past the guard), roll it back
        // here rather than let the next write commit half of someone else's work.
        if !writer.is_autocommit() {
            writer
                .execute_batch("ROLLBACK")
                .doing(|| "rolling back a write interrupted by a panic".to_owned())?;
        }
        Ok(writer)
    }
}

/// Locks a connection, recovering it from a panic of a previous holder: SQLite's state lives
/// in the database, not in the Rust value, so the connection is still sound (open
/// transactions are handled by [`Inner::writer`]; the reader only runs single statements).
fn lock(connection: &Mutex<Connection>) -> MutexGuard<'_, Connection> {
    connection.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Runs blocking SQLite work on tokio's blocking pool, never on an executor thread.
async fn blocking<T, F>(work: F) -> Result<T, StoreError>
where
    T: Send + 'static,
    F: FnOnce() -> Result<T, StoreError> + Send + 'static,
{
    // `spawn_blocking` panics outside a runtime; asking first turns that into an error.
    let runtime = tokio::runtime::Handle::try_current().map_err(|_| {
        StoreError::backend(Message(
            "the SQLite store runs its calls on tokio's blocking pool: call it from within a \
             tokio runtime"
                .to_owned(),
        ))
    })?;
    runtime
        .spawn_blocking(work)
        .await
        .map_err(StoreError::backend)?
}

// ---------------------------------------------------------------------------------------------
// Opening and migrating

/// Opens the writer (migrating the schema) and then the reader connection.
fn open_connections(path: &Path) -> Result<(Connection, Connection), StoreError> {
    // No SQLITE_OPEN_URI: the path is a path, even one that starts with `file:`.
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
        | OpenFlags::SQLITE_OPEN_CREATE
        | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let opening = || format!("opening the SQLite store {}", path.display());
    let mut writer = Connection::open_with_flags(path, flags).doing(opening)?;
    writer.busy_timeout(BUSY_TIMEOUT).doing(opening)?;

    // Look before touching anything: switching a foreign database to WAL would change it.
    let found = inspect(&writer, path)?;

    let mode: String = writer
        .pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get(0))
        .doing(opening)?;
    if !mode.eq_ignore_ascii_case("wal") {
        // In-memory databases (`:memory:`) and some file systems refuse WAL; the reader could
        // then block the writer, and `:memory:` would give each connection its own database.
        return Err(StoreError::backend(Message(format!(
            "the SQLite store {} needs WAL mode, but SQLite kept journal mode `{mode}`; use a \
             file on a local file system",
            path.display()
        ))));
    }
    writer
        .pragma_update(None, "synchronous", "FULL")
        .doing(opening)?;
    writer
        .pragma_update(None, "foreign_keys", "ON")
        .doing(opening)?;
    if found != Found::Store(SCHEMA_VERSION) {
        migrate(&mut writer, path)?;
    }

    let reader = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .doing(opening)?;
    reader.busy_timeout(BUSY_TIMEOUT).doing(opening)?;
    // The reader must never write: a write there would bypass the writer's serialisation.
    reader
        .pragma_update(None, "query_only", "ON")
        .doing(opening)?;
    Ok((writer, reader))
}

/// What a file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Found {
    /// An empty database: ours to set up.
    Empty,
    /// An lsaa store at this schema version (at most [`SCHEMA_VERSION`]).
    Store(i64),
}

/// Tells an empty database or an lsaa store (of a version this build knows) from anything else.
fn inspect(connection: &Connection, path: &Path) -> Result<Found, StoreError> {
    let not_a_store = |reason: String| StoreError::NotAStore {
        location: format!("file {}", path.display()),
        reason,
    };
    // The first read of the file: where SQLite finds out that it is not a database at all.
    let application_id: i32 = connection
        .pragma_query_value(None, "application_id", |row| row.get(0))
        .map_err(|error| match error.sqlite_error_code() {
            Some(rusqlite::ErrorCode::NotADatabase) => {
                not_a_store(format!("{error}; open another file or move this one away"))
            }
            _ => StoreError::backend(Failed {
                doing: format!("reading the header of {}", path.display()),
                source: error,
            }),
        })?;
    let schema_version: i64 = connection
        .pragma_query_value(None, "user_version", |row| row.get(0))
        .doing(|| format!("reading the schema version of {}", path.display()))?;

    if application_id == APPLICATION_ID && schema_version >= 1 {
        if schema_version > SCHEMA_VERSION {
            return Err(StoreError::SchemaTooNew {
                found: schema_version,
                supported: SCHEMA_VERSION,
            });
        }
        return Ok(Found::Store(schema_version));
    }
    let tables = connection
        .prepare(SQL_USER_TABLES)
        .and_then(|mut statement| {
            statement
                .query_map([], |row| row.get::<_, String>(0))?
                .collect::<Result<Vec<_>, _>>()
        })
        .doing(|| format!("listing the tables of {}", path.display()))?;
    if application_id == 0 && schema_version == 0 && tables.is_empty() {
        return Ok(Found::Empty);
    }
    let tables = if tables.is_empty() {
        "no tables".to_owned()
    } else {
        let names: Vec<String> = tables.iter().map(|name| format!("`{name}`")).collect();
        format!("tables {}", names.join(", "))
    };
    Err(not_a_store(format!(
        "an SQLite database of another application (application id {application_id:#x}, \
         user version {schema_version}, {tables}); open another file"
    )))
}

/// Applies the missing migrations, each in its own transaction.
fn migrate(connection: &mut Connection, path: &Path) -> Result<(), StoreError> {
    let migrating = || format!("migrating the schema of {}", path.display());
    loop {
        // IMMEDIATE, then look again: another process may have migrated since we looked.
        let transaction = connection
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .doing(migrating)?;
        let from = match inspect(&transaction, path)? {
            Found::Empty => 0,
            Found::Store(version) => version,
        };
        let Some(step) = usize::try_from(from).ok().and_then(|i| MIGRATIONS.get(i)) else {
            return Ok(());
        };
        transaction.execute_batch(step).doing(migrating)?;
        // Both pragmas write the database header, inside the transaction: a crash leaves the
        // file at the old version with none of the step's changes.
        transaction
            .pragma_update(None, "user_version", from + 1)
            .doing(migrating)?;
        transaction
            .pragma_update(None, "application_id", APPLICATION_ID)
            .doing(migrating)?;
        transaction.commit().doing(migrating)?;
    }
}

// ---------------------------------------------------------------------------------------------
// Writes

/// Appends `events` as versions `current + 1..` of `stream` in one transaction.
fn append_now(
    connection: &mut Connection,
    clock: &dyn Clock,
    stream: &StreamId,
    expected: ExpectedVersion,
    events: &[NewEvent],
) -> Result<Appended, StoreError> {
    let appending = || format!("appending to stream `{stream}`");
    // IMMEDIATE takes the write lock before the version is read, so no other writer (in this
    // process or another) can slip an event in between the check and the insert.
    let transaction = connection
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .doing(appending)?;
    let (current, last_recorded_at) = stream_head_now(&transaction, stream)?;
    if !expected.admits(current) {
        return Err(StoreError::Conflict {
            stream: stream.clone(),
            expected,
            actual: current,
        });
    }
    // Taken under the write lock, so recorded times follow commit order as far as the clock
    // does; and never earlier than the stream's last event, even if the clock steps back.
    let recorded_at = last_recorded_at.map_or(clock.now(), |last| clock.now().max(last));
    let positions = insert_events(&transaction, stream, expected, current, recorded_at, events)?;
    transaction.commit().doing(appending)?;
    Ok(Appended {
        version: current + positions.len() as u64,
        positions,
        recorded_at,
    })
}

/// Inserts `events` as versions `current + 1..`, returning their positions.
fn insert_events(
    connection: &Connection,
    stream: &StreamId,
    expected: ExpectedVersion,
    current: u64,
    recorded_at: Timestamp,
    events: &[NewEvent],
) -> Result<Vec<u64>, StoreError> {
    let appending = || format!("appending to stream `{stream}`");
    let mut insert = connection
        .prepare_cached(SQL_INSERT_EVENT)
        .doing(appending)?;
    let mut positions = Vec::with_capacity(events.len());
    for (offset, event) in (1..).zip(events) {
        let version = sql_int(current + offset, "version", stream)?;
        let metadata = serde_json::to_string(&event.metadata).map_err(StoreError::backend)?;
        let mut id = Uuid::encode_buffer();
        let id: &str = event.id.hyphenated().encode_lower(&mut id);
        let position = insert
            .insert(params![
                id,
                stream.category,
                stream.id,
                version,
                recorded_at.as_micros(),
                event.name,
                i64::from(event.schema_version),
                event.payload,
                metadata,
            ])
            .map_err(|error| insert_error(connection, error, stream, expected, current, event))?;
        positions.push(u64::try_from(position).map_err(|_| StoreError::Corrupt {
            location: format!("stream `{stream}` version {version}"),
            reason: format!("SQLite assigned the negative position {position}"),
        })?);
    }
    Ok(positions)
}

/// Explains a failed insert: a taken (stream, version) is a conflict like any other.
fn insert_error(
    connection: &Connection,
    error: rusqlite::Error,
    stream: &StreamId,
    expected: ExpectedVersion,
    current: u64,
    event: &NewEvent,
) -> StoreError {
    let unique = error
        .sqlite_error()
        .is_some_and(|e| e.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE);
    // SQLite names the columns of the violated constraint in its message.
    let message = error.to_string();
    if unique && message.contains("events.version") {
        // The transaction is still open (only the statement failed): read what is there.
        let actual = stream_version_now(connection, stream).unwrap_or(current);
        return StoreError::Conflict {
            stream: stream.clone(),
            expected,
            actual,
        };
    }
    if unique && message.contains("events.event_id") {
        return StoreError::DuplicateEvent {
            stream: stream.clone(),
            id: event.id,
        };
    }
    StoreError::backend(Failed {
        doing: format!("appending to stream `{stream}`"),
        source: error,
    })
}

fn create_tag_now(connection: &mut Connection, tag: &str, position: u64) -> Result<(), StoreError> {
    let tagging = || format!("creating tag `{tag}`");
    let position = i64::try_from(position).map_err(|_| {
        StoreError::backend(Message(format!(
            "cannot create tag `{tag}`: position {position} is beyond what SQLite can store"
        )))
    })?;
    // IMMEDIATE: the existence check and the insert must see the same tags.
    let transaction = connection
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .doing(tagging)?;
    if let Some(existing) = tag_position_now(&transaction, tag)? {
        return Err(StoreError::TagExists {
            tag: tag.to_owned(),
            position: existing,
        });
    }
    transaction
        .prepare_cached(SQL_INSERT_TAG)
        .and_then(|mut insert| insert.execute(params![tag, position]))
        .doing(tagging)?;
    transaction.commit().doing(tagging)
}

fn save_snapshot_now(connection: &Connection, snapshot: &Snapshot) -> Result<(), StoreError> {
    let stream = &snapshot.stream;
    let version = sql_int(snapshot.version, "snapshot version", stream)?;
    connection
        .prepare_cached(SQL_SAVE_SNAPSHOT)
        .and_then(|mut save| {
            save.execute(params![
                stream.category,
                stream.id,
                version,
                i64::from(snapshot.schema_version),
                snapshot.state,
                snapshot.taken_at.as_micros(),
            ])
        })
        .doing(|| format!("saving a snapshot of stream `{stream}` at version {version}"))?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Reads

/// The version and recorded time of the stream's last event (0 and `None` when it is empty).
fn stream_head_now(
    connection: &Connection,
    stream: &StreamId,
) -> Result<(u64, Option<Timestamp>), StoreError> {
    let head: Option<(i64, i64)> = connection
        .prepare_cached(SQL_STREAM_HEAD)
        .and_then(|mut query| {
            query
                .query_row(params![stream.category, stream.id], |row| {
                    Ok((row.get(0)?, row.get(1)?))
                })
                .optional()
        })
        .doing(|| format!("reading the head of stream `{stream}`"))?;
    let Some((version, recorded_at)) = head else {
        return Ok((0, None));
    };
    let version = u64::try_from(version).map_err(|_| StoreError::Corrupt {
        location: format!("stream `{stream}`"),
        reason: format!("its last version is negative ({version})"),
    })?;
    Ok((version, Some(Timestamp::from_micros(recorded_at))))
}

fn stream_version_now(connection: &Connection, stream: &StreamId) -> Result<u64, StoreError> {
    stream_head_now(connection, stream).map(|(version, _)| version)
}

fn read_stream_now(
    connection: &Connection,
    stream: &StreamId,
    range: StreamRange,
) -> Result<Vec<RecordedEvent>, StoreError> {
    let reading = || format!("reading stream `{stream}`");
    // Versions start at 1, so a read from the start has no lower bound at all: a row damaged
    // to version 0 or below then shows up as corrupt instead of silently missing.
    let from_version = if range.from_version <= 1 {
        i64::MIN
    } else {
        clamp(range.from_version)
    };
    let mut query = connection.prepare_cached(SQL_READ_STREAM).doing(reading)?;
    let mut rows = query
        .query(params![
            stream.category,
            stream.id,
            from_version,
            range.to_version.map_or(i64::MAX, clamp),
            range.until.map_or(i64::MAX, Timestamp::as_micros),
            range.until_position.map_or(i64::MAX, clamp),
        ])
        .doing(reading)?;
    let mut events = Vec::new();
    while let Some(row) = rows.next().doing(reading)? {
        events.push(decode_event(row)?);
    }
    Ok(events)
}

fn read_all_now(
    connection: &Connection,
    after: u64,
    limit: usize,
) -> Result<Vec<RecordedEvent>, StoreError> {
    let reading = || format!("reading all streams after position {after}");
    let mut query = connection.prepare_cached(SQL_READ_ALL).doing(reading)?;
    let mut rows = query
        .query(params![
            clamp(after),
            i64::try_from(limit).unwrap_or(i64::MAX)
        ])
        .doing(reading)?;
    // `limit` is often "everything" (usize::MAX): do not reserve that much up front.
    let mut events = Vec::with_capacity(limit.min(1024));
    while let Some(row) = rows.next().doing(reading)? {
        events.push(decode_event(row)?);
    }
    Ok(events)
}

fn head_position_now(connection: &Connection) -> Result<u64, StoreError> {
    let head: i64 = connection
        .prepare_cached(SQL_HEAD)
        .and_then(|mut query| query.query_row([], |row| row.get(0)))
        .doing(|| "reading the head position".to_owned())?;
    u64::try_from(head).map_err(|_| StoreError::Corrupt {
        location: format!("position {head}"),
        reason: "the highest position is negative".to_owned(),
    })
}

fn tag_position_now(connection: &Connection, tag: &str) -> Result<Option<u64>, StoreError> {
    let position: Option<i64> = connection
        .prepare_cached(SQL_TAG)
        .and_then(|mut query| query.query_row(params![tag], |row| row.get(0)).optional())
        .doing(|| format!("reading tag `{tag}`"))?;
    position
        .map(|position| {
            u64::try_from(position).map_err(|_| StoreError::Corrupt {
                location: format!("tag `{tag}`"),
                reason: format!("it marks the negative position {position}"),
            })
        })
        .transpose()
}

fn load_snapshot_now(
    connection: &Connection,
    stream: &StreamId,
    max_version: u64,
) -> Result<Option<Snapshot>, StoreError> {
    let loading = || format!("loading a snapshot of stream `{stream}`");
    let mut query = connection
        .prepare_cached(SQL_LOAD_SNAPSHOT)
        .doing(loading)?;
    let mut rows = query
        .query(params![stream.category, stream.id, clamp(max_version)])
        .doing(loading)?;
    let Some(row) = rows.next().doing(loading)? else {
        return Ok(None);
    };
    let version: i64 = row.get(0).map_err(|error| StoreError::Corrupt {
        location: format!("a snapshot of stream `{stream}`"),
        reason: format!("unreadable version: {error}"),
    })?;
    let corrupt = |reason: String| StoreError::Corrupt {
        location: format!("the snapshot of stream `{stream}` at version {version}"),
        reason,
    };
    let unreadable =
        |column: &str, error: rusqlite::Error| corrupt(format!("unreadable {column}: {error}"));
    let schema_version: i64 = row.get(1).map_err(|e| unreadable("schema version", e))?;
    Ok(Some(Snapshot {
        stream: stream.clone(),
        version: u64::try_from(version)
            .map_err(|_| corrupt("the version is negative".to_owned()))?,
        schema_version: u32::try_from(schema_version)
            .map_err(|_| corrupt(format!("schema version {schema_version} is out of range")))?,
        state: row.get(2).map_err(|e| unreadable("state", e))?,
        taken_at: Timestamp::from_micros(row.get(3).map_err(|e| unreadable("time", e))?),
    }))
}

/// Reads one row of [`select_events!`], checking every column: a row edited by hand becomes a
/// [`StoreError::Corrupt`] naming its stream and version (or its position), never a panic.
fn decode_event(row: &Row<'_>) -> Result<RecordedEvent, StoreError> {
    let position: i64 = row.get(0).map_err(|error| StoreError::Corrupt {
        location: "an event row".to_owned(),
        reason: format!("unreadable position: {error}"),
    })?;
    let at_position = |reason: String| StoreError::Corrupt {
        location: format!("position {position}"),
        reason,
    };
    let category: String = row
        .get(2)
        .map_err(|e| at_position(format!("unreadable stream category: {e}")))?;
    let id: String = row
        .get(3)
        .map_err(|e| at_position(format!("unreadable stream id: {e}")))?;
    let stream = StreamId::new(category, id);
    let version: i64 = row
        .get(4)
        .map_err(|e| at_position(format!("unreadable version of stream `{stream}`: {e}")))?;
    let corrupt = |reason: String| StoreError::Corrupt {
        location: format!("stream `{stream}` version {version} (position {position})"),
        reason,
    };
    let unreadable =
        |column: &str, error: rusqlite::Error| corrupt(format!("unreadable {column}: {error}"));

    let position = u64::try_from(position)
        .ok()
        .filter(|&p| p >= 1)
        .ok_or_else(|| corrupt("the position is not positive".to_owned()))?;
    let version = u64::try_from(version)
        .ok()
        .filter(|&v| v >= 1)
        .ok_or_else(|| corrupt("the version is not positive".to_owned()))?;
    // Borrowed text where the value is parsed anyway: no allocation per row.
    let event_id = row
        .get_ref(1)
        .map_err(|e| unreadable("event id", e))?
        .as_str()
        .map_err(|e| corrupt(format!("unreadable event id: {e}")))?;
    let id = Uuid::parse_str(event_id)
        .map_err(|e| corrupt(format!("event id `{event_id}` is not a UUID: {e}")))?;
    let recorded_at: i64 = row.get(5).map_err(|e| unreadable("recording time", e))?;
    let name: String = row.get(6).map_err(|e| unreadable("event name", e))?;
    let schema_version: i64 = row.get(7).map_err(|e| unreadable("schema version", e))?;
    let schema_version = u32::try_from(schema_version)
        .map_err(|_| corrupt(format!("schema version {schema_version} is out of range")))?;
    let payload: String = row.get(8).map_err(|e| unreadable("payload", e))?;
    let metadata = row
        .get_ref(9)
        .map_err(|e| unreadable("metadata", e))?
        .as_str()
        .map_err(|e| corrupt(format!("unreadable metadata: {e}")))?;
    let metadata = super::decode_metadata(metadata)
        .map_err(|e| corrupt(format!("metadata is not valid metadata JSON: {e}")))?;
    Ok(RecordedEvent {
        id,
        stream,
        version,
        position,
        recorded_at: Timestamp::from_micros(recorded_at),
        name,
        schema_version,
        payload,
        metadata,
    })
}

// ---------------------------------------------------------------------------------------------
// Small helpers

/// A bound for a read filter: beyond `i64::MAX` nothing is stored, so the largest value is
/// as good as the real one.
fn clamp(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

/// A value to store, which must fit SQLite's 64-bit signed integers.
fn sql_int(value: u64, what: &str, stream: &StreamId) -> Result<i64, StoreError> {
    i64::try_from(value).map_err(|_| {
        StoreError::backend(Message(format!(
            "cannot write to stream `{stream}`: {what} {value} is beyond what SQLite can store"
        )))
    })
}

/// A backend failure explained in words.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct Message(String);

/// An SQLite error with what the store was doing when it happened.
#[derive(Debug, thiserror::Error)]
#[error("{doing}: {source}")]
struct Failed {
    doing: String,
    source: rusqlite::Error,
}

/// Adds what the store was doing to an SQLite error.
trait Doing<T> {
    fn doing(self, what: impl FnOnce() -> String) -> Result<T, StoreError>;
}

impl<T> Doing<T> for rusqlite::Result<T> {
    fn doing(self, what: impl FnOnce() -> String) -> Result<T, StoreError> {
        self.map_err(|source| {
            StoreError::backend(Failed {
                doing: what(),
                source,
            })
        })
    }
}

impl EventStore for SqliteStore {
    async fn append(
        &self,
        stream: &StreamId,
        expected: ExpectedVersion,
        events: Vec<NewEvent>,
    ) -> Result<Appended, StoreError> {
        super::check_batch(stream, &events)?;
        let stream = stream.clone();
        self.write(move |connection, clock| {
            append_now(connection, clock, &stream, expected, &events)
        })
        .await
    }

    async fn read_stream(
        &self,
        stream: &StreamId,
        range: StreamRange,
    ) -> Result<Vec<RecordedEvent>, StoreError> {
        let stream = stream.clone();
        self.read(move |connection| read_stream_now(connection, &stream, range))
            .await
    }

    async fn read_all(&self, after: u64, limit: usize) -> Result<Vec<RecordedEvent>, StoreError> {
        if limit == 0 || i64::try_from(after).is_err() {
            return Ok(Vec::new());
        }
        self.read(move |connection| read_all_now(connection, after, limit))
            .await
    }

    async fn stream_version(&self, stream: &StreamId) -> Result<u64, StoreError> {
        let stream = stream.clone();
        self.read(move |connection| stream_version_now(connection, &stream))
            .await
    }

    async fn head_position(&self) -> Result<u64, StoreError> {
        self.read(head_position_now).await
    }

    async fn create_tag(&self, tag: &str, position: u64) -> Result<(), StoreError> {
        let tag = tag.to_owned();
        self.write(move |connection, _| create_tag_now(connection, &tag, position))
            .await
    }

    async fn tag_position(&self, tag: &str) -> Result<Option<u64>, StoreError> {
        let tag = tag.to_owned();
        self.read(move |connection| tag_position_now(connection, &tag))
            .await
    }

    async fn save_snapshot(&self, snapshot: Snapshot) -> Result<(), StoreError> {
        self.write(move |connection, _| save_snapshot_now(connection, &snapshot))
            .await
    }

    async fn load_snapshot(
        &self,
        stream: &StreamId,
        max_version: u64,
    ) -> Result<Option<Snapshot>, StoreError> {
        let stream = stream.clone();
        self.read(move |connection| load_snapshot_now(connection, &stream, max_version))
            .await
    }
}

#[cfg(test)]
mod tests;
