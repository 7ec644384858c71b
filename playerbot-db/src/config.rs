//! Settings of a [`Db`](crate::Db). The URL's password never appears in `Debug`, `Display`
//! or logs.

use std::fmt;
use std::time::Duration;

use mysql_async::{Opts, OptsBuilder};

use crate::session::setup_statements;
use crate::Error;

/// The server URL with its password hidden from every printout.
#[derive(Clone)]
pub struct DbUrl(String);

impl DbUrl {
    /// Wraps a `mysql://user:password@host:port/database` URL.
    pub fn new(url: impl Into<String>) -> DbUrl {
        DbUrl(url.into())
    }

    /// The URL as given, password included: only for handing to the driver.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The URL with the password replaced by `***`.
    pub fn redacted(&self) -> String {
        redact(&self.0)
    }
}

impl fmt::Debug for DbUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DbUrl({:?})", self.redacted())
    }
}

impl fmt::Display for DbUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted())
    }
}

/// `mysql://user:secret@host/db` → `mysql://user:***@host/db`; also hides `password=` and
/// `pass=` params. Works from the URL's structure, not from the first `/` or `@`: a password
/// may hold `/ # @ ? : %` unescaped, so the user info ends at the last `@` that is followed
/// by something shaped like a host. When in doubt it hides more, never less.
fn redact(url: &str) -> String {
    let mut out = url.to_owned();
    if let Some(scheme_end) = out.find("://") {
        let start = scheme_end + 3;
        let rest = &out[start..];
        let userinfo_end = rest
            .rmatch_indices('@')
            .map(|(at, _)| at)
            .find(|&at| looks_like_host(&rest[at + 1..]));
        if let Some(at) = userinfo_end {
            if let Some(colon) = rest[..at].find(':') {
                out.replace_range(start + colon + 1..start + at, "***");
            }
        }
    }
    for param in ["password=", "pass="] {
        let mut from = 0;
        while let Some(found) = out[from..].find(param) {
            let value_start = from + found + param.len();
            let value_end = out[value_start..]
                .find('&')
                .map_or(out.len(), |i| value_start + i);
            out.replace_range(value_start..value_end, "***");
            from = value_start + 3;
        }
    }
    out
}

/// Whether `text` starts with `host`, `host:port` or `[v6]:port`, then ends or goes on with
/// the path, the query or a fragment.
fn looks_like_host(text: &str) -> bool {
    let end = text.find(['/', '?', '#']).unwrap_or(text.len());
    let host = &text[..end];
    !host.is_empty()
        && host.chars().all(|c| {
            c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '[' | ']' | ':' | '%')
        })
}

/// URL parameters that would switch certificate or host-name checks off.
fn weakening_tls_params(url: &str) -> Vec<String> {
    let Some((_, query)) = url.rsplit_once('?') else {
        return Vec::new();
    };
    query
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .filter(|(name, value)| {
            matches!(*name, "verify_ca" | "verify_identity" | "require_ssl")
                && !value.eq_ignore_ascii_case("true")
        })
        .map(|(name, value)| format!("{name}={value}"))
        .collect()
}

/// Pool and retry settings; see [`DbBuilder`](crate::DbBuilder) for how to set them.
#[derive(Debug, Clone)]
pub struct DbConfig {
    /// The server (and, unless `database` is set, the default database) to connect to.
    pub url: DbUrl,
    /// The default database of every connection, in place of the URL's (default: the URL's).
    pub database: Option<String>,
    /// Connections open at once across all threads (default 64).
    pub max_connections: usize,
    /// How long a checkout waits for a free connection before failing (default 5 s).
    pub checkout_timeout: Duration,
    /// Idle connections older than this are pinged before use (default 30 s).
    pub validate_after_idle: Duration,
    /// Attempts after the first for deadlocks, lock waits and lost connections (default 3).
    pub max_retries: u32,
    /// First retry delay; doubled each attempt, with jitter (default 5 ms).
    pub retry_base_delay: Duration,
    /// Longest wait between reconnect attempts while the server is away (default 1 s).
    pub max_reconnect_delay: Duration,
    /// Connections kept on one thread's own free list before they go to the shared queue.
    pub local_idle_per_thread: usize,
    /// How long opening one connection may take: TCP connect, handshake, session setup and
    /// prepares (default 3 s). A checkout never waits past `checkout_timeout` either way.
    pub connect_timeout: Duration,
    /// How long one statement may run before the call fails with
    /// [`Error::StatementTimeout`](crate::Error::StatementTimeout) and its connection is
    /// closed (default: none). Applies to repository calls, transactions and bulk chunks.
    pub statement_timeout: Option<Duration>,
    /// Use TLS for the connection (needs the `tls` feature).
    pub tls: bool,
    /// A CA certificate (PEM) to trust besides the system's, for servers with a private CA.
    pub tls_root_cert: Option<std::path::PathBuf>,
}

impl DbConfig {
    /// The defaults for the server at `url`.
    pub fn new(url: impl Into<String>) -> DbConfig {
        DbConfig {
            url: DbUrl::new(url),
            database: None,
            max_connections: 64,
            checkout_timeout: Duration::from_secs(5),
            validate_after_idle: Duration::from_secs(30),
            max_retries: 3,
            retry_base_delay: Duration::from_millis(5),
            max_reconnect_delay: Duration::from_secs(1),
            local_idle_per_thread: 4,
            connect_timeout: Duration::from_secs(3),
            statement_timeout: None,
            tls: false,
            tls_root_cert: None,
        }
    }

    /// Driver options: session setup (strict mode, utf8mb4), a statement cache big enough
    /// for every prepared statement, and no silent move from TCP to the unix socket.
    pub(crate) fn driver_opts(&self, statements: usize) -> Result<Opts, Error> {
        let opts = Opts::from_url(self.url.expose()).map_err(|source| Error::BadUrl {
            url: self.url.redacted(),
            source,
        })?;
        let mut builder = OptsBuilder::from_opts(opts);
        if let Some(database) = &self.database {
            let name = playerbot_db_sql::Name::new("database", database.as_str())?;
            builder = builder.db_name(Some(name.as_str()));
        }
        let builder = builder
            .prefer_socket(false)
            .setup(setup_statements())
            .stmt_cache_size(statements + 64)
            .tcp_nodelay(true);
        let builder = self.apply_tls(builder)?;
        Ok(builder.into())
    }

    /// Certificates are verified against the system's roots plus `tls_root_cert`, and the
    /// server's name (or IP) must match: nothing is accepted blindly.
    #[cfg(feature = "tls")]
    fn apply_tls(&self, builder: OptsBuilder) -> Result<OptsBuilder, Error> {
        if !self.tls {
            return Ok(builder);
        }
        self.refuse_weakened_tls()?;
        let mut ssl = mysql_async::SslOpts::default();
        if let Some(path) = &self.tls_root_cert {
            ssl = ssl.with_root_certs(vec![path.clone().into()]);
        }
        Ok(builder.ssl_opts(ssl))
    }

    /// With TLS asked for in code, the URL may not turn its checks off.
    #[cfg_attr(not(feature = "tls"), allow(dead_code))]
    fn refuse_weakened_tls(&self) -> Result<(), Error> {
        let weakening = weakening_tls_params(self.url.expose());
        if weakening.is_empty() {
            return Ok(());
        }
        Err(Error::WeakenedTls {
            url: self.url.redacted(),
            params: weakening,
        })
    }

    #[cfg(not(feature = "tls"))]
    fn apply_tls(&self, builder: OptsBuilder) -> Result<OptsBuilder, Error> {
        if self.tls {
            return Err(Error::TlsUnavailable);
        }
        Ok(builder)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_never_print() {
        let url = DbUrl::new("mysql://bot:s3cr3t@db.example:3306/world?password=s3cr3t&x=1");
        for printed in [
            format!("{url:?}"),
            url.to_string(),
            format!("{:?}", DbConfig::new(url.expose())),
        ] {
            assert!(!printed.contains("s3cr3t"), "{printed}");
        }
        assert_eq!(
            url.redacted(),
            "mysql://bot:***@db.example:3306/world?password=***&x=1"
        );
        assert_eq!(
            DbUrl::new("mysql://root@127.0.0.1:3306/").redacted(),
            "mysql://root@127.0.0.1:3306/"
        );
    }

    #[test]
    fn passwords_with_url_delimiters_never_print() {
        for (url, secret) in [
            ("mysql://bot2:Sl4sh/Secret@host/game", "Sl4sh/Secret"),
            ("mysql://bot2:Sl4sh/Secret@host:3306/game?x=1", "Secret"),
            ("mysql://u:ha#sh@host/db", "ha#sh"),
            ("mysql://u:at@in@host/db", "at@in"),
            ("mysql://u:q?uery@host/db", "q?uery"),
            ("mysql://u:co:lon@host/db", "co:lon"),
            ("mysql://u:per%40cent@host/db", "per%40cent"),
            ("mysql://u:%2F%23%40@[::1]:3306/db", "%2F%23%40"),
            ("mysql://u:a/b#c@d?e:f%g@h@127.0.0.1/db", "a/b#c@d?e:f%g@h"),
            ("mysql://u@host/db?password=p/w@x&pass=y#z", "p/w@x"),
        ] {
            let redacted = DbUrl::new(url).redacted();
            assert!(!redacted.contains(secret), "{url} -> {redacted}");
            assert!(redacted.contains("***"), "{url} -> {redacted}");
        }
        assert_eq!(
            DbUrl::new("mysql://bot2:Sl4sh/Secret@host/game").redacted(),
            "mysql://bot2:***@host/game"
        );
    }

    #[test]
    fn finds_parameters_that_weaken_tls() {
        assert!(weakening_tls_params("mysql://h/db?verify_ca=true").is_empty());
        assert_eq!(
            weakening_tls_params("mysql://h/db?verify_ca=false&verify_identity=0"),
            vec!["verify_ca=false", "verify_identity=0"]
        );
    }
}
