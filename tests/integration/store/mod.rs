//! The `EventStore` conformance suite: every case is a generic async fn, and each backend's
//! module stamps all of them out as tests with [`conformance_suite!`].
//!
//! A case gets a fresh, empty store. Stores are opened with a [`ManualClock`] (so recorded
//! times are exact and known) unless the case is about the system clock.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use lsaa::prelude::*;
use lsaa_runtime::clock::ManualClock;
use lsaa_runtime::{
    AsOf, DecodeError, EventStore, ExpectedVersion, Metadata, NewEvent, RecordedEvent, Repository,
    RepositoryError, Snapshot, StoreError, StreamId, StreamRange, Timestamp, Upcasters, Uuid,
};
use serde::{Deserialize, Serialize};

/// Stamps out every case of the suite as a `#[tokio::test]` for one backend.
///
/// `$open` is an `async fn(Option<ManualClock>) -> Option<Fixture<S>>`: a fresh, empty store
/// recording times from the clock (the system clock for `None`), or `None` when the backend
/// is not available (it prints why, and the test passes). `$deviations` lists the cases the
/// backend is known to fail, with the reason (see [`run_case`]).
macro_rules! conformance_suite {
    ($open:path, $deviations:expr) => {
        conformance_suite!(@cases $open, $deviations;
            plain: empty_store, ordering, read_all_after_and_limit, expected_version_any,
                expected_version_no_stream, expected_version_exactly, empty_batch,
                conflicting_batch_leaves_nothing, batch_of_fifty,
                duplicate_event_id_is_all_or_nothing, event_ids_are_unique, extreme_bounds, tags,
                snapshots_latest_at_most, snapshots_replace_same_version,
                snapshots_isolated_by_stream, hostile_ids, nul_in_ids, payload_json_value,
                payload_text_verbatim, payload_with_escaped_nul, large_payload;
            clocked: envelope_round_trip, ranged_reads_by_version, ranged_reads_until_instant,
                ranged_reads_until_position, ranged_reads_combined,
                recorded_times_never_go_back_in_a_stream;
            shared: upcasting, upcasting_failures, unknown_event_name, corrupt_payloads,
                illegal_sequence;
            concurrent: concurrent_writers_one_stream, concurrent_writers_many_streams,
                tailing_reader
        );

        #[tokio::test]
        async fn system_clock_times() {
            super::run_case($deviations, "system_clock_times", async {
                let Some(fixture) = $open(None).await else { return false };
                super::system_clock_times(&*fixture.store).await;
                true
            })
            .await;
        }
    };
    (@cases $open:path, $deviations:expr;
        plain: $($plain:ident),*;
        clocked: $($clocked:ident),*;
        shared: $($shared:ident),*;
        concurrent: $($concurrent:ident),*
    ) => {
        $(
            #[tokio::test]
            async fn $plain() {
                super::run_case($deviations, stringify!($plain), async {
                    let Some(fixture) = $open(Some(super::test_clock())).await else { return false };
                    super::$plain(&*fixture.store).await;
                    true
                })
                .await;
            }
        )*
        $(
            #[tokio::test]
            async fn $clocked() {
                super::run_case($deviations, stringify!($clocked), async {
                    let clock = super::test_clock();
                    let Some(fixture) = $open(Some(clock.clone())).await else { return false };
                    super::$clocked(&*fixture.store, &clock).await;
                    true
                })
                .await;
            }
        )*
        $(
            #[tokio::test]
            async fn $shared() {
                super::run_case($deviations, stringify!($shared), async {
                    let Some(fixture) = $open(Some(super::test_clock())).await else { return false };
                    super::$shared(std::sync::Arc::clone(&fixture.store)).await;
                    true
                })
                .await;
            }
        )*
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn $concurrent() {
                super::run_case($deviations, stringify!($concurrent), async {
                    let Some(fixture) = $open(Some(super::test_clock())).await else { return false };
                    super::$concurrent(std::sync::Arc::clone(&fixture.store)).await;
                    true
                })
                .await;
            }
        )*
    };
}

/// Runs one case; `body` returns whether it ran (`false`: the backend is not available).
///
/// A case listed in `deviations` is a known, reported bug of the backend: it must still fail
/// (the reason is printed), and once it passes the test fails so that the entry is removed.
/// Every other case must pass.
pub(crate) async fn run_case(
    deviations: &[(&str, &str)],
    case: &str,
    body: impl Future<Output = bool> + Send + 'static,
) {
    let deviation = deviations.iter().find(|(name, _)| *name == case);
    // On a task of its own, so that a failing case is a `JoinError` rather than our panic.
    let outcome = tokio::spawn(body).await;
    match (outcome, deviation) {
        (Ok(_), None) | (Ok(false), Some(_)) => {}
        (Ok(true), Some((_, why))) => {
            panic!("`{case}` passes now: remove it from the known deviations ({why})")
        }
        (Err(error), Some((_, why))) if error.is_panic() => {
            eprintln!("KNOWN DEVIATION in `{case}` (failed as expected): {why}");
        }
        (Err(error), _) => match error.try_into_panic() {
            Ok(panic) => std::panic::resume_unwind(panic),
            Err(error) => panic!("`{case}` did not finish: {error}"),
        },
    }
}

pub(crate) mod memory;
pub(crate) mod postgres;
pub(crate) mod sqlite;

// ---------------------------------------------------------------------------------------------
// Fixtures.

/// A fresh store for one test, with whatever must be cleaned up after it.
pub(crate) struct Fixture<S> {
    /// The store, shared so that concurrency cases can hand it to tasks.
    pub(crate) store: Arc<S>,
    /// Files removed once the store is dropped (declared after `store`, so dropped after it).
    _files: TempFiles,
}

impl<S> Fixture<S> {
    /// A store with nothing to clean up.
    pub(crate) fn new(store: S) -> Self {
        Self {
            store: Arc::new(store),
            _files: TempFiles(Vec::new()),
        }
    }

    /// A store whose files are removed after it is dropped.
    pub(crate) fn with_files(store: S, files: Vec<PathBuf>) -> Self {
        Self {
            store: Arc::new(store),
            _files: TempFiles(files),
        }
    }
}

/// Removes its files when dropped; missing files are fine.
struct TempFiles(Vec<PathBuf>);

impl Drop for TempFiles {
    fn drop(&mut self) {
        for file in &self.0 {
            let _ = std::fs::remove_file(file);
        }
    }
}

/// A name no other test of this run (or of a concurrent run) uses: `<prefix>_<pid>_<n>_<nanos>`.
pub(crate) fn unique_name(prefix: &str) -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    format!("{prefix}_{}_{n}_{nanos}", std::process::id())
}

/// The suite's start time: 2026-03-01T00:00:00.123456Z (microseconds must survive).
pub(crate) const T0: Timestamp = Timestamp::from_micros(1_772_323_200_123_456);

/// A manual clock at [`T0`].
pub(crate) fn test_clock() -> ManualClock {
    ManualClock::new(T0)
}

/// `T0` plus `seconds`.
fn at(seconds: u64) -> Timestamp {
    T0.plus(Duration::from_secs(seconds))
}

// ---------------------------------------------------------------------------------------------
// Helpers.

/// An event whose payload carries `n`.
fn numbered(n: u64) -> NewEvent {
    NewEvent::new(
        "test.numbered",
        1,
        format!(r#"{{"n":{n}}}"#),
        Metadata::new(),
    )
}

/// The `n` of a [`numbered`] event.
fn number(event: &RecordedEvent) -> u64 {
    let value: serde_json::Value = serde_json::from_str(&event.payload)
        .unwrap_or_else(|e| panic!("payload {:?} is not JSON: {e}", event.payload));
    value["n"]
        .as_u64()
        .unwrap_or_else(|| panic!("payload {:?} has no `n`", event.payload))
}

fn numbers(events: &[RecordedEvent]) -> Vec<u64> {
    events.iter().map(number).collect()
}

fn versions(events: &[RecordedEvent]) -> Vec<u64> {
    events.iter().map(|e| e.version).collect()
}

fn positions(events: &[RecordedEvent]) -> Vec<u64> {
    events.iter().map(|e| e.position).collect()
}

fn assert_strictly_increasing(values: &[u64], what: &str) {
    for pair in values.windows(2) {
        assert!(
            pair[0] < pair[1],
            "{what} must strictly increase, got {values:?}"
        );
    }
}

async fn append<S: EventStore>(
    store: &S,
    stream: &StreamId,
    expected: ExpectedVersion,
    events: Vec<NewEvent>,
) -> lsaa_runtime::Appended {
    store
        .append(stream, expected, events)
        .await
        .unwrap_or_else(|e| panic!("append to `{stream}` with {expected:?} failed: {e:?}"))
}

async fn read<S: EventStore>(
    store: &S,
    stream: &StreamId,
    range: StreamRange,
) -> Vec<RecordedEvent> {
    store
        .read_stream(stream, range)
        .await
        .unwrap_or_else(|e| panic!("read_stream `{stream}` {range:?} failed: {e:?}"))
}

async fn read_all<S: EventStore>(store: &S, after: u64, limit: usize) -> Vec<RecordedEvent> {
    store
        .read_all(after, limit)
        .await
        .unwrap_or_else(|e| panic!("read_all({after}, {limit}) failed: {e:?}"))
}

async fn head<S: EventStore>(store: &S) -> u64 {
    store.head_position().await.expect("head_position")
}

async fn version_of<S: EventStore>(store: &S, stream: &StreamId) -> u64 {
    store
        .stream_version(stream)
        .await
        .unwrap_or_else(|e| panic!("stream_version `{stream}` failed: {e:?}"))
}

/// Asserts that `result` is a conflict on `stream` reporting `expected` and `actual`.
fn assert_conflict<T: std::fmt::Debug>(
    result: Result<T, StoreError>,
    stream: &StreamId,
    expected: ExpectedVersion,
    actual: u64,
) {
    match result {
        Err(StoreError::Conflict {
            stream: s,
            expected: e,
            actual: a,
        }) => {
            assert_eq!(&s, stream, "conflict names the stream");
            assert_eq!(e, expected, "conflict echoes the expectation");
            assert_eq!(a, actual, "conflict reports the actual version");
        }
        other => panic!(
            "expected a conflict on `{stream}` ({expected:?}, actual {actual}), got {other:?}"
        ),
    }
}

/// Appends one event to `stream` at each of `times` (setting the clock before each append).
async fn append_at<S: EventStore>(
    store: &S,
    clock: &ManualClock,
    stream: &StreamId,
    times: &[(Timestamp, u64)],
) -> Vec<u64> {
    let mut positions = Vec::new();
    for &(time, n) in times {
        clock.set(time);
        let appended = append(store, stream, ExpectedVersion::Any, vec![numbered(n)]).await;
        assert_eq!(
            appended.recorded_at, time,
            "the store records the clock's time"
        );
        positions.extend(appended.positions);
    }
    positions
}

// ---------------------------------------------------------------------------------------------
// Ordering.

pub(crate) async fn empty_store<S: EventStore>(store: &S) {
    let nobody = StreamId::new("Nobody", "0");
    assert_eq!(head(store).await, 0);
    assert!(read_all(store, 0, 100).await.is_empty());
    assert_eq!(version_of(store, &nobody).await, 0);
    assert!(read(store, &nobody, StreamRange::all()).await.is_empty());
    assert_eq!(
        store.tag_position("none").await.expect("tag_position"),
        None
    );
    assert_eq!(
        store
            .load_snapshot(&nobody, u64::MAX)
            .await
            .expect("load_snapshot"),
        None
    );
}

pub(crate) async fn ordering<S: EventStore>(store: &S) {
    let a = StreamId::new("Order", "a");
    let b = StreamId::new("Order", "b");
    let c = StreamId::new("Invoice", "a");

    let mut all_positions = Vec::new();
    let mut expect_per_stream: BTreeMap<StreamId, Vec<u64>> = BTreeMap::new();
    let plan: [(&StreamId, u64); 6] = [(&a, 2), (&b, 1), (&a, 3), (&c, 1), (&b, 2), (&a, 1)];
    let mut n = 0;
    for (stream, count) in plan {
        let before = version_of(store, stream).await;
        let batch = (0..count).map(|i| numbered(n + i)).collect();
        let appended = append(store, stream, ExpectedVersion::Exactly(before), batch).await;
        assert_eq!(
            appended.version,
            before + count,
            "Appended.version is the new version"
        );
        assert_eq!(
            appended.positions.len() as u64,
            count,
            "one position per event"
        );
        assert_eq!(version_of(store, stream).await, before + count);
        assert_eq!(head(store).await, *appended.positions.last().unwrap());
        all_positions.extend(&appended.positions);
        expect_per_stream
            .entry(stream.clone())
            .or_default()
            .extend(n..n + count);
        n += count;
    }
    assert_strictly_increasing(&all_positions, "positions across streams, in append order");

    for (stream, expected_numbers) in &expect_per_stream {
        let events = read(store, stream, StreamRange::all()).await;
        let count = expected_numbers.len() as u64;
        assert_eq!(
            versions(&events),
            (1..=count).collect::<Vec<_>>(),
            "`{stream}`: gap-free from 1"
        );
        assert_eq!(
            &numbers(&events),
            expected_numbers,
            "`{stream}`: in append order"
        );
        assert!(events.iter().all(|e| &e.stream == stream));
        assert_strictly_increasing(&positions(&events), "positions within a stream");
    }

    let everything = read_all(store, 0, 1000).await;
    assert_eq!(
        positions(&everything),
        all_positions,
        "read_all is position order"
    );
    assert_eq!(numbers(&everything), (0..n).collect::<Vec<_>>());
    assert_eq!(head(store).await, *all_positions.last().unwrap());
}

pub(crate) async fn read_all_after_and_limit<S: EventStore>(store: &S) {
    let streams = [StreamId::new("R", "1"), StreamId::new("R", "2")];
    let mut all = Vec::new();
    for n in 0..10u64 {
        let stream = &streams[usize::from(n % 3 == 0)];
        all.extend(
            append(store, stream, ExpectedVersion::Any, vec![numbered(n)])
                .await
                .positions,
        );
    }
    let head_position = head(store).await;
    assert_eq!(head_position, all[9]);

    // Limit alone.
    assert_eq!(positions(&read_all(store, 0, 3).await), all[..3]);
    assert_eq!(positions(&read_all(store, 0, 1).await), all[..1]);
    assert!(
        read_all(store, 0, 0).await.is_empty(),
        "limit 0 reads nothing"
    );
    // `after` is exclusive, at every position.
    for (i, &position) in all.iter().enumerate() {
        let rest = read_all(store, position, 100).await;
        assert_eq!(positions(&rest), all[i + 1..], "read_all({position}, 100)");
        let two = read_all(store, position, 2).await;
        assert_eq!(
            positions(&two),
            all[i + 1..(i + 3).min(all.len())],
            "read_all({position}, 2)"
        );
    }
    // `after` between positions (when there are gaps) or just below the first.
    let below_first = all[0] - 1;
    assert_eq!(positions(&read_all(store, below_first, 100).await), all);
    assert!(read_all(store, head_position, 100).await.is_empty());
    assert!(read_all(store, head_position + 1000, 100).await.is_empty());
    // Paging through with a small limit sees everything once.
    let mut paged = Vec::new();
    let mut last = 0;
    loop {
        let page = read_all(store, last, 4).await;
        if page.is_empty() {
            break;
        }
        assert!(page.len() <= 4);
        last = page.last().unwrap().position;
        paged.extend(positions(&page));
    }
    assert_eq!(paged, all);
}

pub(crate) async fn envelope_round_trip<S: EventStore>(store: &S, clock: &ManualClock) {
    let stream = StreamId::new("Envelope", "e-1");
    let correlation = Uuid::now_v7();
    let causation = Uuid::now_v7();
    let metadata = Metadata::new()
        .actor("alice@example.com \"admin\" 🦀")
        .correlation_id(correlation)
        .causation_id(causation)
        .with("request_id", "req-7f3a")
        .with("ip", "203.0.113.9")
        .with(
            "quote'\"key",
            "value with 'quotes' and \"doubles\" and ünïcødé",
        );
    let first = NewEvent::new("envelope.first ünï", 7, r#"{"a":1}"#, metadata.clone());
    let second = NewEvent::new("envelope.second", u32::MAX, "[1,2,3]", Metadata::new());
    let sent = [first.clone(), second.clone()];

    clock.set(at(42));
    let appended = append(store, &stream, ExpectedVersion::NoStream, sent.to_vec()).await;
    assert_eq!(appended.recorded_at, at(42));
    let events = read(store, &stream, StreamRange::all()).await;
    assert_eq!(events.len(), 2);
    for ((event, new), position) in events.iter().zip(&sent).zip(&appended.positions) {
        assert_eq!(event.id, new.id, "id");
        assert_eq!(event.stream, stream, "stream");
        assert_eq!(event.name, new.name, "name");
        assert_eq!(event.schema_version, new.schema_version, "schema version");
        assert_same_json(&event.payload, &new.payload);
        assert_eq!(event.metadata, new.metadata, "metadata");
        assert_eq!(event.position, *position, "position as returned by append");
        assert_eq!(event.recorded_at, appended.recorded_at, "the batch's time");
    }
    assert_eq!(versions(&events), [1, 2]);
    // The same envelope through read_all.
    assert_eq!(read_all(store, 0, 10).await, events);
    // A time before the epoch survives too.
    let old = StreamId::new("Envelope", "before-1970");
    clock.set(Timestamp::from_micros(-86_400_000_001));
    let appended = append(store, &old, ExpectedVersion::Any, vec![numbered(1)]).await;
    assert_eq!(
        appended.recorded_at,
        Timestamp::from_micros(-86_400_000_001)
    );
    let events = read(store, &old, StreamRange::all()).await;
    assert_eq!(
        events[0].recorded_at,
        Timestamp::from_micros(-86_400_000_001)
    );
}

pub(crate) async fn system_clock_times<S: EventStore>(store: &S) {
    let stream = StreamId::new("Clock", "system");
    let before = Timestamp::now();
    let appended = append(store, &stream, ExpectedVersion::Any, vec![numbered(1)]).await;
    let after = Timestamp::now();
    assert!(
        before <= appended.recorded_at && appended.recorded_at <= after,
        "recorded at {} outside [{before}, {after}]",
        appended.recorded_at
    );
    let events = read(store, &stream, StreamRange::all()).await;
    assert_eq!(events[0].recorded_at, appended.recorded_at);
}

// ---------------------------------------------------------------------------------------------
// Expected versions.

pub(crate) async fn expected_version_any<S: EventStore>(store: &S) {
    let stream = StreamId::new("Any", "1");
    assert_eq!(
        append(store, &stream, ExpectedVersion::Any, vec![numbered(1)])
            .await
            .version,
        1
    );
    assert_eq!(
        append(
            store,
            &stream,
            ExpectedVersion::Any,
            vec![numbered(2), numbered(3)]
        )
        .await
        .version,
        3
    );
    assert_eq!(
        numbers(&read(store, &stream, StreamRange::all()).await),
        [1, 2, 3]
    );
}

pub(crate) async fn expected_version_no_stream<S: EventStore>(store: &S) {
    let stream = StreamId::new("NoStream", "1");
    assert_eq!(
        append(store, &stream, ExpectedVersion::NoStream, vec![numbered(1)])
            .await
            .version,
        1
    );
    let head_before = head(store).await;
    assert_conflict(
        store
            .append(&stream, ExpectedVersion::NoStream, vec![numbered(2)])
            .await,
        &stream,
        ExpectedVersion::NoStream,
        1,
    );
    assert_eq!(
        version_of(store, &stream).await,
        1,
        "a refused append changes nothing"
    );
    assert_eq!(head(store).await, head_before);
    // Another stream of the same category, or the same id in another category, is new.
    for other in [StreamId::new("NoStream", "2"), StreamId::new("Other", "1")] {
        assert_eq!(
            append(store, &other, ExpectedVersion::NoStream, vec![numbered(3)])
                .await
                .version,
            1
        );
    }
}

pub(crate) async fn expected_version_exactly<S: EventStore>(store: &S) {
    let stream = StreamId::new("Exactly", "1");
    // Exactly(0) on a new stream is NoStream.
    assert_conflict(
        store
            .append(&stream, ExpectedVersion::Exactly(1), vec![numbered(0)])
            .await,
        &stream,
        ExpectedVersion::Exactly(1),
        0,
    );
    assert_eq!(
        append(
            store,
            &stream,
            ExpectedVersion::Exactly(0),
            vec![numbered(1), numbered(2)]
        )
        .await
        .version,
        2
    );
    assert_conflict(
        store
            .append(&stream, ExpectedVersion::Exactly(0), vec![numbered(0)])
            .await,
        &stream,
        ExpectedVersion::Exactly(0),
        2,
    );
    for wrong in [1, 3, 100] {
        assert_conflict(
            store
                .append(&stream, ExpectedVersion::Exactly(wrong), vec![numbered(0)])
                .await,
            &stream,
            ExpectedVersion::Exactly(wrong),
            2,
        );
    }
    assert_eq!(
        append(
            store,
            &stream,
            ExpectedVersion::Exactly(2),
            vec![numbered(3)]
        )
        .await
        .version,
        3
    );
    assert_eq!(
        numbers(&read(store, &stream, StreamRange::all()).await),
        [1, 2, 3]
    );
    // The refused appends left no trace anywhere.
    assert_eq!(numbers(&read_all(store, 0, 100).await), [1, 2, 3]);
}

pub(crate) async fn empty_batch<S: EventStore>(store: &S) {
    let stream = StreamId::new("Empty", "1");
    for expected in [
        ExpectedVersion::Any,
        ExpectedVersion::NoStream,
        ExpectedVersion::Exactly(0),
    ] {
        match store.append(&stream, expected, Vec::new()).await {
            Err(StoreError::EmptyBatch { stream: s }) => assert_eq!(s, stream),
            other => panic!("an empty batch with {expected:?} must be EmptyBatch, got {other:?}"),
        }
    }
    assert_eq!(
        version_of(store, &stream).await,
        0,
        "an empty batch does not create the stream"
    );
    append(store, &stream, ExpectedVersion::NoStream, vec![numbered(1)]).await;
    match store
        .append(&stream, ExpectedVersion::Exactly(1), Vec::new())
        .await
    {
        Err(StoreError::EmptyBatch { stream: s }) => assert_eq!(s, stream),
        other => panic!("an empty batch on an existing stream must be EmptyBatch, got {other:?}"),
    }
    assert_eq!(version_of(store, &stream).await, 1);
    assert_eq!(head(store).await, read_all(store, 0, 10).await[0].position);
}

// ---------------------------------------------------------------------------------------------
// Atomic batches.

pub(crate) async fn conflicting_batch_leaves_nothing<S: EventStore>(store: &S) {
    let stream = StreamId::new("Atomic", "1");
    append(
        store,
        &stream,
        ExpectedVersion::NoStream,
        vec![numbered(1), numbered(2)],
    )
    .await;
    let head_before = head(store).await;
    let batch: Vec<_> = (10..15).map(numbered).collect();
    assert_conflict(
        store
            .append(&stream, ExpectedVersion::Exactly(1), batch.clone())
            .await,
        &stream,
        ExpectedVersion::Exactly(1),
        2,
    );
    assert_conflict(
        store
            .append(&stream, ExpectedVersion::NoStream, batch)
            .await,
        &stream,
        ExpectedVersion::NoStream,
        2,
    );
    assert_eq!(
        numbers(&read(store, &stream, StreamRange::all()).await),
        [1, 2]
    );
    assert_eq!(version_of(store, &stream).await, 2);
    assert_eq!(head(store).await, head_before);
    assert_eq!(numbers(&read_all(store, 0, 100).await), [1, 2]);
    // The stream goes on gap-free after the refusal.
    let appended = append(
        store,
        &stream,
        ExpectedVersion::Exactly(2),
        vec![numbered(3)],
    )
    .await;
    assert_eq!(appended.version, 3);
    assert_eq!(
        versions(&read(store, &stream, StreamRange::all()).await),
        [1, 2, 3]
    );
}

pub(crate) async fn batch_of_fifty<S: EventStore>(store: &S) {
    let stream = StreamId::new("Atomic", "fifty");
    append(store, &stream, ExpectedVersion::NoStream, vec![numbered(0)]).await;
    let batch: Vec<_> = (1..=50).map(numbered).collect();
    let appended = append(store, &stream, ExpectedVersion::Exactly(1), batch).await;
    assert_eq!(appended.version, 51);
    assert_eq!(appended.positions.len(), 50);
    assert_strictly_increasing(&appended.positions, "a batch's positions");
    let events = read(store, &stream, StreamRange::all().from_version(2)).await;
    assert_eq!(versions(&events), (2..=51).collect::<Vec<_>>());
    assert_eq!(numbers(&events), (1..=50).collect::<Vec<_>>());
    assert_eq!(positions(&events), appended.positions);
    assert!(events.iter().all(|e| e.recorded_at == appended.recorded_at));
}

/// Two events of one batch share an id. A store may refuse that or accept it, but never
/// store part of the batch.
pub(crate) async fn duplicate_event_id_is_all_or_nothing<S: EventStore>(store: &S) {
    let stream = StreamId::new("Atomic", "duplicate-id");
    append(store, &stream, ExpectedVersion::NoStream, vec![numbered(0)]).await;
    let first = numbered(1);
    let mut third = numbered(3);
    third.id = first.id;
    let result = store
        .append(
            &stream,
            ExpectedVersion::Exactly(1),
            vec![first, numbered(2), third],
        )
        .await;
    let stored = numbers(&read(store, &stream, StreamRange::all()).await);
    match result {
        Ok(appended) => {
            assert_eq!(appended.version, 4);
            assert_eq!(stored, [0, 1, 2, 3]);
        }
        Err(error) => {
            assert!(!error.is_conflict(), "not a conflict: {error:?}");
            assert_eq!(
                stored,
                [0],
                "a refused batch leaves nothing behind ({error})"
            );
            assert_eq!(version_of(store, &stream).await, 1);
            assert_eq!(numbers(&read_all(store, 0, 10).await), [0]);
        }
    }
}

/// An event id is stored once: appending an event whose id is already in the store (to
/// another stream, or again to the same one) is refused, with an error other than a
/// conflict, and stores nothing. `SqliteStore` and `PostgresStore` enforce it (as a
/// `Backend` error: there is no typed variant); `MemoryStore` stores the duplicate.
pub(crate) async fn event_ids_are_unique<S: EventStore>(store: &S) {
    let a = StreamId::new("Ids", "a");
    let b = StreamId::new("Ids", "b");
    let event = numbered(1);
    append(store, &a, ExpectedVersion::NoStream, vec![event.clone()]).await;
    let head_before = head(store).await;
    for (stream, expected) in [
        (&b, ExpectedVersion::NoStream),
        (&a, ExpectedVersion::Exactly(1)),
    ] {
        match store
            .append(stream, expected, vec![numbered(2), event.clone()])
            .await
        {
            Ok(appended) => panic!(
                "event id {} stored twice: appended to `{stream}` at {:?}",
                event.id, appended.positions
            ),
            Err(error) => assert!(!error.is_conflict(), "not a conflict: {error:?}"),
        }
    }
    assert_eq!(head(store).await, head_before, "nothing stored");
    assert_eq!(numbers(&read_all(store, 0, 10).await), [1]);
}

// ---------------------------------------------------------------------------------------------
// Ranged and as-of reads.

/// Stream `Ranged/main` with versions 1..=5 recorded at T0+1s, +2s, +3s, and +4s (v4 and v5,
/// one batch), interleaved with events of another stream. Returns the main stream's positions.
async fn ranged_fixture<S: EventStore>(store: &S, clock: &ManualClock) -> (StreamId, Vec<u64>) {
    let main = StreamId::new("Ranged", "main");
    let other = StreamId::new("Ranged", "other");
    let mut main_positions = Vec::new();
    for (second, n) in [(1, 1), (2, 2), (3, 3)] {
        main_positions.extend(append_at(store, clock, &main, &[(at(second), n)]).await);
        append_at(store, clock, &other, &[(at(second), 100 + n)]).await;
    }
    clock.set(at(4));
    let appended = append(
        store,
        &main,
        ExpectedVersion::Exactly(3),
        vec![numbered(4), numbered(5)],
    )
    .await;
    main_positions.extend(appended.positions);
    (main, main_positions)
}

pub(crate) async fn ranged_reads_by_version<S: EventStore>(store: &S, clock: &ManualClock) {
    let (main, _) = ranged_fixture(store, clock).await;
    let cases: [(StreamRange, &[u64]); 9] = [
        (StreamRange::all(), &[1, 2, 3, 4, 5]),
        (StreamRange::default(), &[1, 2, 3, 4, 5]),
        (StreamRange::all().from_version(2), &[2, 3, 4, 5]),
        (StreamRange::all().from_version(5), &[5]),
        (StreamRange::all().from_version(6), &[]),
        (StreamRange::all().to_version(3), &[1, 2, 3]),
        (StreamRange::all().to_version(0), &[]),
        (StreamRange::all().from_version(2).to_version(4), &[2, 3, 4]),
        (StreamRange::all().from_version(4).to_version(2), &[]),
    ];
    for (range, expected) in cases {
        let events = read(store, &main, range).await;
        assert_eq!(versions(&events), expected, "{range:?}");
        assert_eq!(
            numbers(&events),
            expected,
            "{range:?}: the main stream's events only"
        );
    }
}

pub(crate) async fn ranged_reads_until_instant<S: EventStore>(store: &S, clock: &ManualClock) {
    let (main, _) = ranged_fixture(store, clock).await;
    let one_micro = Duration::from_micros(1);
    let cases: [(Timestamp, &[u64]); 7] = [
        (at(0), &[]),
        (at(1).minus(one_micro), &[]),
        (at(1), &[1]),
        (at(2).minus(one_micro), &[1]),
        (at(2), &[1, 2]),
        (at(4), &[1, 2, 3, 4, 5]),
        (at(1000), &[1, 2, 3, 4, 5]),
    ];
    for (until, expected) in cases {
        let events = read(store, &main, StreamRange::all().until(until)).await;
        assert_eq!(versions(&events), expected, "until {until}");
    }
    let events = read(store, &main, StreamRange::all()).await;
    let times: Vec<_> = events.iter().map(|e| e.recorded_at).collect();
    assert_eq!(times, [at(1), at(2), at(3), at(4), at(4)]);
}

pub(crate) async fn ranged_reads_until_position<S: EventStore>(store: &S, clock: &ManualClock) {
    let (main, main_positions) = ranged_fixture(store, clock).await;
    for (i, &position) in main_positions.iter().enumerate() {
        let events = read(store, &main, StreamRange::all().until_position(position)).await;
        assert_eq!(
            versions(&events),
            (1..=i as u64 + 1).collect::<Vec<_>>(),
            "until_position {position}"
        );
    }
    // A position of the other stream between v2 and v3 cuts after v2.
    let everything = read_all(store, 0, 100).await;
    let between = everything
        .iter()
        .find(|e| {
            e.stream != main && e.position > main_positions[1] && e.position < main_positions[2]
        })
        .expect("an event of the other stream between v2 and v3")
        .position;
    let events = read(store, &main, StreamRange::all().until_position(between)).await;
    assert_eq!(versions(&events), [1, 2]);
    assert!(
        read(
            store,
            &main,
            StreamRange::all().until_position(main_positions[0] - 1)
        )
        .await
        .is_empty()
    );
    assert!(
        read(store, &main, StreamRange::all().until_position(0))
            .await
            .is_empty()
    );
}

pub(crate) async fn ranged_reads_combined<S: EventStore>(store: &S, clock: &ManualClock) {
    let (main, p) = ranged_fixture(store, clock).await;
    let cases: [(StreamRange, &[u64]); 6] = [
        (StreamRange::all().from_version(2).until(at(3)), &[2, 3]),
        (StreamRange::all().to_version(4).until(at(4)), &[1, 2, 3, 4]),
        (
            StreamRange::all()
                .from_version(2)
                .to_version(4)
                .until(at(3)),
            &[2, 3],
        ),
        (
            StreamRange::all().until(at(4)).until_position(p[2]),
            &[1, 2, 3],
        ),
        (
            StreamRange::all().until(at(2)).until_position(p[3]),
            &[1, 2],
        ),
        (
            StreamRange::all()
                .from_version(2)
                .to_version(5)
                .until(at(4))
                .until_position(p[3]),
            &[2, 3, 4],
        ),
    ];
    for (range, expected) in cases {
        assert_eq!(
            versions(&read(store, &main, range).await),
            expected,
            "{range:?}"
        );
    }
}

/// The clock steps back between two appends to one stream (an NTP correction, or writers on
/// machines whose clocks disagree): T0+10s, T0+30s, T0+20s.
///
/// The contract does not say what is recorded then. `PostgresStore` never lets a stream's
/// times go backwards (v3 is recorded at T0+30s), so a read `until` an instant is a prefix of
/// the stream, which is what `AsOf::Instant` needs; this case takes that as the contract.
/// `MemoryStore` and `SqliteStore` record T0+20s, and `until(T0+25s)` returns v1 and v3
/// without v2.
pub(crate) async fn recorded_times_never_go_back_in_a_stream<S: EventStore>(
    store: &S,
    clock: &ManualClock,
) {
    let stream = StreamId::new("Clock", "stepped-back");
    for (second, n) in [(10, 1), (30, 2), (20, 3)] {
        clock.set(at(second));
        append(store, &stream, ExpectedVersion::Any, vec![numbered(n)]).await;
    }
    // Another stream keeps its own time.
    let other = StreamId::new("Clock", "other");
    let appended = append(store, &other, ExpectedVersion::Any, vec![numbered(4)]).await;
    assert_eq!(appended.recorded_at, at(20));

    let events = read(store, &stream, StreamRange::all()).await;
    let times: Vec<_> = events.iter().map(|e| e.recorded_at).collect();
    assert!(
        times.windows(2).all(|pair| pair[0] <= pair[1]),
        "a stream's recorded times go backwards: {times:?}"
    );
    let until = read(store, &stream, StreamRange::all().until(at(25))).await;
    assert_eq!(
        versions(&until),
        [1],
        "`until` cuts the stream at one version"
    );
}

/// The largest values of every numeric argument are valid input, never a backend error.
pub(crate) async fn extreme_bounds<S: EventStore>(store: &S) {
    let stream = StreamId::new("Bounds", "1");
    let appended = append(
        store,
        &stream,
        ExpectedVersion::Any,
        vec![numbered(1), numbered(2)],
    )
    .await;
    let last = appended.positions[1];

    assert_eq!(
        read_all(store, 0, usize::MAX).await.len(),
        2,
        "read_all(0, usize::MAX)"
    );
    assert!(
        read_all(store, u64::MAX, 10).await.is_empty(),
        "read_all(u64::MAX, 10)"
    );
    assert!(read_all(store, u64::MAX - 1, usize::MAX).await.is_empty());
    let cases: [(StreamRange, &[u64]); 7] = [
        (StreamRange::all().to_version(u64::MAX), &[1, 2]),
        (StreamRange::all().from_version(u64::MAX), &[]),
        (StreamRange::all().until_position(u64::MAX), &[1, 2]),
        (
            StreamRange::all().until(Timestamp::from_micros(i64::MAX)),
            &[1, 2],
        ),
        (
            StreamRange::all().until(Timestamp::from_micros(i64::MIN)),
            &[],
        ),
        (StreamRange::all().from_version(0), &[1, 2]),
        (StreamRange::all().until_position(last), &[1, 2]),
    ];
    for (range, expected) in cases {
        assert_eq!(
            versions(&read(store, &stream, range).await),
            expected,
            "{range:?}"
        );
    }
    assert_conflict(
        store
            .append(
                &stream,
                ExpectedVersion::Exactly(u64::MAX),
                vec![numbered(3)],
            )
            .await,
        &stream,
        ExpectedVersion::Exactly(u64::MAX),
        2,
    );
    assert_eq!(
        store
            .load_snapshot(&stream, u64::MAX)
            .await
            .expect("load_snapshot(u64::MAX)"),
        None
    );
    store
        .save_snapshot(Snapshot {
            stream: stream.clone(),
            version: 2,
            schema_version: u32::MAX,
            state: "{}".to_owned(),
            taken_at: Timestamp::from_micros(i64::MAX),
        })
        .await
        .expect("save a snapshot with extreme fields");
    let loaded = store
        .load_snapshot(&stream, u64::MAX)
        .await
        .expect("load_snapshot(u64::MAX)")
        .expect("the snapshot");
    assert_eq!(loaded.schema_version, u32::MAX);
    assert_eq!(loaded.taken_at, Timestamp::from_micros(i64::MAX));
}

// ---------------------------------------------------------------------------------------------
// Tags.

pub(crate) async fn tags<S: EventStore>(store: &S) {
    let stream = StreamId::new("Tagged", "1");
    let first = append(
        store,
        &stream,
        ExpectedVersion::Any,
        vec![numbered(1), numbered(2)],
    )
    .await;
    store
        .create_tag("release-1", first.positions[1])
        .await
        .expect("create a tag");
    let second = append(store, &stream, ExpectedVersion::Any, vec![numbered(3)]).await;
    assert_eq!(
        store.tag_position("release-1").await.expect("tag_position"),
        Some(first.positions[1])
    );

    // Immutable: neither another position nor the same one may be given again.
    for position in [second.positions[0], first.positions[1], 0] {
        match store.create_tag("release-1", position).await {
            Err(StoreError::TagExists {
                tag,
                position: existing,
            }) => {
                assert_eq!(tag, "release-1");
                assert_eq!(
                    existing, first.positions[1],
                    "TagExists reports the tagged position"
                );
            }
            other => panic!("re-tagging must be TagExists, got {other:?}"),
        }
    }
    assert_eq!(
        store.tag_position("release-1").await.expect("tag_position"),
        Some(first.positions[1]),
        "a refused re-tag changes nothing"
    );

    // Unknown, near-miss and hostile names.
    assert_eq!(
        store.tag_position("release-2").await.expect("tag_position"),
        None
    );
    assert_eq!(
        store.tag_position("Release-1").await.expect("tag_position"),
        None,
        "case-sensitive"
    );
    assert_eq!(
        store
            .tag_position("release-1 ")
            .await
            .expect("tag_position"),
        None
    );
    let hostile = [
        "",
        "'; DROP TABLE tags; --",
        "quote\"d",
        "ünïcødé 🏷️",
        "%",
        "_",
    ];
    for (i, tag) in hostile.iter().enumerate() {
        store
            .create_tag(tag, i as u64)
            .await
            .unwrap_or_else(|e| panic!("tag {tag:?}: {e:?}"));
    }
    for (i, tag) in hostile.iter().enumerate() {
        assert_eq!(
            store.tag_position(tag).await.expect("tag_position"),
            Some(i as u64),
            "{tag:?}"
        );
    }
    // LIKE wildcards are not wildcards.
    assert_eq!(
        store.tag_position("release_1").await.expect("tag_position"),
        None
    );
    // Tags do not touch events.
    assert_eq!(numbers(&read_all(store, 0, 10).await), [1, 2, 3]);
}

// ---------------------------------------------------------------------------------------------
// Snapshots.

fn snapshot(stream: &StreamId, version: u64, state: &str) -> Snapshot {
    Snapshot {
        stream: stream.clone(),
        version,
        schema_version: 1,
        state: state.to_owned(),
        taken_at: T0.plus(Duration::from_secs(version)),
    }
}

async fn load_snapshot<S: EventStore>(store: &S, stream: &StreamId, max: u64) -> Option<Snapshot> {
    store
        .load_snapshot(stream, max)
        .await
        .unwrap_or_else(|e| panic!("load_snapshot `{stream}` {max}: {e:?}"))
}

async fn save_snapshot<S: EventStore>(store: &S, snapshot: Snapshot) {
    store
        .save_snapshot(snapshot)
        .await
        .unwrap_or_else(|e| panic!("save_snapshot: {e:?}"));
}

pub(crate) async fn snapshots_latest_at_most<S: EventStore>(store: &S) {
    let stream = StreamId::new("Snap", "1");
    // Saved out of order on purpose.
    for version in [6, 3, 9] {
        save_snapshot(
            store,
            snapshot(&stream, version, &format!(r#"{{"at":{version}}}"#)),
        )
        .await;
    }
    let cases: [(u64, Option<u64>); 9] = [
        (0, None),
        (2, None),
        (3, Some(3)),
        (5, Some(3)),
        (6, Some(6)),
        (8, Some(6)),
        (9, Some(9)),
        (10, Some(9)),
        (u64::MAX, Some(9)),
    ];
    for (max, expected) in cases {
        let found = load_snapshot(store, &stream, max).await;
        assert_eq!(
            found.as_ref().map(|s| s.version),
            expected,
            "max_version {max}"
        );
        if let Some(found) = found {
            assert_eq!(
                found,
                snapshot(
                    &stream,
                    found.version,
                    &format!(r#"{{"at":{}}}"#, found.version)
                )
            );
        }
    }
}

pub(crate) async fn snapshots_replace_same_version<S: EventStore>(store: &S) {
    let stream = StreamId::new("Snap", "replace");
    save_snapshot(store, snapshot(&stream, 4, "\"old\"")).await;
    save_snapshot(store, snapshot(&stream, 2, "\"older\"")).await;
    let replacement = Snapshot {
        stream: stream.clone(),
        version: 4,
        schema_version: 2,
        state: "\"new\" ünï".to_owned(),
        taken_at: at(99),
    };
    save_snapshot(store, replacement.clone()).await;
    assert_eq!(
        load_snapshot(store, &stream, 4).await,
        Some(replacement.clone())
    );
    assert_eq!(
        load_snapshot(store, &stream, u64::MAX).await,
        Some(replacement)
    );
    assert_eq!(
        load_snapshot(store, &stream, 3).await,
        Some(snapshot(&stream, 2, "\"older\"")),
        "replacing one version leaves the others"
    );
}

pub(crate) async fn snapshots_isolated_by_stream<S: EventStore>(store: &S) {
    let a = StreamId::new("Snap", "a");
    let b = StreamId::new("Snap", "b");
    let a_elsewhere = StreamId::new("Other", "a");
    // Streams whose `category/id` renderings coincide.
    let slash_1 = StreamId::new("x/y", "z");
    let slash_2 = StreamId::new("x", "y/z");
    save_snapshot(store, snapshot(&a, 5, "\"a5\"")).await;
    assert_eq!(load_snapshot(store, &b, u64::MAX).await, None);
    assert_eq!(load_snapshot(store, &a_elsewhere, u64::MAX).await, None);
    save_snapshot(store, snapshot(&b, 5, "\"b5\"")).await;
    save_snapshot(store, snapshot(&b, 7, "\"b7\"")).await;
    save_snapshot(store, snapshot(&slash_1, 1, "\"s1\"")).await;
    save_snapshot(store, snapshot(&slash_2, 1, "\"s2\"")).await;
    assert_eq!(
        load_snapshot(store, &a, u64::MAX).await,
        Some(snapshot(&a, 5, "\"a5\""))
    );
    assert_eq!(
        load_snapshot(store, &b, u64::MAX).await,
        Some(snapshot(&b, 7, "\"b7\""))
    );
    assert_eq!(
        load_snapshot(store, &b, 6).await,
        Some(snapshot(&b, 5, "\"b5\""))
    );
    assert_eq!(load_snapshot(store, &a_elsewhere, u64::MAX).await, None);
    assert_eq!(
        load_snapshot(store, &slash_1, 1).await,
        Some(snapshot(&slash_1, 1, "\"s1\""))
    );
    assert_eq!(
        load_snapshot(store, &slash_2, 1).await,
        Some(snapshot(&slash_2, 1, "\"s2\""))
    );
    // Snapshots are not events.
    assert!(read_all(store, 0, 10).await.is_empty());
    assert_eq!(version_of(store, &a).await, 0);
}

// ---------------------------------------------------------------------------------------------
// Upcasting and bad rows, read through a repository.

/// An amount of money: schema v2 of `meter.coin-inserted` carries one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Money {
    pub(crate) cents: u64,
    pub(crate) currency: String,
}

/// A coin went in. Schema v1 was `{"cents": 50}`; v2 is `{"amount": {"cents": 50, "currency": "EUR"}}`.
#[derive(Event, Debug, Clone, PartialEq, Serialize, Deserialize)]
#[event(name = "meter.coin-inserted", version = 2)]
pub(crate) struct CoinInserted {
    pub(crate) amount: Money,
}

/// The meter was emptied.
#[derive(Event, Debug, Clone, PartialEq, Serialize, Deserialize)]
#[event(name = "meter.emptied")]
pub(crate) struct Emptied;

/// What a filled meter holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Filled {
    pub(crate) cents: u64,
}

/// A parking meter: the smallest aggregate with an evolved event schema.
#[aggregate(events(CoinInserted, Emptied))]
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Meter {
    /// Nothing inside.
    #[initial]
    #[on(CoinInserted => Filled)]
    Empty,
    /// Coins inside.
    #[on(CoinInserted => Filled, Emptied => Empty)]
    Filled(Filled),
}

#[aggregate]
impl Meter {
    fn first_coin(_: Empty, event: &CoinInserted) -> Filled {
        Filled {
            cents: event.amount.cents,
        }
    }

    fn more_coins(state: Filled, event: &CoinInserted) -> Filled {
        Filled {
            cents: state.cents + event.amount.cents,
        }
    }

    fn empty(_: Filled, _: &Emptied) -> Empty {
        Empty
    }
}

fn v1_coin(cents: u64) -> NewEvent {
    NewEvent::new(
        "meter.coin-inserted",
        1,
        format!(r#"{{"cents":{cents}}}"#),
        Metadata::new(),
    )
}

fn v2_coin(cents: u64) -> NewEvent {
    NewEvent::new(
        "meter.coin-inserted",
        2,
        format!(r#"{{"amount":{{"cents":{cents},"currency":"EUR"}}}}"#),
        Metadata::new(),
    )
}

fn emptied() -> NewEvent {
    NewEvent::new("meter.emptied", 1, "null", Metadata::new())
}

/// v1 -> v2 of `meter.coin-inserted`.
fn meter_upcasters() -> Upcasters {
    Upcasters::new().register("meter.coin-inserted", 1, |mut v| {
        let cents = v
            .get_mut("cents")
            .map(serde_json::Value::take)
            .ok_or("no `cents`")?;
        Ok(serde_json::json!({ "amount": { "cents": cents, "currency": "EUR" } }))
    })
}

/// Asserts that `result` is a decode error at `version` of `Meter/<id>`, and returns it.
fn expect_decode<T: std::fmt::Debug, E: std::fmt::Debug>(
    result: Result<T, RepositoryError<E>>,
    id: &str,
    version: u64,
) -> DecodeError {
    match result {
        Err(RepositoryError::Decode(error)) => {
            assert_eq!(
                error.stream,
                format!("Meter/{id}"),
                "names the stream: {error}"
            );
            assert_eq!(error.version, version, "names the version: {error}");
            let message = error.to_string();
            assert!(message.contains(&format!("Meter/{id}")), "{message}");
            assert!(message.contains(&format!("version {version}")), "{message}");
            error
        }
        other => {
            panic!("expected a decode error at version {version} of Meter/{id}, got {other:?}")
        }
    }
}

pub(crate) async fn upcasting<S: EventStore + 'static>(store: Arc<S>) {
    let stream = StreamId::new("Meter", "m-1");
    append(
        &*store,
        &stream,
        ExpectedVersion::NoStream,
        vec![v1_coin(50), v2_coin(20), v1_coin(5)],
    )
    .await;
    let repository =
        Repository::<Meter, _>::new(Arc::clone(&store)).with_upcasters(meter_upcasters());
    let loaded = repository
        .load("m-1")
        .await
        .expect("load through upcasters");
    assert_eq!(loaded.state, Meter::Filled(Filled { cents: 75 }));
    assert_eq!(loaded.version, 3);

    let history = repository
        .history("m-1", StreamRange::all())
        .await
        .expect("history");
    let events: Vec<_> = history.iter().map(|r| r.event.clone()).collect();
    let eur = |cents| {
        MeterEvent::from(CoinInserted {
            amount: Money {
                cents,
                currency: "EUR".to_owned(),
            },
        })
    };
    assert_eq!(events, [eur(50), eur(20), eur(5)]);
    // The envelope keeps the row as stored.
    assert_eq!(history[0].envelope.schema_version, 1);
    assert_same_json(&history[0].envelope.payload, r#"{"cents":50}"#);
    assert_eq!(history[1].envelope.schema_version, 2);

    // As of a version in the middle.
    let then = repository
        .load_as_of("m-1", AsOf::Version(1))
        .await
        .expect("as of v1");
    assert_eq!(then.state, Meter::Filled(Filled { cents: 50 }));
}

pub(crate) async fn upcasting_failures<S: EventStore + 'static>(store: Arc<S>) {
    // No upcaster registered.
    append(
        &*store,
        &StreamId::new("Meter", "bare"),
        ExpectedVersion::NoStream,
        vec![v2_coin(1), v1_coin(50)],
    )
    .await;
    let bare = Repository::<Meter, _>::new(Arc::clone(&store));
    let error = expect_decode(bare.load("bare").await, "bare", 2);
    assert_eq!(error.name, "meter.coin-inserted");
    assert_eq!(error.schema_version, 1);
    assert!(error.reason.contains("no upcaster"), "{error}");
    expect_decode(bare.history("bare", StreamRange::all()).await, "bare", 2);
    // Up to v1 it still loads.
    assert_eq!(
        bare.load_as_of("bare", AsOf::Version(1))
            .await
            .expect("v1 is current")
            .state,
        Meter::Filled(Filled { cents: 1 })
    );

    let upcast = Repository::<Meter, _>::new(Arc::clone(&store)).with_upcasters(meter_upcasters());
    // Stored by a newer schema than this build knows.
    let newer = NewEvent::new(
        "meter.coin-inserted",
        3,
        r#"{"amount":{"cents":1,"currency":"EUR"},"note":"v3"}"#,
        Metadata::new(),
    );
    append(
        &*store,
        &StreamId::new("Meter", "newer"),
        ExpectedVersion::NoStream,
        vec![newer],
    )
    .await;
    let error = expect_decode(upcast.load("newer").await, "newer", 1);
    assert_eq!(error.schema_version, 3);
    assert!(error.reason.contains("newer"), "{error}");

    // The upcaster refuses the old payload.
    let odd = NewEvent::new(
        "meter.coin-inserted",
        1,
        r#"{"pennies":5}"#,
        Metadata::new(),
    );
    append(
        &*store,
        &StreamId::new("Meter", "odd"),
        ExpectedVersion::NoStream,
        vec![odd],
    )
    .await;
    let error = expect_decode(upcast.load("odd").await, "odd", 1);
    assert!(error.reason.contains("no `cents`"), "{error}");

    // The upcaster's output does not fit v2.
    let bad_step = Upcasters::new().register("meter.coin-inserted", 1, Ok);
    let wrong = Repository::<Meter, _>::new(Arc::clone(&store)).with_upcasters(bad_step);
    append(
        &*store,
        &StreamId::new("Meter", "wrong"),
        ExpectedVersion::NoStream,
        vec![v1_coin(5)],
    )
    .await;
    let error = expect_decode(wrong.load("wrong").await, "wrong", 1);
    assert!(error.reason.contains("does not match"), "{error}");
}

pub(crate) async fn unknown_event_name<S: EventStore + 'static>(store: Arc<S>) {
    let stream = StreamId::new("Meter", "u-1");
    let refunded = NewEvent::new("meter.refunded", 1, r#"{"cents":5}"#, Metadata::new());
    append(
        &*store,
        &stream,
        ExpectedVersion::NoStream,
        vec![v2_coin(5), refunded],
    )
    .await;
    let repository =
        Repository::<Meter, _>::new(Arc::clone(&store)).with_upcasters(meter_upcasters());
    let error = expect_decode(repository.load("u-1").await, "u-1", 2);
    assert_eq!(error.name, "meter.refunded");
    assert!(
        error.reason.contains("meter.coin-inserted"),
        "lists the known names: {error}"
    );
    expect_decode(
        repository.history("u-1", StreamRange::all()).await,
        "u-1",
        2,
    );
    // The Rust type name is not a stored name.
    let by_type = NewEvent::new("Emptied", 1, "null", Metadata::new());
    append(
        &*store,
        &StreamId::new("Meter", "u-2"),
        ExpectedVersion::NoStream,
        vec![by_type],
    )
    .await;
    expect_decode(repository.load("u-2").await, "u-2", 1);
}

pub(crate) async fn corrupt_payloads<S: EventStore + 'static>(store: Arc<S>) {
    let repository =
        Repository::<Meter, _>::new(Arc::clone(&store)).with_upcasters(meter_upcasters());
    let bad: [(&str, NewEvent); 7] = [
        (
            "not-json-v2",
            NewEvent::new(
                "meter.coin-inserted",
                2,
                "this is not JSON",
                Metadata::new(),
            ),
        ),
        (
            "not-json-v1",
            NewEvent::new("meter.coin-inserted", 1, "{cents: 5", Metadata::new()),
        ),
        (
            "wrong-shape",
            NewEvent::new(
                "meter.coin-inserted",
                2,
                r#"{"amount":"lots"}"#,
                Metadata::new(),
            ),
        ),
        (
            "missing-field",
            NewEvent::new(
                "meter.coin-inserted",
                2,
                r#"{"amount":{"cents":5}}"#,
                Metadata::new(),
            ),
        ),
        (
            "trailing",
            NewEvent::new(
                "meter.coin-inserted",
                2,
                r#"{"amount":{"cents":5,"currency":"EUR"}} x"#,
                Metadata::new(),
            ),
        ),
        (
            "empty",
            NewEvent::new("meter.coin-inserted", 2, "", Metadata::new()),
        ),
        (
            "unit-with-data",
            NewEvent::new("meter.emptied", 1, r#"{"surprise":true}"#, Metadata::new()),
        ),
    ];
    for (id, row) in bad {
        let stream = StreamId::new("Meter", id);
        let payload = row.payload.clone();
        // The unit event `Emptied` needs a filled meter first, so that a decode error (not a
        // replay error) is what stops the load.
        match store
            .append(&stream, ExpectedVersion::NoStream, vec![v2_coin(1), row])
            .await
        {
            Ok(_) => {
                expect_decode(repository.load(id).await, id, 2);
                let stored = &read(&*store, &stream, StreamRange::all()).await[1].payload;
                if serde_json::from_str::<serde_json::Value>(&payload).is_ok() {
                    // JSON comes back as the same value (not necessarily the same text).
                    assert_same_json(stored, &payload);
                } else {
                    assert_eq!(stored, &payload, "{id}: kept as written");
                }
            }
            // Every store refuses a payload that is not JSON, with a typed error, and stores
            // nothing of the batch.
            Err(error) => {
                assert!(
                    matches!(error, StoreError::InvalidInput { .. }),
                    "{id}: {error:?}"
                );
                assert!(
                    serde_json::from_str::<serde_json::Value>(&payload).is_err(),
                    "{id}: the store refused valid JSON {payload:?}: {error}"
                );
                assert_eq!(
                    version_of(&*store, &stream).await,
                    0,
                    "{id}: nothing stored"
                );
            }
        }
    }
}

pub(crate) async fn illegal_sequence<S: EventStore + 'static>(store: Arc<S>) {
    let repository = Repository::<Meter, _>::new(Arc::clone(&store));
    // Emptied in Empty, at version 1 and at version 3.
    append(
        &*store,
        &StreamId::new("Meter", "i-1"),
        ExpectedVersion::NoStream,
        vec![emptied()],
    )
    .await;
    append(
        &*store,
        &StreamId::new("Meter", "i-3"),
        ExpectedVersion::NoStream,
        vec![v2_coin(5), emptied(), emptied(), v2_coin(1)],
    )
    .await;
    for (id, version) in [("i-1", 1), ("i-3", 3)] {
        match repository.load(id).await {
            Err(RepositoryError::Replay(error)) => {
                assert_eq!(
                    error.stream.as_deref(),
                    Some(format!("Meter/{id}").as_str())
                );
                assert_eq!(error.version, version);
                assert_eq!(error.transition.aggregate, "Meter");
                assert_eq!(error.transition.state, "Empty");
                assert_eq!(error.transition.event, "Emptied");
                let message = error.to_string();
                for part in [
                    &format!("Meter/{id}"),
                    &format!("#{version}"),
                    "Empty",
                    "Emptied",
                ] {
                    assert!(message.contains(part), "{message:?} names {part:?}");
                }
            }
            other => {
                panic!("expected a replay error at version {version} of Meter/{id}, got {other:?}")
            }
        }
    }
    // Before the illegal event the history is fine.
    assert_eq!(
        repository
            .load_as_of("i-3", AsOf::Version(2))
            .await
            .expect("legal prefix")
            .state,
        Meter::Empty
    );
}

// ---------------------------------------------------------------------------------------------
// Hostile input.

fn hostile_streams() -> Vec<StreamId> {
    let long = "x".repeat(10_000);
    let parts = [
        "plain",
        "",
        "quote\"d",
        "it's",
        "'; DROP TABLE events; --",
        "\"; DROP TABLE events; --",
        "ünïcødé 🦀 中文 עברית",
        "back\\slash",
        "new\nline\ttab",
        "%_*?",
        " padded ",
        "Plain",
        long.as_str(),
    ];
    let mut streams = Vec::new();
    for category in parts {
        for id in parts {
            streams.push(StreamId::new(category, id));
        }
    }
    // `category/id` renderings that coincide, and a long id that differs only at the end.
    streams.push(StreamId::new("a/b", "c"));
    streams.push(StreamId::new("a", "b/c"));
    streams.push(StreamId::new("a", "b/c "));
    streams.push(StreamId::new("plain", format!("{long}y")));
    streams
}

pub(crate) async fn hostile_ids<S: EventStore>(store: &S) {
    let streams = hostile_streams();
    let unique: BTreeSet<_> = streams.iter().collect();
    assert_eq!(
        unique.len(),
        streams.len(),
        "the fixture's streams are distinct"
    );
    for (i, stream) in streams.iter().enumerate() {
        let appended = store
            .append(stream, ExpectedVersion::NoStream, vec![numbered(i as u64)])
            .await
            .unwrap_or_else(|e| panic!("append to {:?}: {e:?}", short(stream)));
        assert_eq!(appended.version, 1, "{:?} is a new stream", short(stream));
    }
    for (i, stream) in streams.iter().enumerate() {
        let events = read(store, stream, StreamRange::all()).await;
        assert_eq!(
            numbers(&events),
            [i as u64],
            "{:?} reads back its own event only",
            short(stream)
        );
        assert_eq!(
            &events[0].stream, stream,
            "the stream id is returned verbatim"
        );
        assert_eq!(version_of(store, stream).await, 1);
    }
    let all = read_all(store, 0, 100_000).await;
    assert_eq!(all.len(), streams.len());
    for (i, event) in all.iter().enumerate() {
        assert_eq!(
            event.stream, streams[i],
            "read_all returns stream ids verbatim"
        );
    }
    // The tables are still there.
    append(
        store,
        &StreamId::new("after", "injection"),
        ExpectedVersion::NoStream,
        vec![numbered(0)],
    )
    .await;
}

/// A NUL character is a valid Rust string character; `StreamId` allows any string.
pub(crate) async fn nul_in_ids<S: EventStore>(store: &S) {
    // PostgreSQL text cannot hold NUL, so no store accepts it: the same typed error everywhere,
    // and nothing is written.
    let streams = [
        StreamId::new("nul\0category", "id"),
        StreamId::new("nul", "\0"),
        StreamId::new("nul", "a\0b"),
    ];
    for stream in &streams {
        let error = store
            .append(stream, ExpectedVersion::NoStream, vec![numbered(0)])
            .await
            .unwrap_err();
        assert!(
            matches!(&error, StoreError::InvalidInput { stream: s, .. } if s == stream),
            "{stream:?}: {error:?}"
        );
        assert_eq!(version_of(store, stream).await, 0, "{stream:?}");
    }
    // The empty string is an ordinary id.
    let empty = StreamId::new("nul", "");
    append(store, &empty, ExpectedVersion::NoStream, vec![numbered(7)]).await;
    assert_eq!(numbers(&read(store, &empty, StreamRange::all()).await), [7]);
}

/// Payloads whose text a store might normalize: key order, spacing, escapes, number
/// spellings.
const TRICKY_PAYLOADS: [&str; 7] = [
    r#"{"b":1,"a":2}"#,
    r#"{ "spaced" : [ 1 , 2 ] }"#,
    r#"{"n":1.0,"big":12345678901234567890123,"e":-0.5}"#,
    r#""\u00e9 and é and \ud83e\udd80""#,
    r#"{"nested":{"z":[{"y":null,"x":true}]}}"#,
    "null",
    "  [1,  2 ]  ",
];

/// Asserts that two JSON texts are the same JSON value.
fn assert_same_json(actual: &str, expected: &str) {
    let parse = |text: &str| {
        serde_json::from_str::<serde_json::Value>(text)
            .unwrap_or_else(|e| panic!("{text:?} is not JSON: {e}"))
    };
    assert_eq!(parse(actual), parse(expected), "{actual:?} vs {expected:?}");
}

async fn append_payloads<S: EventStore>(
    store: &S,
    stream: &StreamId,
    payloads: &[&str],
) -> Vec<String> {
    let batch = payloads
        .iter()
        .map(|p| NewEvent::new("test.payload", 1, *p, Metadata::new()))
        .collect();
    append(store, stream, ExpectedVersion::NoStream, batch).await;
    read(store, stream, StreamRange::all())
        .await
        .into_iter()
        .map(|e| e.payload)
        .collect()
}

/// Payloads come back as the same JSON value.
pub(crate) async fn payload_json_value<S: EventStore>(store: &S) {
    let stream = StreamId::new("Payload", "value");
    let read_back = append_payloads(store, &stream, &TRICKY_PAYLOADS).await;
    assert_eq!(read_back.len(), TRICKY_PAYLOADS.len());
    for (actual, expected) in read_back.iter().zip(TRICKY_PAYLOADS) {
        assert_same_json(actual, expected);
    }
}

/// Payloads come back as the same text: `RecordedEvent::payload` is "the payload as JSON
/// text, as stored".
pub(crate) async fn payload_text_verbatim<S: EventStore>(store: &S) {
    let mut payloads = TRICKY_PAYLOADS.to_vec();
    payloads.push(r#"{"dup":1,"dup":2}"#);
    let read_back = append_payloads(store, &StreamId::new("Payload", "verbatim"), &payloads).await;
    assert_eq!(read_back, payloads);
}

/// `serde_json` writes a NUL character of a string field as `\u0000`: an event whose text
/// holds one (a pasted form field, say) must be storable.
pub(crate) async fn payload_with_escaped_nul<S: EventStore>(store: &S) {
    let text = "before\0after";
    let payload = serde_json::to_string(&serde_json::json!({ "note": text })).expect("JSON");
    assert!(payload.contains(r"\u0000"), "{payload}");
    let read_back = append_payloads(store, &StreamId::new("Payload", "nul"), &[&payload]).await;
    assert_same_json(&read_back[0], &payload);
    let value: serde_json::Value = serde_json::from_str(&read_back[0]).expect("JSON");
    assert_eq!(value["note"], text);
}

fn short(stream: &StreamId) -> String {
    let text = format!("{stream:?}");
    if text.len() > 120 {
        format!("{}... ({} chars)", &text[..100], text.len())
    } else {
        text
    }
}

pub(crate) async fn large_payload<S: EventStore>(store: &S) {
    let stream = StreamId::new("Large", "1");
    let big_string: String = "0123456789abcdef\u{e9}\u{1f980}\"\\"
        .chars()
        .cycle()
        .take(1 << 20)
        .collect();
    let payload = serde_json::to_string(&big_string).expect("JSON");
    assert!(payload.len() > 1 << 20);
    let metadata = Metadata::new().with("big", "y".repeat(100_000));
    let event = NewEvent::new("test.large", 1, payload.clone(), metadata.clone());
    append(
        store,
        &stream,
        ExpectedVersion::NoStream,
        vec![event, numbered(1)],
    )
    .await;
    let events = read(store, &stream, StreamRange::all()).await;
    assert_eq!(events.len(), 2);
    assert_eq!(events[0].payload.len(), payload.len());
    assert!(
        events[0].payload == payload,
        "the 1 MB payload round-trips byte for byte"
    );
    assert_eq!(events[0].metadata, metadata);
    let decoded: String = serde_json::from_str(&events[0].payload).expect("still JSON");
    assert!(decoded == big_string);
    assert_eq!(read_all(store, 0, 10).await.len(), 2);
}

// ---------------------------------------------------------------------------------------------
// Concurrency.

/// How long a concurrency case may take before it counts as hung.
const PATIENCE: Duration = Duration::from_secs(120);

/// `writer`'s `i`-th event.
fn by_writer(writer: u64, i: u64) -> NewEvent {
    numbered(writer * 1000 + i)
}

pub(crate) async fn concurrent_writers_one_stream<S: EventStore + 'static>(store: Arc<S>) {
    const WRITERS: u64 = 8;
    const EACH: u64 = 10;
    let stream = StreamId::new("Contended", "one");
    let mut tasks = Vec::new();
    for writer in 0..WRITERS {
        let store = Arc::clone(&store);
        let stream = stream.clone();
        tasks.push(tokio::spawn(async move {
            let mut conflicts = 0u64;
            for i in 0..EACH {
                loop {
                    let current = version_of(&*store, &stream).await;
                    // Let the others run between the read and the append, so that writers
                    // interleave even on a store whose calls never wait.
                    tokio::task::yield_now().await;
                    let expected = ExpectedVersion::Exactly(current);
                    match store
                        .append(&stream, expected, vec![by_writer(writer, i)])
                        .await
                    {
                        Ok(appended) => {
                            assert_eq!(appended.version, current + 1);
                            break;
                        }
                        Err(StoreError::Conflict {
                            stream: s,
                            expected: e,
                            actual,
                        }) => {
                            assert_eq!(s, stream);
                            assert_eq!(e, expected);
                            assert!(
                                actual > current,
                                "a conflict means the stream moved on: {actual} vs {current}"
                            );
                            conflicts += 1;
                            assert!(conflicts < 100_000, "writer {writer} starved");
                            tokio::task::yield_now().await;
                        }
                        Err(other) => panic!(
                            "writer {writer}: only conflicts may fail an append, got {other:?}"
                        ),
                    }
                }
            }
            conflicts
        }));
    }
    let conflicts = tokio::time::timeout(PATIENCE, async {
        let mut conflicts = 0;
        for task in tasks {
            conflicts += task.await.expect("writer task");
        }
        conflicts
    })
    .await
    .expect("writers finish");
    eprintln!("concurrent_writers_one_stream: {conflicts} conflicts retried");
    let events = read(&*store, &stream, StreamRange::all()).await;
    assert_eq!(
        versions(&events),
        (1..=WRITERS * EACH).collect::<Vec<_>>(),
        "gap-free, no duplicates"
    );
    let written: BTreeSet<_> = numbers(&events).into_iter().collect();
    let expected: BTreeSet<_> = (0..WRITERS)
        .flat_map(|w| (0..EACH).map(move |i| w * 1000 + i))
        .collect();
    assert_eq!(
        written, expected,
        "every write present exactly once ({conflicts} conflicts retried)"
    );
    assert_eq!(events.len() as u64, WRITERS * EACH);
    // Each writer's events are in its own order.
    for writer in 0..WRITERS {
        let own: Vec<_> = numbers(&events)
            .into_iter()
            .filter(|n| n / 1000 == writer)
            .collect();
        assert_eq!(
            own,
            (0..EACH).map(|i| writer * 1000 + i).collect::<Vec<_>>()
        );
    }
    assert_strictly_increasing(&positions(&events), "positions");
}

pub(crate) async fn concurrent_writers_many_streams<S: EventStore + 'static>(store: Arc<S>) {
    const WRITERS: u64 = 8;
    const EACH: u64 = 10;
    let mut tasks = Vec::new();
    for writer in 0..WRITERS {
        let store = Arc::clone(&store);
        tasks.push(tokio::spawn(async move {
            let stream = StreamId::new("Parallel", writer.to_string());
            let mut positions = Vec::new();
            for i in 0..EACH {
                // Alternate single events and pairs, always with the exact version.
                let batch = if i % 2 == 0 {
                    vec![by_writer(writer, 2 * i)]
                } else {
                    vec![by_writer(writer, 2 * i), by_writer(writer, 2 * i + 1)]
                };
                let current = version_of(&*store, &stream).await;
                let appended = store
                    .append(&stream, ExpectedVersion::Exactly(current), batch)
                    .await
                    .unwrap_or_else(|e| panic!("writer {writer}, alone on its stream: {e:?}"));
                positions.extend(appended.positions);
            }
            positions
        }));
    }
    let mut returned = Vec::new();
    tokio::time::timeout(PATIENCE, async {
        for task in tasks {
            returned.extend(task.await.expect("writer task"));
        }
    })
    .await
    .expect("writers finish");
    let per_writer = EACH / 2 + EACH; // singles + pairs
    for writer in 0..WRITERS {
        let stream = StreamId::new("Parallel", writer.to_string());
        let events = read(&*store, &stream, StreamRange::all()).await;
        assert_eq!(versions(&events), (1..=per_writer).collect::<Vec<_>>());
        let expected: Vec<_> = (0..EACH)
            .flat_map(|i| {
                if i % 2 == 0 {
                    vec![2 * i]
                } else {
                    vec![2 * i, 2 * i + 1]
                }
            })
            .map(|n| writer * 1000 + n)
            .collect();
        assert_eq!(numbers(&events), expected);
    }
    let all = read_all(&*store, 0, 100_000).await;
    assert_eq!(all.len() as u64, WRITERS * per_writer);
    assert_strictly_increasing(&positions(&all), "read_all positions");
    returned.sort_unstable();
    assert_eq!(
        positions(&all),
        returned,
        "append returned exactly the stored positions"
    );
    assert_eq!(head(&*store).await, *returned.last().unwrap());
}

pub(crate) async fn tailing_reader<S: EventStore + 'static>(store: Arc<S>) {
    const WRITERS: u64 = 4;
    const BATCHES: u64 = 25;
    // Batches of 1, 2 and 3 events, to a stream of the writer's own and to a shared one.
    let total: u64 = WRITERS * (0..BATCHES).map(|b| b % 3 + 1).sum::<u64>();
    let done = Arc::new(std::sync::atomic::AtomicBool::new(false));

    let reader = {
        let store = Arc::clone(&store);
        let done = Arc::clone(&done);
        tokio::spawn(async move {
            let mut last = 0u64;
            let mut seen = Vec::new();
            let mut ids = HashSet::new();
            loop {
                let writers_done = done.load(std::sync::atomic::Ordering::SeqCst);
                let page = read_all(&*store, last, 7).await;
                assert!(page.len() <= 7, "limit honoured");
                for event in &page {
                    assert!(
                        event.position > last,
                        "read_all({last}, 7) returned position {} after {last} was seen",
                        event.position
                    );
                    last = event.position;
                    assert!(ids.insert(event.id), "event {} seen twice", event.id);
                    seen.push(event.position);
                }
                if page.is_empty() {
                    if writers_done {
                        // Nothing new after every writer finished: the reader is caught up.
                        break;
                    }
                    tokio::time::sleep(Duration::from_millis(1)).await;
                }
            }
            (seen, ids)
        })
    };

    let mut writers = Vec::new();
    for writer in 0..WRITERS {
        let store = Arc::clone(&store);
        writers.push(tokio::spawn(async move {
            let own = StreamId::new("Tail", writer.to_string());
            let shared = StreamId::new("Tail", "shared");
            for batch in 0..BATCHES {
                let stream = if batch % 2 == 0 { &own } else { &shared };
                let events = (0..=batch % 3)
                    .map(|i| by_writer(writer, batch * 10 + i))
                    .collect();
                store
                    .append(stream, ExpectedVersion::Any, events)
                    .await
                    .unwrap_or_else(|e| panic!("writer {writer} with Any: {e:?}"));
                if batch % 5 == 0 {
                    tokio::task::yield_now().await;
                }
            }
        }));
    }
    let (seen, ids) = tokio::time::timeout(PATIENCE, async {
        for writer in writers {
            writer.await.expect("writer task");
        }
        done.store(true, std::sync::atomic::Ordering::SeqCst);
        reader.await.expect("reader task")
    })
    .await
    .expect("writers and reader finish");

    let all = read_all(&*store, 0, 100_000).await;
    assert_eq!(all.len() as u64, total);
    let all_ids: HashSet<_> = all.iter().map(|e| e.id).collect();
    let missed: Vec<_> = all
        .iter()
        .filter(|e| !ids.contains(&e.id))
        .map(|e| e.position)
        .collect();
    assert!(
        missed.is_empty(),
        "the tailing reader skipped positions {missed:?}"
    );
    assert_eq!(ids, all_ids, "the reader saw every event exactly once");
    assert_eq!(seen, positions(&all), "and in position order");
}
