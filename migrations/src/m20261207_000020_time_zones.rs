//! Time zones for practices and sites.
//!
//! - `practices.time_zone`: the practice's own IANA time zone (`UTC` for
//!   every practice that existed before);
//! - `sites.time_zone`: a site's, when it differs from its practice's
//!   (`NULL`: the practice's).
//!
//! A party's emails and portal pages use the time zone the party chose, else
//! their site's, else their practice's.

use crate::idens::{Practices, Sites};
use crate::schema::text_null;
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The column this migration adds to both tables.
#[derive(DeriveIden, Clone, Copy)]
enum Added {
    TimeZone,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let practice_zone = ColumnDef::new(Added::TimeZone).text().not_null().default("UTC").take();
        manager.alter_table(Table::alter().table(Practices::Table).add_column(practice_zone).take()).await?;
        manager
            .alter_table(Table::alter().table(Sites::Table).add_column(text_null(Added::TimeZone)).take())
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.alter_table(Table::alter().table(Sites::Table).drop_column(Added::TimeZone).take()).await?;
        manager.alter_table(Table::alter().table(Practices::Table).drop_column(Added::TimeZone).take()).await
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}
