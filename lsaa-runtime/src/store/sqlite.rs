//! The SQLite event store: one file, WAL, durable once `append` returns.
