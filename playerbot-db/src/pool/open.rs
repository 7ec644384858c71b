//! Opening a connection: on a task of its own, bounded by the connect timeout.

use std::sync::Arc;

use tokio::sync::oneshot;

use super::conn::OpenSettings;
use super::stats::Counters;
use super::{Place, PoolInner, ServerConn};
use crate::error::ConnectError;
use crate::Error;

/// An open under way for one checkout. If the checkout stops waiting (its deadline, or its
/// future is dropped), the open still finishes and its connection joins the pool; if the
/// open fails or is dropped, its place goes back (it travels inside the open).
#[derive(Debug)]
pub(super) struct Opening {
    receiver: oneshot::Receiver<Result<ServerConn, Error>>,
    pool: Arc<PoolInner>,
}

impl Opening {
    pub(super) fn start(pool: &Arc<PoolInner>, place: Place) -> Opening {
        let (sender, receiver) = oneshot::channel();
        let task_pool = pool.clone();
        tokio::spawn(async move {
            let opened = task_pool.open_conn(place).await;
            if let Err(Ok(conn)) = sender.send(opened) {
                task_pool.store(conn);
            }
        });
        Opening {
            receiver,
            pool: pool.clone(),
        }
    }

    pub(super) async fn result(&mut self) -> Result<ServerConn, Error> {
        match (&mut self.receiver).await {
            Ok(result) => result,
            // The task was dropped before it finished: its runtime is shutting down.
            Err(_) => Err(ConnectError::new(
                None,
                "the connection attempt was abandoned (the runtime is shutting down)".into(),
            )
            .into()),
        }
    }
}

impl Drop for Opening {
    fn drop(&mut self) {
        self.receiver.close();
        if let Ok(Ok(conn)) = self.receiver.try_recv() {
            self.pool.store(conn);
        }
    }
}

impl PoolInner {
    /// A connection of its own, outside the pool and its bound, set up as pooled ones are
    /// (session setup, default database) but with no statement prepared: for a holder that
    /// keeps one for its whole life (a cluster's follower, whose named lock is on it), which
    /// must not take a place from the calls.
    pub(crate) async fn unpooled(&self) -> Result<mysql_async::Conn, Error> {
        if self.is_closed() {
            return Err(Error::Closed);
        }
        let limit = self.config.connect_timeout;
        let connect_error =
            |err: mysql_async::Error| Error::from(crate::error::ConnectError::from_driver(&err));
        let (opts, _) = self.target();
        match tokio::time::timeout(limit, mysql_async::Conn::new(opts)).await {
            Ok(opened) => opened.map_err(connect_error),
            Err(_) => Err(crate::error::ConnectError::new(
                None,
                format!("the server did not complete the connection within the connect timeout of {limit:?}"),
            )
            .into()),
        }
    }

    /// Connects in `place`, within the connect timeout, and keeps the reconnect backoff and
    /// the counters up to date.
    async fn open_conn(&self, place: Place) -> Result<ServerConn, Error> {
        // The loss count first: a retarget between the two reads then leaves the connection
        // one the checkout checks (see the target module), never one it trusts.
        let epoch = self.losses();
        let (opts, generation) = self.target();
        let settings = OpenSettings {
            opts: &opts,
            target: generation,
            setup: &*self.setup,
            statement_timeout: self.config.statement_timeout,
            epoch,
        };
        let limit = self.config.connect_timeout;
        let opened = match tokio::time::timeout(limit, ServerConn::open(settings, place)).await {
            Ok(opened) => opened,
            Err(_) => Err(timed_out(limit)),
        };
        let opened = opened.map_err(|err| match err {
            Error::Connect(mut connect) => {
                connect.server.get_or_insert_with(|| server_of(&opts));
                Error::Connect(connect)
            }
            other => other,
        });
        let mut reconnect = self.reconnect.lock().expect("reconnect lock");
        match &opened {
            Ok(conn) => {
                self.ws_rows
                    .store(conn.write_set.rows, std::sync::atomic::Ordering::Relaxed);
                reconnect.succeeded();
                Counters::bump(&self.counters.connects);
                metrics::counter!("playerbot_db_pool_connects_total").increment(1);
            }
            Err(err) => {
                reconnect.failed(err, self.config.max_reconnect_delay);
                Counters::bump(&self.counters.connect_failures);
                metrics::counter!("playerbot_db_pool_connect_failures_total").increment(1);
                tracing::warn!(url = %self.config.url, error = %err, "cannot open a database connection");
            }
        }
        opened
    }
}

/// `host:port`, or the socket path when the options name one.
fn server_of(opts: &mysql_async::Opts) -> String {
    match opts.socket() {
        Some(socket) => socket.to_owned(),
        None => format!("{}:{}", opts.ip_or_hostname(), opts.tcp_port()),
    }
}

/// A connection that did not open within the connect timeout `limit`.
fn timed_out(limit: std::time::Duration) -> Error {
    ConnectError::new(
        None,
        format!(
            "the server did not complete the connection within the connect timeout of {limit:?}"
        ),
    )
    .into()
}
