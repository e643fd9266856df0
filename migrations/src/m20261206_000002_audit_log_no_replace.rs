//! The audit log cannot be rewritten by replacing a row either.
//!
//! SQLite: `INSERT OR REPLACE` (and `REPLACE`, and an upsert) on an
//! existing entry's `id` or `rowid` deletes the old row to make room, and
//! that delete fires no trigger while `recursive_triggers` is off (its
//! default). This trigger refuses, before anything is written, an insert
//! that names an id or an explicit rowid already in the log, on every
//! connection whatever its pragmas. (In a `BEFORE INSERT` trigger SQLite
//! gives an automatic rowid as -1, which no entry has: the server's inserts
//! pass.) The server's own connections also turn `recursive_triggers` on,
//! so the delete of any replace meets `audit_log_no_delete`.
//!
//! PostgreSQL needs nothing here: it has no `REPLACE`, and `INSERT … ON
//! CONFLICT DO UPDATE` fires the `UPDATE` trigger. What stops the server's
//! own account from switching triggers off is its role (see
//! `docs/operations.md`, "Database roles").

use crate::schema::run;
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

const SQLITE_UP: &[&str] = &["CREATE TRIGGER IF NOT EXISTS audit_log_no_replace BEFORE INSERT ON audit_log \
     WHEN EXISTS (SELECT 1 FROM audit_log WHERE id = NEW.id) \
       OR (NEW.rowid <> -1 AND EXISTS (SELECT 1 FROM audit_log WHERE rowid = NEW.rowid)) \
     BEGIN SELECT RAISE(ABORT, 'the audit log is append-only: REPLACE refused'); END"];

const SQLITE_DOWN: &[&str] = &["DROP TRIGGER IF EXISTS audit_log_no_replace"];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        match manager.get_database_backend() {
            DbBackend::Sqlite => run(manager, SQLITE_UP).await,
            DbBackend::Postgres => Ok(()),
            other => Err(DbErr::Migration(format!("{other:?} is not supported"))),
        }
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        match manager.get_database_backend() {
            DbBackend::Sqlite => run(manager, SQLITE_DOWN).await,
            DbBackend::Postgres => Ok(()),
            other => Err(DbErr::Migration(format!("{other:?} is not supported"))),
        }
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}
