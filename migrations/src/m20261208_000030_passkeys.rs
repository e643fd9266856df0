//! Passkeys.
//!
//! - `user_factors.credential_id`: a passkey's WebAuthn credential id
//!   (`kind` = `passkey`; `NULL` for a TOTP authenticator), unique across
//!   every user (`ux_user_factors_credential_id`). What the relying party
//!   keeps of the passkey (public key, signature counter, flags) is sealed
//!   in `secret` like a TOTP secret;
//! - `session_ceremonies`: the one passkey ceremony (enrolment or sign-in
//!   challenge) a session waits on, as the domain encodes it. It is taken
//!   (deleted) by the answer, and goes with its session.

use crate::idens::{Practices, Sessions};
use crate::schema::{fk, text, unique, uuid, uuid_pk};
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum UserFactors {
    Table,
    CredentialId,
}

#[derive(DeriveIden)]
enum SessionCeremonies {
    Table,
    SessionId,
    PracticeId,
    Ceremony,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let credential = ColumnDef::new(UserFactors::CredentialId).binary().null().take();
        manager.alter_table(Table::alter().table(UserFactors::Table).add_column(credential).take()).await?;
        manager
            .create_index(unique(
                "ux_user_factors_credential_id",
                UserFactors::Table,
                [UserFactors::CredentialId],
            ))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(SessionCeremonies::Table)
                    .if_not_exists()
                    .col(uuid_pk(SessionCeremonies::SessionId))
                    .col(uuid(SessionCeremonies::PracticeId))
                    .col(text(SessionCeremonies::Ceremony))
                    .foreign_key(
                        fk(
                            "fk_session_ceremonies_session",
                            SessionCeremonies::Table,
                            SessionCeremonies::SessionId,
                            Sessions::Table,
                            Sessions::Id,
                        )
                        .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(&mut fk(
                        "fk_session_ceremonies_practice",
                        SessionCeremonies::Table,
                        SessionCeremonies::PracticeId,
                        Practices::Table,
                        Practices::Id,
                    ))
                    .take(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(SessionCeremonies::Table).if_exists().take()).await?;
        manager
            .drop_index(
                Index::drop().name("ux_user_factors_credential_id").table(UserFactors::Table).to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter().table(UserFactors::Table).drop_column(UserFactors::CredentialId).take(),
            )
            .await
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}
