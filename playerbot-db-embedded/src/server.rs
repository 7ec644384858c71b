//! Starting, restarting and stopping one embedded server.

use std::fs;
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use playerbot_db_sql::session::STRICT_SQL_MODE;
use playerbot_db_sql::{admin, Dialect, Secret};

use crate::binaries::{ServerBinaries, ServerKind};
use crate::galera::NodeSpec;
use crate::owner::Owner;
use crate::private::{
    make_socket_private, private_dir, private_file, random_password, unique_suffix,
};
use crate::process::Process;
use crate::reaper::Reaper;
use crate::template::{copy_tree, ensure_template, INNODB_LOG_FILE_SIZE};
use crate::tls::{make_certificates, TlsFiles};
use crate::EmbeddedError;

/// Startup normally takes ~0.1 s; this bound only stops a broken server from hanging a test.
const READY_TIMEOUT: Duration = Duration::from_secs(60);
/// A clean shutdown takes well under a second; a Galera node's a little more.
const STOP_TIMEOUT: Duration = Duration::from_secs(30);
const POLL_INTERVAL: Duration = Duration::from_millis(5);
/// A memory-backed file system most Linux machines mount.
const MEMORY_DIR: &str = "/dev/shm";
/// A freshly chosen port can be taken by someone else before the server binds it.
const PORT_ATTEMPTS: usize = 3;

/// What kind of server to start; see [`EmbeddedServer::builder`].
#[derive(Debug, Clone, Copy, Default)]
pub struct ServerBuilder {
    tls: bool,
    binary_log: bool,
    replica: bool,
    in_memory: bool,
}

impl ServerBuilder {
    /// Accept only TLS connections, with a certificate for 127.0.0.1 signed by a throwaway
    /// CA ([`EmbeddedServer::tls_ca`]); needs the `openssl` command.
    pub fn tls(mut self, on: bool) -> ServerBuilder {
        self.tls = on;
        self
    }

    /// Keep a binary log (row format, GTIDs), so the server can have replicas
    /// ([`EmbeddedServer::start_replica`]).
    pub fn binary_log(mut self, on: bool) -> ServerBuilder {
        self.binary_log = on;
        self
    }

    /// Keep the server's directory (data, logs, socket) in memory, under `/dev/shm`, when
    /// the machine has it (else where it would be anyway): commits then cost no disk
    /// flush, which on a disk hides what the client's own code costs.
    pub fn in_memory(mut self, on: bool) -> ServerBuilder {
        self.in_memory = on;
        self
    }

    /// Whether the server's directory is in memory (see [`in_memory`](Self::in_memory)).
    pub fn is_in_memory(&self) -> bool {
        self.in_memory && Path::new(MEMORY_DIR).is_dir()
    }

    /// Starts the server and waits until it accepts connections. The work runs on tokio's
    /// blocking threads; dropping the future before it ends stops whatever was started.
    pub async fn start(self) -> Result<EmbeddedServer, EmbeddedError> {
        run_blocking(move || EmbeddedServer::start_blocking(self)).await
    }
}

/// What launching the server process needs, shared by restarts.
#[derive(Debug)]
struct Spec {
    bins: ServerBinaries,
    root: PathBuf,
    options: ServerBuilder,
    password: Secret,
    tls: Option<TlsFiles>,
    /// Who the process runs as and owns the files.
    owner: Owner,
    /// Set for a node of a Galera cluster.
    galera: Option<NodeSpec>,
}

impl Spec {
    fn data_dir(&self) -> PathBuf {
        self.root.join("data")
    }

    fn socket_path(&self) -> PathBuf {
        self.root.join("server.sock")
    }

    fn pid_file(&self) -> PathBuf {
        self.root.join("server.pid")
    }

    fn log_file(&self) -> PathBuf {
        self.root.join("server.log")
    }

    fn init_file(&self) -> PathBuf {
        self.root.join("init.sql")
    }

    /// `SELECT … INTO OUTFILE` and `LOAD_FILE` reach this directory and nothing else.
    fn files_dir(&self) -> PathBuf {
        self.root.join("files")
    }

    /// The server's temporary tables and sort files: private like the rest, and out of the
    /// machine's shared temporary directory, where other programs come and go.
    fn tmp_dir(&self) -> PathBuf {
        self.root.join("tmp")
    }
}

/// A running private server. Dropping it kills the server and removes its directory.
///
/// Nobody else on the machine can use it: its directory (data, socket, logs) is readable by
/// its owner only, root needs the random password [`url`](Self::url) carries, and the server
/// reads and writes files only in a directory of its own.
#[derive(Debug)]
pub struct EmbeddedServer {
    spec: Arc<Spec>,
    port: u16,
    process: Option<Process>,
    reaper: Reaper,
}

impl EmbeddedServer {
    /// Starts a plain server; see [`builder`](Self::builder) for the other kinds.
    pub async fn start() -> Result<EmbeddedServer, EmbeddedError> {
        EmbeddedServer::builder().start().await
    }

    /// Starts a server that accepts only TLS connections.
    pub async fn start_tls() -> Result<EmbeddedServer, EmbeddedError> {
        EmbeddedServer::builder().tls(true).start().await
    }

    /// Chooses what kind of server to start.
    pub fn builder() -> ServerBuilder {
        ServerBuilder::default()
    }

    fn start_blocking(options: ServerBuilder) -> Result<EmbeddedServer, EmbeddedError> {
        let bins = ServerBinaries::locate()?;
        let template = ensure_template(&bins)?;
        let mut server = EmbeddedServer::prepare(
            bins,
            &template,
            options,
            Owner::Me,
            None,
            random_password()?,
        )?;
        server.launch_on_free_port()?;
        Ok(server)
    }

    /// Makes a server's private directory and data directory (a copy of `template`), and
    /// starts nothing yet.
    pub(crate) fn prepare(
        bins: ServerBinaries,
        template: &Path,
        options: ServerBuilder,
        owner: Owner,
        galera: Option<NodeSpec>,
        password: Secret,
    ) -> Result<EmbeddedServer, EmbeddedError> {
        let base = match options.is_in_memory() {
            true => owner.base_dir_under(Path::new(MEMORY_DIR))?,
            false => owner.base_dir()?,
        };
        let root = base.join(format!("server-{}-{}", std::process::id(), unique_suffix()));
        let _ = fs::remove_dir_all(&root);
        private_dir(&root)?;
        let reaper = Reaper::spawn(&root.join("server.pid"), &root)?;
        copy_tree(template, &root.join("data"))?;
        let tls = if options.tls {
            Some(make_certificates(&root)?)
        } else {
            None
        };
        let spec = Spec {
            bins,
            root,
            options,
            password,
            tls,
            owner,
            galera,
        };
        private_dir(&spec.files_dir())?;
        private_dir(&spec.tmp_dir())?;
        let mut lock_down = Vec::new();
        if spec.galera.is_some() {
            // Every node sets the cluster's one password itself: nothing here is replicated.
            lock_down.push("SET SESSION wsrep_on = OFF".to_owned());
        }
        lock_down.extend(admin::lock_down_root(
            spec.bins.kind.dialect(),
            &spec.password,
        ));
        private_file(&spec.init_file(), &(lock_down.join(";\n") + ";\n"))?;
        spec.owner.hand_over(&spec.root)?;
        Ok(EmbeddedServer {
            spec: Arc::new(spec),
            port: 0,
            process: None,
            reaper,
        })
    }

    /// Launches the prepared server on a free port, trying another one when the chosen
    /// port was taken before the server bound it.
    fn launch_on_free_port(&mut self) -> Result<(), EmbeddedError> {
        let mut last_error = None;
        for _ in 0..PORT_ATTEMPTS {
            let port = free_port().map_err(EmbeddedError::io(
                "finding a free port for",
                &self.spec.root,
            ))?;
            match launch(&self.spec, port) {
                Ok(process) => {
                    self.port = port;
                    self.process = Some(process);
                    return Ok(());
                }
                Err(err @ EmbeddedError::ExitedEarly { .. }) => last_error = Some(err),
                Err(err) => return Err(err),
            }
        }
        Err(last_error.expect("at least one attempt"))
    }

    /// Starts the prepared server's process on `port` without waiting for it: the nodes of
    /// a Galera cluster only answer once all of them are up.
    pub(crate) fn spawn_on(&mut self, port: u16) -> Result<(), EmbeddedError> {
        self.port = port;
        self.process = Some(spawn(&self.spec, port)?);
        Ok(())
    }

    /// Waits until a [`spawn_on`](Self::spawn_on)ed server accepts connections.
    pub(crate) fn wait_started(&mut self) -> Result<(), EmbeddedError> {
        let process = self.process.as_mut().ok_or(EmbeddedError::ExitedEarly {
            status: "not started".into(),
            log_tail: String::new(),
        })?;
        wait_ready(&self.spec, self.port, process)?;
        make_socket_private(&self.spec.socket_path())
    }

    /// The end of the server's error log, for reports.
    pub(crate) fn log_tail(&self) -> String {
        log_tail(&self.spec.log_file())
    }

    /// `mysql://root:<password>@127.0.0.1:<port>/`: TCP on loopback, as root with this
    /// server's own random password.
    pub fn url(&self) -> String {
        format!(
            "mysql://root:{}@127.0.0.1:{}/",
            self.spec.password.expose(),
            self.port
        )
    }

    /// The port the server listens on, on 127.0.0.1.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The server's unix socket (its owner only may connect to it).
    pub fn socket_path(&self) -> PathBuf {
        self.spec.socket_path()
    }

    /// The server's data directory.
    pub fn data_dir(&self) -> PathBuf {
        self.spec.data_dir()
    }

    /// The only directory `SELECT … INTO OUTFILE` and `LOAD_FILE` may use.
    pub fn files_dir(&self) -> PathBuf {
        self.spec.files_dir()
    }

    /// The CA certificate that signed the server's certificate, when it requires TLS.
    pub fn tls_ca(&self) -> Option<&Path> {
        self.spec.tls.as_ref().map(|files| files.ca.as_path())
    }

    /// MariaDB or MySQL.
    pub fn kind(&self) -> ServerKind {
        self.spec.bins.kind
    }

    /// Whether it keeps a binary log (and so can have replicas).
    pub fn has_binary_log(&self) -> bool {
        self.spec.options.binary_log
    }

    /// Kills the server at once (SIGKILL), as a crash would; the data directory stays.
    pub fn kill(&mut self) {
        drop(self.process.take());
        let _ = fs::remove_file(self.spec.pid_file());
    }

    /// Stops the server cleanly (SIGTERM), as a shutdown would; the data directory stays.
    pub(crate) fn stop_cleanly(&mut self) -> Result<(), EmbeddedError> {
        let stopped = self
            .process
            .as_mut()
            .is_none_or(|process| process.terminate(STOP_TIMEOUT));
        if !stopped {
            return Err(EmbeddedError::NotStopped {
                waited: STOP_TIMEOUT,
                log_tail: self.log_tail(),
            });
        }
        self.process = None;
        Ok(())
    }

    /// Stops the server process (SIGSTOP) without killing it: it keeps its sockets, so new
    /// connections are accepted by the kernel and nothing ever answers, as with a hung
    /// server. [`resume`](Self::resume) lets it go on.
    ///
    /// Returns once every thread of the server has stopped: a signal is delivered
    /// asynchronously, and a thread woken by a request could otherwise still answer it.
    pub async fn pause(&mut self) -> Result<(), EmbeddedError> {
        self.signal("-STOP", true).await
    }

    /// Continues a [`pause`](Self::pause)d server (SIGCONT).
    pub async fn resume(&mut self) -> Result<(), EmbeddedError> {
        self.signal("-CONT", false).await
    }

    async fn signal(&mut self, signal: &'static str, stopped: bool) -> Result<(), EmbeddedError> {
        let Some(pid) = self.process.as_ref().map(Process::id) else {
            return Ok(());
        };
        let root = self.spec.root.clone();
        run_blocking(move || {
            Command::new("kill")
                .args([signal, &pid.to_string()])
                .status()
                .map_err(EmbeddedError::io("signalling the server in", &root))?;
            wait_for_threads(pid, stopped);
            Ok(())
        })
        .await
    }

    /// Whether the server process is alive.
    pub fn is_running(&mut self) -> bool {
        self.process
            .as_mut()
            .is_some_and(|process| process.exited().is_none())
    }

    /// Starts the server again on the same data directory and port (after [`kill`](Self::kill)).
    pub async fn restart(&mut self) -> Result<(), EmbeddedError> {
        self.kill();
        let (spec, port) = (Arc::clone(&self.spec), self.port);
        self.process = Some(run_blocking(move || launch(&spec, port)).await?);
        Ok(())
    }

    /// Starts a second server that replicates this one (which must keep a binary log) by
    /// GTID from the start of its binary log, and returns once replication runs and the
    /// replica has applied everything this server had written (databases made before
    /// included). The replica is read-only for everyone but root, with its own password and
    /// directory.
    pub async fn start_replica(&self) -> Result<EmbeddedServer, EmbeddedError> {
        if !self.has_binary_log() {
            return Err(EmbeddedError::NoBinaryLog);
        }
        let replica = ServerBuilder {
            replica: true,
            ..ServerBuilder::default()
        }
        .start()
        .await?;
        crate::replica::follow(self, &replica).await?;
        Ok(replica)
    }

    pub(crate) fn dialect(&self) -> Dialect {
        self.kind().dialect()
    }
}

impl Drop for EmbeddedServer {
    fn drop(&mut self) {
        self.kill();
        self.reaper.reap_now();
    }
}

/// Runs blocking work (processes, files, polling) on tokio's blocking threads.
pub(crate) async fn run_blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, EmbeddedError> + Send + 'static,
) -> Result<T, EmbeddedError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|err| EmbeddedError::Lost(err.to_string()))?
}

/// Waits (up to a few seconds) until every thread of process `pid` is stopped, or none is.
fn wait_for_threads(pid: u32, stopped: bool) {
    let tasks = PathBuf::from(format!("/proc/{pid}/task"));
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

fn launch(spec: &Spec, port: u16) -> Result<Process, EmbeddedError> {
    let mut process = spawn(spec, port)?;
    wait_ready(spec, port, &mut process)?;
    make_socket_private(&spec.socket_path())?;
    Ok(process)
}

fn spawn(spec: &Spec, port: u16) -> Result<Process, EmbeddedError> {
    let log = spec.log_file();
    let mut command = Command::new(&spec.bins.server);
    command
        .arg("--no-defaults")
        .arg(format!("--datadir={}", spec.data_dir().display()))
        .arg(format!("--socket={}", spec.socket_path().display()))
        .arg(format!("--pid-file={}", spec.pid_file().display()))
        .arg(format!("--log-error={}", log.display()))
        .arg(format!("--init-file={}", spec.init_file().display()))
        .arg(format!("--secure-file-priv={}", spec.files_dir().display()))
        .arg(format!("--tmpdir={}", spec.tmp_dir().display()))
        .arg(format!("--port={port}"))
        // Distinct among the servers of this machine (each has its own port), as
        // replication requires.
        .arg(format!("--server-id={port}"))
        .arg("--bind-address=127.0.0.1")
        .arg("--skip-name-resolve")
        .arg("--character-set-server=utf8mb4")
        .arg(format!("--sql-mode={STRICT_SQL_MODE}"))
        .arg("--innodb-buffer-pool-size=64M")
        .arg("--max-connections=512")
        .arg(INNODB_LOG_FILE_SIZE);
    let kind = spec.bins.kind;
    if kind == ServerKind::MySql {
        command.arg("--mysqlx=OFF");
    }
    if spec.options.binary_log {
        command
            .arg(format!(
                "--log-bin={}",
                spec.data_dir().join("binlog").display()
            ))
            .arg("--binlog-format=ROW");
    }
    if kind == ServerKind::MySql && (spec.options.binary_log || spec.options.replica) {
        command.args(["--gtid-mode=ON", "--enforce-gtid-consistency=ON"]);
    }
    if spec.options.replica {
        command.arg("--read-only=ON");
    }
    if let Some(files) = &spec.tls {
        command
            .arg(format!("--ssl-ca={}", files.ca.display()))
            .arg(format!("--ssl-cert={}", files.cert.display()))
            .arg(format!("--ssl-key={}", files.key.display()))
            .arg("--require-secure-transport=ON");
    }
    if let Some(node) = &spec.galera {
        command.args(node.server_args(port));
    }
    command.args(spec.owner.user_arg());
    let child = command
        .current_dir(&spec.root)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(EmbeddedError::io("starting", &spec.bins.server))?;
    Ok(Process::new(child))
}

fn wait_ready(spec: &Spec, port: u16, process: &mut Process) -> Result<(), EmbeddedError> {
    let log = &spec.log_file();
    let started = Instant::now();
    let address = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    loop {
        if let Some(status) = process.exited() {
            return Err(EmbeddedError::ExitedEarly {
                status: status.to_string(),
                log_tail: log_tail(log),
            });
        }
        // The unix socket is ours alone (its path is in our directory), and the server
        // creates it only after binding its TCP port: a TCP connect could reach another
        // server that won a race for the same port.
        if UnixStream::connect(spec.socket_path()).is_ok()
            && TcpStream::connect_timeout(&address, Duration::from_millis(100)).is_ok()
        {
            tracing::debug!(port, elapsed = ?started.elapsed(), "embedded server ready");
            return Ok(());
        }
        if started.elapsed() > READY_TIMEOUT {
            return Err(EmbeddedError::NotReady {
                waited: READY_TIMEOUT,
                log_tail: log_tail(log),
            });
        }
        std::thread::sleep(POLL_INTERVAL);
    }
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
