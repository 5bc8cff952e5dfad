//! The conformance suite against `MemoryStore`.

use std::sync::Arc;

use lsaa_runtime::MemoryStore;
use lsaa_runtime::clock::ManualClock;

use super::Fixture;

/// A fresh in-memory store on `clock` (the system clock for `None`).
#[allow(clippy::unused_async)] // Every backend's `open` has the same async signature.
pub(crate) async fn open(clock: Option<ManualClock>) -> Option<Fixture<MemoryStore>> {
    let store = match clock {
        Some(clock) => MemoryStore::with_clock(Arc::new(clock)),
        None => MemoryStore::new(),
    };
    Some(Fixture::new(store))
}

/// Cases this store fails today, each a reported bug or contract question: they must keep
/// failing until fixed (see `run_case`), and then be removed from this list.
pub(crate) const KNOWN_DEVIATIONS: &[(&str, &str)] = &[];

conformance_suite!(open, KNOWN_DEVIATIONS);
