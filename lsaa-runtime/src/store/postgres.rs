//! The PostgreSQL event store: pooled connections, one round trip per append, and a global
//! order that a reader following `read_all` can never skip ahead of.
//!
//! # How an append stays one round trip and in order
//!
//! Every append is one call of the PL/pgSQL function `append_events`, created by the first
//! migration, as a prepared statement on a pooled connection. The function takes a
//! transaction-scoped advisory lock (one per store schema), reads the stream's version,
//! compares it with the expected one, draws a block of positions from a sequence and inserts
//! the batch with `unnest`. Because the lock is held until the implicit transaction commits,
//! appends commit one after another in position order: a reader that has seen position `p`
//! will never later discover a position below `p` (with a bare sequence, a transaction that
//! drew a lower position may commit after one that drew a higher position, and a tailing
//! reader would skip its events for good).
//!
//! The price is that appends to *different* streams are serialized too, each holding the
//! lock through its commit (and so its WAL flush): throughput is roughly one append per
//! commit latency, whatever the number of writers. Batching events per append amortizes it.
//! Positions are drawn only by that function; rows written around it void the guarantee.
//!
//! The recorded time is the store's clock, read before the append, but never earlier than
//! the stream's previous event: a writer overtaken while it waited for the lock, or on a
//! machine whose clock lags, must not put a hole into a stream read "until" an instant.
//!
//! # Schema
//!
//! Everything lives in one PostgreSQL schema (`lsaa` unless
//! [`PostgresOptions::schema`] says otherwise), created and migrated by
//! [`PostgresStore::connect`] under an advisory lock, so that concurrent starters do not race.
//! The applied migrations are recorded in `<schema>.schema_migrations`; a database migrated by
//! a newer lsaa is refused with [`StoreError::SchemaTooNew`].
//!
//! Times are stored as `bigint` microseconds since the Unix epoch, exactly the range and
//! precision of [`Timestamp`] (a `timestamptz` cannot hold all of it, and its text form
//! depends on the session's time zone). Payloads and metadata are `json`: validated, and read
//! back as exactly the text appended (a query can cast them to `jsonb`).

use std::fmt;
use std::future::Future;
use std::sync::Arc;

use deadpool_postgres::{
    Hook, HookError, Manager, ManagerConfig, Object, Pool, PoolError, RecyclingMethod,
};
use tokio_postgres::error::SqlState;
use tokio_postgres::types::FromSql;
use tokio_postgres::{NoTls, Row};
use uuid::Uuid;

use super::{Appended, EventStore, ExpectedVersion, Snapshot, StoreError, StreamRange};
use crate::clock::{self, Clock};
use crate::envelope::{Metadata, NewEvent, RecordedEvent, StreamId, Timestamp};

/// The newest schema version this build knows; see [`MIGRATIONS`].
const LATEST_SCHEMA: i64 = 1;

/// PostgreSQL truncates longer identifiers silently, which would let two schema names alias.
const MAX_IDENTIFIER_BYTES: usize = 63;

/// How [`PostgresStore::connect_with`] sets up the store.
///
/// ```
/// use lsaa_runtime::PostgresOptions;
/// let options = PostgresOptions::default().schema("billing_events").pool_size(16);
/// ```
#[derive(Debug, Clone)]
pub struct PostgresOptions {
    schema: String,
    pool_size: usize,
    clock: Arc<dyn Clock>,
}

impl Default for PostgresOptions {
    /// Schema `lsaa`, 8 pooled connections, the system clock.
    fn default() -> Self {
        Self {
            schema: "lsaa".to_owned(),
            pool_size: 8,
            clock: clock::system(),
        }
    }
}

impl PostgresOptions {
    /// The PostgreSQL schema holding the store's tables (created if missing). Any name of 1
    /// to 63 bytes without `$` or NUL; it is quoted, so case and punctuation are kept.
    #[must_use]
    pub fn schema(mut self, schema: impl Into<String>) -> Self {
        self.schema = schema.into();
        self
    }

    /// The most connections the store opens (at least 1).
    #[must_use]
    pub fn pool_size(mut self, pool_size: usize) -> Self {
        self.pool_size = pool_size;
        self
    }

    /// Where append times come from.
    #[must_use]
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }
}

/// An event store in a PostgreSQL database. Cheap to clone: clones share one connection pool.
///
/// ```no_run
/// # async fn demo() -> Result<(), lsaa_runtime::StoreError> {
/// use lsaa_runtime::{EventStore, PostgresStore};
/// let store = PostgresStore::connect("postgres://app@127.0.0.1/app").await?;
/// let head = store.head_position().await?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct PostgresStore {
    pool: Pool,
    sql: Arc<Statements>,
    clock: Arc<dyn Clock>,
}

impl fmt::Debug for PostgresStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PostgresStore")
            .field("schema", &self.sql.schema)
            .field("pool", &self.pool.status())
            .field("clock", &self.clock)
            .finish()
    }
}

impl PostgresStore {
    /// Connects with the default [`PostgresOptions`] (schema `lsaa`), creating or migrating
    /// the schema as needed.
    ///
    /// `url` is a libpq-style URL or key/value string, e.g.
    /// `postgres://user:secret@db.example.com:5432/app` (no TLS).
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        Self::connect_with(url, PostgresOptions::default()).await
    }

    /// Connects with `options`, creating or migrating the schema as needed.
    pub async fn connect_with(url: &str, options: PostgresOptions) -> Result<Self, StoreError> {
        let schema = validate_schema(&options.schema)?;
        let mut config: tokio_postgres::Config = url
            .parse()
            .map_err(|source| PgError::new("parsing the connection URL", source))?;
        if config.get_application_name().is_none() {
            // Names lsaa's sessions in pg_stat_activity.
            config.application_name("lsaa");
        }
        let manager = Manager::from_config(
            config,
            NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(options.pool_size.max(1))
            .post_create(Hook::async_fn(|client, _| {
                Box::pin(async move {
                    // `append_events` needs READ COMMITTED (see there); a database or role
                    // that defaults to a stricter level must not make every append fail.
                    // One round trip per new connection, none per append.
                    client
                        .batch_execute("SET default_transaction_isolation = 'read committed'")
                        .await
                        .map_err(HookError::Backend)
                })
            }))
            .build()
            .map_err(StoreError::backend)?;
        migrate(&pool, schema).await?;
        Ok(Self {
            pool,
            sql: Arc::new(Statements::new(schema)),
            clock: options.clock,
        })
    }

    /// The PostgreSQL schema holding this store's tables.
    #[must_use]
    pub fn schema(&self) -> &str {
        &self.sql.schema
    }

    async fn client(&self, action: &'static str) -> Result<Object, StoreError> {
        self.pool
            .get()
            .await
            .map_err(|error| pool_error(action, error))
    }

    /// Runs one cached prepared statement: one round trip once the connection has prepared it.
    async fn query(
        &self,
        action: &'static str,
        sql: &str,
        params: &[&(dyn tokio_postgres::types::ToSql + Sync)],
    ) -> Result<Vec<Row>, StoreError> {
        let client = self.client(action).await?;
        let statement = client
            .prepare_cached(sql)
            .await
            .map_err(|source| PgError::new(action, source))?;
        client
            .query(&statement, params)
            .await
            .map_err(|source| PgError::new(action, source).into())
    }

    async fn append_now(
        &self,
        stream: &StreamId,
        expected: ExpectedVersion,
        events: Vec<NewEvent>,
    ) -> Result<Appended, StoreError> {
        super::check_batch(stream, &events)?;
        // NULL admits any version; 0 is "no stream".
        let expected_param: Option<i64> = match expected {
            ExpectedVersion::Any => None,
            ExpectedVersion::NoStream => Some(0),
            ExpectedVersion::Exactly(version) => match i64::try_from(version) {
                Ok(version) => Some(version),
                // No stream can be that long: the expectation is wrong whatever the stream holds.
                Err(_) => return Err(self.conflict(stream, expected).await),
            },
        };
        let count = events.len();
        let mut ids = Vec::with_capacity(count);
        let mut names = Vec::with_capacity(count);
        let mut schema_versions = Vec::with_capacity(count);
        let mut payloads = Vec::with_capacity(count);
        let mut metadata = Vec::with_capacity(count);
        for event in events {
            ids.push(event.id);
            names.push(event.name);
            schema_versions.push(i64::from(event.schema_version));
            payloads.push(event.payload);
            metadata.push(serde_json::to_string(&event.metadata).map_err(StoreError::backend)?);
        }
        let now = self.clock.now();
        let rows = self
            .query(
                "append",
                &self.sql.append,
                &[
                    &stream.category,
                    &stream.id,
                    &expected_param,
                    &ids,
                    &names,
                    &schema_versions,
                    &payloads,
                    &metadata,
                    &now.as_micros(),
                ],
            )
            .await;
        let rows = match rows {
            Ok(rows) => rows,
            // The function checks versions under its lock, so this only fires if rows were
            // written around it; it is still the same conflict for the caller.
            Err(StoreError::Backend(error)) if is_stream_version_violation(&*error) => {
                return Err(self.conflict(stream, expected).await);
            }
            Err(StoreError::Backend(error)) if is_event_id_violation(&*error) => {
                // Which id: the server names it in the violation's detail.
                let taken = duplicate_id(&*error)
                    .or_else(|| ids.first().copied())
                    .unwrap_or_default();
                return Err(StoreError::DuplicateEvent {
                    stream: stream.clone(),
                    id: taken,
                });
            }
            Err(error) => return Err(error),
        };
        let location = || format!("append to stream `{stream}`");
        let row = rows.first().ok_or_else(|| StoreError::Corrupt {
            location: location(),
            reason: "append_events returned no row".to_owned(),
        })?;
        let version: i64 = get(row, 0, &location)?;
        let version = to_u64(version, "version", &location)?;
        let first_position: Option<i64> = get(row, 1, &location)?;
        let Some(first_position) = first_position else {
            return Err(StoreError::Conflict {
                stream: stream.clone(),
                expected,
                actual: version,
            });
        };
        let first_position = to_u64(first_position, "position", &location)?;
        // The function draws the batch's positions as one contiguous block under its lock.
        let positions = (first_position..).take(count).collect();
        // `now`, unless the stream already holds a later time (see `append_events`).
        let recorded_at: Option<i64> = get(row, 2, &location)?;
        Ok(Appended {
            version,
            positions,
            recorded_at: recorded_at.map_or(now, Timestamp::from_micros),
        })
    }

    /// The conflict to report for `expected`, with the stream's current version.
    async fn conflict(&self, stream: &StreamId, expected: ExpectedVersion) -> StoreError {
        match self.stream_version_now(stream).await {
            Ok(actual) => StoreError::Conflict {
                stream: stream.clone(),
                expected,
                actual,
            },
            Err(error) => error,
        }
    }

    async fn read_stream_now(
        &self,
        stream: &StreamId,
        range: StreamRange,
    ) -> Result<Vec<RecordedEvent>, StoreError> {
        let Ok(from_version) = i64::try_from(range.from_version) else {
            return Ok(Vec::new());
        };
        if !super::storable(stream) {
            return Ok(Vec::new());
        }
        // Absent bounds become the largest bigint, so one prepared statement serves every range.
        let to_version = range.to_version.map_or(i64::MAX, saturate);
        let until = range.until.map_or(i64::MAX, Timestamp::as_micros);
        let until_position = range.until_position.map_or(i64::MAX, saturate);
        let rows = self
            .query(
                "read_stream",
                &self.sql.read_stream,
                &[
                    &stream.category,
                    &stream.id,
                    &from_version,
                    &to_version,
                    &until,
                    &until_position,
                ],
            )
            .await?;
        rows.iter().map(decode_event).collect()
    }

    async fn read_all_now(
        &self,
        after: u64,
        limit: usize,
    ) -> Result<Vec<RecordedEvent>, StoreError> {
        let Ok(after) = i64::try_from(after) else {
            return Ok(Vec::new());
        };
        if limit == 0 {
            return Ok(Vec::new());
        }
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows = self
            .query("read_all", &self.sql.read_all, &[&after, &limit])
            .await?;
        rows.iter().map(decode_event).collect()
    }

    async fn stream_version_now(&self, stream: &StreamId) -> Result<u64, StoreError> {
        if !super::storable(stream) {
            return Ok(0);
        }
        let rows = self
            .query(
                "stream_version",
                &self.sql.stream_version,
                &[&stream.category, &stream.id],
            )
            .await?;
        let location = || format!("stream `{stream}`");
        single_u64(&rows, "version", &location)
    }

    async fn head_position_now(&self) -> Result<u64, StoreError> {
        let rows = self
            .query("head_position", &self.sql.head_position, &[])
            .await?;
        single_u64(&rows, "position", &|| "the head position".to_owned())
    }

    async fn create_tag_now(&self, tag: &str, position: u64) -> Result<(), StoreError> {
        let position_param = to_i64(position, "tag position")?;
        // A tag created concurrently may commit after this statement's snapshot was taken: then
        // the insert does nothing and the statement cannot see the winner. A fresh statement
        // can, so look again (bounded: the only way to loop is a tag deleted in between).
        for _ in 0..3 {
            let rows = self
                .query("create_tag", &self.sql.create_tag, &[&tag, &position_param])
                .await?;
            let location = || format!("tag `{tag}`");
            match rows.first() {
                Some(row) => {
                    let created: bool = get(row, 0, &location)?;
                    if created {
                        return Ok(());
                    }
                    let existing: i64 = get(row, 1, &location)?;
                    return Err(StoreError::TagExists {
                        tag: tag.to_owned(),
                        position: to_u64(existing, "position", &location)?,
                    });
                }
                None => {
                    if let Some(existing) = self.tag_position_now(tag).await? {
                        return Err(StoreError::TagExists {
                            tag: tag.to_owned(),
                            position: existing,
                        });
                    }
                }
            }
        }
        Err(StoreError::backend(InvalidInput(format!(
            "tag `{tag}` kept disappearing while it was being created"
        ))))
    }

    async fn tag_position_now(&self, tag: &str) -> Result<Option<u64>, StoreError> {
        let rows = self
            .query("tag_position", &self.sql.tag_position, &[&tag])
            .await?;
        let location = || format!("tag `{tag}`");
        match rows.first() {
            None => Ok(None),
            Some(row) => {
                let position: i64 = get(row, 0, &location)?;
                to_u64(position, "position", &location).map(Some)
            }
        }
    }

    async fn save_snapshot_now(&self, snapshot: Snapshot) -> Result<(), StoreError> {
        if !super::storable(&snapshot.stream) {
            return Err(StoreError::InvalidInput {
                stream: snapshot.stream,
                reason: "stream ids cannot contain NUL characters".to_owned(),
            });
        }
        let version = to_i64(snapshot.version, "snapshot version")?;
        self.query(
            "save_snapshot",
            &self.sql.save_snapshot,
            &[
                &snapshot.stream.category,
                &snapshot.stream.id,
                &version,
                &i64::from(snapshot.schema_version),
                &snapshot.state,
                &snapshot.taken_at.as_micros(),
            ],
        )
        .await?;
        Ok(())
    }

    async fn load_snapshot_now(
        &self,
        stream: &StreamId,
        max_version: u64,
    ) -> Result<Option<Snapshot>, StoreError> {
        if !super::storable(stream) {
            return Ok(None);
        }
        let rows = self
            .query(
                "load_snapshot",
                &self.sql.load_snapshot,
                &[&stream.category, &stream.id, &saturate(max_version)],
            )
            .await?;
        let Some(row) = rows.first() else {
            return Ok(None);
        };
        let version: i64 = get(row, 0, &|| format!("snapshot of stream `{stream}`"))?;
        let location = || format!("snapshot of stream `{stream}` at version {version}");
        let schema_version: i64 = get(row, 1, &location)?;
        let taken_at: i64 = get(row, 3, &location)?;
        Ok(Some(Snapshot {
            stream: stream.clone(),
            version: to_u64(version, "version", &location)?,
            schema_version: u32::try_from(schema_version).map_err(|_| StoreError::Corrupt {
                location: location(),
                reason: format!("schema version {schema_version} is not a u32"),
            })?,
            state: get(row, 2, &location)?,
            taken_at: Timestamp::from_micros(taken_at),
        }))
    }
}

impl EventStore for PostgresStore {
    fn append(
        &self,
        stream: &StreamId,
        expected: ExpectedVersion,
        events: Vec<NewEvent>,
    ) -> impl Future<Output = Result<Appended, StoreError>> + Send {
        self.append_now(stream, expected, events)
    }

    fn read_stream(
        &self,
        stream: &StreamId,
        range: StreamRange,
    ) -> impl Future<Output = Result<Vec<RecordedEvent>, StoreError>> + Send {
        self.read_stream_now(stream, range)
    }

    fn read_all(
        &self,
        after: u64,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<RecordedEvent>, StoreError>> + Send {
        self.read_all_now(after, limit)
    }

    fn stream_version(
        &self,
        stream: &StreamId,
    ) -> impl Future<Output = Result<u64, StoreError>> + Send {
        self.stream_version_now(stream)
    }

    fn head_position(&self) -> impl Future<Output = Result<u64, StoreError>> + Send {
        self.head_position_now()
    }

    fn create_tag(
        &self,
        tag: &str,
        position: u64,
    ) -> impl Future<Output = Result<(), StoreError>> + Send {
        self.create_tag_now(tag, position)
    }

    fn tag_position(
        &self,
        tag: &str,
    ) -> impl Future<Output = Result<Option<u64>, StoreError>> + Send {
        self.tag_position_now(tag)
    }

    fn save_snapshot(
        &self,
        snapshot: Snapshot,
    ) -> impl Future<Output = Result<(), StoreError>> + Send {
        self.save_snapshot_now(snapshot)
    }

    fn load_snapshot(
        &self,
        stream: &StreamId,
        max_version: u64,
    ) -> impl Future<Output = Result<Option<Snapshot>, StoreError>> + Send {
        self.load_snapshot_now(stream, max_version)
    }
}

// ---------------------------------------------------------------------------------------------
// SQL

/// The store's statements, with its schema spliced in once (identifiers cannot be parameters).
#[derive(Debug)]
struct Statements {
    schema: String,
    append: String,
    read_stream: String,
    read_all: String,
    stream_version: String,
    head_position: String,
    create_tag: String,
    tag_position: String,
    save_snapshot: String,
    load_snapshot: String,
}

/// The columns `decode_event` reads, in its order. The JSON columns are read as text: the
/// caller wants text, and this skips a jsonb-to-value-to-text detour in the driver.
const EVENT_COLUMNS: &str = "position, event_id, stream_category, stream_id, version, \
     recorded_at, name, schema_version, payload::text, metadata::text";

impl Statements {
    fn new(schema: &str) -> Self {
        let s = quote_ident(schema);
        Self {
            schema: schema.to_owned(),
            // Explicit casts pin the parameter types, whatever other overloads may exist.
            append: format!(
                "SELECT new_version, first_position, recorded_at FROM {s}.append_events(\
                 $1::text, $2::text, $3::bigint, $4::uuid[], $5::text[], $6::bigint[], \
                 $7::text[], $8::text[], $9::bigint)"
            ),
            read_stream: format!(
                "SELECT {EVENT_COLUMNS} FROM {s}.events \
                 WHERE stream_category = $1 AND stream_id = $2 \
                 AND version >= $3 AND version <= $4 AND recorded_at <= $5 AND position <= $6 \
                 ORDER BY version"
            ),
            read_all: format!(
                "SELECT {EVENT_COLUMNS} FROM {s}.events WHERE position > $1 \
                 ORDER BY position LIMIT $2"
            ),
            // Not max(): see the comment on the same query in `append_events`.
            stream_version: format!(
                "SELECT coalesce((SELECT version FROM {s}.events \
                 WHERE stream_category = $1 AND stream_id = $2 \
                 ORDER BY version DESC LIMIT 1), 0)"
            ),
            head_position: format!(
                "SELECT coalesce((SELECT position FROM {s}.events \
                 ORDER BY position DESC LIMIT 1), 0)"
            ),
            create_tag: format!(
                "WITH created AS (\
                   INSERT INTO {s}.tags (name, position) VALUES ($1, $2) \
                   ON CONFLICT (name) DO NOTHING RETURNING position) \
                 SELECT true, position FROM created \
                 UNION ALL \
                 SELECT false, position FROM {s}.tags \
                 WHERE name = $1 AND NOT EXISTS (SELECT 1 FROM created)"
            ),
            tag_position: format!("SELECT position FROM {s}.tags WHERE name = $1"),
            save_snapshot: format!(
                "INSERT INTO {s}.snapshots \
                 (stream_category, stream_id, version, schema_version, state, taken_at) \
                 VALUES ($1, $2, $3, $4, $5, $6) \
                 ON CONFLICT (stream_category, stream_id, version) DO UPDATE SET \
                 schema_version = EXCLUDED.schema_version, state = EXCLUDED.state, \
                 taken_at = EXCLUDED.taken_at"
            ),
            load_snapshot: format!(
                "SELECT version, schema_version, state, taken_at FROM {s}.snapshots \
                 WHERE stream_category = $1 AND stream_id = $2 AND version <= $3 \
                 ORDER BY version DESC LIMIT 1"
            ),
        }
    }
}

/// One schema migration: applied once, in order, recorded in `schema_migrations`.
struct Migration {
    version: i64,
    description: &'static str,
    /// The SQL, given the quoted schema, the sequence name as a string literal, and the
    /// append lock's key.
    sql: fn(&str, &str, i64) -> String,
}

/// Every migration, oldest first; the last one's version is [`LATEST_SCHEMA`].
const MIGRATIONS: &[Migration] = &[Migration {
    version: 1,
    description: "events, tags, snapshots and the append_events function",
    sql: migration_1,
}];

/// The SQLSTATE `append_events` raises when called outside READ COMMITTED.
const WRONG_ISOLATION: &str = "LS001";

fn migration_1(s: &str, sequence: &str, append_lock: i64) -> String {
    format!(
        r"
CREATE SEQUENCE {s}.events_position_seq AS bigint MINVALUE 1 NO CYCLE;

CREATE TABLE {s}.events (
    position        bigint NOT NULL,
    event_id        uuid   NOT NULL,
    stream_category text   NOT NULL,
    stream_id       text   NOT NULL,
    version         bigint NOT NULL CHECK (version > 0),
    recorded_at     bigint NOT NULL,
    name            text   NOT NULL,
    -- bigint so that every u32 fits.
    schema_version  bigint NOT NULL CHECK (schema_version BETWEEN 0 AND 4294967295),
    -- json, not jsonb: kept as the exact text appended (jsonb would reorder keys and refuse
    -- the escaped NUL serde_json writes for '\0'); queries can still cast to jsonb.
    payload         json   NOT NULL,
    metadata        json   NOT NULL,
    CONSTRAINT events_pkey PRIMARY KEY (position),
    CONSTRAINT events_event_id_unique UNIQUE (event_id),
    -- The concurrency guard: two writers can never both take version n of one stream.
    CONSTRAINT events_stream_version_unique UNIQUE (stream_category, stream_id, version)
);
ALTER SEQUENCE {s}.events_position_seq OWNED BY {s}.events.position;

CREATE TABLE {s}.tags (
    name       text        NOT NULL,
    position   bigint      NOT NULL CHECK (position >= 0),
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT tags_pkey PRIMARY KEY (name)
);

CREATE TABLE {s}.snapshots (
    stream_category text   NOT NULL,
    stream_id       text   NOT NULL,
    version         bigint NOT NULL CHECK (version >= 0),
    schema_version  bigint NOT NULL CHECK (schema_version BETWEEN 0 AND 4294967295),
    -- text, not jsonb: a snapshot is opaque to the store and comes back byte for byte.
    state           text   NOT NULL,
    taken_at        bigint NOT NULL,
    CONSTRAINT snapshots_pkey PRIMARY KEY (stream_category, stream_id, version)
);
"
    ) + &append_events_function(s, sequence, append_lock)
}

/// The function every append calls; part of [`migration_1`].
fn append_events_function(s: &str, sequence: &str, append_lock: i64) -> String {
    format!(
        r"
-- Appends a batch to one stream in one statement. Returns the stream's new version, the
-- first of the batch's consecutive positions and the time recorded; on a version mismatch,
-- the stream's actual version and NULLs (nothing is written).
CREATE FUNCTION {s}.append_events(
    p_category text, p_stream_id text, p_expected bigint,
    p_ids uuid[], p_names text[], p_schema_versions bigint[], p_payloads text[],
    p_metadata text[], p_recorded_at bigint,
    OUT new_version bigint, OUT first_position bigint, OUT recorded_at bigint)
LANGUAGE plpgsql VOLATILE
AS $lsaa_fn$
DECLARE
    v_count integer := coalesce(cardinality(p_ids), 0);
    v_current bigint;
    v_last_recorded_at bigint;
BEGIN
    -- Under REPEATABLE READ or SERIALIZABLE the transaction keeps the snapshot it took before
    -- the lock below was granted, and the version read would be stale.
    IF current_setting('transaction_isolation') <> 'read committed' THEN
        RAISE EXCEPTION 'lsaa append_events must run in READ COMMITTED, not %',
            current_setting('transaction_isolation')
            USING ERRCODE = '{WRONG_ISOLATION}';
    END IF;
    IF v_count = 0
        OR coalesce(cardinality(p_names), -1) <> v_count
        OR coalesce(cardinality(p_schema_versions), -1) <> v_count
        OR coalesce(cardinality(p_payloads), -1) <> v_count
        OR coalesce(cardinality(p_metadata), -1) <> v_count THEN
        RAISE EXCEPTION 'lsaa append_events needs non-empty arrays of equal length'
            USING ERRCODE = '22023';
    END IF;

    -- One appender at a time, held until commit: commits happen in position order, so a
    -- reader never sees a position before a lower one that is still to commit.
    PERFORM pg_advisory_xact_lock({append_lock});

    -- A new statement of a VOLATILE function in READ COMMITTED takes a new snapshot, taken
    -- after the lock was granted: it sees every append that committed before ours began.
    -- ORDER BY .. LIMIT 1 rather than max(): without fresh statistics the planner may compute
    -- max() by scanning the whole stream; this is always one descent of the unique index.
    SELECT e.version, e.recorded_at INTO v_current, v_last_recorded_at
      FROM {s}.events e
     WHERE e.stream_category = p_category AND e.stream_id = p_stream_id
     ORDER BY e.version DESC LIMIT 1;
    v_current := coalesce(v_current, 0);

    IF p_expected IS NOT NULL AND p_expected <> v_current THEN
        new_version := v_current;
        first_position := NULL;
        recorded_at := NULL;
        RETURN;
    END IF;

    -- A stream's times never go backwards: the caller read its clock before waiting for the
    -- lock and may have been overtaken (or its clock may lag another writer's), and reads
    -- `until` an instant filter by time, which must cut a stream at one version.
    -- (greatest() ignores NULL, the time of a stream that does not exist yet.)
    recorded_at := greatest(p_recorded_at, v_last_recorded_at);

    -- Only this function draws positions, and only under the lock, so the block
    -- first_position .. first_position + v_count - 1 is ours alone.
    first_position := nextval({sequence});
    IF v_count > 1 THEN
        PERFORM setval({sequence}, first_position + v_count - 1);
    END IF;

    INSERT INTO {s}.events (position, event_id, stream_category, stream_id, version,
                            recorded_at, name, schema_version, payload, metadata)
    SELECT first_position + b.ord - 1, b.id, p_category, p_stream_id, v_current + b.ord,
           recorded_at, b.name, b.schema_version, b.payload::json, b.metadata::json
      FROM unnest(p_ids, p_names, p_schema_versions, p_payloads, p_metadata)
           WITH ORDINALITY AS b(id, name, schema_version, payload, metadata, ord);

    new_version := v_current + v_count;
END
$lsaa_fn$;
"
    )
}

/// Creates the schema if missing and applies the migrations it lacks, all in one
/// transaction under an advisory lock: concurrent starters wait for each other, and a failed
/// migration leaves nothing behind.
///
/// The lock is transaction-scoped (`pg_advisory_xact_lock`) rather than a session lock, so
/// an error or a cancelled future cannot leave it held by a connection that goes back into
/// the pool.
async fn migrate(pool: &Pool, schema: &str) -> Result<(), StoreError> {
    let action = "migrating the schema";
    let fail = |source| StoreError::from(PgError::new(action, source));
    let mut client = pool
        .get()
        .await
        .map_err(|error| pool_error(action, error))?;
    let transaction = client.transaction().await.map_err(fail)?;
    transaction
        .execute(
            "SELECT pg_advisory_xact_lock($1)",
            &[&lock_key("migrate", schema)],
        )
        .await
        .map_err(fail)?;
    let s = quote_ident(schema);
    // Checked first because CREATE SCHEMA IF NOT EXISTS demands the CREATE privilege on the
    // database even when the schema exists, which an application role often lacks.
    let exists = transaction
        .query_opt("SELECT 1 FROM pg_namespace WHERE nspname = $1", &[&schema])
        .await
        .map_err(fail)?
        .is_some();
    if !exists {
        transaction
            .batch_execute(&format!("CREATE SCHEMA {s}"))
            .await
            .map_err(fail)?;
    }
    transaction
        .batch_execute(&format!(
            "CREATE TABLE IF NOT EXISTS {s}.schema_migrations (\
               version bigint PRIMARY KEY, \
               description text NOT NULL, \
               applied_at timestamptz NOT NULL DEFAULT now())"
        ))
        .await
        .map_err(fail)?;
    let current: i64 = transaction
        .query_one(
            &format!("SELECT coalesce(max(version), 0) FROM {s}.schema_migrations"),
            &[],
        )
        .await
        .map_err(fail)?
        .try_get(0)
        .map_err(fail)?;
    if current > LATEST_SCHEMA {
        // Dropping the transaction rolls it back.
        return Err(StoreError::SchemaTooNew {
            found: current,
            supported: LATEST_SCHEMA,
        });
    }
    let sequence = quote_literal(&format!("{s}.events_position_seq"));
    let append_lock = lock_key("append", schema);
    for migration in MIGRATIONS.iter().filter(|m| m.version > current) {
        transaction
            .batch_execute(&(migration.sql)(&s, &sequence, append_lock))
            .await
            .map_err(fail)?;
        transaction
            .execute(
                &format!(
                    "INSERT INTO {s}.schema_migrations (version, description) VALUES ($1, $2)"
                ),
                &[&migration.version, &migration.description],
            )
            .await
            .map_err(fail)?;
    }
    transaction.commit().await.map_err(fail)
}

/// The advisory lock key for `purpose` in `schema`: stores in different schemas of one
/// database do not contend. FNV-1a, because the key must be the same in every process and
/// every build (std's hashers promise neither).
fn lock_key(purpose: &str, schema: &str) -> i64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in "lsaa\0"
        .bytes()
        .chain(purpose.bytes())
        .chain(std::iter::once(0))
        .chain(schema.bytes())
    {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash.cast_signed()
}

fn validate_schema(schema: &str) -> Result<&str, StoreError> {
    let problem = if schema.is_empty() {
        Some("is empty")
    } else if schema.len() > MAX_IDENTIFIER_BYTES {
        Some("is longer than 63 bytes, and PostgreSQL would silently truncate it")
    } else if schema.contains('\0') {
        Some("contains a NUL character")
    } else if schema.contains('$') {
        // The name is spliced into a dollar-quoted function body.
        Some("contains `$`")
    } else {
        None
    };
    match problem {
        None => Ok(schema),
        Some(problem) => Err(StoreError::backend(InvalidInput(format!(
            "invalid PostgreSQL schema name {schema:?}: it {problem}"
        )))),
    }
}

/// `name` as a quoted SQL identifier: any text is kept verbatim, case included.
fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// `text` as a SQL string literal (`standard_conforming_strings`: backslashes are literal).
fn quote_literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

// ---------------------------------------------------------------------------------------------
// Rows

fn decode_event(row: &Row) -> Result<RecordedEvent, StoreError> {
    let position: i64 = get(row, 0, &|| "an event row".to_owned())?;
    let location = || format!("position {position}");
    let stream = StreamId {
        category: get(row, 2, &location)?,
        id: get(row, 3, &location)?,
    };
    let version: i64 = get(row, 4, &location)?;
    let location = || format!("stream `{stream}` version {version} (position {position})");
    let schema_version: i64 = get(row, 7, &location)?;
    let metadata: String = get(row, 9, &location)?;
    let metadata: Metadata =
        super::decode_metadata(&metadata).map_err(|error| StoreError::Corrupt {
            location: location(),
            reason: format!("metadata does not decode: {error}"),
        })?;
    Ok(RecordedEvent {
        id: get::<Uuid>(row, 1, &location)?,
        version: to_u64(version, "version", &location)?,
        position: to_u64(position, "position", &location)?,
        recorded_at: Timestamp::from_micros(get(row, 5, &location)?),
        name: get(row, 6, &location)?,
        schema_version: u32::try_from(schema_version).map_err(|_| StoreError::Corrupt {
            location: location(),
            reason: format!("schema version {schema_version} is not a u32"),
        })?,
        payload: get(row, 8, &location)?,
        metadata,
        stream,
    })
}

/// Column `index` of `row`; a NULL or a value of the wrong type is a corrupt row.
fn get<'a, T: FromSql<'a>>(
    row: &'a Row,
    index: usize,
    location: &dyn Fn() -> String,
) -> Result<T, StoreError> {
    row.try_get(index).map_err(|error| {
        let column = row
            .columns()
            .get(index)
            .map_or("?", tokio_postgres::Column::name);
        StoreError::Corrupt {
            location: location(),
            reason: format!("column `{column}`: {}", error_chain(&error)),
        }
    })
}

fn single_u64(rows: &[Row], what: &str, location: &dyn Fn() -> String) -> Result<u64, StoreError> {
    let row = rows.first().ok_or_else(|| StoreError::Corrupt {
        location: location(),
        reason: format!("the {what} query returned no row"),
    })?;
    let value: i64 = get(row, 0, location)?;
    to_u64(value, what, location)
}

fn to_u64(value: i64, what: &str, location: &dyn Fn() -> String) -> Result<u64, StoreError> {
    u64::try_from(value).map_err(|_| StoreError::Corrupt {
        location: location(),
        reason: format!("negative {what} {value}"),
    })
}

fn to_i64(value: u64, what: &str) -> Result<i64, StoreError> {
    i64::try_from(value).map_err(|_| {
        StoreError::backend(InvalidInput(format!(
            "{what} {value} does not fit PostgreSQL's bigint"
        )))
    })
}

/// `value` as a bigint bound, where anything larger means "no bound".
fn saturate(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

// ---------------------------------------------------------------------------------------------
// Errors

/// A PostgreSQL error with what the store was doing and the server's own message; the
/// driver's `Display` alone says only "db error".
#[derive(Debug, thiserror::Error)]
#[error("PostgreSQL {action}: {}", error_chain(source))]
struct PgError {
    action: &'static str,
    #[source]
    source: tokio_postgres::Error,
}

impl PgError {
    fn new(action: &'static str, source: tokio_postgres::Error) -> Self {
        Self { action, source }
    }
}

impl From<PgError> for StoreError {
    fn from(error: PgError) -> Self {
        Self::backend(error)
    }
}

/// A value lsaa cannot hand to PostgreSQL, or an option it cannot use.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct InvalidInput(String);

fn pool_error(action: &'static str, error: PoolError) -> StoreError {
    match error {
        PoolError::Backend(source) | PoolError::PostCreateHook(HookError::Backend(source)) => {
            PgError::new(action, source).into()
        }
        other => StoreError::backend(other),
    }
}

/// The driver's message followed by its causes, e.g. the server's `ERROR: ... (SQLSTATE)`.
fn error_chain(error: &tokio_postgres::Error) -> String {
    if let Some(db) = error.as_db_error() {
        return format!("{db} (SQLSTATE {})", db.code().code());
    }
    let mut text = error.to_string();
    let mut cause = std::error::Error::source(error);
    while let Some(inner) = cause {
        text.push_str(": ");
        text.push_str(&inner.to_string());
        cause = inner.source();
    }
    text
}

/// Whether `error` is a unique violation of the (stream, version) guard.
fn is_event_id_violation(error: &(dyn std::error::Error + Send + Sync + 'static)) -> bool {
    error
        .downcast_ref::<PgError>()
        .and_then(|pg| pg.source.as_db_error())
        .is_some_and(|db| {
            *db.code() == SqlState::UNIQUE_VIOLATION
                && db.constraint() == Some("events_event_id_unique")
        })
}

/// The id in a unique violation's detail: `Key (event_id)=(<uuid>) already exists.`
fn duplicate_id(error: &(dyn std::error::Error + Send + Sync + 'static)) -> Option<Uuid> {
    let detail = error
        .downcast_ref::<PgError>()?
        .source
        .as_db_error()?
        .detail()?;
    let start = detail.find(")=(")? + 3;
    let end = start + detail[start..].find(')')?;
    Uuid::parse_str(&detail[start..end]).ok()
}

fn is_stream_version_violation(error: &(dyn std::error::Error + Send + Sync + 'static)) -> bool {
    error
        .downcast_ref::<PgError>()
        .and_then(|pg| pg.source.as_db_error())
        .is_some_and(|db| {
            *db.code() == SqlState::UNIQUE_VIOLATION
                && db.constraint() == Some("events_stream_version_unique")
        })
}

#[cfg(test)]
mod tests {
    //! Unit tests of the SQL helpers run everywhere; the store tests need a server and skip
    //! themselves without `LSAA_TEST_POSTGRES_URL`. Each test works in a schema of its own, so
    //! they run in parallel against one database.

    use std::collections::{BTreeMap, HashSet};
    use std::sync::Once;
    use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
    use std::time::{Duration, SystemTime, UNIX_EPOCH};

    use super::*;
    use crate::clock::ManualClock;

    const SKIPPED: &str =
        "PostgreSQL tests skipped: set LSAA_TEST_POSTGRES_URL (see scripts/pg-test-server.sh)";

    fn url() -> Option<String> {
        match std::env::var("LSAA_TEST_POSTGRES_URL") {
            Ok(url) if !url.trim().is_empty() => Some(url),
            _ => {
                static ONCE: Once = Once::new();
                ONCE.call_once(|| {
                    use std::io::Write as _;
                    // Straight to the file descriptor: the harness captures `eprintln!`, and a
                    // skip nobody sees looks like a pass.
                    let _ = writeln!(std::io::stderr(), "{SKIPPED}");
                });
                None
            }
        }
    }

    fn unique_schema(test: &str) -> String {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let suffix = format!(
            "_{}_{}_{nanos}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        let room = MAX_IDENTIFIER_BYTES - "lsaa_t_".len() - suffix.len();
        format!("lsaa_t_{}{suffix}", &test[..test.len().min(room)])
    }

    /// A store in a fresh schema, or `None` when no server is configured.
    async fn fresh(test: &str, pool_size: usize) -> Option<(String, PostgresStore)> {
        let url = url()?;
        let options = PostgresOptions::default()
            .schema(unique_schema(test))
            .pool_size(pool_size);
        let store = PostgresStore::connect_with(&url, options)
            .await
            .expect("connect to LSAA_TEST_POSTGRES_URL");
        Some((url, store))
    }

    /// Another store on the same schema (its own pool).
    async fn same_schema(url: &str, store: &PostgresStore, pool_size: usize) -> PostgresStore {
        let options = PostgresOptions::default()
            .schema(store.schema())
            .pool_size(pool_size);
        PostgresStore::connect_with(url, options)
            .await
            .expect("connect")
    }

    async fn sql(store: &PostgresStore, statement: &str) -> Vec<Row> {
        let client = store.pool.get().await.expect("pooled connection");
        client.query(statement, &[]).await.expect(statement)
    }

    async fn drop_schema(store: &PostgresStore) {
        let s = quote_ident(store.schema());
        sql(store, &format!("DROP SCHEMA {s} CASCADE")).await;
    }

    fn event(name: &str, payload: &str) -> NewEvent {
        NewEvent::new(name, 1, payload, Metadata::new())
    }

    fn batch(size: usize, tag: &str) -> Vec<NewEvent> {
        (0..size)
            .map(|i| event("Happened", &format!(r#"{{"tag":"{tag}","i":{i}}}"#)))
            .collect()
    }

    async fn read_everything(store: &PostgresStore) -> Vec<RecordedEvent> {
        store.read_all(0, usize::MAX).await.expect("read_all")
    }

    fn assert_strictly_increasing(events: &[RecordedEvent]) {
        for pair in events.windows(2) {
            assert!(
                pair[0].position < pair[1].position,
                "positions out of order: {} then {}",
                pair[0].position,
                pair[1].position
            );
        }
    }

    // ---- without a server

    #[test]
    fn identifiers_and_literals_are_quoted() {
        assert_eq!(quote_ident("lsaa"), r#""lsaa""#);
        assert_eq!(quote_ident(r#"we"ird"#), r#""we""ird""#);
        assert_eq!(
            quote_literal(r#""s".events_position_seq"#),
            r#"'"s".events_position_seq'"#
        );
        assert_eq!(quote_literal("o'brien"), "'o''brien'");
    }

    #[test]
    fn lock_keys_are_stable_and_per_schema() {
        // Every process and build must agree on the key, so it is pinned.
        assert_eq!(lock_key("append", "lsaa"), lock_key("append", "lsaa"));
        assert_eq!(lock_key("append", "lsaa"), 4_382_504_142_303_958_101);
        assert_ne!(lock_key("append", "lsaa"), lock_key("append", "lsaa2"));
        assert_ne!(lock_key("append", "lsaa"), lock_key("migrate", "lsaa"));
        assert_ne!(lock_key("ab", "c"), lock_key("a", "bc"));
    }

    #[test]
    fn schema_names_are_validated() {
        assert!(validate_schema("lsaa").is_ok());
        assert!(validate_schema("Événements \"prod\"").is_ok());
        assert!(validate_schema(&"x".repeat(63)).is_ok());
        for bad in ["", "a$b", "nul\0", &"x".repeat(64)] {
            let error = validate_schema(bad).expect_err(bad);
            assert!(
                error.to_string().contains("invalid PostgreSQL schema name"),
                "{error}"
            );
        }
    }

    #[tokio::test]
    async fn bad_urls_and_options_are_errors() {
        let error = PostgresStore::connect("postgres://[not a url")
            .await
            .unwrap_err();
        assert!(matches!(error, StoreError::Backend(_)), "{error}");
        let options = PostgresOptions::default().schema("no$dollars");
        let error = PostgresStore::connect_with("postgres://127.0.0.1/x", options)
            .await
            .unwrap_err();
        assert!(error.to_string().contains("`$`"), "{error}");
        // Port 1 on loopback: nothing listens there.
        let error = PostgresStore::connect("postgres://lsaa@127.0.0.1:1/x?connect_timeout=5")
            .await
            .unwrap_err();
        assert!(matches!(error, StoreError::Backend(_)), "{error}");
        assert!(error.to_string().contains("connect"), "{error}");
    }

    // ---- against a server

    #[tokio::test]
    async fn connecting_creates_the_schema_and_records_the_migration() {
        let Some((url, store)) = fresh("migrate", 2).await else {
            return;
        };
        let s = quote_ident(store.schema());
        let rows = sql(
            &store,
            &format!("SELECT version FROM {s}.schema_migrations"),
        )
        .await;
        let versions: Vec<i64> = rows.iter().map(|r| r.get(0)).collect();
        assert_eq!(versions, [LATEST_SCHEMA]);
        for table in ["events", "tags", "snapshots", "schema_migrations"] {
            let rows = sql(
                &store,
                &format!(
                    "SELECT to_regclass({}) IS NOT NULL",
                    quote_literal(&format!("{s}.{table}"))
                ),
            )
            .await;
            assert!(rows[0].get::<_, bool>(0), "table {table} missing");
        }

        // Reconnecting, several at once, applies nothing twice.
        let mut starters = Vec::new();
        for _ in 0..4 {
            let url = url.clone();
            let schema = store.schema().to_owned();
            starters.push(tokio::spawn(async move {
                PostgresStore::connect_with(&url, PostgresOptions::default().schema(schema)).await
            }));
        }
        for starter in starters {
            starter.await.expect("join").expect("reconnect");
        }
        let rows = sql(
            &store,
            &format!("SELECT count(*) FROM {s}.schema_migrations"),
        )
        .await;
        assert_eq!(rows[0].get::<_, i64>(0), 1);

        // A database migrated by a newer lsaa is refused, not scribbled on.
        sql(
            &store,
            &format!(
                "INSERT INTO {s}.schema_migrations (version, description) VALUES (99, 'future')"
            ),
        )
        .await;
        let options = PostgresOptions::default().schema(store.schema());
        let error = PostgresStore::connect_with(&url, options)
            .await
            .unwrap_err();
        assert!(
            matches!(
                error,
                StoreError::SchemaTooNew {
                    found: 99,
                    supported: LATEST_SCHEMA
                }
            ),
            "{error}"
        );
        drop_schema(&store).await;
    }

    #[tokio::test]
    async fn concurrent_starters_on_a_new_schema_migrate_once() {
        let Some(url) = url() else {
            return;
        };
        let schema = unique_schema("race");
        let mut starters = Vec::new();
        for _ in 0..6 {
            let url = url.clone();
            let schema = schema.clone();
            starters.push(tokio::spawn(async move {
                let options = PostgresOptions::default().schema(schema).pool_size(1);
                PostgresStore::connect_with(&url, options).await
            }));
        }
        let mut stores = Vec::new();
        for starter in starters {
            stores.push(starter.await.expect("join").expect("concurrent start"));
        }
        let s = quote_ident(&schema);
        let rows = sql(
            &stores[0],
            &format!("SELECT count(*) FROM {s}.schema_migrations"),
        )
        .await;
        assert_eq!(rows[0].get::<_, i64>(0), 1);
        drop_schema(&stores[0]).await;
    }

    #[tokio::test]
    async fn events_round_trip_with_any_stream_id() {
        let Some((url, store)) = fresh("round_trip", 2).await else {
            return;
        };
        let clock = ManualClock::new(Timestamp::from_micros(1_700_000_000_123_456));
        let store = PostgresStore::connect_with(
            &url,
            PostgresOptions::default()
                .schema(store.schema())
                .clock(Arc::new(clock.clone())),
        )
        .await
        .expect("connect");
        let awkward = [
            StreamId::new("Invoice", "2026-0042"),
            StreamId::new("O'Brien \"quoted\"", "'; DROP TABLE events; --"),
            StreamId::new("Ünïcødé", "ストリーム🦀"),
            StreamId::new("", ""),
            StreamId::new("back\\slash", "$1 $$ %s {}"),
        ];
        let metadata = Metadata::new()
            .actor("alice@example.com")
            .correlation_id(Uuid::now_v7())
            .with("ip", "203.0.113.9")
            .with("referrer", "https://example.com/?q='x'");
        for (i, stream) in awkward.iter().enumerate() {
            let first = NewEvent::new("Opened", 3, r#"{"n": 1}"#, metadata.clone());
            let second = NewEvent::new(
                "Noted",
                1,
                r#"{"text": "it's \"fine\" 🦀"}"#,
                Metadata::new(),
            );
            let appended = store
                .append(
                    stream,
                    ExpectedVersion::NoStream,
                    vec![first.clone(), second.clone()],
                )
                .await
                .expect("append");
            assert_eq!(appended.version, 2);
            assert_eq!(appended.recorded_at, clock.now());
            assert_eq!(appended.positions.len(), 2);
            assert_eq!(appended.positions[1], appended.positions[0] + 1);

            let events = store
                .read_stream(stream, StreamRange::all())
                .await
                .expect("read");
            assert_eq!(events.len(), 2, "stream {stream}");
            assert_eq!(&events[0].stream, stream);
            assert_eq!(events[0].id, first.id);
            assert_eq!(events[0].name, "Opened");
            assert_eq!(events[0].schema_version, 3);
            assert_eq!(events[0].metadata, metadata);
            assert_eq!(events[0].recorded_at, clock.now());
            assert_eq!(events[1].metadata, Metadata::new());
            assert_eq!(
                events.iter().map(|e| e.position).collect::<Vec<_>>(),
                appended.positions
            );
            // jsonb keeps the value, not the bytes.
            let payload: serde_json::Value = serde_json::from_str(&events[1].payload).unwrap();
            assert_eq!(payload["text"], "it's \"fine\" 🦀");
            assert_eq!(store.stream_version(stream).await.unwrap(), 2);
            clock.advance(Duration::from_secs(60 * (i as u64 + 1)));
        }
        assert_eq!(
            store
                .stream_version(&StreamId::new("Invoice", "nope"))
                .await
                .unwrap(),
            0
        );
        assert_eq!(
            store
                .stream_version(&StreamId::new("invoice", "2026-0042"))
                .await
                .unwrap(),
            0,
            "names are case-sensitive"
        );
        drop_schema(&store).await;
    }

    #[tokio::test]
    async fn ranges_and_the_global_order() {
        let Some((_, store)) = fresh("ranges", 2).await else {
            return;
        };
        let clock = ManualClock::new(Timestamp::from_micros(1_700_000_000_000_000));
        let store = PostgresStore {
            clock: Arc::new(clock.clone()),
            ..store
        };
        let stream = &StreamId::new("Invoice", "2026-0042");
        let other = &StreamId::new("Invoice", "2026-0043");
        store
            .append(stream, ExpectedVersion::NoStream, batch(2, "a"))
            .await
            .unwrap();
        clock.advance(Duration::from_secs(60));
        store
            .append(other, ExpectedVersion::NoStream, batch(2, "b"))
            .await
            .unwrap();
        store
            .append(stream, ExpectedVersion::Exactly(2), batch(3, "more"))
            .await
            .unwrap();
        let versions =
            |events: Vec<RecordedEvent>| events.iter().map(|e| e.version).collect::<Vec<_>>();
        let range = StreamRange::all().from_version(2).to_version(4);
        assert_eq!(
            versions(store.read_stream(stream, range).await.unwrap()),
            [2, 3, 4]
        );
        let first_time =
            store.read_stream(stream, StreamRange::all()).await.unwrap()[0].recorded_at;
        let range = StreamRange::all().until(first_time);
        assert_eq!(
            versions(store.read_stream(stream, range).await.unwrap()),
            [1, 2]
        );
        let all = store.read_stream(stream, StreamRange::all()).await.unwrap();
        let range = StreamRange::all().until_position(all[2].position);
        assert_eq!(
            versions(store.read_stream(stream, range).await.unwrap()),
            [1, 2, 3]
        );
        let range = StreamRange::all().from_version(u64::MAX);
        assert!(store.read_stream(stream, range).await.unwrap().is_empty());
        let range = StreamRange::all()
            .to_version(u64::MAX)
            .until_position(u64::MAX);
        assert_eq!(store.read_stream(stream, range).await.unwrap().len(), 5);

        // The global order, paged.
        let everything = read_everything(&store).await;
        assert_eq!(everything.len(), 7);
        assert_strictly_increasing(&everything);
        let head = store.head_position().await.unwrap();
        assert_eq!(head, everything.last().unwrap().position);
        let mut paged = Vec::new();
        let mut after = 0;
        loop {
            let page = store.read_all(after, 4).await.unwrap();
            let Some(last) = page.last() else { break };
            assert!(page.len() <= 4);
            after = last.position;
            paged.extend(page);
        }
        assert_eq!(paged, everything);
        assert!(store.read_all(head, 10).await.unwrap().is_empty());
        assert!(store.read_all(0, 0).await.unwrap().is_empty());
        assert!(store.read_all(u64::MAX, 10).await.unwrap().is_empty());
        drop_schema(&store).await;
    }

    #[tokio::test]
    async fn tags_and_snapshots() {
        let Some((_, store)) = fresh("tags", 2).await else {
            return;
        };
        let stream = &StreamId::new("Invoice", "2026-0042");
        let other = &StreamId::new("Invoice", "2026-0043");
        store.create_tag("release-1.0", 3).await.unwrap();
        store.create_tag("it's a \"tag\" 🏷", 0).await.unwrap();
        assert_eq!(store.tag_position("release-1.0").await.unwrap(), Some(3));
        assert_eq!(
            store.tag_position("it's a \"tag\" 🏷").await.unwrap(),
            Some(0)
        );
        assert_eq!(store.tag_position("nope").await.unwrap(), None);
        let error = store.create_tag("release-1.0", 7).await.unwrap_err();
        assert!(
            matches!(&error, StoreError::TagExists { tag, position: 3 } if tag == "release-1.0"),
            "{error}"
        );
        assert!(store.create_tag("huge", u64::MAX).await.is_err());

        // Snapshots: byte for byte, replaced at the same version, latest at or below a version.
        let snapshot = |version, state: &str| Snapshot {
            stream: stream.clone(),
            version,
            schema_version: 2,
            state: state.to_owned(),
            taken_at: Timestamp::from_micros(42),
        };
        assert_eq!(store.load_snapshot(stream, u64::MAX).await.unwrap(), None);
        store
            .save_snapshot(snapshot(2, r#"{"b":1,  "a":2}"#))
            .await
            .unwrap();
        store.save_snapshot(snapshot(4, "{\"v\":4}")).await.unwrap();
        store
            .save_snapshot(snapshot(4, "{\"v\":\"4 again\"}"))
            .await
            .unwrap();
        assert_eq!(
            store.load_snapshot(stream, u64::MAX).await.unwrap(),
            Some(snapshot(4, "{\"v\":\"4 again\"}"))
        );
        assert_eq!(
            store.load_snapshot(stream, 3).await.unwrap(),
            Some(snapshot(2, r#"{"b":1,  "a":2}"#))
        );
        assert_eq!(store.load_snapshot(stream, 1).await.unwrap(), None);
        assert_eq!(store.load_snapshot(other, 10).await.unwrap(), None);
        drop_schema(&store).await;
    }

    #[tokio::test]
    async fn a_streams_times_never_go_backwards() {
        let Some((_, store)) = fresh("times", 2).await else {
            return;
        };
        let clock = ManualClock::new(Timestamp::from_micros(1_000_000));
        let store = PostgresStore {
            clock: Arc::new(clock.clone()),
            ..store
        };
        let stream = StreamId::new("Clock", "skewed");
        let other = StreamId::new("Clock", "other");
        store
            .append(&stream, ExpectedVersion::Any, batch(1, "a"))
            .await
            .unwrap();
        // A writer whose clock lags (or that read it before waiting for the lock).
        clock.set(Timestamp::from_micros(400_000));
        let appended = store
            .append(&stream, ExpectedVersion::Any, batch(1, "b"))
            .await
            .unwrap();
        assert_eq!(appended.recorded_at, Timestamp::from_micros(1_000_000));
        // Other streams keep their own times.
        let appended = store
            .append(&other, ExpectedVersion::Any, batch(1, "c"))
            .await
            .unwrap();
        assert_eq!(appended.recorded_at, Timestamp::from_micros(400_000));
        let events = store
            .read_stream(&stream, StreamRange::all())
            .await
            .unwrap();
        assert!(
            events
                .iter()
                .all(|e| e.recorded_at == Timestamp::from_micros(1_000_000))
        );
        // So `until` cuts the stream at one version instead of leaving holes.
        let range = StreamRange::all().until(Timestamp::from_micros(999_999));
        assert!(store.read_stream(&stream, range).await.unwrap().is_empty());
        drop_schema(&store).await;
    }

    #[tokio::test]
    async fn conflicts_and_empty_batches_are_typed() {
        let Some((_, store)) = fresh("conflicts", 2).await else {
            return;
        };
        let stream = StreamId::new("Turnstile", "gate-1");
        let error = store
            .append(&stream, ExpectedVersion::Exactly(1), batch(1, "a"))
            .await
            .unwrap_err();
        assert!(
            matches!(
                error,
                StoreError::Conflict {
                    actual: 0,
                    expected: ExpectedVersion::Exactly(1),
                    ..
                }
            ),
            "{error}"
        );
        store
            .append(&stream, ExpectedVersion::NoStream, batch(2, "a"))
            .await
            .unwrap();
        for expected in [
            ExpectedVersion::NoStream,
            ExpectedVersion::Exactly(0),
            ExpectedVersion::Exactly(1),
            ExpectedVersion::Exactly(3),
            ExpectedVersion::Exactly(u64::MAX),
        ] {
            let error = store
                .append(&stream, expected, batch(1, "b"))
                .await
                .unwrap_err();
            assert!(error.is_conflict(), "{expected:?}: {error}");
            let StoreError::Conflict {
                stream: s,
                expected: e,
                actual,
            } = error
            else {
                unreachable!()
            };
            assert_eq!((s, e, actual), (stream.clone(), expected, 2));
        }
        let error = store
            .append(&stream, ExpectedVersion::Any, Vec::new())
            .await
            .unwrap_err();
        assert!(matches!(error, StoreError::EmptyBatch { .. }), "{error}");
        // A conflict writes nothing and burns no position.
        let head = store.head_position().await.unwrap();
        let appended = store
            .append(&stream, ExpectedVersion::Any, batch(1, "c"))
            .await
            .unwrap();
        assert_eq!((appended.version, appended.positions), (3, vec![head + 1]));
        drop_schema(&store).await;
    }

    #[tokio::test]
    async fn bad_input_is_an_error_and_writes_nothing() {
        let Some((_, store)) = fresh("bad_input", 2).await else {
            return;
        };
        let stream = StreamId::new("Basket", "b-1");
        // One invalid payload spoils the whole batch: all or nothing.
        let events = vec![event("Ok", "{}"), event("Broken", "{not json")];
        let error = store
            .append(&stream, ExpectedVersion::Any, events)
            .await
            .unwrap_err();
        assert!(matches!(error, StoreError::InvalidInput { .. }), "{error}");
        assert!(error.to_string().contains("not JSON"), "{error}");
        assert_eq!(store.stream_version(&stream).await.unwrap(), 0);
        // PostgreSQL text cannot hold NUL.
        let nul = StreamId::new("Basket", "nul\0id");
        let error = store
            .append(&nul, ExpectedVersion::Any, batch(1, "x"))
            .await
            .unwrap_err();
        assert!(matches!(error, StoreError::InvalidInput { .. }), "{error}");
        // A reused event id is refused.
        let twice = event("Once", "{}");
        store
            .append(&stream, ExpectedVersion::Any, vec![twice.clone()])
            .await
            .unwrap();
        let id = twice.id;
        let error = store
            .append(&stream, ExpectedVersion::Any, vec![twice])
            .await
            .unwrap_err();
        assert!(
            matches!(error, StoreError::DuplicateEvent { id: taken, .. } if taken == id),
            "{error}"
        );
        assert_eq!(store.stream_version(&stream).await.unwrap(), 1);
        // The store still works.
        store
            .append(&stream, ExpectedVersion::Exactly(1), batch(2, "after"))
            .await
            .unwrap();
        assert_eq!(store.stream_version(&stream).await.unwrap(), 3);
        drop_schema(&store).await;
    }

    #[tokio::test]
    async fn corrupt_rows_are_reported_not_panicked_on() {
        let Some((_, store)) = fresh("corrupt", 2).await else {
            return;
        };
        let s = quote_ident(store.schema());
        let stream = StreamId::new("Ledger", "l-1");
        store
            .append(&stream, ExpectedVersion::Any, batch(1, "fine"))
            .await
            .unwrap();
        // Metadata that is valid JSON but not metadata, written behind the store's back.
        sql(
            &store,
            &format!(
                "INSERT INTO {s}.events VALUES (nextval('{s}.events_position_seq'), \
                 gen_random_uuid(), 'Ledger', 'l-1', 2, 0, 'Odd', 1, '{{}}', \
                 '{{\"correlation_id\": \"not a uuid\"}}')"
            ),
        )
        .await;
        for error in [
            store
                .read_stream(&stream, StreamRange::all())
                .await
                .unwrap_err(),
            store.read_all(0, 10).await.unwrap_err(),
        ] {
            let StoreError::Corrupt { location, reason } = &error else {
                panic!("expected Corrupt, got {error}");
            };
            assert!(location.contains("`Ledger/l-1` version 2"), "{location}");
            assert!(reason.contains("metadata"), "{reason}");
        }
        // Reads before the bad row still work.
        let range = StreamRange::all().to_version(1);
        assert_eq!(store.read_stream(&stream, range).await.unwrap().len(), 1);
        assert_eq!(store.read_all(0, 1).await.unwrap().len(), 1);
        drop_schema(&store).await;
    }

    /// The reasoning the append function rests on: in READ COMMITTED, a VOLATILE PL/pgSQL
    /// function's statements each take a new snapshot, so an append that waited for the lock
    /// sees the append that held it.
    #[tokio::test]
    async fn an_append_that_waited_for_the_lock_sees_the_one_that_held_it() {
        let Some((_, store)) = fresh("snapshot", 3).await else {
            return;
        };
        let s = quote_ident(store.schema());
        let stream = StreamId::new("Door", "front");
        let call = format!(
            "SELECT new_version, first_position FROM {s}.append_events('Door', 'front', 0, \
             ARRAY[gen_random_uuid()], ARRAY['Opened'], ARRAY[1::bigint], ARRAY['{{}}'], \
             ARRAY['{{}}'], 0)"
        );
        let mut holder = store.pool.get().await.unwrap();
        let transaction = holder.transaction().await.unwrap();
        let row = transaction.query_one(&call, &[]).await.unwrap();
        assert_eq!(row.get::<_, i64>(0), 1);
        let held_position: i64 = row.get(1);

        // Starts (and takes its statement snapshot) while version 1 is uncommitted.
        let waiter = tokio::spawn({
            let store = store.clone();
            let stream = stream.clone();
            async move {
                store
                    .append(&stream, ExpectedVersion::Exactly(1), batch(1, "second"))
                    .await
            }
        });
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert!(
            !waiter.is_finished(),
            "the second append must wait for the lock"
        );
        transaction.commit().await.unwrap();
        let appended = waiter.await.unwrap().expect("the waiter saw version 1");
        assert_eq!(appended.version, 2);
        assert!(appended.positions[0] > u64::try_from(held_position).unwrap());
        drop_schema(&store).await;
    }

    #[tokio::test]
    async fn append_refuses_to_run_outside_read_committed() {
        let Some((_, store)) = fresh("isolation", 2).await else {
            return;
        };
        let s = quote_ident(store.schema());
        let mut client = store.pool.get().await.unwrap();
        let transaction = client
            .build_transaction()
            .isolation_level(tokio_postgres::IsolationLevel::RepeatableRead)
            .start()
            .await
            .unwrap();
        let error = transaction
            .query_one(
                &format!(
                    "SELECT * FROM {s}.append_events('A', '1', NULL, ARRAY[gen_random_uuid()], \
                     ARRAY['E'], ARRAY[1::bigint], ARRAY['{{}}'], ARRAY['{{}}'], 0)"
                ),
                &[],
            )
            .await
            .unwrap_err();
        assert_eq!(error.code().map(SqlState::code), Some(WRONG_ISOLATION));
        drop(transaction);
        drop(client);
        drop_schema(&store).await;
    }

    #[tokio::test]
    async fn a_session_defaulting_to_serializable_still_appends() {
        let Some((url, store)) = fresh("serializable", 1).await else {
            return;
        };
        let separator = if url.contains('?') { '&' } else { '?' };
        let strict =
            format!("{url}{separator}options=-c%20default_transaction_isolation%3Dserializable");
        let strict = same_schema(&strict, &store, 1).await;
        let stream = StreamId::new("Strict", "1");
        strict
            .append(&stream, ExpectedVersion::NoStream, batch(2, "s"))
            .await
            .expect("the store sets READ COMMITTED for its own sessions");
        assert_eq!(strict.stream_version(&stream).await.unwrap(), 2);
        drop_schema(&store).await;
    }

    #[tokio::test]
    async fn concurrent_writers_on_one_stream_get_gap_free_versions() {
        let Some((_, store)) = fresh("one_stream", 8).await else {
            return;
        };
        let stream = StreamId::new("Counter", "shared");
        let mut writers = Vec::new();
        for writer in 0..8 {
            let store = store.clone();
            let stream = stream.clone();
            writers.push(tokio::spawn(async move {
                let mut conflicts = 0_u32;
                for i in 0..50 {
                    loop {
                        let version = store.stream_version(&stream).await.unwrap();
                        let event = event("Incremented", &format!(r#"{{"w":{writer},"i":{i}}}"#));
                        match store
                            .append(&stream, ExpectedVersion::Exactly(version), vec![event])
                            .await
                        {
                            Ok(appended) => {
                                assert_eq!(appended.version, version + 1);
                                break;
                            }
                            Err(error) if error.is_conflict() => conflicts += 1,
                            Err(error) => panic!("writer {writer}: {error}"),
                        }
                    }
                }
                conflicts
            }));
        }
        let mut conflicts = 0;
        for writer in writers {
            conflicts += writer.await.unwrap();
        }
        let events = store
            .read_stream(&stream, StreamRange::all())
            .await
            .unwrap();
        assert_eq!(events.len(), 400);
        assert!(events.iter().map(|e| e.version).eq(1..=400));
        assert_strictly_increasing(&events);
        let mut per_writer = BTreeMap::<u64, u32>::new();
        for event in &events {
            let payload: serde_json::Value = serde_json::from_str(&event.payload).unwrap();
            *per_writer
                .entry(payload["w"].as_u64().unwrap())
                .or_default() += 1;
        }
        assert!(per_writer.values().all(|&n| n == 50), "{per_writer:?}");
        assert_eq!(store.head_position().await.unwrap(), events[399].position);
        println!("one stream: 400 appends, {conflicts} conflicts retried");
        drop_schema(&store).await;
    }

    #[tokio::test]
    async fn concurrent_writers_on_many_streams() {
        let Some((_, store)) = fresh("many_streams", 8).await else {
            return;
        };
        let mut writers = Vec::new();
        for writer in 0..8 {
            let store = store.clone();
            writers.push(tokio::spawn(async move {
                let mut positions = Vec::new();
                for round in 0..5_u64 {
                    for s in 0..10 {
                        let stream = StreamId::new("Account", format!("w{writer}-s{s}"));
                        let appended = store
                            .append(&stream, ExpectedVersion::Exactly(round * 2), batch(2, "x"))
                            .await
                            .unwrap();
                        assert_eq!(appended.version, round * 2 + 2);
                        positions.extend(appended.positions);
                    }
                }
                positions
            }));
        }
        let mut acknowledged = HashSet::new();
        for writer in writers {
            for position in writer.await.unwrap() {
                assert!(
                    acknowledged.insert(position),
                    "position {position} given twice"
                );
            }
        }
        let everything = read_everything(&store).await;
        assert_eq!(everything.len(), 800);
        assert_strictly_increasing(&everything);
        let stored: HashSet<u64> = everything.iter().map(|e| e.position).collect();
        assert_eq!(stored, acknowledged);
        for writer in 0..8 {
            for s in 0..10 {
                let stream = StreamId::new("Account", format!("w{writer}-s{s}"));
                let events = store
                    .read_stream(&stream, StreamRange::all())
                    .await
                    .unwrap();
                assert!(events.iter().map(|e| e.version).eq(1..=10), "{stream}");
            }
        }
        drop_schema(&store).await;
    }

    /// A reader following `read_all` while six writers, each on its own connection, append
    /// 300 batches: it must see positions strictly increasing and every event exactly once.
    /// Without the append lock, a batch that drew a lower position can commit after the
    /// reader moved past it, and this test then fails.
    #[tokio::test]
    async fn a_tailing_reader_never_skips_an_event() {
        let Some((url, store)) = fresh("tailing", 2).await else {
            return;
        };
        let tail = tail_while_writing(&url, &store).await;
        assert_eq!(tail.everything.len(), tail.appended);
        assert_strictly_increasing(&tail.everything);
        let ids: Vec<Uuid> = tail.everything.iter().map(|e| e.id).collect();
        assert_eq!(
            tail.seen.len(),
            ids.len(),
            "the reader missed or repeated events"
        );
        assert_eq!(tail.seen, ids, "the reader saw a different order");
        assert!(
            tail.reads_with_news > 1,
            "the reader must have tailed while writers ran, not only read at the end"
        );
        println!(
            "tailing: {} events in 300 batches, {} reads with news",
            tail.appended, tail.reads_with_news
        );
        drop_schema(&store).await;
    }

    struct Tail {
        /// Ids in the order the tailing reader saw them.
        seen: Vec<Uuid>,
        /// Reads that returned events.
        reads_with_news: u32,
        /// Events the writers appended.
        appended: usize,
        /// A full read after the writers finished.
        everything: Vec<RecordedEvent>,
    }

    /// Six writers on their own connections append 300 batches of 1 to 4 events to 18
    /// streams while a reader on a seventh follows `read_all(last, 100)`.
    async fn tail_while_writing(url: &str, store: &PostgresStore) -> Tail {
        const WRITERS: usize = 6;
        const BATCHES_PER_WRITER: usize = 50;
        let done = Arc::new(AtomicBool::new(false));
        let reader = tokio::spawn({
            let reader = same_schema(url, store, 1).await;
            let done = Arc::clone(&done);
            async move {
                let mut last = 0;
                let mut seen = Vec::new();
                let mut reads_with_news = 0_u32;
                loop {
                    // Read `done` before reading: once it is set, a read that comes back
                    // empty has seen everything.
                    let finished = done.load(Ordering::SeqCst);
                    let page = reader.read_all(last, 100).await.expect("tail");
                    if page.is_empty() {
                        if finished {
                            break;
                        }
                        tokio::task::yield_now().await;
                        continue;
                    }
                    reads_with_news += 1;
                    for event in page {
                        assert!(
                            event.position > last,
                            "position {} after {last}",
                            event.position
                        );
                        last = event.position;
                        seen.push(event.id);
                    }
                }
                (seen, reads_with_news)
            }
        });
        let mut writers = Vec::new();
        for writer in 0..WRITERS {
            let store = same_schema(url, store, 1).await;
            writers.push(tokio::spawn(async move {
                let mut appended = 0;
                for b in 0..BATCHES_PER_WRITER {
                    let stream = StreamId::new("Tail", format!("w{writer}-s{}", b % 3));
                    let size = 1 + (writer + b) % 4;
                    store
                        .append(&stream, ExpectedVersion::Any, batch(size, "tail"))
                        .await
                        .expect("append");
                    appended += size;
                }
                appended
            }));
        }
        let mut appended = 0;
        for writer in writers {
            appended += writer.await.unwrap();
        }
        done.store(true, Ordering::SeqCst);
        let (seen, reads_with_news) = reader.await.unwrap();
        Tail {
            seen,
            reads_with_news,
            appended,
            everything: read_everything(store).await,
        }
    }
}
