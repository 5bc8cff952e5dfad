//! Procedural macros of lsaa. Use them through the `lsaa` crate, which documents them with
//! examples; this crate only holds the entry points.
//!
//! Each entry point is one line into its pipeline: parse -> check -> expand.

mod behaviour;
mod errors;
mod event;
mod machine;
mod suggest;
#[cfg(test)]
mod tests;

use proc_macro::TokenStream;
use syn::Item;

/// Turns a state enum into a typed state machine, and its `impl` block into the machine's
/// behaviour. See the `lsaa` crate's documentation of `aggregate` for the full syntax.
#[proc_macro_attribute]
pub fn aggregate(args: TokenStream, item: TokenStream) -> TokenStream {
    aggregate2(args.into(), item.into()).into()
}

/// Derives `Event`: a stable storage name and a schema version. See the `lsaa` crate's
/// documentation of `Event`.
#[proc_macro_derive(Event, attributes(event))]
pub fn derive_event(input: TokenStream) -> TokenStream {
    match syn::parse::<syn::DeriveInput>(input) {
        Ok(input) => event::derive_event(&input).into(),
        Err(error) => error.into_compile_error().into(),
    }
}

/// `#[aggregate]` on an enum or an impl block, on `proc_macro2` tokens (tested in-process).
fn aggregate2(
    args: proc_macro2::TokenStream,
    item: proc_macro2::TokenStream,
) -> proc_macro2::TokenStream {
    match syn::parse2::<Item>(item.clone()) {
        Ok(Item::Enum(item)) => machine::aggregate_enum(args, item),
        Ok(Item::Impl(item)) => behaviour::aggregate_impl(&args, item),
        Ok(other) => {
            let error = syn::Error::new_spanned(
                item_head(&other),
                "`#[aggregate]` goes on the state enum (the states and their arrows) or on its `impl` block (evolve functions and command handlers)",
            )
            .into_compile_error();
            quote::quote!(#error #other)
        }
        Err(error) => {
            let mut tokens = error.into_compile_error();
            tokens.extend(item);
            tokens
        }
    }
}

/// The tokens that name an item, for pointing at it without underlining its whole body.
fn item_head(item: &Item) -> proc_macro2::TokenStream {
    use quote::ToTokens;
    match item {
        Item::Struct(s) => {
            let (keyword, ident) = (&s.struct_token, &s.ident);
            quote::quote!(#keyword #ident)
        }
        Item::Fn(f) => f.sig.ident.to_token_stream(),
        Item::Trait(t) => {
            let (keyword, ident) = (&t.trait_token, &t.ident);
            quote::quote!(#keyword #ident)
        }
        Item::Mod(m) => {
            let (keyword, ident) = (&m.mod_token, &m.ident);
            quote::quote!(#keyword #ident)
        }
        other => other.to_token_stream(),
    }
}
