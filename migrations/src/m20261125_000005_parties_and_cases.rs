//! Parties (recorded per site) and cases (identity, status and owner only).

use crate::idens::{Cases, Parties, Practices, Sites, Users};
use crate::schema::{drop, fk, index, sorted_text, text, text_null, time, uuid, uuid_pk};
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
                    .table(Parties::Table)
                    .if_not_exists()
                    .col(uuid_pk(Parties::Id))
                    .col(uuid(Parties::PracticeId))
                    .col(uuid(Parties::SiteId))
                    .col(text(Parties::Kind))
                    .col(text(Parties::Name))
                    .col(sorted_text(backend, Parties::NameKey))
                    .col(text_null(Parties::Email))
                    .col(text_null(Parties::Phone))
                    .col(text_null(Parties::Address))
                    .col(ColumnDef::new(Parties::DateOfBirth).date().null())
                    .col(text_null(Parties::Gender))
                    .col(text_null(Parties::GradeOrPosition))
                    .col(text_null(Parties::Language))
                    .col(text(Parties::Portal))
                    .col(time(Parties::CreatedAt))
                    .col(time(Parties::UpdatedAt))
                    .foreign_key(&mut fk(
                        "fk_parties_practice",
                        Parties::Table,
                        Parties::PracticeId,
                        Practices::Table,
                        Practices::Id,
                    ))
                    .foreign_key(&mut fk(
                        "fk_parties_site",
                        Parties::Table,
                        Parties::SiteId,
                        Sites::Table,
                        Sites::Id,
                    ))
                    .take(),
            )
            .await?;
        manager
            .create_index(index(
                "ix_parties_site_name",
                Parties::Table,
                [Parties::PracticeId, Parties::SiteId, Parties::NameKey, Parties::Id],
            ))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Cases::Table)
                    .if_not_exists()
                    .col(uuid_pk(Cases::Id))
                    .col(uuid(Cases::PracticeId))
                    .col(text(Cases::Title))
                    .col(text(Cases::Status))
                    .col(uuid(Cases::OwnerId))
                    .col(time(Cases::CreatedAt))
                    .col(time(Cases::UpdatedAt))
                    .foreign_key(&mut fk(
                        "fk_cases_practice",
                        Cases::Table,
                        Cases::PracticeId,
                        Practices::Table,
                        Practices::Id,
                    ))
                    .foreign_key(&mut fk(
                        "fk_cases_owner",
                        Cases::Table,
                        Cases::OwnerId,
                        Users::Table,
                        Users::Id,
                    ))
                    .take(),
            )
            .await?;
        manager
            .create_index(index(
                "ix_cases_owner",
                Cases::Table,
                [Cases::PracticeId, Cases::OwnerId, Cases::Status, Cases::CreatedAt],
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(drop(Cases::Table)).await?;
        manager.drop_table(drop(Parties::Table)).await
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}
