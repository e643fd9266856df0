//! Fixtures: a real SMTP server on a random loopback port, a practice on
//! one of the stores (the in-memory adapters, a SQLite file, a PostgreSQL
//! database), a mail configuration pointing at the server, and a running
//! worker that can be stopped.

#![allow(dead_code)]

use identity_domain::*;
use identity_mail::{
    MailConfig, Mailer, OutboxWorker, PassReport, ShutdownTrigger, WorkerConfig, shutdown_channel,
};
use identity_memory::{ManualClock, MemoryAdapters};
use identity_store::SeaStore;
use mailin_embedded::{AuthMechanism, Handler, Response, Server, SslConfig, response};
use secrecy::SecretString;
use std::collections::BTreeSet;
use std::io::Write;
use std::net::TcpListener;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::{Duration, Instant};
use tokio::task::JoinHandle;

pub const BASE_URL: &str = "https://id.maple.example";
pub const PASSWORD: &str = "a long and private passphrase";

pub fn secret(s: &str) -> SecretString {
    SecretString::from(s.to_owned())
}

// ---------------------------------------------------------------- SMTP ----

/// One message as the SMTP server received it.
#[derive(Debug, Clone)]
pub struct Received {
    pub from: String,
    pub to: Vec<String>,
    pub data: Vec<u8>,
}

impl Received {
    pub fn parsed(&self) -> mail_parser::Message<'_> {
        mail_parser::MessageParser::default().parse(&self.data).expect("a parsable message")
    }
}

type Hook = Box<dyn FnMut(usize) + Send>;

#[derive(Clone)]
struct Sink {
    received: Arc<Mutex<Vec<Received>>>,
    hook: Arc<Mutex<Option<Hook>>>,
    rejected: Arc<Mutex<Vec<String>>>,
    /// The only user name and password accepted, when AUTH is on.
    credentials: Option<(String, String)>,
    authenticated: Arc<AtomicUsize>,
    current: Option<Received>,
}

impl Handler for Sink {
    fn auth_plain(&mut self, _authorization_id: &str, user: &str, password: &str) -> Response {
        match &self.credentials {
            Some((u, p)) if u == user && p == password => {
                self.authenticated.fetch_add(1, Ordering::SeqCst);
                response::AUTH_OK
            }
            _ => response::INVALID_CREDENTIALS,
        }
    }

    fn rcpt(&mut self, to: &str) -> Response {
        let to = to.trim_matches(|c| c == '<' || c == '>');
        if self.rejected.lock().unwrap_or_else(PoisonError::into_inner).iter().any(|r| r == to) {
            response::NO_MAILBOX
        } else {
            response::OK
        }
    }

    fn data_start(&mut self, _domain: &str, from: &str, _is8bit: bool, to: &[String]) -> Response {
        self.current = Some(Received { from: from.to_owned(), to: to.to_vec(), data: Vec::new() });
        response::OK
    }

    fn data(&mut self, buf: &[u8]) -> std::io::Result<()> {
        if let Some(current) = &mut self.current {
            current.data.extend_from_slice(buf);
        }
        Ok(())
    }

    fn data_end(&mut self) -> Response {
        if let Some(message) = self.current.take() {
            let count = {
                let mut received = self.received.lock().unwrap_or_else(PoisonError::into_inner);
                received.push(message);
                received.len()
            };
            if let Some(hook) = self.hook.lock().unwrap_or_else(PoisonError::into_inner).as_mut() {
                hook(count);
            }
        }
        response::OK
    }
}

/// A real SMTP server (mailin-embedded, its own threads) on 127.0.0.1. It
/// runs until the test process ends.
pub struct SmtpServer {
    pub port: u16,
    received: Arc<Mutex<Vec<Received>>>,
    hook: Arc<Mutex<Option<Hook>>>,
    rejected: Arc<Mutex<Vec<String>>>,
    authenticated: Arc<AtomicUsize>,
}

/// STARTTLS with a certificate, and AUTH PLAIN with one user.
pub struct TlsOptions {
    pub cert: PathBuf,
    pub key: PathBuf,
    pub user: String,
    pub password: String,
}

impl SmtpServer {
    /// A server on a random free port.
    pub fn start() -> Self {
        Self::serve(TcpListener::bind("127.0.0.1:0").unwrap(), None)
    }

    /// A server offering STARTTLS and requiring AUTH PLAIN.
    pub fn start_tls(options: TlsOptions) -> Self {
        // The server's TLS library has two crypto back-ends compiled in
        // here: pick one for the process.
        let _ = rustls::crypto::ring::default_provider().install_default();
        Self::serve(TcpListener::bind("127.0.0.1:0").unwrap(), Some(options))
    }

    /// How many sessions authenticated.
    pub fn authenticated(&self) -> usize {
        self.authenticated.load(Ordering::SeqCst)
    }

    /// A free port with nothing listening on it (yet).
    pub fn reserve_port() -> u16 {
        TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
    }

    /// A server on `port` (from [`Self::reserve_port`]).
    pub fn start_on(port: u16) -> Self {
        Self::serve(TcpListener::bind(("127.0.0.1", port)).unwrap(), None)
    }

    fn serve(listener: TcpListener, tls: Option<TlsOptions>) -> Self {
        let port = listener.local_addr().unwrap().port();
        let received = Arc::new(Mutex::new(Vec::new()));
        let hook: Arc<Mutex<Option<Hook>>> = Arc::new(Mutex::new(None));
        let rejected = Arc::new(Mutex::new(Vec::new()));
        let authenticated = Arc::new(AtomicUsize::new(0));
        let sink = Sink {
            received: received.clone(),
            hook: hook.clone(),
            rejected: rejected.clone(),
            credentials: tls.as_ref().map(|t| (t.user.clone(), t.password.clone())),
            authenticated: authenticated.clone(),
            current: None,
        };
        let mut server = Server::new(sink);
        server.with_name("mail.test").with_num_threads(16).with_tcp_listener(listener);
        if let Some(tls) = tls {
            server
                .with_ssl(SslConfig::SelfSigned {
                    cert_path: tls.cert.display().to_string(),
                    key_path: tls.key.display().to_string(),
                })
                .unwrap()
                .with_auth(AuthMechanism::Plain);
        }
        std::thread::spawn(move || {
            let _ = server.serve();
        });
        Self { port, received, hook, rejected, authenticated }
    }

    /// Answers `550 Mailbox unavailable` (a permanent refusal) for `address`.
    pub fn reject(&self, address: &str) {
        self.rejected.lock().unwrap().push(address.to_owned());
    }

    /// Calls `hook` with the running count after each message is stored,
    /// before the server answers the client.
    pub fn on_message(&self, hook: impl FnMut(usize) + Send + 'static) {
        *self.hook.lock().unwrap() = Some(Box::new(hook));
    }

    pub fn messages(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }

    pub fn count(&self) -> usize {
        self.received.lock().unwrap().len()
    }

    /// Waits until at least `n` messages arrived, then returns them all.
    pub async fn wait_for(&self, n: usize, timeout: Duration) -> Vec<Received> {
        let started = Instant::now();
        while self.count() < n {
            assert!(
                started.elapsed() < timeout,
                "only {} of {n} messages arrived in {timeout:?}",
                self.count()
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        self.messages()
    }
}

/// Waits until `check` holds.
pub async fn eventually<F, Fut>(what: &str, timeout: Duration, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let started = Instant::now();
    while !check().await {
        assert!(started.elapsed() < timeout, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

// -------------------------------------------------------- configuration ----

/// A configuration sending in plain SMTP to `port` on 127.0.0.1, polling
/// fast.
pub fn smtp_config(port: u16) -> MailConfig {
    serde_json::from_value(serde_json::json!({
        "from_address": "no-reply@maple.example",
        "from_name": "Maple Identity",
        "public_base_url": BASE_URL,
        "transport": { "kind": "smtp", "host": "127.0.0.1", "port": port, "security": "plain",
                       "timeout_secs": 5 },
        "worker": { "batch_size": 10, "poll_interval_ms": 20, "lease_secs": 300, "max_attempts": 5,
                    "backoff_base_secs": 60, "backoff_max_secs": 600, "jitter_percent": 20 }
    }))
    .unwrap()
}

pub fn worker_on(
    queue: Arc<dyn OutboxQueue>,
    clock: Arc<dyn Clock>,
    config: &MailConfig,
    worker: WorkerConfig,
) -> OutboxWorker {
    let mailer = Arc::new(Mailer::from_config(config).unwrap());
    OutboxWorker::new(queue, mailer, clock, worker).unwrap()
}

/// A worker running in its own task.
pub struct Running {
    trigger: Arc<ShutdownTrigger>,
    handle: JoinHandle<PassReport>,
}

impl Running {
    pub fn spawn(worker: OutboxWorker) -> Self {
        let (trigger, signal) = shutdown_channel();
        let handle = tokio::spawn(async move { worker.run(signal).await });
        Self { trigger: Arc::new(trigger), handle }
    }

    pub fn trigger(&self) -> Arc<ShutdownTrigger> {
        self.trigger.clone()
    }

    /// Asks it to stop and waits until it has.
    pub async fn stop(self) -> PassReport {
        self.trigger.shutdown();
        self.join().await
    }

    /// Waits until it stopped by itself (its trigger fired elsewhere).
    pub async fn join(self) -> PassReport {
        tokio::time::timeout(Duration::from_secs(30), self.handle).await.expect("the worker stops").unwrap()
    }
}

// ---------------------------------------------------------------- world ----

/// The store a world is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// The in-memory adapters.
    Memory,
    /// A SQLite file of its own.
    Sqlite,
    /// A PostgreSQL database of its own on `IDENTITY_TEST_POSTGRES_URL`,
    /// connected as the least-privileged role.
    Postgres,
}

/// The role the store connects as on PostgreSQL, as the server does: no
/// superuser, owning nothing, holding only the rights `xtask db grant`
/// gives. Created when missing.
pub const APP_ROLE: &str = "identity_test_app";

/// The ports a world's service and workers use: the store (and its
/// outbox queue) and a clock the tests move. The rest (hasher, randomness,
/// ids) are the in-memory adapters' on every backend.
pub struct Adapters {
    pub store: Arc<dyn Store>,
    pub queue: Arc<dyn OutboxQueue>,
    pub clock: ManualClock,
    /// What to remove when the world ends: a folder, or a database.
    cleanup: Option<Cleanup>,
}

enum Cleanup {
    Folder(PathBuf),
    Database { server: String, name: String },
}

impl Drop for Adapters {
    fn drop(&mut self) {
        match self.cleanup.take() {
            Some(Cleanup::Folder(dir)) => {
                std::fs::remove_dir_all(dir).ok();
            }
            Some(Cleanup::Database { server, name }) => {
                // Drop runs inside the test's runtime: use a thread of its own.
                std::thread::spawn(move || {
                    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
                    runtime.block_on(async {
                        use sea_orm::ConnectionTrait;
                        let admin = SeaStore::connect(&server).await.unwrap();
                        let drop = format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
                        admin.connection().execute_unprepared(&drop).await.unwrap();
                        admin.close().await.ok();
                    });
                })
                .join()
                .ok();
            }
            None => {}
        }
    }
}

impl Adapters {
    /// The store of `backend`, migrated; `None` for PostgreSQL without
    /// `IDENTITY_TEST_POSTGRES_URL` (the skip is recorded).
    pub async fn on(backend: Backend) -> Option<Self> {
        let clock = ManualClock::default();
        match backend {
            Backend::Memory => {
                let memory = MemoryAdapters::with_fast_hasher();
                Some(Self {
                    store: Arc::new(memory.store.clone()),
                    queue: Arc::new(memory.store.clone()),
                    clock: memory.clock.clone(),
                    cleanup: None,
                })
            }
            Backend::Sqlite => {
                let dir =
                    std::env::temp_dir().join(format!("identity-mail-{}", uuid::Uuid::now_v7().simple()));
                std::fs::create_dir_all(&dir).unwrap();
                let url = format!("sqlite://{}", dir.join("identity.db").display());
                let store = SeaStore::connect(&url).await.unwrap();
                store.migrate().await.unwrap();
                Some(Self {
                    store: Arc::new(store.clone()),
                    queue: Arc::new(store),
                    clock,
                    cleanup: Some(Cleanup::Folder(dir)),
                })
            }
            Backend::Postgres => {
                let Ok(server) = std::env::var(POSTGRES_ENV) else {
                    record_skip(NO_POSTGRES);
                    return None;
                };
                let (url, name) = postgres_database(&server).await;
                let store = SeaStore::connect(&url).await.unwrap();
                Some(Self {
                    store: Arc::new(store.clone()),
                    queue: Arc::new(store),
                    clock,
                    cleanup: Some(Cleanup::Database { server, name }),
                })
            }
        }
    }
}

/// The variable naming the PostgreSQL server tests may create databases on.
pub const POSTGRES_ENV: &str = "IDENTITY_TEST_POSTGRES_URL";

/// A fresh database on `server`, created and migrated as the server's
/// administrator (the owner), with [`APP_ROLE`] granted its rights.
/// Returns the app role's URL and the database's name.
async fn postgres_database(server: &str) -> (String, String) {
    use sea_orm::ConnectionTrait;
    let name = format!("identity_mail_test_{}", uuid::Uuid::now_v7().simple());
    let admin = SeaStore::connect(server).await.unwrap();
    admin.connection().execute_unprepared(&format!("CREATE DATABASE \"{name}\"")).await.unwrap();
    let create_role = format!(
        "DO $$ BEGIN CREATE ROLE {APP_ROLE} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT NOBYPASSRLS; \
         EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$"
    );
    admin.connection().execute_unprepared(&create_role).await.unwrap();
    admin.close().await.ok();
    let (scheme, rest) = server.split_once("://").unwrap_or(("postgres", server));
    let host = rest.split('/').next().unwrap_or(rest);
    let bare_host = host.rsplit_once('@').map_or(host, |(_, h)| h);
    let owner = SeaStore::connect(&format!("{scheme}://{host}/{name}")).await.unwrap();
    owner.migrate().await.unwrap();
    owner.grant_app_role(APP_ROLE).await.unwrap();
    owner.close().await.ok();
    (format!("{scheme}://{APP_ROLE}@{bare_host}/{name}"), name)
}

/// A practice "maple-law" ("Maple & Associates") on one of the stores,
/// with its first Super Admin signed in (their welcome is in the outbox).
pub struct World {
    pub adapters: Adapters,
    pub service: IdentityService,
    pub practice: Practice,
    pub owner: User,
    pub admin: Caller,
}

impl World {
    /// A world on `backend`; `None` when it is missing (the skip is
    /// recorded).
    pub async fn on(backend: Backend) -> Option<Self> {
        let adapters = Adapters::on(backend).await?;
        let mut ports = MemoryAdapters::with_fast_hasher().ports();
        ports.store = adapters.store.clone();
        ports.clock = Arc::new(adapters.clock.clone());
        let service = IdentityService::new(ports, Config::default());
        let created = service
            .create_practice(NewPractice {
                name: Label::parse("Maple & Associates").unwrap(),
                ..NewPractice::example()
            })
            .await
            .unwrap();
        let admin = first_sign_in(&service, &created.admin.email, created.admin_password.expose()).await;
        Some(Self { adapters, service, practice: created.practice, owner: created.admin, admin })
    }

    pub fn queue(&self) -> Arc<dyn OutboxQueue> {
        self.adapters.queue.clone()
    }

    pub fn clock(&self) -> Arc<dyn Clock> {
        Arc::new(self.adapters.clock.clone())
    }

    pub fn worker(&self, config: &MailConfig) -> OutboxWorker {
        worker_on(self.queue(), self.clock(), config, config.worker.clone())
    }

    pub async fn role(&self, name: &str) -> RoleId {
        let roles = self.service.list_roles(&self.admin).await.unwrap();
        roles.iter().find(|r| r.name.as_str() == name).unwrap().id
    }

    pub async fn new_user(
        &self,
        email: &str,
        name: &str,
        language: &str,
        time_zone: &str,
        credential: InitialCredential,
    ) -> CreatedUser {
        let role = self.role("Paralegal").await;
        let new = NewUser {
            email: EmailAddress::parse(email).unwrap(),
            name: PersonName::parse(name).unwrap(),
            role,
            profiles: BTreeSet::new(),
            language: Language::parse(language).unwrap(),
            time_zone: TimeZone::parse(time_zone).unwrap(),
            phone: None,
            title: None,
            notes: None,
            sites: BTreeSet::new(),
            credential,
        };
        self.service.create_user(&self.admin, new).await.unwrap()
    }

    /// Invites `count` users: one invitation email each.
    pub async fn invite_many(&self, count: usize) {
        for n in 0..count {
            self.new_user(
                &format!("invitee{n}@maple.example"),
                &format!("Invitee {n}"),
                "en",
                "America/Toronto",
                InitialCredential::Invite,
            )
            .await;
        }
    }

    /// Every email of the practice, oldest first, as queued (secrets
    /// included until delivered), read through the outbox port.
    pub async fn outbox(&self) -> Vec<OutboxEmail> {
        let mut uow = self.adapters.store.begin(Access::Read).await.unwrap();
        let mut query = OutboxQuery { limit: 500, ..OutboxQuery::default() };
        let mut emails = Vec::new();
        loop {
            let page = uow.outbox().list(self.practice.id, &query).await.unwrap();
            emails.extend(page.items);
            match page.next {
                Some(next) => query.before = Some(next),
                None => break,
            }
        }
        drop(uow);
        emails.reverse();
        emails
    }

    pub async fn pending(&self) -> usize {
        self.outbox().await.iter().filter(|e| e.status == DeliveryStatus::Pending).count()
    }

    pub async fn sign_in(&self, email: &str, password: &str) -> Result<SignedIn, SignInError> {
        sign_in(&self.service, email, password).await
    }
}

pub async fn sign_in(
    service: &IdentityService,
    email: &str,
    password: &str,
) -> Result<SignedIn, SignInError> {
    service
        .sign_in(SignIn {
            practice: "maple-law".to_owned(),
            email: email.to_owned(),
            password: secret(password),
            request_id: None,
        })
        .await
}

pub async fn first_sign_in(service: &IdentityService, email: &EmailAddress, one_time: &str) -> Caller {
    let signed = sign_in(service, email.as_str(), one_time).await.unwrap();
    assert!(signed.password_change_only());
    let restricted = service.authenticate(&signed.token).await.unwrap();
    service.change_own_password(&restricted, secret(one_time), secret(PASSWORD)).await.unwrap();
    service.authenticate(&signed.token).await.unwrap()
}

/// The token in the first link of `text` that starts with `prefix`
/// (`https://…/join#token=`).
pub fn token_after(text: &str, prefix: &str) -> String {
    let start = text.find(prefix).unwrap_or_else(|| panic!("no link {prefix} in:\n{text}")) + prefix.len();
    text[start..].chars().take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_')).collect()
}

// ----------------------------------------------------------------- logs ----

#[derive(Clone, Default)]
pub struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    /// Everything logged so far.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

/// Every log line of the test process, from the first call on (one
/// subscriber for the process, whichever backend's test calls first).
pub fn captured() -> &'static Captured {
    static CAPTURED: OnceLock<Captured> = OnceLock::new();
    CAPTURED.get_or_init(|| {
        let captured = Captured::default();
        let writer = captured.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
            .with_writer(move || writer.clone())
            .finish();
        tracing::subscriber::set_global_default(subscriber).unwrap();
        captured
    })
}

// ------------------------------------------------------- stalling server ----

/// A TCP server in front of a real SMTP server: the first `stall` connections
/// are accepted and then never answered (not even the greeting); later ones
/// are passed through to the real server.
pub struct StallingServer {
    pub port: u16,
    accepted: Arc<AtomicUsize>,
}

impl StallingServer {
    pub async fn start(stall: usize, upstream: u16) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let accepted = Arc::new(AtomicUsize::new(0));
        let counter = accepted.clone();
        tokio::spawn(async move {
            let mut held = Vec::new();
            while let Ok((mut socket, _)) = listener.accept().await {
                let n = counter.fetch_add(1, Ordering::SeqCst);
                if n < stall {
                    held.push(socket); // open, silent, for ever
                } else {
                    tokio::spawn(async move {
                        if let Ok(mut real) = tokio::net::TcpStream::connect(("127.0.0.1", upstream)).await {
                            let _ = tokio::io::copy_bidirectional(&mut socket, &mut real).await;
                        }
                    });
                }
            }
        });
        Self { port, accepted }
    }

    /// Connections accepted so far.
    pub fn accepted(&self) -> usize {
        self.accepted.load(Ordering::SeqCst)
    }
}

/// Says that the running test was skipped for want of `reason`, and
/// appends `reason TAB test` to the file `IDENTITY_TEST_SKIP_LOG` names,
/// if any: `cargo xtask ci` counts these lines (as `xtask::skips` does).
pub fn record_skip(reason: &str) {
    use std::io::Write as _;
    let test = std::thread::current().name().unwrap_or("a test").to_owned();
    println!("SKIPPED {test}: needs {reason}");
    if let Ok(path) = std::env::var("IDENTITY_TEST_SKIP_LOG") {
        let line = format!("{reason}\t{test}\n");
        let written = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .and_then(|mut f| f.write_all(line.as_bytes()));
        if let Err(e) = written {
            eprintln!("cannot append to the skip log {path}: {e}");
        }
    }
}

/// The reason for tests that need `IDENTITY_TEST_POSTGRES_URL`.
pub const NO_POSTGRES: &str = "PostgreSQL (IDENTITY_TEST_POSTGRES_URL is not set)";

/// The reason for tests that need the `openssl` command.
pub const NO_OPENSSL: &str = "openssl (the command, to make test certificates)";

/// Whether the `openssl` command runs here.
pub fn openssl_available() -> bool {
    std::process::Command::new("openssl").arg("version").output().is_ok_and(|o| o.status.success())
}
