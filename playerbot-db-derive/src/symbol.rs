//! The keywords of `#[bot(...)]`, in one place so that parsing and messages agree.

use std::fmt;

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) struct Symbol(&'static str);

pub(crate) const BOT: Symbol = Symbol("bot");

// Struct level.
pub(crate) const TABLE: Symbol = Symbol("table");
pub(crate) const PARTITION: Symbol = Symbol("partition");
pub(crate) const WIDTH: Symbol = Symbol("width");
pub(crate) const COUNT: Symbol = Symbol("count");
pub(crate) const CACHE: Symbol = Symbol("cache");
pub(crate) const CAPACITY: Symbol = Symbol("capacity");
pub(crate) const TTL_SECS: Symbol = Symbol("ttl_secs");
pub(crate) const HOOKS: Symbol = Symbol("hooks");
pub(crate) const ENGINE: Symbol = Symbol("engine");
pub(crate) const PRIMARY_KEY: Symbol = Symbol("primary_key");
pub(crate) const APPEND_ONLY: Symbol = Symbol("append_only");

// Both levels.
pub(crate) const CHARSET: Symbol = Symbol("charset");
pub(crate) const COLLATION: Symbol = Symbol("collation");

// Field level.
pub(crate) const KEY: Symbol = Symbol("key");
pub(crate) const PARTITION_KEY: Symbol = Symbol("partition_key");
pub(crate) const COLUMN: Symbol = Symbol("column");
pub(crate) const MAX_LEN: Symbol = Symbol("max_len");
pub(crate) const SQL_TYPE: Symbol = Symbol("sql_type");
pub(crate) const SKIP: Symbol = Symbol("skip");
pub(crate) const UNIQUE: Symbol = Symbol("unique");
pub(crate) const INDEX: Symbol = Symbol("index");
pub(crate) const AUTO_INCREMENT: Symbol = Symbol("auto_increment");
pub(crate) const REPR: Symbol = Symbol("repr");
pub(crate) const DEFAULT: Symbol = Symbol("default");
pub(crate) const SERVER_DEFAULT: Symbol = Symbol("server_default");
pub(crate) const BY_NAME: Symbol = Symbol("by_name");
pub(crate) const UNIX_TIME: Symbol = Symbol("unix_time");

impl PartialEq<Symbol> for syn::Ident {
    fn eq(&self, word: &Symbol) -> bool {
        self == word.0
    }
}

impl PartialEq<Symbol> for syn::Path {
    fn eq(&self, word: &Symbol) -> bool {
        self.is_ident(word.0)
    }
}

impl fmt::Display for Symbol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}
