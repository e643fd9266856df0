//! A PostgreSQL server for the tests that start the real binary on it:
//! `IDENTITY_TEST_POSTGRES_URL`, one fresh database per test.

#![allow(dead_code)]

use identity_store::SeaStore;
use sea_orm::ConnectionTrait;

/// A PostgreSQL server for the tests, or `None` (the test says it skipped).
pub fn postgres() -> Option<String> {
    match std::env::var("IDENTITY_TEST_POSTGRES_URL") {
        Ok(url) => Some(url),
        Err(_) => {
            xtask::skips::record(xtask::skips::POSTGRES, &xtask::skips::current_test());
            None
        }
    }
}

/// A fresh database on `server`: its URL; dropped by [`drop_database`].
pub async fn create_database(server: &str, tag: &str) -> (String, String) {
    let name = format!("identity_{tag}_{}", uuid::Uuid::now_v7().simple());
    let admin = SeaStore::connect(server).await.unwrap();
    admin.connection().execute_unprepared(&format!("CREATE DATABASE \"{name}\"")).await.unwrap();
    admin.close().await.unwrap();
    let host =
        server.split_once("://").map_or(server, |(_, rest)| rest).split('/').next().unwrap_or_default();
    (format!("postgres://{host}/{name}"), name)
}

pub async fn drop_database(server: &str, name: &str) {
    let admin = SeaStore::connect(server).await.unwrap();
    let sql = format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
    admin.connection().execute_unprepared(&sql).await.unwrap();
    admin.close().await.unwrap();
}
