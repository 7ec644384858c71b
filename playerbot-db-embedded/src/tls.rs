//! A throwaway certificate authority and server certificate for an embedded server that
//! requires TLS, made with the `openssl` command.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::EmbeddedError;

/// The files a TLS server and its clients need, in the server's directory.
#[derive(Debug, Clone)]
pub(crate) struct TlsFiles {
    pub(crate) ca: PathBuf,
    pub(crate) cert: PathBuf,
    pub(crate) key: PathBuf,
}

/// Makes a CA and a server certificate for 127.0.0.1 signed by it, valid for two days.
pub(crate) fn make_certificates(dir: &Path) -> Result<TlsFiles, EmbeddedError> {
    let files = TlsFiles {
        ca: dir.join("ca.pem"),
        cert: dir.join("server-cert.pem"),
        key: dir.join("server-key.pem"),
    };
    let (ca_key, csr, extensions) = (
        dir.join("ca-key.pem"),
        dir.join("server.csr"),
        dir.join("server.ext"),
    );
    std::fs::write(
        &extensions,
        "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n",
    )
    .map_err(EmbeddedError::io("writing", &extensions))?;
    let subject = |cn: &str| format!("/CN={cn}");
    openssl(
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            &subject("playerbot-db test CA"),
        ],
        &[("-keyout", &ca_key), ("-out", &files.ca)],
    )?;
    openssl(
        &[
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-subj",
            &subject("127.0.0.1"),
        ],
        &[("-keyout", &files.key), ("-out", &csr)],
    )?;
    openssl(
        &["x509", "-req", "-days", "2", "-CAcreateserial"],
        &[
            ("-in", &csr),
            ("-CA", &files.ca),
            ("-CAkey", &ca_key),
            ("-extfile", &extensions),
            ("-out", &files.cert),
        ],
    )?;
    Ok(files)
}

fn openssl(args: &[&str], paths: &[(&str, &Path)]) -> Result<(), EmbeddedError> {
    let mut command = Command::new("openssl");
    command.args(args);
    for (flag, path) in paths {
        command.arg(flag).arg(path);
    }
    let shown = format!("{command:?}");
    let output = command.output().map_err(|_| EmbeddedError::NoOpenssl)?;
    if !output.status.success() {
        return Err(EmbeddedError::InitFailed {
            command: shown,
            status: output.status.to_string(),
            output: String::from_utf8_lossy(&output.stderr).into_owned(),
        });
    }
    Ok(())
}
