//! Columns a row leaves to the server: `server_default` fields that are `None`.
//!
//! Such a row is written by a statement without those columns, so an insert takes the
//! column's default and an upsert that finds the row keeps the stored value. The statements
//! are built on first use (one per set of unset columns) and kept with the bulk texts.

use mysql_async::Value;

use crate::EntityMeta;

/// The unset columns of one row, one bit per column position (the derive keeps
/// `server_default` fields among the first 128 columns). Zero for nearly every row.
pub(crate) type Unset = u128;

/// Which `server_default` columns `params` (one row, in column order) leave unset.
pub(crate) fn unset_columns(meta: &EntityMeta, params: &[Value]) -> Unset {
    let mut unset = 0;
    for (i, (column, value)) in meta.columns.iter().zip(params).enumerate().take(128) {
        if column.unset_when_null && *value == Value::NULL {
            unset |= 1 << i;
        }
    }
    unset
}

/// Whether column `index` is unset.
pub(crate) fn is_unset(unset: Unset, index: usize) -> bool {
    index < 128 && unset & (1 << index) != 0
}

/// `params` without the unset columns' values.
pub(crate) fn without_unset(params: Vec<Value>, unset: Unset) -> Vec<Value> {
    if unset == 0 {
        return params;
    }
    params
        .into_iter()
        .enumerate()
        .filter(|(i, _)| !is_unset(unset, *i))
        .map(|(_, value)| value)
        .collect()
}

/// The columns a statement for rows with `unset` writes, as positions.
pub(crate) fn written_columns(meta: &EntityMeta, unset: Unset) -> impl Iterator<Item = usize> + '_ {
    (0..meta.columns.len()).filter(move |&i| !is_unset(unset, i))
}
