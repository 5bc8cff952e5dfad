//! The PostgreSQL event store: pooled connections, one round trip per append.
