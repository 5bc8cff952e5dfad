//! The conformance suite against `SqliteStore`: a fresh temporary database file per test.

use std::sync::Arc;

use lsaa_runtime::SqliteStore;
use lsaa_runtime::clock::ManualClock;

use super::{Fixture, unique_name};

/// A fresh store in a new file of the temporary directory, on `clock` (the system clock for
/// `None`). The file and SQLite's `-wal`/`-shm`/`-journal` files beside it are removed after
/// the test.
pub(crate) async fn open(clock: Option<ManualClock>) -> Option<Fixture<SqliteStore>> {
    let path = std::env::temp_dir().join(format!("{}.db", unique_name("lsaa-test")));
    let store = match clock {
        Some(clock) => SqliteStore::open_with_clock(&path, Arc::new(clock)).await,
        None => SqliteStore::open(&path).await,
    }
    .unwrap_or_else(|e| panic!("open {}: {e:?}", path.display()));
    let files = ["", "-wal", "-shm", "-journal"]
        .iter()
        .map(|suffix| {
            let mut file = path.clone().into_os_string();
            file.push(suffix);
            file.into()
        })
        .collect();
    Some(Fixture::with_files(store, files))
}

/// Cases this store fails today, each a reported bug or contract question: they must keep
/// failing until fixed (see `run_case`), and then be removed from this list.
pub(crate) const KNOWN_DEVIATIONS: &[(&str, &str)] = &[];

conformance_suite!(open, KNOWN_DEVIATIONS);
