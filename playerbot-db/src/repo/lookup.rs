//! Reads and deletes by a key prefix or an indexed column, and counts.

use mysql_async::prelude::Queryable;
use mysql_async::{Params, Row};

use super::with_retry;
use crate::error::Context;
use crate::pool::statement;
use crate::server::Server;
use crate::{BotEntity, Error, Lookup, LookupSql};

fn context<E: BotEntity>(lookup: &Lookup<E>, statement: &'static str) -> Context {
    Context {
        entity: Some(E::META.entity),
        key: Some(format!("{:?}", lookup.params())),
        statement: Some(statement),
        chunk: None,
    }
}

/// The lookup's statements on a server of `dialect`.
fn sql<E: BotEntity>(lookup: &Lookup<E>, dialect: crate::Dialect) -> &'static LookupSql {
    &E::META.statements(dialect).lookups[lookup.index()]
}

impl Server {
    /// Every row the lookup finds, in key order: all talents of a bot
    /// (`db.load_by(&Talent::by_bot_id(42))`), all bots of an account
    /// (`db.load_by(&BotAccount::by_account_id(7))`). A lookup that includes the partition
    /// key reads one partition.
    pub(crate) async fn load_by<E: BotEntity>(&self, lookup: &Lookup<E>) -> Result<Vec<E>, Error> {
        let plan = self.registry().plan::<E>()?;
        let rows = self.read_lookup(plan, lookup).await?;
        Ok(rows
            .into_iter()
            .map(E::from_row)
            .collect::<Result<Vec<E>, _>>()?)
    }

    /// The lookup's own statement, run again as the retry rules allow.
    pub(super) async fn select_lookup<E: BotEntity>(
        &self,
        lookup: &Lookup<E>,
    ) -> Result<Vec<Row>, Error> {
        with_retry!(self, true, |conn| {
            let sql = sql(lookup, conn.dialect()).select;
            let params = Params::Positional(lookup.params().to_vec());
            statement!(conn, || context(lookup, "load_by"), text = sql, |c| c
                .exec(sql, params))
        })
    }

    /// Deletes every row the lookup finds; returns how many.
    pub(crate) async fn delete_by<E: BotEntity>(&self, lookup: &Lookup<E>) -> Result<u64, Error> {
        // The deleted keys are not known here: the entity's cache is cleared.
        let _clear = self.registry().plan::<E>()?.clear_cache_around();
        with_retry!(self, true, |conn| {
            let sql = sql(lookup, conn.dialect()).delete;
            let params = Params::Positional(lookup.params().to_vec());
            statement!(conn, || context(lookup, "delete_by"), text = sql, |c| c
                .exec_drop(sql, params))?;
            Ok(conn.conn.affected_rows())
        })
    }

    /// How many rows the lookup finds.
    pub(crate) async fn count_by<E: BotEntity>(&self, lookup: &Lookup<E>) -> Result<u64, Error> {
        self.registry().plan::<E>()?;
        let count: Option<u64> = with_retry!(self, true, |conn| {
            let sql = sql(lookup, conn.dialect()).count;
            let params = Params::Positional(lookup.params().to_vec());
            statement!(conn, || context(lookup, "count_by"), text = sql, |c| c
                .exec_first(sql, params))
        })?;
        Ok(count.unwrap_or(0))
    }

    /// How many rows the entity's table has (an exact `COUNT(*)`: it reads an index whole).
    pub(crate) async fn count<E: BotEntity>(&self) -> Result<u64, Error> {
        self.registry().plan::<E>()?;
        let context = || Context {
            entity: Some(E::META.entity),
            statement: Some("count"),
            ..Context::default()
        };
        let count: Option<u64> = with_retry!(self, true, |conn| {
            let sql = E::META.statements(conn.dialect()).count_all;
            statement!(conn, context, text = sql, |c| c.exec_first(sql, ()))
        })?;
        Ok(count.unwrap_or(0))
    }
}
