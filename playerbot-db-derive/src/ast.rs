//! The derive input as typed data: the struct, its fields, their attributes and column types.

use proc_macro2::Span;
use syn::{Data, DeriveInput, Fields, Ident, Type};

use crate::attr::{EntityAttrs, FieldAttrs};
use crate::ctxt::Ctxt;
use crate::types::{classify, ColumnType, TypeHints, Unsupported};

pub(crate) struct Entity<'a> {
    pub(crate) ident: &'a Ident,
    pub(crate) attrs: EntityAttrs,
    pub(crate) fields: Vec<Field<'a>>,
    /// Positions in `fields` of the primary key, in key order: `primary_key(…)`'s order, or
    /// the fields marked `key` in declaration order.
    key_order: Vec<usize>,
}

pub(crate) struct Field<'a> {
    pub(crate) ident: &'a Ident,
    pub(crate) ty: &'a Type,
    pub(crate) attrs: FieldAttrs,
    /// Part of the primary key (`key` on the field, or named by `primary_key(…)`).
    pub(crate) is_key: bool,
    /// `None` for skipped fields and for types that have no mapping (already reported).
    pub(crate) column_type: Option<ColumnType>,
}

const NAMED_FIELDS: &str = "derive it on a struct with named fields, such as \
    `struct BotState { #[bot(key)] bot_id: u32, level: u8 }`";

impl<'a> Entity<'a> {
    /// Reads the input; `None` when its shape rules out going further (errors recorded).
    pub(crate) fn from_input(cx: &Ctxt, input: &'a DeriveInput) -> Option<Entity<'a>> {
        let named = match &input.data {
            Data::Struct(data) => match &data.fields {
                Fields::Named(named) => Some(named),
                Fields::Unnamed(_) => {
                    cx.error(input.ident.span(), "`BotEntity` cannot be derived for a tuple struct: columns need field names", NAMED_FIELDS);
                    None
                }
                Fields::Unit => {
                    cx.error(
                        input.ident.span(),
                        "`BotEntity` cannot be derived for a unit struct: it has no columns",
                        NAMED_FIELDS,
                    );
                    None
                }
            },
            Data::Enum(_) | Data::Union(_) => {
                cx.error(
                    input.ident.span(),
                    "`BotEntity` can only be derived for a struct",
                    format_args!(
                        "{NAMED_FIELDS}; for an enum stored in a column use `#[derive(BotEnum)]`"
                    ),
                );
                None
            }
        };
        if !input.generics.params.is_empty() || input.generics.where_clause.is_some() {
            // Field types would only repeat the same mistake, so this is the one error.
            cx.error_spanned(
                &input.generics,
                "`BotEntity` does not support generic parameters or lifetimes: an entity owns its data and has one table",
                "remove the generics and use concrete field types, such as `String` instead of `&'a str`",
            );
            return None;
        }
        let attrs = EntityAttrs::parse(cx, &input.attrs);
        let mut fields: Vec<Field<'a>> = named?
            .named
            .iter()
            .map(|field| Field::from_syn(cx, field))
            .collect();
        let key_order: Vec<usize> = match attrs.primary_key.get() {
            Some(names) => names
                .iter()
                .filter_map(|name| field_position(cx, &fields, name, "primary_key"))
                .collect(),
            None => (0..fields.len())
                .filter(|&i| fields[i].attrs.key.is_set())
                .collect(),
        };
        for &i in &key_order {
            fields[i].is_key = true;
        }
        Some(Entity {
            ident: &input.ident,
            attrs,
            fields,
            key_order,
        })
    }

    /// The position of the field a struct-level attribute names, or an error at the name.
    pub(crate) fn field_position(&self, cx: &Ctxt, name: &Ident, word: &str) -> Option<usize> {
        field_position(cx, &self.fields, name, word)
    }

    /// Fields that become columns, in declaration order.
    pub(crate) fn columns(&self) -> impl Iterator<Item = &Field<'a>> {
        self.fields
            .iter()
            .filter(|field| !field.attrs.skip.is_set())
    }

    /// The primary-key fields in key order.
    pub(crate) fn keys(&self) -> impl Iterator<Item = &Field<'a>> {
        self.key_order.iter().map(|&i| &self.fields[i])
    }
}

impl<'a> Field<'a> {
    fn from_syn(cx: &Ctxt, field: &'a syn::Field) -> Field<'a> {
        let ident = field.ident.as_ref().expect("named field");
        let attrs = FieldAttrs::parse(cx, &field.attrs);
        let column_type = if attrs.skip.is_set() {
            None
        } else {
            let hints = TypeHints {
                repr: attrs.repr.get().copied(),
                by_name: attrs.by_name.is_set(),
                unix_time: attrs.unix_time.is_set(),
            };
            match classify(&field.ty, hints) {
                Ok(column_type) => Some(column_type),
                Err(why) => {
                    report_unsupported(cx, &field.ty, why);
                    None
                }
            }
        };
        Field {
            ident,
            ty: &field.ty,
            attrs,
            is_key: false,
            column_type,
        }
    }

    /// The field's name without `r#`: what struct-level attributes and generated names use.
    pub(crate) fn plain_name(&self) -> String {
        unraw(self.ident)
    }

    /// The SQL column name: the `column` rename or the field name.
    /// The column: `column = "…"`, or the field's name (a raw identifier without its `r#`:
    /// `r#type` is the column `type`).
    pub(crate) fn column_name(&self) -> String {
        match self.attrs.column.get() {
            Some(name) => name.clone(),
            None => self.plain_name(),
        }
    }

    /// Where a mistake about the column name is best pointed at.
    pub(crate) fn column_span(&self) -> Span {
        self.attrs
            .column
            .span()
            .unwrap_or_else(|| self.ident.span())
    }
}

fn unraw(ident: &Ident) -> String {
    let name = ident.to_string();
    name.strip_prefix("r#").map_or(name.clone(), str::to_owned)
}

fn field_position(cx: &Ctxt, fields: &[Field<'_>], name: &Ident, word: &str) -> Option<usize> {
    let wanted = unraw(name);
    let found = fields.iter().position(|field| field.plain_name() == wanted);
    if found.is_none() {
        cx.error(
            name.span(),
            format_args!("`{word}` names `{wanted}`, which is not a field of this struct"),
            "name the struct's fields, such as `#[bot(unique(account, name))]`",
        );
    }
    found
}

/// A one-word type name with no generics: possibly an alias of a supported type.
fn is_bare_name(ty: &Type) -> bool {
    match ty {
        Type::Path(path) => {
            path.qself.is_none()
                && path.path.segments.len() == 1
                && path.path.segments[0].arguments.is_none()
        }
        _ => false,
    }
}

fn report_unsupported(cx: &Ctxt, ty: &Type, why: Unsupported) {
    let shown = display_type(ty);
    match why {
        Unsupported::Unknown if is_bare_name(ty) => cx.error_spanned(
            ty,
            format_args!("the type `{shown}` has no SQL column mapping"),
            format_args!(
                "if `{shown}` is a type alias (`type {shown} = u64;`), write the type it stands for: \
                 the derive reads types as written and cannot see through aliases; \
                 for a fieldless enum add `#[derive(BotEnum)]` with `#[repr(u8)]` to it and `#[bot(repr = u8)]` to this field; \
                 to keep the field out of the table add `#[bot(skip)]`"
            ),
        ),
        Unsupported::Unknown => cx.error_spanned(
            ty,
            format_args!("the type `{shown}` has no SQL column mapping"),
            "use an integer (u8..u64, i8..i64), f32, f64, bool, String, Vec<u8> or an Option of one; \
             for a fieldless enum add `#[derive(BotEnum)]` with `#[repr(u8)]` to it and `#[bot(repr = u8)]` to this field; \
             to keep the field out of the table add `#[bot(skip)]`",
        ),
        Unsupported::NestedOption => cx.error_spanned(
            ty,
            format_args!("the type `{shown}` has no SQL column mapping: NULL cannot stand for two different `None`s"),
            "use a single `Option<T>`",
        ),
        Unsupported::UnixTimeNotInteger => cx.error_spanned(
            ty,
            format_args!("`unix_time` applies to integer fields, not to `{shown}`"),
            "use an integer of unix seconds, such as `#[bot(unix_time)] logged_in_at: i64`",
        ),
        Unsupported::Width(instead) => cx.error_spanned(
            ty,
            format_args!("the type `{shown}` has no SQL column mapping: its width is not one SQL integer type"),
            format_args!("use `{instead}` (or a narrower fixed-width integer)"),
        ),
    }
}

/// `Option < Vec < u32 > >` as tokens print it, tightened to `Option<Vec<u32>>`.
fn display_type(ty: &Type) -> String {
    let text = quote::quote!(#ty).to_string();
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        let next = chars.peek().copied();
        let tight_before = matches!(next, Some('<' | '>' | ',' | ':'));
        let tight_after = matches!(c, '<' | ':' | '&');
        if c == ' ' && (tight_before || out.ends_with(['<', ':', '&'])) {
            continue;
        }
        out.push(c);
        if tight_after && next == Some(' ') {
            chars.next();
        }
    }
    out
}
