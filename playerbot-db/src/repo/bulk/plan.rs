//! Which rows go into which statement: duplicates dropped (last one wins), rows ordered by
//! partition, and chunks sized by the placeholder limit and the server's packet limit.

use std::cmp::Ordering;
use std::collections::HashMap;

use mysql_async::Value;

use crate::chunking::{chunk_sizes, exact_chunk_sizes};
use crate::unset::{unset_columns, Unset};
use crate::BotEntity;

/// Row counts multi-row statements are prepared for (on first use). Up to 128 rows, each
/// count fits one statement padded less than twice over: a joined save of a few dozen rows
/// is one statement and one round trip, not several in a transaction.
pub(super) const MULTI_ROW_SIZES: [usize; 10] = [1, 2, 4, 8, 16, 32, 64, 128, 250, 1000];
/// Rows per `exec_batch` call in bulk-execute mode (the driver splits by packet size itself).
pub(super) const BULK_EXECUTE_ROWS: usize = 5_000;
/// The most placeholders one statement may have (the server's limit, error 1390 past it).
pub(super) const MAX_PLACEHOLDERS: usize = 65_535;
/// Room left in a packet for the command header, null bitmap and the like.
const PACKET_HEADROOM: usize = 4_096;

/// Indices into the caller's rows: the last occurrence of each key, in one global order —
/// partition, then primary key as the server's index orders it. Every bulk save writes its
/// rows in this order, so two saves that share rows lock them in the same order and cannot
/// deadlock on each other, whatever order their callers gave.
///
/// New rows of an `auto_increment` entity (key 0) are all kept, in the order given: each is
/// a row of its own that the server numbers. The third value counts them.
///
/// When the table's key collation is not exact (`exact_keys` false: an adopted table whose
/// keys ignore case or trailing spaces), keys that differ in bytes may be one row to the
/// server, so rows keep the caller's order within a partition: the last of them wins, as
/// separate saves would have it.
///
/// `subset` names the rows to order by index (every row with `None`).
pub(super) fn order_rows<E: BotEntity>(
    rows: &[E],
    subset: Option<&[usize]>,
    exact_keys: bool,
) -> (Vec<usize>, usize, usize) {
    let indices: Vec<usize> = match subset {
        Some(subset) => subset.to_vec(),
        None => (0..rows.len()).collect(),
    };
    let is_new = |row: &E| row.is_new();
    let mut last: HashMap<E::Key, usize> = HashMap::with_capacity(indices.len());
    let mut new_rows = 0;
    for &index in &indices {
        let row = &rows[index];
        if is_new(row) {
            new_rows += 1;
        } else {
            last.insert(row.key(), index);
        }
    }
    let mut kept: Vec<(u64, Vec<Value>, usize)> = indices
        .iter()
        .copied()
        .filter(|&index| is_new(&rows[index]) || last.get(&rows[index].key()) == Some(&index))
        .map(|index| {
            let row = &rows[index];
            (
                row.partition().unwrap_or(0),
                E::key_params(&row.key()),
                index,
            )
        })
        .collect();
    let duplicates = indices.len() - kept.len();
    if exact_keys {
        kept.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| compare_keys(&a.1, &b.1)));
    } else {
        kept.sort_by_key(|row| row.0);
    }
    (
        kept.into_iter().map(|(_, _, index)| index).collect(),
        duplicates,
        new_rows,
    )
}

/// Orders two keys (their params, column by column) as the server's index does: numbers by
/// value, strings and bytes by their bytes (the binary collations keys use).
pub(super) fn compare_keys(a: &[Value], b: &[Value]) -> Ordering {
    a.iter()
        .zip(b)
        .map(|(x, y)| compare_values(x, y))
        .find(|order| order.is_ne())
        .unwrap_or_else(|| a.len().cmp(&b.len()))
}

fn compare_values(x: &Value, y: &Value) -> Ordering {
    match (x, y) {
        (Value::Int(a), Value::Int(b)) => a.cmp(b),
        (Value::UInt(a), Value::UInt(b)) => a.cmp(b),
        (Value::Int(a), Value::UInt(b)) => u64::try_from(*a).map_or(Ordering::Less, |a| a.cmp(b)),
        (Value::UInt(a), Value::Int(b)) => {
            u64::try_from(*b).map_or(Ordering::Greater, |b| a.cmp(&b))
        }
        (Value::Bytes(a), Value::Bytes(b)) => a.cmp(b),
        (Value::Float(a), Value::Float(b)) => a.total_cmp(b),
        (Value::Double(a), Value::Double(b)) => a.total_cmp(b),
        // Keys of one entity have one kind per column; any fixed order will do otherwise.
        _ => kind_rank(x).cmp(&kind_rank(y)),
    }
}

fn kind_rank(value: &Value) -> u8 {
    match value {
        Value::NULL => 0,
        Value::Int(_) | Value::UInt(_) => 1,
        Value::Float(_) | Value::Double(_) => 2,
        Value::Bytes(_) => 3,
        Value::Date(..) => 4,
        Value::Time(..) => 5,
    }
}

/// Consecutive runs of `order` that share a partition.
pub(super) fn partition_groups<E: BotEntity>(
    rows: &[E],
    order: &[usize],
) -> Vec<std::ops::Range<usize>> {
    // Rows that leave different columns to the server need different statements.
    let unset: Vec<Unset> = if E::META.columns.iter().any(|c| c.unset_when_null) {
        order
            .iter()
            .map(|&i| unset_columns(E::META, &rows[i].to_params()))
            .collect()
    } else {
        vec![0; order.len()]
    };
    let mut groups = Vec::new();
    let mut start = 0;
    for i in 1..=order.len() {
        let boundary = i == order.len()
            || rows[order[i]].partition() != rows[order[start]].partition()
            || unset[i] != unset[start];
        if boundary {
            groups.push(start..i);
            start = i;
        }
    }
    groups
}

/// A statement's rows: `range` of the ordered rows, padded to `size` by repeating the last.
#[derive(Debug, Clone)]
pub(super) struct Chunk {
    pub(super) range: std::ops::Range<usize>,
    pub(super) size: usize,
}

/// Multi-row chunks of one partition group, each within the placeholder and packet limits.
/// `Err(index)` names a row (position in the ordered rows) that alone exceeds the packet.
/// The most of `count` rows that fill one multi-row statement exactly.
pub(crate) fn full_statement_rows(count: usize) -> usize {
    MULTI_ROW_SIZES
        .iter()
        .copied()
        .rfind(|&size| size <= count)
        .unwrap_or(1)
}

pub(super) fn multi_row_chunks(
    group: std::ops::Range<usize>,
    row_sizes: &[usize],
    columns: usize,
    max_allowed_packet: usize,
    exact: bool,
) -> Result<Vec<Chunk>, usize> {
    let budget = max_allowed_packet.saturating_sub(PACKET_HEADROOM);
    let (widest, widest_at) = group
        .clone()
        .map(|i| (row_sizes[i], i))
        .max()
        .unwrap_or((0, group.start));
    if widest > budget {
        return Err(widest_at);
    }
    let cap = (MAX_PLACEHOLDERS / columns.max(1))
        .min(budget / widest.max(1))
        .max(1);
    let allowed: Vec<usize> = MULTI_ROW_SIZES
        .iter()
        .copied()
        .filter(|&size| size <= cap)
        .collect();
    let mut start = group.start;
    let sizes = if exact {
        exact_chunk_sizes(group.len(), &allowed)
    } else {
        chunk_sizes(group.len(), &allowed)
    };
    Ok(sizes
        .into_iter()
        .map(|(index, taken)| {
            let chunk = Chunk {
                range: start..start + taken,
                size: allowed[index],
            };
            start += taken;
            chunk
        })
        .collect())
}

/// Bulk-execute chunks: one partition group in calls of at most `BULK_EXECUTE_ROWS` rows.
/// `Err(index)` names a row that alone exceeds the packet.
pub(super) fn bulk_chunks(
    group: std::ops::Range<usize>,
    row_sizes: &[usize],
    max_allowed_packet: usize,
) -> Result<Vec<Chunk>, usize> {
    let budget = max_allowed_packet.saturating_sub(PACKET_HEADROOM);
    if let Some(too_big) = group.clone().find(|&i| row_sizes[i] > budget) {
        return Err(too_big);
    }
    Ok(group
        .clone()
        .step_by(BULK_EXECUTE_ROWS)
        .map(|start| {
            let end = (start + BULK_EXECUTE_ROWS).min(group.end);
            Chunk {
                range: start..end,
                size: end - start,
            }
        })
        .collect())
}

/// Bytes per row a write set holds beyond twice the row's params: its key, event and table
/// headers (a few per unique key).
const WRITE_SET_ROW_OVERHEAD: usize = 64;

/// An upper estimate of the write set a transaction of rows of these sizes (`row_bytes`)
/// replicates on a Galera node: an updated row carries its image before and after. Measured
/// on MariaDB 10.11 with `wsrep_replicated_bytes`: a `bot_state` row inserted took 57
/// bytes, updated 107: 0.4 of this estimate (272).
pub(super) fn write_set_bytes(row_sizes: &[usize]) -> usize {
    row_sizes
        .iter()
        .map(|&bytes| 2 * bytes + WRITE_SET_ROW_OVERHEAD)
        .sum()
}

/// What a row's params take in an execute packet: the value bytes and two type bytes each.
pub(super) fn row_bytes(params: &[Value]) -> usize {
    params
        .iter()
        .map(|value| {
            2 + match value {
                Value::NULL => 0,
                Value::Bytes(bytes) => bytes.len() + 9,
                Value::Float(_) => 4,
                Value::Int(_) | Value::UInt(_) | Value::Double(_) => 8,
                Value::Date(..) | Value::Time(..) => 12,
            }
        })
        .sum()
}

/// `rows` (distinct keys) in partition, then key order, cut into up to `parts` contiguous
/// runs of about equal size: disjoint ranges two transactions can write side by side
/// without waiting on each other's rows. Small batches stay whole.
pub(crate) fn ordered_parts<E: BotEntity>(rows: Vec<E>, parts: usize) -> Vec<Vec<E>> {
    /// Below this many rows a part is not worth a connection of its own.
    const MIN_PART: usize = 1_000;
    let parts = parts.min(rows.len() / MIN_PART).max(1);
    if parts == 1 {
        return vec![rows];
    }
    let (order, _, _) = order_rows(&rows, None, true);
    let mut slots: Vec<Option<E>> = rows.into_iter().map(Some).collect();
    let size = order.len().div_ceil(parts);
    order
        .chunks(size)
        .map(|chunk| {
            chunk
                .iter()
                .map(|&i| slots[i].take().expect("each row once"))
                .collect()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_compare_as_the_index_orders_them() {
        let int = |v: i64| vec![Value::Int(v)];
        let uint = |v: u64| vec![Value::UInt(v)];
        assert_eq!(compare_keys(&uint(2), &uint(10)), Ordering::Less);
        assert_eq!(compare_keys(&int(-1), &uint(0)), Ordering::Less);
        assert_eq!(compare_keys(&uint(5), &int(5)), Ordering::Equal);
        let text = |s: &str| vec![Value::Bytes(s.as_bytes().to_vec())];
        assert_eq!(compare_keys(&text("B"), &text("a")), Ordering::Less);
        assert_eq!(compare_keys(&text("a"), &text("a ")), Ordering::Less);
        let pair = |a: u64, b: u64| vec![Value::UInt(a), Value::UInt(b)];
        assert_eq!(compare_keys(&pair(1, 9), &pair(2, 0)), Ordering::Less);
        assert_eq!(compare_keys(&pair(2, 1), &pair(2, 0)), Ordering::Greater);
    }

    fn rows(n: usize, bytes: usize) -> Vec<usize> {
        (0..n)
            .map(|_| row_bytes(&[Value::Int(1), Value::Bytes(vec![0; bytes])]))
            .collect()
    }

    #[test]
    fn chunks_respect_placeholders_and_packet_size() {
        let small = rows(5_000, 10);
        let chunks = multi_row_chunks(0..5_000, &small, 2, 16 << 20, false).unwrap();
        assert_eq!(chunks.len(), 5);
        assert!(chunks.iter().all(|c| c.size == 1000));

        // 40 KB rows in a 1 MB packet: at most 25 rows a statement, so 16-row statements.
        let wide = rows(100, 40_000);
        let chunks = multi_row_chunks(0..100, &wide, 2, 1 << 20, false).unwrap();
        assert!(chunks.iter().all(|c| c.size <= 16), "{chunks:?}");
        assert_eq!(chunks.iter().map(|c| c.range.len()).sum::<usize>(), 100);

        // One row larger than the packet is named.
        let mut huge = rows(3, 10);
        huge[2] = row_bytes(&[Value::Bytes(vec![0; 2 << 20])]);
        assert_eq!(
            multi_row_chunks(0..3, &huge, 2, 1 << 20, false).unwrap_err(),
            2
        );
        assert_eq!(bulk_chunks(0..3, &huge, 1 << 20).unwrap_err(), 2);

        // 300 columns: 65,535 placeholders allow 218 rows, so no 250- or 1000-row statements.
        let many: Vec<usize> = (0..1000)
            .map(|_| row_bytes(&vec![Value::Int(0); 300]))
            .collect();
        let chunks = multi_row_chunks(0..1000, &many, 300, 64 << 20, false).unwrap();
        assert!(
            chunks.iter().all(|c| c.size * 300 <= MAX_PLACEHOLDERS),
            "{chunks:?}"
        );
    }
}
