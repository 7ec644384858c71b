//! The initialized data directory every embedded server starts from.
//!
//! Initializing takes about half a second; copying the result about 20 ms. The template is
//! built once per machine and server binary (keyed by the binary's path, size and mtime),
//! into a private directory that is renamed into place, so concurrent processes never see a
//! half-built template.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::binaries::{ServerBinaries, ServerKind};
use crate::private::{base_dir, unique_suffix};
use crate::private::{private_dir, running_as_root};
use crate::EmbeddedError;

/// InnoDB settings the template is created with; the server must start with the same log size.
pub(crate) const INNODB_LOG_FILE_SIZE: &str = "--innodb-log-file-size=8M";

/// Returns the template directory, creating it when needed.
pub(crate) fn ensure_template(bins: &ServerBinaries) -> Result<PathBuf, EmbeddedError> {
    private_dir(&base_dir(&std::env::temp_dir()))?;
    let template = base_dir(&std::env::temp_dir()).join(format!(
        "template-{:016x}",
        binary_fingerprint(&bins.server)
    ));
    if template.join("mysql").is_dir() {
        return Ok(template);
    }
    let staging = base_dir(&std::env::temp_dir()).join(format!(
        "template-staging-{}-{}",
        std::process::id(),
        unique_suffix()
    ));
    let _ = fs::remove_dir_all(&staging);
    initialize(bins, &staging)?;
    match fs::rename(&staging, &template) {
        Ok(()) => {}
        // Another process finished first; its template is as good as ours.
        Err(_) if template.join("mysql").is_dir() => {
            let _ = fs::remove_dir_all(&staging);
        }
        Err(err) => {
            return Err(EmbeddedError::io("moving the new template to", &template)(
                err,
            ))
        }
    }
    Ok(template)
}

fn initialize(bins: &ServerBinaries, datadir: &Path) -> Result<(), EmbeddedError> {
    let mut command = match bins.kind {
        ServerKind::MariaDb => {
            let mut command = Command::new(
                bins.install_db
                    .as_ref()
                    .expect("MariaDB has an install tool"),
            );
            command
                .arg("--no-defaults")
                .arg(format!("--datadir={}", datadir.display()));
            command.args([
                "--auth-root-authentication-method=normal",
                "--skip-test-db",
                INNODB_LOG_FILE_SIZE,
            ]);
            command
        }
        ServerKind::MySql => {
            fs::create_dir_all(datadir.parent().expect("template has a parent"))
                .map_err(EmbeddedError::io("creating", datadir))?;
            let mut command = Command::new(&bins.server);
            command
                .arg("--no-defaults")
                .arg("--initialize-insecure")
                .arg(format!("--datadir={}", datadir.display()));
            command
        }
    };
    if running_as_root() {
        command.arg("--user=root");
    }
    let shown = format!("{command:?}");
    let output = command
        .output()
        .map_err(EmbeddedError::io("running", &bins.server))?;
    if !output.status.success() {
        let _ = fs::remove_dir_all(datadir);
        return Err(EmbeddedError::InitFailed {
            command: shown,
            status: output.status.to_string(),
            output: format!(
                "{}{}",
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            ),
        });
    }
    Ok(())
}

/// Copies the template into a new server's data directory.
pub(crate) fn copy_tree(from: &Path, to: &Path) -> Result<(), EmbeddedError> {
    private_dir(to)?;
    for entry in fs::read_dir(from).map_err(EmbeddedError::io("reading", from))? {
        let entry = entry.map_err(EmbeddedError::io("reading", from))?;
        let target = to.join(entry.file_name());
        let file_type = entry
            .file_type()
            .map_err(EmbeddedError::io("reading", entry.path()))?;
        if file_type.is_dir() {
            copy_tree(&entry.path(), &target)?;
        } else {
            fs::copy(entry.path(), &target).map_err(EmbeddedError::io("copying to", &target))?;
        }
    }
    Ok(())
}

/// A hash of what identifies a server build, so an upgraded server gets a new template.
/// (std's hasher is keyed the same in every process; a new Rust release may change it,
/// which only costs one more template.)
pub(crate) fn binary_fingerprint(server: &Path) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::hash::DefaultHasher::new();
    server.hash(&mut hasher);
    if let Ok(meta) = fs::metadata(server) {
        (meta.len(), meta.modified().ok()).hash(&mut hasher);
    }
    hasher.finish()
}
