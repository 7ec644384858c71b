//! Which user a server process runs as, and handing its files over to that user.
//!
//! A plain server runs as whoever started it (root included, with `--user=root`). A Galera
//! node started by root runs as the unprivileged `mysql` account instead: its state
//! transfers run an rsync daemon, which drops to `nobody` when started by root and then
//! cannot write the joiner's data directory (measured: "cannot stat destination …
//! Permission denied").

use std::fs;
use std::fs::DirBuilder;
use std::os::unix::fs::{lchown, DirBuilderExt, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use crate::private::{base_dir, current_uid, private_dir, running_as_root};
use crate::EmbeddedError;

/// The account Debian's server package makes; Galera nodes started by root run as it.
const SERVICE_USER: &str = "mysql";

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Owner {
    /// This process's own user.
    Me,
    /// Another account, whose ids the files are handed to.
    Account { name: String, uid: u32, gid: u32 },
}

impl Owner {
    /// The owner for a Galera node: the service account when we are root, else ourselves.
    pub(crate) fn for_galera() -> Result<Owner, EmbeddedError> {
        if !running_as_root() {
            return Ok(Owner::Me);
        }
        let (uid, gid) = account_ids(SERVICE_USER)?
            .ok_or(EmbeddedError::NoServiceUser { user: SERVICE_USER })?;
        Ok(Owner::Account {
            name: SERVICE_USER.to_owned(),
            uid,
            gid,
        })
    }

    /// The server's `--user` argument, when it needs one (root must name itself).
    pub(crate) fn user_arg(&self) -> Option<String> {
        match self {
            Owner::Me => running_as_root().then(|| "--user=root".to_owned()),
            Owner::Account { name, .. } => Some(format!("--user={name}")),
        }
    }

    /// Where this owner's servers and templates live: ours is private to us; another
    /// account's is private to it (root still reaches it), since a server cannot run in a
    /// directory its own user cannot enter.
    pub(crate) fn base_dir(&self) -> Result<PathBuf, EmbeddedError> {
        self.base_dir_under(&std::env::temp_dir())
    }

    /// Like [`base_dir`](Self::base_dir), under `parent` instead of the temporary directory.
    pub(crate) fn base_dir_under(&self, parent: &Path) -> Result<PathBuf, EmbeddedError> {
        let Owner::Account { name, uid, .. } = self else {
            let dir = base_dir(parent);
            private_dir(&dir)?;
            return Ok(dir);
        };
        let dir = base_dir(parent).with_extension(format!("as-{name}"));
        DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(&dir)
            .map_err(EmbeddedError::io("creating", &dir))?;
        let meta = fs::metadata(&dir).map_err(EmbeddedError::io("reading", &dir))?;
        if meta.uid() == current_uid(&dir)? {
            self.hand_over_one(&dir)?;
        } else if meta.uid() != *uid {
            return Err(EmbeddedError::NotPrivate { path: dir });
        }
        fs::set_permissions(&dir, fs::Permissions::from_mode(0o700))
            .map_err(EmbeddedError::io("making private", &dir))?;
        Ok(dir)
    }

    /// Gives `path` and everything under it to the owner (nothing to do for ourselves).
    /// The modes stay as they are: private to their owner.
    pub(crate) fn hand_over(&self, path: &Path) -> Result<(), EmbeddedError> {
        if *self == Owner::Me {
            return Ok(());
        }
        self.hand_over_one(path)?;
        let meta = fs::symlink_metadata(path).map_err(EmbeddedError::io("reading", path))?;
        if meta.is_dir() {
            for entry in fs::read_dir(path).map_err(EmbeddedError::io("reading", path))? {
                let entry = entry.map_err(EmbeddedError::io("reading", path))?;
                self.hand_over(&entry.path())?;
            }
        }
        Ok(())
    }
}

impl Owner {
    fn hand_over_one(&self, path: &Path) -> Result<(), EmbeddedError> {
        if let Owner::Account { uid, gid, .. } = self {
            lchown(path, Some(*uid), Some(*gid))
                .map_err(EmbeddedError::io("handing over", path))?;
        }
        Ok(())
    }
}

/// An account's user and group ids, from `/etc/passwd`.
fn account_ids(name: &str) -> Result<Option<(u32, u32)>, EmbeddedError> {
    let passwd = Path::new("/etc/passwd");
    let text = fs::read_to_string(passwd).map_err(EmbeddedError::io("reading", passwd))?;
    Ok(text.lines().find_map(|line| {
        let mut fields = line.split(':');
        (fields.next() == Some(name)).then_some(())?;
        let uid = fields.nth(1)?.parse().ok()?;
        let gid = fields.next()?.parse().ok()?;
        Some((uid, gid))
    }))
}
