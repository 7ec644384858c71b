//! Row mapping and keys: to positional params, from a row, the typed key and the partition key.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::Index;

use crate::ast::{Entity, Field};
use crate::types::ValueType;

const PRIVATE: &str = "::playerbot_db::__private";

fn private() -> TokenStream {
    PRIVATE.parse().expect("valid path")
}

/// `u32` for one key field, `(u32, String)` for a composite key.
pub(super) fn key_type(entity: &Entity<'_>) -> TokenStream {
    let types: Vec<_> = entity.keys().map(|field| field.ty).collect();
    match types.as_slice() {
        [single] => quote!(#single),
        many => quote!((#(#many,)*)),
    }
}

pub(super) fn key_of_self(entity: &Entity<'_>) -> TokenStream {
    let values: Vec<_> = entity
        .keys()
        .map(|field| {
            let ident = field.ident;
            quote!(::core::clone::Clone::clone(&self.#ident))
        })
        .collect();
    match values.as_slice() {
        // An append-only entity's key is `()`: an empty body returns it.
        [] => quote!(),
        [single] => single.clone(),
        many => quote!((#(#many,)*)),
    }
}

/// Expressions for each key part given `key: &Self::Key`.
fn key_parts<'e>(entity: &'e Entity<'e>) -> Vec<(TokenStream, &'e Field<'e>)> {
    let keys: Vec<_> = entity.keys().collect();
    if keys.len() == 1 {
        return vec![(quote!(key), keys[0])];
    }
    keys.into_iter()
        .enumerate()
        .map(|(i, field)| {
            let index = Index::from(i);
            (quote!((&key.#index)), field)
        })
        .collect()
}

pub(super) fn key_params(entity: &Entity<'_>) -> TokenStream {
    let parts = key_parts(entity);
    let count = parts.len();
    let values = parts
        .into_iter()
        .map(|(access, field)| to_value(field, access));
    let private = private();
    quote! {
        let mut params = #private::Vec::with_capacity(#count);
        #(params.push(#values);)*
        params
    }
}

pub(super) fn write_params(entity: &Entity<'_>) -> TokenStream {
    let pushes = entity.columns().map(|field| {
        let ident = field.ident;
        let value = to_value(field, quote!((&self.#ident)));
        quote!(out.push(#value);)
    });
    let count = entity.columns().count();
    quote! {
        out.reserve(#count);
        #(#pushes)*
    }
}

/// A `Value` from a reference to the field's value; enums go through their `#[repr]` integer,
/// spanned on the field so a mismatched `repr` is reported there.
pub(super) fn to_value(field: &Field<'_>, reference: TokenStream) -> TokenStream {
    let private = private();
    let column_type = field.column_type.expect("checked");
    let span = field.ty.span();
    match column_type.value {
        ValueType::Enum(int) => {
            let repr = format_ident!("{}", int.rust_name());
            let helper = if column_type.nullable {
                quote!(optional_enum_value)
            } else {
                quote!(enum_value)
            };
            quote_spanned!(span=> #private::#helper::<#repr, _>(#reference))
        }
        ValueType::EnumName if column_type.nullable => {
            quote_spanned!(span=> #private::optional_enum_name_value(#reference))
        }
        ValueType::EnumName => quote_spanned!(span=> #private::enum_name_value(#reference)),
        ValueType::UnixTime(_) if column_type.nullable => {
            quote_spanned!(span=> #private::optional_unix_time_value(#reference))
        }
        ValueType::UnixTime(_) => quote_spanned!(span=> #private::unix_time_value(#reference)),
        _ => quote_spanned!(span=> #private::ToValue::to_value(#reference)),
    }
}

pub(super) fn from_row(entity: &Entity<'_>) -> TokenStream {
    let private = private();
    let mut index = 0usize;
    let inits = entity.fields.iter().map(|field| {
        let ident = field.ident;
        let Some(column_type) = field.column_type.filter(|_| !field.attrs.skip.is_set()) else {
            return quote!(#ident: ::core::default::Default::default());
        };
        let i = index;
        index += 1;
        let span = field.ty.span();
        let read = match column_type.value {
            ValueType::Enum(int) => {
                let repr = format_ident!("{}", int.rust_name());
                let helper = if column_type.nullable {
                    quote!(optional_enum_column)
                } else {
                    quote!(enum_column)
                };
                quote_spanned!(span=> #private::#helper::<#repr, _>(&mut row, #i, Self::META)?)
            }
            ValueType::EnumName if column_type.nullable => {
                quote_spanned!(span=> #private::optional_enum_name_column(&mut row, #i, Self::META)?)
            }
            ValueType::EnumName => {
                quote_spanned!(span=> #private::enum_name_column(&mut row, #i, Self::META)?)
            }
            ValueType::UnixTime(_) if column_type.nullable => {
                quote_spanned!(span=> #private::optional_unix_time_column(&mut row, #i, Self::META)?)
            }
            ValueType::UnixTime(_) => {
                quote_spanned!(span=> #private::unix_time_column(&mut row, #i, Self::META)?)
            }
            _ => quote_spanned!(span=> #private::column(&mut row, #i, Self::META)?),
        };
        quote!(#ident: #read)
    });
    let inits: Vec<_> = inits.collect();
    quote! {
        #private::expect_column_count(&row, Self::META)?;
        ::core::result::Result::Ok(Self { #(#inits),* })
    }
}

pub(super) fn partition_key_of_self(entity: &Entity<'_>) -> TokenStream {
    match entity.columns().find(|f| f.attrs.partition_key.is_set()) {
        Some(field) => {
            let ident = field.ident;
            quote!(::core::option::Option::Some(::core::convert::From::from(self.#ident)))
        }
        None => quote!(::core::option::Option::None),
    }
}

pub(super) fn partition_key_of_key(entity: &Entity<'_>) -> TokenStream {
    let part = key_parts(entity)
        .into_iter()
        .find(|(_, field)| field.attrs.partition_key.is_set());
    match part {
        Some((access, _)) => {
            quote!(::core::option::Option::Some(::core::convert::From::from(*#access)))
        }
        None => quote!(::core::option::Option::None),
    }
}
