//! Indexes for searching the users list by any part of a name or email.
//!
//! PostgreSQL: trigram (`pg_trgm`) GIN indexes on the folded name and the
//! normalised email, so `LIKE '%…%'` finds the users a search of three or
//! more characters matches without reading the others. `pg_trgm` ships
//! with PostgreSQL and is a trusted extension: the database's owner may
//! create it.
//!
//! SQLite: the name-order and email-order indexes (which these replace)
//! also hold the other searched column, so a search sorted by name (the
//! list's default) or by email reads only the index until it has its page.

use crate::schema::run;
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

const POSTGRES_UP: &[&str] = &[
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS ix_users_name_trigrams ON users USING gin (name_key gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS ix_users_email_trigrams ON users USING gin (email_normalized gin_trgm_ops)",
];

const POSTGRES_DOWN: &[&str] =
    &["DROP INDEX IF EXISTS ix_users_email_trigrams", "DROP INDEX IF EXISTS ix_users_name_trigrams"];

const SQLITE_UP: &[&str] = &[
    "CREATE INDEX IF NOT EXISTS ix_users_name_search ON users (practice_id, name_key, id, email_normalized)",
    "CREATE INDEX IF NOT EXISTS ix_users_email_search ON users (practice_id, email_normalized, id, name_key)",
    // Their first three columns were these indexes.
    "DROP INDEX IF EXISTS ix_users_name",
    "DROP INDEX IF EXISTS ix_users_email",
];

const SQLITE_DOWN: &[&str] = &[
    "CREATE INDEX IF NOT EXISTS ix_users_email ON users (practice_id, email_normalized, id)",
    "CREATE INDEX IF NOT EXISTS ix_users_name ON users (practice_id, name_key, id)",
    "DROP INDEX IF EXISTS ix_users_email_search",
    "DROP INDEX IF EXISTS ix_users_name_search",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        match manager.get_database_backend() {
            DbBackend::Postgres => run(manager, POSTGRES_UP).await,
            DbBackend::Sqlite => run(manager, SQLITE_UP).await,
            other => Err(DbErr::Migration(format!("{other:?} is not supported"))),
        }
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        match manager.get_database_backend() {
            DbBackend::Postgres => run(manager, POSTGRES_DOWN).await,
            DbBackend::Sqlite => run(manager, SQLITE_DOWN).await,
            other => Err(DbErr::Migration(format!("{other:?} is not supported"))),
        }
    }
}
