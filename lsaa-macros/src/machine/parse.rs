//! Parse: what the user wrote on the state enum, with spans, and nothing resolved yet.

use darling::FromMeta;
use darling::ast::NestedMeta;
use darling::util::{Flag, PathList};
use proc_macro2::{Span, TokenStream};
use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{Attribute, Fields, Ident, ItemEnum, Path, Token, Type};

use crate::errors::Errors;

/// The arguments of `#[aggregate(...)]` on the state enum.
#[derive(Debug, Default, FromMeta)]
pub(crate) struct Args {
    /// Every event of the aggregate: `events(CoinInserted, PassedThrough)`.
    #[darling(default)]
    pub(crate) events: Option<PathList>,
    /// The domain error returned by command handlers: `error = TurnstileError`.
    #[darling(default)]
    pub(crate) error: Option<Path>,
    /// Graph checks relaxed on purpose: `allow(unreachable, dead_end, unused_event)`.
    #[darling(default)]
    pub(crate) allow: Allow,
}

/// The graph checks that may be relaxed explicitly.
#[derive(Debug, Default, FromMeta)]
pub(crate) struct Allow {
    /// Do not require every state to be reachable from the initial state.
    pub(crate) unreachable: Flag,
    /// Do not require every non-terminal state to have an arrow out.
    pub(crate) dead_end: Flag,
    /// Do not require every declared event to label an arrow.
    pub(crate) unused_event: Flag,
}

/// The state enum as written.
pub(crate) struct Input {
    /// The parsed `#[aggregate(...)]` arguments.
    pub(crate) args: Args,
    /// Span of the `#[aggregate(...)]` arguments, for errors about missing keys.
    pub(crate) args_span: Span,
    /// The enum with the lsaa attributes removed, re-emitted as the user wrote it.
    pub(crate) item: ItemEnum,
    /// One entry per variant, in order.
    pub(crate) variants: Vec<VariantIn>,
    /// Rows of enum-level `#[on(A | B: Event => Target)]` attributes.
    pub(crate) shared_rows: Vec<SharedRow>,
}

/// One variant (a state) as written.
pub(crate) struct VariantIn {
    /// The variant's name, which is the state's name.
    pub(crate) ident: Ident,
    /// What the variant holds.
    pub(crate) data: VariantData,
    /// Span of each `#[initial]` on the variant.
    pub(crate) initial: Vec<Span>,
    /// Span of each `#[terminal]` on the variant.
    pub(crate) terminal: Vec<Span>,
    /// The rows of the variant's `#[on(...)]` attributes.
    pub(crate) rows: Vec<Row>,
}

/// The shape of a state variant.
pub(crate) enum VariantData {
    /// `Locked`: a data-less state.
    Unit,
    /// `Open(OpenBasket)`: the state's data is one type.
    Tuple(Box<Type>),
    /// Anything else; already reported.
    Unsupported,
}

/// `EventA | EventB => Target`.
pub(crate) struct Row {
    /// The events labelling the arrows.
    pub(crate) events: Vec<Path>,
    /// The target state.
    pub(crate) target: Ident,
}

/// `StateA | StateB: Event => Target`, written on the enum.
pub(crate) struct SharedRow {
    /// The source states.
    pub(crate) sources: Vec<Ident>,
    /// The arrows.
    pub(crate) row: Row,
}

impl Parse for Row {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let events = Punctuated::<Path, Token![|]>::parse_separated_nonempty(input)?;
        if !input.peek(Token![=>]) {
            return Err(input.error(
                "expected `=>` followed by the target state, as in `#[on(CoinInserted => Unlocked)]`",
            ));
        }
        input.parse::<Token![=>]>()?;
        let target: Ident = input.parse().map_err(|e| {
            syn::Error::new(
                e.span(),
                "expected the target state's name after `=>`, as in `#[on(CoinInserted => Unlocked)]`",
            )
        })?;
        Ok(Self {
            events: events.into_iter().collect(),
            target,
        })
    }
}

impl Parse for SharedRow {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let sources = Punctuated::<Ident, Token![|]>::parse_separated_nonempty(input)?;
        if !input.peek(Token![:]) {
            return Err(input.error(
                "expected `:` after the source states; on the enum an arrow row names its sources: `#[on(Open | CheckedOut: Abandoned => Closed)]`",
            ));
        }
        input.parse::<Token![:]>()?;
        let row = input.parse()?;
        Ok(Self {
            sources: sources.into_iter().collect(),
            row,
        })
    }
}

/// Parses the arguments and the enum; every problem goes to `errors`.
pub(crate) fn parse(args: TokenStream, mut item: ItemEnum, errors: &mut Errors) -> Input {
    let args_span = if args.is_empty() {
        item.ident.span()
    } else {
        args.span()
    };
    let args = match NestedMeta::parse_meta_list(args) {
        Ok(list) => match Args::from_list(&list) {
            Ok(args) => args,
            Err(error) => {
                errors.push_darling(error);
                lenient_args(&list)
            }
        },
        Err(error) => {
            errors.push(error);
            Args::default()
        }
    };

    let shared_rows = take_rows::<SharedRow>(&mut item.attrs, errors);
    for attr in &item.attrs {
        if attr.path().is_ident("initial") || attr.path().is_ident("terminal") {
            errors.on(
                attr,
                "`#[initial]` and `#[terminal]` belong on a variant of the state enum, not on the enum",
            );
        }
    }
    item.attrs
        .retain(|a| !a.path().is_ident("initial") && !a.path().is_ident("terminal"));

    let mut variants = Vec::new();
    for variant in &mut item.variants {
        let rows = take_rows::<Row>(&mut variant.attrs, errors);
        let initial = take_marker(&mut variant.attrs, "initial", errors);
        let terminal = take_marker(&mut variant.attrs, "terminal", errors);
        let data = match &variant.fields {
            Fields::Unit => VariantData::Unit,
            Fields::Unnamed(fields) if fields.unnamed.len() == 1 => {
                VariantData::Tuple(Box::new(fields.unnamed[0].ty.clone()))
            }
            fields => {
                errors.on(
                    fields,
                    format_args!(
                        "state `{}` must be data-less or hold exactly one type, as in `{0}` or `{0}({0}Data)`",
                        variant.ident
                    ),
                );
                VariantData::Unsupported
            }
        };
        if let Some((_, discriminant)) = &variant.discriminant {
            errors.on(
                discriminant,
                format_args!(
                    "state `{}` cannot have an explicit discriminant: states are identified by name",
                    variant.ident
                ),
            );
        }
        variants.push(VariantIn {
            ident: variant.ident.clone(),
            data,
            initial,
            terminal,
            rows,
        });
    }

    Input {
        args,
        args_span,
        item,
        variants,
        shared_rows,
    }
}

/// The arguments again, keeping only the first occurrence of each known key, so that one bad
/// key does not also lose `events(...)` and report a cascade of missing names.
fn lenient_args(list: &[NestedMeta]) -> Args {
    let mut seen: Vec<String> = Vec::new();
    let kept: Vec<NestedMeta> = list
        .iter()
        .filter(|item| {
            let NestedMeta::Meta(meta) = item else {
                return false;
            };
            let key = meta
                .path()
                .get_ident()
                .map(ToString::to_string)
                .unwrap_or_default();
            if !["events", "error", "allow"].contains(&key.as_str()) || seen.contains(&key) {
                return false;
            }
            seen.push(key);
            true
        })
        .cloned()
        .collect();
    Args::from_list(&kept).unwrap_or_else(|_| {
        // A known key with a bad value: keep what parses on its own.
        let events = kept.iter().find_map(|item| match item {
            NestedMeta::Meta(meta) if meta.path().is_ident("events") => {
                PathList::from_meta(meta).ok()
            }
            _ => None,
        });
        Args {
            events,
            ..Args::default()
        }
    })
}

/// Removes every `#[on(...)]` from `attrs` and parses its rows.
fn take_rows<T: Parse>(attrs: &mut Vec<Attribute>, errors: &mut Errors) -> Vec<T> {
    let mut rows = Vec::new();
    attrs.retain(|attr| {
        if !attr.path().is_ident("on") {
            return true;
        }
        match attr.parse_args_with(Punctuated::<T, Token![,]>::parse_terminated) {
            Ok(parsed) if parsed.is_empty() => errors.on(
                attr,
                "`#[on(...)]` needs at least one arrow, as in `#[on(CoinInserted => Unlocked)]`",
            ),
            Ok(parsed) => rows.extend(parsed),
            Err(error) => errors.push(error),
        }
        false
    });
    rows
}

/// Removes every `#[name]` marker from `attrs`, refusing arguments.
fn take_marker(attrs: &mut Vec<Attribute>, name: &str, errors: &mut Errors) -> Vec<Span> {
    let mut spans = Vec::new();
    attrs.retain(|attr| {
        if !attr.path().is_ident(name) {
            return true;
        }
        if attr.meta.require_path_only().is_err() {
            errors.on(
                &attr.meta,
                format_args!("`#[{name}]` takes no arguments: write `#[{name}]`"),
            );
        }
        if !spans.is_empty() {
            errors.on(attr, format_args!("duplicate `#[{name}]` on one state"));
        }
        spans.push(attr.path().span());
        false
    });
    spans
}
