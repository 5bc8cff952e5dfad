//! The conformance suite against `PostgresStore`: a fresh schema per test, skipped without
//! `LSAA_TEST_POSTGRES_URL`.

use std::sync::Arc;

use lsaa_runtime::clock::ManualClock;
use lsaa_runtime::{PostgresOptions, PostgresStore};

use super::{Fixture, unique_name};

/// The environment variable naming the test server.
const URL_VARIABLE: &str = "LSAA_TEST_POSTGRES_URL";

/// A fresh store in a new schema of the test server, on `clock` (the system clock for
/// `None`); `None` (after saying so) when no server is configured.
///
/// The schemas are left behind: the test server is a throwaway one
/// (`scripts/pg-test-server.sh stop` removes it).
pub(crate) async fn open(clock: Option<ManualClock>) -> Option<Fixture<PostgresStore>> {
    let Ok(url) = std::env::var(URL_VARIABLE) else {
        eprintln!("PostgreSQL tests skipped: set {URL_VARIABLE} (see scripts/pg-test-server.sh)");
        return None;
    };
    let schema = unique_name("lsaa_test");
    let mut options = PostgresOptions::default()
        .schema(schema.clone())
        .pool_size(4);
    if let Some(clock) = clock {
        options = options.clock(Arc::new(clock));
    }
    let store = PostgresStore::connect_with(&url, options)
        .await
        .unwrap_or_else(|e| panic!("connect to {url} (schema {schema}): {e:?}"));
    Some(Fixture::new(store))
}

/// Cases `PostgresStore` fails today, each a reported bug or contract question: they must
/// keep failing until fixed (see `run_case`), and then be removed from this list.
const KNOWN_DEVIATIONS: &[(&str, &str)] = &[];

conformance_suite!(open, KNOWN_DEVIATIONS);
