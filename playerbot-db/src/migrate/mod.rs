//! Versioned SQL files applied in order, once, under a lock, with checksums on record.
//!
//! Files are named `NNNN_name.sql` and hold statements separated by `;` at the end of a line.
//! Each applied file is recorded in `playerbot_db_migrations` with its checksum, when it was
//! applied and how long it took. A run takes a named lock (`GET_LOCK`) for the database, so
//! two processes never migrate at once, and refuses to start when a file that was already
//! applied has changed since.

mod builtin;
mod file;
mod history;
mod split;

use std::path::Path;
use std::time::{Duration, Instant};

use mysql_async::prelude::Queryable;

use crate::pool::Busy;
use crate::server::Server;
use crate::{Db, Dialect, Error};
pub use file::Migration;

/// What a run did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MigrationReport {
    /// Files applied by this run, in order, with how long each took.
    pub applied: Vec<(String, Duration)>,
    /// Files that were already applied (checksums verified).
    pub already_applied: usize,
    /// Names in the history that no longer have a file.
    pub unknown_in_history: Vec<String>,
}

/// Which migrations a database has, read without changing anything.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MigrationStatus {
    /// Applied files, in order, each with whether its file still has the recorded checksum.
    pub applied: Vec<(String, bool)>,
    /// Files not applied yet, in the order a run would apply them.
    pub pending: Vec<String>,
    /// Names in the history that no longer have a file.
    pub unknown_in_history: Vec<String>,
}

/// An ordered set of migrations and the means to apply them.
#[derive(Debug, Clone)]
pub struct Migrator {
    migrations: Vec<Migration>,
    lock_timeout: Duration,
    out_of_order: bool,
    /// Files of the folder that are not migrations, with the reason.
    skipped: Vec<(String, String)>,
}

impl Migrator {
    /// The built-in bot schema shipped in `migrations/`.
    pub fn builtin() -> Migrator {
        Migrator::new(builtin::migrations()).expect("the shipped migrations are well-formed")
    }

    /// Migrations given in memory; names must be `NNNN_name.sql` and unique.
    pub fn new(mut migrations: Vec<Migration>) -> Result<Migrator, Error> {
        migrations.sort_by(|a, b| a.name.cmp(&b.name));
        for pair in migrations.windows(2) {
            let variants_of_one = pair[0].name == pair[1].name
                && pair[0]
                    .dialect
                    .zip(pair[1].dialect)
                    .is_some_and(|(a, b)| a != b);
            if pair[0].version() == pair[1].version() && !variants_of_one {
                return Err(Error::Migration {
                    name: Some(pair[1].name.clone()),
                    message: format!("shares its version with {}", pair[0].name),
                    code: None,
                });
            }
        }
        Ok(Migrator {
            migrations,
            lock_timeout: Duration::from_secs(60),
            out_of_order: false,
            skipped: Vec::new(),
        })
    }

    /// Every `NNNN_name.sql` file in `dir` (and `.mariadb.sql` / `.mysql.sql` variants).
    /// Other files are skipped, each with its reason in [`skipped`](Self::skipped) and in a
    /// warning.
    pub fn from_dir(dir: impl AsRef<Path>) -> Result<Migrator, Error> {
        let (migrations, skipped) = file::read_dir(dir.as_ref())?;
        for (name, reason) in &skipped {
            tracing::warn!(file = %name, %reason, "not a migration: skipped");
        }
        Ok(Migrator {
            skipped,
            ..Migrator::new(migrations)?
        })
    }

    /// The files [`from_dir`](Self::from_dir) did not take as migrations, and why.
    pub fn skipped(&self) -> &[(String, String)] {
        &self.skipped
    }

    /// Applies a pending migration even when one with a higher number is already applied
    /// (refused by default: a file added behind applied ones is usually a merge mistake).
    pub fn allow_out_of_order(mut self, allow: bool) -> Self {
        self.out_of_order = allow;
        self
    }

    /// How long a run waits for another process's run to finish (default 60 s).
    pub fn lock_timeout(mut self, timeout: Duration) -> Self {
        self.lock_timeout = timeout;
        self
    }

    /// The migrations, sorted by name.
    pub fn migrations(&self) -> &[Migration] {
        &self.migrations
    }

    /// Reads the history of the database `db` names (on its first shard's primary) and
    /// compares it with the files, changing nothing (no lock is taken: a run going on
    /// elsewhere may change the answer). For another shard, ask `db.primary(shard)`.
    pub async fn status(&self, db: &Db) -> Result<MigrationStatus, Error> {
        self.status_on(db.first_server()).await
    }

    /// Applies every pending migration, in order, on each shard's primary in turn (shard
    /// order; it stops at the first that fails). The report adds the shards' up: a file
    /// applied on two primaries is listed twice.
    pub async fn run(&self, db: &Db) -> Result<MigrationReport, Error> {
        let mut total = MigrationReport::default();
        for server in db.servers() {
            let report = self.run_on(server).await?;
            total.applied.extend(report.applied);
            total.already_applied += report.already_applied;
            for name in report.unknown_in_history {
                if !total.unknown_in_history.contains(&name) {
                    total.unknown_in_history.push(name);
                }
            }
        }
        Ok(total)
    }

    async fn status_on(&self, db: &Server) -> Result<MigrationStatus, Error> {
        let mut guard = db.conn().await?;
        let dialect = guard.dialect();
        let conn = &mut guard.routine().conn;
        let exists: Option<u64> = conn
            .exec_first(playerbot_db_sql::catalog::TABLE_EXISTS, (history::TABLE,))
            .await?;
        let recorded = if exists.unwrap_or(0) > 0 {
            history::applied(conn).await?
        } else {
            Vec::new()
        };
        guard.routine_done();
        let ours: Vec<&Migration> = self
            .migrations
            .iter()
            .filter(|m| m.applies_to(dialect))
            .collect();
        let mut status = MigrationStatus::default();
        for (name, checksum) in &recorded {
            match ours.iter().find(|m| &m.name == name) {
                Some(migration) => status
                    .applied
                    .push((name.clone(), &migration.checksum() == checksum)),
                None => status.unknown_in_history.push(name.clone()),
            }
        }
        status.pending = ours
            .iter()
            .filter(|m| !recorded.iter().any(|(name, _)| name == &m.name))
            .map(|m| m.name.clone())
            .collect();
        Ok(status)
    }

    /// Applies every pending migration on one server, in order.
    async fn run_on(&self, db: &Server) -> Result<MigrationReport, Error> {
        let mut guard = db.conn().await?;
        let dialect = guard.dialect();
        let server = guard.routine();
        // The lock and the history are per database: without one there is nowhere to go.
        let database: Option<Option<String>> = server
            .conn
            .query_first(playerbot_db_sql::session::CURRENT_DATABASE)
            .await?;
        let Some(database) = database.flatten() else {
            guard.routine_done();
            return Err(Error::Migration {
                name: None,
                message: "no database is selected: name one in the URL (mysql://host/game)".into(),
                code: None,
            });
        };
        let server = guard.routine();
        if server.galera_node {
            // GET_LOCK holds on one node only: two migrators on two nodes would both run.
            let name = format!("migrate.{database}");
            let lease =
                crate::lease::Lease::take(db.pool(), &mut server.conn, &name, self.lock_timeout)
                    .await?;
            // The history as the last holder left it, whichever node it wrote on.
            let causal = server
                .conn
                .query_drop(playerbot_db_sql::galera::CAUSAL_READS)
                .await;
            let result = match causal {
                Ok(()) => self.run_locked(&mut server.conn, dialect).await,
                Err(err) => Err(err.into()),
            };
            db.registry().schema_may_have_changed();
            let reset = server
                .conn
                .query_drop(playerbot_db_sql::galera::DEFAULT_READS)
                .await;
            let released = lease.release(&mut server.conn).await;
            reset?;
            guard.routine_done();
            let report = result?;
            released?;
            return Ok(report);
        }
        // Marked before the lock is asked for and cleared once it is released: a run dropped
        // in between leaves the release to the recycler, never to the next user.
        server.state.enter(Busy::NamedLock);
        history::lock(&mut server.conn, &database, self.lock_timeout).await?;
        let result = self.run_locked(&mut server.conn, dialect).await;
        // Migrations alter tables: engines and charsets are read again when next needed.
        db.registry().schema_may_have_changed();
        // Released even after a failure; a lost connection releases it by itself.
        let released = history::unlock(&mut server.conn).await;
        if released.is_ok() {
            server.state.leave(Busy::NamedLock);
            server.state.leave(Busy::Statement);
        }
        let report = result?;
        released?;
        Ok(report)
    }

    async fn run_locked(
        &self,
        conn: &mut mysql_async::Conn,
        dialect: Dialect,
    ) -> Result<MigrationReport, Error> {
        history::create_table(conn).await?;
        let applied = history::applied(conn).await?;
        let mut report = MigrationReport::default();
        // The server's own variant of a migration that comes in two.
        let ours = || self.migrations.iter().filter(|m| m.applies_to(dialect));
        for (name, checksum) in &applied {
            match ours().find(|m| &m.name == name) {
                Some(migration) if &migration.checksum() != checksum => {
                    return Err(Error::Migration {
                        name: Some(name.clone()),
                        code: None,
                        message: format!(
                            "it was applied with checksum {checksum} but the file now has {}; \
                             an applied migration must not change (add a new one instead)",
                            migration.checksum()
                        ),
                    });
                }
                Some(_) => report.already_applied += 1,
                None => report.unknown_in_history.push(name.clone()),
            }
        }
        let pending: Vec<&Migration> = ours()
            .filter(|m| !applied.iter().any(|(name, _)| name == &m.name))
            .collect();
        let newest_applied = applied
            .iter()
            .map(|(name, _)| name.split('_').next().unwrap_or(""))
            .max();
        if let Some(newest) = newest_applied.filter(|_| !self.out_of_order) {
            if let Some(behind) = pending.iter().find(|m| m.version() < newest) {
                return Err(Error::Migration {
                    name: Some(behind.name.clone()),
                    code: None,
                    message: format!(
                        "it is numbered before {newest}, which is already applied; nothing was \
                         applied (renumber it after {newest}, or allow it with \
                         Migrator::allow_out_of_order)"
                    ),
                });
            }
        }
        for migration in pending {
            let started = Instant::now();
            for statement in migration.statements() {
                conn.query_drop(statement)
                    .await
                    .map_err(|err| Error::Migration {
                        name: Some(migration.name.clone()),
                        code: match &err {
                            mysql_async::Error::Server(server) => Some(server.code),
                            _ => None,
                        },
                        message: format!("{err} (in: {})", first_line(statement)),
                    })?;
            }
            let took = started.elapsed();
            history::record(conn, migration, took).await?;
            tracing::info!(migration = %migration.name, ?took, "migration applied");
            report.applied.push((migration.name.clone(), took));
        }
        Ok(report)
    }
}

fn first_line(statement: &str) -> &str {
    statement
        .lines()
        .find(|line| !line.trim().is_empty())
        .unwrap_or("")
        .trim()
}
