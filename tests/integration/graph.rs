//! The declared graph: `GRAPH` lists states, events and arrows as written, and renders to
//! Mermaid and Graphviz.

use lsaa::prelude::*;
use lsaa::{Arrow, StateInfo};

use crate::domains::basket::Basket;
use crate::domains::turnstile::Turnstile;

const fn state(name: &'static str, initial: bool, terminal: bool) -> StateInfo<'static> {
    StateInfo {
        name,
        initial,
        terminal,
    }
}

const fn arrow(from: &'static str, event: &'static str, to: &'static str) -> Arrow<'static> {
    Arrow { from, event, to }
}

#[test]
fn the_basket_graph_is_the_declared_table() {
    let graph = Basket::GRAPH;
    assert_eq!(graph.aggregate, "Basket");
    assert_eq!(<Basket as Aggregate>::NAME, "Basket");
    assert_eq!(
        graph.states,
        [
            state("Empty", true, false),
            state("Open", false, false),
            state("CheckedOut", false, true),
            state("Abandoned", false, true),
        ]
    );
    assert_eq!(
        graph.events,
        [
            "ItemAdded",
            "QuantityChanged",
            "ItemRemoved",
            "BasketCheckedOut",
            "BasketAbandoned",
        ]
    );
    // Each variant's rows in order, then the enum-level row with one arrow per source.
    assert_eq!(
        graph.arrows,
        [
            arrow("Empty", "ItemAdded", "Open"),
            arrow("Open", "ItemAdded", "Open"),
            arrow("Open", "QuantityChanged", "Open"),
            arrow("Open", "ItemRemoved", "Open"),
            arrow("Open", "BasketCheckedOut", "CheckedOut"),
            arrow("Empty", "BasketAbandoned", "Abandoned"),
            arrow("Open", "BasketAbandoned", "Abandoned"),
        ]
    );
    assert_eq!(graph.initial(), Some("Empty"));
    assert_eq!(graph.target("Open", "BasketAbandoned"), Some("Abandoned"));
    assert_eq!(graph.target("CheckedOut", "BasketAbandoned"), None);
    assert_eq!(graph.arrows_from("Open").count(), 5);
    assert_eq!(graph.arrows_from("Abandoned").count(), 0);
}

#[test]
fn the_graph_is_usable_in_const_context() {
    const ARROWS: usize = Turnstile::GRAPH.arrows.len();
    const _: () = assert!(ARROWS == 3);
    assert_eq!(Turnstile::GRAPH.states.len(), 2);
}

#[test]
fn every_terminal_state_of_the_graph_has_no_arrow_out() {
    for graph in [Basket::GRAPH, Turnstile::GRAPH] {
        for state in graph.states {
            assert_eq!(
                state.terminal,
                graph.arrows_from(state.name).next().is_none(),
                "{}::{}",
                graph.aggregate,
                state.name
            );
        }
    }
}

#[test]
fn the_basket_mermaid_diagram() {
    assert_eq!(
        Basket::GRAPH.mermaid(),
        "stateDiagram-v2
    [*] --> Empty
    Empty --> Open: ItemAdded
    Open --> Open: ItemAdded
    Open --> Open: QuantityChanged
    Open --> Open: ItemRemoved
    Open --> CheckedOut: BasketCheckedOut
    Empty --> Abandoned: BasketAbandoned
    Open --> Abandoned: BasketAbandoned
    CheckedOut --> [*]
    Abandoned --> [*]
"
    );
}

#[test]
fn the_turnstile_mermaid_diagram() {
    assert_eq!(
        Turnstile::GRAPH.mermaid(),
        "stateDiagram-v2
    [*] --> Locked
    Locked --> Unlocked: CoinInserted
    Unlocked --> Locked: PassedThrough
    Unlocked --> Unlocked: CoinInserted
"
    );
}

#[test]
fn the_basket_graphviz_diagram() {
    assert_eq!(
        Basket::GRAPH.dot(),
        r#"digraph "Basket" {
    rankdir=LR;
    "Empty" [shape=circle];
    __start [shape=point];
    __start -> "Empty";
    "Open" [shape=circle];
    "CheckedOut" [shape=doublecircle];
    "Abandoned" [shape=doublecircle];
    "Empty" -> "Open" [label="ItemAdded"];
    "Open" -> "Open" [label="ItemAdded"];
    "Open" -> "Open" [label="QuantityChanged"];
    "Open" -> "Open" [label="ItemRemoved"];
    "Open" -> "CheckedOut" [label="BasketCheckedOut"];
    "Empty" -> "Abandoned" [label="BasketAbandoned"];
    "Open" -> "Abandoned" [label="BasketAbandoned"];
}
"#
    );
}

#[test]
fn state_names_match_the_graph() {
    assert_eq!(
        Basket::initial().state_name(),
        Basket::GRAPH.initial().unwrap()
    );
    assert_eq!(
        Turnstile::initial().state_name(),
        Turnstile::GRAPH.initial().unwrap()
    );
}
