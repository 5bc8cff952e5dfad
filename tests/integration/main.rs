//! One integration binary, a module per feature. The domains under test live in `domains`.

mod basket;
mod domains;
mod emit;
mod events;
mod graph;
mod harness;
mod properties;
mod replay;
mod repository;
mod store;
mod turnstile;
mod typestate;
