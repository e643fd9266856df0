//! Second factors.
//!
//! - `user_factors`: a user's TOTP authenticators (`kind` = `totp`), the
//!   secret sealed with the server's key (`secret`, base64 of nonce and
//!   ciphertext), `confirmed` once a code from it was typed, `last_step`
//!   the last TOTP step accepted (no code of it or before works again);
//! - `recovery_codes`: each user's recovery codes as SHA-256 hashes salted
//!   with the user's id, `used_at` once used;
//! - `sessions.scope`: what a session may do (`full`, `password_change`,
//!   `second_factor`, `enrolment`); sessions stored before keep their
//!   meaning (`password_change` where `password_change_only` was set). The
//!   store keeps `password_change_only` true for every session that is not
//!   `full`, so a server of an earlier version sharing the database treats
//!   a session that still owes a step as restricted, never as full;
//! - `sessions.password_at`: when the password was last typed in the
//!   session (`NULL` before: its start);
//! - `roles.second_factor_required` and `practices.second_factor_required`:
//!   who must have a second factor (nobody in existing practices: a new
//!   practice starts with it on for Super Admin and Administrator).

use crate::idens::{Practices, Roles, Users};
use crate::schema::{fk, flag, index, run, text, time, time_null, uuid, uuid_pk};
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum UserFactors {
    Table,
    Id,
    PracticeId,
    UserId,
    Kind,
    Name,
    Secret,
    Confirmed,
    LastStep,
    CreatedAt,
    LastUsedAt,
}

#[derive(DeriveIden)]
enum RecoveryCodes {
    Table,
    PracticeId,
    UserId,
    CodeHash,
    CreatedAt,
    UsedAt,
}

#[derive(DeriveIden)]
enum Sessions {
    Table,
    Scope,
    PasswordAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum Added {
    SecondFactorRequired,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(UserFactors::Table)
                    .if_not_exists()
                    .col(uuid_pk(UserFactors::Id))
                    .col(uuid(UserFactors::PracticeId))
                    .col(uuid(UserFactors::UserId))
                    .col(text(UserFactors::Kind))
                    .col(text(UserFactors::Name))
                    .col(text(UserFactors::Secret))
                    .col(flag(UserFactors::Confirmed))
                    .col(ColumnDef::new(UserFactors::LastStep).big_integer().null())
                    .col(time(UserFactors::CreatedAt))
                    .col(time_null(UserFactors::LastUsedAt))
                    .foreign_key(&mut fk(
                        "fk_user_factors_practice",
                        UserFactors::Table,
                        UserFactors::PracticeId,
                        Practices::Table,
                        Practices::Id,
                    ))
                    .foreign_key(&mut fk(
                        "fk_user_factors_user",
                        UserFactors::Table,
                        UserFactors::UserId,
                        Users::Table,
                        Users::Id,
                    ))
                    .take(),
            )
            .await?;
        manager
            .create_index(index(
                "ix_user_factors_user",
                UserFactors::Table,
                [UserFactors::PracticeId, UserFactors::UserId],
            ))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(RecoveryCodes::Table)
                    .if_not_exists()
                    .col(uuid(RecoveryCodes::PracticeId))
                    .col(uuid(RecoveryCodes::UserId))
                    .col(ColumnDef::new(RecoveryCodes::CodeHash).binary().not_null())
                    .col(time(RecoveryCodes::CreatedAt))
                    .col(time_null(RecoveryCodes::UsedAt))
                    .primary_key(Index::create().col(RecoveryCodes::UserId).col(RecoveryCodes::CodeHash))
                    .foreign_key(&mut fk(
                        "fk_recovery_codes_user",
                        RecoveryCodes::Table,
                        RecoveryCodes::UserId,
                        Users::Table,
                        Users::Id,
                    ))
                    .take(),
            )
            .await?;
        let scope = ColumnDef::new(Sessions::Scope).text().not_null().default("full").take();
        manager.alter_table(Table::alter().table(Sessions::Table).add_column(scope).take()).await?;
        manager
            .alter_table(
                Table::alter().table(Sessions::Table).add_column(time_null(Sessions::PasswordAt)).take(),
            )
            .await?;
        run(manager, &["UPDATE sessions SET scope = 'password_change' WHERE password_change_only"]).await?;
        for table in [Practices::Table.into_iden(), Roles::Table.into_iden()] {
            let required =
                ColumnDef::new(Added::SecondFactorRequired).boolean().not_null().default(false).take();
            manager.alter_table(Table::alter().table(table).add_column(required).take()).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [Roles::Table.into_iden(), Practices::Table.into_iden()] {
            manager
                .alter_table(Table::alter().table(table).drop_column(Added::SecondFactorRequired).take())
                .await?;
        }
        manager
            .alter_table(Table::alter().table(Sessions::Table).drop_column(Sessions::PasswordAt).take())
            .await?;
        manager
            .alter_table(Table::alter().table(Sessions::Table).drop_column(Sessions::Scope).take())
            .await?;
        manager.drop_table(Table::drop().table(RecoveryCodes::Table).if_exists().take()).await?;
        manager.drop_table(Table::drop().table(UserFactors::Table).if_exists().take()).await
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}
