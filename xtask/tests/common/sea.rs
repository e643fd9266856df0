//! The API's test backend on the SeaORM store: a fresh SQLite file or
//! PostgreSQL database per test (dropped when the test's app is dropped),
//! with the manual clock and fast hasher of the in-memory adapters. On
//! PostgreSQL the store connects as the least-privileged [`APP_ROLE`].

use chrono::{TimeZone as _, Utc};
use identity_domain::{OutboxEmail, OutboxQueue, Ports, WorkerId};
use identity_memory::{ManualClock, MemoryAdapters};
use identity_store::SeaStore;
use sea_orm::ConnectionTrait;
use std::path::PathBuf;
use std::sync::Arc;

/// Which database.
#[derive(Debug, Clone, Copy)]
pub enum Kind {
    Sqlite,
    Postgres,
}

enum Cleanup {
    Folder(PathBuf),
    Database { server: String, name: String },
}

/// What tests reach behind the API: the clock, and the emails queued.
pub struct Adapters {
    pub clock: ManualClock,
    store: SeaStore,
    cleanup: Option<Cleanup>,
}

impl Adapters {
    /// Every pending email, oldest first, secrets included (read through
    /// the outbox queue with a lease that is over at once).
    pub async fn outbox(&self) -> Vec<OutboxEmail> {
        let future = Utc.with_ymd_and_hms(2200, 1, 1, 0, 0, 0).unwrap();
        let past = Utc.with_ymd_and_hms(2000, 1, 1, 0, 0, 0).unwrap();
        let reader = WorkerId::parse("test-reader").unwrap();
        self.store
            .claim_due(&reader, future, 100_000, past)
            .await
            .unwrap()
            .into_iter()
            .map(|c| c.email)
            .collect()
    }

    /// The outbox's delivery side, as the mail worker reaches it.
    pub fn queue(&self) -> std::sync::Arc<dyn OutboxQueue> {
        std::sync::Arc::new(self.store.clone())
    }
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

/// The role the API's store connects as on PostgreSQL, as the server does
/// in production: no superuser, owning nothing, holding only the rights
/// `SeaStore::grant_app_role` gives. Created when missing.
pub const APP_ROLE: &str = "identity_test_app";

/// A migrated store of `kind` and ports over it. On PostgreSQL the
/// database is created and migrated as the server's administrator
/// (`IDENTITY_TEST_POSTGRES_URL`, the owner) and the store connects as
/// [`APP_ROLE`]. Without `IDENTITY_TEST_POSTGRES_URL`, PostgreSQL falls back
/// to SQLite and says so.
pub async fn fresh(kind: Kind) -> (Ports, Adapters) {
    let id = uuid::Uuid::now_v7().simple().to_string();
    let (url, cleanup) = match (kind, std::env::var("IDENTITY_TEST_POSTGRES_URL")) {
        (Kind::Postgres, Ok(server)) => {
            let name = format!("identity_api_test_{id}");
            let admin = SeaStore::connect(&server).await.unwrap();
            admin.connection().execute_unprepared(&format!("CREATE DATABASE \"{name}\"")).await.unwrap();
            let create_role = format!(
                "DO $$ BEGIN CREATE ROLE {APP_ROLE} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT NOBYPASSRLS; \
                 EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$"
            );
            admin.connection().execute_unprepared(&create_role).await.unwrap();
            admin.close().await.ok();
            let host = server
                .split_once("://")
                .map_or(server.as_str(), |(_, r)| r)
                .split('/')
                .next()
                .unwrap_or_default();
            let host = host.rsplit_once('@').map_or(host, |(_, h)| h);
            let owner_url = with_database(&server, &name);
            let owner = SeaStore::connect(&owner_url).await.unwrap();
            owner.migrate().await.unwrap();
            owner.grant_app_role(APP_ROLE).await.unwrap();
            owner.close().await.ok();
            (format!("postgres://{APP_ROLE}@{host}/{name}"), Cleanup::Database { server, name })
        }
        (kind, _) => {
            if matches!(kind, Kind::Postgres) {
                println!("PostgreSQL skipped (IDENTITY_TEST_POSTGRES_URL is not set): running on SQLite");
            }
            let dir = std::env::temp_dir().join(format!("identity-api-test-{id}"));
            (format!("sqlite://{}", dir.join("identity.db").display()), Cleanup::Folder(dir))
        }
    };
    let store = SeaStore::connect(&url).await.unwrap();
    // A no-op for the app role on PostgreSQL (migrated above); SQLite's first.
    store.migrate().await.unwrap();
    let memory = MemoryAdapters::with_fast_hasher();
    let mut ports = memory.ports();
    ports.store = Arc::new(store.clone());
    ports.budgets = Arc::new(store.clone());
    (ports, Adapters { clock: memory.clock.clone(), store, cleanup: Some(cleanup) })
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
