//! The short n-grams of users' names and emails, for searches of one or two
//! characters in any script.
//!
//! `user_grams` holds, for each user, every distinct 1- and 2-character
//! substring of the folded name (`users.name_key`) and of the normalised
//! email (`users.email_normalized`). A search of one or two characters is
//! then an exact lookup of one gram (`(practice_id, gram)`, the primary
//! key's first columns) instead of a scan of every name: trigram indexes
//! (PostgreSQL) need three characters, and SQLite has none. The store
//! rewrites a user's grams in the unit of work that writes the user.
//!
//! The rows are derived, like an index: they carry no foreign keys (a
//! bulk load of 20,000 users writes over a million of them, and checking
//! each against `users` in one serializable transaction ran PostgreSQL out
//! of predicate-lock memory); the store writes them only with their user,
//! and users are never deleted.
//!
//! This migration makes the table and fills it for the users already
//! stored, from their stored keys (already folded), with a copy of the
//! domain's `short_grams` as it is when this is written.

use crate::schema::run;
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend, Statement, Value};
use std::collections::BTreeSet;

#[derive(DeriveMigrationName)]
pub struct Migration;

const POSTGRES_UP: &[&str] = &[
    "CREATE TABLE IF NOT EXISTS user_grams ( \
       practice_id uuid NOT NULL, \
       gram text COLLATE \"C\" NOT NULL, \
       user_id uuid NOT NULL, \
       CONSTRAINT user_grams_pkey PRIMARY KEY (practice_id, gram, user_id))",
    "CREATE INDEX IF NOT EXISTS ix_user_grams_user ON user_grams (user_id)",
];

/// Without a rowid: the primary key is the table, stored once.
const SQLITE_UP: &[&str] = &[
    "CREATE TABLE IF NOT EXISTS user_grams ( \
       practice_id uuid_text NOT NULL, \
       gram text NOT NULL, \
       user_id uuid_text NOT NULL, \
       PRIMARY KEY (practice_id, gram, user_id)) WITHOUT ROWID",
    "CREATE INDEX IF NOT EXISTS ix_user_grams_user ON user_grams (user_id)",
];

const DOWN: &[&str] = &["DROP INDEX IF EXISTS ix_user_grams_user", "DROP TABLE IF EXISTS user_grams"];

/// Rows per insert statement while filling (three values each).
const ROWS_PER_INSERT: usize = 300;

/// Every distinct 1- and 2-character substring of `text` (a copy of the
/// domain's `short_grams`).
fn short_grams(text: &str, into: &mut BTreeSet<String>) {
    let chars: Vec<char> = text.chars().collect();
    into.extend(chars.iter().map(|c| c.to_string()));
    into.extend(chars.windows(2).map(|w| w.iter().collect::<String>()));
}

/// Fills `user_grams` for every stored user.
async fn fill(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    let db = manager.get_connection();
    let backend = manager.get_database_backend();
    let users = db
        .query_all_raw(Statement::from_string(
            backend,
            "SELECT id, practice_id, name_key, email_normalized FROM users",
        ))
        .await?;
    let mut rows: Vec<[Value; 3]> = Vec::new();
    for user in users {
        let id: sea_orm_migration::sea_orm::prelude::Uuid = user.try_get_by_index(0)?;
        let practice: sea_orm_migration::sea_orm::prelude::Uuid = user.try_get_by_index(1)?;
        let name_key: String = user.try_get_by_index(2)?;
        let email: String = user.try_get_by_index(3)?;
        let mut grams = BTreeSet::new();
        short_grams(&name_key, &mut grams);
        short_grams(&email, &mut grams);
        rows.extend(grams.into_iter().map(|g| [practice.into(), g.into(), id.into()]));
    }
    for chunk in rows.chunks(ROWS_PER_INSERT) {
        let mut sql = String::from("INSERT INTO user_grams (practice_id, gram, user_id) VALUES ");
        let mut values = Vec::with_capacity(chunk.len() * 3);
        for (i, row) in chunk.iter().enumerate() {
            if i > 0 {
                sql.push_str(", ");
            }
            let n = i * 3;
            match backend {
                DbBackend::Postgres => sql.push_str(&format!("(${}, ${}, ${})", n + 1, n + 2, n + 3)),
                _ => sql.push_str("(?, ?, ?)"),
            }
            values.extend(row.iter().cloned());
        }
        sql.push_str(" ON CONFLICT DO NOTHING");
        db.execute_raw(Statement::from_sql_and_values(backend, sql, values)).await?;
    }
    Ok(())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        match manager.get_database_backend() {
            DbBackend::Postgres => run(manager, POSTGRES_UP).await?,
            DbBackend::Sqlite => run(manager, SQLITE_UP).await?,
            other => return Err(DbErr::Migration(format!("{other:?} is not supported"))),
        }
        fill(manager).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        run(manager, DOWN).await
    }
}

#[cfg(test)]
mod tests {
    use super::short_grams;
    use std::collections::BTreeSet;

    #[test]
    fn grams_are_the_one_and_two_character_substrings() {
        let mut grams = BTreeSet::new();
        short_grams("王小明", &mut grams);
        let expected: BTreeSet<String> =
            ["王", "小", "明", "王小", "小明"].into_iter().map(str::to_owned).collect();
        assert_eq!(grams, expected);
    }
}
