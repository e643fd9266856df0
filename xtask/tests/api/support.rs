//! `spawn()`: the server the operator runs, on a bound loopback port, with
//! the example practice (`NewPractice::example()`, made by the first start)
//! and its Super Admin signed in, plus typed request helpers.
//!
//! The settings are an `identity.toml` written to a temporary folder and
//! read by the real loader (`xtask::config::load`). On SQLite and
//! PostgreSQL, `xtask::serve::build_at` builds the server (store, domain,
//! outbox worker, HTTP service) with a manual clock the tests move; on the
//! in-memory adapters, `xtask::serve::app` wires the HTTP service over them.
//! The outbox worker delivers the first start's welcome (to `.eml` files in
//! the folder) and then waits an hour between polls, so the emails a test
//! causes stay in the outbox for it to read, secrets included.

#![allow(dead_code)]

use identity_domain::*;
use identity_memory::{ManualClock, MemoryAdapters};
use identity_store::SeaStore;
use reqwest::{Method, StatusCode};
use sea_orm::{ConnectionTrait, TransactionTrait};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub const PASSWORD: &str = "a long and private passphrase";

/// What the server runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// The in-memory adapters.
    Memory,
    /// A SQLite file of its own.
    Sqlite,
    /// A PostgreSQL database of its own on `IDENTITY_TEST_POSTGRES_URL`.
    Postgres,
}

/// Settings a test changes from the defaults.
#[derive(Debug, Clone)]
pub struct Options {
    /// `security.anonymous_per_minute`.
    pub anonymous_per_minute: u32,
    /// `public_url`; unset, the server's own address.
    pub public_url: Option<&'static str>,
    /// The first Super Admin's language and time zone
    /// (`first_practice.language`, `.time_zone`); unset, the example's.
    pub owner_language: Option<(&'static str, &'static str)>,
}

impl Default for Options {
    fn default() -> Self {
        Self { anonymous_per_minute: 30, public_url: None, owner_language: None }
    }
}

/// Settings for suites that sign in more often than one client address
/// may in a minute.
pub fn without_rate_limits() -> Options {
    Options { anonymous_per_minute: 100_000, ..Options::default() }
}

pub struct App {
    pub base: String,
    pub http: reqwest::Client,
    pub adapters: Adapters,
    pub service: IdentityService,
    /// The Super Admin's bearer token.
    pub admin: String,
    pub owner: UserId,
    /// The forgot-password queue the server answers before working.
    pub forgot: identity_http::forgot::ForgotQueue,
}

pub struct Answer {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
}

impl Answer {
    pub fn problem_type(&self) -> &str {
        self.body["type"].as_str().unwrap_or_default()
    }

    /// Asserts a problem+json answer of `status` and `kind`.
    pub fn assert_problem(&self, status: u16, kind: &str) {
        assert_eq!(self.status.as_u16(), status, "{:#}", self.body);
        assert_eq!(
            self.headers.get("content-type").unwrap().to_str().unwrap(),
            "application/problem+json",
            "{:#}",
            self.body
        );
        assert_eq!(self.problem_type(), format!("urn:practice-identity:problem:{kind}"), "{:#}", self.body);
    }
}

/// What tests reach behind the API: the clock, and the emails queued.
pub struct Adapters {
    /// The clock the service and the outbox worker read.
    pub clock: ManualClock,
    /// The folder of the settings, the database file and the `.eml` files.
    pub dir: PathBuf,
    queue: Arc<dyn OutboxQueue>,
    memory: Option<MemoryAdapters>,
    database: Option<(String, String)>,
    /// Stops the server when dropped.
    _stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Adapters {
    /// The emails waiting in the outbox, oldest first, secrets included
    /// (on the in-memory adapters, every email committed). On a database
    /// they are read through the outbox queue with a lease that is over at
    /// once, so they stay due.
    pub async fn outbox(&self) -> Vec<OutboxEmail> {
        if let Some(memory) = &self.memory {
            return memory.outbox().await;
        }
        let future = chrono::DateTime::parse_from_rfc3339("2200-01-01T00:00:00Z").unwrap().to_utc();
        let past = chrono::DateTime::parse_from_rfc3339("2000-01-01T00:00:00Z").unwrap().to_utc();
        let reader = WorkerId::parse("test-reader").unwrap();
        self.queue
            .claim_due(&reader, future, 100_000, past)
            .await
            .unwrap()
            .into_iter()
            .map(|c| c.email)
            .collect()
    }

    /// The outbox's delivery side, as the mail worker reaches it.
    pub fn queue(&self) -> Arc<dyn OutboxQueue> {
        self.queue.clone()
    }

    /// The per-address counts, on the in-memory adapters only (`None`
    /// elsewhere): their `fail` makes every count fail, as an unavailable
    /// database would.
    pub fn budgets(&self) -> Option<identity_memory::MemoryBudgets> {
        self.memory.as_ref().map(|m| m.budgets.clone())
    }

    /// Holds the store so that no lookup of a practice or a user can
    /// start, until [`Held::release`]: on the in-memory adapters a write
    /// unit of work (which holds every other); on PostgreSQL the owner's
    /// transaction holding `practices` and `users` locked (a lookup waits
    /// for it, up to the server's `lock_timeout` of 5 s, while the
    /// per-address budget, in a table of its own, is still counted).
    /// `None` on SQLite, where the one write lock of the file would hold
    /// the budget's count too.
    pub async fn hold_store(&self) -> Option<Held> {
        if let Some(memory) = &self.memory {
            return Some(Held::Memory(memory.store.begin(Access::Write).await.unwrap()));
        }
        let (server, name) = self.database.as_ref()?;
        let owner = SeaStore::connect(&with_database(server, name)).await.unwrap();
        let transaction = Box::new(owner.connection().begin().await.unwrap());
        transaction.execute_unprepared("LOCK TABLE practices, users IN ACCESS EXCLUSIVE MODE").await.unwrap();
        Some(Held::Postgres { owner, transaction })
    }
}

/// What [`Adapters::hold_store`] holds.
pub enum Held {
    /// A write unit of work of the in-memory store.
    Memory(Box<dyn UnitOfWork>),
    /// The owner's connection and its transaction holding the locks.
    Postgres { owner: SeaStore, transaction: Box<sea_orm::DatabaseTransaction> },
}

impl Held {
    /// Lets the store go.
    pub async fn release(self) {
        match self {
            Held::Memory(unit_of_work) => drop(unit_of_work),
            Held::Postgres { owner, transaction } => {
                transaction.rollback().await.unwrap();
                owner.close().await.ok();
            }
        }
    }
}

impl Drop for Adapters {
    fn drop(&mut self) {
        drop(self._stop.take());
        if let Some((server, name)) = self.database.take() {
            // Drop runs inside the test's runtime: use a thread of its own.
            std::thread::spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
                runtime.block_on(async {
                    let admin = SeaStore::connect(&server).await.unwrap();
                    let drop = format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
                    admin.connection().execute_unprepared(&drop).await.unwrap();
                    admin.close().await.ok();
                });
            })
            .join()
            .ok();
        }
        std::fs::remove_dir_all(&self.dir).ok();
    }
}

/// The role the server connects as on PostgreSQL, as in production: no
/// superuser, owning nothing, holding only the rights `xtask db grant`
/// gives. Created when missing.
pub const APP_ROLE: &str = "identity_test_app";

/// The app on `backend`, its Super Admin signed in; `None` when the
/// backend is PostgreSQL and `IDENTITY_TEST_POSTGRES_URL` is not set (the
/// test then says it is skipped, and records it).
pub async fn spawn(backend: Backend, options: Options) -> Option<App> {
    let dir = std::env::temp_dir().join(format!("identity-api-{}", uuid::Uuid::now_v7().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut database = None;
    let urls = match backend {
        Backend::Memory | Backend::Sqlite => {
            let file = dir.join("identity.db");
            format!("database_url = \"sqlite://{}\"\n", file.display())
        }
        Backend::Postgres => {
            let Ok(server) = std::env::var("IDENTITY_TEST_POSTGRES_URL") else {
                xtask::skips::record(xtask::skips::POSTGRES, &xtask::skips::current_test());
                std::fs::remove_dir_all(&dir).ok();
                return None;
            };
            let (app_url, owner_url, name) = postgres_database(&server).await;
            database = Some((server, name));
            format!("database_url = \"{app_url}\"\ndatabase_owner_url = \"{owner_url}\"\n")
        }
    };
    let mut example = NewPractice::example();
    if let Some((language, zone)) = options.owner_language {
        example.admin_language = Language::parse(language).unwrap();
        example.admin_time_zone = TimeZone::parse(zone).unwrap();
    }
    let public_url = options.public_url.map(|url| format!("public_url = \"{url}\"\n")).unwrap_or_default();
    let toml = format!(
        "listen = \"127.0.0.1:0\"\n{public_url}{urls}outbox_key_file = \"{key}\"\n\
         [first_practice]\nslug = \"{slug}\"\nname = \"{name}\"\nadmin_email = \"{email}\"\n\
         admin_name = \"{admin}\"\nlanguage = \"{language}\"\ntime_zone = \"{zone}\"\n\
         second_factor_for_admins = false\n\
         [security]\nanonymous_per_minute = {per_minute}\n\
         [mail.transport]\nkind = \"file\"\nfolder = \"{mail}\"\n\
         [mail.worker]\npoll_interval_ms = 3600000\n",
        key = dir.join("outbox.key").display(),
        slug = example.slug.as_str(),
        name = example.name.as_str(),
        email = example.admin_email.as_str(),
        admin = example.admin_name.as_str(),
        language = example.admin_language.as_str(),
        zone = example.admin_time_zone.name(),
        per_minute = options.anonymous_per_minute,
        mail = mail_folder(&dir).display(),
    );
    let file = dir.join("identity.toml");
    std::fs::write(&file, toml).unwrap();
    let settings = xtask::config::load(&file).unwrap();
    let clock = ManualClock::default();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let shutdown = async move {
        let _ = stopped.await;
    };
    let (base, service, queue, memory, one_time, forgot) = if backend == Backend::Memory {
        // The relying party the server would build from these settings.
        let memory = MemoryAdapters::with_fast_hasher().with_passkeys(xtask::serve::relying_party(&settings));
        let service = IdentityService::new(memory.ports(), settings.domain_config().unwrap());
        let created = service.create_practice(example).await.unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let forgot = xtask::serve::forgot_queue(&service, &settings);
        let app = xtask::serve::app(service.clone(), forgot.clone(), &settings);
        tokio::spawn(async move {
            axum::serve(listener, app.into_make_service_with_connect_info::<std::net::SocketAddr>())
                .with_graceful_shutdown(shutdown)
                .await
                .unwrap();
        });
        let queue: Arc<dyn OutboxQueue> = Arc::new(memory.store.clone());
        let one_time = created.admin_password.expose().to_owned();
        (base, service, queue, Some(memory), one_time, forgot)
    } else {
        let server = xtask::serve::build_at(settings, Arc::new(clock.clone())).await.unwrap();
        let first = server.first_start.as_ref().expect("a first start");
        let one_time = first.password.expose().to_owned();
        let base = format!("http://{}", server.local_addr().unwrap());
        let service = server.service().clone();
        let queue: Arc<dyn OutboxQueue> = Arc::new(server.store().clone());
        let forgot = server.forgot_queue();
        tokio::spawn(server.run(shutdown));
        (base, service, queue, None, one_time, forgot)
    };
    let clock = memory.as_ref().map_or(clock, |m| m.clock.clone());
    let adapters = Adapters { clock, dir, queue, memory, database, _stop: Some(stop) };
    let http = reqwest::Client::builder().timeout(std::time::Duration::from_secs(60)).build().unwrap();
    let admin = first_sign_in_at(&http, &base, NewPractice::example().admin_email.as_str(), &one_time).await;
    let owner = service.authenticate(&Token::presented(&admin)).await.unwrap().user();
    let app = App { base, http, adapters, service, admin, owner, forgot };
    app.welcome_delivered().await;
    Some(app)
}

/// Where the file transport writes.
pub fn mail_folder(dir: &Path) -> PathBuf {
    dir.join("mail-outbox")
}

/// A fresh database on `server` with [`APP_ROLE`] granted its rights, as
/// the operator makes one: created and migrated as the server's
/// administrator (the owner). Returns the app role's URL, the owner's URL
/// and the database's name.
async fn postgres_database(server: &str) -> (String, String, String) {
    let name = format!("identity_api_test_{}", uuid::Uuid::now_v7().simple());
    let admin = SeaStore::connect(server).await.unwrap();
    admin.connection().execute_unprepared(&format!("CREATE DATABASE \"{name}\"")).await.unwrap();
    let create_role = format!(
        "DO $$ BEGIN CREATE ROLE {APP_ROLE} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT NOBYPASSRLS; \
         EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$"
    );
    admin.connection().execute_unprepared(&create_role).await.unwrap();
    admin.close().await.ok();
    let host = server.split_once("://").map_or(server, |(_, r)| r).split('/').next().unwrap_or_default();
    let host = host.rsplit_once('@').map_or(host, |(_, h)| h);
    let owner_url = with_database(server, &name);
    let owner = SeaStore::connect(&owner_url).await.unwrap();
    owner.migrate().await.unwrap();
    owner.grant_app_role(APP_ROLE).await.unwrap();
    owner.close().await.ok();
    (format!("postgres://{APP_ROLE}@{host}/{name}"), owner_url, name)
}

/// `url` with its database replaced by `name`.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = url.split_once('?').map_or((url, None), |(b, q)| (b, Some(q)));
    let after_scheme = base.find("://").map_or(0, |i| i + 3);
    let base = match base[after_scheme..].find('/') {
        Some(slash) => &base[..after_scheme + slash],
        None => base,
    };
    match query {
        Some(q) => format!("{base}/{name}?{q}"),
        None => format!("{base}/{name}"),
    }
}

impl App {
    pub async fn call(&self, method: Method, path: &str, token: Option<&str>, body: Option<Value>) -> Answer {
        let mut request = self.http.request(method, format!("{}{path}", self.base));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let answered = answer(request.send().await.unwrap()).await;
        if path == "/api/v1/password/forgot" || path == "/api/v1/portal/password/forgot" {
            // Its work runs after the answer: the tests look at what it did.
            self.forgot.settled().await;
        }
        answered
    }

    pub async fn get(&self, path: &str, token: &str) -> Answer {
        self.call(Method::GET, path, Some(token), None).await
    }

    pub async fn post(&self, path: &str, token: &str, body: Value) -> Answer {
        self.call(Method::POST, path, Some(token), Some(body)).await
    }

    pub async fn put(&self, path: &str, token: &str, body: Value) -> Answer {
        self.call(Method::PUT, path, Some(token), Some(body)).await
    }

    /// Signs in to another practice than `maple-law`.
    pub async fn sign_in_at(&self, practice: &str, email: &str, password: &str) -> Answer {
        let body = json!({ "practice": practice, "email": email, "password": password });
        self.call(Method::POST, "/api/v1/sessions", None, Some(body)).await
    }

    /// The secret (link token or password) of the newest email of `kind`
    /// to `to`, read from the outbox as the mail worker would.
    pub async fn last_secret(&self, to: &str, kind: &str) -> String {
        let outbox = self.adapters.outbox().await;
        let email = outbox
            .iter()
            .rev()
            .find(|e| e.to.as_str() == to && e.message.kind() == kind)
            .unwrap_or_else(|| panic!("no {kind} email to {to}"));
        let message = serde_json::to_value(&email.message).unwrap();
        message.get("token").or_else(|| message.get("password")).unwrap().as_str().unwrap().to_owned()
    }

    /// Signs a party in to the portal of `practice`.
    pub async fn portal_sign_in(&self, practice: &str, email: &str, password: &str) -> Answer {
        let body = json!({ "practice": practice, "email": email, "password": password });
        self.call(Method::POST, "/api/v1/portal/sessions", None, Some(body)).await
    }

    pub async fn sign_in(&self, email: &str, password: &str) -> Answer {
        let body = json!({ "practice": "maple-law", "email": email, "password": password });
        self.call(Method::POST, "/api/v1/sessions", None, Some(body)).await
    }

    /// Signs in with a one-time password, changes it to [`PASSWORD`], and
    /// returns the token.
    pub async fn first_sign_in(&self, email: &str, one_time: &str) -> String {
        first_sign_in_at(&self.http, &self.base, email, one_time).await
    }

    pub async fn role(&self, name: &str) -> RoleId {
        let caller = self.service.authenticate(&Token::presented(&self.admin)).await.unwrap();
        self.service
            .list_roles(&caller)
            .await
            .unwrap()
            .into_iter()
            .find(|r| r.name.as_str() == name)
            .unwrap()
            .id
    }

    /// Creates a user with a generated password through the API; returns
    /// its id and a signed-in token.
    pub async fn add_user(&self, email: &str, role: &str) -> (String, String) {
        let body = json!({
            "email": email, "name": "Some Person", "role": self.role(role).await,
            "language": "en", "time_zone": "UTC", "credential": { "mode": "generate" },
        });
        let created = self.post("/api/v1/users", &self.admin, body).await;
        assert_eq!(created.status, StatusCode::CREATED, "{:#}", created.body);
        let id = created.body["user"]["id"].as_str().unwrap().to_owned();
        let token = self.first_sign_in(email, created.body["generated_password"].as_str().unwrap()).await;
        (id, token)
    }

    /// Waits until the outbox worker has delivered the first start's
    /// welcome (it then waits an hour before it looks again). The
    /// in-memory adapters have no worker: the welcome is marked sent here,
    /// so that every backend starts with the same outbox.
    async fn welcome_delivered(&self) {
        let caller = self.admin_caller().await;
        if self.adapters.memory.is_some() {
            let queue = self.adapters.queue();
            let worker = WorkerId::parse("test-start").unwrap();
            let now = self.adapters.clock.now();
            for c in queue.claim_due(&worker, now, 10, now + chrono::Duration::minutes(5)).await.unwrap() {
                assert!(queue.mark_sent(c.email.id, c.claim, now).await.unwrap());
            }
        }
        for _ in 0..500 {
            let counts = self.service.outbox_counts(&caller).await.unwrap();
            if counts.pending == 0 {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        panic!("the outbox worker did not deliver the welcome within 10 s");
    }

    pub async fn admin_caller(&self) -> Caller {
        self.service.authenticate(&Token::presented(&self.admin)).await.unwrap()
    }
}

pub async fn answer(response: reqwest::Response) -> Answer {
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response.bytes().await.unwrap();
    let body =
        if bytes.is_empty() { Value::Null } else { serde_json::from_slice(&bytes).unwrap_or(Value::Null) };
    Answer { status, headers, body }
}

/// Signs in to `maple-law` at `base` with a one-time password, changes it
/// to [`PASSWORD`], and returns the token.
pub async fn first_sign_in_at(http: &reqwest::Client, base: &str, email: &str, one_time: &str) -> String {
    let body = json!({ "practice": "maple-law", "email": email, "password": one_time });
    let signed = answer(http.post(format!("{base}/api/v1/sessions")).json(&body).send().await.unwrap()).await;
    assert_eq!(signed.status, StatusCode::CREATED, "{:#}", signed.body);
    let token = signed.body["token"].as_str().unwrap().to_owned();
    let body = json!({ "current_password": one_time, "new_password": PASSWORD });
    let changed = answer(
        http.put(format!("{base}/api/v1/me/password")).bearer_auth(&token).json(&body).send().await.unwrap(),
    )
    .await;
    assert_eq!(changed.status, StatusCode::NO_CONTENT, "{:#}", changed.body);
    token
}
