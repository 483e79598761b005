//! huoyan-upload: moves an evidence bundle to a safe server over SFTP.
//!
//! The seed's last collection step is "move it to a safe server" before the attacker wipes the
//! host. The host's own `ssh`/`scp` cannot be trusted (a trojaned client is a classic way to
//! harvest the responder's credentials), so huoyan speaks SSH itself (russh, pure Rust) and
//! streams the file over SFTP:
//!
//! - `sftp://user@host:port/path` (port 22 by default; a path ending in `/` or naming a remote
//!   directory gets the local file name appended);
//! - key (`--identity`, optionally with a passphrase) or password authentication;
//! - the server's host key is checked against a pinned `SHA256:` fingerprint or a known_hosts
//!   file; when neither is given it is accepted and its fingerprint recorded in the journal, so
//!   it can be checked afterwards;
//! - the upload goes to a temporary remote name, the remote size is compared with the local
//!   size, and only then is the file renamed to its final name.

#![cfg_attr(test, allow(clippy::disallowed_methods))]

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use huoyan_core::ActionJournal;
use russh::keys::{HashAlg, PrivateKeyWithHashAlg, PublicKeyOrCertificate};
use russh_sftp::client::SftpSession;
use russh_sftp::protocol::OpenFlags;
use tokio::io::AsyncWriteExt;

mod url;

pub use url::{parse_url, SftpTarget};

/// Why an upload failed.
#[derive(Debug, thiserror::Error)]
pub enum UploadError {
    /// The URL could not be understood.
    #[error("upload URL: {0}")]
    Url(String),
    /// Connecting, key exchange or the SSH layer failed.
    #[error("ssh: {0}")]
    Ssh(String),
    /// The server's host key did not match.
    #[error("host key of {host} is {seen}, which does not match the expected key: refusing to send evidence")]
    HostKey {
        /// host:port.
        host: String,
        /// The key the server presented.
        seen: String,
    },
    /// Authentication was refused.
    #[error("authentication as {0} refused")]
    Auth(String),
    /// The identity file could not be loaded.
    #[error("identity {path}: {detail}")]
    Identity {
        /// The key file.
        path: PathBuf,
        /// What went wrong.
        detail: String,
    },
    /// SFTP failed.
    #[error("sftp: {0}")]
    Sftp(String),
    /// Local read failed.
    #[error("{path}: {source}")]
    Local {
        /// The local file.
        path: PathBuf,
        /// The error.
        #[source]
        source: std::io::Error,
    },
    /// The remote file's size differs after the transfer.
    #[error("remote size {remote} differs from local size {local}: upload incomplete")]
    SizeMismatch {
        /// Local bytes.
        local: u64,
        /// Remote bytes.
        remote: u64,
    },
}

/// How to authenticate.
#[derive(Debug, Clone)]
pub enum Auth {
    /// A private key file, with an optional passphrase.
    Key {
        /// The key file (OpenSSH or PEM).
        path: PathBuf,
        /// Its passphrase.
        passphrase: Option<String>,
    },
    /// A password.
    Password(String),
}

/// How the server's host key is checked.
#[derive(Debug, Clone)]
pub enum HostKeyPolicy {
    /// Pinned fingerprint, `SHA256:...` as `ssh-keygen -lf` prints it.
    Fingerprint(String),
    /// An OpenSSH known_hosts file.
    KnownHosts(PathBuf),
    /// Accept any key but record its fingerprint in the journal.
    RecordOnly,
}

/// Upload settings.
#[derive(Debug, Clone)]
pub struct UploadOptions {
    /// Authentication.
    pub auth: Auth,
    /// Host key check.
    pub host_key: HostKeyPolicy,
}

/// What arrived where.
#[derive(Debug, Clone)]
pub struct UploadReport {
    /// Remote path of the uploaded file.
    pub remote_path: String,
    /// Bytes sent.
    pub bytes: u64,
    /// The server's host key fingerprint.
    pub host_key: String,
}

struct Client {
    host: String,
    port: u16,
    policy: HostKeyPolicy,
    seen: Arc<Mutex<Option<String>>>,
}

impl russh::client::Handler for Client {
    type Error = russh::Error;

    async fn check_server_key(
        &mut self,
        key: &PublicKeyOrCertificate,
    ) -> Result<bool, Self::Error> {
        let PublicKeyOrCertificate::PublicKey { key, .. } = key else {
            return Ok(false);
        };
        let fingerprint = key.fingerprint(HashAlg::Sha256).to_string();
        if let Ok(mut seen) = self.seen.lock() {
            *seen = Some(fingerprint.clone());
        }
        Ok(match &self.policy {
            HostKeyPolicy::Fingerprint(want) => want.trim() == fingerprint,
            HostKeyPolicy::KnownHosts(path) => {
                russh::keys::check_known_hosts_path(&self.host, self.port, key, path)
                    .unwrap_or(false)
            }
            HostKeyPolicy::RecordOnly => true,
        })
    }
}

/// Uploads `local` to `target`, verifying the remote size; records each step in `journal`.
pub fn upload(
    local: &Path,
    target: &SftpTarget,
    opts: &UploadOptions,
    journal: &ActionJournal,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<UploadReport, UploadError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| UploadError::Ssh(e.to_string()))?;
    runtime.block_on(upload_async(local, target, opts, journal, progress))
}

#[allow(clippy::disallowed_methods)] // the bundle huoyan wrote
async fn upload_async(
    local: &Path,
    target: &SftpTarget,
    opts: &UploadOptions,
    journal: &ActionJournal,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<UploadReport, UploadError> {
    let local_err = |e| UploadError::Local {
        path: local.to_path_buf(),
        source: e,
    };
    let mut file = std::fs::File::open(local).map_err(local_err)?;
    let size = file.metadata().map_err(local_err)?.len();
    let name = local
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .ok_or_else(|| UploadError::Url("local file has no name".into()))?;

    let seen = Arc::new(Mutex::new(None));
    let client = Client {
        host: target.host.clone(),
        port: target.port,
        policy: opts.host_key.clone(),
        seen: Arc::clone(&seen),
    };
    let host_port = format!("{}:{}", target.host, target.port);
    journal.record(
        "connect",
        format!("sftp://{}@{host_port}", target.user),
        "ssh",
    );
    let config = Arc::new(russh::client::Config::default());
    let connected =
        russh::client::connect(config, (target.host.as_str(), target.port), client).await;
    let fingerprint = seen.lock().ok().and_then(|s| s.clone()).unwrap_or_default();
    let mut session = match connected {
        Ok(s) => s,
        Err(russh::Error::UnknownKey) => {
            return Err(UploadError::HostKey {
                host: host_port,
                seen: fingerprint,
            })
        }
        Err(e) => return Err(UploadError::Ssh(e.to_string())),
    };
    journal.record("connect", &host_port, format!("host key {fingerprint}"));

    let auth = match &opts.auth {
        Auth::Password(password) => session
            .authenticate_password(&target.user, password)
            .await
            .map_err(|e| UploadError::Ssh(e.to_string()))?,
        Auth::Key { path, passphrase } => {
            let key = russh::keys::load_secret_key(path, passphrase.as_deref()).map_err(|e| {
                UploadError::Identity {
                    path: path.clone(),
                    detail: e.to_string(),
                }
            })?;
            let hash = session
                .best_supported_rsa_hash()
                .await
                .map_err(|e| UploadError::Ssh(e.to_string()))?
                .flatten();
            session
                .authenticate_publickey(
                    &target.user,
                    PrivateKeyWithHashAlg::new(Arc::new(key), hash),
                )
                .await
                .map_err(|e| UploadError::Ssh(e.to_string()))?
        }
    };
    if !auth.success() {
        return Err(UploadError::Auth(target.user.clone()));
    }
    let channel = session
        .channel_open_session()
        .await
        .map_err(|e| UploadError::Ssh(e.to_string()))?;
    channel
        .request_subsystem(true, "sftp")
        .await
        .map_err(|e| UploadError::Ssh(e.to_string()))?;
    let sftp = SftpSession::new(channel.into_stream())
        .await
        .map_err(|e| UploadError::Sftp(e.to_string()))?;
    let sftp_err = |e: russh_sftp::client::error::Error| UploadError::Sftp(e.to_string());

    let remote_path = resolve_remote(&sftp, &target.path, &name).await;
    let partial = format!("{remote_path}.partial");
    journal.record(
        "upload",
        &remote_path,
        format!("{size} bytes from {}", local.display()),
    );
    let mut remote = sftp
        .open_with_flags(
            partial.clone(),
            OpenFlags::CREATE | OpenFlags::TRUNCATE | OpenFlags::WRITE,
        )
        .await
        .map_err(sftp_err)?;
    let mut buf = vec![0u8; 256 * 1024];
    let mut sent = 0u64;
    loop {
        let n = file.read(&mut buf).map_err(local_err)?;
        if n == 0 {
            break;
        }
        remote
            .write_all(&buf[..n])
            .await
            .map_err(|e| UploadError::Sftp(e.to_string()))?;
        sent += n as u64;
        progress(sent, size);
    }
    remote
        .shutdown()
        .await
        .map_err(|e| UploadError::Sftp(e.to_string()))?;
    let remote_size = sftp
        .metadata(partial.clone())
        .await
        .map_err(sftp_err)?
        .len();
    if remote_size != sent || sent != size {
        journal.record(
            "upload",
            &partial,
            format!("size mismatch: local {size}, sent {sent}, remote {remote_size}"),
        );
        return Err(UploadError::SizeMismatch {
            local: size,
            remote: remote_size,
        });
    }
    // Replace an earlier copy only after the new one is complete.
    if sftp.try_exists(remote_path.clone()).await.unwrap_or(false) {
        let _ = sftp.remove_file(remote_path.clone()).await;
    }
    sftp.rename(partial, remote_path.clone())
        .await
        .map_err(sftp_err)?;
    journal.record(
        "upload",
        &remote_path,
        format!("complete, remote size {remote_size} verified"),
    );
    let _ = sftp.close().await;
    let _ = session
        .disconnect(russh::Disconnect::ByApplication, "", "en")
        .await;
    Ok(UploadReport {
        remote_path,
        bytes: sent,
        host_key: fingerprint,
    })
}

/// The remote file name: the given path, or the local name inside it when it is a directory.
async fn resolve_remote(sftp: &SftpSession, path: &str, name: &str) -> String {
    if path.is_empty() || path.ends_with('/') {
        return format!("{path}{name}");
    }
    match sftp.metadata(path.to_string()).await {
        Ok(meta) if meta.is_dir() => format!("{}/{name}", path.trim_end_matches('/')),
        _ => path.to_string(),
    }
}
