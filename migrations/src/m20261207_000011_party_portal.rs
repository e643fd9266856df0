//! The party portal: portal accounts (one per party, keyed by it), every
//! address a portal account ever held (unique per practice on the
//! normalised form, for ever), portal sessions (apart from staff sessions,
//! stored as the SHA-256 of their token, unique), and the parties of cases
//! (a party at most once per case).

use crate::idens::{Cases, Parties, Practices};
use crate::schema::{drop, fk, flag, index, int, text, text_null, time, time_null, unique, uuid, uuid_pk};
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum PortalAccounts {
    Table,
    PartyId,
    PracticeId,
    Email,
    EmailNormalized,
    Status,
    PasswordHash,
    FailedAttempts,
    LastFailureAt,
    Locked,
    TimeZone,
    InvitedAt,
    PasswordChangedAt,
    LastSignInAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum PortalEmailHistory {
    Table,
    Id,
    PracticeId,
    PartyId,
    Email,
    NormalizedEmail,
    HeldFrom,
}

#[derive(DeriveIden)]
enum PortalSessions {
    Table,
    Id,
    PracticeId,
    PartyId,
    TokenHash,
    CreatedAt,
    LastSeenAt,
    ExpiresAt,
    EndedAt,
}

#[derive(DeriveIden)]
enum CaseParties {
    Table,
    CaseId,
    PartyId,
    PracticeId,
    Part,
    AddedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(PortalAccounts::Table)
                    .if_not_exists()
                    .col(uuid_pk(PortalAccounts::PartyId))
                    .col(uuid(PortalAccounts::PracticeId))
                    .col(text(PortalAccounts::Email))
                    .col(text(PortalAccounts::EmailNormalized))
                    .col(text(PortalAccounts::Status))
                    .col(text_null(PortalAccounts::PasswordHash))
                    .col(int(PortalAccounts::FailedAttempts))
                    .col(time_null(PortalAccounts::LastFailureAt))
                    .col(flag(PortalAccounts::Locked))
                    .col(text_null(PortalAccounts::TimeZone))
                    .col(time_null(PortalAccounts::InvitedAt))
                    .col(time_null(PortalAccounts::PasswordChangedAt))
                    .col(time_null(PortalAccounts::LastSignInAt))
                    .col(time(PortalAccounts::CreatedAt))
                    .col(time(PortalAccounts::UpdatedAt))
                    .foreign_key(&mut fk(
                        "fk_portal_accounts_party",
                        PortalAccounts::Table,
                        PortalAccounts::PartyId,
                        Parties::Table,
                        Parties::Id,
                    ))
                    .foreign_key(&mut fk(
                        "fk_portal_accounts_practice",
                        PortalAccounts::Table,
                        PortalAccounts::PracticeId,
                        Practices::Table,
                        Practices::Id,
                    ))
                    .take(),
            )
            .await?;
        manager
            .create_index(unique(
                "ux_portal_accounts_practice_email",
                PortalAccounts::Table,
                [PortalAccounts::PracticeId, PortalAccounts::EmailNormalized],
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(PortalEmailHistory::Table)
                    .if_not_exists()
                    .col(uuid_pk(PortalEmailHistory::Id))
                    .col(uuid(PortalEmailHistory::PracticeId))
                    .col(uuid(PortalEmailHistory::PartyId))
                    .col(text(PortalEmailHistory::Email))
                    .col(text(PortalEmailHistory::NormalizedEmail))
                    .col(time(PortalEmailHistory::HeldFrom))
                    .foreign_key(&mut fk(
                        "fk_portal_email_history_party",
                        PortalEmailHistory::Table,
                        PortalEmailHistory::PartyId,
                        Parties::Table,
                        Parties::Id,
                    ))
                    .foreign_key(&mut fk(
                        "fk_portal_email_history_practice",
                        PortalEmailHistory::Table,
                        PortalEmailHistory::PracticeId,
                        Practices::Table,
                        Practices::Id,
                    ))
                    .take(),
            )
            .await?;
        manager
            .create_index(unique(
                "ux_portal_email_history_practice_normalized_email",
                PortalEmailHistory::Table,
                [PortalEmailHistory::PracticeId, PortalEmailHistory::NormalizedEmail],
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(PortalSessions::Table)
                    .if_not_exists()
                    .col(uuid_pk(PortalSessions::Id))
                    .col(uuid(PortalSessions::PracticeId))
                    .col(uuid(PortalSessions::PartyId))
                    .col(ColumnDef::new(PortalSessions::TokenHash).binary().not_null())
                    .col(time(PortalSessions::CreatedAt))
                    .col(time(PortalSessions::LastSeenAt))
                    .col(time(PortalSessions::ExpiresAt))
                    .col(time_null(PortalSessions::EndedAt))
                    .foreign_key(&mut fk(
                        "fk_portal_sessions_practice",
                        PortalSessions::Table,
                        PortalSessions::PracticeId,
                        Practices::Table,
                        Practices::Id,
                    ))
                    .foreign_key(&mut fk(
                        "fk_portal_sessions_party",
                        PortalSessions::Table,
                        PortalSessions::PartyId,
                        Parties::Table,
                        Parties::Id,
                    ))
                    .take(),
            )
            .await?;
        manager
            .create_index(unique(
                "ux_portal_sessions_token_hash",
                PortalSessions::Table,
                [PortalSessions::TokenHash],
            ))
            .await?;
        manager
            .create_index(index(
                "ix_portal_sessions_party",
                PortalSessions::Table,
                [PortalSessions::PracticeId, PortalSessions::PartyId],
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(CaseParties::Table)
                    .if_not_exists()
                    .col(uuid(CaseParties::CaseId))
                    .col(uuid(CaseParties::PartyId))
                    .col(uuid(CaseParties::PracticeId))
                    .col(text(CaseParties::Part))
                    .col(time(CaseParties::AddedAt))
                    .primary_key(Index::create().col(CaseParties::CaseId).col(CaseParties::PartyId))
                    .foreign_key(&mut fk(
                        "fk_case_parties_case",
                        CaseParties::Table,
                        CaseParties::CaseId,
                        Cases::Table,
                        Cases::Id,
                    ))
                    .foreign_key(&mut fk(
                        "fk_case_parties_party",
                        CaseParties::Table,
                        CaseParties::PartyId,
                        Parties::Table,
                        Parties::Id,
                    ))
                    .foreign_key(&mut fk(
                        "fk_case_parties_practice",
                        CaseParties::Table,
                        CaseParties::PracticeId,
                        Practices::Table,
                        Practices::Id,
                    ))
                    .take(),
            )
            .await?;
        manager
            .create_index(index(
                "ix_case_parties_party",
                CaseParties::Table,
                [CaseParties::PracticeId, CaseParties::PartyId, CaseParties::AddedAt],
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(drop(CaseParties::Table)).await?;
        manager.drop_table(drop(PortalSessions::Table)).await?;
        manager.drop_table(drop(PortalEmailHistory::Table)).await?;
        manager.drop_table(drop(PortalAccounts::Table)).await
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}
