//! Starting, restarting and stopping one embedded server.

use std::fs;
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use super::binaries::{ServerBinaries, ServerKind};
use super::reaper::Reaper;
use super::template::{copy_tree, ensure_template, INNODB_LOG_FILE_SIZE};
use super::tls::{make_certificates, TlsFiles};
use super::EmbeddedError;
use crate::session::STRICT_SQL_MODE;

/// Startup normally takes ~0.1 s; this bound only stops a broken server from hanging a test.
const READY_TIMEOUT: Duration = Duration::from_secs(60);
const POLL_INTERVAL: Duration = Duration::from_millis(5);
/// A freshly chosen port can be taken by someone else before the server binds it.
const PORT_ATTEMPTS: usize = 3;

/// A running private server. Dropping it kills the server and removes its directory.
#[derive(Debug)]
pub struct EmbeddedServer {
    bins: ServerBinaries,
    root: PathBuf,
    port: u16,
    child: Option<Child>,
    reaper: Reaper,
    /// Set when the server requires TLS.
    tls: Option<TlsFiles>,
}

impl EmbeddedServer {
    /// Starts a server from the machine's binaries and waits until it accepts connections.
    pub fn start() -> Result<EmbeddedServer, EmbeddedError> {
        EmbeddedServer::start_with(false)
    }

    /// Starts a server that accepts only TLS connections, with a certificate for 127.0.0.1
    /// signed by a throwaway CA ([`tls_ca`](Self::tls_ca)); needs the `openssl` command.
    pub fn start_tls() -> Result<EmbeddedServer, EmbeddedError> {
        EmbeddedServer::start_with(true)
    }

    fn start_with(tls: bool) -> Result<EmbeddedServer, EmbeddedError> {
        let bins = ServerBinaries::locate()?;
        let template = ensure_template(&bins)?;
        let root = base_dir().join(format!("server-{}-{}", std::process::id(), unique_suffix()));
        let _ = fs::remove_dir_all(&root);
        fs::create_dir_all(&root).map_err(EmbeddedError::io("creating", &root))?;
        let reaper = Reaper::spawn(&root.join("server.pid"), &root)?;
        copy_tree(&template, &root.join("data"))?;
        let tls = if tls {
            Some(make_certificates(&root)?)
        } else {
            None
        };
        let mut server = EmbeddedServer {
            bins,
            root,
            port: 0,
            child: None,
            reaper,
            tls,
        };
        server.launch_on_free_port()?;
        Ok(server)
    }

    /// `mysql://root@127.0.0.1:<port>/` — TCP on loopback, user root without a password.
    pub fn url(&self) -> String {
        format!("mysql://root@127.0.0.1:{}/", self.port)
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn socket_path(&self) -> PathBuf {
        self.root.join("server.sock")
    }

    pub fn data_dir(&self) -> PathBuf {
        self.root.join("data")
    }

    /// The CA certificate that signed the server's certificate, when it requires TLS.
    pub fn tls_ca(&self) -> Option<&Path> {
        self.tls.as_ref().map(|files| files.ca.as_path())
    }

    pub fn kind(&self) -> ServerKind {
        self.bins.kind
    }

    /// Kills the server at once (SIGKILL), as a crash would; the data directory stays.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        let _ = fs::remove_file(self.root.join("server.pid"));
    }

    /// Stops the server process (SIGSTOP) without killing it: it keeps its sockets, so new
    /// connections are accepted by the kernel and nothing ever answers, as with a hung
    /// server. [`resume`](Self::resume) lets it go on.
    ///
    /// Returns once every thread of the server has stopped: a signal is delivered
    /// asynchronously, and a thread woken by a request could otherwise still answer it.
    pub fn pause(&mut self) -> Result<(), EmbeddedError> {
        self.signal("-STOP")?;
        self.wait_for_threads(true);
        Ok(())
    }

    /// Continues a [`pause`](Self::pause)d server (SIGCONT).
    pub fn resume(&mut self) -> Result<(), EmbeddedError> {
        self.signal("-CONT")?;
        self.wait_for_threads(false);
        Ok(())
    }

    /// Waits (up to a few seconds) until every thread of the server is stopped, or none is.
    fn wait_for_threads(&self, stopped: bool) {
        let Some(child) = self.child.as_ref() else {
            return;
        };
        let tasks = PathBuf::from(format!("/proc/{}/task", child.id()));
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            let Ok(entries) = fs::read_dir(&tasks) else {
                return;
            };
            let all = entries.flatten().all(|task| {
                let stat = fs::read_to_string(task.path().join("stat")).unwrap_or_default();
                // The state follows the parenthesised command name: `pid (name) T …`.
                let state = stat
                    .rsplit_once(") ")
                    .and_then(|(_, rest)| rest.chars().next());
                matches!(state, Some('T' | 't')) == stopped
            });
            if all {
                return;
            }
            std::thread::sleep(Duration::from_millis(1));
        }
    }

    fn signal(&mut self, signal: &str) -> Result<(), EmbeddedError> {
        let Some(child) = self.child.as_ref() else {
            return Ok(());
        };
        std::process::Command::new("kill")
            .args([signal, &child.id().to_string()])
            .status()
            .map(drop)
            .map_err(EmbeddedError::io("signalling the server in", &self.root))
    }

    pub fn is_running(&mut self) -> bool {
        self.child
            .as_mut()
            .is_some_and(|child| matches!(child.try_wait(), Ok(None)))
    }

    /// Starts the server again on the same data directory and port (after [`kill`](Self::kill)).
    pub fn restart(&mut self) -> Result<(), EmbeddedError> {
        self.kill();
        self.launch(self.port)
    }

    fn launch_on_free_port(&mut self) -> Result<(), EmbeddedError> {
        let mut last_error = None;
        for _ in 0..PORT_ATTEMPTS {
            let port =
                free_port().map_err(EmbeddedError::io("finding a free port for", &self.root))?;
            match self.launch(port) {
                Ok(()) => return Ok(()),
                Err(err @ EmbeddedError::ExitedEarly { .. }) => last_error = Some(err),
                Err(err) => return Err(err),
            }
        }
        Err(last_error.expect("at least one attempt"))
    }

    fn launch(&mut self, port: u16) -> Result<(), EmbeddedError> {
        self.port = port;
        let log = self.root.join("server.log");
        let mut command = Command::new(&self.bins.server);
        command
            .arg("--no-defaults")
            .arg(format!("--datadir={}", self.data_dir().display()))
            .arg(format!("--socket={}", self.socket_path().display()))
            .arg(format!(
                "--pid-file={}",
                self.root.join("server.pid").display()
            ))
            .arg(format!("--log-error={}", log.display()))
            .arg(format!("--port={port}"))
            .arg("--bind-address=127.0.0.1")
            .arg("--character-set-server=utf8mb4")
            .arg(format!("--sql-mode={STRICT_SQL_MODE}"))
            .arg("--innodb-buffer-pool-size=64M")
            .arg("--max-connections=512")
            .arg(INNODB_LOG_FILE_SIZE);
        if self.bins.kind == ServerKind::MySql {
            command.arg("--mysqlx=OFF");
        }
        if let Some(files) = &self.tls {
            command
                .arg(format!("--ssl-ca={}", files.ca.display()))
                .arg(format!("--ssl-cert={}", files.cert.display()))
                .arg(format!("--ssl-key={}", files.key.display()))
                .arg("--require-secure-transport=ON");
        }
        if running_as_root() {
            command.arg("--user=root");
        }
        let child = command
            .current_dir(&self.root)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(EmbeddedError::io("starting", &self.bins.server))?;
        self.child = Some(child);
        self.wait_ready(&log)
    }

    fn wait_ready(&mut self, log: &Path) -> Result<(), EmbeddedError> {
        let started = Instant::now();
        let address = SocketAddr::from((Ipv4Addr::LOCALHOST, self.port));
        loop {
            let child = self.child.as_mut().expect("launched");
            if let Ok(Some(status)) = child.try_wait() {
                self.child = None;
                return Err(EmbeddedError::ExitedEarly {
                    status: status.to_string(),
                    log_tail: log_tail(log),
                });
            }
            // The unix socket is ours alone (its path is in our directory), and the server
            // creates it only after binding its TCP port: a TCP connect could reach another
            // server that won a race for the same port.
            if UnixStream::connect(self.socket_path()).is_ok()
                && TcpStream::connect_timeout(&address, Duration::from_millis(100)).is_ok()
            {
                tracing::debug!(port = self.port, elapsed = ?started.elapsed(), "embedded server ready");
                return Ok(());
            }
            if started.elapsed() > READY_TIMEOUT {
                self.kill();
                return Err(EmbeddedError::NotReady {
                    waited: READY_TIMEOUT,
                    log_tail: log_tail(log),
                });
            }
            std::thread::sleep(POLL_INTERVAL);
        }
    }
}

impl Drop for EmbeddedServer {
    fn drop(&mut self) {
        self.kill();
        self.reaper.reap_now();
    }
}

/// Where templates and servers live: `$TMPDIR/playerbot-db`.
pub(super) fn base_dir() -> PathBuf {
    std::env::temp_dir().join("playerbot-db")
}

/// Distinguishes directories made by one process.
pub(super) fn unique_suffix() -> u64 {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| u64::from(d.subsec_nanos()));
    (NEXT.fetch_add(1, Ordering::Relaxed) << 32) | nanos
}

/// The servers refuse to run as root unless told `--user=root`.
pub(super) fn running_as_root() -> bool {
    fs::read_to_string("/proc/self/status").is_ok_and(|status| {
        status
            .lines()
            .find_map(|line| line.strip_prefix("Uid:"))
            .and_then(|ids| ids.split_whitespace().nth(1))
            == Some("0")
    })
}

fn free_port() -> std::io::Result<u16> {
    Ok(TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?
        .local_addr()?
        .port())
}

fn log_tail(log: &Path) -> String {
    let text = fs::read_to_string(log)
        .unwrap_or_else(|err| format!("(no log at {}: {err})", log.display()));
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(20)..].join("\n")
}
