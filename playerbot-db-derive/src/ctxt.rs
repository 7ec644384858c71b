//! Collects every error of one derive so they are all reported at once.

use std::cell::RefCell;
use std::fmt::Display;

use proc_macro2::Span;
use quote::ToTokens;

/// Error sink for one expansion. Dropping it without calling [`Ctxt::check`] is a bug in the
/// derive, so it panics: no error may be lost on the way.
pub(crate) struct Ctxt {
    errors: RefCell<Option<Vec<syn::Error>>>,
}

impl Ctxt {
    pub(crate) fn new() -> Self {
        Ctxt {
            errors: RefCell::new(Some(Vec::new())),
        }
    }

    /// Records an error at `span` whose message ends in a `help:` line with the correct form.
    pub(crate) fn error(&self, span: Span, message: impl Display, help: impl Display) {
        let error = syn::Error::new(span, format!("{message}\nhelp: {help}"));
        self.syn_error(error);
    }

    /// Like [`Ctxt::error`], underlining all of `tokens` (a whole type, say), not only its
    /// first token.
    pub(crate) fn error_spanned(
        &self,
        tokens: impl ToTokens,
        message: impl Display,
        help: impl Display,
    ) {
        self.syn_error(syn::Error::new_spanned(
            tokens,
            format!("{message}\nhelp: {help}"),
        ));
    }

    pub(crate) fn syn_error(&self, error: syn::Error) {
        self.errors
            .borrow_mut()
            .as_mut()
            .expect("Ctxt used after check")
            .push(error);
    }

    /// Consumes the context; all errors folded into one, or `Ok` when there were none.
    pub(crate) fn check(self) -> syn::Result<()> {
        let errors = self.errors.borrow_mut().take().expect("Ctxt checked twice");
        let mut iter = errors.into_iter();
        let Some(mut combined) = iter.next() else {
            return Ok(());
        };
        for error in iter {
            combined.combine(error);
        }
        Err(combined)
    }
}

impl Drop for Ctxt {
    fn drop(&mut self) {
        if !std::thread::panicking() && self.errors.borrow().is_some() {
            panic!("playerbot-db-derive: Ctxt dropped without check()");
        }
    }
}
