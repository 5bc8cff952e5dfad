//! Validate: the rules of an `#[aggregate] impl` block that can be seen without the enum.
//! The rules that need the enum (a handler's state exists, an evolve function mirrors an
//! arrow, a handler only emits the events leaving its state) are checked by the compiler
//! through the traits the generated code implements, each with its own message.

use std::collections::HashMap;

use quote::ToTokens;

use super::parse::Input;
use crate::errors::Errors;

/// Runs every check on `input`.
/// Duplicates are reported, then dropped so that they do not also clash in generated code.
pub(crate) fn check(input: &mut Input, errors: &mut Errors) {
    check_command_names_distinct(input, errors);
    check_one_handler_per_state_and_command(input, errors);
    check_one_evolve_per_arrow(input, errors);
}

// Rule: distinct command types have distinct names, since each names a variant of the
// generated command enum.
fn check_command_names_distinct(input: &mut Input, errors: &mut Errors) {
    let mut seen: HashMap<String, String> = HashMap::new();
    input.handlers.retain(|handler| {
        let name = handler.command_ident.to_string();
        let ty = handler.command.to_token_stream().to_string();
        match seen.get(&name) {
            Some(first) if *first != ty => {
                errors.on(
                    &handler.command,
                    format_args!(
                        "commands `{first}` and `{ty}` share the name `{name}`: the generated command enum needs one variant per name; rename one of them, or import it once and use the same path in every handler"
                    ),
                );
                false
            }
            Some(_) => true,
            None => {
                seen.insert(name, ty);
                true
            }
        }
    });
}

// Rule: a state has at most one handler for a command.
fn check_one_handler_per_state_and_command(input: &mut Input, errors: &mut Errors) {
    let mut seen = HashMap::new();
    input.handlers.retain(|handler| {
        let key = (
            handler.state.to_token_stream().to_string(),
            handler.command.to_token_stream().to_string(),
        );
        if let Some(first) = seen.get(&key) {
            errors.on(
                &handler.ident,
                format_args!(
                    "`{}` handles command `{}` in state `{}` again: `{first}` already does; merge them into one handler",
                    handler.ident, key.1, key.0
                ),
            );
            false
        } else {
            seen.insert(key, handler.ident.clone());
            true
        }
    });
}

// Rule: an arrow has at most one evolve function.
fn check_one_evolve_per_arrow(input: &mut Input, errors: &mut Errors) {
    let mut seen = HashMap::new();
    input.evolves.retain(|evolve| {
        let key = (
            evolve.from.to_token_stream().to_string(),
            evolve.event.to_token_stream().to_string(),
        );
        if let Some(first) = seen.get(&key) {
            errors.on(
                &evolve.ident,
                format_args!(
                    "`{}` evolves `{}` on `{}` again: `{first}` already does; an arrow has exactly one evolve function",
                    evolve.ident, key.0, key.1
                ),
            );
            false
        } else {
            seen.insert(key, evolve.ident.clone());
            true
        }
    });
}
