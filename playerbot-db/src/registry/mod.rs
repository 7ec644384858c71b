//! The entities a server knows, with every statement it prepares for them when a
//! connection opens.

use std::any::TypeId;

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use mysql_async::prelude::Queryable;
use mysql_async::{Conn, Row};

use crate::cache::{AnyCache, CacheStats, EntityCache};
use crate::coalesce::{AnyGate, CoalesceStats, Gate};

mod gates;

use crate::error::code;
use crate::live_table::LiveTable;
use crate::pool::{ConnSetup, SetupFuture};
use crate::{BotEntity, CacheHooks, CachePolicy, Dialect, EntityMeta, Error};
use gates::LOADS_RUNNING;
pub(crate) use gates::{LookupGate, SaveGate};

/// Key counts `load_many` statements are prepared for. A call is split into chunks of these
/// sizes (the last chunk padded with repeated keys), so each size is prepared once per
/// connection and the server's prepared-statement limit stays far away.
pub(crate) const LOAD_MANY_SIZES: [usize; 6] = [1, 4, 16, 64, 100, 256];

/// The most point loads one joined statement serves by default, and at most: the largest
/// prepared `IN (…)` list.
pub(crate) const COALESCE_DEFAULT: usize = 256;
const COALESCE_MAX: usize = 256;

#[derive(Debug)]
pub(crate) struct EntityPlan {
    /// The Rust type: two types over one table are two entries with their own statements.
    type_id: TypeId,
    /// Its place among the registered types (the write-behind keeps its queues in that order).
    pub(crate) position: usize,
    pub(crate) meta: &'static EntityMeta,
    /// `SELECT … WHERE key IN (…)` per size in `LOAD_MANY_SIZES`, per dialect.
    load_many: [Vec<String>; 2],
    /// The live table's engine, charsets and key collation (see `LiveTable`), with the
    /// schema epoch it was read in.
    live: RwLock<Option<(u64, Arc<LiveTable>)>>,
    /// `live`'s `exact_keys` (true until read), where every call can see it without a lock.
    exact_keys: AtomicBool,
    /// The registry's schema epoch.
    epoch: Arc<AtomicU64>,
    /// The L1 cache (an `EntityCache<E>`), for entities with a cache policy.
    cache: Option<Box<dyn AnyCache>>,
    cache_policy: Option<CachePolicy>,
    /// Point loads waiting for a server (a `Gate<E::Key, Row>`; none for append-only
    /// entities, which have no key): they join one statement while one is running.
    load_gate: Option<Box<dyn AnyGate>>,
    /// Single-row saves waiting for a server (a `SaveGate<E>`, for entities the registry
    /// can copy): they join one bulk save while one is running.
    save_gate: Option<Box<dyn AnyGate>>,
    /// Per lookup (`load_by`), reads waiting for a server, for one-column lookups.
    lookup_gates: Vec<Option<LookupGate>>,
    /// The most callers one joined statement serves (below 2: no coalescing).
    coalesce: usize,
}

#[derive(Debug, Default)]
pub(crate) struct Registry {
    plans: Vec<EntityPlan>,
    /// Bumped whenever tables may have been altered (raw SQL, migrations, `create_tables`):
    /// live tables read before are read again when next needed.
    epoch: Arc<AtomicU64>,
    /// `DbBuilder::without_caches`: no entity gets a cache, whatever it asks for.
    caches_off: bool,
    /// Every connection's reads wait for what the cluster committed (a Galera reader node).
    causal_reads: bool,
    /// `DbBuilder::coalesce`: the most point loads one statement serves.
    coalesce: Option<usize>,
}

pub(super) fn dialect_index(dialect: Dialect) -> usize {
    match dialect {
        Dialect::MySql => 0,
        Dialect::MariaDb => 1,
    }
}

impl Registry {
    /// The entry of the entity type `type_id`, when registered.
    pub(crate) fn plan_by_type(&self, type_id: TypeId) -> Option<&EntityPlan> {
        self.plans.iter().find(|plan| plan.type_id == type_id)
    }

    pub(crate) fn register<E: BotEntity>(&mut self) {
        let type_id = TypeId::of::<E>();
        if self.plans.iter().any(|plan| plan.type_id == type_id) {
            return;
        }
        let meta = E::META;
        let build = |dialect| {
            if meta.is_append_only() {
                return Vec::new();
            }
            let head = meta.statements(dialect).select_head;
            let keys: Vec<&str> = meta.key_columns().map(|c| c.name).collect();
            LOAD_MANY_SIZES
                .iter()
                .map(|&n| playerbot_db_sql::rows::select_by_keys(head, &keys, n))
                .collect()
        };
        let mut plan = EntityPlan {
            type_id,
            position: self.plans.len(),
            meta,
            load_many: [build(Dialect::MySql), build(Dialect::MariaDb)],
            live: RwLock::new(None),
            exact_keys: AtomicBool::new(true),
            epoch: Arc::clone(&self.epoch),
            cache: None,
            cache_policy: None,
            load_gate: (!meta.is_append_only())
                .then(|| Box::new(Gate::<E::Key, Row>::new(LOADS_RUNNING)) as Box<dyn AnyGate>),
            save_gate: None,
            lookup_gates: (0..meta.sql.mariadb.lookups.len())
                .map(|lookup| LookupGate::new(meta, lookup))
                .collect(),
            coalesce: self.coalesce.unwrap_or(COALESCE_DEFAULT),
        };
        if let Some(clone) = E::__cache_clone().filter(|_| !meta.is_append_only()) {
            plan.save_gate = Some(Box::new(SaveGate::new(clone)));
        }
        if let Some(clone) = E::__cache_clone().filter(|_| !self.caches_off) {
            plan.install_cache::<E>(meta.cache, clone, E::__cache_hooks());
        }
        self.plans.push(plan);
    }

    /// Sets `E`'s cache: `policy` `None` turns it off; `hooks` `None` keeps the ones it has
    /// (the derive's, or none). Registers `E` first when needed.
    pub(crate) fn set_cache<E: BotEntity + Clone>(
        &mut self,
        policy: Option<Option<CachePolicy>>,
        hooks: Option<Arc<dyn CacheHooks<E>>>,
    ) {
        self.register::<E>();
        if self.caches_off {
            return;
        }
        let type_id = TypeId::of::<E>();
        let plan = self
            .plans
            .iter_mut()
            .find(|plan| plan.type_id == type_id)
            .expect("just registered");
        let current_hooks = plan
            .cache
            .as_ref()
            .and_then(|cache| cache.as_any().downcast_ref::<EntityCache<E>>())
            .and_then(EntityCache::hooks);
        let policy = policy.unwrap_or(plan.cache_policy);
        let hooks = hooks.or(current_hooks).or_else(E::__cache_hooks);
        plan.install_cache::<E>(policy, <E as Clone>::clone, hooks);
        if plan.save_gate.is_none() && !E::META.is_append_only() {
            plan.save_gate = Some(Box::new(SaveGate::new(<E as Clone>::clone)));
        }
    }

    /// Empties every cache (rows moved to or from this server behind its back).
    pub(crate) fn clear_all_caches(&self) {
        for plan in &self.plans {
            plan.clear_cache();
        }
    }

    /// Turns every cache off.
    /// Makes every connection's reads causal (`wsrep_sync_wait`): a Galera node read
    /// instead of the writer sees every write the writer had committed.
    pub(crate) fn causal_reads(&mut self) {
        self.causal_reads = true;
    }

    /// Point loads of any entity join a running one's next statement, up to `max_callers`
    /// a statement (below 2: each load runs its own).
    pub(crate) fn set_coalesce(&mut self, max_callers: usize) {
        let cap = max_callers.min(COALESCE_MAX);
        self.coalesce = Some(cap);
        for plan in &mut self.plans {
            plan.coalesce = cap;
        }
    }

    pub(crate) fn drop_caches(&mut self) {
        for plan in &mut self.plans {
            plan.cache = None;
        }
        self.caches_off = true;
    }

    /// Calls served by joined statements, over every entity.
    pub(crate) fn coalesce_stats(&self) -> CoalesceStats {
        let mut stats = CoalesceStats::default();
        for plan in &self.plans {
            if let Some((calls, statements)) = plan.load_gate.as_ref().map(|gate| gate.joined()) {
                stats.loads += calls;
                stats.load_statements += statements;
            }
            if let Some((calls, statements)) = plan.save_gate.as_ref().map(|gate| gate.joined()) {
                stats.saves += calls;
                stats.save_statements += statements;
            }
            for (calls, statements) in plan.lookup_gates.iter().flatten().map(|l| l.gate.joined()) {
                stats.lookups += calls;
                stats.lookup_statements += statements;
            }
        }
        stats
    }

    /// Every cache's counters.
    pub(crate) fn cache_stats(&self) -> Vec<CacheStats> {
        self.plans
            .iter()
            .filter_map(|plan| Some(plan.cache.as_ref()?.stats(plan.meta.entity)))
            .collect()
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

    /// `E`'s entry, for a call that addresses rows by key: refused for append-only entities.
    pub(crate) fn keyed_plan<E: BotEntity>(
        &self,
        call: &'static str,
    ) -> Result<&EntityPlan, Error> {
        let plan = self.plan::<E>()?;
        if E::META.is_append_only() {
            return Err(Error::NoKey {
                entity: E::META.entity,
                call,
            });
        }
        Ok(plan)
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
            [
                sql.select_by_key,
                sql.exists,
                sql.insert,
                sql.upsert,
                sql.delete_by_key,
            ]
            .into_iter()
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

    /// Reads the live tables not read since the schema last may have changed (those that
    /// exist).
    pub(crate) async fn learn_live_tables(
        &self,
        conn: &mut Conn,
    ) -> Result<(), mysql_async::Error> {
        for plan in &self.plans {
            plan.learn_live_table(conn).await?;
        }
        Ok(())
    }

    /// Marks every live table as possibly out of date.
    pub(crate) fn schema_may_have_changed(&self) {
        self.epoch.fetch_add(1, Ordering::Relaxed);
    }

    /// The live table of the entity described by `meta`, when registered and read.
    pub(crate) fn live_of(&self, meta: &'static EntityMeta) -> Option<Arc<LiveTable>> {
        self.plans
            .iter()
            .find(|plan| std::ptr::eq(plan.meta, meta))?
            .live()
    }

    /// The registered Rust types, in registration order.
    pub(crate) fn type_ids(&self) -> impl Iterator<Item = TypeId> + '_ {
        self.plans.iter().map(|plan| plan.type_id)
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
    /// The gate `E`'s point loads coalesce through, and the most callers a statement
    /// serves; `None` when they do not coalesce (turned off, no key, or keys the server
    /// compares loosely: a joined statement could not tell whose row is whose).
    pub(crate) fn load_gate<E: BotEntity>(&self) -> Option<(&Gate<E::Key, Row>, usize)> {
        if self.coalesce < 2 || !self.exact_keys() {
            return None;
        }
        let gate = self.load_gate.as_ref()?.as_any().downcast_ref()?;
        Some((gate, self.coalesce))
    }

    /// The gate `E`'s single-row saves coalesce through, and the most callers a bulk save
    /// serves; `None` as for [`load_gate`](Self::load_gate), and for entities the registry
    /// cannot copy (a joined save takes a copy of each row).
    pub(crate) fn save_gate<E: BotEntity>(&self) -> Option<(&SaveGate<E>, usize)> {
        if self.coalesce < 2 || !self.exact_keys() {
            return None;
        }
        let gate = self.save_gate.as_ref()?.as_any().downcast_ref()?;
        Some((gate, self.coalesce))
    }

    /// The gate reads of lookup `lookup` coalesce through, and the most callers a statement
    /// serves; `None` when they do not (turned off, or a lookup of several columns).
    pub(crate) fn lookup_gate(&self, lookup: usize) -> Option<(&LookupGate, usize)> {
        if self.coalesce < 2 {
            return None;
        }
        let gate = self.lookup_gates.get(lookup)?.as_ref()?;
        Some((gate, self.coalesce))
    }

    fn install_cache<E: BotEntity>(
        &mut self,
        policy: Option<CachePolicy>,
        clone: fn(&E) -> E,
        hooks: Option<Arc<dyn CacheHooks<E>>>,
    ) {
        // An append-only entity has no key to cache by.
        let policy = policy.filter(|_| !E::META.is_append_only());
        self.cache_policy = policy;
        self.cache = policy.map(|policy| {
            Box::new(EntityCache::<E>::new(policy, clone, hooks)) as Box<dyn AnyCache>
        });
    }

    /// `E`'s cache, when it has one and calls may use it: keys that the server compares
    /// loosely (an adopted case-insensitive key) would have several spellings in memory, so
    /// such tables are not cached.
    pub(crate) fn cache<E: BotEntity>(&self) -> Option<&EntityCache<E>> {
        if !self.exact_keys() {
            return None;
        }
        self.cache.as_ref()?.as_any().downcast_ref()
    }

    /// Drops every cached value (`Db::clear_cache`).
    pub(crate) fn clear_cache(&self) {
        if let Some(cache) = &self.cache {
            cache.clear();
        }
    }

    /// For a change to rows the cache cannot name (deletes by column, dropped partitions):
    /// clears the cache now and again when the guard is dropped, after the change.
    pub(crate) fn clear_cache_around(&self) -> ClearOnDrop<'_> {
        self.clear_cache();
        ClearOnDrop(self)
    }

    pub(crate) fn load_many(&self, dialect: Dialect, size_index: usize) -> &str {
        &self.load_many[dialect_index(dialect)][size_index]
    }

    /// The live table as last read, when it has been.
    pub(crate) fn live(&self) -> Option<Arc<LiveTable>> {
        let live = self
            .live
            .read()
            .unwrap_or_else(|poison| poison.into_inner());
        live.as_ref().map(|(_, live)| Arc::clone(live))
    }

    /// The live table when it was read since the schema last may have changed.
    pub(crate) fn live_current(&self) -> Option<Arc<LiveTable>> {
        let epoch = self.epoch.load(Ordering::Relaxed);
        let live = self
            .live
            .read()
            .unwrap_or_else(|poison| poison.into_inner());
        live.as_ref()
            .filter(|(read_in, _)| *read_in == epoch)
            .map(|(_, live)| Arc::clone(live))
    }

    /// The live table, read now unless it was read since the schema last may have changed
    /// (`None` when it does not exist).
    pub(crate) async fn learn_live_table(
        &self,
        conn: &mut Conn,
    ) -> Result<Option<Arc<LiveTable>>, mysql_async::Error> {
        let epoch = self.epoch.load(Ordering::Relaxed);
        {
            let live = self
                .live
                .read()
                .unwrap_or_else(|poison| poison.into_inner());
            if let Some((read_in, live)) = live.as_ref().filter(|(read_in, _)| *read_in == epoch) {
                debug_assert_eq!(*read_in, epoch);
                return Ok(Some(Arc::clone(live)));
            }
        }
        let Some(live) = LiveTable::read(conn, self.meta).await?.map(Arc::new) else {
            return Ok(None);
        };
        let mut slot = self
            .live
            .write()
            .unwrap_or_else(|poison| poison.into_inner());
        self.exact_keys.store(live.exact_keys, Ordering::Relaxed);
        *slot = Some((epoch, Arc::clone(&live)));
        Ok(Some(live))
    }

    /// Whether a returned row's key can be matched to the requested one by `==`: unknown
    /// tables are taken to be the derive's own (binary NO PAD keys).
    pub(crate) fn exact_keys(&self) -> bool {
        self.exact_keys.load(Ordering::Relaxed)
    }
}

/// See [`EntityPlan::clear_cache_around`].
pub(crate) struct ClearOnDrop<'a>(&'a EntityPlan);

impl Drop for ClearOnDrop<'_> {
    fn drop(&mut self) {
        self.0.clear_cache();
    }
}

impl ConnSetup for Registry {
    fn statement_count(&self) -> usize {
        Registry::statement_count(self)
    }

    fn prepare<'a>(&'a self, conn: &'a mut Conn, dialect: Dialect) -> SetupFuture<'a> {
        Box::pin(prepare_all(conn, self, dialect))
    }

    fn raw_access(&self) {
        self.schema_may_have_changed();
    }
}

/// Prepares every registered statement. A statement the server refuses (its table does not
/// exist yet, differs from the entity, or is not ours to use) is left for the driver to
/// prepare on first use, where the caller gets the server's error; only a failure of the
/// connection itself fails the open.
async fn prepare_all(
    conn: &mut Conn,
    registry: &Registry,
    dialect: Dialect,
) -> Result<(), mysql_async::Error> {
    if registry.causal_reads {
        conn.query_drop(playerbot_db_sql::galera::CAUSAL_READS)
            .await?;
    }
    for (entity, sql) in registry.statements(dialect) {
        match conn.prep(sql).await {
            Ok(_) => {}
            Err(mysql_async::Error::Server(err)) if !code::is_connection_code(err.code) => {
                if err.code != code::NO_SUCH_TABLE {
                    tracing::warn!(
                        entity,
                        code = err.code,
                        error = %err.message,
                        "a registered statement cannot be prepared; calls that use it will fail with this error"
                    );
                }
            }
            Err(err) => return Err(err),
        }
    }
    match registry.learn_live_tables(conn).await {
        Err(err @ mysql_async::Error::Server(_)) => {
            // information_schema not readable: calls go on without the checks it feeds.
            tracing::warn!(error = %err, "the registered tables' engines and charsets cannot be read");
            Ok(())
        }
        other => other,
    }
}
