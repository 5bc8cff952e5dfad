//! Parse: the functions of an `#[aggregate] impl` block, sorted into evolve functions and
//! command handlers, with the types their signatures name.

use proc_macro2::{Span, TokenStream};
use syn::parse::Parser;
use syn::{
    FnArg, GenericArgument, Ident, ImplItem, ImplItemFn, ItemImpl, PathArguments, ReturnType,
    Token, Type, Visibility,
};

use crate::errors::Errors;

/// The impl block as written.
pub(crate) struct Input {
    /// The aggregate's name (`impl Turnstile`).
    pub(crate) aggregate: Ident,
    /// The visibility of the generated command enum (`vis = ...`; default `pub`).
    pub(crate) command_vis: Visibility,
    /// The block with the lsaa attributes removed, re-emitted as written.
    pub(crate) item: ItemImpl,
    /// The evolve functions.
    pub(crate) evolves: Vec<Evolve>,
    /// The command handlers.
    pub(crate) handlers: Vec<Handler>,
}

/// `fn name(state: S, event: &E) -> T`: the evolve function of the arrow `S --E--> T`.
pub(crate) struct Evolve {
    /// The function's name.
    pub(crate) ident: Ident,
    /// The source state's type.
    pub(crate) from: Type,
    /// The event's type.
    pub(crate) event: Type,
    /// The target state's type (`None`: missing, already reported).
    pub(crate) to: Option<Type>,
    /// The function's name, for errors about the whole function.
    pub(crate) span: Span,
    /// The signature is malformed (already reported): generate only a stand-in so that the
    /// arrow does not also report a missing evolve function.
    pub(crate) broken: bool,
}

/// `#[command] fn name(state: &S, command: C [, out: &mut Emit<Self, S>]) -> R`.
pub(crate) struct Handler {
    /// The function's name.
    pub(crate) ident: Ident,
    /// The state it runs in.
    pub(crate) state: Type,
    /// The command's type.
    pub(crate) command: Type,
    /// The command's name: the last segment of its type.
    pub(crate) command_ident: Ident,
    /// How the handler hands over its events.
    pub(crate) output: Output,
    /// What it returns on failure.
    pub(crate) error: Failure,
}

/// How a handler fails.
pub(crate) enum Failure {
    /// It cannot: it returns the event (or nothing) directly.
    Never,
    /// It returns `Result<_, E>` with this `E`.
    With(Box<Type>),
    /// It returns a `Result` alias whose error type is not spelled out.
    Unnamed,
}

/// How a handler emits.
pub(crate) enum Output {
    /// It returns exactly one event of this type.
    One(Box<Type>),
    /// It returns nothing and emits nothing (validation only).
    Nothing,
    /// It emits through its `&mut Emit<Self, S>` parameter.
    Emitter,
}

/// Parses `#[aggregate(vis = pub(crate))]` on the impl block: the visibility of the
/// generated command enum, the block's only option.
pub(crate) fn parse_args(args: TokenStream, errors: &mut Errors) -> Visibility {
    let default = Visibility::Public(<Token![pub]>::default());
    if args.is_empty() {
        return default;
    }
    let parser = |input: syn::parse::ParseStream<'_>| -> syn::Result<Visibility> {
        let key: Ident = input.parse()?;
        if key != "vis" {
            let hint = if ["events", "error", "allow"].contains(&key.to_string().as_str()) {
                format!("`{key}` belongs in `#[aggregate(...)]` on the state enum")
            } else {
                format!("unknown option `{key}`")
            };
            return Err(syn::Error::new(
                key.span(),
                format!(
                    "{hint}; the impl block's only option is `vis = ...`, the visibility of the generated command enum, as in `#[aggregate(vis = pub(crate))]`"
                ),
            ));
        }
        input.parse::<Token![=]>()?;
        let vis: Visibility = input.parse()?;
        if matches!(vis, Visibility::Inherited) {
            return Err(
                input.error("expected a visibility such as `pub`, `pub(crate)` or `pub(self)`")
            );
        }
        if !input.is_empty() {
            return Err(input.error("unexpected tokens after the visibility"));
        }
        Ok(vis)
    };
    match parser.parse2(args) {
        Ok(vis) => vis,
        Err(error) => {
            errors.push(error);
            default
        }
    }
}

/// Parses the impl block; every problem goes to `errors`.
pub(crate) fn parse(
    mut item: ItemImpl,
    command_vis: Visibility,
    errors: &mut Errors,
) -> Option<Input> {
    if let Some((_, path, _)) = &item.trait_ {
        errors.on(
            path,
            "`#[aggregate]` goes on the aggregate's own `impl` block, not on a trait impl",
        );
        return None;
    }
    if !item.generics.params.is_empty() {
        errors.on(
            &item.generics,
            "aggregates with generic parameters are not supported",
        );
    }
    let aggregate = match &*item.self_ty {
        Type::Path(path) if path.qself.is_none() && path.path.segments.len() == 1 => {
            path.path.segments[0].ident.clone()
        }
        other => {
            errors.on(
                other,
                "`#[aggregate] impl` needs the aggregate enum's plain name, as in `impl Turnstile`",
            );
            return None;
        }
    };

    let mut evolves = Vec::new();
    let mut handlers = Vec::new();
    for impl_item in &mut item.items {
        let ImplItem::Fn(function) = impl_item else {
            continue;
        };
        let is_command = take_command_attr(function, errors);
        let plain = check_plain_fn(function, is_command, errors);
        // The DSL fixes these signatures (state and command by value, state and event by
        // reference), so these lints would only argue with the DSL.
        function.attrs.push(syn::parse_quote!(
            #[allow(clippy::needless_pass_by_value, clippy::trivially_copy_pass_by_ref)]
        ));
        if is_command {
            handlers.extend(parse_handler(function, errors).filter(|_| plain));
        } else {
            evolves.extend(parse_evolve(function, plain, errors));
        }
    }
    Some(Input {
        aggregate,
        command_vis,
        item,
        evolves,
        handlers,
    })
}

fn take_command_attr(function: &mut ImplItemFn, errors: &mut Errors) -> bool {
    let mut found = false;
    function.attrs.retain(|attr| {
        if !attr.path().is_ident("command") {
            return true;
        }
        if attr.meta.require_path_only().is_err() {
            errors.on(
                &attr.meta,
                "`#[command]` takes no arguments: write `#[command]`",
            );
        }
        if found {
            errors.on(attr, "duplicate `#[command]`");
        }
        found = true;
        false
    });
    found
}

fn role(is_command: bool) -> &'static str {
    if is_command {
        "a command handler"
    } else {
        "an evolve function"
    }
}

// Rule: handlers and evolve functions are plain, synchronous, non-generic associated functions.
fn check_plain_fn(function: &ImplItemFn, is_command: bool, errors: &mut Errors) -> bool {
    let sig = &function.sig;
    let role = role(is_command);
    let mut plain = true;
    if let Some(receiver) = sig.receiver() {
        errors.on(
            receiver,
            format_args!("{role} takes its state as a parameter, not `self`"),
        );
        plain = false;
    }
    if let Some(asyncness) = &sig.asyncness {
        errors.on(
            asyncness,
            format_args!(
                "{role} is pure and synchronous: remove `async` and do I/O outside the aggregate"
            ),
        );
        plain = false;
    }
    if !sig.generics.params.is_empty() {
        errors.on(
            &sig.generics,
            format_args!("{role} cannot have generic parameters"),
        );
        plain = false;
    }
    plain
}

fn typed_inputs(function: &ImplItemFn) -> Vec<&Type> {
    function
        .sig
        .inputs
        .iter()
        .filter_map(|arg| match arg {
            FnArg::Typed(pat) => Some(&*pat.ty),
            FnArg::Receiver(_) => None,
        })
        .collect()
}

fn tokens(ty: &Type) -> String {
    quote::ToTokens::to_token_stream(ty).to_string()
}

fn parse_evolve(function: &ImplItemFn, plain: bool, errors: &mut Errors) -> Option<Evolve> {
    let sig = &function.sig;
    let inputs = typed_inputs(function);
    if inputs.len() != 2 {
        // A `self` receiver is already reported; a second message would say the same.
        if sig.receiver().is_none() {
            errors.on(
                &sig.inputs,
                format_args!(
                    "`{}` is not an evolve function: an evolve function takes the source state by value and the event by reference and returns the target state, as in `fn {}(state: Locked, event: &CoinInserted) -> Unlocked`; mark command handlers `#[command]` and move helpers to another `impl` block",
                    sig.ident, sig.ident
                ),
            );
        }
        return None;
    }
    let mut broken = !plain;
    let from = match inputs[0] {
        Type::Reference(reference) => {
            errors.on(
                reference,
                format_args!(
                    "an evolve function takes the state by value: write `{}`",
                    tokens(&reference.elem)
                ),
            );
            broken = true;
            (*reference.elem).clone()
        }
        other => other.clone(),
    };
    let event = match inputs[1] {
        Type::Reference(reference) if reference.mutability.is_none() => (*reference.elem).clone(),
        Type::Reference(reference) => {
            errors.on(
                reference,
                format_args!(
                    "an evolve function reads the event through a shared reference: write `&{}`",
                    tokens(&reference.elem)
                ),
            );
            broken = true;
            (*reference.elem).clone()
        }
        other => {
            errors.on(
                other,
                format_args!(
                    "an evolve function takes the event by reference: write `&{}`",
                    tokens(other)
                ),
            );
            broken = true;
            other.clone()
        }
    };
    let to = match &sig.output {
        ReturnType::Type(_, ty) => Some((**ty).clone()),
        ReturnType::Default => {
            errors.at(
                sig.paren_token.span.close(),
                format_args!(
                    "`{}` must return the target state, as in `fn {}(state: {}, event: &{}) -> TargetState`",
                    sig.ident,
                    sig.ident,
                    tokens(&from),
                    tokens(&event)
                ),
            );
            broken = true;
            None
        }
    };
    Some(Evolve {
        ident: sig.ident.clone(),
        from,
        event,
        to,
        span: sig.ident.span(),
        broken,
    })
}

fn parse_handler(function: &ImplItemFn, errors: &mut Errors) -> Option<Handler> {
    let sig = &function.sig;
    let inputs = typed_inputs(function);
    let state_hint = inputs.first().map_or_else(
        || "State".to_owned(),
        |ty| match ty {
            Type::Reference(r) => tokens(&r.elem),
            other => tokens(other),
        },
    );
    if !(2..=3).contains(&inputs.len()) {
        if sig.receiver().is_none() {
            errors.on(
                &sig.inputs,
                format_args!(
                    "`{}` is not a command handler: it takes its state by reference and the command by value, as in `fn {}(state: &{state_hint}, command: Command) -> Result<Event, Error>`, plus `out: &mut Emit<Self, {state_hint}>` to emit several events",
                    sig.ident, sig.ident
                ),
            );
        }
        return None;
    }
    let state = match inputs[0] {
        Type::Reference(reference) if reference.mutability.is_none() => (*reference.elem).clone(),
        other => {
            errors.on(
                other,
                format_args!(
                    "a command handler reads its state through a shared reference: write `&{state_hint}`"
                ),
            );
            return None;
        }
    };
    let command = inputs[1].clone();
    let command_ident = match &command {
        Type::Path(path) if path.qself.is_none() => {
            path.path.segments.last().map(|s| s.ident.clone())
        }
        _ => None,
    };
    let Some(command_ident) = command_ident else {
        errors.on(
            &command,
            "a command is a named type taken by value, as in `command: InsertCoin`",
        );
        return None;
    };
    let has_emitter = inputs.len() == 3;
    if has_emitter && !check_emitter(inputs[2], &state_hint, errors) {
        return None;
    }
    let (error, value) = match &sig.output {
        ReturnType::Default => (Failure::Never, None),
        ReturnType::Type(_, ty) => match result_types(ty) {
            Some((ok, Some(error))) => (Failure::With(Box::new(error)), Some(ok)),
            Some((ok, None)) => (Failure::Unnamed, Some(ok)),
            None => (Failure::Never, Some((**ty).clone())),
        },
    };
    let value = value.filter(|ty| !is_unit(ty));
    let output = match (has_emitter, value) {
        (true, None) => Output::Emitter,
        (false, None) => Output::Nothing,
        (false, Some(event)) => Output::One(Box::new(event)),
        (true, Some(event)) => {
            errors.on(
                &event,
                "a handler with an emitter emits through it and returns `Result<(), Error>` (or nothing)",
            );
            return None;
        }
    };
    Some(Handler {
        ident: sig.ident.clone(),
        state,
        command,
        command_ident,
        output,
        error,
    })
}

// Rule: a handler's emitter is `&mut Emit<Self, S>` for its own state `S`.
fn check_emitter(ty: &Type, state: &str, errors: &mut Errors) -> bool {
    let expected = format!("`out: &mut Emit<Self, {state}>`");
    let Type::Reference(reference) = ty else {
        errors.on(
            ty,
            format_args!(
                "the third parameter of a handler of `{state}` is its emitter: {expected}"
            ),
        );
        return false;
    };
    if reference.mutability.is_none() {
        errors.on(
            ty,
            format_args!("the emitter is borrowed mutably: {expected}"),
        );
        return false;
    }
    if let Type::Path(path) = &*reference.elem
        && let Some(last) = path.path.segments.last()
        && let PathArguments::AngleBracketed(args) = &last.arguments
        && let Some(GenericArgument::Type(emit_state)) = args.args.iter().nth(1)
        && tokens(emit_state) != state
    {
        errors.on(
            emit_state,
            format_args!(
                "a handler of state `{state}` emits through `Emit<Self, {state}>`, not `Emit<Self, {}>`: {expected}",
                tokens(emit_state)
            ),
        );
        return false;
    }
    true
}

/// `T` and `E` of a `Result<T, E>` return type (`Result` spelled as such, however qualified);
/// `E` is `None` for a one-argument alias such as `io::Result<T>`.
fn result_types(ty: &Type) -> Option<(Type, Option<Type>)> {
    let Type::Path(path) = ty else {
        return None;
    };
    let last = path.path.segments.last()?;
    if last.ident != "Result" {
        return None;
    }
    let PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    let mut types = args.args.iter().filter_map(|arg| match arg {
        GenericArgument::Type(ty) => Some(ty.clone()),
        _ => None,
    });
    let ok = types.next()?;
    Some((ok, types.next()))
}

fn is_unit(ty: &Type) -> bool {
    matches!(ty, Type::Tuple(tuple) if tuple.elems.is_empty())
}
