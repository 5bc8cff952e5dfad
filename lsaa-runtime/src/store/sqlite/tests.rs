//! Tests of the SQLite store: persistence, schema handling, hostile input, corrupt rows.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use super::*;
use crate::clock::ManualClock;
use crate::envelope::Metadata;
use crate::store::memory::MemoryStore;

/// A database path in the temp directory, removed (with its WAL files) when dropped.
struct TempDb(PathBuf);

impl TempDb {
    fn new(name: &str) -> Self {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let db = Self(std::env::temp_dir().join(format!(
            "lsaa-sqlite-{}-{}-{name}.db",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        )));
        db.remove();
        db
    }

    fn path(&self) -> &Path {
        &self.0
    }

    /// A raw connection, to look at or damage the file behind the store's back.
    fn raw(&self) -> Connection {
        Connection::open(&self.0).unwrap()
    }

    fn remove(&self) {
        for suffix in ["", "-wal", "-shm", "-journal"] {
            let mut path = self.0.clone().into_os_string();
            path.push(suffix);
            // Missing files are fine: not every suffix exists.
            let _ = std::fs::remove_file(path);
        }
    }
}

impl Drop for TempDb {
    fn drop(&mut self) {
        self.remove();
    }
}

fn event(n: u32) -> NewEvent {
    NewEvent::new(
        "Ticked",
        1,
        format!(r#"{{"n":{n}}}"#),
        Metadata::new()
            .actor("alice@example.com")
            .with("ip", "203.0.113.9")
            .correlation_id(Uuid::now_v7()),
    )
}

fn versions(events: &[RecordedEvent]) -> Vec<u64> {
    events.iter().map(|e| e.version).collect()
}

fn positions(events: &[RecordedEvent]) -> Vec<u64> {
    events.iter().map(|e| e.position).collect()
}

#[tokio::test]
async fn reopening_keeps_events_tags_and_snapshots() {
    let db = TempDb::new("reopen");
    let clock = ManualClock::new(Timestamp::from_micros(1_795_705_445_123_456));
    let invoice = StreamId::new("Invoice", "2026-0042");
    let order = StreamId::new("Order", "7");
    let written = {
        let store = SqliteStore::open_with_clock(db.path(), Arc::new(clock.clone()))
            .await
            .unwrap();
        assert_eq!(store.path(), db.path());
        let first = store
            .append(
                &invoice,
                ExpectedVersion::NoStream,
                vec![event(1), event(2)],
            )
            .await
            .unwrap();
        assert_eq!(first.version, 2);
        assert_eq!(first.positions, vec![1, 2]);
        assert_eq!(first.recorded_at, clock.now());
        clock.advance(Duration::from_secs(1));
        let second = store
            .append(&order, ExpectedVersion::NoStream, vec![event(3)])
            .await
            .unwrap();
        assert_eq!(second.positions, vec![3]);
        let third = store
            .append(&invoice, ExpectedVersion::Exactly(2), vec![event(4)])
            .await
            .unwrap();
        assert_eq!((third.version, third.positions), (3, vec![4]));
        store.create_tag("month-end", 3).await.unwrap();
        store
            .save_snapshot(Snapshot {
                stream: invoice.clone(),
                version: 2,
                schema_version: 1,
                state: r#"{"lines":2}"#.to_owned(),
                taken_at: clock.now(),
            })
            .await
            .unwrap();
        store.read_all(0, usize::MAX).await.unwrap()
    };
    assert_eq!(positions(&written), vec![1, 2, 3, 4]);

    let store = SqliteStore::open(db.path()).await.unwrap();
    assert_eq!(store.read_all(0, usize::MAX).await.unwrap(), written);
    let invoice_events = store
        .read_stream(&invoice, StreamRange::all())
        .await
        .unwrap();
    assert_eq!(versions(&invoice_events), vec![1, 2, 3]);
    assert_eq!(positions(&invoice_events), vec![1, 2, 4]);
    assert_eq!(invoice_events[0].payload, r#"{"n":1}"#);
    assert_eq!(invoice_events[0].name, "Ticked");
    assert_eq!(
        invoice_events[0].metadata.context["ip"], "203.0.113.9",
        "metadata round-trips"
    );
    assert_eq!(store.stream_version(&invoice).await.unwrap(), 3);
    assert_eq!(store.stream_version(&order).await.unwrap(), 1);
    assert_eq!(
        store
            .stream_version(&StreamId::new("Order", "8"))
            .await
            .unwrap(),
        0
    );
    assert_eq!(store.head_position().await.unwrap(), 4);
    assert_eq!(store.tag_position("month-end").await.unwrap(), Some(3));
    let snapshot = store.load_snapshot(&invoice, 10).await.unwrap().unwrap();
    assert_eq!(
        (snapshot.version, snapshot.state.as_str()),
        (2, r#"{"lines":2}"#)
    );
    // And it still takes writes where it left off.
    let next = store
        .append(&invoice, ExpectedVersion::Exactly(3), vec![event(5)])
        .await
        .unwrap();
    assert_eq!((next.version, next.positions), (4, vec![5]));
}

#[tokio::test]
async fn the_file_records_its_schema_version_and_identity() {
    let db = TempDb::new("schema");
    let store = SqliteStore::open(db.path()).await.unwrap();
    let raw = db.raw();
    let version: i64 = raw
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .unwrap();
    let application_id: i32 = raw
        .pragma_query_value(None, "application_id", |r| r.get(0))
        .unwrap();
    let mode: String = raw
        .pragma_query_value(None, "journal_mode", |r| r.get(0))
        .unwrap();
    assert_eq!(version, SCHEMA_VERSION);
    assert_eq!(application_id, APPLICATION_ID);
    assert_eq!(mode, "wal");
    // Durability is per connection: the writer's must be FULL (2).
    let synchronous: i64 = store
        .inner
        .writer()
        .unwrap()
        .pragma_query_value(None, "synchronous", |r| r.get(0))
        .unwrap();
    assert_eq!(synchronous, 2);
    drop(store);
    // Opening again migrates nothing and changes nothing.
    SqliteStore::open(db.path()).await.unwrap();
    let again: i64 = db
        .raw()
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .unwrap();
    assert_eq!(again, SCHEMA_VERSION);
}

#[tokio::test]
async fn an_empty_file_becomes_a_store() {
    let db = TempDb::new("empty");
    std::fs::write(db.path(), b"").unwrap();
    let store = SqliteStore::open(db.path()).await.unwrap();
    assert_eq!(store.head_position().await.unwrap(), 0);
}

#[tokio::test]
async fn a_newer_schema_is_refused() {
    let db = TempDb::new("too-new");
    drop(SqliteStore::open(db.path()).await.unwrap());
    db.raw()
        .pragma_update(None, "user_version", SCHEMA_VERSION + 1)
        .unwrap();
    let error = SqliteStore::open(db.path()).await.unwrap_err();
    assert!(
        matches!(
            error,
            StoreError::SchemaTooNew { found, supported }
                if found == SCHEMA_VERSION + 1 && supported == SCHEMA_VERSION
        ),
        "{error:?}"
    );
    assert!(error.to_string().contains("upgrade lsaa"), "{error}");
}

#[tokio::test]
async fn a_file_that_is_not_a_database_is_refused_untouched() {
    let db = TempDb::new("not-a-db");
    // Pseudo-random bytes (xorshift), several pages' worth.
    let mut state = 0x9E37_79B9_7F4A_7C15_u64;
    let bytes: Vec<u8> = (0..8192)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state.to_le_bytes()[0]
        })
        .collect();
    std::fs::write(db.path(), &bytes).unwrap();
    let error = SqliteStore::open(db.path()).await.unwrap_err();
    let StoreError::NotAStore { location, reason } = &error else {
        panic!("expected NotAStore, got {error:?}");
    };
    assert!(
        location.contains(&*db.path().to_string_lossy()),
        "{location}"
    );
    assert!(
        error.to_string().contains("not an lsaa event store"),
        "{error}"
    );
    assert!(reason.contains("not a database"), "{reason}");
    assert_eq!(std::fs::read(db.path()).unwrap(), bytes, "left untouched");

    // A short text file too.
    std::fs::write(db.path(), "name,total\nalice,3\n").unwrap();
    let error = SqliteStore::open(db.path()).await.unwrap_err();
    assert!(matches!(error, StoreError::NotAStore { .. }), "{error:?}");
}

#[tokio::test]
async fn another_applications_database_is_refused_untouched() {
    let db = TempDb::new("foreign");
    db.raw()
        .execute_batch(
            "CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT);
             INSERT INTO customers (name) VALUES ('alice');",
        )
        .unwrap();
    let error = SqliteStore::open(db.path()).await.unwrap_err();
    let StoreError::NotAStore { reason, .. } = &error else {
        panic!("expected NotAStore, got {error:?}");
    };
    assert!(reason.contains("`customers`"), "{reason}");
    let raw = db.raw();
    let mode: String = raw
        .pragma_query_value(None, "journal_mode", |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "delete", "journal mode left as it was");
    let tables: i64 = raw
        .query_row("SELECT count(*) FROM sqlite_schema", [], |r| r.get(0))
        .unwrap();
    assert_eq!(tables, 1, "no lsaa tables added");

    // A database that uses `user_version` for itself, without any table yet.
    let other = TempDb::new("foreign-version");
    other.raw().pragma_update(None, "user_version", 7).unwrap();
    let error = SqliteStore::open(other.path()).await.unwrap_err();
    assert!(matches!(error, StoreError::NotAStore { .. }), "{error:?}");
}

#[tokio::test]
async fn paths_that_cannot_hold_a_store_are_errors() {
    let missing_dir = std::env::temp_dir()
        .join(format!("lsaa-no-such-dir-{}", std::process::id()))
        .join("events.db");
    let error = SqliteStore::open(&missing_dir).await.unwrap_err();
    assert!(matches!(error, StoreError::Backend(_)), "{error:?}");

    // `:memory:` would give the writer and the reader a database each.
    let error = SqliteStore::open(":memory:").await.unwrap_err();
    assert!(error.to_string().contains("WAL"), "{error}");
}

#[tokio::test]
async fn conflicts_are_typed_and_failed_batches_leave_nothing() {
    let db = TempDb::new("conflict");
    let store = SqliteStore::open(db.path()).await.unwrap();
    let stream = StreamId::new("Invoice", "1");
    store
        .append(&stream, ExpectedVersion::NoStream, vec![event(1)])
        .await
        .unwrap();

    let error = store
        .append(&stream, ExpectedVersion::NoStream, vec![event(2)])
        .await
        .unwrap_err();
    assert!(error.is_conflict());
    assert!(
        matches!(&error, StoreError::Conflict { stream: s, expected: ExpectedVersion::NoStream, actual: 1 } if *s == stream),
        "{error:?}"
    );
    let error = store
        .append(&stream, ExpectedVersion::Exactly(5), vec![event(2)])
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            StoreError::Conflict {
                expected: ExpectedVersion::Exactly(5),
                actual: 1,
                ..
            }
        ),
        "{error:?}"
    );
    let error = store
        .append(&stream, ExpectedVersion::Any, Vec::new())
        .await
        .unwrap_err();
    assert!(
        matches!(&error, StoreError::EmptyBatch { stream: s } if *s == stream),
        "{error:?}"
    );

    // A batch that fails on its third event stores none of them.
    let repeated = event(3);
    let error = store
        .append(
            &stream,
            ExpectedVersion::Exactly(1),
            vec![repeated.clone(), event(4), repeated],
        )
        .await
        .unwrap_err();
    assert!(error.to_string().contains("already stored"), "{error}");
    assert_eq!(store.stream_version(&stream).await.unwrap(), 1);
    assert_eq!(store.head_position().await.unwrap(), 1);

    let appended = store
        .append(&stream, ExpectedVersion::Any, vec![event(5), event(6)])
        .await
        .unwrap();
    assert_eq!(appended.version, 3);
}

#[tokio::test]
async fn a_taken_stream_version_is_a_conflict_too() {
    // The version check under the write lock makes this unreachable through `append`; the
    // unique index is the last guard, and its violation must still read as a conflict.
    let db = TempDb::new("unique");
    let store = SqliteStore::open(db.path()).await.unwrap();
    let stream = StreamId::new("Invoice", "1");
    store
        .append(&stream, ExpectedVersion::Any, vec![event(1)])
        .await
        .unwrap();
    let error = {
        let mut writer = store.inner.writer().unwrap();
        let transaction = writer.transaction().unwrap();
        insert_events(
            &transaction,
            &stream,
            ExpectedVersion::NoStream,
            0,
            Timestamp::EPOCH,
            &[event(2)],
        )
        .unwrap_err()
    };
    assert!(
        matches!(error, StoreError::Conflict { actual: 1, .. }),
        "{error:?}"
    );
    assert_eq!(store.stream_version(&stream).await.unwrap(), 1);
}

#[tokio::test]
async fn hostile_names_round_trip_verbatim() {
    let db = TempDb::new("hostile");
    let store = SqliteStore::open(db.path()).await.unwrap();
    let streams = [
        StreamId::new("Invoice", "'; DROP TABLE events; --"),
        StreamId::new("'; DROP TABLE events; --", "x"),
        StreamId::new("Quote\"d", "O'Brien"),
        StreamId::new("日本語", "🚀 émoji\u{200d}👩"),
        StreamId::new("", ""),
        // The same `Display`, different streams.
        StreamId::new("a/b", "c"),
        StreamId::new("a", "b/c"),
        // LIKE wildcards, parameter syntax, escapes and control characters.
        StreamId::new("%", "_"),
        StreamId::new("x", "%"),
        StreamId::new("?1 :name @p $x", "back\\slash"),
        StreamId::new("control", "tab\tnew\nline"),
    ];
    for (n, stream) in (0..).zip(&streams) {
        store
            .append(stream, ExpectedVersion::NoStream, vec![event(n)])
            .await
            .unwrap();
        store.create_tag(&stream.id, u64::from(n)).await.unwrap();
        store
            .save_snapshot(Snapshot {
                stream: stream.clone(),
                version: 1,
                schema_version: 1,
                state: format!("{n}"),
                taken_at: Timestamp::EPOCH,
            })
            .await
            .unwrap();
    }
    for (n, stream) in (0..).zip(&streams) {
        let events = store.read_stream(stream, StreamRange::all()).await.unwrap();
        assert_eq!(events.len(), 1, "{stream:?}");
        assert_eq!(&events[0].stream, stream);
        assert_eq!(events[0].payload, format!(r#"{{"n":{n}}}"#));
        assert_eq!(store.stream_version(stream).await.unwrap(), 1);
        let snapshot = store.load_snapshot(stream, 1).await.unwrap().unwrap();
        assert_eq!(snapshot.state, format!("{n}"));
        assert_eq!(&snapshot.stream, stream);
    }
    let all = store.read_all(0, usize::MAX).await.unwrap();
    let stored: Vec<&StreamId> = all.iter().map(|e| &e.stream).collect();
    assert_eq!(stored, streams.iter().collect::<Vec<_>>());
    assert_eq!(
        store
            .tag_position("'; DROP TABLE events; --")
            .await
            .unwrap(),
        Some(0)
    );
    assert_eq!(store.tag_position("%").await.unwrap(), Some(8));
    assert_eq!(store.tag_position("other").await.unwrap(), None);
}

#[tokio::test]
async fn corrupt_rows_are_typed_errors_naming_where() {
    let db = TempDb::new("corrupt");
    let store = SqliteStore::open(db.path()).await.unwrap();
    let cases = [
        (
            "metadata",
            "UPDATE events SET metadata = 'not json' WHERE stream_id = 'metadata'",
            "metadata",
        ),
        (
            "version",
            "UPDATE events SET version = -3 WHERE stream_id = 'version'",
            "version -3",
        ),
        (
            "uuid",
            "UPDATE events SET event_id = 'not-a-uuid' WHERE stream_id = 'uuid'",
            "not-a-uuid",
        ),
        (
            "schema",
            "UPDATE events SET schema_version = 1099511627776 WHERE stream_id = 'schema'",
            "1099511627776",
        ),
        (
            "utf8",
            "UPDATE events SET payload = CAST(X'FFFE' AS TEXT) WHERE stream_id = 'utf8'",
            "payload",
        ),
    ];
    let good = StreamId::new("Good", "1");
    store
        .append(&good, ExpectedVersion::NoStream, vec![event(0)])
        .await
        .unwrap();
    for (id, _, _) in &cases {
        store
            .append(
                &StreamId::new("Bad", *id),
                ExpectedVersion::NoStream,
                vec![event(1)],
            )
            .await
            .unwrap();
    }
    let raw = db.raw();
    for (_, damage, _) in &cases {
        raw.execute_batch(damage).unwrap();
    }

    for (id, _, detail) in &cases {
        let stream = StreamId::new("Bad", *id);
        let error = store
            .read_stream(&stream, StreamRange::all())
            .await
            .unwrap_err();
        let StoreError::Corrupt { location, reason } = &error else {
            panic!("{id}: expected Corrupt, got {error:?}");
        };
        assert!(
            location.contains(&format!("stream `Bad/{id}` version")),
            "{location}"
        );
        assert!(location.contains("position"), "{location}");
        assert!(format!("{location} {reason}").contains(detail), "{error}");
    }
    // The whole-log read stops at the first bad row, and says where it is.
    let error = store.read_all(0, usize::MAX).await.unwrap_err();
    assert!(
        matches!(&error, StoreError::Corrupt { location, .. } if location.contains("position 2")),
        "{error:?}"
    );
    assert!(matches!(
        store.stream_version(&StreamId::new("Bad", "version")).await,
        Err(StoreError::Corrupt { .. })
    ));
    // Rows that are fine stay readable.
    assert_eq!(
        store
            .read_stream(&good, StreamRange::all())
            .await
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn corrupt_tags_and_snapshots_are_typed_errors() {
    let db = TempDb::new("corrupt-tags");
    let store = SqliteStore::open(db.path()).await.unwrap();
    let stream = StreamId::new("Invoice", "1");
    store
        .save_snapshot(Snapshot {
            stream: stream.clone(),
            version: 1,
            schema_version: 1,
            state: "{}".to_owned(),
            taken_at: Timestamp::EPOCH,
        })
        .await
        .unwrap();
    db.raw()
        .execute_batch(
            "INSERT INTO tags (name, position) VALUES ('negative', -5);
             UPDATE snapshots SET schema_version = -1;",
        )
        .unwrap();
    let error = store.tag_position("negative").await.unwrap_err();
    assert!(
        matches!(&error, StoreError::Corrupt { location, .. } if location == "tag `negative`"),
        "{error:?}"
    );
    let error = store.load_snapshot(&stream, 1).await.unwrap_err();
    assert!(
        matches!(&error, StoreError::Corrupt { location, .. } if location.contains("`Invoice/1` at version 1")),
        "{error:?}"
    );
}

#[tokio::test]
async fn reads_match_the_memory_store() {
    let db = TempDb::new("reads");
    let start = Timestamp::from_micros(1_700_000_000_000_000);
    let sqlite_clock = ManualClock::new(start);
    let memory_clock = ManualClock::new(start);
    let sqlite = SqliteStore::open_with_clock(db.path(), Arc::new(sqlite_clock.clone()))
        .await
        .unwrap();
    let memory = MemoryStore::with_clock(Arc::new(memory_clock.clone()));
    let a = StreamId::new("A", "1");
    let b = StreamId::new("B", "1");
    // Interleaved streams, so that positions and versions differ; one batch per second.
    for n in 0..6 {
        let stream = if n % 3 == 2 { &b } else { &a };
        let batch = vec![event(2 * n), event(2 * n + 1)];
        let left = sqlite
            .append(stream, ExpectedVersion::Any, batch.clone())
            .await
            .unwrap();
        let right = memory
            .append(stream, ExpectedVersion::Any, batch)
            .await
            .unwrap();
        assert_eq!(left, right);
        sqlite_clock.advance(Duration::from_secs(1));
        memory_clock.advance(Duration::from_secs(1));
    }
    let at = |seconds: u64| start.plus(Duration::from_secs(seconds));
    let ranges = [
        StreamRange::all(),
        StreamRange::all().from_version(0),
        StreamRange::all().from_version(3).to_version(6),
        StreamRange::all().to_version(0),
        StreamRange::all().from_version(u64::MAX),
        StreamRange::all().to_version(u64::MAX),
        StreamRange::all().until(at(1)),
        StreamRange::all().until(at(1).plus(Duration::from_micros(1))),
        StreamRange::all().until(Timestamp::from_micros(i64::MIN)),
        StreamRange::all().until_position(7),
        StreamRange::all().until_position(u64::MAX),
        StreamRange::all()
            .from_version(2)
            .until(at(3))
            .until_position(8),
    ];
    for range in ranges {
        for stream in [&a, &b, &StreamId::new("C", "none")] {
            assert_eq!(
                sqlite.read_stream(stream, range).await.unwrap(),
                memory.read_stream(stream, range).await.unwrap(),
                "{stream} {range:?}"
            );
        }
    }
    let pages = [
        (0, usize::MAX),
        (0, 5),
        (5, 3),
        (11, 10),
        (12, 10),
        (40, 1),
        (u64::MAX, 10),
        (0, 0),
    ];
    for (after, limit) in pages {
        assert_eq!(
            sqlite.read_all(after, limit).await.unwrap(),
            memory.read_all(after, limit).await.unwrap(),
            "after {after} limit {limit}"
        );
    }
    assert_eq!(sqlite.head_position().await.unwrap(), 12);
    assert_eq!(
        versions(
            &sqlite
                .read_stream(&a, StreamRange::all().until(at(1)))
                .await
                .unwrap()
        ),
        vec![1, 2, 3, 4]
    );
}

#[tokio::test]
async fn tags_are_immutable_and_persist() {
    let db = TempDb::new("tags");
    let store = SqliteStore::open(db.path()).await.unwrap();
    store.create_tag("release-1", 3).await.unwrap();
    let error = store.create_tag("release-1", 5).await.unwrap_err();
    assert!(
        matches!(&error, StoreError::TagExists { tag, position: 3 } if tag == "release-1"),
        "{error:?}"
    );
    assert_eq!(store.tag_position("release-2").await.unwrap(), None);
    let error = store.create_tag("far", u64::MAX).await.unwrap_err();
    assert!(matches!(error, StoreError::Backend(_)), "{error:?}");
    drop(store);
    let store = SqliteStore::open(db.path()).await.unwrap();
    assert_eq!(store.tag_position("release-1").await.unwrap(), Some(3));
    assert_eq!(store.tag_position("far").await.unwrap(), None);
}

#[tokio::test]
async fn snapshots_are_replaced_by_version_and_loaded_at_most() {
    let db = TempDb::new("snapshots");
    let store = SqliteStore::open(db.path()).await.unwrap();
    let stream = StreamId::new("Invoice", "1");
    let snapshot = |version: u64, state: &str| Snapshot {
        stream: stream.clone(),
        version,
        schema_version: 2,
        state: state.to_owned(),
        taken_at: Timestamp::from_micros(i64::try_from(version).unwrap()),
    };
    for s in [
        snapshot(5, "five"),
        snapshot(2, "two"),
        snapshot(5, "five again"),
    ] {
        store.save_snapshot(s).await.unwrap();
    }
    assert_eq!(store.load_snapshot(&stream, 1).await.unwrap(), None);
    assert_eq!(
        store.load_snapshot(&stream, 4).await.unwrap(),
        Some(snapshot(2, "two"))
    );
    assert_eq!(
        store.load_snapshot(&stream, u64::MAX).await.unwrap(),
        Some(snapshot(5, "five again"))
    );
    assert_eq!(
        store
            .load_snapshot(&StreamId::new("Invoice", "2"), 10)
            .await
            .unwrap(),
        None
    );
}

#[tokio::test]
async fn concurrent_writers_are_serialised() {
    let db = TempDb::new("concurrent");
    let store = SqliteStore::open(db.path()).await.unwrap();
    // A second store on the same file stands in for another process.
    let other = SqliteStore::open(db.path()).await.unwrap();
    let stream = StreamId::new("Counter", "1");
    let mut tasks = tokio::task::JoinSet::new();
    for writer in 0..6 {
        let store = if writer % 2 == 0 {
            store.clone()
        } else {
            other.clone()
        };
        let stream = stream.clone();
        tasks.spawn(async move {
            for n in 0..5 {
                store
                    .append(
                        &stream,
                        ExpectedVersion::Any,
                        vec![event(writer * 100 + n), event(writer * 100 + n)],
                    )
                    .await
                    .unwrap();
            }
        });
    }
    while let Some(done) = tasks.join_next().await {
        done.unwrap();
    }
    let events = store
        .read_stream(&stream, StreamRange::all())
        .await
        .unwrap();
    assert_eq!(versions(&events), (1..=60).collect::<Vec<_>>());
    assert!(events.windows(2).all(|w| w[0].position < w[1].position));
    // Each batch landed whole: its two events are neighbours.
    assert!(
        events
            .chunks(2)
            .all(|pair| pair[0].payload == pair[1].payload)
    );
    assert_eq!(store.read_all(0, usize::MAX).await.unwrap(), events);

    // Racing on the same expected version: exactly one wins.
    let mut tasks = tokio::task::JoinSet::new();
    for writer in 0..6 {
        let store = if writer % 2 == 0 {
            store.clone()
        } else {
            other.clone()
        };
        let stream = stream.clone();
        tasks.spawn(async move {
            store
                .append(&stream, ExpectedVersion::Exactly(60), vec![event(writer)])
                .await
        });
    }
    let mut won = 0;
    while let Some(done) = tasks.join_next().await {
        match done.unwrap() {
            Ok(_) => won += 1,
            Err(error) => assert!(error.is_conflict(), "{error:?}"),
        }
    }
    assert_eq!(won, 1);
    assert_eq!(store.stream_version(&stream).await.unwrap(), 61);
}

#[tokio::test]
async fn a_panic_while_writing_does_not_leave_half_a_write() {
    let db = TempDb::new("poison");
    let store = SqliteStore::open(db.path()).await.unwrap();
    let inner = Arc::clone(&store.inner);
    let panicked = std::thread::spawn(move || {
        let writer = inner.writer.lock().unwrap();
        writer
            .execute_batch("BEGIN IMMEDIATE; INSERT INTO tags (name, position) VALUES ('half', 1);")
            .unwrap();
        panic!("a write dies halfway (this panic is part of the test)");
    })
    .join();
    assert!(panicked.is_err());
    assert!(store.inner.writer.is_poisoned());

    let stream = StreamId::new("Invoice", "1");
    store
        .append(&stream, ExpectedVersion::NoStream, vec![event(1)])
        .await
        .unwrap();
    assert_eq!(store.tag_position("half").await.unwrap(), None);
    assert_eq!(store.head_position().await.unwrap(), 1);
}

#[test]
fn calls_outside_a_tokio_runtime_fail_without_panicking() {
    use std::future::Future;
    use std::task::{Context, Poll, Waker};

    let db = TempDb::new("no-runtime");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let store = runtime.block_on(SqliteStore::open(db.path())).unwrap();
    let mut call = std::pin::pin!(store.head_position());
    let polled = call.as_mut().poll(&mut Context::from_waker(Waker::noop()));
    let Poll::Ready(Err(error)) = polled else {
        panic!("expected an immediate error, got {polled:?}");
    };
    assert!(error.to_string().contains("tokio runtime"), "{error}");
}
