//! Secrets, stored only as hashes: password credentials (argon2id PHC
//! strings), invitation and recovery links and sessions (SHA-256 of their
//! tokens, unique).

use crate::idens::{Credentials, Links, Parties, Practices, Sessions, Users};
use crate::schema::{drop, fk, flag, index, int, text, text_null, time, time_null, unique, uuid, uuid_pk};
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Credentials::Table)
                    .if_not_exists()
                    .col(uuid_pk(Credentials::UserId))
                    .col(uuid(Credentials::PracticeId))
                    .col(text_null(Credentials::PasswordHash))
                    .col(time_null(Credentials::OneTimeExpiresAt))
                    .col(int(Credentials::FailedAttempts))
                    .col(time_null(Credentials::LastFailureAt))
                    .col(flag(Credentials::Locked))
                    .col(time_null(Credentials::ChangedAt))
                    .col(time_null(Credentials::LastSignInAt))
                    .foreign_key(&mut fk(
                        "fk_credentials_user",
                        Credentials::Table,
                        Credentials::UserId,
                        Users::Table,
                        Users::Id,
                    ))
                    .foreign_key(&mut fk(
                        "fk_credentials_practice",
                        Credentials::Table,
                        Credentials::PracticeId,
                        Practices::Table,
                        Practices::Id,
                    ))
                    .take(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Links::Table)
                    .if_not_exists()
                    .col(uuid_pk(Links::Id))
                    .col(uuid(Links::PracticeId))
                    .col(text(Links::Purpose))
                    .col(ColumnDef::new(Links::UserId).uuid().null())
                    .col(ColumnDef::new(Links::PartyId).uuid().null())
                    .col(ColumnDef::new(Links::TokenHash).binary().not_null())
                    .col(time(Links::CreatedAt))
                    .col(time(Links::ExpiresAt))
                    .col(time_null(Links::UsedAt))
                    .col(time_null(Links::VoidedAt))
                    .check(Expr::cust("(\"user_id\" IS NULL) <> (\"party_id\" IS NULL)"))
                    .foreign_key(&mut fk(
                        "fk_links_practice",
                        Links::Table,
                        Links::PracticeId,
                        Practices::Table,
                        Practices::Id,
                    ))
                    .foreign_key(&mut fk(
                        "fk_links_user",
                        Links::Table,
                        Links::UserId,
                        Users::Table,
                        Users::Id,
                    ))
                    .foreign_key(&mut fk(
                        "fk_links_party",
                        Links::Table,
                        Links::PartyId,
                        Parties::Table,
                        Parties::Id,
                    ))
                    .take(),
            )
            .await?;
        manager.create_index(unique("ux_links_token_hash", Links::Table, [Links::TokenHash])).await?;
        manager
            .create_index(index("ix_links_user", Links::Table, [Links::PracticeId, Links::UserId]))
            .await?;
        manager
            .create_index(index("ix_links_party", Links::Table, [Links::PracticeId, Links::PartyId]))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Sessions::Table)
                    .if_not_exists()
                    .col(uuid_pk(Sessions::Id))
                    .col(uuid(Sessions::PracticeId))
                    .col(uuid(Sessions::UserId))
                    .col(ColumnDef::new(Sessions::TokenHash).binary().not_null())
                    .col(time(Sessions::CreatedAt))
                    .col(time(Sessions::LastSeenAt))
                    .col(time(Sessions::ExpiresAt))
                    .col(flag(Sessions::PasswordChangeOnly))
                    .col(time_null(Sessions::EndedAt))
                    .foreign_key(&mut fk(
                        "fk_sessions_practice",
                        Sessions::Table,
                        Sessions::PracticeId,
                        Practices::Table,
                        Practices::Id,
                    ))
                    .foreign_key(&mut fk(
                        "fk_sessions_user",
                        Sessions::Table,
                        Sessions::UserId,
                        Users::Table,
                        Users::Id,
                    ))
                    .take(),
            )
            .await?;
        manager
            .create_index(unique("ux_sessions_token_hash", Sessions::Table, [Sessions::TokenHash]))
            .await?;
        manager
            .create_index(index(
                "ix_sessions_user",
                Sessions::Table,
                [Sessions::PracticeId, Sessions::UserId],
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(drop(Sessions::Table)).await?;
        manager.drop_table(drop(Links::Table)).await?;
        manager.drop_table(drop(Credentials::Table)).await
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}
