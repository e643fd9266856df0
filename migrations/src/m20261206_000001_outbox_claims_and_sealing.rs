//! The outbox's claims and sealed secrets.
//!
//! - `claimed_by`: the worker identity holding the email's lease, so a
//!   worker that restarts after a crash releases its own claims at once;
//! - `claim_token`: the claim holding it; recording an outcome needs it, so
//!   a worker whose lease ran out cannot settle another worker's claim;
//! - `sealed`: the message with its secrets (link token, one-time password)
//!   encrypted with the server's outbox key, while `message` keeps only the
//!   message without them; cleared once the email is delivered or given up.

use crate::idens::Outbox;
use crate::schema::{index, text_null};
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The columns this migration adds.
#[derive(DeriveIden, Clone, Copy)]
enum Added {
    ClaimedBy,
    ClaimToken,
    Sealed,
}

const ADDED: [Added; 3] = [Added::ClaimedBy, Added::ClaimToken, Added::Sealed];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite alters one thing at a time.
        for column in ADDED {
            let definition = match column {
                Added::ClaimToken => ColumnDef::new(column).uuid().null().take(),
                Added::ClaimedBy | Added::Sealed => text_null(column),
            };
            manager.alter_table(Table::alter().table(Outbox::Table).add_column(definition).take()).await?;
        }
        manager.create_index(index("ix_outbox_claimed_by", Outbox::Table, [Added::ClaimedBy])).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(Index::drop().name("ix_outbox_claimed_by").table(Outbox::Table).to_owned())
            .await?;
        for column in ADDED.into_iter().rev() {
            manager.alter_table(Table::alter().table(Outbox::Table).drop_column(column).take()).await?;
        }
        Ok(())
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}
