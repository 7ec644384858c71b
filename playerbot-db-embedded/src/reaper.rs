//! Cleans up after a server whose owner died without dropping it.
//!
//! The reaper is a shell that blocks reading its stdin, a pipe only this process holds. When
//! the pipe closes (the `EmbeddedServer` is dropped, or the process exits or is killed) the
//! read returns, and the reaper kills the server named in the pid file and removes the
//! server's directory. Statics such as a test harness's shared server are never dropped, so
//! this is what keeps test runs from leaving servers behind.

use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};

use crate::EmbeddedError;

const SCRIPT: &str =
    r#"read -r _; if [ -f "$1" ]; then kill -9 "$(cat "$1")" 2>/dev/null; fi; rm -rf "$2""#;

#[derive(Debug)]
pub(crate) struct Reaper {
    child: Child,
    stdin: Option<ChildStdin>,
}

impl Reaper {
    pub(crate) fn spawn(pid_file: &Path, root: &Path) -> Result<Reaper, EmbeddedError> {
        let mut child = Command::new("sh")
            .arg("-c")
            .arg(SCRIPT)
            .arg("playerbot-db-reaper")
            .arg(pid_file)
            .arg(root)
            .current_dir("/")
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(EmbeddedError::io("starting the cleanup process for", root))?;
        let stdin = child.stdin.take();
        Ok(Reaper { child, stdin })
    }

    /// Closes the pipe and waits until the reaper has removed everything.
    pub(crate) fn reap_now(&mut self) {
        drop(self.stdin.take());
        let _ = self.child.wait();
    }
}

impl Drop for Reaper {
    fn drop(&mut self) {
        self.reap_now();
    }
}
