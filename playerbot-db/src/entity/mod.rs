//! What `#[derive(BotEntity)]` implements: metadata, SQL and row mapping for one table.

mod column;
mod hooks;
mod lookup;
mod meta;
mod partition;

use std::fmt::Debug;
use std::hash::Hash;

use mysql_async::prelude::FromValue;
use mysql_async::{Row, Value};

pub use crate::error::RowError;
pub use column::Column;
pub use hooks::CacheHooks;
pub use lookup::Lookup;
pub use meta::{
    CachePolicy, ColumnMeta, EntityMeta, EntitySql, IndexMeta, LookupSql, ScanSql, Statements,
    ValueKind,
};
pub use partition::Partitioning;

/// A struct persisted as one row of one table. Implement it with `#[derive(BotEntity)]`.
pub trait BotEntity: Sized + Send + Sync + 'static {
    /// The primary key: the key field's type, or a tuple of them in declaration order.
    type Key: Clone + Debug + Eq + Hash + Send + Sync + 'static;

    /// Table, columns, partitioning, cache policy and every generated statement.
    const META: &'static EntityMeta;

    /// The row's primary key.
    fn key(&self) -> Self::Key;

    /// The key as positional params, in the order of the key columns.
    fn key_params(key: &Self::Key) -> Vec<Value>;

    /// Appends one param per column, in column order (the order of the placeholders).
    fn write_params(&self, out: &mut Vec<Value>);

    /// Decodes a row selected with `select_head`/`select_by_key` (all columns, in order).
    fn from_row(row: Row) -> Result<Self, RowError>;

    /// The value rows are partitioned and routed by, when the entity has a partition key.
    fn partition_key(&self) -> Option<u64>;

    /// The partition key taken from a key alone, so loads route without the row.
    fn key_partition_key(key: &Self::Key) -> Option<u64>;

    /// One param per column, in column order.
    fn to_params(&self) -> Vec<Value> {
        let mut params = Vec::with_capacity(Self::META.columns.len());
        self.write_params(&mut params);
        params
    }

    /// Whether this row is new — every row of an append-only entity, a row whose
    /// `auto_increment` key is 0 — so it is never merged with another. Builds the key's params
    /// only for entities that can have new rows.
    fn is_new(&self) -> bool {
        let meta = Self::META;
        meta.is_append_only()
            || (meta.auto_increment().is_some() && meta.is_new_key(&Self::key_params(&self.key())))
    }

    /// The RANGE partition this row lives in (`None` when the table is not partitioned).
    fn partition(&self) -> Option<u64> {
        Some(Self::META.partitioning?.partition_of(self.partition_key()?))
    }

    /// How the L1 cache copies values: `Clone::clone`, generated for entities with
    /// `cache(...)`. `None`: the type is not cached unless `DbBuilder::cache` says so.
    #[doc(hidden)]
    fn __cache_clone() -> Option<fn(&Self) -> Self> {
        None
    }

    /// The hooks named by `cache(hooks = …)`.
    #[doc(hidden)]
    fn __cache_hooks() -> Option<std::sync::Arc<dyn CacheHooks<Self>>> {
        None
    }

    /// The RANGE partition a key lives in.
    fn key_partition(key: &Self::Key) -> Option<u64> {
        Some(
            Self::META
                .partitioning?
                .partition_of(Self::key_partition_key(key)?),
        )
    }
}

/// A fieldless enum stored as its `#[repr]` integer. Implement it with `#[derive(BotEnum)]`
/// and mark the entity's field `#[bot(repr = u8)]` (the same integer).
#[diagnostic::on_unimplemented(
    message = "`{Self}` has no SQL column mapping",
    label = "this field's type is not a `BotEnum`",
    note = "help: add `#[derive(BotEnum)]` and an integer `#[repr(u8)]` to the enum"
)]
pub trait BotEnum: Sized + Send + Sync + 'static {
    /// The `#[repr]` integer type.
    type Repr: Copy + Debug + Into<Value> + FromValue + Send + Sync + 'static;

    /// The enum's Rust name, for error messages.
    const NAME: &'static str;

    /// The variant's discriminant.
    fn to_repr(&self) -> Self::Repr;

    /// `None` when no variant has that discriminant.
    fn from_repr(repr: Self::Repr) -> Option<Self>;

    /// The name a `#[bot(by_name)]` field stores (an SQL `ENUM` value): the variant's
    /// `#[bot(name = "…")]`, or its Rust name.
    fn name(&self) -> &'static str;

    /// `None` when no variant has that name (compared exactly).
    fn from_name(name: &str) -> Option<Self>;
}
