//! `#[aggregate]` on the state enum: parse -> check (validate and lower) -> expand.

mod check;
mod expand;
mod model;
mod parse;

use proc_macro2::TokenStream;
use syn::ItemEnum;

pub(crate) use expand::transparent_debug;

use crate::errors::Errors;

/// Expands `#[aggregate(args)]` on `item`.
pub(crate) fn aggregate_enum(args: TokenStream, item: ItemEnum) -> TokenStream {
    let mut errors = Errors::default();
    let input = parse::parse(args, item, &mut errors);
    let expanded = match check::check(&input, &mut errors) {
        Some(machine) => expand::expand(&machine, input.item),
        None => expand::fallback(&input.item),
    };
    let errors = errors.into_tokens();
    quote::quote!(#errors #expanded)
}
