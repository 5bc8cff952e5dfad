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

    /// Reports darling's errors, reworded in rustc's style (lowercase, no period, "key").
    pub(crate) fn push_darling(&mut self, error: darling::Error) {
        for error in error {
            let span = error.span();
            let message = error.to_string();
            // darling appends the path of the failing key; the span already shows it.
            let message = match message.rfind(" at ") {
                Some(at) if error.has_span() => &message[..at],
                _ => message.as_str(),
            };
            self.at(span, rustc_style(message));
        }
    }

    /// How many errors were reported so far.
    pub(crate) fn count(&self) -> usize {
        self.count
    }

    pub(crate) fn into_tokens(self) -> TokenStream {
        self.tokens
    }
}

/// `Unknown field: `eror`. Did you mean `error`?` -> `unknown key `eror`; did you mean `error`?`
fn rustc_style(message: &str) -> String {
    let mut text = message
        .replace("Unknown field: ", "unknown key ")
        .replace("Duplicate field ", "duplicate key ")
        .replace("Missing field ", "missing key ")
        .replace(". Did you mean", "; did you mean");
    if let Some(first) = text.get(..1) {
        let lower = first.to_lowercase();
        text.replace_range(..1, &lower);
    }
    while text.ends_with('.') {
        text.pop();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::rustc_style;

    #[test]
    fn darling_messages_read_like_rustc() {
        assert_eq!(
            rustc_style("Unknown field: `eror`. Did you mean `error`?"),
            "unknown key `eror`; did you mean `error`?"
        );
        assert_eq!(
            rustc_style("Duplicate field `name`"),
            "duplicate key `name`"
        );
        assert_eq!(
            rustc_style("Unexpected type `path`."),
            "unexpected type `path`"
        );
    }
}
