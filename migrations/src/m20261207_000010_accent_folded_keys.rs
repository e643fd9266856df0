//! The sort and search keys of names lose their accents.
//!
//! `users.name_key`, `users.role_key` and `parties.name_key` held the name
//! in lower case; they now hold it also without the combining accents of
//! the Latin, Greek and Cyrillic scripts (the domain's `search_key`), so
//! that a search for `belanger` finds `Bélanger` and names sort as people
//! expect. This migration recomputes every stored key with the folding as
//! it was defined when it was written (a copy: the domain's may change
//! later, with a migration of its own). Going down keeps the new keys: the
//! old code searches and sorts them correctly, only less forgivingly.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend, Statement};
use unicode_normalization::UnicodeNormalization;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The key of a name: NFD, without Latin/Greek/Cyrillic combining accents,
/// lower case, NFC.
fn key(name: &str) -> String {
    let bare: String = name
        .nfd()
        .filter(|c| {
            !matches!(c,
                '\u{0300}'..='\u{036F}'
                | '\u{1AB0}'..='\u{1AFF}'
                | '\u{1DC0}'..='\u{1DFF}'
                | '\u{20D0}'..='\u{20FF}'
                | '\u{FE20}'..='\u{FE2F}')
        })
        .collect();
    bare.to_lowercase().nfc().collect()
}

/// Rewrites `column` of `table` from `source` (a query answering the row
/// key and the name), row by row where the key changes.
async fn rekey(manager: &SchemaManager<'_>, source: &str, update: &str) -> Result<(), DbErr> {
    let db = manager.get_connection();
    let backend = manager.get_database_backend();
    let update = match backend {
        DbBackend::Postgres => update.replace("?1", "$1").replace("?2", "$2"),
        _ => update.to_owned(),
    };
    let rows = db.query_all_raw(Statement::from_string(backend, source)).await?;
    for row in rows {
        let id: sea_orm_migration::sea_orm::prelude::Uuid = row.try_get_by_index(0)?;
        let name: String = row.try_get_by_index(1)?;
        let stored: String = row.try_get_by_index(2)?;
        let folded = key(&name);
        if folded != stored {
            db.execute_raw(Statement::from_sql_and_values(backend, &update, [folded.into(), id.into()]))
                .await?;
        }
    }
    Ok(())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        rekey(
            manager,
            "SELECT id, name, name_key FROM users",
            "UPDATE users SET name_key = ?1 WHERE id = ?2",
        )
        .await?;
        rekey(
            manager,
            "SELECT id, name, name_key FROM parties",
            "UPDATE parties SET name_key = ?1 WHERE id = ?2",
        )
        .await?;
        // One role's users share its key.
        rekey(
            manager,
            "SELECT r.id, r.name, COALESCE(MIN(u.role_key), '') FROM roles r JOIN users u ON u.role_id = r.id \
             GROUP BY r.id, r.name",
            "UPDATE users SET role_key = ?1 WHERE role_id = ?2",
        )
        .await
    }

    async fn down(&self, _manager: &SchemaManager) -> Result<(), DbErr> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::key;

    #[test]
    fn accents_go_and_other_scripts_stay() {
        assert_eq!(key("Anaïs BÉLANGER"), "anais belanger");
        assert_eq!(key("Ŝtefan Đorđević"), "stefan đorđevic");
        assert_eq!(key("王小明"), "王小明");
        assert_eq!(key("कमल"), "कमल");
    }
}
