//! Running one statement on a pooled connection: marked busy while it runs, bounded by the
//! statement timeout, its error put in context.

use std::future::Future;
use std::time::Duration;

use super::state::Busy;
use super::ServerConn;
use crate::error::Context;
use crate::Error;

/// Runs one driver call on a `&mut ServerConn`. The connection is marked busy for exactly the
/// call's await, so a call dropped half way leaves the mark and the connection is never lent
/// out as it is; the call is bounded by the statement timeout; a driver error becomes ours
/// with the context `$context` builds (only on failure). A macro rather than a function
/// taking a closure, so the call may borrow the driver connection and stay `Send`.
///
/// Each runs in a `tracing` span (see `pool::trace`); `text = sql` gives the span the
/// statement's text.
macro_rules! statement {
    ($server:expr, $context:expr, |$conn:ident| $call:expr) => {
        $crate::pool::statement!($server, $context, text = "", |$conn| $call)
    };
    ($server:expr, $context:expr, text = $text:expr, |$conn:ident| $call:expr) => {{
        let server: &mut $crate::pool::ServerConn = $server;
        let context = $context;
        let limit = server.statement_timeout;
        let span = $crate::pool::trace::statement_span(server, $text, &context);
        server.begin_statement();
        let outcome = {
            let $conn = &mut server.conn;
            $crate::pool::within(limit, tracing::Instrument::instrument($call, span.clone())).await
        };
        let result = server.finish_statement(outcome, limit, context);
        $crate::pool::trace::record_outcome(&span, server, &result);
        result
    }};
}
pub(crate) use statement;

/// `fut`'s output, or `None` when `limit` passed first.
pub(crate) async fn within<F: Future>(limit: Option<Duration>, fut: F) -> Option<F::Output> {
    match limit {
        None => Some(fut.await),
        Some(limit) => tokio::time::timeout(limit, fut).await.ok(),
    }
}

impl ServerConn {
    pub(crate) fn begin_statement(&mut self) {
        self.state.enter(Busy::Statement);
    }

    pub(crate) fn finish_statement<T>(
        &mut self,
        outcome: Option<Result<T, mysql_async::Error>>,
        limit: Option<Duration>,
        context: impl FnOnce() -> Context,
    ) -> Result<T, Error> {
        match outcome {
            // The statement may still be running: the connection is closed on return.
            None => {
                self.broken = true;
                Err(Error::StatementTimeout {
                    after: limit.unwrap_or_default(),
                    context: Box::new(context()),
                })
            }
            Some(Ok(value)) => {
                self.state.leave(Busy::Statement);
                Ok(value)
            }
            Some(Err(err)) => {
                self.state.leave(Busy::Statement);
                let err = Error::from_driver(err, context());
                if err.is_connection_lost() {
                    self.broken = true;
                }
                Err(err)
            }
        }
    }
}
