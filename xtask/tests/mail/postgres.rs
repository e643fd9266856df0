//! Two workers on one PostgreSQL database (the way several server
//! processes share one): every email delivered once, by the check the
//! in-memory store passes too (`concurrency.rs`).

use crate::concurrency::two_workers_drain_the_outbox;
use identity_domain::system::SystemClock;
use identity_domain::*;
use identity_memory::MemoryAdapters;
use identity_store::SeaStore;
use sea_orm::ConnectionTrait;
use std::sync::Arc;

const POSTGRES_ENV: &str = "IDENTITY_TEST_POSTGRES_URL";

/// `postgres://user@host:port/anything` → the same server, database `name`.
fn database_url(server: &str, name: &str) -> String {
    let (scheme, rest) = server.split_once("://").unwrap_or(("postgres", server));
    let host = rest.split('/').next().unwrap_or(rest);
    format!("{scheme}://{host}/{name}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_workers_drain_a_thousand_emails_from_postgresql_without_duplicates() {
    let Ok(server) = std::env::var(POSTGRES_ENV) else {
        crate::support::record_skip(crate::support::NO_POSTGRES);
        return;
    };
    let name = format!("identity_mail_test_{}", uuid::Uuid::now_v7().simple());
    let admin = SeaStore::connect(&server).await.unwrap();
    admin.connection().execute_unprepared(&format!("CREATE DATABASE \"{name}\"")).await.unwrap();

    let url = database_url(&server, &name);
    let run = tokio::spawn(async move {
        let store = SeaStore::connect(&url).await.unwrap();
        store.migrate().await.unwrap();
        // The outbox refers to a practice: make one.
        let mut ports = MemoryAdapters::with_fast_hasher().ports();
        ports.store = Arc::new(store.clone());
        let created = IdentityService::new(ports, Config::default())
            .create_practice(NewPractice {
                name: Label::parse("Maple & Associates").unwrap(),
                admin_time_zone: TimeZone::utc(),
                ..NewPractice::example()
            })
            .await
            .unwrap();
        // Its admin's welcome email is not part of the thousand: settle it.
        let now = chrono::Utc::now();
        let setup = WorkerId::parse("setup").unwrap();
        for claimed in store.claim_due(&setup, now, 10, now + chrono::Duration::minutes(1)).await.unwrap() {
            assert!(store.mark_sent(claimed.email.id, claimed.claim, now).await.unwrap());
        }
        two_workers_drain_the_outbox(
            Arc::new(store.clone()),
            Arc::new(store.clone()),
            Arc::new(SystemClock),
            created.practice.id,
            1_000,
        )
        .await;
        store.close().await.unwrap();
    })
    .await;

    admin
        .connection()
        .execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
        .await
        .unwrap();
    admin.close().await.unwrap();
    if let Err(failure) = run {
        std::panic::resume_unwind(failure.into_panic());
    }
}
