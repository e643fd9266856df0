//! The server's configuration: a TOML file (default `identity.toml`, read
//! if present) overridden by `IDENTITY_`-prefixed environment variables
//! (`__` separates levels: `IDENTITY_MAIL__TRANSPORT__HOST`). Everything
//! has a default, so a fresh clone starts with no configuration at all.

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use identity_mail::MailConfig;
use serde::Deserialize;
use std::net::{IpAddr, SocketAddr};
use std::path::Path;

/// Everything `serve` needs.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// Where to listen (default `127.0.0.1:8080`).
    #[serde(default = "defaults::listen")]
    pub listen: SocketAddr,
    /// The address people reach the server at; links in emails and the
    /// same-site check of cookie writes use it (default
    /// `http://127.0.0.1:8080`).
    #[serde(default = "defaults::public_url")]
    pub public_url: String,
    /// The database (default `sqlite://data/identity.db`; or
    /// `postgres://user@host/db`).
    #[serde(default = "defaults::database_url")]
    pub database_url: String,
    /// The same database as its owner, for migrations (`serve` on start,
    /// `migrate`, `db grant`), so that `database_url` can name a role that
    /// owns nothing; unset, migrations run through `database_url`.
    #[serde(default)]
    pub database_owner_url: Option<String>,
    /// Mail delivery; by default `.eml` files in `data/mail-outbox`.
    pub mail: MailConfig,
    /// The key sealing links and one-time passwords waiting in the outbox:
    /// 32 bytes in base64 (`openssl rand -base64 32`). Without it, the key
    /// is read from `outbox_key_file`, made there at first start.
    #[serde(default)]
    pub outbox_key: Option<identity_store::OutboxKey>,
    /// The outbox key's file (default: beside the SQLite file, e.g.
    /// `data/outbox.key`; `data/outbox.key` for PostgreSQL).
    #[serde(default)]
    pub outbox_key_file: Option<std::path::PathBuf>,
    /// The practice made on first start, when the database has none.
    #[serde(default)]
    pub first_practice: FirstPractice,
    /// Limits.
    #[serde(default)]
    pub security: Security,
}

/// The practice and Super Admin created on first start.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FirstPractice {
    /// Its slug (default `practice`).
    pub slug: String,
    /// Its name.
    pub name: String,
    /// The first Super Admin's email.
    pub admin_email: String,
    /// Their name.
    pub admin_name: String,
    /// Their language.
    pub language: String,
    /// Their time zone.
    pub time_zone: String,
}

impl Default for FirstPractice {
    fn default() -> Self {
        Self {
            slug: "practice".into(),
            name: "My practice".into(),
            admin_email: "admin@practice.example".into(),
            admin_name: "Practice Administrator".into(),
            language: "en".into(),
            time_zone: "UTC".into(),
        }
    }
}

/// Limits and hardening.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Security {
    /// Password hashing threads (default: the number of cores).
    pub hash_workers: Option<usize>,
    /// Sign-ins that may wait for a hashing thread before 503 (default 16).
    pub hash_queue: usize,
    /// Anonymous password requests per client address per minute (default 30).
    pub anonymous_per_minute: u32,
    /// Reverse proxies whose `X-Forwarded-For` is believed.
    pub trusted_proxies: Vec<IpAddr>,
    /// Largest request body in bytes (default 65,536).
    pub body_limit: usize,
}

impl Default for Security {
    fn default() -> Self {
        Self {
            hash_workers: None,
            hash_queue: 16,
            anonymous_per_minute: 30,
            trusted_proxies: Vec::new(),
            body_limit: 64 * 1024,
        }
    }
}

mod defaults {
    use std::net::SocketAddr;

    pub fn listen() -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], 8080))
    }

    pub fn public_url() -> String {
        "http://127.0.0.1:8080".into()
    }

    pub fn database_url() -> String {
        "sqlite://data/identity.db".into()
    }
}

/// Reads the configuration.
///
/// # Errors
/// A readable message naming the setting at fault.
pub fn load(file: &Path) -> Result<Settings, String> {
    // IDENTITY_LOG_FORMAT is read by the logger, IDENTITY_TEST_* by tests.
    let env = Env::prefixed("IDENTITY_").ignore(&["LOG_FORMAT", "TEST_POSTGRES_URL"]).split("__");
    let given = Figment::new().merge(Toml::file(file)).merge(env);
    let public_url: String = given.extract_inner("public_url").unwrap_or_else(|_| defaults::public_url());
    // Mail links point at the public URL unless told otherwise.
    Figment::new()
        .merge(Serialized::default("mail.public_base_url", &public_url))
        .merge(Serialized::default("mail.from_address", "no-reply@practice-identity.invalid"))
        .merge(Serialized::default(
            "mail.transport",
            serde_json::json!({ "kind": "file", "folder": "data/mail-outbox" }),
        ))
        .merge(given)
        .extract()
        .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fresh_clone_needs_no_configuration() {
        let settings = load(Path::new("no-such-file.toml")).unwrap();
        assert_eq!(settings.listen.to_string(), "127.0.0.1:8080");
        assert_eq!(settings.database_url, "sqlite://data/identity.db");
        assert_eq!(settings.database_owner_url, None, "migrations run through database_url");
        assert_eq!(settings.mail.public_base_url.as_str(), "http://127.0.0.1:8080");
    }

    #[test]
    fn a_file_sets_values_and_unknown_keys_are_refused() {
        let dir = std::env::temp_dir().join(format!("identity-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("identity.toml");
        std::fs::write(&file, "listen = \"0.0.0.0:9000\"\npublic_url = \"https://id.example.org\"\n")
            .unwrap();
        let settings = load(&file).unwrap();
        assert_eq!(settings.listen.port(), 9000);
        assert_eq!(settings.mail.public_base_url.as_str(), "https://id.example.org");
        std::fs::write(&file, "lisen = \"0.0.0.0:9000\"\n").unwrap();
        assert!(load(&file).unwrap_err().contains("lisen"));
        std::fs::remove_dir_all(dir).unwrap();
    }
}
