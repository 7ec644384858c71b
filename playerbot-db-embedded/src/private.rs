//! Keeping a server's files to its owner: where they live, private directories, a private
//! socket, and a random password for its root account.

use std::fs::{self, DirBuilder};
use std::io::Read;
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use playerbot_db_sql::Secret;

use crate::EmbeddedError;

/// Creates `dir` (and missing parents) readable and writable by its owner only, or checks
/// that an existing `dir` is ours and makes it private.
pub(crate) fn private_dir(dir: &Path) -> Result<(), EmbeddedError> {
    DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(EmbeddedError::io("creating", dir))?;
    let meta = fs::metadata(dir).map_err(EmbeddedError::io("reading", dir))?;
    if meta.uid() != current_uid(dir)? {
        return Err(EmbeddedError::NotPrivate {
            path: dir.to_path_buf(),
        });
    }
    if meta.permissions().mode() & 0o077 != 0 {
        fs::set_permissions(dir, fs::Permissions::from_mode(0o700))
            .map_err(EmbeddedError::io("making private", dir))?;
    }
    Ok(())
}

/// Writes `text` to a file only its owner can read.
pub(crate) fn private_file(path: &Path, text: &str) -> Result<(), EmbeddedError> {
    use std::io::Write;
    let mut file = fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .map_err(EmbeddedError::io("creating", path))?;
    file.write_all(text.as_bytes())
        .map_err(EmbeddedError::io("writing", path))
}

/// The server makes its socket for everyone (0777); only the owner may connect to ours.
pub(crate) fn make_socket_private(socket: &Path) -> Result<(), EmbeddedError> {
    fs::set_permissions(socket, fs::Permissions::from_mode(0o600))
        .map_err(EmbeddedError::io("making private", socket))
}

/// 32 random letters and digits from the kernel's generator.
pub(crate) fn random_password() -> Result<Secret, EmbeddedError> {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    let source = Path::new("/dev/urandom");
    let mut bytes = [0u8; 32];
    fs::File::open(source)
        .and_then(|mut random| random.read_exact(&mut bytes))
        .map_err(EmbeddedError::io("reading", source))?;
    // 256 is not a multiple of 62: the slight bias costs a fraction of a bit per character
    // of a 190-bit password.
    let text: String = bytes
        .iter()
        .map(|b| char::from(ALPHABET[usize::from(*b) % ALPHABET.len()]))
        .collect();
    Ok(Secret::new(text).expect("letters and digits"))
}

/// This process's user id, from `/proc` (std has no portable call for it).
pub(crate) fn current_uid(context: &Path) -> Result<u32, EmbeddedError> {
    let status = Path::new("/proc/self/status");
    let text = fs::read_to_string(status).map_err(EmbeddedError::io("reading", status))?;
    text.lines()
        .find_map(|line| line.strip_prefix("Uid:"))
        .and_then(|ids| ids.split_whitespace().nth(1))
        .and_then(|uid| uid.parse().ok())
        .ok_or_else(|| EmbeddedError::NotPrivate {
            path: context.to_path_buf(),
        })
}

/// The servers refuse to run as root unless told `--user=root`.
pub(crate) fn running_as_root() -> bool {
    current_uid(Path::new("/proc/self/status")).is_ok_and(|uid| uid == 0)
}

/// Where templates and servers live: `<parent>/playerbot-db-<uid>` (`parent` is `$TMPDIR`
/// but for servers kept in memory), private to its owner.
pub(crate) fn base_dir(parent: &Path) -> PathBuf {
    let uid = current_uid(Path::new("/proc/self/status")).unwrap_or(u32::MAX);
    parent.join(format!("playerbot-db-{uid}"))
}

/// Distinguishes directories made by one process.
pub(crate) fn unique_suffix() -> u64 {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| u64::from(d.subsec_nanos()));
    (NEXT.fetch_add(1, Ordering::Relaxed) << 32) | nanos
}
