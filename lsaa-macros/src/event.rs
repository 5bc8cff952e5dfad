//! `#[derive(Event)]`: a stable storage name and a schema version for an event type.

// The code that darling's `FromDeriveInput` derive generates trips this pedantic lint.
#![allow(clippy::needless_continue)]

use darling::FromDeriveInput;
use darling::util::SpannedValue;
use proc_macro2::TokenStream;
use quote::quote;
use syn::DeriveInput;

use crate::errors::Errors;

/// What `#[derive(Event)]` reads.
#[derive(FromDeriveInput)]
#[darling(attributes(event), supports(struct_any, enum_any))]
struct EventInput {
    /// The event type.
    ident: syn::Ident,
    /// Its generics (refused).
    generics: syn::Generics,
    /// `name = "..."`: the stable storage name; default: the type's name.
    #[darling(default)]
    name: Option<SpannedValue<String>>,
    /// `version = N`: the payload's schema version, from 1; default: 1.
    #[darling(default)]
    version: Option<SpannedValue<u32>>,
}

/// Expands `#[derive(Event)]`.
pub(crate) fn derive_event(input: &DeriveInput) -> TokenStream {
    let mut errors = Errors::default();
    let parsed = match EventInput::from_derive_input(input) {
        Ok(parsed) => Some(parsed),
        Err(error) => {
            errors.push_darling(error);
            None
        }
    };
    let ident = &input.ident;
    let (name, version) = match &parsed {
        Some(parsed) => check(parsed, &mut errors),
        None => (ident.to_string(), 1),
    };
    let p = quote!(::lsaa::__private);
    let expanded = if input.generics.params.is_empty() {
        quote! {
            #[automatically_derived]
            impl #p::Event for #ident {
                const NAME: &'static str = #name;
                const VERSION: u32 = #version;
            }
        }
    } else {
        quote!()
    };
    let errors = errors.into_tokens();
    quote!(#errors #expanded)
}

fn check(input: &EventInput, errors: &mut Errors) -> (String, u32) {
    // Rule: events are concrete types: a stored event must name exactly one payload type.
    if !input.generics.params.is_empty() {
        errors.on(
            &input.generics,
            format_args!(
                "event `{}` cannot have generic parameters: a stored event name must stand for one payload type",
                input.ident
            ),
        );
    }
    // Rule: the storage name is not blank and has no surrounding white space.
    let name = match &input.name {
        Some(name) => {
            if name.trim().is_empty() || name.trim() != name.as_str() {
                errors.at(
                    name.span(),
                    "an event's stored name must be non-empty and have no leading or trailing white space",
                );
            }
            (**name).clone()
        }
        None => input.ident.to_string(),
    };
    // Rule: schema versions start at 1.
    let version = match &input.version {
        Some(version) if **version == 0 => {
            errors.at(
                version.span(),
                "schema versions start at 1: write `version = 1` for the first shape of an event",
            );
            1
        }
        Some(version) => **version,
        None => 1,
    };
    (name, version)
}
