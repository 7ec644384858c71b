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
