//! The outbox: emails written in the same transaction as the change that
//! causes them, delivered afterwards by the mail worker. `message` holds the
//! typed message as JSON, with its secrets until delivery blanks them.
//! `lease_until` marks an email claimed by a worker: no other claim takes
//! it before then, and it is due again after (the worker died).

use crate::idens::{Outbox, Practices};
use crate::schema::{
    drop, fk, index, int, json, sorted_text, text, text_null, time, time_null, uuid, uuid_pk,
};
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
                    .table(Outbox::Table)
                    .if_not_exists()
                    .col(uuid_pk(Outbox::Id))
                    .col(uuid(Outbox::PracticeId))
                    .col(text(Outbox::PracticeName))
                    .col(text(Outbox::ToEmail))
                    .col(text(Outbox::RecipientName))
                    .col(text(Outbox::Language))
                    .col(text(Outbox::TimeZone))
                    .col(text(Outbox::Kind))
                    .col(json(Outbox::Message))
                    .col(time(Outbox::CreatedAt))
                    .col(sorted_text(backend, Outbox::Status))
                    .col(int(Outbox::Attempts))
                    .col(time(Outbox::NextAttemptAt))
                    .col(text_null(Outbox::LastError))
                    .col(time_null(Outbox::SentAt))
                    .col(time_null(Outbox::LeaseUntil))
                    .foreign_key(&mut fk(
                        "fk_outbox_practice",
                        Outbox::Table,
                        Outbox::PracticeId,
                        Practices::Table,
                        Practices::Id,
                    ))
                    .take(),
            )
            .await?;
        manager
            .create_index(index("ix_outbox_due", Outbox::Table, [Outbox::Status, Outbox::NextAttemptAt]))
            .await?;
        manager
            .create_index(index(
                "ix_outbox_practice",
                Outbox::Table,
                [Outbox::PracticeId, Outbox::CreatedAt, Outbox::Id],
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(drop(Outbox::Table)).await
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}
