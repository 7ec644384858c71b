//! A `tracing` span per statement, with the fields of OpenTelemetry's database conventions
//! (`db.system.name`, `db.operation.name`, `db.collection.name`, `db.query.text` — the
//! prepared text, never its values —, `server.address`, `server.port`), so a
//! `tracing-opentelemetry` pipeline exports them as they are. When no subscriber wants the
//! span, making it is one check of the callsite's interest and nothing is formatted.

use tracing::field::Empty;
use tracing::Span;

use super::ServerConn;
use crate::error::Context;
use crate::Error;

/// The span of one statement of text `text` (empty when the caller has none) on `server`;
/// `context` names the entity.
pub(crate) fn statement_span(
    server: &ServerConn,
    text: &str,
    context: &impl Fn() -> Context,
) -> Span {
    let span = tracing::info_span!(
        target: "playerbot_db::statement",
        "db statement",
        otel.name = Empty,
        otel.kind = "client",
        otel.status_code = Empty,
        db.system.name = Empty,
        db.operation.name = Empty,
        db.collection.name = Empty,
        db.query.text = Empty,
        db.response.affected_rows = Empty,
        db.response.status_code = Empty,
        server.address = Empty,
        server.port = Empty,
        playerbot_db.entity = Empty,
        playerbot_db.statement = Empty,
        error.type = Empty,
    );
    if span.is_disabled() {
        return span;
    }
    let system = if server.flavor.is_mariadb() {
        "mariadb"
    } else {
        "mysql"
    };
    span.record("db.system.name", system);
    let operation = operation(text);
    let table = collection(text);
    if let Some(operation) = operation {
        span.record("db.operation.name", operation.as_str());
        let name = match table {
            Some(table) => format!("{operation} {table}"),
            None => operation,
        };
        span.record("otel.name", name.as_str());
    }
    if let Some(table) = table {
        span.record("db.collection.name", table);
    }
    if !text.is_empty() {
        span.record("db.query.text", text);
    }
    let opts = server.conn.opts();
    span.record("server.address", opts.ip_or_hostname());
    span.record("server.port", opts.tcp_port());
    let context = context();
    if let Some(entity) = context.entity {
        span.record("playerbot_db.entity", entity);
    }
    if let Some(statement) = context.statement {
        span.record("playerbot_db.statement", statement);
    }
    span
}

/// Records how the statement ended: rows affected, or the error's kind and server code.
pub(crate) fn record_outcome<T>(span: &Span, server: &ServerConn, result: &Result<T, Error>) {
    if span.is_disabled() {
        return;
    }
    match result {
        Ok(_) => {
            span.record("db.response.affected_rows", server.conn.affected_rows());
        }
        Err(err) => {
            span.record("otel.status_code", "ERROR");
            span.record("error.type", format!("{:?}", err.kind()).as_str());
            if let Some(code) = err.server_code() {
                span.record("db.response.status_code", code.to_string().as_str());
            }
        }
    }
}

/// The statement's first keyword, upper case: `SELECT`, `INSERT`, `DELETE`, …
fn operation(text: &str) -> Option<String> {
    let word = text.split_whitespace().next()?;
    word.chars()
        .all(|c| c.is_ascii_alphabetic())
        .then(|| word.to_ascii_uppercase())
}

/// The table a statement of ours names first (`INTO` or `FROM` it; every identifier we send
/// is backtick-quoted).
fn collection(text: &str) -> Option<&str> {
    let after = ["INTO `", "FROM `", "UPDATE `"]
        .iter()
        .filter_map(|marker| text.find(marker).map(|at| at + marker.len()))
        .min()?;
    let rest = &text[after..];
    Some(&rest[..rest.find('`')?])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operation_and_collection_of_our_statements() {
        let upsert = "INSERT INTO `bot_state` (`bot_id`) VALUES (?) ON DUPLICATE KEY UPDATE …";
        assert_eq!(operation(upsert).as_deref(), Some("INSERT"));
        assert_eq!(collection(upsert), Some("bot_state"));
        let select = "SELECT `a`, `b` FROM `bot_event` WHERE `bot_id` = ?";
        assert_eq!(operation(select).as_deref(), Some("SELECT"));
        assert_eq!(collection(select), Some("bot_event"));
        assert_eq!(collection("DELETE FROM `x` WHERE `k` = ?"), Some("x"));
        assert_eq!(operation("START TRANSACTION").as_deref(), Some("START"));
        assert_eq!(collection("COMMIT"), None);
        assert_eq!(operation(""), None);
    }
}
