//! One place where the errors of a macro invocation accumulate, to be reported together.

use proc_macro2::{Span, TokenStream};
use quote::ToTokens;

/// The errors found so far; emitted as `compile_error!`s next to the (fallback) expansion.
#[derive(Default)]
pub(crate) struct Errors {
    tokens: TokenStream,
    count: usize,
}

impl Errors {
    /// An error at `span`.
    pub(crate) fn at(&mut self, span: Span, message: impl std::fmt::Display) {
        self.push(syn::Error::new(span, message));
    }

    /// An error spanning the tokens of `node`.
    pub(crate) fn on(&mut self, node: &impl ToTokens, message: impl std::fmt::Display) {
        self.push(syn::Error::new_spanned(node, message));
    }

    pub(crate) fn push(&mut self, error: syn::Error) {
        self.count += (&error).into_iter().count();
        self.tokens.extend(error.into_compile_error());
    }

    pub(crate) fn push_darling(&mut self, error: darling::Error) {
        self.count += error.len();
        self.tokens.extend(error.write_errors());
    }

    /// How many errors were reported so far.
    pub(crate) fn count(&self) -> usize {
        self.count
    }

    pub(crate) fn into_tokens(self) -> TokenStream {
        self.tokens
    }
}
