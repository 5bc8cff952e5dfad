//! Validate: one `check_<rule>` per rule of the transition table, then lowering into the
//! resolved [`Machine`]. Errors go to [`Errors`]; the model is built from whatever resolves
//! so that one mistake does not hide the rest or cascade into the generated code.

use std::collections::{HashMap, VecDeque};

use proc_macro2::Span;
use quote::ToTokens;
use syn::spanned::Spanned;
use syn::{Ident, Path};

use super::model::{Arrow, EventRef, Machine, State, StateData};
use super::parse::{Input, Row, VariantData};
use crate::errors::Errors;
use crate::suggest;

/// Validates `input` and lowers it into a [`Machine`], or `None` when nothing can be generated.
pub(crate) fn check(input: &Input, errors: &mut Errors) -> Option<Machine> {
    if !check_no_generics(input, errors) {
        // Every generated impl would need the parameters: generate nothing.
        return None;
    }
    if input.variants.is_empty() {
        errors.on(
            &input.item.ident,
            format_args!(
                "`{}` has no states: add a variant for each state, one of them `#[initial]`",
                input.item.ident
            ),
        );
    }
    let shared_types = check_distinct_state_types(input, errors);
    let events = resolve_events(input, errors);
    let mut states: Vec<State> = input
        .variants
        .iter()
        .map(|v| State {
            ident: v.ident.clone(),
            data: match &v.data {
                VariantData::Unit => StateData::Unit,
                VariantData::Tuple(ty) => StateData::Tuple(ty.clone()),
                VariantData::Unsupported => StateData::Unsupported,
            },
            terminal: !v.terminal.is_empty(),
        })
        .collect();
    // A second state holding an already used type is left without generated impls, which
    // would only clash with the first one's.
    for index in shared_types {
        states[index].data = StateData::Unsupported;
    }
    let (initial, initial_span) = check_one_initial(input, errors);
    let arrows = resolve_arrows(input, &events, errors);
    // After any error so far the table may be missing arrows: the graph checks below would
    // only repeat that error in other words, and the generated code must not insist on the
    // arrows it could not read.
    let incomplete = errors.count() > 0;
    let machine = Machine {
        ident: input.item.ident.clone(),
        vis: input.item.vis.clone(),
        event_enum: format_ident_suffix(&input.item.ident, "Event"),
        error: input.args.error.clone(),
        states,
        events,
        arrows,
        initial,
        initial_span,
        incomplete,
    };
    check_terminal_has_no_arrows(&machine, errors);
    if !incomplete {
        if !input.args.allow.unreachable.is_present() {
            check_reachable(&machine, errors);
        }
        if !input.args.allow.dead_end.is_present() {
            check_way_out(&machine, errors);
        }
        if !input.args.allow.unused_event.is_present() {
            check_events_used(&machine, errors);
        }
    }
    Some(machine)
}

fn format_ident_suffix(ident: &Ident, suffix: &str) -> Ident {
    Ident::new(&format!("{ident}{suffix}"), ident.span())
}

// Rule: the aggregate enum has no generic parameters (its states, events and the generated
// trait impls are concrete types).
fn check_no_generics(input: &Input, errors: &mut Errors) -> bool {
    let generics = &input.item.generics;
    let concrete = generics.params.is_empty() && generics.where_clause.is_none();
    if !concrete {
        errors.on(
            generics,
            format_args!(
                "aggregates with generic parameters are not supported: `{}` must be a concrete type; move the varying part into the state types",
                input.item.ident
            ),
        );
    }
    concrete
}

// Rule: each state holds its own type, so that a handler's state parameter names one state.
fn check_distinct_state_types(input: &Input, errors: &mut Errors) -> Vec<usize> {
    let mut seen: HashMap<String, &Ident> = HashMap::new();
    let mut repeated = Vec::new();
    for (index, variant) in input.variants.iter().enumerate() {
        if let VariantData::Tuple(ty) = &variant.data {
            let key = ty.to_token_stream().to_string();
            if let Some(first) = seen.get(&key) {
                errors.on(
                    ty,
                    format_args!(
                        "states `{first}` and `{}` both hold `{key}`: each state needs its own type, because handlers and evolve functions name their state by its type",
                        variant.ident
                    ),
                );
                repeated.push(index);
            } else {
                seen.insert(key, &variant.ident);
            }
        }
    }
    repeated
}

// Rule: the events are declared once each, in `events(...)`, and at least one exists.
fn resolve_events(input: &Input, errors: &mut Errors) -> Vec<EventRef> {
    let Some(list) = &input.args.events else {
        errors.at(
            input.args_span,
            format_args!(
                "missing `events(...)`: list every event of `{}`, as in `#[aggregate(events(CoinInserted, PassedThrough))]`",
                input.item.ident
            ),
        );
        return Vec::new();
    };
    let mut events: Vec<EventRef> = Vec::new();
    for path in list.iter() {
        let Some(segment) = path.segments.last() else {
            continue;
        };
        if !segment.arguments.is_none() {
            errors.on(
                &segment.arguments,
                "events with generic arguments are not supported",
            );
            continue;
        }
        if let Some(first) = events.iter().find(|e| e.ident == segment.ident) {
            let (first_path, this_path) = (
                first.path.to_token_stream().to_string().replace(' ', ""),
                path.to_token_stream().to_string().replace(' ', ""),
            );
            if first_path == this_path {
                errors.on(
                    path,
                    format_args!("event `{}` is listed twice in `events(...)`", segment.ident),
                );
            } else {
                errors.on(
                    path,
                    format_args!(
                        "events `{first_path}` and `{this_path}` both end in `{}`, which names their variant in `{}Event`: rename one of the types",
                        segment.ident, input.item.ident
                    ),
                );
            }
            continue;
        }
        events.push(EventRef {
            path: path.clone(),
            ident: segment.ident.clone(),
        });
    }
    if events.is_empty() && !list.is_empty() {
        return events;
    }
    if list.is_empty() {
        errors.at(
            input.args_span,
            "`events(...)` is empty: a state machine needs at least one event",
        );
    }
    events
}

// Rule: exactly one state is `#[initial]`.
fn check_one_initial(input: &Input, errors: &mut Errors) -> (usize, Span) {
    let marked: Vec<(usize, Span)> = input
        .variants
        .iter()
        .enumerate()
        .filter_map(|(i, v)| v.initial.first().map(|span| (i, *span)))
        .collect();
    match marked.as_slice() {
        // No states at all is reported on its own.
        [] if input.variants.is_empty() => (0, input.item.ident.span()),
        [] => {
            errors.on(
                &input.item.ident,
                format_args!(
                    "`{}` has no initial state: mark the state it starts in with `#[initial]`",
                    input.item.ident
                ),
            );
            (0, input.item.ident.span())
        }
        [(only, span)] => (*only, *span),
        [(first, span), rest @ ..] => {
            for (other, other_span) in rest {
                errors.at(
                    *other_span,
                    format_args!(
                        "`{}` has several initial states, `{}` and `{}`: keep `#[initial]` on one",
                        input.item.ident,
                        input.variants[*first].ident,
                        input.variants[*other].ident
                    ),
                );
            }
            (*first, *span)
        }
    }
}

fn find_state(input: &Input, name: &Ident, errors: &mut Errors) -> Option<usize> {
    let found = input.variants.iter().position(|v| v.ident == *name);
    if found.is_none() {
        let candidates = input
            .variants
            .iter()
            .map(|v| v.ident.to_string())
            .collect::<Vec<_>>();
        errors.on(
            name,
            format_args!(
                "unknown state `{name}`: `{}` has no such variant{}",
                input.item.ident,
                suggest::hint(&name.to_string(), candidates.iter().map(String::as_str))
            ),
        );
    }
    found
}

fn find_event(
    input: &Input,
    events: &[EventRef],
    path: &Path,
    errors: &mut Errors,
) -> Option<usize> {
    let last = path.segments.last()?;
    let found = events.iter().position(|e| e.ident == last.ident);
    if found.is_none() && input.args.events.is_some() {
        let candidates = events
            .iter()
            .map(|e| e.ident.to_string())
            .collect::<Vec<_>>();
        errors.on(
            path,
            format_args!(
                "unknown event `{}`: it is not listed in `events(...)` of `{}`{}",
                last.ident,
                input.item.ident,
                suggest::hint(
                    &last.ident.to_string(),
                    candidates.iter().map(String::as_str)
                )
            ),
        );
    }
    found
}

// Rules: every arrow names known states and events; no arrow is declared twice; no
// `(state, event)` pair leads to two targets (evolve must be deterministic).
fn resolve_arrows(input: &Input, events: &[EventRef], errors: &mut Errors) -> Vec<Arrow> {
    let mut rows: Vec<(usize, &Row)> = Vec::new();
    for (from, variant) in input.variants.iter().enumerate() {
        rows.extend(variant.rows.iter().map(|row| (from, row)));
    }
    for shared in &input.shared_rows {
        for source in &shared.sources {
            if let Some(from) = find_state(input, source, errors) {
                rows.push((from, &shared.row));
            }
        }
    }
    let mut arrows: Vec<Arrow> = Vec::new();
    for (from, row) in rows {
        let to = find_state(input, &row.target, errors);
        for path in &row.events {
            let event = find_event(input, events, path, errors);
            let (Some(to), Some(event)) = (to, event) else {
                continue;
            };
            if let Some(existing) = arrows.iter().find(|a| a.from == from && a.event == event) {
                let (state, event_name) = (&input.variants[from].ident, &events[event].ident);
                if existing.to == to {
                    errors.on(
                        path,
                        format_args!(
                            "the arrow from `{state}` on `{event_name}` to `{}` is declared twice",
                            input.variants[to].ident
                        ),
                    );
                } else {
                    errors.on(
                        path,
                        format_args!(
                            "`{state}` on `{event_name}` leads to two states, `{}` and `{}`: an event must take a state to exactly one target",
                            input.variants[existing.to].ident,
                            input.variants[to].ident
                        ),
                    );
                }
                continue;
            }
            arrows.push(Arrow {
                from,
                event,
                to,
                span: path.span(),
            });
        }
    }
    arrows
}

// Rule: a terminal state has no outgoing arrows.
fn check_terminal_has_no_arrows(machine: &Machine, errors: &mut Errors) {
    for arrow in &machine.arrows {
        let state = &machine.states[arrow.from];
        if state.terminal {
            errors.at(
                arrow.span,
                format_args!(
                    "terminal state `{}` cannot have outgoing arrows: remove the arrow on `{}`, or remove `#[terminal]`",
                    state.ident, machine.events[arrow.event].ident
                ),
            );
        }
    }
}

// Rule: every state is reachable from the initial state (opt out: `allow(unreachable)`).
fn check_reachable(machine: &Machine, errors: &mut Errors) {
    let mut seen = vec![false; machine.states.len()];
    let mut queue = VecDeque::from([machine.initial]);
    seen[machine.initial] = true;
    while let Some(state) = queue.pop_front() {
        for arrow in machine.arrows.iter().filter(|a| a.from == state) {
            if !seen[arrow.to] {
                seen[arrow.to] = true;
                queue.push_back(arrow.to);
            }
        }
    }
    for (state, _) in machine.states.iter().zip(seen).filter(|(_, seen)| !seen) {
        errors.on(
            &state.ident,
            format_args!(
                "state `{}` is unreachable from the initial state `{}`: add an arrow into it, or relax the check with `#[aggregate(allow(unreachable))]`",
                state.ident, machine.states[machine.initial].ident
            ),
        );
    }
}

// Rule: every non-terminal state has a way out (opt out: `allow(dead_end)`).
fn check_way_out(machine: &Machine, errors: &mut Errors) {
    for (index, state) in machine.states.iter().enumerate() {
        if !state.terminal && !machine.arrows.iter().any(|a| a.from == index) {
            errors.on(
                &state.ident,
                format_args!(
                    "state `{}` has no way out: add an arrow such as `#[on(SomeEvent => OtherState)]`, mark it `#[terminal]`, or relax the check with `#[aggregate(allow(dead_end))]`",
                    state.ident
                ),
            );
        }
    }
}

// Rule: every declared event labels at least one arrow (opt out: `allow(unused_event)`).
fn check_events_used(machine: &Machine, errors: &mut Errors) {
    for (index, event) in machine.events.iter().enumerate() {
        if !machine.arrows.iter().any(|a| a.event == index) {
            errors.on(
                &event.path,
                format_args!(
                    "event `{}` labels no arrow: use it in an `#[on(...)]` row, remove it from `events(...)`, or relax the check with `#[aggregate(allow(unused_event))]`",
                    event.ident
                ),
            );
        }
    }
}
