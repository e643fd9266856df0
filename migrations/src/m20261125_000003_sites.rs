//! Sites: the offices or campuses of a practice, names unique within it.

use crate::idens::{Practices, Sites};
use crate::schema::{drop, fk, sorted_text, text_null, time, unique, uuid, uuid_pk};
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let backend = manager.get_database_backend();
        manager
            .create_table(
                Table::create()
                    .table(Sites::Table)
                    .if_not_exists()
                    .col(uuid_pk(Sites::Id))
                    .col(uuid(Sites::PracticeId))
                    .col(sorted_text(backend, Sites::Name))
                    .col(text_null(Sites::Address))
                    .col(time(Sites::CreatedAt))
                    .foreign_key(&mut fk(
                        "fk_sites_practice",
                        Sites::Table,
                        Sites::PracticeId,
                        Practices::Table,
                        Practices::Id,
                    ))
                    .take(),
            )
            .await?;
        manager
            .create_index(unique("ux_sites_practice_name", Sites::Table, [Sites::PracticeId, Sites::Name]))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(drop(Sites::Table)).await
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}
