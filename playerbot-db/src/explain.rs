//! How the server would run each generated statement, and which of them are not key or
//! index lookups.

use mysql_async::prelude::Queryable;
use mysql_async::{Params, Row, Value};
use playerbot_db_sql::plan;

use crate::partitions::KeyPlan;
use crate::registry::LOAD_MANY_SIZES;
use crate::server::Server;
use crate::{BotEntity, ColumnMeta, Db, EntityMeta, Error, ValueKind};

/// One generated statement and the server's plan for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatementPlan {
    /// The entity the statement belongs to.
    pub entity: &'static str,
    /// Which statement: `select_by_key`, `lookup by_zone_id: delete`, `load_many 16`, …
    pub statement: String,
    /// Its text.
    pub sql: String,
    /// One line per table the plan reads: access type, key used and extra notes.
    pub steps: Vec<PlanStep>,
    /// What is wrong with the plan: empty for a key or index lookup.
    pub flags: Vec<PlanFlag>,
}

/// One row of `EXPLAIN`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanStep {
    /// The table read.
    pub table: String,
    /// The access type: `const`, `eq_ref`, `ref`, `range`, `index`, `ALL`, …
    pub access: String,
    /// The index used, if any.
    pub key: Option<String>,
    /// The `Extra` column.
    pub extra: String,
}

/// A plan that is not a key or index lookup.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlanFlag {
    /// Every row of the table is read (`type = ALL`).
    FullScan,
    /// A whole index is read without a bound (`type = index` and no `LIMIT`).
    FullIndexScan,
    /// Rows are sorted after reading (`Using filesort`).
    Filesort,
    /// A temporary table is built (`Using temporary`).
    Temporary,
}

impl std::fmt::Display for PlanFlag {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            PlanFlag::FullScan => "full table scan",
            PlanFlag::FullIndexScan => "full index scan",
            PlanFlag::Filesort => "filesort",
            PlanFlag::Temporary => "temporary table",
        })
    }
}

impl Server {
    /// The partitions the server reads to load and to delete `key` (from `EXPLAIN`): one
    /// each when pruning works.
    pub(crate) async fn explain_key<E: BotEntity>(&self, key: &E::Key) -> Result<KeyPlan, Error> {
        let mut guard = self.conn().await?;
        let dialect = guard.dialect();
        let conn = &mut guard.routine().conn;
        let statements = E::META.statements(dialect);
        let mut partitions_of = async |statement: &str| -> Result<Vec<String>, Error> {
            let rows: Vec<Row> = conn
                .exec(plan::explain(dialect, statement), E::key_params(key))
                .await?;
            let mut names = Vec::new();
            for row in rows {
                let column = row
                    .columns_ref()
                    .iter()
                    .position(|c| c.name_str() == "partitions");
                let value: Option<String> = column
                    .and_then(|i| row.get_opt(i))
                    .and_then(Result::ok)
                    .flatten();
                names.extend(
                    value
                        .into_iter()
                        .flat_map(|v| v.split(',').map(str::to_owned).collect::<Vec<_>>()),
                );
            }
            Ok(names)
        };
        let select_by_key = partitions_of(statements.select_by_key).await?;
        let delete_by_key = partitions_of(statements.delete_by_key).await?;
        guard.routine_done();
        Ok(KeyPlan {
            select_by_key,
            delete_by_key,
        })
    }

    /// Runs `EXPLAIN` for every statement that reads or deletes rows of every registered
    /// entity (by key, `exists`, lookups, counts by column, scans, `load_many`), on the
    /// tables as they are now, and flags plans that are not key or index lookups.
    ///
    /// Inserts and upserts read no rows and are left out, and so is `count_all`, which
    /// counts the whole table on purpose. Placeholders get a value of their column's type,
    /// and a trailing `LIMIT ?` the number 100. On an empty or tiny table the server may
    /// pick plans it would not pick with rows in it: explain on a database with data.
    pub(crate) async fn explain_statements(&self) -> Result<Vec<StatementPlan>, Error> {
        let mut guard = self.conn().await?;
        let dialect = guard.dialect();
        let conn = &mut guard.routine().conn;
        let metas: Vec<&'static EntityMeta> = self.registry().metas().collect();
        let mut plans = Vec::new();
        for meta in metas {
            for reading in reading_statements(meta, dialect) {
                let rows: Vec<Row> = conn
                    .exec(
                        plan::explain(dialect, &reading.sql),
                        sample_params(&reading),
                    )
                    .await?;
                let steps: Vec<PlanStep> = rows.iter().map(step_of).collect();
                let flags = flags_of(&steps, &reading.sql);
                plans.push(StatementPlan {
                    entity: meta.entity,
                    statement: reading.label,
                    sql: reading.sql,
                    steps,
                    flags,
                });
            }
        }
        guard.routine_done();
        Ok(plans)
    }
}

/// A statement to explain: its label, its text, and the column each placeholder stands
/// for, in order (a trailing `LIMIT ?` is not a column).
struct Reading {
    label: String,
    sql: String,
    columns: Vec<&'static ColumnMeta>,
}

/// Every statement of `meta` that finds rows.
fn reading_statements(meta: &'static EntityMeta, dialect: crate::Dialect) -> Vec<Reading> {
    let sql = meta.statements(dialect);
    let keys: Vec<&'static ColumnMeta> = meta.key_columns().collect();
    let column = |name: &str| meta.columns.iter().find(|c| c.name == name);
    let lookup_columns = |names: &[&str]| names.iter().filter_map(|n| column(n)).collect();
    let range: Vec<&'static ColumnMeta> = meta
        .partitioning
        .and_then(|p| column(p.column))
        .map(|c| vec![c, c])
        .unwrap_or_default();
    let mut list: Vec<Reading> = Vec::new();
    let mut add = |label: String, text: &str, columns: Vec<&'static ColumnMeta>| {
        if !text.is_empty() {
            list.push(Reading {
                label,
                sql: text.to_owned(),
                columns,
            });
        }
    };
    add("select_by_key".into(), sql.select_by_key, keys.clone());
    add("exists".into(), sql.exists, keys.clone());
    add("delete_by_key".into(), sql.delete_by_key, keys.clone());
    for lookup in sql.lookups {
        let name = format!("by_{}", lookup.columns.join("_and_"));
        let columns: Vec<&'static ColumnMeta> = lookup_columns(lookup.columns);
        add(
            format!("lookup {name}: select"),
            lookup.select,
            columns.clone(),
        );
        add(
            format!("lookup {name}: delete"),
            lookup.delete,
            columns.clone(),
        );
        add(format!("lookup {name}: count"), lookup.count, columns);
    }
    add("scan: first batch".into(), sql.scan.first, Vec::new());
    add("scan: next batch".into(), sql.scan.next, keys.clone());
    add(
        "scan partition: first batch".into(),
        sql.scan.first_in_range,
        range.clone(),
    );
    add(
        "scan partition: next batch".into(),
        sql.scan.next_in_range,
        [range, keys.clone()].concat(),
    );
    if !meta.is_append_only() {
        let names: Vec<&str> = keys.iter().map(|c| c.name).collect();
        for rows in LOAD_MANY_SIZES {
            let text = playerbot_db_sql::rows::select_by_keys(sql.select_head, &names, rows);
            add(format!("load_many {rows}"), &text, keys.repeat(rows));
        }
    }
    list
}

/// A value of the column's own type for each placeholder (a value of another type can keep
/// the server from using an index, or make it sort), and 100 for a trailing `LIMIT ?`.
fn sample_params(reading: &Reading) -> Params {
    let mut params: Vec<Value> = reading.columns.iter().map(|c| sample(c.kind)).collect();
    if reading.sql.ends_with("LIMIT ?") {
        params.push(Value::Int(100));
    }
    if params.is_empty() {
        Params::Empty
    } else {
        Params::Positional(params)
    }
}

fn sample(kind: ValueKind) -> Value {
    match kind {
        ValueKind::Int { .. } | ValueKind::Enum { .. } | ValueKind::Bool => Value::Int(1),
        ValueKind::UnixTime { .. } => Value::Int(1_700_000_000),
        ValueKind::F32 | ValueKind::F64 => Value::Double(1.0),
        ValueKind::Text { .. } | ValueKind::Bytes { .. } | ValueKind::EnumName => {
            Value::Bytes(b"1".to_vec())
        }
        ValueKind::DateTime | ValueKind::Date => Value::Date(2025, 1, 1, 0, 0, 0, 0),
    }
}

/// Reads an EXPLAIN row by column name (the two servers order the columns differently).
fn step_of(row: &Row) -> PlanStep {
    let text = |name: &str| -> Option<String> {
        let index = row
            .columns_ref()
            .iter()
            .position(|c| c.name_str() == name)?;
        row.get_opt::<Option<String>, _>(index)?.ok()?
    };
    let extra = text("Extra").unwrap_or_default();
    // A unique-key lookup the optimizer answered while planning ("Impossible WHERE noticed
    // after reading const tables", "no matching row in const table") has no access type.
    let access = text("type")
        .filter(|access| !access.is_empty())
        .unwrap_or_else(|| {
            if extra.contains("const table") {
                "const".to_owned()
            } else {
                String::new()
            }
        });
    PlanStep {
        table: text("table").unwrap_or_default(),
        access,
        key: text("key"),
        extra,
    }
}

fn flags_of(steps: &[PlanStep], sql: &str) -> Vec<PlanFlag> {
    let mut flags = Vec::new();
    let bounded = sql.contains(" LIMIT ");
    for step in steps {
        let found = [
            (step.access == "ALL", PlanFlag::FullScan),
            (step.access == "index" && !bounded, PlanFlag::FullIndexScan),
            (step.extra.contains("Using filesort"), PlanFlag::Filesort),
            (step.extra.contains("Using temporary"), PlanFlag::Temporary),
        ];
        for (hit, flag) in found {
            if hit && !flags.contains(&flag) {
                flags.push(flag);
            }
        }
    }
    flags
}

impl Db {
    /// The partitions the server that holds `key` reads to load and to delete it (from
    /// `EXPLAIN`): one each when pruning works.
    pub async fn explain_key<E: BotEntity>(&self, key: &E::Key) -> Result<KeyPlan, Error> {
        self.server_of::<E>(key).explain_key::<E>(key).await
    }

    /// Asks the first shard's primary how it would run each generated statement of every
    /// registered entity (`EXPLAIN`, the tables as they are now), and flags plans that are
    /// not key or index lookups; see [`StatementPlan`]. Ask `db.primary(shard)` for another.
    pub async fn explain_statements(&self) -> Result<Vec<StatementPlan>, Error> {
        self.first_server().explain_statements().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::BotEntity;

    fn step(access: &str, extra: &str) -> PlanStep {
        PlanStep {
            table: "t".into(),
            access: access.into(),
            key: None,
            extra: extra.into(),
        }
    }

    #[test]
    fn flags_what_is_not_a_lookup() {
        let by_key = "SELECT 1 FROM `t` WHERE `a` = ?";
        assert!(flags_of(&[step("const", "")], by_key).is_empty());
        assert_eq!(
            flags_of(&[step("ALL", "Using where")], by_key),
            [PlanFlag::FullScan]
        );
        assert_eq!(
            flags_of(&[step("index", "")], by_key),
            [PlanFlag::FullIndexScan]
        );
        let scan = "SELECT 1 FROM `t` ORDER BY `a` LIMIT ?";
        assert!(flags_of(&[step("index", "")], scan).is_empty());
        assert_eq!(
            flags_of(
                &[step(
                    "range",
                    "Using where; Using temporary; Using filesort"
                )],
                by_key
            ),
            [PlanFlag::Filesort, PlanFlag::Temporary]
        );
    }

    #[test]
    fn placeholders_get_their_column_types_and_limits_numbers() {
        let meta = crate::bots::BotEvent::META;
        let reading = Reading {
            label: String::new(),
            sql: "SELECT 1 WHERE (`bot_id`, `event`) > (?, ?) LIMIT ?".into(),
            columns: meta.key_columns().collect(),
        };
        let Params::Positional(params) = sample_params(&reading) else {
            panic!("positional");
        };
        assert_eq!(
            params,
            [Value::Int(1), Value::Bytes(b"1".to_vec()), Value::Int(100)]
        );
    }
}
