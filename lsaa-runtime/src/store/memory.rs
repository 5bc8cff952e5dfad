//! An in-memory event store, for unit tests and examples. Nothing survives the process.

use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::sync::{Arc, Mutex, MutexGuard};

use super::{Appended, EventStore, ExpectedVersion, Snapshot, StoreError, StreamRange};
use crate::clock::{self, Clock};
use uuid::Uuid;

use crate::envelope::{NewEvent, RecordedEvent, StreamId};

/// An event store held in memory. Cheap to clone: clones share the same events.
#[derive(Debug, Clone)]
pub struct MemoryStore {
    inner: Arc<Mutex<Inner>>,
    clock: Arc<dyn Clock>,
}

#[derive(Debug, Default)]
struct Inner {
    /// Every event, in position order (position = index + 1).
    events: Vec<RecordedEvent>,
    /// Indexes into `events` of each stream's events, in version order.
    streams: HashMap<StreamId, Vec<usize>>,
    /// Every stored event id, to refuse duplicates as the SQL stores do.
    ids: HashSet<Uuid>,
    tags: HashMap<String, u64>,
    snapshots: HashMap<StreamId, Vec<Snapshot>>,
}

impl Default for MemoryStore {
    fn default() -> Self {
        Self::new()
    }
}

impl MemoryStore {
    /// An empty store recording times from the system clock.
    #[must_use]
    pub fn new() -> Self {
        Self::with_clock(clock::system())
    }

    /// An empty store recording times from `clock`.
    #[must_use]
    pub fn with_clock(clock: Arc<dyn Clock>) -> Self {
        Self {
            inner: Arc::new(Mutex::new(Inner::default())),
            clock,
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic while holding the lock cannot leave `Inner` half-updated: every mutation
        // below is completed before the guard drops, so the data is still consistent.
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn append_now(
        &self,
        stream: &StreamId,
        expected: ExpectedVersion,
        events: Vec<NewEvent>,
    ) -> Result<Appended, StoreError> {
        super::check_batch(stream, &events)?;
        let mut inner = self.lock();
        let indexes = inner.streams.get(stream);
        let current = indexes.map_or(0, |s| s.len() as u64);
        if !expected.admits(current) {
            return Err(StoreError::Conflict {
                stream: stream.clone(),
                expected,
                actual: current,
            });
        }
        if let Some(taken) = events.iter().find(|e| inner.ids.contains(&e.id)) {
            return Err(StoreError::DuplicateEvent {
                stream: stream.clone(),
                id: taken.id,
            });
        }
        // Recorded times never decrease within a stream, even if the clock steps back.
        let last = indexes
            .and_then(|s| s.last())
            .map(|&i| inner.events[i].recorded_at);
        let recorded_at = last.map_or(self.clock.now(), |last| self.clock.now().max(last));
        let mut positions = Vec::with_capacity(events.len());
        let mut indexes = Vec::with_capacity(events.len());
        for (offset, event) in (1..).zip(events) {
            let index = inner.events.len();
            inner.ids.insert(event.id);
            let position = index as u64 + 1;
            inner.events.push(RecordedEvent {
                id: event.id,
                stream: stream.clone(),
                version: current + offset,
                position,
                recorded_at,
                name: event.name,
                schema_version: event.schema_version,
                payload: event.payload,
                metadata: event.metadata,
            });
            positions.push(position);
            indexes.push(index);
        }
        inner
            .streams
            .entry(stream.clone())
            .or_default()
            .extend(indexes);
        Ok(Appended {
            version: current + positions.len() as u64,
            positions,
            recorded_at,
        })
    }
}

impl EventStore for MemoryStore {
    fn append(
        &self,
        stream: &StreamId,
        expected: ExpectedVersion,
        events: Vec<NewEvent>,
    ) -> impl Future<Output = Result<Appended, StoreError>> + Send {
        std::future::ready(self.append_now(stream, expected, events))
    }

    fn read_stream(
        &self,
        stream: &StreamId,
        range: StreamRange,
    ) -> impl Future<Output = Result<Vec<RecordedEvent>, StoreError>> + Send {
        let inner = self.lock();
        let events = inner.streams.get(stream).map_or_else(Vec::new, |indexes| {
            indexes
                .iter()
                .map(|&i| &inner.events[i])
                .filter(|e| range.contains(e))
                .cloned()
                .collect()
        });
        std::future::ready(Ok(events))
    }

    fn read_all(
        &self,
        after: u64,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<RecordedEvent>, StoreError>> + Send {
        let inner = self.lock();
        let start = usize::try_from(after)
            .unwrap_or(usize::MAX)
            .min(inner.events.len());
        let events = inner.events[start..].iter().take(limit).cloned().collect();
        std::future::ready(Ok(events))
    }

    fn stream_version(
        &self,
        stream: &StreamId,
    ) -> impl Future<Output = Result<u64, StoreError>> + Send {
        let version = self
            .lock()
            .streams
            .get(stream)
            .map_or(0, |s| s.len() as u64);
        std::future::ready(Ok(version))
    }

    fn head_position(&self) -> impl Future<Output = Result<u64, StoreError>> + Send {
        std::future::ready(Ok(self.lock().events.len() as u64))
    }

    fn create_tag(
        &self,
        tag: &str,
        position: u64,
    ) -> impl Future<Output = Result<(), StoreError>> + Send {
        let mut inner = self.lock();
        let result = if let Some(&existing) = inner.tags.get(tag) {
            Err(StoreError::TagExists {
                tag: tag.to_owned(),
                position: existing,
            })
        } else {
            inner.tags.insert(tag.to_owned(), position);
            Ok(())
        };
        std::future::ready(result)
    }

    fn tag_position(
        &self,
        tag: &str,
    ) -> impl Future<Output = Result<Option<u64>, StoreError>> + Send {
        std::future::ready(Ok(self.lock().tags.get(tag).copied()))
    }

    fn save_snapshot(
        &self,
        snapshot: Snapshot,
    ) -> impl Future<Output = Result<(), StoreError>> + Send {
        let mut inner = self.lock();
        let snapshots = inner.snapshots.entry(snapshot.stream.clone()).or_default();
        snapshots.retain(|s| s.version != snapshot.version);
        snapshots.push(snapshot);
        snapshots.sort_by_key(|s| s.version);
        std::future::ready(Ok(()))
    }

    fn load_snapshot(
        &self,
        stream: &StreamId,
        max_version: u64,
    ) -> impl Future<Output = Result<Option<Snapshot>, StoreError>> + Send {
        let inner = self.lock();
        let found = inner.snapshots.get(stream).and_then(|snapshots| {
            snapshots
                .iter()
                .rev()
                .find(|s| s.version <= max_version)
                .cloned()
        });
        std::future::ready(Ok(found))
    }
}
