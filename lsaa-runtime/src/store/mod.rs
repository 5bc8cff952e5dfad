//! The event store contract, shared by every backend: append with optimistic concurrency,
//! read by stream and in global order, tags, snapshots.

use std::future::Future;

use crate::envelope::{NewEvent, RecordedEvent, StreamId, Timestamp};

pub mod memory;
#[cfg(feature = "postgres")]
pub mod postgres;
#[cfg(feature = "sqlite")]
pub mod sqlite;

/// What the writer believes the stream's version is; the append fails if it is wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExpectedVersion {
    /// Append whatever the stream's version.
    Any,
    /// The stream must not exist yet.
    NoStream,
    /// The stream's current version must be exactly this (`Exactly(0)` is `NoStream`).
    Exactly(u64),
}

impl ExpectedVersion {
    /// Whether a stream at `current` (0 when it does not exist) satisfies the expectation.
    #[must_use]
    pub fn admits(self, current: u64) -> bool {
        match self {
            Self::Any => true,
            Self::NoStream => current == 0,
            Self::Exactly(expected) => current == expected,
        }
    }
}

/// The result of a successful append.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Appended {
    /// The stream's version after the append (its last event's version).
    pub version: u64,
    /// The global position of each appended event, in order.
    pub positions: Vec<u64>,
    /// When the batch was recorded.
    pub recorded_at: Timestamp,
}

/// Which part of a stream to read. The default reads the whole stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StreamRange {
    /// The first version to read (inclusive, from 1).
    pub from_version: u64,
    /// The last version to read (inclusive).
    pub to_version: Option<u64>,
    /// Only events recorded at or before this instant.
    pub until: Option<Timestamp>,
    /// Only events at or before this global position.
    pub until_position: Option<u64>,
}

impl Default for StreamRange {
    fn default() -> Self {
        Self::all()
    }
}

impl StreamRange {
    /// The whole stream.
    #[must_use]
    pub const fn all() -> Self {
        Self {
            from_version: 1,
            to_version: None,
            until: None,
            until_position: None,
        }
    }

    /// From `version` (inclusive) on.
    #[must_use]
    pub const fn from_version(mut self, version: u64) -> Self {
        self.from_version = version;
        self
    }

    /// Up to `version` (inclusive).
    #[must_use]
    pub const fn to_version(mut self, version: u64) -> Self {
        self.to_version = Some(version);
        self
    }

    /// Up to the instant `until` (inclusive).
    #[must_use]
    pub const fn until(mut self, until: Timestamp) -> Self {
        self.until = Some(until);
        self
    }

    /// Up to the global position `position` (inclusive).
    #[must_use]
    pub const fn until_position(mut self, position: u64) -> Self {
        self.until_position = Some(position);
        self
    }

    /// Whether `event` falls in the range (for stores that filter in memory).
    #[must_use]
    pub fn contains(&self, event: &RecordedEvent) -> bool {
        event.version >= self.from_version
            && self.to_version.is_none_or(|v| event.version <= v)
            && self.until.is_none_or(|t| event.recorded_at <= t)
            && self.until_position.is_none_or(|p| event.position <= p)
    }
}

/// A saved state of one stream at one version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    /// The stream.
    pub stream: StreamId,
    /// The stream version the state includes (all events up to and including it).
    pub version: u64,
    /// The schema version of the serialized state; a snapshot of another version is ignored.
    pub schema_version: u32,
    /// The state as JSON text.
    pub state: String,
    /// When it was taken.
    pub taken_at: Timestamp,
}

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The stream's version is not the expected one: reload and decide again.
    #[error(
        "concurrency conflict on stream `{stream}`: expected {expected:?}, but the stream is at version {actual}"
    )]
    Conflict {
        /// The stream.
        stream: StreamId,
        /// What the writer expected.
        expected: ExpectedVersion,
        /// The version found.
        actual: u64,
    },
    /// An append without events.
    #[error("nothing to append to stream `{stream}`: a batch needs at least one event")]
    EmptyBatch {
        /// The stream.
        stream: StreamId,
    },
    /// The batch cannot be stored as it is; nothing was written.
    #[error("cannot append to stream `{stream}`: {reason}")]
    InvalidInput {
        /// The stream.
        stream: StreamId,
        /// What is wrong.
        reason: String,
    },
    /// An event with this id is already stored (for example, a retried append whose first
    /// attempt did commit); nothing of the batch was written.
    #[error("event {id} is already stored; nothing of the batch for stream `{stream}` was written")]
    DuplicateEvent {
        /// The stream of the batch.
        stream: StreamId,
        /// The id that is already stored.
        id: uuid::Uuid,
    },
    /// A tag name is already in use.
    #[error("tag `{tag}` already marks position {position}; tags are immutable")]
    TagExists {
        /// The tag.
        tag: String,
        /// The position it marks.
        position: u64,
    },
    /// The file or database is not an lsaa event store (another application's data, or not a
    /// database at all); it was left untouched.
    #[error("{location} is not an lsaa event store: {reason}; it was left untouched")]
    NotAStore {
        /// The file or database.
        location: String,
        /// What was found instead.
        reason: String,
    },
    /// A stored row cannot be read back.
    #[error("corrupt row in the store at {location}: {reason}")]
    Corrupt {
        /// Where (stream and version, or position).
        location: String,
        /// What is wrong.
        reason: String,
    },
    /// The database was written by a newer lsaa.
    #[error(
        "the store's schema is version {found}, newer than this lsaa knows ({supported}); upgrade lsaa"
    )]
    SchemaTooNew {
        /// The schema version found.
        found: i64,
        /// The newest schema version this build knows.
        supported: i64,
    },
    /// The backend failed (I/O, connection, SQL).
    #[error("store backend error: {0}")]
    Backend(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl StoreError {
    /// Wraps a backend error.
    pub fn backend(error: impl std::error::Error + Send + Sync + 'static) -> Self {
        Self::Backend(Box::new(error))
    }

    /// Whether retrying after reloading may succeed.
    #[must_use]
    pub fn is_conflict(&self) -> bool {
        matches!(self, Self::Conflict { .. })
    }
}

/// Parses stored metadata; most events carry none, and `{}` needs no parser.
#[cfg(any(feature = "sqlite", feature = "postgres"))]
pub(crate) fn decode_metadata(text: &str) -> Result<crate::envelope::Metadata, serde_json::Error> {
    if text == "{}" {
        return Ok(crate::envelope::Metadata::default());
    }
    serde_json::from_str(text)
}

/// Whether a stream id can be stored at all (PostgreSQL text cannot hold NUL). Reads of an
/// unstorable stream find nothing; appends to it are refused.
pub(crate) fn storable(stream: &StreamId) -> bool {
    !stream.category.contains('\0') && !stream.id.contains('\0')
}

/// Checks what every store refuses before it writes anything: an empty batch, a stream id
/// containing NUL (PostgreSQL text cannot hold it), a payload that is not JSON, and an event
/// id repeated within the batch.
pub(crate) fn check_batch(stream: &StreamId, events: &[NewEvent]) -> Result<(), StoreError> {
    if events.is_empty() {
        return Err(StoreError::EmptyBatch {
            stream: stream.clone(),
        });
    }
    let invalid = |reason: String| StoreError::InvalidInput {
        stream: stream.clone(),
        reason,
    };
    if !storable(stream) {
        return Err(invalid(
            "stream ids cannot contain NUL characters".to_owned(),
        ));
    }
    let mut ids = std::collections::HashSet::with_capacity(events.len());
    for (index, event) in events.iter().enumerate() {
        if let Err(error) = serde_json::from_str::<serde::de::IgnoredAny>(&event.payload) {
            return Err(invalid(format!(
                "the payload of event #{} (`{}`) is not JSON: {error}",
                index + 1,
                event.name
            )));
        }
        if !ids.insert(event.id) {
            return Err(StoreError::DuplicateEvent {
                stream: stream.clone(),
                id: event.id,
            });
        }
    }
    Ok(())
}

/// An event store.
///
/// Every implementation guarantees: a batch is appended atomically (all events or none);
/// versions within a stream are gap-free from 1; positions increase across the store in
/// commit order, so a reader following [`read_all`](EventStore::read_all) from its last
/// position never skips an event that commits later; recorded times never decrease within a
/// stream (a clock that steps back is clamped to the stream's last time), so reads up to an
/// instant return a prefix of the stream; event ids are unique across the store
/// ([`StoreError::DuplicateEvent`]); payloads come back as the exact JSON text appended; and
/// `append` returns only once the batch is durable.
///
/// Cancelling an `append` (dropping its future) does not cancel the write: the batch may
/// still commit. Retry with the same event ids and a [`StoreError::DuplicateEvent`] tells
/// that it did.
pub trait EventStore: Send + Sync {
    /// Appends `events` to `stream` if its version satisfies `expected`.
    fn append(
        &self,
        stream: &StreamId,
        expected: ExpectedVersion,
        events: Vec<NewEvent>,
    ) -> impl Future<Output = Result<Appended, StoreError>> + Send;

    /// Reads the events of `stream` in `range`, in version order.
    fn read_stream(
        &self,
        stream: &StreamId,
        range: StreamRange,
    ) -> impl Future<Output = Result<Vec<RecordedEvent>, StoreError>> + Send;

    /// Reads up to `limit` events of all streams with a position greater than `after`, in
    /// position order.
    fn read_all(
        &self,
        after: u64,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<RecordedEvent>, StoreError>> + Send;

    /// The current version of `stream` (0 when it does not exist).
    fn stream_version(
        &self,
        stream: &StreamId,
    ) -> impl Future<Output = Result<u64, StoreError>> + Send;

    /// The highest position in the store (0 when empty).
    fn head_position(&self) -> impl Future<Output = Result<u64, StoreError>> + Send;

    /// Names the global `position` with `tag`, like a git tag. Tags are immutable.
    fn create_tag(
        &self,
        tag: &str,
        position: u64,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// The position a tag names.
    fn tag_position(
        &self,
        tag: &str,
    ) -> impl Future<Output = Result<Option<u64>, StoreError>> + Send;

    /// Saves a snapshot, replacing one of the same stream and version.
    fn save_snapshot(
        &self,
        snapshot: Snapshot,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// The latest snapshot of `stream` with a version at most `max_version`.
    fn load_snapshot(
        &self,
        stream: &StreamId,
        max_version: u64,
    ) -> impl Future<Output = Result<Option<Snapshot>, StoreError>> + Send;
}

/// A shared store is a store.
impl<S: EventStore + ?Sized> EventStore for std::sync::Arc<S> {
    fn append(
        &self,
        stream: &StreamId,
        expected: ExpectedVersion,
        events: Vec<NewEvent>,
    ) -> impl Future<Output = Result<Appended, StoreError>> + Send {
        (**self).append(stream, expected, events)
    }

    fn read_stream(
        &self,
        stream: &StreamId,
        range: StreamRange,
    ) -> impl Future<Output = Result<Vec<RecordedEvent>, StoreError>> + Send {
        (**self).read_stream(stream, range)
    }

    fn read_all(
        &self,
        after: u64,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<RecordedEvent>, StoreError>> + Send {
        (**self).read_all(after, limit)
    }

    fn stream_version(
        &self,
        stream: &StreamId,
    ) -> impl Future<Output = Result<u64, StoreError>> + Send {
        (**self).stream_version(stream)
    }

    fn head_position(&self) -> impl Future<Output = Result<u64, StoreError>> + Send {
        (**self).head_position()
    }

    fn create_tag(
        &self,
        tag: &str,
        position: u64,
    ) -> impl Future<Output = Result<(), StoreError>> + Send {
        (**self).create_tag(tag, position)
    }

    fn tag_position(
        &self,
        tag: &str,
    ) -> impl Future<Output = Result<Option<u64>, StoreError>> + Send {
        (**self).tag_position(tag)
    }

    fn save_snapshot(
        &self,
        snapshot: Snapshot,
    ) -> impl Future<Output = Result<(), StoreError>> + Send {
        (**self).save_snapshot(snapshot)
    }

    fn load_snapshot(
        &self,
        stream: &StreamId,
        max_version: u64,
    ) -> impl Future<Output = Result<Option<Snapshot>, StoreError>> + Send {
        (**self).load_snapshot(stream, max_version)
    }
}
