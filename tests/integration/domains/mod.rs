//! The domains under test, shared by every feature module. They mirror `examples/turnstile.rs`
//! and `examples/basket.rs` (without their `main`), with crate-private visibility.

pub(crate) mod basket;
pub(crate) mod door;
pub(crate) mod turnstile;
