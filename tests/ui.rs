//! Compile-fail and pass cases for `#[aggregate]` and `#[derive(Event)]`.
//!
//! The `.stderr` files are pinned to the stable compiler the project uses (rustc 1.95):
//! rustc's wording and layout change between releases, so regenerate them with
//! `TRYBUILD=overwrite cargo test --test ui` only on that compiler, then review every
//! changed file like documentation.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/attributes/*.rs");
    t.compile_fail("tests/ui/states/*.rs");
    t.compile_fail("tests/ui/graph/*.rs");
    t.compile_fail("tests/ui/evolve/*.rs");
    t.compile_fail("tests/ui/handlers/*.rs");
    t.compile_fail("tests/ui/typestate/*.rs");
    t.compile_fail("tests/ui/events/*.rs");
    t.pass("tests/ui/pass/*.rs");
}
