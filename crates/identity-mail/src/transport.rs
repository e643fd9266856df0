//! Where messages go: an SMTP server (implicit TLS, STARTTLS or plain, with
//! optional authentication) or a folder with one `.eml` file per message.

use crate::config::{ConfigError, SmtpConfig, SmtpSecurity, TransportConfig};
use async_trait::async_trait;
use identity_domain::EmailId;
use lettre::transport::smtp::PoolConfig;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// Sends composed messages.
#[async_trait]
pub trait MailTransport: Send + Sync + 'static {
    /// Hands `message` (the outbox email `id`) to its destination. Sending
    /// the same `id` twice SHOULD be harmless where the destination allows
    /// it (the file transport overwrites; SMTP receivers may deduplicate on
    /// the `Message-ID`, which is derived from `id`).
    ///
    /// # Errors
    /// [`TransportError`]; [`TransportError::is_permanent`] tells whether a
    /// retry can help.
    async fn send(&self, id: EmailId, message: lettre::Message) -> Result<(), TransportError>;

    /// Whether people read the messages as written (a folder of `.eml`
    /// files): the bodies are then 8-bit text, each line as rendered, so a
    /// link or password is copied as it is. Otherwise (SMTP) the mail
    /// library picks 7-bit, quoted-printable or base64, which every server
    /// accepts.
    fn read_as_written(&self) -> bool {
        false
    }
}

/// Why a message did not leave.
#[derive(Debug, thiserror::Error)]
pub enum TransportError {
    /// The SMTP server could not be reached or refused the message.
    #[error("SMTP: {0}")]
    Smtp(#[from] lettre::transport::smtp::Error),
    /// The `.eml` file could not be written.
    #[error("writing {path}: {source}")]
    File {
        /// The file.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
}

impl TransportError {
    /// Whether retrying this email cannot help: the server refused it with
    /// a permanent (5xx) answer. Authentication refusals (530, 534, 535,
    /// 538) are about the configuration, not the email: they are retried,
    /// so fixing the password loses nothing.
    pub fn is_permanent(&self) -> bool {
        match self {
            Self::Smtp(e) => {
                e.is_permanent()
                    && !e.status().is_some_and(|code| matches!(u16::from(code), 530 | 534 | 535 | 538))
            }
            Self::File { .. } => false,
        }
    }
}

/// Builds the transport a configuration asks for.
///
/// # Errors
/// [`ConfigError::Smtp`] for unusable SMTP settings.
pub fn from_config(config: &TransportConfig) -> Result<Arc<dyn MailTransport>, ConfigError> {
    Ok(match config {
        TransportConfig::Smtp(smtp) => Arc::new(SmtpTransport::from_config(smtp)?),
        TransportConfig::File { folder } => Arc::new(FileTransport::new(folder.clone())),
    })
}

/// An SMTP submission server, through a pool of connections.
#[derive(Clone)]
pub struct SmtpTransport {
    inner: AsyncSmtpTransport<Tokio1Executor>,
    security: SmtpSecurity,
}

impl SmtpTransport {
    /// A transport to the configured server. Nothing is connected yet, but
    /// the connection pool starts a background task: call it inside a Tokio
    /// runtime.
    ///
    /// # Errors
    /// [`ConfigError::Smtp`]: no host, a user name without a password (or
    /// the reverse), a host name TLS cannot check, or no Tokio runtime.
    pub fn from_config(config: &SmtpConfig) -> Result<Self, ConfigError> {
        if tokio::runtime::Handle::try_current().is_err() {
            return Err(ConfigError::Smtp(
                "the SMTP transport must be built inside a Tokio runtime".to_owned(),
            ));
        }
        let host = config.host.trim();
        if host.is_empty() {
            return Err(ConfigError::Smtp("the host is empty".to_owned()));
        }
        let tls_error = |e: lettre::transport::smtp::Error| ConfigError::Smtp(format!("TLS for {host}: {e}"));
        let builder = match config.security {
            SmtpSecurity::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(host).map_err(tls_error)?,
            SmtpSecurity::Starttls => {
                AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(host).map_err(tls_error)?
            }
            SmtpSecurity::Plain => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host),
        };
        let builder = match (&config.ca_certificate, config.security) {
            (None, _) => builder,
            (Some(_), SmtpSecurity::Plain) => {
                return Err(ConfigError::Smtp("a CA certificate needs tls or starttls".to_owned()));
            }
            (Some(path), security) => {
                let pem = std::fs::read(path)
                    .map_err(|e| ConfigError::Smtp(format!("reading {}: {e}", path.display())))?;
                let ca = Certificate::from_pem(&pem)
                    .map_err(|e| ConfigError::Smtp(format!("{}: {e}", path.display())))?;
                let parameters = TlsParameters::builder(host.to_owned())
                    .add_root_certificate(ca)
                    .build()
                    .map_err(tls_error)?;
                builder.tls(match security {
                    SmtpSecurity::Tls => Tls::Wrapper(parameters),
                    SmtpSecurity::Starttls | SmtpSecurity::Plain => Tls::Required(parameters),
                })
            }
        };
        let mut builder = builder
            .port(config.effective_port())
            .timeout(Some(Duration::from_secs(config.timeout_secs.max(1))))
            .pool_config(PoolConfig::new().max_size(config.pool_size.max(1)));
        match (&config.username, &config.password) {
            (Some(user), Some(password)) => {
                builder = builder.credentials(Credentials::new(user.clone(), password.expose().to_owned()));
            }
            (None, None) => {}
            (Some(_), None) => return Err(ConfigError::Smtp("a username needs a password".to_owned())),
            (None, Some(_)) => return Err(ConfigError::Smtp("a password needs a username".to_owned())),
        }
        Ok(Self { inner: builder.build(), security: config.security })
    }

    /// How the connection is protected.
    pub fn security(&self) -> SmtpSecurity {
        self.security
    }

    /// Connects and says hello, to check the server at start-up.
    ///
    /// # Errors
    /// The SMTP error when the server cannot be reached or refuses.
    pub async fn test_connection(&self) -> Result<bool, TransportError> {
        Ok(self.inner.test_connection().await?)
    }
}

#[async_trait]
impl MailTransport for SmtpTransport {
    async fn send(&self, _id: EmailId, message: lettre::Message) -> Result<(), TransportError> {
        self.inner.send(message).await?;
        Ok(())
    }
}

/// One `<email id>.eml` file per message in a folder (created when
/// missing), its bodies in 8-bit text so that a link reads (and copies) as
/// it was rendered. A file appears whole or not at all (written aside, then
/// renamed); sending an id again replaces its file, so nothing is doubled.
#[derive(Debug, Clone)]
pub struct FileTransport {
    folder: PathBuf,
}

impl FileTransport {
    /// A transport writing into `folder`.
    pub fn new(folder: PathBuf) -> Self {
        Self { folder }
    }

    /// The folder written to.
    pub fn folder(&self) -> &Path {
        &self.folder
    }

    /// The file an email is written to.
    pub fn path_of(&self, id: EmailId) -> PathBuf {
        self.folder.join(format!("{id}.eml"))
    }
}

#[async_trait]
impl MailTransport for FileTransport {
    async fn send(&self, id: EmailId, message: lettre::Message) -> Result<(), TransportError> {
        let path = self.path_of(id);
        let partial = self.folder.join(format!(".{id}.eml.partial"));
        let failed = |source| TransportError::File { path: path.display().to_string(), source };
        tokio::fs::create_dir_all(&self.folder).await.map_err(failed)?;
        tokio::fs::write(&partial, message.formatted()).await.map_err(failed)?;
        tokio::fs::rename(&partial, &path).await.map_err(failed)?;
        Ok(())
    }

    fn read_as_written(&self) -> bool {
        true
    }
}
