//! Second factors of parties' portal accounts.
//!
//! - `portal_factors`: a party's TOTP authenticators and passkeys, as
//!   `user_factors` keeps a user's (the secret, or what the relying party
//!   keeps of a passkey, sealed with the server's key in `secret`), the
//!   credential id unique across every party
//!   (`ux_portal_factors_credential_id`);
//! - `portal_recovery_codes`: each party's recovery codes as SHA-256
//!   hashes salted with the party's id, `used_at` once used;
//! - `portal_sessions.scope`: `full`, or `second_factor` while the session
//!   waits for the second factor (sessions stored before are full);
//!   `portal_sessions.password_at`: when the password was last typed in
//!   the session (`NULL` before: its start); `portal_sessions.ceremony`:
//!   the one passkey ceremony the session waits on, taken by the answer.

use crate::idens::{Parties, Practices};
use crate::schema::{fk, flag, index, text, text_null, time, time_null, unique, uuid, uuid_pk};
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum PortalFactors {
    Table,
    Id,
    PracticeId,
    PartyId,
    Kind,
    Name,
    Secret,
    Confirmed,
    LastStep,
    CreatedAt,
    LastUsedAt,
    CredentialId,
}

#[derive(DeriveIden)]
enum PortalRecoveryCodes {
    Table,
    PracticeId,
    PartyId,
    CodeHash,
    CreatedAt,
    UsedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum PortalSessions {
    Table,
    Scope,
    PasswordAt,
    Ceremony,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(PortalFactors::Table)
                    .if_not_exists()
                    .col(uuid_pk(PortalFactors::Id))
                    .col(uuid(PortalFactors::PracticeId))
                    .col(uuid(PortalFactors::PartyId))
                    .col(text(PortalFactors::Kind))
                    .col(text(PortalFactors::Name))
                    .col(text(PortalFactors::Secret))
                    .col(flag(PortalFactors::Confirmed))
                    .col(ColumnDef::new(PortalFactors::LastStep).big_integer().null())
                    .col(time(PortalFactors::CreatedAt))
                    .col(time_null(PortalFactors::LastUsedAt))
                    .col(ColumnDef::new(PortalFactors::CredentialId).binary().null())
                    .foreign_key(&mut fk(
                        "fk_portal_factors_practice",
                        PortalFactors::Table,
                        PortalFactors::PracticeId,
                        Practices::Table,
                        Practices::Id,
                    ))
                    .foreign_key(&mut fk(
                        "fk_portal_factors_party",
                        PortalFactors::Table,
                        PortalFactors::PartyId,
                        Parties::Table,
                        Parties::Id,
                    ))
                    .take(),
            )
            .await?;
        manager
            .create_index(index(
                "ix_portal_factors_party",
                PortalFactors::Table,
                [PortalFactors::PracticeId, PortalFactors::PartyId],
            ))
            .await?;
        manager
            .create_index(unique(
                "ux_portal_factors_credential_id",
                PortalFactors::Table,
                [PortalFactors::CredentialId],
            ))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(PortalRecoveryCodes::Table)
                    .if_not_exists()
                    .col(uuid(PortalRecoveryCodes::PracticeId))
                    .col(uuid(PortalRecoveryCodes::PartyId))
                    .col(ColumnDef::new(PortalRecoveryCodes::CodeHash).binary().not_null())
                    .col(time(PortalRecoveryCodes::CreatedAt))
                    .col(time_null(PortalRecoveryCodes::UsedAt))
                    .primary_key(
                        Index::create().col(PortalRecoveryCodes::PartyId).col(PortalRecoveryCodes::CodeHash),
                    )
                    .foreign_key(&mut fk(
                        "fk_portal_recovery_codes_party",
                        PortalRecoveryCodes::Table,
                        PortalRecoveryCodes::PartyId,
                        Parties::Table,
                        Parties::Id,
                    ))
                    .take(),
            )
            .await?;
        let scope = ColumnDef::new(PortalSessions::Scope).text().not_null().default("full").take();
        for column in [scope, time_null(PortalSessions::PasswordAt), text_null(PortalSessions::Ceremony)] {
            let mut column = column;
            manager
                .alter_table(Table::alter().table(PortalSessions::Table).add_column(&mut column).take())
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [PortalSessions::Ceremony, PortalSessions::PasswordAt, PortalSessions::Scope] {
            manager
                .alter_table(Table::alter().table(PortalSessions::Table).drop_column(column).take())
                .await?;
        }
        manager.drop_table(Table::drop().table(PortalRecoveryCodes::Table).if_exists().take()).await?;
        manager.drop_table(Table::drop().table(PortalFactors::Table).if_exists().take()).await
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}
