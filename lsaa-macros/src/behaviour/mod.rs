//! `#[aggregate]` on the aggregate's impl block: parse -> check -> expand.

mod check;
mod expand;
mod parse;

use proc_macro2::TokenStream;
use syn::ItemImpl;

use crate::errors::Errors;

/// Expands `#[aggregate]` on `item`.
pub(crate) fn aggregate_impl(args: &TokenStream, item: ItemImpl) -> TokenStream {
    let mut errors = Errors::default();
    let command_vis = parse::parse_args(args.clone(), &mut errors);
    let fallback = expand::fallback(&item);
    let expanded = match parse::parse(item, command_vis, &mut errors) {
        Some(mut input) => {
            check::check(&mut input, &mut errors);
            expand::expand(&input)
        }
        None => fallback,
    };
    let errors = errors.into_tokens();
    quote::quote!(#errors #expanded)
}
