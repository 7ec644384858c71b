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
    let names: Vec<String> = data
        .variants
        .iter()
        .map(|variant| variant_name(&cx, variant))
        .collect();
    for (i, name) in names.iter().enumerate() {
        if names[..i].contains(name) {
            cx.error(
                data.variants[i].ident.span(),
                format_args!("two variants are named \"{name}\""),
                "give each variant its own `#[bot(name = \"…\")]`",
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

                #[inline]
                fn name(&self) -> &'static str {
                    match self {
                        #(Self::#variants => #names,)*
                    }
                }

                fn from_name(name: &str) -> ::core::option::Option<Self> {
                    match name {
                        #(#names => ::core::option::Option::Some(Self::#variants),)*
                        _ => ::core::option::Option::None,
                    }
                }
            }
        };
    })
}

/// The name a variant is stored under by `#[bot(by_name)]` fields (an SQL `ENUM` value): its
/// `#[bot(name = "…")]`, or the variant's own name.
fn variant_name(cx: &Ctxt, variant: &syn::Variant) -> String {
    let mut name = None;
    for attr in variant
        .attrs
        .iter()
        .filter(|attr| attr.path().is_ident("bot"))
    {
        let parsed = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("name") {
                let value: syn::LitStr = meta.value()?.parse()?;
                name = Some(value.value());
                Ok(())
            } else {
                Err(meta.error(
                    "unknown variant attribute\nhelp: the variant attribute is `#[bot(name = \"RELEASED\")]`, the name stored in the column",
                ))
            }
        });
        if let Err(error) = parsed {
            cx.syn_error(error);
        }
    }
    name.unwrap_or_else(|| variant.ident.to_string())
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
