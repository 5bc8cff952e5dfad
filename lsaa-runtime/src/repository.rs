//! The repository: load an aggregate (now or as of a version, an instant, a position or a
//! tag), execute commands against it (load -> decide -> append, retried on conflicts), and
//! keep snapshots.

use std::marker::PhantomData;

use serde::Serialize;
use serde::de::DeserializeOwned;
use uuid::Uuid;

use crate::aggregate::{Aggregate, Decide};
use crate::codec::{self, DecodeError, Upcasters};
use crate::envelope::{Metadata, RecordedEvent, StreamId, Timestamp};
use crate::error::{CommandError, ReplayError};
use crate::store::{EventStore, ExpectedVersion, Snapshot, StoreError, StreamRange};

/// Which state to load.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AsOf {
    /// After every stored event.
    Latest,
    /// After the event with this version (0: the initial state).
    Version(u64),
    /// After every event recorded at or before this instant.
    Instant(Timestamp),
    /// After every event at or before this global position.
    Position(u64),
    /// After every event at or before the position this tag names.
    Tag(String),
}

impl AsOf {
    /// As of the position named by `tag`.
    pub fn tag(tag: impl Into<String>) -> Self {
        Self::Tag(tag.into())
    }
}

/// A loaded aggregate.
#[derive(Debug, Clone, PartialEq)]
pub struct Loaded<A> {
    /// The state.
    pub state: A,
    /// The version of the last event folded in (0: none).
    pub version: u64,
    /// The global position of the last event the state includes (0: none).
    pub position: u64,
    /// The version of the snapshot the load started from, if any.
    pub from_snapshot: Option<u64>,
}

/// The outcome of a command that was carried out.
#[derive(Debug)]
pub struct Executed<A: Aggregate> {
    /// The state after the new events.
    pub state: A,
    /// The stream's version after the new events (unchanged if there were none).
    pub version: u64,
    /// The new events (possibly none).
    pub events: Vec<A::Event>,
    /// The global position of each new event.
    pub positions: Vec<u64>,
    /// The id given to this command: the events' causation and correlation ids unless the
    /// metadata passed in had its own.
    pub command_id: Uuid,
    /// How many times the command was decided (more than 1 after concurrency conflicts).
    pub attempts: u32,
    /// A snapshot that was due but could not be saved; the events are stored regardless.
    pub snapshot_error: Option<StoreError>,
}

/// A stored event with its decoded payload.
#[derive(Debug, Clone, PartialEq)]
pub struct Recorded<E> {
    /// The envelope as stored (id, stream, version, position, time, metadata, raw payload).
    pub envelope: RecordedEvent,
    /// The decoded event.
    pub event: E,
}

/// Why the repository could not load or execute.
#[derive(Debug, thiserror::Error)]
pub enum RepositoryError<E> {
    /// The handler refused the command.
    #[error("command rejected: {0}")]
    Rejected(E),
    /// The current state has no handler for the command.
    #[error("command `{command}` is not handled while `{aggregate}` is `{state}`")]
    NotHandled {
        /// The aggregate's name.
        aggregate: &'static str,
        /// The state it was in.
        state: &'static str,
        /// The command's name.
        command: &'static str,
    },
    /// Other writers kept winning: every attempt met a concurrency conflict.
    #[error("stream `{stream}` kept changing: {attempts} attempts met a concurrency conflict")]
    Conflict {
        /// The stream.
        stream: StreamId,
        /// How many attempts were made.
        attempts: u32,
    },
    /// A stored event cannot be decoded.
    #[error(transparent)]
    Decode(#[from] DecodeError),
    /// A stored or emitted event is illegal where it stands.
    #[error(transparent)]
    Replay(#[from] ReplayError),
    /// An event could not be serialized.
    #[error("cannot serialize an event for stream `{stream}`: {reason}")]
    Encode {
        /// The stream.
        stream: StreamId,
        /// Why.
        reason: String,
    },
    /// `AsOf::Tag` names no tag.
    #[error("no tag named `{0}`")]
    UnknownTag(String),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// How often to retry a command that met a concurrency conflict.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, at least 1 (default 3).
    pub max_attempts: u32,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self { max_attempts: 3 }
    }
}

/// When to save snapshots.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SnapshotPolicy {
    /// Save one whenever the stream's version crosses a multiple of this.
    pub every: u64,
    /// The schema version of the serialized state; bump it when the state's shape changes, and
    /// older snapshots are ignored and rebuilt.
    pub schema_version: u32,
}

impl SnapshotPolicy {
    /// A snapshot every `every` events, with state schema version 1.
    #[must_use]
    pub fn every(every: u64) -> Self {
        Self {
            every: every.max(1),
            schema_version: 1,
        }
    }

    /// Sets the state's schema version.
    #[must_use]
    pub fn schema_version(mut self, version: u32) -> Self {
        self.schema_version = version;
        self
    }
}

struct Snapshots<A> {
    policy: SnapshotPolicy,
    save: fn(&A) -> Result<String, serde_json::Error>,
    load: fn(&str) -> Result<A, serde_json::Error>,
}

impl<A> Clone for Snapshots<A> {
    fn clone(&self) -> Self {
        Self {
            policy: self.policy,
            save: self.save,
            load: self.load,
        }
    }
}

fn save_json<A: Serialize>(state: &A) -> Result<String, serde_json::Error> {
    serde_json::to_string(state)
}

fn load_json<A: DeserializeOwned>(json: &str) -> Result<A, serde_json::Error> {
    serde_json::from_str(json)
}

/// Loads aggregates of type `A` from, and appends their events to, the store `S`.
///
/// Streams are named by `A::NAME` and the id given to each call.
pub struct Repository<A: Aggregate, S> {
    store: S,
    category: String,
    upcasters: Upcasters,
    retry: RetryPolicy,
    snapshots: Option<Snapshots<A>>,
    aggregate: PhantomData<fn() -> A>,
}

impl<A: Aggregate, S: Clone> Clone for Repository<A, S> {
    fn clone(&self) -> Self {
        Self {
            store: self.store.clone(),
            category: self.category.clone(),
            upcasters: self.upcasters.clone(),
            retry: self.retry,
            snapshots: self.snapshots.clone(),
            aggregate: PhantomData,
        }
    }
}

impl<A: Aggregate, S> std::fmt::Debug for Repository<A, S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Repository")
            .field("category", &self.category)
            .field("upcasters", &self.upcasters)
            .field("retry", &self.retry)
            .field("snapshots", &self.snapshots.as_ref().map(|s| s.policy))
            .finish_non_exhaustive()
    }
}

impl<A, S> Repository<A, S>
where
    A: Decide + Send + Sync,
    A::Event: Send + Sync,
    A::Command: Send,
    A::Error: Send,
    S: EventStore,
{
    /// A repository over `store`, with the default retry policy and no snapshots.
    pub fn new(store: S) -> Self {
        Self {
            store,
            category: A::NAME.to_owned(),
            upcasters: Upcasters::new(),
            retry: RetryPolicy::default(),
            snapshots: None,
            aggregate: PhantomData,
        }
    }

    /// Uses `upcasters` for stored events of older schema versions.
    #[must_use]
    pub fn with_upcasters(mut self, upcasters: Upcasters) -> Self {
        self.upcasters = upcasters;
        self
    }

    /// Retries conflicting commands as `policy` says.
    #[must_use]
    pub fn with_retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = RetryPolicy {
            max_attempts: policy.max_attempts.max(1),
        };
        self
    }

    /// Saves snapshots (the state as JSON) as `policy` says and loads from them.
    #[must_use]
    pub fn with_snapshots(mut self, policy: SnapshotPolicy) -> Self
    where
        A: Serialize + DeserializeOwned,
    {
        self.snapshots = Some(Snapshots {
            policy,
            save: save_json::<A>,
            load: load_json::<A>,
        });
        self
    }

    /// The store.
    pub fn store(&self) -> &S {
        &self.store
    }

    /// The stream of instance `id`.
    pub fn stream(&self, id: &str) -> StreamId {
        StreamId::new(self.category.clone(), id)
    }

    /// The current state of instance `id` (the initial state if it has no events).
    pub async fn load(&self, id: &str) -> Result<Loaded<A>, RepositoryError<A::Error>> {
        self.load_as_of(id, AsOf::Latest).await
    }

    /// The state of instance `id` as it was at `as_of`.
    pub async fn load_as_of(
        &self,
        id: &str,
        as_of: AsOf,
    ) -> Result<Loaded<A>, RepositoryError<A::Error>> {
        let stream = self.stream(id);
        let mut range = StreamRange::all();
        // Snapshots are keyed by version, so they serve loads bounded by version only.
        let snapshot_bound = match &as_of {
            AsOf::Latest => Some(u64::MAX),
            AsOf::Version(version) => {
                range = range.to_version(*version);
                Some(*version)
            }
            AsOf::Instant(instant) => {
                range = range.until(*instant);
                None
            }
            AsOf::Position(position) => {
                range = range.until_position(*position);
                None
            }
            AsOf::Tag(tag) => {
                let position = self
                    .store
                    .tag_position(tag)
                    .await?
                    .ok_or_else(|| RepositoryError::UnknownTag(tag.clone()))?;
                range = range.until_position(position);
                None
            }
        };
        let start = match snapshot_bound {
            Some(bound) => self.snapshot_start(&stream, bound).await?,
            None => None,
        };
        if let Some((state, snapshot_version)) = start {
            // Read from the snapshot's own version: its event proves the stream reaches that
            // far. A snapshot beyond the stream (say, of a stream since recreated) is not trusted.
            let events = self
                .store
                .read_stream(&stream, range.from_version(snapshot_version))
                .await?;
            if let Some((first, tail)) = events.split_first()
                && first.version == snapshot_version
            {
                let (state, version, position) =
                    self.fold(&stream, state, snapshot_version, tail)?;
                return Ok(Loaded {
                    state,
                    version,
                    position: if tail.is_empty() {
                        first.position
                    } else {
                        position
                    },
                    from_snapshot: Some(snapshot_version),
                });
            }
        }
        let events = self.store.read_stream(&stream, range).await?;
        let (state, version, position) = self.fold(&stream, A::initial(), 0, &events)?;
        let from_snapshot = None;
        Ok(Loaded {
            state,
            version,
            position,
            from_snapshot,
        })
    }

    /// Every event of instance `id` in `range`, decoded, with its envelope.
    pub async fn history(
        &self,
        id: &str,
        range: StreamRange,
    ) -> Result<Vec<Recorded<A::Event>>, RepositoryError<A::Error>> {
        let events = self.store.read_stream(&self.stream(id), range).await?;
        events
            .into_iter()
            .map(|envelope| {
                let event = codec::decode(&envelope, &self.upcasters)?;
                Ok(Recorded { envelope, event })
            })
            .collect()
    }

    /// Executes `command` against instance `id` with no metadata.
    pub async fn execute<C>(
        &self,
        id: &str,
        command: C,
    ) -> Result<Executed<A>, RepositoryError<A::Error>>
    where
        C: Into<A::Command> + Clone + Send,
    {
        self.execute_with(id, command, Metadata::new()).await
    }

    /// Executes `command` against instance `id`: load, decide, append with the loaded
    /// version as the expected one; on a concurrency conflict, reload and decide again, up to
    /// the retry policy's number of attempts. Every new event carries `metadata`, with the
    /// command's fresh id as causation id and, unless `metadata` has one, correlation id.
    pub async fn execute_with<C>(
        &self,
        id: &str,
        command: C,
        metadata: Metadata,
    ) -> Result<Executed<A>, RepositoryError<A::Error>>
    where
        C: Into<A::Command> + Clone + Send,
    {
        let stream = self.stream(id);
        let command_id = Uuid::now_v7();
        let mut metadata = metadata;
        metadata.correlation_id.get_or_insert(command_id);
        metadata.causation_id.get_or_insert(command_id);
        let mut attempts = 0;
        loop {
            attempts += 1;
            let loaded = self.load(id).await?;
            let mut events = Vec::new();
            loaded
                .state
                .decide_into(command.clone().into(), &mut events)
                .map_err(|error| match error {
                    CommandError::Rejected(error) => RepositoryError::Rejected(error),
                    CommandError::NotHandled {
                        aggregate,
                        state,
                        command,
                    } => RepositoryError::NotHandled {
                        aggregate,
                        state,
                        command,
                    },
                })?;
            if events.is_empty() {
                return Ok(Executed {
                    state: loaded.state,
                    version: loaded.version,
                    events,
                    positions: Vec::new(),
                    command_id,
                    attempts,
                    snapshot_error: None,
                });
            }
            // Each event is legal in the state it leaves by construction, but a sequence
            // emitted by one handler could still leave the graph: check before storing.
            let state = loaded
                .state
                .fold(&events, loaded.version + 1)
                .map_err(|error| error.in_stream(stream.to_string()))?;
            let rows = events
                .iter()
                .map(|event| codec::encode(event, metadata.clone()))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|error| RepositoryError::Encode {
                    stream: stream.clone(),
                    reason: error.to_string(),
                })?;
            match self
                .store
                .append(&stream, ExpectedVersion::Exactly(loaded.version), rows)
                .await
            {
                Ok(appended) => {
                    let snapshot_error = self
                        .snapshot_if_due(&stream, &state, loaded.version, appended.version)
                        .await
                        .err();
                    return Ok(Executed {
                        state,
                        version: appended.version,
                        events,
                        positions: appended.positions,
                        command_id,
                        attempts,
                        snapshot_error,
                    });
                }
                Err(error) if error.is_conflict() => {
                    if attempts >= self.retry.max_attempts {
                        return Err(RepositoryError::Conflict { stream, attempts });
                    }
                }
                Err(error) => return Err(error.into()),
            }
        }
    }

    fn fold(
        &self,
        stream: &StreamId,
        mut state: A,
        mut version: u64,
        events: &[RecordedEvent],
    ) -> Result<(A, u64, u64), RepositoryError<A::Error>> {
        let mut position = 0;
        for recorded in events {
            if recorded.version != version + 1 {
                return Err(StoreError::Corrupt {
                    location: format!("stream `{stream}` after version {version}"),
                    reason: format!(
                        "expected version {}, found {}",
                        version + 1,
                        recorded.version
                    ),
                }
                .into());
            }
            let event: A::Event = codec::decode(recorded, &self.upcasters)?;
            state = state.evolve(&event).map_err(|illegal| {
                ReplayError::new(illegal, recorded.version).in_stream(stream.to_string())
            })?;
            version = recorded.version;
            position = recorded.position;
        }
        Ok((state, version, position))
    }

    /// The newest usable snapshot at or below `bound`; an unreadable or outdated one is ignored.
    async fn snapshot_start(
        &self,
        stream: &StreamId,
        bound: u64,
    ) -> Result<Option<(A, u64)>, RepositoryError<A::Error>> {
        let Some(snapshots) = &self.snapshots else {
            return Ok(None);
        };
        let Some(snapshot) = self.store.load_snapshot(stream, bound).await? else {
            return Ok(None);
        };
        if snapshot.schema_version != snapshots.policy.schema_version {
            return Ok(None);
        }
        Ok((snapshots.load)(&snapshot.state)
            .ok()
            .map(|state| (state, snapshot.version)))
    }

    async fn snapshot_if_due(
        &self,
        stream: &StreamId,
        state: &A,
        before: u64,
        after: u64,
    ) -> Result<(), StoreError> {
        let Some(snapshots) = &self.snapshots else {
            return Ok(());
        };
        let every = snapshots.policy.every;
        if after / every == before / every {
            return Ok(());
        }
        let json = (snapshots.save)(state).map_err(StoreError::backend)?;
        self.store
            .save_snapshot(Snapshot {
                stream: stream.clone(),
                version: after,
                schema_version: snapshots.policy.schema_version,
                state: json,
                taken_at: Timestamp::now(),
            })
            .await
    }
}
