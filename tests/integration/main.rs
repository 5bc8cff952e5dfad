//! One integration binary, a module per feature. The domains under test live in `domains`.

mod basket;
mod domains;
mod turnstile;
