//! The repository over real stores: execute with metadata, load and time travel, conflict
//! retries, snapshots, and the property that snapshot + tail equals a full replay.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use lsaa::prelude::*;
use lsaa_runtime::clock::ManualClock;
use lsaa_runtime::codec;
use lsaa_runtime::{
    Appended, AsOf, EventStore, ExpectedVersion, MemoryStore, Metadata, NewEvent, RecordedEvent,
    Repository, RepositoryError, RetryPolicy, Snapshot, SnapshotPolicy, StoreError, StreamId,
    StreamRange, Timestamp, Upcasters, Uuid,
};
use proptest::prelude::*;

use crate::domains::basket::{
    Abandon, AddItem, Basket, BasketError, BasketEvent, ChangeQuantity, CheckOut, ItemAdded,
    RemoveUnits,
};
use crate::domains::door::{Door, DoorEvent, Knock, Knocked, OpenDoor, Peek, Slam};
use crate::domains::turnstile::{
    CoinInserted, InsertCoin, Locked, Push, Turnstile, TurnstileError, TurnstileEvent, Unlocked,
};
use crate::store::T0;

/// Cases a store is known to fail, with the reason (none today); see `crate::store::run_case`.
const NONE: &[(&str, &str)] = &[];

/// Stamps out every repository case as a test for the store that `$open` opens, with the
/// cases it is known to fail (see `conformance_suite!`).
macro_rules! repository_suite {
    ($backend:ident, $open:path, $deviations:expr) => {
        mod $backend {
            repository_suite!(@cases $open, $deviations;
                shared: execute_persists_metadata, execute_several_none_and_refused,
                    load_equals_replay, load_as_of_version, load_as_of_position, load_as_of_tag,
                    forced_conflict_is_retried, snapshots_every_three, snapshots_of_batches,
                    unusable_snapshots_are_ignored, snapshot_beyond_the_stream_is_ignored;
                clocked: load_as_of_instant, load_as_of_instant_after_clock_stepped_back;
                concurrent: two_racing_repositories_both_succeed,
                    many_racing_repositories_lose_nothing
            );
        }
    };
    (@cases $open:path, $deviations:expr;
        shared: $($shared:ident),*;
        clocked: $($clocked:ident),*;
        concurrent: $($concurrent:ident),*
    ) => {
        $(
            #[tokio::test]
            async fn $shared() {
                let deviations: &[(&str, &str)] = $deviations;
                crate::store::run_case(deviations, stringify!($shared), async {
                    let clock = crate::store::test_clock();
                    let Some(fixture) = $open(Some(clock)).await else { return false };
                    super::$shared(std::sync::Arc::clone(&fixture.store)).await;
                    true
                })
                .await;
            }
        )*
        $(
            #[tokio::test]
            async fn $clocked() {
                let deviations: &[(&str, &str)] = $deviations;
                crate::store::run_case(deviations, stringify!($clocked), async {
                    let clock = crate::store::test_clock();
                    let Some(fixture) = $open(Some(clock.clone())).await else { return false };
                    super::$clocked(std::sync::Arc::clone(&fixture.store), &clock).await;
                    true
                })
                .await;
            }
        )*
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn $concurrent() {
                let deviations: &[(&str, &str)] = $deviations;
                crate::store::run_case(deviations, stringify!($concurrent), async {
                    let clock = crate::store::test_clock();
                    let Some(fixture) = $open(Some(clock)).await else { return false };
                    super::$concurrent(std::sync::Arc::clone(&fixture.store)).await;
                    true
                })
                .await;
            }
        )*
    };
}

repository_suite!(memory, crate::store::memory::open, super::NONE);
repository_suite!(sqlite, crate::store::sqlite::open, super::NONE);
repository_suite!(postgres, crate::store::postgres::open, super::NONE);

// ---------------------------------------------------------------------------------------------
// Helpers.

fn coin(cents: u32) -> InsertCoin {
    InsertCoin { cents }
}

fn item(sku: &str) -> AddItem {
    AddItem {
        sku: sku.to_owned(),
        quantity: 1,
        unit_price_cents: 100,
    }
}

/// The decoded events of `id`, as stored.
async fn stored<A, S>(repository: &Repository<A, S>, id: &str) -> Vec<A::Event>
where
    A: Decide + Send + Sync,
    A::Event: Send + Sync + Clone,
    A::Command: Send,
    A::Error: Send + std::fmt::Debug,
    S: EventStore,
{
    repository
        .history(id, StreamRange::all())
        .await
        .expect("history")
        .into_iter()
        .map(|recorded| recorded.event)
        .collect()
}

/// A version as an index into a history.
fn index(version: u64) -> usize {
    usize::try_from(version).expect("a small version")
}

async fn rows<S: EventStore>(store: &S, stream: &StreamId) -> Vec<RecordedEvent> {
    store
        .read_stream(stream, StreamRange::all())
        .await
        .expect("read_stream")
}

// ---------------------------------------------------------------------------------------------
// Execute.

pub(crate) async fn execute_persists_metadata<S: EventStore + 'static>(store: Arc<S>) {
    let repository = Repository::<Turnstile, _>::new(Arc::clone(&store));
    let stream = repository.stream("t-1");
    assert_eq!(stream, StreamId::new("Turnstile", "t-1"));

    // Correlation and causation default to the command's id.
    let metadata = Metadata::new()
        .actor("alice@example.com")
        .with("request_id", "req-7f3a")
        .with("ip", "203.0.113.9");
    let executed = repository
        .execute_with("t-1", coin(50), metadata.clone())
        .await
        .expect("insert a coin");
    assert_eq!(executed.version, 1);
    assert_eq!(executed.attempts, 1);
    assert_eq!(
        executed.events,
        [TurnstileEvent::from(CoinInserted { cents: 50 })]
    );
    assert_eq!(
        executed.state,
        Turnstile::Unlocked(Unlocked { collected: 50 })
    );
    assert!(executed.snapshot_error.is_none());
    let stored = rows(&*store, &stream).await;
    assert_eq!(stored.len(), 1);
    let row = &stored[0];
    assert_eq!(row.name, "turnstile.coin-inserted");
    assert_eq!(row.schema_version, 1);
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&row.payload).expect("JSON"),
        serde_json::json!({ "cents": 50 })
    );
    assert_eq!(row.version, 1);
    assert_eq!(row.position, executed.positions[0]);
    assert_eq!(row.metadata.actor.as_deref(), Some("alice@example.com"));
    assert_eq!(row.metadata.context, metadata.context);
    assert_eq!(row.metadata.correlation_id, Some(executed.command_id));
    assert_eq!(row.metadata.causation_id, Some(executed.command_id));

    // An explicit correlation id is kept; the causation is still the command.
    let conversation = Uuid::now_v7();
    let executed = repository
        .execute_with("t-1", Push, Metadata::new().correlation_id(conversation))
        .await
        .expect("push");
    let row = &rows(&*store, &stream).await[1];
    assert_eq!(row.metadata.correlation_id, Some(conversation));
    assert_eq!(row.metadata.causation_id, Some(executed.command_id));
    assert_ne!(executed.command_id, conversation);
    assert_eq!(row.metadata.actor, None);

    // Every command gets a fresh id.
    let again = repository
        .execute("t-1", coin(10))
        .await
        .expect("another coin");
    assert_ne!(again.command_id, executed.command_id);
    let row = &rows(&*store, &stream).await[2];
    assert_eq!(row.metadata.correlation_id, Some(again.command_id));
    assert_eq!(row.metadata.causation_id, Some(again.command_id));

    // What a reaction sets off keeps the triggering event as its cause (`Metadata::caused_by`).
    let trigger = rows(&*store, &stream).await[0].clone();
    let reaction = repository
        .execute_with("t-2", coin(20), Metadata::caused_by(&trigger))
        .await
        .expect("a reaction");
    let row = &rows(&*store, &repository.stream("t-2")).await[0];
    assert_eq!(
        row.metadata.causation_id,
        Some(trigger.id),
        "explicit causation is kept"
    );
    assert_eq!(
        row.metadata.correlation_id,
        trigger.metadata.correlation_id.or(Some(trigger.id))
    );
    assert_eq!(row.metadata.actor.as_deref(), Some("alice@example.com"));
    assert_ne!(row.metadata.causation_id, Some(reaction.command_id));
}

pub(crate) async fn execute_several_none_and_refused<S: EventStore + 'static>(store: Arc<S>) {
    let doors = Repository::<Door, _>::new(Arc::clone(&store));
    let turnstiles = Repository::<Turnstile, _>::new(Arc::clone(&store));

    // Several events from one command: consecutive versions, one metadata.
    let executed = doors
        .execute_with("d-1", Knock { times: 3 }, Metadata::new().actor("bob"))
        .await
        .expect("knock");
    assert_eq!(executed.version, 3);
    assert_eq!(executed.events.len(), 3);
    let stored = rows(&*store, &doors.stream("d-1")).await;
    assert_eq!(
        stored.iter().map(|e| e.version).collect::<Vec<_>>(),
        [1, 2, 3]
    );
    assert_eq!(
        stored.iter().map(|e| e.position).collect::<Vec<_>>(),
        executed.positions
    );
    assert!(
        stored
            .iter()
            .all(|e| e.metadata.causation_id == Some(executed.command_id)
                && e.metadata.actor.as_deref() == Some("bob"))
    );

    // No events: nothing stored, the version unchanged.
    let head = store.head_position().await.expect("head");
    let peeked = doors
        .execute("d-1", Peek { light: true })
        .await
        .expect("peek");
    assert_eq!(peeked.version, 3);
    assert!(peeked.events.is_empty() && peeked.positions.is_empty());
    let fresh = doors
        .execute("d-new", Peek { light: true })
        .await
        .expect("peek at a new door");
    assert_eq!(fresh.version, 0);
    assert_eq!(
        store
            .stream_version(&doors.stream("d-new"))
            .await
            .expect("version"),
        0
    );
    assert_eq!(store.head_position().await.expect("head"), head);

    // Refused: the domain error, or no handler in this state; nothing stored either way.
    match turnstiles.execute("t-1", coin(5)).await {
        Err(RepositoryError::Rejected(TurnstileError::CoinTooSmall)) => {}
        other => panic!("expected CoinTooSmall, got {other:?}"),
    }
    match turnstiles.execute("t-1", Push).await {
        Err(RepositoryError::NotHandled {
            aggregate,
            state,
            command,
        }) => {
            assert_eq!((aggregate, state, command), ("Turnstile", "Locked", "Push"));
        }
        other => panic!("expected NotHandled, got {other:?}"),
    }
    match doors.execute("d-1", Peek { light: false }).await {
        Err(RepositoryError::Rejected(error)) => {
            assert_eq!(error, crate::domains::door::DoorError::TooDark);
        }
        other => panic!("expected TooDark, got {other:?}"),
    }
    assert_eq!(store.head_position().await.expect("head"), head);

    // A handler whose events leave the graph: refused before anything is stored.
    doors.execute("d-2", OpenDoor).await.expect("open");
    match doors.execute("d-2", Slam).await {
        Err(RepositoryError::Replay(error)) => {
            assert_eq!(error.stream.as_deref(), Some("Door/d-2"));
            assert_eq!(error.version, 3, "the second DoorClosed would be version 3");
            assert_eq!(error.transition.state, "Closed");
            assert_eq!(error.transition.event, "DoorClosed");
        }
        other => panic!("expected a replay error, got {other:?}"),
    }
    assert_eq!(
        store
            .stream_version(&doors.stream("d-2"))
            .await
            .expect("version"),
        1
    );
}

// ---------------------------------------------------------------------------------------------
// Load and time travel.

/// Coins and pushes on `id`: returns nothing, leaves 6 events.
async fn turnstile_history<S: EventStore>(repository: &Repository<Turnstile, S>, id: &str) {
    for cents in [10, 20, 30] {
        repository.execute(id, coin(cents)).await.expect("coin");
        repository.execute(id, Push).await.expect("push");
    }
}

pub(crate) async fn load_equals_replay<S: EventStore + 'static>(store: Arc<S>) {
    let repository = Repository::<Turnstile, _>::new(Arc::clone(&store));
    let nothing = repository.load("nobody").await.expect("load a new id");
    assert_eq!(nothing.state, Turnstile::initial());
    assert_eq!(
        (nothing.version, nothing.position, nothing.from_snapshot),
        (0, 0, None)
    );

    let mut last = None;
    for cents in [10, 20, 30] {
        last = Some(repository.execute("t-1", coin(cents)).await.expect("coin"));
        let executed = repository.execute("t-1", Push).await.expect("push");
        let loaded = repository.load("t-1").await.expect("load");
        assert_eq!(
            loaded.state, executed.state,
            "load after execute gives the executed state"
        );
        assert_eq!(loaded.version, executed.version);
        assert_eq!(loaded.position, executed.positions[0]);
    }
    let events = stored(&repository, "t-1").await;
    let loaded = repository.load("t-1").await.expect("load");
    assert_eq!(loaded.state, Turnstile::replay(&events).expect("replay"));
    assert_eq!(loaded.state, Turnstile::Locked(Locked { collected: 60 }));
    assert_eq!(loaded.version, 6);
    assert!(loaded.position > last.expect("executed").positions[0]);
    assert_eq!(loaded.from_snapshot, None);
}

pub(crate) async fn load_as_of_version<S: EventStore + 'static>(store: Arc<S>) {
    let repository = Repository::<Turnstile, _>::new(store);
    turnstile_history(&repository, "t-1").await;
    let events = stored(&repository, "t-1").await;
    for k in 0..=events.len() {
        let loaded = repository
            .load_as_of("t-1", AsOf::Version(k as u64))
            .await
            .expect("as of version");
        assert_eq!(
            loaded.state,
            Turnstile::replay(&events[..k]).expect("replay"),
            "as of v{k}"
        );
        assert_eq!(loaded.version, k as u64);
    }
    let beyond = repository
        .load_as_of("t-1", AsOf::Version(100))
        .await
        .expect("beyond");
    assert_eq!(beyond.version, 6);
    assert_eq!(beyond.state, Turnstile::replay(&events).expect("replay"));
}

pub(crate) async fn load_as_of_instant<S: EventStore + 'static>(
    store: Arc<S>,
    clock: &ManualClock,
) {
    let repository = Repository::<Turnstile, _>::new(store);
    let second = |s: u64| T0.plus(Duration::from_secs(s));
    // Event k (1-based) at T0 + 10k seconds.
    for (k, cents) in [(1, 10), (3, 20), (5, 30)] {
        clock.set(second(10 * k));
        repository.execute("t-1", coin(cents)).await.expect("coin");
        clock.set(second(10 * (k + 1)));
        repository.execute("t-1", Push).await.expect("push");
    }
    let events = stored(&repository, "t-1").await;
    let before_everything = repository
        .load_as_of("t-1", AsOf::Instant(second(9)))
        .await
        .expect("before the first event");
    assert_eq!(before_everything.state, Turnstile::initial());
    assert_eq!(before_everything.version, 0);
    for k in 1..=6u64 {
        for instant in [
            second(10 * k),
            second(10 * k + 9),
            second(10 * k).plus(Duration::from_micros(1)),
        ] {
            let loaded = repository
                .load_as_of("t-1", AsOf::Instant(instant))
                .await
                .expect("as of instant");
            assert_eq!(loaded.version, k, "as of {instant}");
            assert_eq!(
                loaded.state,
                Turnstile::replay(&events[..index(k)]).expect("replay")
            );
        }
        let just_before = second(10 * k).minus(Duration::from_micros(1));
        let loaded = repository
            .load_as_of("t-1", AsOf::Instant(just_before))
            .await
            .expect("as of");
        assert_eq!(loaded.version, k - 1, "as of {just_before}");
    }
}

/// The clock steps back between two events (an NTP correction, or two writers' clocks):
/// v1 at T0+10s, v2 at T0+30s, v3 at T0+20s. "After every event recorded at or before
/// T0+25s" cannot mean v1 and v3 without v2; the state as of T0+25s must be a prefix of the
/// history (here: after v1), not an error.
///
/// Today the store returns v1 and v3, and the repository's fold refuses the gap with
/// `RepositoryError::Store(StoreError::Corrupt { .. })`: a healthy store reported as corrupt.
pub(crate) async fn load_as_of_instant_after_clock_stepped_back<S: EventStore + 'static>(
    store: Arc<S>,
    clock: &ManualClock,
) {
    let repository = Repository::<Turnstile, _>::new(store);
    let second = |s: u64| T0.plus(Duration::from_secs(s));
    clock.set(second(10));
    repository.execute("t-1", coin(10)).await.expect("coin");
    clock.set(second(30));
    repository.execute("t-1", Push).await.expect("push");
    clock.set(second(20));
    repository.execute("t-1", coin(20)).await.expect("coin");
    let loaded = repository
        .load_as_of("t-1", AsOf::Instant(second(25)))
        .await;
    match loaded {
        Ok(loaded) => {
            assert_eq!(loaded.version, 1);
            assert_eq!(
                loaded.state,
                Turnstile::Unlocked(Unlocked { collected: 10 })
            );
        }
        Err(error) => panic!("as of T0+25s after the clock stepped back: {error:?}"),
    }
}

pub(crate) async fn load_as_of_position<S: EventStore + 'static>(store: Arc<S>) {
    let repository = Repository::<Turnstile, _>::new(Arc::clone(&store));
    // Two turnstiles, interleaved.
    for cents in [10, 20] {
        repository.execute("a", coin(cents)).await.expect("coin a");
        repository
            .execute("b", coin(cents + 5))
            .await
            .expect("coin b");
        repository.execute("a", Push).await.expect("push a");
        repository.execute("b", Push).await.expect("push b");
    }
    let all = store.read_all(0, 1000).await.expect("read_all");
    assert_eq!(all.len(), 8);
    for id in ["a", "b"] {
        let stream = repository.stream(id);
        let own = stored(&repository, id).await;
        for (i, at) in all.iter().enumerate() {
            let prefix = all[..=i].iter().filter(|e| e.stream == stream).count();
            let loaded = repository
                .load_as_of(id, AsOf::Position(at.position))
                .await
                .expect("as of position");
            assert_eq!(
                loaded.version, prefix as u64,
                "{id} as of position {}",
                at.position
            );
            assert_eq!(
                loaded.state,
                Turnstile::replay(&own[..prefix]).expect("replay")
            );
            let last_own = all[..=i]
                .iter()
                .rev()
                .find(|e| e.stream == stream)
                .map_or(0, |e| e.position);
            assert_eq!(loaded.position, last_own);
        }
        let before = repository
            .load_as_of(id, AsOf::Position(all[0].position - 1))
            .await
            .expect("as of before everything");
        assert_eq!((before.version, before.state), (0, Turnstile::initial()));
    }
}

pub(crate) async fn load_as_of_tag<S: EventStore + 'static>(store: Arc<S>) {
    let repository = Repository::<Turnstile, _>::new(Arc::clone(&store));
    repository.execute("t-1", coin(10)).await.expect("coin");
    repository.execute("t-1", Push).await.expect("push");
    let head = repository.store().head_position().await.expect("head");
    repository
        .store()
        .create_tag("before-audit", head)
        .await
        .expect("tag");
    repository.execute("t-1", coin(20)).await.expect("coin");
    repository
        .execute("t-2", coin(30))
        .await
        .expect("another turnstile");

    let tagged = repository
        .load_as_of("t-1", AsOf::tag("before-audit"))
        .await
        .expect("as of tag");
    assert_eq!(tagged.version, 2);
    assert_eq!(tagged.state, Turnstile::Locked(Locked { collected: 10 }));
    let other = repository
        .load_as_of("t-2", AsOf::tag("before-audit"))
        .await
        .expect("as of tag");
    assert_eq!((other.version, other.state), (0, Turnstile::initial()));
    let now = repository.load("t-1").await.expect("load");
    assert_eq!(now.state, Turnstile::Unlocked(Unlocked { collected: 30 }));

    match repository.load_as_of("t-1", AsOf::tag("no-such-tag")).await {
        Err(RepositoryError::UnknownTag(tag)) => assert_eq!(tag, "no-such-tag"),
        other => panic!("expected UnknownTag, got {other:?}"),
    }
}

// ---------------------------------------------------------------------------------------------
// Conflicts.

/// The `EventStore` methods a test wrapper passes straight to `self.inner`: every one but
/// `append`, which the wrappers below intercept.
macro_rules! delegate_all_but_append {
    () => {
        fn read_stream(
            &self,
            stream: &StreamId,
            range: StreamRange,
        ) -> impl Future<Output = Result<Vec<RecordedEvent>, StoreError>> + Send {
            self.inner.read_stream(stream, range)
        }

        fn read_all(
            &self,
            after: u64,
            limit: usize,
        ) -> impl Future<Output = Result<Vec<RecordedEvent>, StoreError>> + Send {
            self.inner.read_all(after, limit)
        }

        fn stream_version(
            &self,
            stream: &StreamId,
        ) -> impl Future<Output = Result<u64, StoreError>> + Send {
            self.inner.stream_version(stream)
        }

        fn head_position(&self) -> impl Future<Output = Result<u64, StoreError>> + Send {
            self.inner.head_position()
        }

        fn create_tag(
            &self,
            tag: &str,
            position: u64,
        ) -> impl Future<Output = Result<(), StoreError>> + Send {
            self.inner.create_tag(tag, position)
        }

        fn tag_position(
            &self,
            tag: &str,
        ) -> impl Future<Output = Result<Option<u64>, StoreError>> + Send {
            self.inner.tag_position(tag)
        }

        fn save_snapshot(
            &self,
            snapshot: Snapshot,
        ) -> impl Future<Output = Result<(), StoreError>> + Send {
            self.inner.save_snapshot(snapshot)
        }

        fn load_snapshot(
            &self,
            stream: &StreamId,
            max_version: u64,
        ) -> impl Future<Output = Result<Option<Snapshot>, StoreError>> + Send {
            self.inner.load_snapshot(stream, max_version)
        }
    };
}

/// A store that, before each of the next `interferences` appends, appends `interloper` to the
/// same stream itself, so that the caller's expected version is stale.
struct Interfering<S> {
    inner: S,
    interferences: AtomicUsize,
    interloper: fn() -> NewEvent,
}

impl<S: EventStore> EventStore for Interfering<S> {
    async fn append(
        &self,
        stream: &StreamId,
        expected: ExpectedVersion,
        events: Vec<NewEvent>,
    ) -> Result<Appended, StoreError> {
        let interfere = self
            .interferences
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok();
        if interfere {
            self.inner
                .append(stream, ExpectedVersion::Any, vec![(self.interloper)()])
                .await?;
        }
        self.inner.append(stream, expected, events).await
    }

    delegate_all_but_append!();
}

/// Someone else's knock, legal while the door is closed (and leaving it closed).
fn interloping_knock() -> NewEvent {
    codec::encode(
        &DoorEvent::from(Knocked),
        Metadata::new().actor("interloper"),
    )
    .expect("encode")
}

pub(crate) async fn forced_conflict_is_retried<S: EventStore + 'static>(store: Arc<S>) {
    let interfering = |store: &Arc<S>, times| Interfering {
        inner: Arc::clone(store),
        interferences: AtomicUsize::new(times),
        interloper: interloping_knock,
    };
    let knock = || Knock { times: 2 };

    // One conflict, default policy (3 attempts): decided again on the fresh state.
    let repository = Repository::<Door, _>::new(interfering(&store, 1));
    let executed = repository
        .execute("d-1", knock())
        .await
        .expect("succeeds on the second attempt");
    assert_eq!(executed.attempts, 2);
    assert_eq!(executed.version, 3, "after the interloper's knock");
    assert_eq!(executed.positions.len(), 2);
    let stored = rows(&*store, &repository.stream("d-1")).await;
    assert_eq!(stored.len(), 3);
    assert_eq!(stored[0].metadata.actor.as_deref(), Some("interloper"));
    assert!(
        stored[1..]
            .iter()
            .all(|e| e.metadata.causation_id == Some(executed.command_id))
    );

    // One attempt only: the conflict is the caller's.
    let once = Repository::<Door, _>::new(interfering(&store, 1))
        .with_retry(RetryPolicy { max_attempts: 1 });
    match once.execute("d-2", knock()).await {
        Err(RepositoryError::Conflict { stream, attempts }) => {
            assert_eq!(stream, StreamId::new("Door", "d-2"));
            assert_eq!(attempts, 1);
        }
        other => panic!("expected a conflict, got {other:?}"),
    }
    assert_eq!(
        rows(&*store, &once.stream("d-2")).await.len(),
        1,
        "only the interloper's event"
    );

    // A policy of 0 attempts still makes one.
    let zero = Repository::<Door, _>::new(interfering(&store, 0))
        .with_retry(RetryPolicy { max_attempts: 0 });
    assert_eq!(
        zero.execute("d-3", knock())
            .await
            .expect("at least one attempt")
            .attempts,
        1
    );

    // Every attempt loses: exactly max_attempts attempts, then a conflict.
    let always = Repository::<Door, _>::new(interfering(&store, usize::MAX));
    match always.execute("d-4", knock()).await {
        Err(RepositoryError::Conflict { attempts, .. }) => assert_eq!(attempts, 3),
        other => panic!("expected a conflict after 3 attempts, got {other:?}"),
    }
    assert_eq!(
        rows(&*store, &always.stream("d-4")).await.len(),
        3,
        "three interlopers, nothing of ours"
    );
}

/// A store whose first `parties` appends wait for each other, so that every party has loaded
/// before any appends.
struct Rendezvous<S> {
    inner: S,
    barrier: tokio::sync::Barrier,
    arrivals: AtomicUsize,
    parties: usize,
}

/// `store`, whose first `parties` appends wait for each other.
fn rendezvous<S>(store: S, parties: usize) -> Rendezvous<S> {
    Rendezvous {
        inner: store,
        barrier: tokio::sync::Barrier::new(parties),
        arrivals: AtomicUsize::new(0),
        parties,
    }
}

impl<S: EventStore> EventStore for Rendezvous<S> {
    async fn append(
        &self,
        stream: &StreamId,
        expected: ExpectedVersion,
        events: Vec<NewEvent>,
    ) -> Result<Appended, StoreError> {
        if self.arrivals.fetch_add(1, Ordering::SeqCst) < self.parties {
            self.barrier.wait().await;
        }
        self.inner.append(stream, expected, events).await
    }

    delegate_all_but_append!();
}

pub(crate) async fn two_racing_repositories_both_succeed<S: EventStore + 'static>(store: Arc<S>) {
    let gate = Arc::new(rendezvous(Arc::clone(&store), 2));
    let first = Repository::<Basket, _>::new(Arc::clone(&gate));
    let second = Repository::<Basket, _>::new(Arc::clone(&gate));
    let racing = tokio::time::timeout(Duration::from_secs(60), async {
        let a = tokio::spawn(async move { first.execute("b-1", item("tea")).await });
        let b = tokio::spawn(async move { second.execute("b-1", item("mug")).await });
        (a.await.expect("task"), b.await.expect("task"))
    })
    .await
    .expect("the race finishes");
    let (a, b) = (
        racing.0.expect("first succeeds"),
        racing.1.expect("second succeeds"),
    );
    let mut attempts = [a.attempts, b.attempts];
    attempts.sort_unstable();
    assert_eq!(
        attempts,
        [1, 2],
        "exactly one lost the race and retried once"
    );
    let mut versions = [a.version, b.version];
    versions.sort_unstable();
    assert_eq!(versions, [1, 2]);

    let repository = Repository::<Basket, _>::new(Arc::clone(&store));
    let loaded = repository.load("b-1").await.expect("load");
    let Basket::Open(open) = &loaded.state else {
        panic!("an open basket: {:?}", loaded.state)
    };
    let mut skus: Vec<_> = open.lines.iter().map(|l| l.sku.as_str()).collect();
    skus.sort_unstable();
    assert_eq!(skus, ["mug", "tea"], "no lost update");
    assert_eq!(loaded.version, 2);
}

pub(crate) async fn many_racing_repositories_lose_nothing<S: EventStore + 'static>(store: Arc<S>) {
    const RACERS: u32 = 6;
    let skus: Vec<String> = (0..RACERS).map(|i| format!("sku-{i}")).collect();
    // Every racer loads before the first append: all but one lose the first round.
    let gate = Arc::new(rendezvous(Arc::clone(&store), RACERS as usize));
    let mut tasks = Vec::new();
    for sku in &skus {
        // Each racer may lose to every other one at most once.
        let repository = Repository::<Basket, _>::new(Arc::clone(&gate)).with_retry(RetryPolicy {
            max_attempts: RACERS,
        });
        let sku = sku.clone();
        tasks.push(tokio::spawn(async move {
            repository.execute("shared", item(&sku)).await
        }));
    }
    let results = tokio::time::timeout(Duration::from_secs(60), async {
        let mut results = Vec::new();
        for task in tasks {
            results.push(task.await.expect("task"));
        }
        results
    })
    .await
    .expect("the race finishes");
    for result in &results {
        let executed = result
            .as_ref()
            .expect("every racer succeeds within its retry policy");
        assert!(executed.attempts <= RACERS);
    }
    let attempts: u32 = results
        .iter()
        .map(|r| r.as_ref().map_or(0, |e| e.attempts))
        .sum();
    assert!(
        attempts >= 2 * RACERS - 1,
        "{} racers lost the first round, yet only {attempts} attempts were made",
        RACERS - 1
    );
    let repository = Repository::<Basket, _>::new(Arc::clone(&store));
    let loaded = repository.load("shared").await.expect("load");
    assert_eq!(loaded.version, u64::from(RACERS));
    let Basket::Open(open) = &loaded.state else {
        panic!("an open basket: {:?}", loaded.state)
    };
    let mut found: Vec<_> = open.lines.iter().map(|l| l.sku.clone()).collect();
    found.sort();
    assert_eq!(found, skus);
}

// ---------------------------------------------------------------------------------------------
// Snapshots.

async fn snapshot_versions<S: EventStore>(
    store: &S,
    stream: &StreamId,
    up_to: u64,
) -> Vec<Option<u64>> {
    let mut found = Vec::new();
    for max in 0..=up_to {
        found.push(
            store
                .load_snapshot(stream, max)
                .await
                .expect("load_snapshot")
                .map(|s| s.version),
        );
    }
    found
}

pub(crate) async fn snapshots_every_three<S: EventStore + 'static>(store: Arc<S>) {
    let repository = Repository::<Turnstile, _>::new(Arc::clone(&store))
        .with_snapshots(SnapshotPolicy::every(3));
    let stream = repository.stream("t-1");
    for cents in [10, 20, 30, 40] {
        let executed = repository.execute("t-1", coin(cents)).await.expect("coin");
        assert!(executed.snapshot_error.is_none());
        if cents < 40 {
            repository.execute("t-1", Push).await.expect("push");
        }
    }
    // Versions 1..=7: snapshots at 3 and 6.
    assert_eq!(
        snapshot_versions(&*store, &stream, 8).await,
        [
            None,
            None,
            None,
            Some(3),
            Some(3),
            Some(3),
            Some(6),
            Some(6),
            Some(6)
        ]
    );
    let events = stored(&repository, "t-1").await;
    for version in [3u64, 6] {
        let snapshot = store
            .load_snapshot(&stream, version)
            .await
            .expect("load")
            .expect("snapshot");
        assert_eq!(snapshot.schema_version, 1);
        let state: Turnstile = serde_json::from_str(&snapshot.state).expect("the state as JSON");
        assert_eq!(
            state,
            Turnstile::replay(&events[..index(version)]).expect("replay")
        );
    }
    let loaded = repository.load("t-1").await.expect("load");
    assert_eq!(loaded.from_snapshot, Some(6));
    assert_eq!(loaded.version, 7);
    assert_eq!(loaded.state, Turnstile::replay(&events).expect("replay"));
    for (version, from) in [(2, None), (3, Some(3)), (5, Some(3)), (6, Some(6))] {
        let loaded = repository
            .load_as_of("t-1", AsOf::Version(version))
            .await
            .expect("as of");
        assert_eq!(loaded.from_snapshot, from, "as of v{version}");
        assert_eq!(loaded.version, version);
        assert_eq!(
            loaded.state,
            Turnstile::replay(&events[..index(version)]).expect("replay")
        );
    }
    // A repository without snapshots agrees.
    let plain = Repository::<Turnstile, _>::new(Arc::clone(&store));
    assert_eq!(
        plain.load("t-1").await.expect("load").state,
        loaded_state(&repository, "t-1").await
    );

    // The policy's schema version is recorded.
    let v2 = Repository::<Turnstile, _>::new(Arc::clone(&store))
        .with_snapshots(SnapshotPolicy::every(1).schema_version(2));
    v2.execute("t-9", coin(10)).await.expect("coin");
    let snapshot = store
        .load_snapshot(&v2.stream("t-9"), 1)
        .await
        .expect("load")
        .expect("snapshot");
    assert_eq!(snapshot.schema_version, 2);
}

async fn loaded_state<S: EventStore>(repository: &Repository<Turnstile, S>, id: &str) -> Turnstile {
    repository.load(id).await.expect("load").state
}

pub(crate) async fn snapshots_of_batches<S: EventStore + 'static>(store: Arc<S>) {
    let repository =
        Repository::<Door, _>::new(Arc::clone(&store)).with_snapshots(SnapshotPolicy::every(3));
    let stream = repository.stream("d-1");
    // 0 -> 2 (no multiple of 3 crossed), 2 -> 4 (crosses 3: a snapshot at 4), 4 -> 9
    // (crosses 6 and 9: one snapshot, at 9), 9 -> 10 (none).
    for times in [2, 2, 5, 1] {
        let executed = repository
            .execute("d-1", Knock { times })
            .await
            .expect("knock");
        assert!(executed.snapshot_error.is_none());
    }
    let found = snapshot_versions(&*store, &stream, 10).await;
    assert_eq!(
        found,
        [
            None,
            None,
            None,
            None,
            Some(4),
            Some(4),
            Some(4),
            Some(4),
            Some(4),
            Some(9),
            Some(9)
        ]
    );
    let loaded = repository.load("d-1").await.expect("load");
    assert_eq!((loaded.version, loaded.from_snapshot), (10, Some(9)));
    assert_eq!(
        loaded.state,
        Door::replay(&stored(&repository, "d-1").await).expect("replay")
    );
    let events: Vec<DoorEvent> = stored(&repository, "d-1").await;
    assert_eq!(events.len(), 10);
}

pub(crate) async fn unusable_snapshots_are_ignored<S: EventStore + 'static>(store: Arc<S>) {
    let plain = Repository::<Turnstile, _>::new(Arc::clone(&store));
    turnstile_history(&plain, "t-1").await;
    let stream = plain.stream("t-1");
    let truth = plain.load("t-1").await.expect("load").state;
    let snapshotting = Repository::<Turnstile, _>::new(Arc::clone(&store))
        .with_snapshots(SnapshotPolicy::every(3));
    let lying =
        serde_json::to_string(&Turnstile::Unlocked(Unlocked { collected: 999_999 })).expect("JSON");
    let unusable = [
        (2, lying.as_str()),                      // another schema version
        (1, "not JSON at all {"),                 // unreadable
        (1, r#"{"Nope":{"collected":1}}"#),       // JSON, but no state of Turnstile
        (1, r#"{"Locked":{"collected":"ten"}}"#), // a state of the wrong shape
    ];
    for (schema_version, state) in unusable {
        store
            .save_snapshot(Snapshot {
                stream: stream.clone(),
                version: 4,
                schema_version,
                state: state.to_owned(),
                taken_at: Timestamp::now(),
            })
            .await
            .expect("save");
        let loaded = snapshotting
            .load("t-1")
            .await
            .expect("load ignores the snapshot");
        assert_eq!(
            loaded.from_snapshot, None,
            "snapshot {state:?} (schema v{schema_version}) is ignored"
        );
        assert_eq!(loaded.state, truth);
        assert_eq!(loaded.version, 6);
        let as_of = snapshotting
            .load_as_of("t-1", AsOf::Version(5))
            .await
            .expect("as of v5");
        assert_eq!(as_of.from_snapshot, None);
        assert_eq!(as_of.version, 5);
    }
    // A usable one is used.
    store
        .save_snapshot(Snapshot {
            stream: stream.clone(),
            version: 4,
            schema_version: 1,
            state: serde_json::to_string(
                &plain
                    .load_as_of("t-1", AsOf::Version(4))
                    .await
                    .expect("v4")
                    .state,
            )
            .expect("JSON"),
            taken_at: Timestamp::now(),
        })
        .await
        .expect("save");
    let loaded = snapshotting.load("t-1").await.expect("load");
    assert_eq!((loaded.from_snapshot, loaded.version), (Some(4), 6));
    assert_eq!(loaded.state, truth);
}

/// A snapshot whose version is beyond the stream's (a store restored from a backup while the
/// snapshots were kept, say) cannot describe the stream: it must be ignored.
///
/// Today the repository trusts it: `load` reports version 10 for a stream of 2 events, with
/// the snapshot's state, and every `execute` then appends with `Exactly(10)` and ends in
/// `RepositoryError::Conflict` after all its attempts.
pub(crate) async fn snapshot_beyond_the_stream_is_ignored<S: EventStore + 'static>(store: Arc<S>) {
    let plain = Repository::<Turnstile, _>::new(Arc::clone(&store));
    plain.execute("t-1", coin(10)).await.expect("coin");
    plain.execute("t-1", Push).await.expect("push");
    let truth = plain.load("t-1").await.expect("load").state;
    let lying =
        serde_json::to_string(&Turnstile::Unlocked(Unlocked { collected: 999 })).expect("JSON");
    store
        .save_snapshot(Snapshot {
            stream: plain.stream("t-1"),
            version: 10,
            schema_version: 1,
            state: lying,
            taken_at: Timestamp::now(),
        })
        .await
        .expect("save");
    let snapshotting = Repository::<Turnstile, _>::new(Arc::clone(&store))
        .with_snapshots(SnapshotPolicy::every(3));
    let loaded = snapshotting.load("t-1").await.expect("load");
    assert_eq!(
        (loaded.version, loaded.from_snapshot),
        (2, None),
        "the stream has 2 events"
    );
    assert_eq!(loaded.state, truth);
    let executed = snapshotting.execute("t-1", coin(20)).await.expect("coin");
    assert_eq!((executed.version, executed.attempts), (3, 1));
}

// ---------------------------------------------------------------------------------------------
// The property: snapshot + tail == full replay.

const SKUS: [&str; 3] = ["tea", "mug", "pot"];

/// One basket command. The generated `BasketCommand` is not `Clone`, which `execute` needs
/// for its retries, so the property picks a command and executes its own type.
#[derive(Debug, Clone)]
enum Choice {
    Add(AddItem),
    Change(ChangeQuantity),
    Remove(RemoveUnits),
    CheckOut,
    Abandon,
}

fn choice() -> impl Strategy<Value = Choice> {
    let sku = (0..SKUS.len()).prop_map(|i| SKUS[i].to_owned());
    let quantity = prop_oneof![8 => 1..=4u32, 1 => Just(0u32), 1 => 40..=60u32];
    prop_oneof![
        8 => (sku.clone(), quantity.clone(), prop_oneof![Just(100u64), Just(250)]).prop_map(
            |(sku, quantity, unit_price_cents)| Choice::Add(AddItem { sku, quantity, unit_price_cents })
        ),
        3 => (sku.clone(), quantity.clone())
            .prop_map(|(sku, quantity)| Choice::Change(ChangeQuantity { sku, quantity })),
        3 => (sku, quantity).prop_map(|(sku, quantity)| Choice::Remove(RemoveUnits { sku, quantity })),
        1 => Just(Choice::CheckOut),
        1 => Just(Choice::Abandon),
    ]
}

async fn execute<S: EventStore>(
    repository: &Repository<Basket, S>,
    id: &str,
    choice: Choice,
) -> Result<lsaa_runtime::Executed<Basket>, RepositoryError<BasketError>> {
    match choice {
        Choice::Add(command) => repository.execute(id, command).await,
        Choice::Change(command) => repository.execute(id, command).await,
        Choice::Remove(command) => repository.execute(id, command).await,
        Choice::CheckOut => repository.execute(id, CheckOut).await,
        Choice::Abandon => repository.execute(id, Abandon).await,
    }
}

/// Runs `commands` through a snapshotting repository and checks every load against replays.
async fn snapshot_tail_equals_replay(
    every: u64,
    choices: Vec<Choice>,
) -> Result<(), TestCaseError> {
    let store = MemoryStore::new();
    let snapshotting =
        Repository::<Basket, _>::new(store.clone()).with_snapshots(SnapshotPolicy::every(every));
    let plain = Repository::<Basket, _>::new(store.clone());
    for choice in choices {
        match execute(&snapshotting, "b", choice).await {
            Ok(executed) => prop_assert!(executed.snapshot_error.is_none()),
            Err(RepositoryError::Rejected(_) | RepositoryError::NotHandled { .. }) => {}
            Err(other) => return Err(TestCaseError::fail(format!("execute: {other:?}"))),
        }
        let events: Vec<BasketEvent> = stored(&plain, "b").await;
        let replayed = Basket::replay(&events).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let loaded = snapshotting
            .load("b")
            .await
            .map_err(|e| TestCaseError::fail(format!("{e:?}")))?;
        let version = events.len() as u64;
        prop_assert_eq!(&loaded.state, &replayed, "snapshot + tail vs full replay");
        prop_assert_eq!(loaded.version, version);
        prop_assert_eq!(
            &plain
                .load("b")
                .await
                .map_err(|e| TestCaseError::fail(format!("{e:?}")))?
                .state,
            &replayed
        );
        // The snapshot is really used once one is due.
        prop_assert_eq!(
            loaded.from_snapshot.is_some(),
            version >= every,
            "from_snapshot {:?} at v{}",
            loaded.from_snapshot,
            version
        );
        if let Some(from) = loaded.from_snapshot {
            prop_assert!(from <= version);
        }
        // And every historical version agrees too.
        for k in 0..=version {
            let then = snapshotting
                .load_as_of("b", AsOf::Version(k))
                .await
                .map_err(|e| TestCaseError::fail(format!("{e:?}")))?;
            prop_assert_eq!(
                &then.state,
                &Basket::replay(&events[..index(k)])
                    .map_err(|e| TestCaseError::fail(e.to_string()))?
            );
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn snapshot_plus_tail_equals_full_replay(
        every in 1..5u64,
        choices in proptest::collection::vec(choice(), 1..30),
    ) {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime");
        runtime.block_on(snapshot_tail_equals_replay(every, choices))?;
    }
}

#[test]
fn unknown_upcasters_are_harmless_for_current_events() {
    // Upcasters for a name or version that never occurs change nothing.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let store = MemoryStore::new();
        let repository = Repository::<Basket, _>::new(store).with_upcasters(
            Upcasters::new().register("basket.item-added", 7, |_| Err("never".into())),
        );
        repository.execute("b", item("tea")).await.expect("add");
        let events = stored(&repository, "b").await;
        assert_eq!(
            events,
            [BasketEvent::from(ItemAdded {
                sku: "tea".into(),
                quantity: 1,
                unit_price_cents: 100
            })]
        );
    });
}
