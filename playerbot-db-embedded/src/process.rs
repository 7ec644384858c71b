//! A running server process that is killed when its handle is dropped, wherever that happens
//! (a start abandoned half way included).

use std::process::Child;

#[derive(Debug)]
pub(crate) struct Process(Child);

impl Process {
    pub(crate) fn new(child: Child) -> Process {
        Process(child)
    }

    pub(crate) fn id(&self) -> u32 {
        self.0.id()
    }

    /// Asks the process to stop (SIGTERM) and waits up to `limit` for it to exit. The
    /// request is repeated every second: a server still starting up may miss it.
    pub(crate) fn terminate(&mut self, limit: std::time::Duration) -> bool {
        use std::time::{Duration, Instant};
        let deadline = Instant::now() + limit;
        let mut asked_at: Option<Instant> = None;
        while Instant::now() < deadline {
            if self.exited().is_some() {
                return true;
            }
            if asked_at.is_none_or(|at| at.elapsed() >= Duration::from_secs(1)) {
                let _ = std::process::Command::new("kill")
                    .args(["-TERM", &self.id().to_string()])
                    .status();
                asked_at = Some(Instant::now());
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        false
    }

    /// The exit status when the process has ended.
    pub(crate) fn exited(&mut self) -> Option<std::process::ExitStatus> {
        self.0.try_wait().ok().flatten()
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
