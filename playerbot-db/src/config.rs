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

/// `mysql://user:secret@host/db` → `mysql://user:***@host/db`; also hides `password=` params.
fn redact(url: &str) -> String {
    let mut out = url.to_owned();
    if let Some(scheme_end) = out.find("://") {
        let authority_start = scheme_end + 3;
        let authority_end = out[authority_start..]
            .find('/')
            .map_or(out.len(), |i| authority_start + i);
        if let Some(at) = out[authority_start..authority_end].rfind('@') {
            let userinfo = &out[authority_start..authority_start + at];
            if let Some(colon) = userinfo.find(':') {
                let start = authority_start + colon + 1;
                out.replace_range(start..authority_start + at, "***");
            }
        }
    }
    for param in ["password=", "pass="] {
        if let Some(start) = out.find(param).map(|i| i + param.len()) {
            let end = out[start..].find('&').map_or(out.len(), |i| start + i);
            out.replace_range(start..end, "***");
        }
    }
    out
}

/// Pool and retry settings; see [`DbBuilder`](crate::DbBuilder) for how to set them.
#[derive(Debug, Clone)]
pub struct DbConfig {
    pub url: DbUrl,
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
    /// Use TLS for the connection (needs the `tls` feature).
    pub tls: bool,
    /// A CA certificate (PEM) to trust besides the system's, for servers with a private CA.
    pub tls_root_cert: Option<std::path::PathBuf>,
}

impl DbConfig {
    pub fn new(url: impl Into<String>) -> DbConfig {
        DbConfig {
            url: DbUrl::new(url),
            max_connections: 64,
            checkout_timeout: Duration::from_secs(5),
            validate_after_idle: Duration::from_secs(30),
            max_retries: 3,
            retry_base_delay: Duration::from_millis(5),
            max_reconnect_delay: Duration::from_secs(1),
            local_idle_per_thread: 4,
            tls: false,
            tls_root_cert: None,
        }
    }

    /// Driver options: session setup (strict mode, utf8mb4), a statement cache big enough
    /// for every prepared statement, and no silent move from TCP to the unix socket.
    pub(crate) fn driver_opts(&self, statements: usize) -> Result<Opts, Error> {
        let opts = Opts::from_url(self.url.expose()).map_err(|err| {
            Error::Config(format!("bad database URL {}: {err}", self.url.redacted()))
        })?;
        let builder = OptsBuilder::from_opts(opts)
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

    #[cfg(not(feature = "tls"))]
    fn apply_tls(&self, builder: OptsBuilder) -> Result<OptsBuilder, Error> {
        if self.tls {
            return Err(Error::Config(
                "TLS was requested but playerbot-db was built without the `tls` feature".into(),
            ));
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
}
