//! `impl BotEnum` for a fieldless enum with an integer `#[repr]`.

use proc_macro2::TokenStream;
use quote::quote;
use syn::spanned::Spanned;
use syn::{Data, DeriveInput, Fields};

use crate::ctxt::Ctxt;
use crate::types::IntType;

pub(crate) fn derive(input: &DeriveInput) -> TokenStream {
    match expand(input) {
        Ok(tokens) => tokens,
        Err(errors) => errors.into_compile_error(),
    }
}

const ENUM_FORM: &str = "the correct form looks like `#[derive(BotEnum)] #[repr(u8)] enum ItemSlot { Head = 1, Chest = 5 }`";

fn expand(input: &DeriveInput) -> syn::Result<TokenStream> {
    let cx = Ctxt::new();
    let repr = find_repr(input);
    let Data::Enum(data) = &input.data else {
        cx.error(
            input.ident.span(),
            "`BotEnum` can only be derived for a fieldless enum",
            ENUM_FORM,
        );
        cx.check()?;
        unreachable!("an error was recorded");
    };
    if repr.is_none() {
        cx.error(
            input.ident.span(),
            format_args!(
                "`{}` needs an integer `#[repr]` to be stored as a column",
                input.ident
            ),
            ENUM_FORM,
        );
    }
    if !input.generics.params.is_empty() {
        cx.error(
            input.generics.span(),
            "`BotEnum` does not support generic enums",
            ENUM_FORM,
        );
    }
    if data.variants.is_empty() {
        cx.error(
            input.ident.span(),
            "`BotEnum` needs at least one variant",
            ENUM_FORM,
        );
    }
    for variant in &data.variants {
        if !matches!(variant.fields, Fields::Unit) {
            cx.error(
                variant.span(),
                format_args!(
                    "variant `{}` has fields; only fieldless variants map to an integer",
                    variant.ident
                ),
                ENUM_FORM,
            );
        }
    }
    cx.check()?;
    let repr = syn::Ident::new(repr.expect("checked").rust_name(), input.ident.span());
    let ident = &input.ident;
    let name = ident.to_string();
    let variants: Vec<_> = data.variants.iter().map(|v| &v.ident).collect();
    Ok(quote! {
        const _: () = {
            #[automatically_derived]
            impl ::playerbot_db::BotEnum for #ident {
                type Repr = #repr;
                const NAME: &'static str = #name;

                #[inline]
                fn to_repr(&self) -> #repr {
                    match self {
                        #(Self::#variants => Self::#variants as #repr,)*
                    }
                }

                #[inline]
                fn from_repr(repr: #repr) -> ::core::option::Option<Self> {
                    #(
                        if repr == Self::#variants as #repr {
                            return ::core::option::Option::Some(Self::#variants);
                        }
                    )*
                    ::core::option::Option::None
                }
            }
        };
    })
}

/// The integer of `#[repr(u8)]` (also inside `#[repr(C, u8)]`-like lists).
fn find_repr(input: &DeriveInput) -> Option<IntType> {
    let mut found = None;
    for attr in input
        .attrs
        .iter()
        .filter(|attr| attr.path().is_ident("repr"))
    {
        let _ = attr.parse_nested_meta(|meta| {
            if let Some(ident) = meta.path.get_ident() {
                found = found.or(IntType::from_name(&ident.to_string()));
            }
            Ok(())
        });
    }
    found
}
