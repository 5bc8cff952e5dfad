//! The declared state graph of an aggregate, and its Mermaid and Graphviz renderings.

use std::fmt::Write as _;

/// The states and arrows of one aggregate, as declared in its `#[aggregate]` enum.
///
/// Every aggregate has one as the constant [`Aggregate::GRAPH`](crate::Aggregate::GRAPH).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Graph<'a> {
    /// The aggregate's name.
    pub aggregate: &'a str,
    /// The states, in declaration order.
    pub states: &'a [StateInfo<'a>],
    /// The events' type names, in declaration order.
    pub events: &'a [&'a str],
    /// The arrows, in declaration order.
    pub arrows: &'a [Arrow<'a>],
}

/// One state (circle) of a [`Graph`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StateInfo<'a> {
    /// The state's name.
    pub name: &'a str,
    /// Whether the aggregate starts here.
    pub initial: bool,
    /// Whether no arrow leaves this state.
    pub terminal: bool,
}

/// One arrow (transition) of a [`Graph`]: taking it records the event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Arrow<'a> {
    /// The source state.
    pub from: &'a str,
    /// The event's type name.
    pub event: &'a str,
    /// The target state.
    pub to: &'a str,
}

impl<'a> Graph<'a> {
    /// The initial state's name.
    #[must_use]
    pub fn initial(&self) -> Option<&'a str> {
        self.states.iter().find(|s| s.initial).map(|s| s.name)
    }

    /// The arrows that leave `state`.
    pub fn arrows_from<'s>(&self, state: &'s str) -> impl Iterator<Item = &'a Arrow<'a>> + 's
    where
        'a: 's,
    {
        self.arrows.iter().filter(move |a| a.from == state)
    }

    /// The target of the arrow leaving `state` on `event`, if one is declared.
    #[must_use]
    pub fn target(&self, state: &str, event: &str) -> Option<&'a str> {
        self.arrows
            .iter()
            .find(|a| a.from == state && a.event == event)
            .map(|a| a.to)
    }

    /// A Mermaid `stateDiagram-v2` of the graph.
    #[must_use]
    pub fn mermaid(&self) -> String {
        let mut out = String::from("stateDiagram-v2\n");
        for state in self.states {
            if state.initial {
                let _ = writeln!(out, "    [*] --> {}", state.name);
            }
        }
        for arrow in self.arrows {
            let _ = writeln!(out, "    {} --> {}: {}", arrow.from, arrow.to, arrow.event);
        }
        for state in self.states {
            if state.terminal {
                let _ = writeln!(out, "    {} --> [*]", state.name);
            }
        }
        out
    }

    /// A Graphviz `digraph` of the graph.
    #[must_use]
    pub fn dot(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "digraph {} {{", quote_dot(self.aggregate));
        out.push_str("    rankdir=LR;\n");
        for state in self.states {
            let shape = if state.terminal {
                "doublecircle"
            } else {
                "circle"
            };
            let _ = writeln!(out, "    {} [shape={shape}];", quote_dot(state.name));
            if state.initial {
                out.push_str("    __start [shape=point];\n");
                let _ = writeln!(out, "    __start -> {};", quote_dot(state.name));
            }
        }
        for arrow in self.arrows {
            let _ = writeln!(
                out,
                "    {} -> {} [label={}];",
                quote_dot(arrow.from),
                quote_dot(arrow.to),
                quote_dot(arrow.event)
            );
        }
        out.push_str("}\n");
        out
    }
}

fn quote_dot(id: &str) -> String {
    format!("\"{}\"", id.replace('\\', "\\\\").replace('"', "\\\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    const TURNSTILE: Graph<'static> = Graph {
        aggregate: "Turnstile",
        states: &[
            StateInfo {
                name: "Locked",
                initial: true,
                terminal: false,
            },
            StateInfo {
                name: "Unlocked",
                initial: false,
                terminal: false,
            },
        ],
        events: &["CoinInserted", "PassedThrough"],
        arrows: &[
            Arrow {
                from: "Locked",
                event: "CoinInserted",
                to: "Unlocked",
            },
            Arrow {
                from: "Unlocked",
                event: "PassedThrough",
                to: "Locked",
            },
        ],
    };

    #[test]
    fn mermaid_lists_initial_state_and_every_arrow() {
        assert_eq!(
            TURNSTILE.mermaid(),
            "stateDiagram-v2\n    [*] --> Locked\n    Locked --> Unlocked: CoinInserted\n    Unlocked --> Locked: PassedThrough\n"
        );
    }

    #[test]
    fn dot_quotes_names_and_marks_start() {
        let dot = TURNSTILE.dot();
        assert!(dot.starts_with("digraph \"Turnstile\" {"));
        assert!(dot.contains("__start -> \"Locked\";"));
        assert!(dot.contains("\"Locked\" -> \"Unlocked\" [label=\"CoinInserted\"];"));
    }

    #[test]
    fn target_and_arrows_from_follow_the_table() {
        assert_eq!(TURNSTILE.target("Locked", "CoinInserted"), Some("Unlocked"));
        assert_eq!(TURNSTILE.target("Locked", "PassedThrough"), None);
        assert_eq!(TURNSTILE.arrows_from("Unlocked").count(), 1);
        assert_eq!(TURNSTILE.initial(), Some("Locked"));
    }
}
