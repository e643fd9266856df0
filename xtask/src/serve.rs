//! `serve`: the whole product in one process. [`build`] is the composition
//! root, called by the binary and by the tests alike: the SeaORM store
//! (migrated under the start-up lock), the domain service with argon2id on
//! a bounded thread pool, the first practice on a first start, the outbox
//! worker, and the HTTP API and console on one listener. [`Server::run`]
//! serves until told to stop, with bounded header reads and a bounded
//! graceful shutdown.

use crate::config::Settings;
use axum::Router;
use axum::extract::ConnectInfo;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use identity_api::hashing::BoundedHasher;
use identity_api::{ApiSettings, ApiState};
use identity_domain::system::{Argon2Cost, Argon2idHasher, OsRandom, SystemClock, UuidV7Ids};
use identity_domain::*;
use identity_http::forgot::ForgotQueue;
use identity_mail::{Mailer, OutboxWorker, ShutdownTrigger, shutdown_channel};
use identity_store::{OutboxKey, SeaStore};
use identity_webauthn::WebauthnRelyingParty;
use std::future::Future;
use std::net::SocketAddr;
use std::num::{NonZeroU32, NonZeroUsize};
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::task::{JoinHandle, JoinSet};
use tower::ServiceExt;

/// How long queued forgot-password requests get to finish at shutdown.
const FORGOT_STOP_WAIT: Duration = Duration::from_secs(5);
/// How long the outbox worker gets to finish the email in hand at shutdown.
const WORKER_STOP_WAIT: Duration = Duration::from_secs(10);
/// How long closing the database may take at shutdown: a connection still
/// held by work that outlived its own wait would otherwise hold the process
/// up for ever; the database ends the session when the process exits.
const STORE_CLOSE_WAIT: Duration = Duration::from_secs(5);

/// Opens the database with the configured time limits, and migrates it.
///
/// # Errors
/// Why the database cannot be opened or migrated.
pub async fn open_store(settings: &Settings) -> Result<SeaStore, String> {
    let store = connect(settings).await?;
    store.migrate().await.map_err(|e| format!("cannot migrate the database: {e}"))?;
    Ok(store)
}

async fn connect(settings: &Settings) -> Result<SeaStore, String> {
    let url = &settings.database_url;
    SeaStore::connect_with(url, settings.store_options()?)
        .await
        .map_err(|e| format!("cannot open the database {}: {e}", redact(url)))
}

/// Applies pending migrations as the database's owner, when one is
/// configured (then the start-up through `database_url` finds nothing to
/// do, and the server's own role needs no right to change the schema).
///
/// # Errors
/// Why the owner's connection cannot open or migrate the database.
pub async fn migrate_as_owner(settings: &Settings) -> Result<(), String> {
    if let Some(url) = &settings.database_owner_url {
        let owner = SeaStore::connect_with(url, settings.store_options()?)
            .await
            .map_err(|e| format!("cannot open the database {}: {e}", redact(url)))?;
        owner.migrate().await.map_err(|e| format!("cannot migrate the database: {e}"))?;
        owner.close().await.map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// A database URL without its password, for messages.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let credentials = &url[scheme + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

/// The domain service over `store`, hashing on a bounded pool, with the
/// configured lifetimes.
///
/// # Errors
/// An unusable setting, named.
pub fn service(store: &SeaStore, settings: &Settings) -> Result<IdentityService, String> {
    service_at(store, settings, Arc::new(SystemClock))
}

/// [`service`] reading time from `clock`.
fn service_at(
    store: &SeaStore,
    settings: &Settings,
    clock: Arc<dyn Clock>,
) -> Result<IdentityService, String> {
    let random: Arc<dyn SecureRandom> = Arc::new(OsRandom);
    let argon2 = Argon2idHasher::new(Argon2Cost::default(), random.clone()).map_err(|e| e.to_string())?;
    let workers = settings
        .security
        .hash_workers
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get));
    let ports = Ports {
        store: Arc::new(store.clone()),
        hasher: Arc::new(
            BoundedHasher::new(argon2, workers, settings.security.hash_queue)
                .map_err(|e| format!("cannot start the hashing threads: {e}"))?,
        ),
        clock,
        random,
        ids: Arc::new(UuidV7Ids),
        budgets: Arc::new(store.clone()),
        passkeys: relying_party(settings),
    };
    Ok(IdentityService::new(ports, settings.domain_config()?))
}

/// The WebAuthn relying party of the public URL: passkeys are offered when
/// its host is a domain name (`localhost` included), and not on a bare IP
/// address, which WebAuthn cannot bind a passkey to (`serve` says so once
/// at start; the operator commands that build a service stay quiet).
pub fn relying_party(settings: &Settings) -> Arc<dyn PasskeyRelyingParty> {
    match WebauthnRelyingParty::new(&settings.public_url(), "Practice identity") {
        Ok(party) => Arc::new(party),
        Err(_) => Arc::new(NoPasskeys),
    }
}

/// What a first start created: the sign-in details of the first Super
/// Admin, shown once.
pub struct FirstStart {
    /// The practice's slug.
    pub practice: String,
    /// The Super Admin's email.
    pub email: String,
    /// Their one-time password.
    pub password: Password,
}

/// Creates the first practice when the database has none. Run under the
/// start-up lock; should another process have created it all the same (a
/// SQLite file shared by processes starting together), that is no error.
async fn first_start(service: &IdentityService, settings: &Settings) -> Result<Option<FirstStart>, String> {
    if !service.is_empty().await.map_err(|e| e.to_string())? {
        return Ok(None);
    }
    let first = &settings.first_practice;
    let time_zone =
        TimeZone::parse(&first.time_zone).map_err(|e| format!("first_practice.time_zone: {e}"))?;
    let new = NewPractice {
        slug: PracticeSlug::parse(&first.slug).map_err(|e| format!("first_practice.slug: {e}"))?,
        name: Label::parse(&first.name).map_err(|e| format!("first_practice.name: {e}"))?,
        settings: PracticeSettings { time_zone, ..PracticeSettings::default() },
        admin_email: EmailAddress::parse(&first.admin_email)
            .map_err(|e| format!("first_practice.admin_email: {e}"))?,
        admin_name: PersonName::parse(&first.admin_name)
            .map_err(|e| format!("first_practice.admin_name: {e}"))?,
        admin_language: Language::parse(&first.language)
            .map_err(|e| format!("first_practice.language: {e}"))?,
        admin_time_zone: time_zone,
        second_factor_for_admins: first.second_factor_for_admins,
    };
    match service.create_practice(new).await {
        Ok(created) => Ok(Some(FirstStart {
            practice: created.practice.slug.as_str().to_owned(),
            email: created.admin.email.as_str().to_owned(),
            password: created.admin_password,
        })),
        Err(CreatePracticeError::SlugTaken) => {
            tracing::info!("another process created the first practice");
            Ok(None)
        }
        Err(e) => Err(e.to_string()),
    }
}

/// The outbox key: configured, or from its file (made at first start,
/// readable by this user only).
pub fn outbox_key(settings: &Settings) -> Result<OutboxKey, String> {
    if let Some(key) = &settings.outbox_key {
        return Ok(key.clone());
    }
    let file =
        settings.outbox_key_file.clone().unwrap_or_else(|| OutboxKey::default_file(&settings.database_url));
    OutboxKey::load_or_create(&file).map_err(|e| e.to_string())
}

/// The queue "forgot password" work runs on after the answer, shared by
/// the API and the console.
pub fn forgot_queue(service: &IdentityService, settings: &Settings) -> ForgotQueue {
    let f = &settings.forgot_password;
    ForgotQueue::start(
        service.clone(),
        NonZeroUsize::new(f.queue).unwrap_or(NonZeroUsize::MIN),
        NonZeroUsize::new(f.workers).unwrap_or(NonZeroUsize::MIN),
    )
}

/// The HTTP service: the API and the console, with the edge they share
/// (one per-address budget, one body limit, one request-id rule, one
/// forgot-password queue). The one place where the HTTP pieces are wired.
pub fn app(service: IdentityService, forgot: ForgotQueue, settings: &Settings) -> Router {
    let edge = Arc::new(ApiSettings {
        public_origin: Some(settings.public_url()),
        body_limit: settings.security.body_limit,
        request_timeout: Duration::from_secs(settings.http.request_timeout_secs),
        anonymous_per_minute: NonZeroU32::new(settings.security.anonymous_per_minute)
            .unwrap_or(NonZeroU32::MIN),
        trusted_proxies: settings.security.trusted_proxies.clone(),
    });
    let console = identity_console::router(identity_console::ConsoleState {
        service: service.clone(),
        settings: edge.clone(),
        forgot: forgot.clone(),
    });
    identity_api::router(ApiState { service, settings: edge, forgot }).merge(console)
}

/// A server built and listening, not yet serving.
pub struct Server {
    listener: TcpListener,
    app: Router,
    settings: Settings,
    store: SeaStore,
    service: IdentityService,
    worker: JoinHandle<identity_mail::PassReport>,
    stop_worker: ShutdownTrigger,
    forgot: ForgotQueue,
    /// The first Super Admin's sign-in details, on a first start.
    pub first_start: Option<FirstStart>,
}

/// Builds the server the operator runs: opens and migrates the database,
/// creates the first practice on a first start (both under the start-up
/// lock, so that processes starting together take turns), binds the
/// listener, starts the outbox worker.
///
/// # Errors
/// Why it cannot start, naming the setting or the step.
pub async fn build(settings: Settings) -> Result<Server, String> {
    build_at(settings, Arc::new(SystemClock)).await
}

/// [`build`] with the service and the outbox worker reading time from
/// `clock`: for tests that move time (links and sessions expiring, retries
/// falling due) on the server the operator runs.
///
/// # Errors
/// Why it cannot start, naming the setting or the step.
pub async fn build_at(mut settings: Settings, clock: Arc<dyn Clock>) -> Result<Server, String> {
    migrate_as_owner(&settings).await?;
    let store = connect(&settings).await?.with_outbox_key(outbox_key(&settings)?);
    let listener = TcpListener::bind(settings.listen)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", settings.listen))?;
    let bound = listener.local_addr().map_err(|e| e.to_string())?;
    settings.listening_on(bound)?;
    let service = service_at(&store, &settings, clock.clone())?;
    if !service.passkeys_offered() {
        let public_url = settings.public_url();
        tracing::warn!(%public_url, "passkeys are off: WebAuthn needs public_url's host to be a domain name");
    }

    let lock = store.lock_start_up().await.map_err(|e| format!("cannot open the database: {e}"))?;
    let started = match lock.migrate().await {
        Ok(()) => first_start(&service, &settings).await,
        Err(e) => Err(format!("cannot migrate the database: {e}")),
    };
    let released = lock.release().await.map_err(|e| format!("start-up lock: {e}"));
    let first_start = started?;
    released?;
    // Emails queued by a version that kept their secrets in clear.
    let sealed = store.seal_outbox_secrets().await.map_err(|e| format!("cannot seal the outbox: {e}"))?;
    if sealed > 0 {
        tracing::info!(emails = sealed, "sealed the secrets of emails queued before the outbox sealed them");
    }

    let mailer = Arc::new(Mailer::from_config(&settings.mail).map_err(|e| format!("mail: {e}"))?);
    let queue: Arc<dyn OutboxQueue> = Arc::new(store.clone());
    let worker = OutboxWorker::new(queue, mailer, clock, settings.mail.worker.clone())
        .map_err(|e| format!("mail.worker: {e}"))?;
    let (stop_worker, worker_signal) = shutdown_channel();
    let worker = tokio::spawn(async move { worker.run(worker_signal).await });
    let forgot = forgot_queue(&service, &settings);
    let app = app(service.clone(), forgot.clone(), &settings);
    Ok(Server { listener, app, settings, store, service, worker, stop_worker, forgot, first_start })
}

impl Server {
    /// The address listened on.
    ///
    /// # Errors
    /// When the socket cannot say.
    pub fn local_addr(&self) -> Result<SocketAddr, String> {
        self.listener.local_addr().map_err(|e| e.to_string())
    }

    /// The forgot-password queue (tests wait on [`ForgotQueue::settled`]).
    pub fn forgot_queue(&self) -> ForgotQueue {
        self.forgot.clone()
    }

    /// The settings in force (the public URL follows the bound address).
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// The database, as the server opened it.
    pub fn store(&self) -> &SeaStore {
        &self.store
    }

    /// The domain service the HTTP service calls.
    pub fn service(&self) -> &IdentityService {
        &self.service
    }

    /// Serves until `shutdown` resolves; then stops accepting, gives the
    /// requests in flight `http.shutdown_grace_secs`, closes what remains,
    /// stops the outbox worker and closes the database.
    ///
    /// # Errors
    /// When the database does not close cleanly.
    pub async fn run(self, shutdown: impl Future<Output = ()>) -> Result<(), String> {
        let Self { listener, app, settings, store, service: _, worker, stop_worker, forgot, first_start: _ } =
            self;
        let http = &settings.http;
        tracing::info!(public_url = %settings.public_url(), "serving");
        serve_http(
            listener,
            app,
            Duration::from_secs(http.header_read_timeout_secs),
            Duration::from_secs(http.shutdown_grace_secs),
            shutdown,
        )
        .await;
        if tokio::time::timeout(FORGOT_STOP_WAIT, forgot.settled()).await.is_err() {
            tracing::warn!("forgot-password requests were still queued at shutdown: dropped");
        }
        tracing::info!("stopping the outbox worker");
        stop_worker.shutdown();
        if tokio::time::timeout(WORKER_STOP_WAIT, worker).await.is_err() {
            tracing::warn!("the outbox worker did not stop in time");
        }
        match tokio::time::timeout(STORE_CLOSE_WAIT, store.close()).await {
            Ok(closed) => closed.map_err(|e| e.to_string())?,
            Err(_) => tracing::warn!("a database connection was still in use at shutdown: left to the exit"),
        }
        tracing::info!("stopped");
        Ok(())
    }
}

/// A server serving in the background, until stopped (tests that run
/// several servers in one process).
pub struct ServerHandle {
    stop: tokio::sync::oneshot::Sender<()>,
    running: JoinHandle<Result<(), String>>,
}

impl Server {
    /// Serves on a task of its own until [`ServerHandle::stop`].
    pub fn spawn(self) -> ServerHandle {
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let running = tokio::spawn(self.run(async move {
            let _ = stopped.await;
        }));
        ServerHandle { stop, running }
    }
}

impl ServerHandle {
    /// Stops the server as SIGTERM would, and waits until it has.
    ///
    /// # Errors
    /// When it did not stop cleanly.
    pub async fn stop(self) -> Result<(), String> {
        let _ = self.stop.send(());
        self.running.await.map_err(|e| e.to_string())?
    }
}

/// Accepts connections until `shutdown`, each served over HTTP/1 or HTTP/2
/// with a bounded header read, the client address given to the handlers.
async fn serve_http(
    listener: TcpListener,
    app: Router,
    header_read_timeout: Duration,
    grace: Duration,
    shutdown: impl Future<Output = ()>,
) {
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder.http1().timer(TokioTimer::new()).header_read_timeout(header_read_timeout);
    builder.http2().timer(TokioTimer::new());
    let graceful = GracefulShutdown::new();
    let mut connections = JoinSet::new();
    tokio::pin!(shutdown);
    loop {
        while connections.try_join_next().is_some() {}
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of file descriptors, or a connection reset before
                    // it was accepted: pause, then go on.
                    tracing::warn!(error = %e, "cannot accept a connection");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let service = app.clone().map_request(move |mut request: axum::extract::Request<_>| {
            request.extensions_mut().insert(ConnectInfo(peer));
            request
        });
        let connection = builder
            .serve_connection_with_upgrades(TokioIo::new(stream), TowerToHyperService::new(service))
            .into_owned();
        let connection = graceful.watch(connection);
        connections.spawn(async move {
            if let Err(e) = connection.await {
                tracing::debug!(error = %e, "connection ended with an error");
            }
        });
    }
    drop(listener);
    tracing::info!(open = connections.len(), "shutdown requested: finishing requests in flight");
    if tokio::time::timeout(grace, graceful.shutdown()).await.is_err() {
        tracing::warn!(
            open = connections.len(),
            "shutdown grace period over: closing the remaining connections"
        );
    }
    connections.abort_all();
    while connections.join_next().await.is_some() {}
}

/// What is printed beside a one-time password: it must be changed at the
/// first sign-in, within `links.one_time_password_hours`.
pub fn one_time_note(settings: &Settings) -> String {
    let hours = settings.links.one_time_password_hours;
    let unit = if hours == 1 { "hour" } else { "hours" };
    format!("(one-time: change it at first sign-in, within {hours} {unit})")
}

/// Runs the server until SIGTERM or Ctrl-C, printing the first start's
/// sign-in details and where it listens.
///
/// # Errors
/// Why it could not start or stop cleanly.
pub async fn run(settings: Settings) -> Result<(), String> {
    let server = build(settings).await?;
    let public_url = server.settings().public_url();
    if let Some(first) = &server.first_start {
        println!("First start: created practice '{}' and its Super Admin.", first.practice);
        println!("  sign in at {public_url}/console");
        println!("  practice:  {}", first.practice);
        println!("  email:     {}", first.email);
        println!("  password:  {}   {}", first.password.expose(), one_time_note(server.settings()));
    }
    let bound = server.local_addr()?;
    let shutdown = shutdown_requested();
    println!("Listening on http://{bound} (console at {public_url}/console, API under {public_url}/api/v1)");
    server.run(shutdown).await
}

/// Resolves on Ctrl-C or SIGTERM. The handlers are in place when it
/// returns, before the future is first polled: a SIGTERM sent as soon as
/// "Listening on" is printed stops the server cleanly instead of killing
/// it with the signal's default action.
#[cfg(unix)]
pub fn shutdown_requested() -> impl std::future::Future<Output = ()> + Send {
    use tokio::signal::unix::{SignalKind, signal};
    let mut terminate = signal(SignalKind::terminate()).ok();
    let mut interrupt = signal(SignalKind::interrupt()).ok();
    async fn received(signal: Option<&mut tokio::signal::unix::Signal>) {
        match signal {
            Some(signal) => {
                signal.recv().await;
            }
            None => std::future::pending::<()>().await,
        }
    }
    async move {
        tokio::select! {
            () = received(terminate.as_mut()) => {},
            () = received(interrupt.as_mut()) => {},
        }
    }
}

/// Resolves on Ctrl-C.
#[cfg(not(unix))]
pub fn shutdown_requested() -> impl std::future::Future<Output = ()> + Send {
    async {
        let _ = tokio::signal::ctrl_c().await;
    }
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn database_passwords_never_appear_in_messages() {
        assert_eq!(redact("postgres://app:s3cret@db:5432/identity"), "postgres://app:***@db:5432/identity");
        assert_eq!(redact("sqlite://data/identity.db"), "sqlite://data/identity.db");
        assert_eq!(redact("postgres://postgres@127.0.0.1:5432"), "postgres://postgres@127.0.0.1:5432");
    }
}
