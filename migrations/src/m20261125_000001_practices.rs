//! Practices: the tenants. The slug is unique.

use crate::idens::Practices;
use crate::schema::{drop, int, text, time, unique, uuid_pk};
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Practices::Table)
                    .if_not_exists()
                    .col(uuid_pk(Practices::Id))
                    .col(text(Practices::Slug))
                    .col(text(Practices::Name))
                    .col(int(Practices::SuperAdminCap))
                    .col(int(Practices::PasswordMinLength))
                    .col(time(Practices::CreatedAt))
                    .take(),
            )
            .await?;
        manager.create_index(unique("ux_practices_slug", Practices::Table, [Practices::Slug])).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(drop(Practices::Table)).await
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}
