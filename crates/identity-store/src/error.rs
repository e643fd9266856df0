//! Database errors as the domain's [`StoreError`].
//!
//! Unique violations are recognised through `DbErr::sql_err()`, which reads
//! the same on SQLite and PostgreSQL, and attributed by the column they
//! concern: SQLite's message names the columns (`roles.practice_id,
//! roles.name`), PostgreSQL's names the index, and every unique index is
//! named after its columns (`ux_roles_practice_name`), so one word matches
//! both. Everything else is [`StoreError::Unavailable`], whose text is the
//! database's message: SQL errors carry no bound values, so no secret.

use identity_domain::{Conflict, StoreError};
use sea_orm::{DbErr, SqlErr};

/// Any database failure.
pub(crate) fn unavailable(err: DbErr) -> StoreError {
    StoreError::Unavailable(err.to_string())
}

/// A unique violation on a column named with `column` becomes `conflict`;
/// anything else is [`unavailable`].
pub(crate) fn unique_or(err: DbErr, column: &str, conflict: Conflict) -> StoreError {
    match err.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(message)) if message.contains(column) => conflict.into(),
        _ => unavailable(err),
    }
}

/// The marker of the email unique indexes (`email_history.normalized_email`,
/// `users.email_normalized`).
pub(crate) const EMAIL: &str = "normalized";
/// The marker of role, profile and site name indexes.
pub(crate) const NAME: &str = "name";
/// The marker of the practice slug index.
pub(crate) const SLUG: &str = "slug";
