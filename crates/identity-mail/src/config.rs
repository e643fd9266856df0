//! What the mail adapter reads from configuration: who sends, the public
//! address links point to, how messages leave (SMTP or a folder of `.eml`
//! files), and how the outbox worker paces itself.
//!
//! Values are parsed on load ([`SenderAddress`], [`PublicBaseUrl`],
//! [`SmtpPassword`]), so a bad address or URL stops start-up instead of the
//! first delivery.

use crate::links::PublicBaseUrl;
use chrono::Duration;
use lettre::Address;
use secrecy::{ExposeSecret, SecretString};
use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer};
use std::fmt;
use std::path::PathBuf;

/// The mail adapter's configuration.
///
/// ```
/// # use identity_mail::MailConfig;
/// let config: MailConfig = serde_json::from_str(r#"{
///     "from_address": "no-reply@maple.example",
///     "from_name": "Maple Immigration Law",
///     "public_base_url": "https://id.maple.example",
///     "transport": { "kind": "smtp", "host": "smtp.maple.example",
///                    "security": "starttls", "username": "mailer", "password": "s3cret" }
/// }"#).unwrap();
/// assert_eq!(config.worker.batch_size, 20);
/// ```
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MailConfig {
    /// The `From` address of every email.
    pub from_address: SenderAddress,
    /// The `From` display name; none by default.
    #[serde(default)]
    pub from_name: Option<String>,
    /// Where links in emails point: the product's public address, never a
    /// request's `Host` header.
    pub public_base_url: PublicBaseUrl,
    /// How messages leave. Without one, they are written as `.eml` files
    /// to `var/mail-outbox` (embedded use, development).
    #[serde(default)]
    pub transport: TransportConfig,
    /// How the outbox worker paces itself.
    #[serde(default)]
    pub worker: WorkerConfig,
}

/// How messages leave the process.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum TransportConfig {
    /// An SMTP submission server.
    Smtp(SmtpConfig),
    /// One `.eml` file per message in a folder: the embedded default when
    /// no SMTP server is configured.
    File {
        /// The folder; created when missing.
        folder: PathBuf,
    },
}

impl Default for TransportConfig {
    fn default() -> Self {
        Self::File { folder: PathBuf::from("var/mail-outbox") }
    }
}

/// An SMTP server to submit messages to.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmtpConfig {
    /// The server's host name (checked against its TLS certificate).
    pub host: String,
    /// The port; by default 465 for `tls`, 587 for `starttls`, 25 for
    /// `plain`.
    #[serde(default)]
    pub port: Option<u16>,
    /// How the connection is protected; `starttls` by default.
    #[serde(default)]
    pub security: SmtpSecurity,
    /// The user name to authenticate with; no authentication without one.
    #[serde(default)]
    pub username: Option<String>,
    /// The password to authenticate with.
    #[serde(default)]
    pub password: Option<SmtpPassword>,
    /// A PEM file of certificate authorities to trust besides the public
    /// ones (a relay with a private CA). Only for `tls` and `starttls`.
    #[serde(default)]
    pub ca_certificate: Option<PathBuf>,
    /// Seconds to wait for the server before an attempt fails (default 30).
    #[serde(default = "defaults::smtp_timeout_secs")]
    pub timeout_secs: u64,
    /// Connections kept open to the server (default 4).
    #[serde(default = "defaults::smtp_pool_size")]
    pub pool_size: u32,
}

impl SmtpConfig {
    /// The port in force: the configured one, or the usual one for the
    /// security mode.
    pub fn effective_port(&self) -> u16 {
        self.port.unwrap_or(match self.security {
            SmtpSecurity::Tls => 465,
            SmtpSecurity::Starttls => 587,
            SmtpSecurity::Plain => 25,
        })
    }
}

/// How an SMTP connection is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SmtpSecurity {
    /// TLS from the first byte ("SMTPS", usually port 465).
    Tls,
    /// A plain connection upgraded with STARTTLS, which is required
    /// (usually port 587).
    #[default]
    Starttls,
    /// No encryption at all: only for a relay on the same host or a test
    /// server.
    Plain,
}

/// How the outbox worker paces itself.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorkerConfig {
    /// Emails claimed at a time (default 20).
    #[serde(default = "defaults::batch_size")]
    pub batch_size: u32,
    /// Milliseconds to wait when nothing is due (default 2,000).
    #[serde(default = "defaults::poll_interval_ms")]
    pub poll_interval_ms: u64,
    /// Seconds a claim lasts; a worker that dies leaves its emails to others
    /// after this (default 60, so a host that never comes back holds its
    /// emails for at most a minute), and to itself at once when it restarts
    /// with the same `worker_id`. A batch starts no send later than
    /// `send_timeout_secs` before its lease ends; the emails it had no time
    /// for are released, due again at once.
    #[serde(default = "defaults::lease_secs")]
    pub lease_secs: u64,
    /// Seconds one send may take as a whole — connecting, the SMTP
    /// conversation, the message — before it counts as a failed attempt
    /// (default 30, below `lease_secs`). A mail server that accepts the
    /// connection and then stalls holds up one send for this long, never
    /// the worker.
    #[serde(default = "defaults::send_timeout_secs")]
    pub send_timeout_secs: u64,
    /// Sends in flight at once (default 4).
    #[serde(default = "defaults::concurrency")]
    pub concurrency: u32,
    /// Seconds the sends in flight may go on once the worker is asked to
    /// stop (default 5). A send still running then is abandoned and its
    /// email released, due again at once for the next process: a stalled
    /// mail server never holds up shutdown for the whole send timeout.
    #[serde(default = "defaults::stop_grace_secs")]
    pub stop_grace_secs: u64,
    /// This worker's identity, the same across restarts of one server
    /// process and different for each process that runs at the same time
    /// (default: the host's name). A worker that starts takes back the
    /// claims its identity held when its process died.
    #[serde(default)]
    pub worker_id: Option<String>,
    /// Attempts before an email is given up (default 8).
    #[serde(default = "defaults::max_attempts")]
    pub max_attempts: u32,
    /// Seconds before the first retry; each retry doubles it (default 30).
    #[serde(default = "defaults::backoff_base_secs")]
    pub backoff_base_secs: u64,
    /// The longest wait between attempts, in seconds (default 3,600).
    #[serde(default = "defaults::backoff_max_secs")]
    pub backoff_max_secs: u64,
    /// Random spread of each wait, in percent either way (default 20), so
    /// that emails failed together are not all retried together.
    #[serde(default = "defaults::jitter_percent")]
    pub jitter_percent: u8,
}

impl Default for WorkerConfig {
    fn default() -> Self {
        Self {
            batch_size: defaults::batch_size(),
            poll_interval_ms: defaults::poll_interval_ms(),
            lease_secs: defaults::lease_secs(),
            send_timeout_secs: defaults::send_timeout_secs(),
            concurrency: defaults::concurrency(),
            stop_grace_secs: defaults::stop_grace_secs(),
            worker_id: None,
            max_attempts: defaults::max_attempts(),
            backoff_base_secs: defaults::backoff_base_secs(),
            backoff_max_secs: defaults::backoff_max_secs(),
            jitter_percent: defaults::jitter_percent(),
        }
    }
}

impl WorkerConfig {
    /// Checks the values make sense together.
    ///
    /// # Errors
    /// [`ConfigError::Worker`] naming the first bad value.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let bad = |what: &str| Err(ConfigError::Worker(what.to_owned()));
        if self.batch_size == 0 {
            return bad("batch_size must be at least 1");
        }
        if self.max_attempts == 0 {
            return bad("max_attempts must be at least 1");
        }
        if self.lease_secs == 0 {
            return bad("lease_secs must be at least 1");
        }
        if self.send_timeout_secs == 0 || self.send_timeout_secs >= self.lease_secs {
            return bad("send_timeout_secs must be at least 1 and below lease_secs");
        }
        if self.concurrency == 0 {
            return bad("concurrency must be at least 1");
        }
        if let Some(id) = &self.worker_id
            && let Err(reason) = identity_domain::WorkerId::parse(id)
        {
            return bad(&format!("worker_id: {reason}"));
        }
        if self.backoff_base_secs == 0 || self.backoff_base_secs > self.backoff_max_secs {
            return bad("backoff_base_secs must be at least 1 and at most backoff_max_secs");
        }
        if self.jitter_percent > 100 {
            return bad("jitter_percent must be at most 100");
        }
        if self.stop_grace_secs > 3_600 {
            return bad("stop_grace_secs must be at most 3600");
        }
        if Duration::try_seconds(i64::try_from(self.backoff_max_secs).unwrap_or(i64::MAX)).is_none()
            || Duration::try_seconds(i64::try_from(self.lease_secs).unwrap_or(i64::MAX)).is_none()
        {
            return bad("durations are too large");
        }
        Ok(())
    }
}

mod defaults {
    pub(super) const fn smtp_timeout_secs() -> u64 {
        30
    }
    pub(super) const fn smtp_pool_size() -> u32 {
        4
    }
    pub(super) const fn batch_size() -> u32 {
        20
    }
    pub(super) const fn poll_interval_ms() -> u64 {
        2_000
    }
    pub(super) const fn lease_secs() -> u64 {
        60
    }
    pub(super) const fn send_timeout_secs() -> u64 {
        30
    }
    pub(super) const fn concurrency() -> u32 {
        4
    }
    pub(super) const fn stop_grace_secs() -> u64 {
        5
    }
    pub(super) const fn max_attempts() -> u32 {
        8
    }
    pub(super) const fn backoff_base_secs() -> u64 {
        30
    }
    pub(super) const fn backoff_max_secs() -> u64 {
        3_600
    }
    pub(super) const fn jitter_percent() -> u8 {
        20
    }
}

/// A configuration value that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// The SMTP settings are unusable (an empty host, a password without a
    /// user name, a host TLS cannot check).
    #[error("SMTP configuration: {0}")]
    Smtp(String),
    /// The worker settings are unusable.
    #[error("mail worker configuration: {0}")]
    Worker(String),
}

/// The `From` address, parsed on load.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub struct SenderAddress(Address);

impl SenderAddress {
    /// Parses an address such as `no-reply@maple.example`.
    ///
    /// # Errors
    /// The parser's reason when it is not a plain email address.
    pub fn parse(input: &str) -> Result<Self, String> {
        input.trim().parse::<Address>().map(Self).map_err(|e| format!("not a valid sender address: {e}"))
    }

    /// The address.
    pub fn address(&self) -> &Address {
        &self.0
    }
}

impl TryFrom<String> for SenderAddress {
    type Error = String;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl fmt::Debug for SenderAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SenderAddress({})", self.0)
    }
}

/// The SMTP password: never shown by `Debug`. Loads from a string or, when
/// a configuration loader turned an all-digit value into a number, from
/// that number (leading zeros are lost by then: quote such a password).
#[derive(Clone)]
pub struct SmtpPassword(SecretString);

impl SmtpPassword {
    /// Wraps a password.
    pub fn new(password: &str) -> Self {
        Self(SecretString::from(password.to_owned()))
    }

    /// The password, to hand to the SMTP client.
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }
}

impl fmt::Debug for SmtpPassword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SmtpPassword(<redacted>)")
    }
}

impl<'de> Deserialize<'de> for SmtpPassword {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct PasswordVisitor;
        impl Visitor<'_> for PasswordVisitor {
            type Value = SmtpPassword;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a password")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(SmtpPassword::new(v))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                Ok(SmtpPassword::new(&v.to_string()))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                Ok(SmtpPassword::new(&v.to_string()))
            }
        }
        d.deserialize_any(PasswordVisitor)
    }
}
