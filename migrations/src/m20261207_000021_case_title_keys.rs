//! Cases get `title_key`: the title folded as names are (lower case, without
//! the combining accents of the Latin, Greek and Cyrillic scripts), so that
//! a case can be found by a part of its title in any case and with or
//! without accents, alike on SQLite and PostgreSQL. This migration fills it
//! for the cases that exist, with the folding as it was defined when it was
//! written (a copy: the domain's may change later, with a migration of its
//! own).

use crate::idens::Cases;
use crate::schema::sorted_text;
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend, Statement};
use unicode_normalization::UnicodeNormalization;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The column this migration adds.
#[derive(DeriveIden, Clone, Copy)]
enum Added {
    TitleKey,
}

/// The key of a title: NFD, without Latin/Greek/Cyrillic combining
/// accents, lower case, NFC.
fn key(title: &str) -> String {
    let bare: String = title
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

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Byte-wise order on PostgreSQL, like SQLite's and Rust's.
        let mut column = sorted_text(manager.get_database_backend(), Added::TitleKey);
        column.default("");
        manager.alter_table(Table::alter().table(Cases::Table).add_column(column).take()).await?;
        let db = manager.get_connection();
        let backend = manager.get_database_backend();
        let update = match backend {
            DbBackend::Postgres => "UPDATE cases SET title_key = $1 WHERE id = $2",
            _ => "UPDATE cases SET title_key = ?1 WHERE id = ?2",
        };
        let rows = db.query_all_raw(Statement::from_string(backend, "SELECT id, title FROM cases")).await?;
        for row in rows {
            let id: sea_orm_migration::sea_orm::prelude::Uuid = row.try_get_by_index(0)?;
            let title: String = row.try_get_by_index(1)?;
            db.execute_raw(Statement::from_sql_and_values(backend, update, [key(&title).into(), id.into()]))
                .await?;
        }
        let by_title = Index::create()
            .if_not_exists()
            .name("ix_cases_practice_title_key")
            .table(Cases::Table)
            .col(Cases::PracticeId)
            .col(Added::TitleKey)
            .take();
        manager.create_index(by_title).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(Index::drop().name("ix_cases_practice_title_key").table(Cases::Table).to_owned())
            .await?;
        manager.alter_table(Table::alter().table(Cases::Table).drop_column(Added::TitleKey).take()).await
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}
