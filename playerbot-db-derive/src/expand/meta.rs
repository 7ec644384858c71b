//! The `EntityMeta` constant: names, column descriptions and every SQL statement.

use proc_macro2::TokenStream;
use quote::quote;

use crate::ast::Entity;
use crate::sql::{statements, Dialect, Statements};
use crate::types::{IntType, ValueType};
use playerbot_db_sql::entity::Table;

pub(super) fn entity_meta(entity: &Entity<'_>, table: &Table) -> TokenStream {
    let entity_name = entity.ident.to_string();
    let table_name = &table.name;
    let columns = entity.columns().zip(&table.columns).map(|(field, column)| {
        let name = &column.name;
        let field_name = field.ident.to_string();
        let sql_type = &column.sql_type;
        let kind = value_kind(
            field.column_type.expect("checked").value,
            field.attrs.max_len.get().copied(),
        );
        let (nullable, key, unique, indexed, auto_increment, unset_when_null) = (
            column.nullable,
            column.key,
            column.unique,
            column.index,
            column.auto_increment,
            column.unset_when_null,
        );
        let (charset, collation, default) = (
            option_str(column.charset.as_deref()),
            option_str(column.collation.as_deref()),
            option_str(column.default.as_deref()),
        );
        quote! {
            ::playerbot_db::ColumnMeta {
                name: #name,
                field: #field_name,
                sql_type: #sql_type,
                kind: #kind,
                nullable: #nullable,
                key: #key,
                unique: #unique,
                indexed: #indexed,
                auto_increment: #auto_increment,
                charset: #charset,
                collation: #collation,
                default: #default,
                unset_when_null: #unset_when_null,
            }
        }
    });
    let key = &table.key_order;
    let indexes = table.indexes.iter().map(|index| {
        let names = index.columns.iter().map(|&i| &table.columns[i].name);
        let unique = index.unique;
        quote!(::playerbot_db::IndexMeta { columns: &[#(#names),*], unique: #unique })
    });
    let (engine, charset, collation) = (
        option_str(table.engine.as_deref()),
        option_str(table.charset.as_deref()),
        option_str(table.collation.as_deref()),
    );
    let partitioning = match &table.partition {
        Some(partition) => {
            let (column, width, count) = (&partition.column, partition.width, partition.count);
            quote! {
                ::core::option::Option::Some(::playerbot_db::Partitioning {
                    column: #column,
                    width: #width,
                    count: #count,
                })
            }
        }
        None => quote!(::core::option::Option::None),
    };
    let cache = match entity.attrs.cache.get() {
        Some(cache) => {
            let capacity = cache.capacity;
            let ttl = match cache.ttl_secs {
                Some(secs) => {
                    quote!(::core::option::Option::Some(::core::time::Duration::from_secs(#secs)))
                }
                None => quote!(::core::option::Option::None),
            };
            quote!(::core::option::Option::Some(::playerbot_db::CachePolicy { capacity: #capacity, ttl: #ttl }))
        }
        None => quote!(::core::option::Option::None),
    };
    let mysql = statement_tokens(&statements(table, Dialect::MySql));
    let mariadb = statement_tokens(&statements(table, Dialect::MariaDb));
    quote! {
        ::playerbot_db::EntityMeta {
            entity: #entity_name,
            table: #table_name,
            columns: &[#(#columns),*],
            key: &[#(#key),*],
            indexes: &[#(#indexes),*],
            partitioning: #partitioning,
            cache: #cache,
            engine: #engine,
            charset: #charset,
            collation: #collation,
            sql: ::playerbot_db::EntitySql {
                mysql: #mysql,
                mariadb: #mariadb,
            },
        }
    }
}

/// `BotState::X`, `BotState::MAP_ID`, …: a typed constant per column, for choosing columns
/// (a position-only save, say) without strings.
pub(super) fn column_consts(entity: &Entity<'_>, vis: &syn::Visibility) -> TokenStream {
    let ident = entity.ident;
    let consts = entity.columns().enumerate().map(|(index, field)| {
        let field_name = field.ident.to_string();
        let field_name = field_name.trim_start_matches("r#");
        let name = syn::Ident::new(&field_name.to_uppercase(), field.ident.span());
        let doc = format!("The `{}` column.", field.column_name());
        quote! {
            #[doc = #doc]
            #vis const #name: ::playerbot_db::Column<#ident> = ::playerbot_db::Column::__new(#index);
        }
    });
    quote! {
        #[automatically_derived]
        impl #ident {
            #(#consts)*
        }
    }
}

fn option_str(text: Option<&str>) -> TokenStream {
    match text {
        Some(text) => quote!(::core::option::Option::Some(#text)),
        None => quote!(::core::option::Option::None),
    }
}

fn statement_tokens(s: &Statements) -> TokenStream {
    let Statements {
        select_by_key,
        exists,
        select_head,
        insert,
        insert_head,
        row_placeholders,
        upsert,
        upsert_tail,
        update_prefix,
        assignments,
        ignore_tail,
        delete_by_key,
        create_table,
        lookups,
        count_all,
        scan,
    } = s;
    let lookups = lookups.iter().map(|lookup| {
        let (columns, select, delete, count) = (
            &lookup.columns,
            &lookup.select,
            &lookup.delete,
            &lookup.count,
        );
        quote! {
            ::playerbot_db::LookupSql {
                columns: &[#(#columns),*],
                select: #select,
                delete: #delete,
                count: #count,
            }
        }
    });
    let (first, next, first_in_range, next_in_range) = (
        &scan.first,
        &scan.next,
        &scan.first_in_range,
        &scan.next_in_range,
    );
    quote! {
        ::playerbot_db::Statements {
            select_by_key: #select_by_key,
            exists: #exists,
            select_head: #select_head,
            insert: #insert,
            insert_head: #insert_head,
            row_placeholders: #row_placeholders,
            upsert: #upsert,
            upsert_tail: #upsert_tail,
            update_prefix: #update_prefix,
            assignments: &[#(#assignments),*],
            ignore_tail: #ignore_tail,
            delete_by_key: #delete_by_key,
            create_table: #create_table,
            lookups: &[#(#lookups),*],
            count_all: #count_all,
            scan: ::playerbot_db::ScanSql {
                first: #first,
                next: #next,
                first_in_range: #first_in_range,
                next_in_range: #next_in_range,
            },
        }
    }
}

fn value_kind(value: ValueType, max_len: Option<u32>) -> TokenStream {
    let kind = quote!(::playerbot_db::ValueKind);
    let int = |int: IntType| {
        let (signed, bits) = (int.signed, int.bits);
        quote!(signed: #signed, bits: #bits)
    };
    let max_len = match max_len {
        Some(len) => quote!(::core::option::Option::Some(#len)),
        None => quote!(::core::option::Option::None),
    };
    match value {
        ValueType::Int(i) => {
            let fields = int(i);
            quote!(#kind::Int { #fields })
        }
        ValueType::Enum(i) => {
            let fields = int(i);
            quote!(#kind::Enum { #fields })
        }
        ValueType::F32 => quote!(#kind::F32),
        ValueType::F64 => quote!(#kind::F64),
        ValueType::Bool => quote!(#kind::Bool),
        ValueType::Text => quote!(#kind::Text { max_len: #max_len }),
        ValueType::EnumName => quote!(#kind::EnumName),
        ValueType::DateTime => quote!(#kind::DateTime),
        ValueType::Date => quote!(#kind::Date),
        ValueType::UnixTime(i) => {
            let fields = int(i);
            quote!(#kind::UnixTime { #fields })
        }
        ValueType::Bytes => quote!(#kind::Bytes { max_len: #max_len }),
    }
}

/// `E::by_bot_id(…)`, `E::by_account_id(…)`: one function per lookup (see
/// `Table::lookups`), returning the typed `Lookup` the runtime runs.
pub(super) fn lookup_fns(entity: &Entity<'_>, table: &Table, vis: &syn::Visibility) -> TokenStream {
    let ident = entity.ident;
    let fields: Vec<_> = entity.columns().collect();
    let fns = table.lookups().into_iter().enumerate().map(|(index, columns)| {
        let looked_up: Vec<_> = columns.iter().map(|&i| fields[i]).collect();
        let names: Vec<String> = looked_up
            .iter()
            .map(|field| field.ident.to_string().trim_start_matches("r#").to_owned())
            .collect();
        let name = syn::Ident::new(&format!("by_{}", names.join("_and_")), ident.span());
        let args = looked_up.iter().map(|field| {
            let (arg, ty) = (field.ident, field.ty);
            quote!(#arg: impl ::core::convert::Into<#ty>)
        });
        let values = looked_up.iter().map(|field| {
            let (arg, ty) = (field.ident, field.ty);
            let value = super::row::to_value(field, quote!((&value)));
            quote!({
                let value: #ty = ::core::convert::Into::into(#arg);
                #value
            })
        });
        let doc = format!(
            "Rows whose {} equal the given values, for `Db::load_by`, `delete_by` and `count_by`.",
            columns
                .iter()
                .map(|&i| format!("`{}`", table.columns[i].name))
                .collect::<Vec<_>>()
                .join(", ")
        );
        quote! {
            #[doc = #doc]
            #vis fn #name(#(#args),*) -> ::playerbot_db::Lookup<#ident> {
                ::playerbot_db::Lookup::__new(#index, ::playerbot_db::__private::vec![#(#values),*])
            }
        }
    });
    quote! {
        #[automatically_derived]
        impl #ident {
            #(#fns)*
        }
    }
}
