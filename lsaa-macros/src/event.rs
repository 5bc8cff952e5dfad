//! `#[derive(Event)]`: a stable storage name and a schema version for an event type.

// The code that darling's `FromDeriveInput` derive generates trips this pedantic lint.
#![allow(clippy::needless_continue)]

use darling::FromDeriveInput;
use proc_macro2::TokenStream;
use quote::quote;
use syn::DeriveInput;

use crate::errors::Errors;

/// What `#[derive(Event)]` reads.
#[derive(FromDeriveInput)]
#[darling(attributes(event))]
struct EventInput {
    /// The event type.
    ident: syn::Ident,
    /// Its generics (refused).
    generics: syn::Generics,
    /// `name = "..."`: the stable storage name; default: the type's name.
    #[darling(default)]
    name: Option<Verbatim>,
    /// `version = N`: the payload's schema version, from 1; default: 1.
    #[darling(default)]
    version: Option<Verbatim>,
}

/// An option's value exactly as written. darling would parse the contents of a string
/// literal as an expression for `syn::Expr`; the checks below want the literal itself.
struct Verbatim(syn::Expr);

impl darling::FromMeta for Verbatim {
    fn from_expr(expr: &syn::Expr) -> darling::Result<Self> {
        Ok(Self(expr.clone()))
    }
}

/// Expands `#[derive(Event)]`.
pub(crate) fn derive_event(input: &DeriveInput) -> TokenStream {
    let mut errors = Errors::default();
    if let syn::Data::Union(union) = &input.data {
        errors.on(
            &union.union_token,
            "`#[derive(Event)]` goes on a struct or an enum: an event payload must serialize",
        );
        return errors.into_tokens();
    }
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
    // Rule: the storage name is a non-blank string literal without surrounding white space.
    let name = match input.name.as_ref().map(|v| &v.0) {
        Some(syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(name),
            ..
        })) => {
            let value = name.value();
            if value.trim().is_empty() || value.trim() != value {
                errors.on(
                    name,
                    "an event's stored name must be non-empty and have no leading or trailing white space",
                );
            }
            value
        }
        Some(other) => {
            errors.on(
                other,
                "expected a string literal, as in `name = \"door.opened\"`",
            );
            input.ident.to_string()
        }
        None => input.ident.to_string(),
    };
    // Rule: schema versions are integers from 1.
    let version = match input.version.as_ref().map(|v| &v.0) {
        Some(syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Int(int),
            ..
        })) => match int.base10_parse::<u32>() {
            Ok(0) => {
                errors.on(
                    int,
                    "schema versions start at 1: write `version = 1` for the first shape of an event",
                );
                1
            }
            Ok(version) => version,
            Err(_) => {
                errors.on(int, "`version` is an integer from 1 to 4294967295");
                1
            }
        },
        Some(other) => {
            errors.on(other, "`version` is an integer from 1, as in `version = 2`");
            1
        }
        None => 1,
    };
    (name, version)
}
