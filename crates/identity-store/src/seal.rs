//! The outbox's secrets at rest: a message that carries a link token or a
//! one-time password is stored twice — without its secrets in `message`
//! (what listings read), and whole in `sealed`, encrypted with the server's
//! [`OutboxKey`] (XChaCha20-Poly1305, a random 24-byte nonce per email, the
//! email's id as associated data so a sealed value cannot be moved to
//! another row). `sealed` is cleared when the email is delivered or given
//! up. No database file, WAL or backup holds a live secret in clear.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use chacha20poly1305::aead::{Aead, Generate, KeyInit, Payload};
use chacha20poly1305::{Key, XChaCha20Poly1305, XNonce};
use std::fmt;
use std::io::Write as _;
use std::path::{Path, PathBuf};

/// Bytes of a key.
const KEY_LEN: usize = 32;
/// Bytes of a nonce.
const NONCE_LEN: usize = 24;

/// The server's key for the outbox's secrets. Its `Debug` shows nothing.
#[derive(Clone)]
pub struct OutboxKey(Key);

/// Why the outbox key could not be had.
#[derive(Debug, thiserror::Error)]
pub enum OutboxKeyError {
    /// The configured value is not 32 bytes in standard base64.
    #[error("the outbox key must be 32 bytes in base64 (44 characters, e.g. from `openssl rand -base64 32`)")]
    Malformed,
    /// The key file could not be read or created.
    #[error("the outbox key file {path}: {source}")]
    File {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The key file can be read by other users of the machine.
    #[error("the outbox key file {path} is readable by other users (mode {mode:o}): run chmod 600 on it")]
    Exposed {
        /// The file.
        path: PathBuf,
        /// Its permission bits.
        mode: u32,
    },
}

impl OutboxKey {
    /// A new random key.
    pub fn generate() -> Self {
        Self(Key::generate())
    }

    /// A key from its base64 form (32 bytes, standard alphabet, padded).
    ///
    /// # Errors
    /// [`OutboxKeyError::Malformed`].
    pub fn from_base64(text: &str) -> Result<Self, OutboxKeyError> {
        let bytes = STANDARD.decode(text.trim()).map_err(|_| OutboxKeyError::Malformed)?;
        let bytes: [u8; KEY_LEN] = bytes.try_into().map_err(|_| OutboxKeyError::Malformed)?;
        Ok(Self(Key::from(bytes)))
    }

    /// Where the key file goes when configuration names none: beside the
    /// SQLite database file (`data/identity.db` → `data/outbox.key`), or
    /// `data/outbox.key` for any other database.
    pub fn default_file(database_url: &str) -> PathBuf {
        let sqlite_file = database_url
            .strip_prefix("sqlite:")
            .map(|rest| rest.split_once('?').map_or(rest, |(path, _)| path))
            .map(|path| path.strip_prefix("//").unwrap_or(path))
            .filter(|path| !path.is_empty() && *path != ":memory:");
        match sqlite_file.map(Path::new).and_then(Path::parent) {
            Some(folder) => folder.join("outbox.key"),
            None => PathBuf::from("data").join("outbox.key"),
        }
    }

    /// The key in `path`, or, when there is no such file, a new key written
    /// there first (folder created when missing; the file readable and
    /// writable only by this user, mode 0600, on Unix).
    ///
    /// # Errors
    /// [`OutboxKeyError`]: unreadable, malformed, or (on Unix) readable by
    /// group or others.
    pub fn load_or_create(path: &Path) -> Result<Self, OutboxKeyError> {
        let failed = |source| OutboxKeyError::File { path: path.to_owned(), source };
        match std::fs::read_to_string(path) {
            Ok(text) => {
                check_private(path)?;
                Self::from_base64(&text)
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                if let Some(folder) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                    std::fs::create_dir_all(folder).map_err(failed)?;
                }
                let key = Self::generate();
                let mut options = std::fs::OpenOptions::new();
                options.write(true).create_new(true);
                #[cfg(unix)]
                {
                    use std::os::unix::fs::OpenOptionsExt as _;
                    options.mode(0o600);
                }
                match options.open(path) {
                    Ok(mut file) => {
                        file.write_all(format!("{}\n", STANDARD.encode(key.0.as_slice())).as_bytes())
                            .and_then(|()| file.sync_all())
                            .map_err(failed)?;
                        Ok(key)
                    }
                    // Another process created it first: use theirs.
                    Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                        Self::from_base64(&std::fs::read_to_string(path).map_err(failed)?)
                    }
                    Err(e) => Err(failed(e)),
                }
            }
            Err(e) => Err(failed(e)),
        }
    }

    /// Encrypts `plain` for the email `id`: base64 of nonce ‖ ciphertext.
    pub(crate) fn seal(&self, id: uuid::Uuid, plain: &[u8]) -> Option<String> {
        let nonce = XNonce::generate();
        let cipher = XChaCha20Poly1305::new(&self.0);
        let sealed = cipher.encrypt(&nonce, Payload { msg: plain, aad: id.as_bytes() }).ok()?;
        let mut out = nonce.to_vec();
        out.extend_from_slice(&sealed);
        Some(STANDARD.encode(out))
    }

    /// Decrypts what [`Self::seal`] wrote for the email `id`; `None` when it
    /// was sealed with another key, for another email, or is damaged.
    pub(crate) fn open(&self, id: uuid::Uuid, sealed: &str) -> Option<Vec<u8>> {
        let bytes = STANDARD.decode(sealed).ok()?;
        if bytes.len() < NONCE_LEN {
            return None;
        }
        let (nonce, ciphertext) = bytes.split_at(NONCE_LEN);
        let nonce = XNonce::try_from(nonce).ok()?;
        XChaCha20Poly1305::new(&self.0).decrypt(&nonce, Payload { msg: ciphertext, aad: id.as_bytes() }).ok()
    }
}

impl<'de> serde::Deserialize<'de> for OutboxKey {
    /// From its base64 form, in configuration.
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = <String as serde::Deserialize>::deserialize(d)?;
        Self::from_base64(&text).map_err(serde::de::Error::custom)
    }
}

impl fmt::Debug for OutboxKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("OutboxKey(<redacted>)")
    }
}

#[cfg(unix)]
fn check_private(path: &Path) -> Result<(), OutboxKeyError> {
    use std::os::unix::fs::PermissionsExt as _;
    let mode = std::fs::metadata(path)
        .map_err(|source| OutboxKeyError::File { path: path.to_owned(), source })?
        .permissions()
        .mode()
        & 0o777;
    if mode & 0o077 != 0 {
        return Err(OutboxKeyError::Exposed { path: path.to_owned(), mode });
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_private(_path: &Path) -> Result<(), OutboxKeyError> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_message_opens_only_with_its_key_and_for_its_email() {
        let key = OutboxKey::generate();
        let id = uuid::Uuid::from_u128(7);
        let sealed = key.seal(id, b"token-123").unwrap_or_default();
        assert!(!sealed.contains("token-123"));
        assert_eq!(key.open(id, &sealed).as_deref(), Some(&b"token-123"[..]));
        assert_eq!(key.open(uuid::Uuid::from_u128(8), &sealed), None, "bound to its email");
        assert_eq!(OutboxKey::generate().open(id, &sealed), None, "bound to its key");
        assert_ne!(key.seal(id, b"token-123"), Some(sealed), "a new nonce each time");
    }

    #[test]
    fn the_key_file_sits_beside_the_sqlite_file_by_default() {
        assert_eq!(OutboxKey::default_file("sqlite://data/identity.db"), Path::new("data/outbox.key"));
        assert_eq!(
            OutboxKey::default_file("sqlite:///srv/id/identity.db?mode=rwc"),
            Path::new("/srv/id/outbox.key")
        );
        assert_eq!(OutboxKey::default_file("postgres://db/identity"), Path::new("data/outbox.key"));
        assert_eq!(OutboxKey::default_file("sqlite::memory:"), Path::new("data/outbox.key"));
    }

    #[test]
    fn a_key_file_is_created_private_and_read_back() {
        let dir = std::env::temp_dir().join(format!("outbox-key-{}", uuid::Uuid::now_v7()));
        let path = dir.join("outbox.key");
        let key = OutboxKey::load_or_create(&path).unwrap_or_else(|e| panic!("{e}"));
        let again = OutboxKey::load_or_create(&path).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(key.0, again.0);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(&path).map(|m| m.permissions().mode() & 0o777).unwrap_or(0);
            assert_eq!(mode, 0o600);
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap_or(());
            assert!(matches!(OutboxKey::load_or_create(&path), Err(OutboxKeyError::Exposed { .. })));
        }
        assert!(matches!(OutboxKey::from_base64("c2hvcnQ="), Err(OutboxKeyError::Malformed)));
        let _ = std::fs::remove_dir_all(dir);
    }
}
