//! The entities a [`Db`](crate::Db) knows, with every statement it prepares for them when a
//! connection opens.

use crate::{Dialect, EntityMeta, Error};

/// Key counts `load_many` statements are prepared for. A call is split into chunks of these
/// sizes (the last chunk padded with repeated keys), so each size is prepared once per
/// connection and the server's prepared-statement limit stays far away.
pub(crate) const LOAD_MANY_SIZES: [usize; 6] = [1, 4, 16, 64, 100, 256];

#[derive(Debug)]
pub(crate) struct EntityPlan {
    pub(crate) meta: &'static EntityMeta,
    /// `SELECT … WHERE key IN (…)` per size in `LOAD_MANY_SIZES`, per dialect.
    load_many: [Vec<String>; 2],
    /// `SELECT 1 … WHERE key LIMIT 1`, per dialect.
    exists: [String; 2],
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
    pub(crate) fn register(&mut self, meta: &'static EntityMeta) {
        if self.plans.iter().any(|plan| plan.meta.table == meta.table) {
            return;
        }
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
            meta,
            load_many: [build(Dialect::MySql), build(Dialect::MariaDb)],
            exists: [exists(Dialect::MySql), exists(Dialect::MariaDb)],
        });
    }

    pub(crate) fn plan(&self, meta: &'static EntityMeta) -> Result<&EntityPlan, Error> {
        // Compared by table name: the address of a `const` is not guaranteed to be unique.
        self.plans
            .iter()
            .find(|plan| plan.meta.table == meta.table)
            .ok_or_else(|| {
                Error::Config(format!(
                "entity {} is not registered with this Db; add `.register::<{}>()` to the builder",
                meta.entity, meta.entity
            ))
            })
    }

    /// Every statement to prepare on a new connection to a server of `dialect`.
    pub(crate) fn statements(&self, dialect: Dialect) -> impl Iterator<Item = &str> {
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
        })
    }

    pub(crate) fn metas(&self) -> impl Iterator<Item = &'static EntityMeta> + '_ {
        self.plans.iter().map(|plan| plan.meta)
    }

    pub(crate) fn statement_count(&self) -> usize {
        self.plans.len() * (5 + LOAD_MANY_SIZES.len())
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
