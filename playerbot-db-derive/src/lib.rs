//! `#[derive(BotEntity)]` and `#[derive(BotEnum)]` for `playerbot-db`.
//!
//! The pipeline is parse (`attr`, `ast`) → validate (`check`) → generate (`sql` for the
//! statement text, `expand` for the Rust tokens). Every error is collected in a `Ctxt` and
//! reported at once; when any is found, `fallback` emits a stub impl so the user sees only the
//! errors that matter.

#![warn(missing_docs)]

mod ast;
mod attr;
mod check;
mod ctxt;
mod expand;
mod fallback;
mod ident;
mod model;
mod sql;
mod symbol;
mod types;

use proc_macro::TokenStream;
use syn::{parse_macro_input, DeriveInput};

/// Generates `playerbot_db::BotEntity` for a struct with named fields.
#[proc_macro_derive(BotEntity, attributes(bot))]
pub fn derive_bot_entity(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    expand::entity::derive(&input).into()
}

/// Generates `playerbot_db::BotEnum` for a fieldless enum with an integer `#[repr]`.
#[proc_macro_derive(BotEnum, attributes(bot))]
pub fn derive_bot_enum(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    expand::bot_enum::derive(&input).into()
}
