//! `address_budgets`: per-client-address request counts, one row per
//! address key and one-minute window, shared by every server process on the
//! database.
//!
//! The address is kept as text (`203.0.113.9`, or an IPv6 `/64`): a row
//! lives about two minutes, and an operator looking at a flood can read
//! where it comes from. `window_start` is the window's start in Unix
//! seconds. The store counts with one upsert statement per request and
//! removes windows that are over.
//!
//! On PostgreSQL the table is `UNLOGGED`: counts are written on every
//! sign-in attempt and need no write-ahead log; a crash of the database
//! server empties it (a restart of the server processes does not).

use crate::schema::run;
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

const SQLITE_UP: &[&str] = &[
    "CREATE TABLE IF NOT EXISTS address_budgets (address TEXT NOT NULL, window_start BIGINT NOT NULL, \
     hits BIGINT NOT NULL, PRIMARY KEY (address, window_start))",
    "CREATE INDEX IF NOT EXISTS ix_address_budgets_window_start ON address_budgets (window_start)",
];

const POSTGRES_UP: &[&str] = &[
    "CREATE UNLOGGED TABLE IF NOT EXISTS address_budgets (address TEXT NOT NULL, window_start BIGINT NOT NULL, \
     hits BIGINT NOT NULL, CONSTRAINT address_budgets_pkey PRIMARY KEY (address, window_start))",
    "CREATE INDEX IF NOT EXISTS ix_address_budgets_window_start ON address_budgets (window_start)",
];

const DOWN: &[&str] = &["DROP TABLE IF EXISTS address_budgets"];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        match manager.get_database_backend() {
            DbBackend::Sqlite => run(manager, SQLITE_UP).await,
            DbBackend::Postgres => run(manager, POSTGRES_UP).await,
            other => Err(DbErr::Migration(format!("{other:?} is not supported"))),
        }
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        run(manager, DOWN).await
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}
