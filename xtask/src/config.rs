//! The server's configuration: a TOML file (default `identity.toml`, read
//! if present) overridden by `IDENTITY_`-prefixed environment variables
//! (`__` separates levels: `IDENTITY_MAIL__TRANSPORT__HOST`). Everything
//! has a default, so a fresh clone starts with no configuration at all, and
//! every table may be given in part: what is left out keeps its default.
//!
//! [`effective`] prints the settings in force (`xtask config check`), with
//! every secret masked.

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use identity_domain::{Config, SessionPolicy};
use identity_mail::{MailConfig, PublicBaseUrl, TransportConfig};
use identity_store::StoreOptions;
use serde::Deserialize;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::Path;
use std::time::Duration;

/// Everything `serve` needs.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// Where to listen (default `127.0.0.1:8080`).
    #[serde(default = "defaults::listen")]
    pub listen: SocketAddr,
    /// The address people reach the server at; links in emails and the
    /// same-site check of cookie writes use it. Unset, it is the address
    /// the server actually listens on (see [`Settings::public_url`]).
    #[serde(default)]
    pub public_url: Option<String>,
    /// The database (default `sqlite://data/identity.db`; or
    /// `postgres://user@host/db`).
    #[serde(default = "defaults::database_url")]
    pub database_url: String,
    /// The same database as its owner, for migrations (`serve` on start,
    /// `migrate`, `db grant`), so that `database_url` can name a role that
    /// owns nothing; unset, migrations run through `database_url`.
    #[serde(default)]
    pub database_owner_url: Option<String>,
    /// Connection pool and database time limits.
    #[serde(default)]
    pub database: DatabaseSettings,
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
    /// Session lifetimes.
    #[serde(default)]
    pub sessions: Sessions,
    /// Link and one-time password lifetimes.
    #[serde(default)]
    pub links: Links,
    /// HTTP time limits.
    #[serde(default)]
    pub http: Http,
    /// The forgot-password queue.
    #[serde(default)]
    pub forgot_password: ForgotPasswordSettings,
    /// Whether `mail.public_base_url` was given (otherwise it follows the
    /// public URL).
    #[serde(skip)]
    mail_base_url_given: bool,
}

/// The practice and Super Admin created on first start; each field has
/// its default.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FirstPractice {
    /// Its slug (default `practice`).
    pub slug: String,
    /// Its name (default `My practice`).
    pub name: String,
    /// The first Super Admin's email (default `admin@practice.example`).
    pub admin_email: String,
    /// Their name (default `Practice Administrator`).
    pub admin_name: String,
    /// Their language (default `en`).
    pub language: String,
    /// Their time zone, and the practice's (default `UTC`).
    pub time_zone: String,
    /// Whether Super Admin and Administrator require a second factor of
    /// their holders (default `true`: the first Super Admin adds one at
    /// their first sign-in, after choosing their password).
    pub second_factor_for_admins: bool,
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
            second_factor_for_admins: true,
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

/// How long sessions last.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Sessions {
    /// A session unused this long ends (default 30).
    pub idle_minutes: u32,
    /// A session ends this long after sign-in, used or not (default 12).
    pub absolute_hours: u32,
}

impl Default for Sessions {
    fn default() -> Self {
        Self { idle_minutes: 30, absolute_hours: 12 }
    }
}

/// How long emailed links and one-time passwords work.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Links {
    /// An invitation link (default 7 days).
    pub invitation_days: u32,
    /// A recovery link (default 60 minutes).
    pub recovery_minutes: u32,
    /// An unused one-time password (default 24 hours).
    pub one_time_password_hours: u32,
}

impl Default for Links {
    fn default() -> Self {
        Self { invitation_days: 7, recovery_minutes: 60, one_time_password_hours: 24 }
    }
}

/// The queue "forgot password" requests wait in, answered before their
/// work: when it is full, a request is answered the same and dropped.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ForgotPasswordSettings {
    /// Requests that may wait (default 256).
    pub queue: usize,
    /// Tasks working the queue (default 2).
    pub workers: usize,
}

impl Default for ForgotPasswordSettings {
    fn default() -> Self {
        Self { queue: 256, workers: 2 }
    }
}

/// The database connections' time limits.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DatabaseSettings {
    /// Longest wait for a pooled connection before a request answers 503
    /// (default 3).
    pub acquire_timeout_secs: u64,
    /// PostgreSQL: longest statement (default 10).
    pub statement_timeout_secs: u64,
    /// PostgreSQL: longest wait for a lock, the writers' lock included
    /// (default 5).
    pub lock_timeout_secs: u64,
    /// PostgreSQL: a connection idle inside a transaction this long is
    /// ended by the server (default 30).
    pub idle_in_transaction_timeout_secs: u64,
    /// SQLite: longest wait for the write lock (default 5).
    pub busy_timeout_secs: u64,
    /// SQLite: the most pages (4 KiB each) the file may hold; a write
    /// beyond answers 503 as on a full disk (default: no cap).
    pub sqlite_max_pages: Option<u32>,
}

impl Default for DatabaseSettings {
    fn default() -> Self {
        Self {
            acquire_timeout_secs: 3,
            statement_timeout_secs: 10,
            lock_timeout_secs: 5,
            idle_in_transaction_timeout_secs: 30,
            busy_timeout_secs: 5,
            sqlite_max_pages: None,
        }
    }
}

/// The HTTP server's time limits.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Http {
    /// A request not answered within this is answered 503 (default 30).
    pub request_timeout_secs: u64,
    /// A client must send a request's headers within this, or its
    /// connection is closed (default 10).
    pub header_read_timeout_secs: u64,
    /// After SIGTERM, requests in flight get this long; then the remaining
    /// connections are closed and the process exits (default 30).
    pub shutdown_grace_secs: u64,
}

impl Default for Http {
    fn default() -> Self {
        Self { request_timeout_secs: 30, header_read_timeout_secs: 10, shutdown_grace_secs: 30 }
    }
}

mod defaults {
    use std::net::SocketAddr;

    pub fn listen() -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], 8080))
    }

    pub fn database_url() -> String {
        "sqlite://data/identity.db".into()
    }
}

impl Settings {
    /// The public URL in force: the configured one, or the address the
    /// server listens on (a wildcard address read as loopback).
    pub fn public_url(&self) -> String {
        match &self.public_url {
            Some(url) => url.trim_end_matches('/').to_owned(),
            None => url_of(self.listen),
        }
    }

    /// Records the address actually bound (`listen` may ask for port 0):
    /// an unset public URL, and mail links that follow it, now point there.
    ///
    /// # Errors
    /// When the derived URL is not a usable base URL (it always is).
    pub fn listening_on(&mut self, bound: SocketAddr) -> Result<(), String> {
        self.listen = bound;
        if !self.mail_base_url_given {
            self.mail.public_base_url =
                PublicBaseUrl::parse(&self.public_url()).map_err(|e| format!("public_url: {e}"))?;
        }
        Ok(())
    }

    /// The domain's configuration: lifetimes from `sessions` and `links`.
    ///
    /// # Errors
    /// A zero lifetime, or an idle lifetime longer than the absolute one.
    pub fn domain_config(&self) -> Result<Config, String> {
        let minutes = |n: u32| chrono::Duration::minutes(i64::from(n));
        let hours = |n: u32| chrono::Duration::hours(i64::from(n));
        let positive = |value: u32, key: &str| {
            if value == 0 { Err(format!("{key} must be at least 1")) } else { Ok(()) }
        };
        positive(self.sessions.idle_minutes, "sessions.idle_minutes")?;
        positive(self.sessions.absolute_hours, "sessions.absolute_hours")?;
        positive(self.links.invitation_days, "links.invitation_days")?;
        positive(self.links.recovery_minutes, "links.recovery_minutes")?;
        positive(self.links.one_time_password_hours, "links.one_time_password_hours")?;
        let sessions = SessionPolicy {
            idle: minutes(self.sessions.idle_minutes),
            absolute: hours(self.sessions.absolute_hours),
        };
        if sessions.idle > sessions.absolute {
            return Err("sessions.idle_minutes must not be longer than sessions.absolute_hours".into());
        }
        Ok(Config {
            sessions,
            invitation_ttl: chrono::Duration::days(i64::from(self.links.invitation_days)),
            recovery_ttl: minutes(self.links.recovery_minutes),
            one_time_password_ttl: hours(self.links.one_time_password_hours),
            ..Config::default()
        })
    }

    /// The store's connection options.
    ///
    /// # Errors
    /// A zero time limit.
    pub fn store_options(&self) -> Result<StoreOptions, String> {
        let d = &self.database;
        let secs = |value: u64, key: &str| {
            if value == 0 {
                Err(format!("database.{key} must be at least 1"))
            } else {
                Ok(Duration::from_secs(value))
            }
        };
        Ok(StoreOptions {
            acquire_timeout: secs(d.acquire_timeout_secs, "acquire_timeout_secs")?,
            statement_timeout: secs(d.statement_timeout_secs, "statement_timeout_secs")?,
            lock_timeout: secs(d.lock_timeout_secs, "lock_timeout_secs")?,
            idle_in_transaction_timeout: secs(
                d.idle_in_transaction_timeout_secs,
                "idle_in_transaction_timeout_secs",
            )?,
            busy_timeout: secs(d.busy_timeout_secs, "busy_timeout_secs")?,
            sqlite_max_pages: d.sqlite_max_pages,
        })
    }
}

/// `http://` and `address`, a wildcard address read as loopback.
fn url_of(address: SocketAddr) -> String {
    let ip = match address.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
        ip => ip,
    };
    format!("http://{}", SocketAddr::new(ip, address.port()))
}

/// Reads the configuration: `file` if it exists, then `IDENTITY_*`
/// variables.
///
/// # Errors
/// A readable message naming the setting at fault.
pub fn load(file: &Path) -> Result<Settings, String> {
    // IDENTITY_LOG_FORMAT is read by the logger, IDENTITY_TEST_* by tests.
    let env =
        Env::prefixed("IDENTITY_").ignore(&["LOG_FORMAT", "TEST_POSTGRES_URL", "TEST_SKIP_LOG"]).split("__");
    let given = Figment::new().merge(Toml::file(file)).merge(env);
    let listen: SocketAddr = given.extract_inner("listen").unwrap_or_else(|_| defaults::listen());
    let public_url: String = given
        .extract_inner::<String>("public_url")
        .map(|url| url.trim_end_matches('/').to_owned())
        .unwrap_or_else(|_| url_of(listen));
    let mail_base_url_given = given.find_value("mail.public_base_url").is_ok();
    // Defaults for what is not given. The mail transport is a whole: its
    // default (a folder of .eml files) applies only when none is given, so
    // that an SMTP table is never merged with the file transport's keys.
    let mut defaults = Figment::new()
        .merge(Serialized::default("mail.public_base_url", &public_url))
        .merge(Serialized::default("mail.from_address", "no-reply@practice-identity.invalid"));
    if given.find_value("mail.transport").is_err() {
        defaults = defaults.merge(Serialized::default(
            "mail.transport",
            serde_json::json!({ "kind": "file", "folder": "data/mail-outbox" }),
        ));
    }
    let mut settings: Settings = defaults.merge(given).extract().map_err(|e| e.to_string())?;
    settings.mail_base_url_given = mail_base_url_given;
    // Checked now, so that a bad value stops `config check` and start-up
    // alike, naming its key.
    if let Some(url) = &settings.public_url {
        PublicBaseUrl::parse(url).map_err(|e| format!("public_url: {e}"))?;
    }
    settings.domain_config()?;
    settings.store_options()?;
    settings.mail.worker.validate().map_err(|e| format!("mail.worker: {e}"))?;
    for (value, key) in [
        (settings.http.request_timeout_secs, "http.request_timeout_secs"),
        (settings.http.header_read_timeout_secs, "http.header_read_timeout_secs"),
        (settings.forgot_password.queue as u64, "forgot_password.queue"),
        (settings.forgot_password.workers as u64, "forgot_password.workers"),
        (u64::from(settings.security.anonymous_per_minute), "security.anonymous_per_minute"),
    ] {
        if value == 0 {
            return Err(format!("{key} must be at least 1"));
        }
    }
    Ok(settings)
}

/// The settings in force, one `key = value` line each in TOML form, with
/// the database password and the SMTP password masked.
pub fn effective(settings: &Settings) -> String {
    let mut out = Vec::new();
    let mut line = |key: &str, value: String| out.push(format!("{key} = {value}"));
    let text = |value: &str| format!("{value:?}");
    let opt = |value: Option<String>| value.unwrap_or_else(|| "(unset)".to_owned());
    line("listen", text(&settings.listen.to_string()));
    line("public_url", text(&settings.public_url()));
    line("database_url", text(&crate::serve::redact(&settings.database_url)));
    line(
        "database_owner_url",
        opt(settings.database_owner_url.as_deref().map(|u| text(&crate::serve::redact(u)))),
    );
    let d = &settings.database;
    line("database.acquire_timeout_secs", d.acquire_timeout_secs.to_string());
    line("database.statement_timeout_secs", d.statement_timeout_secs.to_string());
    line("database.lock_timeout_secs", d.lock_timeout_secs.to_string());
    line("database.idle_in_transaction_timeout_secs", d.idle_in_transaction_timeout_secs.to_string());
    line("database.busy_timeout_secs", d.busy_timeout_secs.to_string());
    line("database.sqlite_max_pages", opt(d.sqlite_max_pages.map(|n| n.to_string())));
    line("outbox_key", opt(settings.outbox_key.as_ref().map(|_| text("***"))));
    line("outbox_key_file", opt(settings.outbox_key_file.as_ref().map(|p| text(&p.display().to_string()))));
    let f = &settings.first_practice;
    line("first_practice.slug", text(&f.slug));
    line("first_practice.name", text(&f.name));
    line("first_practice.admin_email", text(&f.admin_email));
    line("first_practice.admin_name", text(&f.admin_name));
    line("first_practice.language", text(&f.language));
    line("first_practice.time_zone", text(&f.time_zone));
    line("first_practice.second_factor_for_admins", f.second_factor_for_admins.to_string());
    let s = &settings.security;
    line("security.hash_workers", opt(s.hash_workers.map(|n| n.to_string())));
    line("security.hash_queue", s.hash_queue.to_string());
    line("security.anonymous_per_minute", s.anonymous_per_minute.to_string());
    let proxies: Vec<String> = s.trusted_proxies.iter().map(|ip| text(&ip.to_string())).collect();
    line("security.trusted_proxies", format!("[{}]", proxies.join(", ")));
    line("security.body_limit", s.body_limit.to_string());
    line("sessions.idle_minutes", settings.sessions.idle_minutes.to_string());
    line("sessions.absolute_hours", settings.sessions.absolute_hours.to_string());
    let l = &settings.links;
    line("links.invitation_days", l.invitation_days.to_string());
    line("links.recovery_minutes", l.recovery_minutes.to_string());
    line("links.one_time_password_hours", l.one_time_password_hours.to_string());
    let h = &settings.http;
    line("http.request_timeout_secs", h.request_timeout_secs.to_string());
    line("http.header_read_timeout_secs", h.header_read_timeout_secs.to_string());
    line("http.shutdown_grace_secs", h.shutdown_grace_secs.to_string());
    line("forgot_password.queue", settings.forgot_password.queue.to_string());
    line("forgot_password.workers", settings.forgot_password.workers.to_string());
    let m = &settings.mail;
    line("mail.from_address", text(m.from_address.address().as_ref()));
    line("mail.from_name", opt(m.from_name.as_deref().map(text)));
    line("mail.public_base_url", text(m.public_base_url.as_str()));
    match &m.transport {
        TransportConfig::File { folder } => {
            line("mail.transport.kind", text("file"));
            line("mail.transport.folder", text(&folder.display().to_string()));
        }
        TransportConfig::Smtp(smtp) => {
            line("mail.transport.kind", text("smtp"));
            line("mail.transport.host", text(&smtp.host));
            line("mail.transport.port", smtp.effective_port().to_string());
            let security = match smtp.security {
                identity_mail::SmtpSecurity::Tls => "tls",
                identity_mail::SmtpSecurity::Starttls => "starttls",
                identity_mail::SmtpSecurity::Plain => "plain",
            };
            line("mail.transport.security", text(security));
            line("mail.transport.username", opt(smtp.username.as_deref().map(text)));
            line("mail.transport.password", opt(smtp.password.as_ref().map(|_| text("***"))));
            line(
                "mail.transport.ca_certificate",
                opt(smtp.ca_certificate.as_ref().map(|p| text(&p.display().to_string()))),
            );
            line("mail.transport.timeout_secs", smtp.timeout_secs.to_string());
            line("mail.transport.pool_size", smtp.pool_size.to_string());
        }
    }
    let w = &m.worker;
    line("mail.worker.batch_size", w.batch_size.to_string());
    line("mail.worker.poll_interval_ms", w.poll_interval_ms.to_string());
    line("mail.worker.lease_secs", w.lease_secs.to_string());
    line("mail.worker.max_attempts", w.max_attempts.to_string());
    line("mail.worker.backoff_base_secs", w.backoff_base_secs.to_string());
    line("mail.worker.backoff_max_secs", w.backoff_max_secs.to_string());
    line("mail.worker.jitter_percent", w.jitter_percent.to_string());
    line("mail.worker.send_timeout_secs", w.send_timeout_secs.to_string());
    line("mail.worker.stop_grace_secs", w.stop_grace_secs.to_string());
    line("mail.worker.concurrency", w.concurrency.to_string());
    line("mail.worker.worker_id", opt(w.worker_id.as_deref().map(text)));
    out.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_file(name: &str, toml: &str, check: impl FnOnce(Result<Settings, String>)) {
        let dir = std::env::temp_dir().join(format!("identity-config-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("identity.toml");
        std::fs::write(&file, toml).unwrap();
        check(load(&file));
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_fresh_clone_needs_no_configuration() {
        let settings = load(Path::new("no-such-file.toml")).unwrap();
        assert_eq!(settings.listen.to_string(), "127.0.0.1:8080");
        assert_eq!(settings.database_url, "sqlite://data/identity.db");
        assert_eq!(settings.database_owner_url, None, "migrations run through database_url");
        assert_eq!(settings.mail.public_base_url.as_str(), "http://127.0.0.1:8080");
        assert!(matches!(settings.mail.transport, TransportConfig::File { .. }));
    }

    #[test]
    fn a_file_sets_values_and_unknown_keys_are_refused() {
        with_file("values", "listen = \"0.0.0.0:9000\"\npublic_url = \"https://id.example.org\"\n", |s| {
            let settings = s.unwrap();
            assert_eq!(settings.listen.port(), 9000);
            assert_eq!(settings.mail.public_base_url.as_str(), "https://id.example.org");
        });
        with_file("unknown", "lisen = \"0.0.0.0:9000\"\n", |s| assert!(s.unwrap_err().contains("lisen")));
    }

    #[test]
    fn an_smtp_transport_is_taken_whole_not_merged_with_the_file_default() {
        let toml = "[mail.transport]\nkind = \"smtp\"\nhost = \"smtp.maple.example\"\n";
        with_file("smtp", toml, |s| {
            let settings = s.unwrap();
            let TransportConfig::Smtp(smtp) = settings.mail.transport else { panic!("not smtp") };
            assert_eq!(smtp.host, "smtp.maple.example");
            assert_eq!(smtp.effective_port(), 587);
        });
    }

    #[test]
    fn a_table_given_in_part_keeps_the_defaults_of_the_rest() {
        let toml = "[first_practice]\nslug = \"maple\"\n[sessions]\nidle_minutes = 10\n[links]\none_time_password_hours = 5\n";
        with_file("part", toml, |s| {
            let settings = s.unwrap();
            assert_eq!(settings.first_practice.slug, "maple");
            assert_eq!(settings.first_practice.name, "My practice");
            let config = settings.domain_config().unwrap();
            assert_eq!(config.sessions.idle, chrono::Duration::minutes(10));
            assert_eq!(config.sessions.absolute, chrono::Duration::hours(12));
            assert_eq!(config.one_time_password_ttl, chrono::Duration::hours(5));
            assert_eq!(config.invitation_ttl, chrono::Duration::days(7));
            assert_eq!(config.recovery_ttl, chrono::Duration::minutes(60));
        });
    }

    #[test]
    fn without_a_public_url_links_point_where_the_server_listens() {
        with_file("listen", "listen = \"0.0.0.0:9400\"\n", |s| {
            let mut settings = s.unwrap();
            assert_eq!(settings.public_url(), "http://127.0.0.1:9400");
            assert_eq!(settings.mail.public_base_url.as_str(), "http://127.0.0.1:9400");
            settings.listening_on("0.0.0.0:41234".parse().unwrap()).unwrap();
            assert_eq!(settings.public_url(), "http://127.0.0.1:41234");
            assert_eq!(settings.mail.public_base_url.as_str(), "http://127.0.0.1:41234");
        });
        let toml = "listen = \"127.0.0.1:0\"\n[mail]\npublic_base_url = \"https://links.example\"\n";
        with_file("links", toml, |s| {
            let mut settings = s.unwrap();
            settings.listening_on("127.0.0.1:41235".parse().unwrap()).unwrap();
            assert_eq!(settings.public_url(), "http://127.0.0.1:41235");
            assert_eq!(settings.mail.public_base_url.as_str(), "https://links.example");
        });
    }

    #[test]
    fn bad_lifetimes_and_time_limits_are_refused_by_name() {
        with_file("zero", "[links]\nrecovery_minutes = 0\n", |s| {
            assert!(s.unwrap_err().contains("links.recovery_minutes"));
        });
        with_file("idle", "[sessions]\nidle_minutes = 800\nabsolute_hours = 12\n", |s| {
            assert!(s.unwrap_err().contains("sessions.idle_minutes"));
        });
        with_file("acquire", "[database]\nacquire_timeout_secs = 0\n", |s| {
            assert!(s.unwrap_err().contains("database.acquire_timeout_secs"));
        });
    }

    #[test]
    fn the_effective_settings_mask_every_password() {
        let toml = "database_url = \"postgres://app:s3cret@db/identity\"\n[mail.transport]\nkind = \"smtp\"\n\
                    host = \"smtp.example\"\nusername = \"u\"\npassword = \"hunter22\"\n";
        with_file("mask", toml, |s| {
            let printed = effective(&s.unwrap());
            assert!(!printed.contains("s3cret") && !printed.contains("hunter22"), "{printed}");
            assert!(printed.contains("mail.transport.password = \"***\""), "{printed}");
        });
    }
}
