//! Database errors as the domain's [`StoreError`].
//!
//! A unique violation is recognised through `DbErr::sql_err()`, the same on
//! SQLite and PostgreSQL, and attributed to the exact index it broke, looked
//! up in the schema's own list ([`migrations::UNIQUE_INDEXES`]): PostgreSQL
//! reports the index's name (read from the error's constraint field, not
//! from its possibly translated message), SQLite the table and columns it
//! covers (`UNIQUE constraint failed: users.practice_id,
//! users.email_normalized`). What the index guards decides the error: a
//! taken name or email is a [`Conflict`]; a duplicate id or token hash is a
//! fault, [`StoreError::Internal`] naming the index. A failure that trying
//! again cannot mend is [`StoreError::Internal`] too (see [`faulty`]): a
//! column that does not decode, a value that does not convert, a
//! constraint or trigger that refused the statement. A serialization
//! failure or a deadlock is [`StoreError::Contended`]. Everything else —
//! connecting, timeouts, a busy or full database — is
//! [`StoreError::Unavailable`]. The text is always the database's
//! message: SQL errors carry no bound values, so no secret.

use identity_domain::{Conflict, StoreError};
use migrations::{Guards, UniqueIndex};
use sea_orm::{DbErr, RuntimeErr, SqlErr};

/// Any database failure, with no regard to unique indexes (connecting,
/// beginning, committing, reading): [`StoreError::Contended`] when
/// PostgreSQL refused the transaction for racing another,
/// [`StoreError::Internal`] when trying again cannot mend it ([`faulty`]),
/// else [`StoreError::Unavailable`].
pub(crate) fn unavailable(err: DbErr) -> StoreError {
    if raced(&err) {
        return StoreError::Contended(err.to_string());
    }
    if faulty(&err) {
        return StoreError::Internal(err.to_string());
    }
    StoreError::Unavailable(err.to_string())
}

/// Whether `err` is a fault of the data or of the code, which the same
/// statement would meet again: a column that does not decode or a value
/// that does not convert; a statement refused by a constraint (not null,
/// check, foreign key) or a trigger (SQLite's constraint and type-mismatch
/// codes; PostgreSQL's data exceptions, class 22, integrity violations,
/// class 23, and `RAISE EXCEPTION`, P0001). Connection failures,
/// timeouts, a busy, locked or full database are not.
fn faulty(err: &DbErr) -> bool {
    use sea_orm::sqlx::error::ErrorKind;
    match err {
        DbErr::TryIntoErr { .. }
        | DbErr::UnpackInsertId
        | DbErr::UpdateGetPrimaryKey
        | DbErr::AttrNotSet(_)
        | DbErr::Type(_)
        | DbErr::Json(_) => true,
        DbErr::Exec(RuntimeErr::SqlxError(e)) | DbErr::Query(RuntimeErr::SqlxError(e)) => match e.as_ref() {
            sea_orm::sqlx::Error::ColumnDecode { .. }
            | sea_orm::sqlx::Error::Decode(_)
            | sea_orm::sqlx::Error::TypeNotFound { .. }
            | sea_orm::sqlx::Error::ColumnNotFound(_)
            | sea_orm::sqlx::Error::ColumnIndexOutOfBounds { .. } => true,
            sea_orm::sqlx::Error::Database(database) => {
                let refused = matches!(
                    database.kind(),
                    ErrorKind::UniqueViolation
                        | ErrorKind::ForeignKeyViolation
                        | ErrorKind::NotNullViolation
                        | ErrorKind::CheckViolation
                );
                refused || database.code().is_some_and(|code| refused_statement(&code))
            }
            _ => false,
        },
        _ => false,
    }
}

/// SQLSTATEs (PostgreSQL: five characters) and result codes (SQLite:
/// decimal, extended) of a statement refused for what it holds or does.
fn refused_statement(code: &str) -> bool {
    const SQLITE_CONSTRAINT: i64 = 19;
    const SQLITE_MISMATCH: i64 = 20;
    if code.len() == 5 {
        return code.starts_with("22") || code.starts_with("23") || code == "P0001";
    }
    code.parse::<i64>().is_ok_and(|extended| matches!(extended & 0xff, SQLITE_CONSTRAINT | SQLITE_MISMATCH))
}

/// SQLSTATEs of a transaction refused for racing another: a serialization
/// failure, a deadlock.
const RACED: [&str; 2] = ["40001", "40P01"];

/// Whether `err` is PostgreSQL refusing the transaction for racing
/// another (see [`RACED`]): the whole unit of work may run again.
fn raced(err: &DbErr) -> bool {
    let (DbErr::Exec(RuntimeErr::SqlxError(e)) | DbErr::Query(RuntimeErr::SqlxError(e))) = err else {
        return false;
    };
    match e.as_ref() {
        sea_orm::sqlx::Error::Database(database) => {
            database.code().is_some_and(|code| RACED.contains(&code.as_ref()))
        }
        _ => false,
    }
}

/// A database failure as the domain sees it: a unique violation becomes
/// the error of the exact index it broke (see the module documentation),
/// anything else [`StoreError::Unavailable`].
///
/// Public for operations tooling that writes with SQL of its own.
pub fn store_error(err: DbErr) -> StoreError {
    let Some(SqlErr::UniqueConstraintViolation(message)) = err.sql_err() else {
        return unavailable(err);
    };
    match violated_index(&err, &message) {
        Some(index) => match index.guards {
            Guards::PracticeSlug | Guards::NameInPractice => Conflict::NameTaken.into(),
            Guards::EmailInPractice => Conflict::EmailTaken.into(),
            Guards::OnePerParty => Conflict::Stale.into(),
            Guards::PasskeyCredential => Conflict::CredentialTaken.into(),
            Guards::TokenHash | Guards::RecordId => {
                StoreError::Internal(format!("unique index {} refused a duplicate: {message}", index.name))
            }
        },
        None => StoreError::Internal(format!("a unique index the schema does not list refused: {message}")),
    }
}

/// The schema's index that `err` (a unique violation saying `message`)
/// broke.
fn violated_index(err: &DbErr, message: &str) -> Option<&'static UniqueIndex> {
    if let DbErr::Exec(RuntimeErr::SqlxError(e)) | DbErr::Query(RuntimeErr::SqlxError(e)) = err
        && let sea_orm::sqlx::Error::Database(database) = e.as_ref()
        && let Some(name) = database.constraint()
    {
        return UniqueIndex::named(name);
    }
    sqlite_index(message)
}

/// The index a SQLite unique violation names: by its columns
/// (`UNIQUE constraint failed: t.a, t.b`), or by name for an index on
/// expressions (`UNIQUE constraint failed: index 'name'`).
fn sqlite_index(message: &str) -> Option<&'static UniqueIndex> {
    let list = message.strip_prefix("UNIQUE constraint failed: ")?;
    if let Some(name) = list.strip_prefix("index '").and_then(|rest| rest.strip_suffix('\'')) {
        return UniqueIndex::named(name);
    }
    let mut table = None;
    let mut columns = Vec::new();
    for item in list.split(", ") {
        let (t, column) = item.split_once('.')?;
        if table.is_some_and(|seen| seen != t) {
            return None;
        }
        table = Some(t);
        columns.push(column);
    }
    UniqueIndex::on(table?, &columns)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_messages_name_their_index_by_columns() {
        let users = sqlite_index("UNIQUE constraint failed: users.practice_id, users.email_normalized");
        assert_eq!(users.map(|i| i.name), Some("ux_users_practice_email"));
        let pkey = sqlite_index("UNIQUE constraint failed: users.id");
        assert_eq!(pkey.map(|i| i.name), Some("users_pkey"));
        assert_eq!(sqlite_index("UNIQUE constraint failed: users.email_normalized"), None);
        assert_eq!(sqlite_index("UNIQUE constraint failed: users.practice_id, roles.name"), None);
        assert_eq!(
            sqlite_index("UNIQUE constraint failed: index 'ux_practices_slug'").map(|i| i.name),
            Some("ux_practices_slug")
        );
        assert_eq!(sqlite_index("NOT NULL constraint failed: users.id"), None);
    }

    #[test]
    fn a_refused_statement_is_told_from_an_unavailable_database_by_its_code() {
        // PostgreSQL: data exceptions, integrity violations, RAISE EXCEPTION.
        for code in ["22021", "22P02", "23502", "23503", "23514", "P0001"] {
            assert!(refused_statement(code), "{code}");
        }
        // Connection, resources (disk full), operator (timeouts), locks, races.
        for code in ["08006", "53100", "57014", "55P03", "40001", "42501"] {
            assert!(!refused_statement(code), "{code}");
        }
        // SQLite: SQLITE_CONSTRAINT_TRIGGER, _NOTNULL, _FOREIGNKEY, SQLITE_MISMATCH.
        for code in ["1811", "1299", "787", "20"] {
            assert!(refused_statement(code), "{code}");
        }
        // SQLITE_BUSY, SQLITE_FULL, SQLITE_READONLY, SQLITE_IOERR_WRITE, SQLITE_CANTOPEN.
        for code in ["5", "13", "8", "778", "14"] {
            assert!(!refused_statement(code), "{code}");
        }
    }
}
