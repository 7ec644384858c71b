//! Parses `#[bot(...)]` into typed settings. Unknown keys and duplicates are errors, never
//! skipped; parsing goes on after an error so every mistake is reported in one build.

use proc_macro2::{Span, TokenTree};
use syn::ext::IdentExt;
use syn::parse::ParseStream;
use syn::spanned::Spanned;
use syn::{Attribute, LitInt, LitStr, Token};

use crate::ctxt::Ctxt;
use crate::symbol::*;
use crate::types::IntType;

/// A setting that may be given at most once, remembering where it was given.
pub(crate) struct Setting<T> {
    name: Symbol,
    value: Option<(Span, T)>,
}

impl<T> Setting<T> {
    fn new(name: Symbol) -> Self {
        Setting { name, value: None }
    }

    fn set(&mut self, cx: &Ctxt, span: Span, value: T) {
        if self.value.is_some() {
            cx.error(
                span,
                format_args!("duplicate attribute `{}`", self.name),
                format_args!("give `{}` once per item", self.name),
            );
        } else {
            self.value = Some((span, value));
        }
    }

    pub(crate) fn get(&self) -> Option<&T> {
        self.value.as_ref().map(|(_, value)| value)
    }

    pub(crate) fn span(&self) -> Option<Span> {
        self.value.as_ref().map(|(span, _)| *span)
    }

    pub(crate) fn is_set(&self) -> bool {
        self.value.is_some()
    }
}

/// A flag such as `key` or `skip`.
pub(crate) type Flag = Setting<()>;

pub(crate) struct PartitionAttr {
    pub(crate) width: u64,
    pub(crate) count: u32,
}

pub(crate) struct CacheAttr {
    pub(crate) capacity: u64,
    pub(crate) ttl_secs: Option<u64>,
    /// A type implementing `CacheHooks<Self>` and `Default`.
    pub(crate) hooks: Option<syn::Path>,
}

/// A struct-level `unique(a, b)` or `index(a, b)`: a key over several fields.
pub(crate) struct IndexAttr {
    pub(crate) span: Span,
    pub(crate) unique: bool,
    pub(crate) fields: Vec<syn::Ident>,
}

pub(crate) struct EntityAttrs {
    pub(crate) table: Setting<String>,
    pub(crate) partition: Setting<PartitionAttr>,
    pub(crate) cache: Setting<CacheAttr>,
    pub(crate) engine: Setting<String>,
    pub(crate) charset: Setting<String>,
    pub(crate) collation: Setting<String>,
    /// `primary_key(a, b)`: the key fields in key order, instead of `key` on each field.
    pub(crate) primary_key: Setting<Vec<syn::Ident>>,
    pub(crate) indexes: Vec<IndexAttr>,
    /// A table without a primary key: rows are inserted, read and deleted by column only.
    pub(crate) append_only: Flag,
}

pub(crate) struct FieldAttrs {
    pub(crate) key: Flag,
    pub(crate) partition_key: Flag,
    pub(crate) column: Setting<String>,
    pub(crate) max_len: Setting<u32>,
    pub(crate) sql_type: Setting<String>,
    pub(crate) skip: Flag,
    pub(crate) unique: Flag,
    pub(crate) index: Flag,
    pub(crate) auto_increment: Flag,
    pub(crate) repr: Setting<IntType>,
    pub(crate) by_name: Flag,
    pub(crate) unix_time: Flag,
    pub(crate) charset: Setting<String>,
    pub(crate) collation: Setting<String>,
    /// The column's `DEFAULT` clause as SQL text (`"''"`, `"0"`, `"CURRENT_TIMESTAMP"`).
    pub(crate) default: Setting<String>,
    /// A NOT NULL column the server fills: the field is an `Option`, `None` meaning "not
    /// set" (inserts take the default, updates keep the stored value).
    pub(crate) server_default: Setting<String>,
}

const ENTITY_FORMS: &str = "the struct attributes look like `#[bot(table = \"bot_state\")]`, \
    `#[bot(partition(width = 10000, count = 16))]`, `#[bot(cache(capacity = 10000, ttl_secs = 60))]`, \
    `#[bot(engine = \"InnoDB\", charset = \"utf8mb3\", collation = \"utf8mb3_general_ci\")]`, \
    `#[bot(primary_key(guid, slot))]`, `#[bot(unique(account, name))]`, `#[bot(index(map, zone))]` and `#[bot(append_only)]`";
const FIELD_FORMS: &str = "the field attributes are `key`, `partition_key`, `column = \"name\"`, \
    `max_len = 32`, `sql_type = \"DECIMAL(10,2)\"`, `skip`, `unique`, `index`, `auto_increment`, `repr = u8`, `by_name`, `unix_time`, \
    `charset = \"latin1\"`, `collation = \"latin1_swedish_ci\"`, `default = \"0\"` and \
    `server_default = \"CURRENT_TIMESTAMP\"`";
const PARTITION_EXAMPLE: &str = "`#[bot(partition(width = 10000, count = 16))]`";
const CACHE_EXAMPLE: &str =
    "`#[bot(cache(capacity = 10000, ttl_secs = 60))]` (optionally `hooks = MyHooks`)";

fn correct_format(example: &str) -> String {
    format!("the correct format looks like {example}")
}

impl EntityAttrs {
    pub(crate) fn parse(cx: &Ctxt, attrs: &[Attribute]) -> Self {
        let mut out = EntityAttrs {
            table: Setting::new(TABLE),
            partition: Setting::new(PARTITION),
            cache: Setting::new(CACHE),
            engine: Setting::new(ENGINE),
            charset: Setting::new(CHARSET),
            collation: Setting::new(COLLATION),
            primary_key: Setting::new(PRIMARY_KEY),
            indexes: Vec::new(),
            append_only: Flag::new(APPEND_ONLY),
        };
        for_each_bot_item(cx, attrs, |meta| {
            let span = meta.path.span();
            if meta.path == TABLE {
                if let Some(name) =
                    parse_string(cx, &meta, TABLE, "`#[bot(table = \"bot_state\")]`")?
                {
                    out.table.set(cx, span, name);
                }
            } else if meta.path == PARTITION {
                if let Some(partition) = parse_partition(cx, &meta)? {
                    out.partition.set(cx, span, partition);
                }
            } else if meta.path == CACHE {
                if let Some(cache) = parse_cache(cx, &meta)? {
                    out.cache.set(cx, span, cache);
                }
            } else if let Some((word, setting, form)) = [
                (ENGINE, &mut out.engine, "`#[bot(engine = \"MyISAM\")]`"),
                (CHARSET, &mut out.charset, "`#[bot(charset = \"utf8mb3\")]`"),
                (
                    COLLATION,
                    &mut out.collation,
                    "`#[bot(collation = \"utf8mb3_general_ci\")]`",
                ),
            ]
            .into_iter()
            .find(|(word, ..)| meta.path == *word)
            {
                if let Some(name) = parse_string(cx, &meta, word, form)? {
                    setting.set(cx, span, name);
                }
            } else if meta.path == APPEND_ONLY {
                if !meta.input.is_empty() && !meta.input.peek(Token![,]) {
                    cx.error(
                        span,
                        "`append_only` takes no value",
                        "the correct format looks like `#[bot(append_only)]`",
                    );
                    skip_rest(meta.input)?;
                }
                out.append_only.set(cx, span, ());
            } else if meta.path == PRIMARY_KEY {
                if let Some(fields) = parse_field_list(cx, &meta, PRIMARY_KEY)? {
                    out.primary_key.set(cx, span, fields);
                }
            } else if meta.path == UNIQUE || meta.path == INDEX {
                let word = if meta.path == UNIQUE { UNIQUE } else { INDEX };
                if let Some(fields) = parse_field_list(cx, &meta, word)? {
                    out.indexes.push(IndexAttr {
                        span,
                        unique: word == UNIQUE,
                        fields,
                    });
                }
            } else {
                unknown(cx, &meta, "struct", ENTITY_FORMS)?;
            }
            Ok(())
        });
        out
    }
}

impl FieldAttrs {
    pub(crate) fn parse(cx: &Ctxt, attrs: &[Attribute]) -> Self {
        let mut out = FieldAttrs {
            key: Flag::new(KEY),
            partition_key: Flag::new(PARTITION_KEY),
            column: Setting::new(COLUMN),
            max_len: Setting::new(MAX_LEN),
            sql_type: Setting::new(SQL_TYPE),
            skip: Flag::new(SKIP),
            unique: Flag::new(UNIQUE),
            index: Flag::new(INDEX),
            auto_increment: Flag::new(AUTO_INCREMENT),
            repr: Setting::new(REPR),
            by_name: Flag::new(BY_NAME),
            unix_time: Flag::new(UNIX_TIME),
            charset: Setting::new(CHARSET),
            collation: Setting::new(COLLATION),
            default: Setting::new(DEFAULT),
            server_default: Setting::new(SERVER_DEFAULT),
        };
        for_each_bot_item(cx, attrs, |meta| {
            let span = meta.path.span();
            let flags = [
                (KEY, &mut out.key),
                (PARTITION_KEY, &mut out.partition_key),
                (SKIP, &mut out.skip),
                (UNIQUE, &mut out.unique),
                (INDEX, &mut out.index),
                (AUTO_INCREMENT, &mut out.auto_increment),
                (BY_NAME, &mut out.by_name),
                (UNIX_TIME, &mut out.unix_time),
            ];
            for (word, flag) in flags {
                if meta.path == word {
                    if !meta.input.is_empty() && !meta.input.peek(Token![,]) {
                        cx.error(
                            span,
                            format_args!("`{word}` takes no value"),
                            format_args!("the correct format looks like `#[bot({word})]`"),
                        );
                        skip_rest(meta.input)?;
                    }
                    flag.set(cx, span, ());
                    return Ok(());
                }
            }
            if meta.path == COLUMN {
                if let Some(name) =
                    parse_string(cx, &meta, COLUMN, "`#[bot(column = \"map_id\")]`")?
                {
                    out.column.set(cx, span, name);
                }
            } else if meta.path == SQL_TYPE {
                let form = "`#[bot(sql_type = \"DECIMAL(10,2)\")]`";
                if let Some(sql_type) = parse_string(cx, &meta, SQL_TYPE, form)? {
                    out.sql_type.set(cx, span, sql_type);
                }
            } else if meta.path == MAX_LEN {
                if let Some(len) = parse_int::<u32>(cx, &meta, MAX_LEN, "`#[bot(max_len = 32)]`")? {
                    out.max_len.set(cx, span, len);
                }
            } else if let Some((word, setting, form)) = [
                (CHARSET, &mut out.charset, "`#[bot(charset = \"latin1\")]`"),
                (
                    COLLATION,
                    &mut out.collation,
                    "`#[bot(collation = \"latin1_swedish_ci\")]`",
                ),
                (DEFAULT, &mut out.default, "`#[bot(default = \"''\")]`"),
                (
                    SERVER_DEFAULT,
                    &mut out.server_default,
                    "`#[bot(server_default = \"CURRENT_TIMESTAMP\")]`",
                ),
            ]
            .into_iter()
            .find(|(word, ..)| meta.path == *word)
            {
                if let Some(text) = parse_string(cx, &meta, word, form)? {
                    setting.set(cx, span, text);
                }
            } else if meta.path == REPR {
                if let Some(repr) = parse_repr(cx, &meta)? {
                    out.repr.set(cx, span, repr);
                }
            } else {
                unknown(cx, &meta, "field", FIELD_FORMS)?;
            }
            Ok(())
        });
        out
    }
}

/// Runs `f` on every item of every `#[bot(...)]` attribute. A syntax error ends that one
/// attribute (it is recorded), not the whole derive.
fn for_each_bot_item(
    cx: &Ctxt,
    attrs: &[Attribute],
    mut f: impl FnMut(syn::meta::ParseNestedMeta<'_>) -> syn::Result<()>,
) {
    for attr in attrs.iter().filter(|attr| attr.path() == &BOT) {
        if let Err(error) = attr.parse_nested_meta(&mut f) {
            cx.syn_error(error);
        }
    }
}

fn unknown(
    cx: &Ctxt,
    meta: &syn::meta::ParseNestedMeta<'_>,
    level: &str,
    forms: impl std::fmt::Display,
) -> syn::Result<()> {
    let name = path_text(&meta.path);
    cx.error(
        meta.path.span(),
        format_args!("unknown {level} attribute `{name}`"),
        forms,
    );
    skip_rest(meta.input)
}

/// Consumes the tokens of one item (up to the next comma) after an error.
fn skip_rest(input: ParseStream<'_>) -> syn::Result<()> {
    while !input.is_empty() && !input.peek(Token![,]) {
        input.parse::<TokenTree>()?;
    }
    Ok(())
}

fn parse_string(
    cx: &Ctxt,
    meta: &syn::meta::ParseNestedMeta<'_>,
    word: Symbol,
    form: &str,
) -> syn::Result<Option<String>> {
    let wrong = |span| {
        cx.error(
            span,
            format_args!("`{word}` expects a string literal"),
            correct_format(form),
        )
    };
    if !meta.input.peek(Token![=]) {
        wrong(meta.path.span());
        skip_rest(meta.input)?;
        return Ok(None);
    }
    let value = meta.value()?;
    if value.peek(LitStr) {
        return Ok(Some(value.parse::<LitStr>()?.value()));
    }
    wrong(value.span());
    skip_rest(value)?;
    Ok(None)
}

fn parse_int<N>(
    cx: &Ctxt,
    meta: &syn::meta::ParseNestedMeta<'_>,
    word: Symbol,
    form: &str,
) -> syn::Result<Option<N>>
where
    N: std::str::FromStr,
    N::Err: std::fmt::Display,
{
    let wrong = |span| {
        cx.error(
            span,
            format_args!("`{word}` expects a positive integer literal"),
            correct_format(form),
        )
    };
    if !meta.input.peek(Token![=]) {
        wrong(meta.path.span());
        skip_rest(meta.input)?;
        return Ok(None);
    }
    let value = meta.value()?;
    if value.peek(LitInt) {
        let lit = value.parse::<LitInt>()?;
        match lit.base10_parse::<N>() {
            Ok(n) => return Ok(Some(n)),
            Err(_) => {
                wrong(lit.span());
                return Ok(None);
            }
        }
    }
    wrong(value.span());
    skip_rest(value)?;
    Ok(None)
}

/// `word(a, b, c)`: field names in parentheses, at least one. `None` when malformed (reported).
fn parse_field_list(
    cx: &Ctxt,
    meta: &syn::meta::ParseNestedMeta<'_>,
    word: Symbol,
) -> syn::Result<Option<Vec<syn::Ident>>> {
    let form = format!("`#[bot({word}(account, name))]`, naming fields of this struct");
    if !meta.input.peek(syn::token::Paren) {
        cx.error(
            meta.path.span(),
            format_args!("`{word}` expects field names in parentheses"),
            correct_format(&form),
        );
        skip_rest(meta.input)?;
        return Ok(None);
    }
    let content;
    syn::parenthesized!(content in meta.input);
    let names = content.parse_terminated(syn::Ident::parse_any, Token![,])?;
    if names.is_empty() {
        cx.error(
            meta.path.span(),
            format_args!("`{word}` needs at least one field"),
            correct_format(&form),
        );
        return Ok(None);
    }
    Ok(Some(names.into_iter().collect()))
}

fn parse_repr(cx: &Ctxt, meta: &syn::meta::ParseNestedMeta<'_>) -> syn::Result<Option<IntType>> {
    let help =
        "the correct format looks like `#[bot(repr = u8)]`, naming the enum's `#[repr]` integer";
    if !meta.input.peek(Token![=]) {
        cx.error(meta.path.span(), "`repr` expects an integer type", help);
        skip_rest(meta.input)?;
        return Ok(None);
    }
    let value = meta.value()?;
    let ty: syn::Type = value.parse()?;
    match IntType::from_type(&ty) {
        Some(int) => Ok(Some(int)),
        None => {
            cx.error(
                ty.span(),
                "`repr` expects one of u8, u16, u32, u64, i8, i16, i32, i64",
                help,
            );
            Ok(None)
        }
    }
}

fn parse_partition(
    cx: &Ctxt,
    meta: &syn::meta::ParseNestedMeta<'_>,
) -> syn::Result<Option<PartitionAttr>> {
    let expects = "a width and a count";
    let Some([width, count]) = parse_int_group(
        cx,
        meta,
        PARTITION,
        expects,
        PARTITION_EXAMPLE,
        [WIDTH, COUNT],
    )?
    else {
        return Ok(None);
    };
    match (width, count) {
        // A count past u32 is reported as out of range by `check`.
        (Some(width), Some(count)) => Ok(Some(PartitionAttr {
            width,
            count: u32::try_from(count).unwrap_or(u32::MAX),
        })),
        _ => {
            let message = "`partition` needs both `width` and `count`";
            cx.error(meta.path.span(), message, correct_format(PARTITION_EXAMPLE));
            Ok(None)
        }
    }
}

fn parse_cache(cx: &Ctxt, meta: &syn::meta::ParseNestedMeta<'_>) -> syn::Result<Option<CacheAttr>> {
    if !meta.input.peek(syn::token::Paren) {
        cx.error(
            meta.path.span(),
            "`cache` expects a capacity",
            correct_format(CACHE_EXAMPLE),
        );
        skip_rest(meta.input)?;
        return Ok(None);
    }
    let mut capacity = Setting::new(CAPACITY);
    let mut ttl_secs = Setting::new(TTL_SECS);
    let mut hooks: Setting<syn::Path> = Setting::new(HOOKS);
    meta.parse_nested_meta(|inner| {
        let span = inner.path.span();
        if inner.path == CAPACITY {
            if let Some(n) = parse_int::<u64>(cx, &inner, CAPACITY, CACHE_EXAMPLE)? {
                capacity.set(cx, span, n);
            }
        } else if inner.path == TTL_SECS {
            if let Some(n) = parse_int::<u64>(cx, &inner, TTL_SECS, CACHE_EXAMPLE)? {
                ttl_secs.set(cx, span, n);
            }
        } else if inner.path == HOOKS {
            let path: syn::Path = inner.value()?.parse()?;
            hooks.set(cx, span, path);
        } else {
            unknown(cx, &inner, "cache", correct_format(CACHE_EXAMPLE))?;
        }
        Ok(())
    })?;
    let (capacity, ttl_secs, hooks) = (
        capacity.get().copied(),
        ttl_secs.get().copied(),
        hooks.value.map(|(_, path)| path),
    );
    match capacity {
        Some(capacity) => Ok(Some(CacheAttr {
            capacity,
            ttl_secs,
            hooks,
        })),
        None => {
            cx.error(
                meta.path.span(),
                "`cache` needs a `capacity`",
                correct_format(CACHE_EXAMPLE),
            );
            Ok(None)
        }
    }
}

/// `word(key = 1, other = 2)`: integer settings in parentheses, each one of `keys`, each at
/// most once. `None` when the parentheses are missing (reported).
fn parse_int_group<const N: usize>(
    cx: &Ctxt,
    meta: &syn::meta::ParseNestedMeta<'_>,
    word: Symbol,
    expects: &str,
    example: &str,
    keys: [Symbol; N],
) -> syn::Result<Option<[Option<u64>; N]>> {
    if !meta.input.peek(syn::token::Paren) {
        cx.error(
            meta.path.span(),
            format_args!("`{word}` expects {expects}"),
            correct_format(example),
        );
        skip_rest(meta.input)?;
        return Ok(None);
    }
    let mut settings = keys.map(Setting::new);
    meta.parse_nested_meta(|inner| {
        match keys.iter().position(|key| inner.path == *key) {
            Some(i) => {
                if let Some(n) = parse_int::<u64>(cx, &inner, keys[i], example)? {
                    settings[i].set(cx, inner.path.span(), n);
                }
            }
            None => unknown(cx, &inner, &word.to_string(), correct_format(example))?,
        }
        Ok(())
    })?;
    Ok(Some(settings.map(|setting| setting.get().copied())))
}

fn path_text(path: &syn::Path) -> String {
    let segments: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
    segments.join("::")
}
