//! The entities a [`Db`](crate::Db) knows, with every statement it prepares for them when a
//! connection opens.

use std::any::TypeId;

use crate::{BotEntity, Dialect, EntityMeta, Error};

/// Key counts `load_many` statements are prepared for. A call is split into chunks of these
/// sizes (the last chunk padded with repeated keys), so each size is prepared once per
/// connection and the server's prepared-statement limit stays far away.
pub(crate) const LOAD_MANY_SIZES: [usize; 6] = [1, 4, 16, 64, 100, 256];

#[derive(Debug)]
pub(crate) struct EntityPlan {
    /// The Rust type: two types over one table are two entries with their own statements.
    type_id: TypeId,
    pub(crate) meta: &'static EntityMeta,
    /// `SELECT … WHERE key IN (…)` per size in `LOAD_MANY_SIZES`, per dialect.
    load_many: [Vec<String>; 2],
    /// `SELECT 1 … WHERE key LIMIT 1`, per dialect.
    exists: [String; 2],
    /// The table's engine when it cannot roll back, once looked up (by the first bulk save).
    pub(crate) non_transactional_engine: std::sync::OnceLock<Option<String>>,
}

#[derive(Debug, Default)]
pub(crate) struct Registry {
    plans: Vec<EntityPlan>,
}

fn dialect_index(dialect: Dialect) -> usize {
    match dialect {
        Dialect::MySql => 0,
        Dialect::MariaDb => 1,
    }
}

impl Registry {
    pub(crate) fn register<E: BotEntity>(&mut self) {
        let type_id = TypeId::of::<E>();
        if self.plans.iter().any(|plan| plan.type_id == type_id) {
            return;
        }
        let meta = E::META;
        let build = |dialect| {
            let head = meta.statements(dialect).select_head;
            LOAD_MANY_SIZES
                .iter()
                .map(|&n| format!("{head} WHERE {}", key_in_list(meta, n)))
                .collect()
        };
        let exists = |dialect| {
            let by_key = meta.statements(dialect).select_by_key;
            let predicate = &by_key[by_key.find(" WHERE ").expect("select_by_key has a WHERE")..];
            format!("SELECT 1 FROM `{}`{predicate} LIMIT 1", meta.table)
        };
        self.plans.push(EntityPlan {
            type_id,
            meta,
            load_many: [build(Dialect::MySql), build(Dialect::MariaDb)],
            exists: [exists(Dialect::MySql), exists(Dialect::MariaDb)],
            non_transactional_engine: std::sync::OnceLock::new(),
        });
    }

    /// `E`'s entry. Every call needs its entity registered, so that every statement a call
    /// runs was prepared when its connection opened.
    pub(crate) fn plan<E: BotEntity>(&self) -> Result<&EntityPlan, Error> {
        let type_id = TypeId::of::<E>();
        self.plans
            .iter()
            .find(|plan| plan.type_id == type_id)
            .ok_or(Error::NotRegistered {
                entity: E::META.entity,
            })
    }

    /// Whether the type with `type_id` (whose metadata is `meta`) is registered.
    pub(crate) fn check(&self, type_id: TypeId, meta: &'static EntityMeta) -> Result<(), Error> {
        if self.plans.iter().any(|plan| plan.type_id == type_id) {
            Ok(())
        } else {
            Err(Error::NotRegistered {
                entity: meta.entity,
            })
        }
    }

    /// Every statement to prepare on a new connection to a server of `dialect`, with the
    /// entity it belongs to.
    pub(crate) fn statements(
        &self,
        dialect: Dialect,
    ) -> impl Iterator<Item = (&'static str, &str)> {
        self.plans.iter().flat_map(move |plan| {
            let sql = plan.meta.statements(dialect);
            [sql.select_by_key, sql.insert, sql.upsert, sql.delete_by_key]
                .into_iter()
                .chain(std::iter::once(plan.exists(dialect)))
                .chain(
                    plan.load_many[dialect_index(dialect)]
                        .iter()
                        .map(String::as_str),
                )
                .chain(
                    sql.lookups
                        .iter()
                        .flat_map(|lookup| [lookup.select, lookup.delete, lookup.count]),
                )
                .chain([
                    sql.count_all,
                    sql.scan.first,
                    sql.scan.next,
                    sql.scan.first_in_range,
                    sql.scan.next_in_range,
                ])
                .filter(|sql| !sql.is_empty())
                .map(|sql| (plan.meta.entity, sql))
        })
    }

    pub(crate) fn metas(&self) -> impl Iterator<Item = &'static EntityMeta> + '_ {
        self.plans.iter().map(|plan| plan.meta)
    }

    pub(crate) fn statement_count(&self) -> usize {
        self.plans
            .iter()
            .map(|plan| {
                let lookups = plan.meta.sql.mariadb.lookups.len();
                5 + LOAD_MANY_SIZES.len() + 3 * lookups + 5
            })
            .sum()
    }
}

impl EntityPlan {
    pub(crate) fn load_many(&self, dialect: Dialect, size_index: usize) -> &str {
        &self.load_many[dialect_index(dialect)][size_index]
    }

    pub(crate) fn exists(&self, dialect: Dialect) -> &str {
        &self.exists[dialect_index(dialect)]
    }
}

/// `` `k` IN (?, ?) `` or `` (`a`, `b`) IN ((?, ?), (?, ?)) `` for `n` keys.
fn key_in_list(meta: &EntityMeta, n: usize) -> String {
    let keys: Vec<String> = meta
        .key_columns()
        .map(|c| format!("`{}`", c.name))
        .collect();
    if keys.len() == 1 {
        return format!("{} IN ({})", keys[0], vec!["?"; n].join(", "));
    }
    let group = format!("({})", vec!["?"; keys.len()].join(", "));
    format!("({}) IN ({})", keys.join(", "), vec![group; n].join(", "))
}
