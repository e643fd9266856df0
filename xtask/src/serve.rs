//! `serve`: the whole product in one process. The SeaORM store (migrated on
//! start), the domain service with argon2id on a bounded thread pool, the
//! outbox worker, and the HTTP API; first start creates a practice and
//! prints its Super Admin's one-time password; SIGTERM or Ctrl-C stops it
//! gracefully.

use crate::config::Settings;
use identity_api::hashing::BoundedHasher;
use identity_api::limits::RateLimits;
use identity_api::{ApiSettings, ApiState};
use identity_domain::system::{Argon2Cost, Argon2idHasher, OsRandom, SystemClock, UuidV7Ids};
use identity_domain::*;
use identity_mail::{Mailer, OutboxWorker, shutdown_channel};
use identity_store::{OutboxKey, SeaStore};
use std::net::SocketAddr;
use std::num::NonZeroU32;
use std::sync::Arc;

/// Opens (and migrates) the database.
pub async fn open_store(url: &str) -> Result<SeaStore, String> {
    let store =
        SeaStore::connect(url).await.map_err(|e| format!("cannot open the database {}: {e}", redact(url)))?;
    store.migrate().await.map_err(|e| format!("cannot migrate the database: {e}"))?;
    Ok(store)
}

/// Applies pending migrations as the database's owner, when one is
/// configured (then `open_store` through `database_url` finds nothing to do).
pub async fn migrate_as_owner(owner_url: Option<&str>) -> Result<(), String> {
    if let Some(url) = owner_url {
        open_store(url).await?.close().await.map_err(|e| e.to_string())?;
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

/// The domain service over `store`, hashing on a bounded pool.
pub fn service(store: &SeaStore, settings: &Settings) -> Result<IdentityService, String> {
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
        clock: Arc::new(SystemClock),
        random,
        ids: Arc::new(UuidV7Ids),
    };
    Ok(IdentityService::new(ports, Config::default()))
}

/// Creates the first practice when the database has none, and prints its
/// Super Admin's sign-in details once.
async fn first_start(service: &IdentityService, settings: &Settings) -> Result<(), String> {
    if !service.is_empty().await.map_err(|e| e.to_string())? {
        return Ok(());
    }
    let first = &settings.first_practice;
    let new = NewPractice {
        slug: PracticeSlug::parse(&first.slug).map_err(|e| format!("first_practice.slug: {e}"))?,
        name: Label::parse(&first.name).map_err(|e| format!("first_practice.name: {e}"))?,
        settings: PracticeSettings::default(),
        admin_email: EmailAddress::parse(&first.admin_email)
            .map_err(|e| format!("first_practice.admin_email: {e}"))?,
        admin_name: PersonName::parse(&first.admin_name)
            .map_err(|e| format!("first_practice.admin_name: {e}"))?,
        admin_language: Language::parse(&first.language)
            .map_err(|e| format!("first_practice.language: {e}"))?,
        admin_time_zone: TimeZone::parse(&first.time_zone)
            .map_err(|e| format!("first_practice.time_zone: {e}"))?,
    };
    let created = service.create_practice(new).await.map_err(|e| e.to_string())?;
    println!("First start: created practice '{}' and its Super Admin.", created.practice.slug);
    println!("  sign in at {}", settings.public_url);
    println!("  practice:  {}", created.practice.slug);
    println!("  email:     {}", created.admin.email);
    println!(
        "  password:  {}   (one-time: change it at first sign-in, within 24 hours)",
        created.admin_password.expose()
    );
    Ok(())
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

/// Runs the server until SIGTERM or Ctrl-C.
pub async fn run(settings: Settings) -> Result<(), String> {
    migrate_as_owner(settings.database_owner_url.as_deref()).await?;
    let store = open_store(&settings.database_url).await?.with_outbox_key(outbox_key(&settings)?);
    let service = service(&store, &settings)?;
    first_start(&service, &settings).await?;

    let mailer = Arc::new(Mailer::from_config(&settings.mail).map_err(|e| format!("mail: {e}"))?);
    let queue: Arc<dyn OutboxQueue> = Arc::new(store.clone());
    let worker = OutboxWorker::new(queue, mailer, Arc::new(SystemClock), settings.mail.worker.clone())
        .map_err(|e| format!("mail.worker: {e}"))?;
    let (stop_worker, worker_signal) = shutdown_channel();
    let worker = tokio::spawn(async move { worker.run(worker_signal).await });

    let api_settings = ApiSettings {
        public_origin: Some(settings.public_url.trim_end_matches('/').to_owned()),
        body_limit: settings.security.body_limit,
        anonymous_per_minute: NonZeroU32::new(settings.security.anonymous_per_minute)
            .unwrap_or(NonZeroU32::MIN),
        trusted_proxies: settings.security.trusted_proxies.clone(),
        ..ApiSettings::default()
    };
    let console_settings =
        identity_console::ConsoleSettings { public_origin: api_settings.public_origin.clone() };
    let console =
        identity_console::ConsoleState { service: service.clone(), settings: Arc::new(console_settings) };
    // The console's sign-in and password forms get the API's limits, counted apart.
    let console_limits =
        RateLimits::new(api_settings.anonymous_per_minute, api_settings.trusted_proxies.clone())
            .on_routes(identity_console::ANONYMOUS_FORMS);
    let console = identity_console::router(console)
        .layer(axum::middleware::from_fn_with_state(console_limits, identity_api::limits::limit));
    let app = identity_api::router(ApiState { service, settings: Arc::new(api_settings) }).merge(console);
    let listener = tokio::net::TcpListener::bind(settings.listen)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", settings.listen))?;
    let bound = listener.local_addr().map_err(|e| e.to_string())?;
    tracing::info!(listen = %bound, public_url = %settings.public_url, "serving");
    println!("Listening on http://{bound} (console at /console, API under /api/v1)");
    axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(shutdown_requested())
        .await
        .map_err(|e| format!("server failed: {e}"))?;

    tracing::info!("stopping the outbox worker");
    stop_worker.shutdown();
    let _ = worker.await;
    store.close().await.map_err(|e| e.to_string())?;
    tracing::info!("stopped");
    Ok(())
}

/// Resolves on Ctrl-C or SIGTERM.
async fn shutdown_requested() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutdown requested: finishing requests in flight");
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
