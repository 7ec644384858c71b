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

/// `mysql://user:secret@host/db?x=1` → `mysql://user:***@host/db?x=***`: the password, and
/// every query value not known to be harmless (see [`harmless_param`]). Works from the
/// URL's structure, not from the first `/` or `@`: a password may hold `/ # @ ? : %`
/// unescaped, so the user info ends at the last `@` that is followed by something shaped
/// like a host. When in doubt it hides more, never less.
fn redact(url: &str) -> String {
    let Some(scheme_end) = url.find("://") else {
        // Not a URL at all: nothing of it is known to be harmless.
        return "***".to_owned();
    };
    let start = scheme_end + 3;
    let rest = &url[start..];
    let userinfo_end = rest
        .rmatch_indices('@')
        .map(|(at, _)| at)
        .find(|&at| looks_like_host(&rest[at + 1..]));
    let (userinfo, location) = match userinfo_end {
        Some(at) => (Some(&rest[..at]), &rest[at + 1..]),
        None => (None, rest),
    };
    let mut out = url[..start].to_owned();
    if let Some(userinfo) = userinfo {
        match userinfo.split_once(':') {
            Some((user, _)) => out.push_str(&format!("{user}:***@")),
            None => out.push_str(&format!("{userinfo}@")),
        }
    }
    let (path, query) = match location.split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (location, None),
    };
    out.push_str(path);
    if let Some(query) = query {
        let pairs: Vec<String> = query
            .split('&')
            .map(|pair| match pair.split_once('=') {
                Some((name, value)) if harmless_param(name, value) => pair.to_owned(),
                Some((name, _)) => format!("{name}=***"),
                None => "***".to_owned(),
            })
            .collect();
        out.push('?');
        out.push_str(&pairs.join("&"));
    }
    out
}

/// The driver's URL parameters whose values are numbers, switches or a compression level;
/// any other name (`password`, a misspelling, another case) is not known to be harmless.
const KNOWN_PARAMS: [&str; 22] = [
    "pool_min",
    "pool_max",
    "inactive_connection_ttl",
    "ttl_check_interval",
    "conn_ttl",
    "abs_conn_ttl",
    "abs_conn_ttl_jitter",
    "tcp_keepalive",
    "max_allowed_packet",
    "wait_timeout",
    "enable_cleartext_plugin",
    "reset_connection",
    "tcp_nodelay",
    "stmt_cache_size",
    "prefer_socket",
    "secure_auth",
    "client_found_rows",
    "compression",
    "require_ssl",
    "verify_ca",
    "verify_identity",
    "built_in_roots",
];

/// Whether `name=value` can be printed: a known parameter with a value of the shape it takes
/// (a number, a switch, a compression level). A secret typed into another parameter by
/// mistake (`pool_min=…`) has no such shape.
fn harmless_param(name: &str, value: &str) -> bool {
    let shaped = !value.is_empty()
        && (value.bytes().all(|b| b.is_ascii_digit())
            || ["true", "false", "fast", "best"]
                .iter()
                .any(|word| value.eq_ignore_ascii_case(word)));
    KNOWN_PARAMS.contains(&name) && shaped
}

/// The driver's URL error without any value from `url` in it (an invalid value may be a
/// secret typed into the wrong parameter, and a bare word in the query may be one too).
fn url_problem(error: &mysql_async::UrlError, url: &str) -> String {
    use mysql_async::UrlError;
    match error {
        UrlError::InvalidParamValue { param, .. } => {
            format!("the value of parameter `{param}` is not valid for it")
        }
        UrlError::UnknownParameter { param } if url.contains(&format!("{param}=")) => {
            format!("unknown parameter `{param}`")
        }
        UrlError::UnknownParameter { .. } => "a query item is not a `name=value` pair".to_owned(),
        UrlError::Parse(err) => format!("it cannot be parsed ({err})"),
        UrlError::Invalid => "it is invalid or incomplete".to_owned(),
        other => other.to_string(),
    }
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

/// URL parameters that would switch certificate or host-name checks off (and, with TLS
/// asked for in code, TLS itself), in any case of their names.
fn weakening_tls_params(url: &str, tls_required: bool) -> Vec<String> {
    let Some((_, query)) = url.rsplit_once('?') else {
        return Vec::new();
    };
    query
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .filter(|(name, value)| {
            let name = name.to_ascii_lowercase();
            let checks = matches!(name.as_str(), "verify_ca" | "verify_identity")
                || (tls_required && name == "require_ssl");
            checks && !value.eq_ignore_ascii_case("true")
        })
        .map(|(name, value)| {
            let value = if harmless_param(&name.to_ascii_lowercase(), value) {
                value
            } else {
                "***"
            };
            format!("{name}={value}")
        })
        .collect()
}

/// The default bound on one statement of a repository call: a server that stops answering
/// (paused, overloaded, a network that drops packets silently) fails calls on the wire
/// within this, well past anything a bot's row or a bulk chunk takes (milliseconds), and
/// short enough for a game to notice. A row lock waited on longer (InnoDB waits 50 s) is
/// ended by it too.
pub const DEFAULT_STATEMENT_TIMEOUT: Duration = Duration::from_secs(10);

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
    /// closed (default [`DEFAULT_STATEMENT_TIMEOUT`]; `None`: no limit). Applies to
    /// repository calls, transactions, bulk chunks and write-behind flushes.
    pub statement_timeout: Option<Duration>,
    /// Use TLS for the connection (needs the `tls` feature).
    pub tls: bool,
    /// A CA certificate (PEM) to trust besides the system's, for servers with a private CA.
    pub tls_root_cert: Option<std::path::PathBuf>,
    /// The URL may turn certificate checks off (`verify_ca=false`, …): for tests against a
    /// throwaway server only. Off by default; shown by `Debug` and `PoolStats`.
    pub unverified_tls_for_tests: bool,
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
            statement_timeout: Some(DEFAULT_STATEMENT_TIMEOUT),
            tls: false,
            tls_root_cert: None,
            unverified_tls_for_tests: false,
        }
    }

    /// Driver options: session setup (strict mode, utf8mb4), a statement cache big enough
    /// for every prepared statement, and no silent move from TCP to the unix socket.
    pub(crate) fn driver_opts(&self, statements: usize) -> Result<Opts, Error> {
        // Before the driver reads it: the URL alone must not turn certificate checks off.
        self.refuse_weakened_tls()?;
        let opts = Opts::from_url(self.url.expose()).map_err(|source| Error::BadUrl {
            url: self.url.redacted(),
            problem: url_problem(&source, self.url.expose()),
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
        let mut ssl = mysql_async::SslOpts::default();
        if let Some(path) = &self.tls_root_cert {
            ssl = ssl.with_root_certs(vec![path.clone().into()]);
        }
        Ok(builder.ssl_opts(ssl))
    }

    /// No URL turns certificate or host-name checks off (nor TLS, when asked for in code),
    /// unless [`DbBuilder::dangerously_accept_unverified_tls_for_tests`] said so.
    ///
    /// [`DbBuilder::dangerously_accept_unverified_tls_for_tests`]: crate::DbBuilder::dangerously_accept_unverified_tls_for_tests
    fn refuse_weakened_tls(&self) -> Result<(), Error> {
        let weakening = weakening_tls_params(self.url.expose(), self.tls);
        if weakening.is_empty() {
            return Ok(());
        }
        if self.unverified_tls_for_tests {
            tracing::warn!(
                url = %self.url,
                "TLS certificate checks are OFF for this Db (dangerously_accept_unverified_tls_for_tests)"
            );
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
            "mysql://bot:***@db.example:3306/world?password=***&x=***"
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
        assert!(weakening_tls_params("mysql://h/db?verify_ca=true", true).is_empty());
        assert_eq!(
            weakening_tls_params("mysql://h/db?verify_ca=false&verify_identity=0", false),
            vec!["verify_ca=false", "verify_identity=0"]
        );
        assert_eq!(
            weakening_tls_params("mysql://h/db?VERIFY_CA=false&require_ssl=false", false),
            vec!["VERIFY_CA=false"]
        );
        assert_eq!(
            weakening_tls_params("mysql://h/db?require_ssl=false", true),
            vec!["require_ssl=false"]
        );
    }

    #[test]
    fn query_values_print_only_when_known_to_be_harmless() {
        for (url, printed) in [
            (
                "mysql://root:pw@127.0.0.1:3306/probe?PASSWORD=Zq9Secret",
                "mysql://root:***@127.0.0.1:3306/probe?PASSWORD=***",
            ),
            (
                "mysql://u@h/db?pool_min=xZq9Secret&pool_max=10",
                "mysql://u@h/db?pool_min=***&pool_max=10",
            ),
            (
                "mysql://u@h/db?require_ssl=true&verify_ca=false",
                "mysql://u@h/db?require_ssl=true&verify_ca=false",
            ),
            ("mysql://u@h/db?Zq9Secret", "mysql://u@h/db?***"),
            ("Zq9Secret", "***"),
        ] {
            assert_eq!(DbUrl::new(url).redacted(), printed);
        }
    }

    #[test]
    fn url_errors_carry_no_value_of_the_url() {
        for url in [
            "mysql://u@h/db?pool_min=xZq9Secret",
            "mysql://u@h/db?PASSWORD=Zq9Secret",
            "mysql://u:Zq9Secret@h:notaport/db",
        ] {
            let err = DbConfig::new(url).driver_opts(1).unwrap_err();
            for printed in [err.to_string(), format!("{err:?}")] {
                assert!(!printed.contains("Zq9Secret"), "{url}: {printed}");
            }
        }
    }
}
