//! `impl BotEntity` for a struct.

use proc_macro2::TokenStream;
use quote::quote;
use syn::DeriveInput;

use super::{meta, row};
use crate::ast::Entity;
use crate::check::check;
use crate::ctxt::Ctxt;
use crate::fallback;
use crate::types::ValueType;

pub(crate) fn derive(input: &DeriveInput) -> TokenStream {
    let cx = Ctxt::new();
    let entity = Entity::from_input(&cx, input);
    if let Some(entity) = &entity {
        check(&cx, entity);
    }
    match cx.check() {
        Ok(()) => expand(input, &entity.expect("no errors means the input was read")),
        Err(errors) => {
            // What could be read still defines the key type and the column constants, so
            // code using the type shows no second wave of errors.
            let partial = entity.as_ref().map(|entity| fallback::Partial {
                key_type: usable_key(entity).then(|| row::key_type(entity)),
                column_consts: meta::column_consts(entity, &input.vis),
            });
            fallback::entity(input, errors, partial)
        }
    }
}

/// Whether the key fields make a key type the trait accepts (not a float, not an `Option`,
/// a type with a mapping): otherwise the fallback's key stays `()`.
fn usable_key(entity: &Entity<'_>) -> bool {
    entity.keys().all(|field| {
        field.column_type.as_ref().is_some_and(|column| {
            !column.nullable && !matches!(column.value, ValueType::F32 | ValueType::F64)
        })
    })
}

fn expand(input: &DeriveInput, entity: &Entity<'_>) -> TokenStream {
    let table = crate::model::table_of(entity);

    let ident = entity.ident;
    let meta = meta::entity_meta(entity, &table);
    let key_type = row::key_type(entity);
    let key = row::key_of_self(entity);
    let key_params = row::key_params(entity);
    let write_params = row::write_params(entity);
    let from_row = row::from_row(entity);
    let partition_key = row::partition_key_of_self(entity);
    let key_partition_key = row::partition_key_of_key(entity);
    let private = quote!(::playerbot_db::__private);
    let column_consts = meta::column_consts(entity, &input.vis);
    let lookup_fns = meta::lookup_fns(entity, &table, &input.vis);
    let cache_fns = cache_fns(entity);

    quote! {
        #column_consts
        #lookup_fns

        const _: () = {
            #[automatically_derived]
            impl ::playerbot_db::BotEntity for #ident {
                type Key = #key_type;

                const META: &'static ::playerbot_db::EntityMeta = &#meta;

                #[inline]
                fn key(&self) -> Self::Key {
                    #key
                }

                fn key_params(key: &Self::Key) -> #private::Vec<#private::Value> {
                    #key_params
                }

                fn write_params(&self, out: &mut #private::Vec<#private::Value>) {
                    #write_params
                }

                fn from_row(mut row: #private::Row) -> ::core::result::Result<Self, ::playerbot_db::RowError> {
                    #from_row
                }

                #[inline]
                fn partition_key(&self) -> ::core::option::Option<u64> {
                    #partition_key
                }

                #[inline]
                fn key_partition_key(key: &Self::Key) -> ::core::option::Option<u64> {
                    #key_partition_key
                }

                #cache_fns
            }
        };
    }
}

/// For a cached entity: how the cache copies values (`Clone`, which a cached entity must
/// have) and the hooks attached with `hooks = …`.
fn cache_fns(entity: &Entity<'_>) -> TokenStream {
    let Some(cache) = entity.attrs.cache.get() else {
        return quote!();
    };
    let private = quote!(::playerbot_db::__private);
    let hooks = cache.hooks.as_ref().map(|hooks| {
        quote! {
            fn __cache_hooks() -> ::core::option::Option<#private::Arc<dyn ::playerbot_db::CacheHooks<Self>>> {
                ::core::option::Option::Some(#private::Arc::new(<#hooks as ::core::default::Default>::default()))
            }
        }
    });
    quote! {
        fn __cache_clone() -> ::core::option::Option<fn(&Self) -> Self> {
            ::core::option::Option::Some(<Self as ::core::clone::Clone>::clone)
        }

        #hooks
    }
}
