//! Users, their profiles and sites, and the history of every email they held.
//!
//! `users` carries, beside the user's fields, the columns the users list
//! filters and sorts on, each folded by the domain: `name_key`
//! (`PersonName::search_key`), `email_normalized`
//! (`EmailAddress::normalized`) and `role_key` (the role's name folded the
//! same way, kept in step when a role is renamed). Each sort column has a
//! `(practice_id, column, id)` index so that a keyset page is an index range
//! scan at 100,000 users per practice.
//!
//! `email_history` holds every address a user ever held; its unique index on
//! `(practice_id, normalized_email)` is what keeps an address from ever going
//! to another user, even under concurrent writes. An address is reserved
//! before its user row is written, so its reference to `users` is checked at
//! commit (`DEFERRABLE INITIALLY DEFERRED`).
//!
//! There is no delete path: nothing cascades, and every reference restricts.

use crate::idens::{EmailHistory, Practices, Profiles, Roles, Sites, UserProfiles, UserSites, Users};
use crate::schema::{drop, fk, index, int, sorted_text, text, text_null, time, unique, uuid, uuid_pk};
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
                    .table(Users::Table)
                    .if_not_exists()
                    .col(uuid_pk(Users::Id))
                    .col(uuid(Users::PracticeId))
                    .col(text(Users::Email))
                    .col(sorted_text(backend, Users::EmailNormalized))
                    .col(text(Users::Name))
                    .col(sorted_text(backend, Users::NameKey))
                    .col(uuid(Users::RoleId))
                    .col(sorted_text(backend, Users::RoleKey))
                    .col(sorted_text(backend, Users::Language))
                    .col(sorted_text(backend, Users::TimeZone))
                    .col(text_null(Users::Phone))
                    .col(text_null(Users::Title))
                    .col(text_null(Users::Notes))
                    .col(sorted_text(backend, Users::Status))
                    .col(int(Users::Version))
                    .col(time(Users::CreatedAt))
                    .col(time(Users::UpdatedAt))
                    .foreign_key(&mut fk(
                        "fk_users_practice",
                        Users::Table,
                        Users::PracticeId,
                        Practices::Table,
                        Practices::Id,
                    ))
                    .foreign_key(&mut fk(
                        "fk_users_role",
                        Users::Table,
                        Users::RoleId,
                        Roles::Table,
                        Roles::Id,
                    ))
                    .take(),
            )
            .await?;
        manager
            .create_index(unique(
                "ux_users_practice_email",
                Users::Table,
                [Users::PracticeId, Users::EmailNormalized],
            ))
            .await?;
        let sort_indexes = [
            ("ix_users_name", Users::NameKey),
            ("ix_users_email", Users::EmailNormalized),
            ("ix_users_status", Users::Status),
            ("ix_users_role_key", Users::RoleKey),
            ("ix_users_language", Users::Language),
            ("ix_users_time_zone", Users::TimeZone),
            ("ix_users_created_at", Users::CreatedAt),
        ];
        for (name, column) in sort_indexes {
            manager.create_index(index(name, Users::Table, [Users::PracticeId, column, Users::Id])).await?;
        }
        manager
            .create_index(index(
                "ix_users_role_status",
                Users::Table,
                [Users::PracticeId, Users::RoleId, Users::Status],
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(UserProfiles::Table)
                    .if_not_exists()
                    .col(uuid(UserProfiles::UserId))
                    .col(uuid(UserProfiles::ProfileId))
                    .primary_key(Index::create().col(UserProfiles::UserId).col(UserProfiles::ProfileId))
                    .foreign_key(&mut fk(
                        "fk_user_profiles_user",
                        UserProfiles::Table,
                        UserProfiles::UserId,
                        Users::Table,
                        Users::Id,
                    ))
                    .foreign_key(&mut fk(
                        "fk_user_profiles_profile",
                        UserProfiles::Table,
                        UserProfiles::ProfileId,
                        Profiles::Table,
                        Profiles::Id,
                    ))
                    .take(),
            )
            .await?;
        manager
            .create_index(index(
                "ix_user_profiles_profile",
                UserProfiles::Table,
                [UserProfiles::ProfileId, UserProfiles::UserId],
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(UserSites::Table)
                    .if_not_exists()
                    .col(uuid(UserSites::UserId))
                    .col(uuid(UserSites::SiteId))
                    .primary_key(Index::create().col(UserSites::UserId).col(UserSites::SiteId))
                    .foreign_key(&mut fk(
                        "fk_user_sites_user",
                        UserSites::Table,
                        UserSites::UserId,
                        Users::Table,
                        Users::Id,
                    ))
                    .foreign_key(&mut fk(
                        "fk_user_sites_site",
                        UserSites::Table,
                        UserSites::SiteId,
                        Sites::Table,
                        Sites::Id,
                    ))
                    .take(),
            )
            .await?;
        manager
            .create_index(index(
                "ix_user_sites_site",
                UserSites::Table,
                [UserSites::SiteId, UserSites::UserId],
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(EmailHistory::Table)
                    .if_not_exists()
                    .col(uuid_pk(EmailHistory::Id))
                    .col(uuid(EmailHistory::PracticeId))
                    // Checked at commit: the address is reserved before the user row exists.
                    .col(uuid(EmailHistory::UserId).extra(
                        "REFERENCES \"users\" (\"id\") ON DELETE RESTRICT DEFERRABLE INITIALLY DEFERRED",
                    ))
                    .col(text(EmailHistory::Email))
                    .col(sorted_text(backend, EmailHistory::NormalizedEmail))
                    .col(time(EmailHistory::HeldFrom))
                    .foreign_key(&mut fk(
                        "fk_email_history_practice",
                        EmailHistory::Table,
                        EmailHistory::PracticeId,
                        Practices::Table,
                        Practices::Id,
                    ))
                    .take(),
            )
            .await?;
        manager
            .create_index(unique(
                "ux_email_history_practice_normalized_email",
                EmailHistory::Table,
                [EmailHistory::PracticeId, EmailHistory::NormalizedEmail],
            ))
            .await?;
        manager
            .create_index(index(
                "ix_email_history_user",
                EmailHistory::Table,
                [EmailHistory::UserId, EmailHistory::HeldFrom],
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(drop(EmailHistory::Table)).await?;
        manager.drop_table(drop(UserSites::Table)).await?;
        manager.drop_table(drop(UserProfiles::Table)).await?;
        manager.drop_table(drop(Users::Table)).await
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}
