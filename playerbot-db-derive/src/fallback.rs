//! When a derive fails, emit the errors plus a minimal impl, so the user sees the real errors
//! and not a second wave of "trait `BotEntity` is not implemented" ones.

use proc_macro2::TokenStream;
use quote::quote;
use syn::DeriveInput;

/// What could be read of a struct whose derive failed: enough to define the same names.
pub(crate) struct Partial {
    /// `None` when the key fields are themselves in error.
    pub(crate) key_type: Option<TokenStream>,
    pub(crate) column_consts: TokenStream,
}

pub(crate) fn entity(
    input: &DeriveInput,
    errors: syn::Error,
    partial: Option<Partial>,
) -> TokenStream {
    let errors = errors.into_compile_error();
    if !input.generics.params.is_empty() {
        return errors;
    }
    let ident = &input.ident;
    // The key type and column constants as the derive would have made them, so uses of the
    // type elsewhere (`load(&(1, 2))`, `Entity::RANK`) add no errors of their own.
    let (key_type, column_consts) = match partial {
        Some(Partial {
            key_type,
            column_consts,
        }) => (key_type.unwrap_or_else(|| quote!(())), column_consts),
        None => (quote!(()), TokenStream::new()),
    };
    quote! {
        #errors
        #column_consts
        const _: () = {
            #[automatically_derived]
            impl ::playerbot_db::BotEntity for #ident {
                type Key = #key_type;
                const META: &'static ::playerbot_db::EntityMeta = &::playerbot_db::__private::FALLBACK_META;
                fn key(&self) -> Self::Key {
                    ::core::unreachable!("BotEntity derive failed to compile")
                }
                fn key_params(_: &Self::Key) -> ::playerbot_db::__private::Vec<::playerbot_db::__private::Value> {
                    ::core::unreachable!("BotEntity derive failed to compile")
                }
                fn write_params(&self, _: &mut ::playerbot_db::__private::Vec<::playerbot_db::__private::Value>) {
                    ::core::unreachable!("BotEntity derive failed to compile")
                }
                fn from_row(_: ::playerbot_db::__private::Row) -> ::core::result::Result<Self, ::playerbot_db::RowError> {
                    ::core::unreachable!("BotEntity derive failed to compile")
                }
                fn partition_key(&self) -> ::core::option::Option<u64> {
                    ::core::option::Option::None
                }
                fn key_partition_key(_: &Self::Key) -> ::core::option::Option<u64> {
                    ::core::option::Option::None
                }
            }
        };
    }
}
