//! Roles and profiles: names unique within a practice, permissions stored
//! as a JSON array of dotted names.

use crate::idens::{Practices, Profiles, Roles};
use crate::schema::{drop, fk, flag, json, sorted_text, unique, uuid, uuid_pk};
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
                    .table(Roles::Table)
                    .if_not_exists()
                    .col(uuid_pk(Roles::Id))
                    .col(uuid(Roles::PracticeId))
                    .col(sorted_text(backend, Roles::Name))
                    .col(json(Roles::Permissions))
                    .col(flag(Roles::Bypass))
                    .col(flag(Roles::Builtin))
                    .foreign_key(&mut fk(
                        "fk_roles_practice",
                        Roles::Table,
                        Roles::PracticeId,
                        Practices::Table,
                        Practices::Id,
                    ))
                    .take(),
            )
            .await?;
        manager
            .create_index(unique("ux_roles_practice_name", Roles::Table, [Roles::PracticeId, Roles::Name]))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Profiles::Table)
                    .if_not_exists()
                    .col(uuid_pk(Profiles::Id))
                    .col(uuid(Profiles::PracticeId))
                    .col(sorted_text(backend, Profiles::Name))
                    .col(json(Profiles::Permissions))
                    .col(flag(Profiles::Builtin))
                    .foreign_key(&mut fk(
                        "fk_profiles_practice",
                        Profiles::Table,
                        Profiles::PracticeId,
                        Practices::Table,
                        Practices::Id,
                    ))
                    .take(),
            )
            .await?;
        manager
            .create_index(unique(
                "ux_profiles_practice_name",
                Profiles::Table,
                [Profiles::PracticeId, Profiles::Name],
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(drop(Profiles::Table)).await?;
        manager.drop_table(drop(Roles::Table)).await
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}
