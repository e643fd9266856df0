//! The audit log: append-only. Triggers refuse `UPDATE` and `DELETE` (and
//! `TRUNCATE` on PostgreSQL), so not even a bug or a hand-typed statement
//! through the application's account can rewrite history.
//!
//! The target is polymorphic (`target_kind`, `target_id`) and so carries no
//! foreign key; the acting user does.

use crate::idens::{AuditLog, Practices, Users};
use crate::schema::{drop, fk, index, json_null, run, sorted_text, text, text_null, time, uuid, uuid_pk};
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

const POSTGRES_UP: &[&str] = &[
    r#"CREATE OR REPLACE FUNCTION audit_log_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only: % refused', TG_OP;
END
$$"#,
    "DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log",
    "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log \
     FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_change()",
    "DROP TRIGGER IF EXISTS audit_log_no_truncate ON audit_log",
    "CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log \
     FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_change()",
];

const POSTGRES_DOWN: &[&str] = &[
    "DROP TRIGGER IF EXISTS audit_log_no_truncate ON audit_log",
    "DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log",
    "DROP FUNCTION IF EXISTS audit_log_refuse_change()",
];

const SQLITE_UP: &[&str] = &[
    "CREATE TRIGGER IF NOT EXISTS audit_log_no_update BEFORE UPDATE ON audit_log \
     BEGIN SELECT RAISE(ABORT, 'the audit log is append-only: UPDATE refused'); END",
    "CREATE TRIGGER IF NOT EXISTS audit_log_no_delete BEFORE DELETE ON audit_log \
     BEGIN SELECT RAISE(ABORT, 'the audit log is append-only: DELETE refused'); END",
];

const SQLITE_DOWN: &[&str] =
    &["DROP TRIGGER IF EXISTS audit_log_no_delete", "DROP TRIGGER IF EXISTS audit_log_no_update"];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let backend = manager.get_database_backend();
        manager
            .create_table(
                Table::create()
                    .table(AuditLog::Table)
                    .if_not_exists()
                    .col(uuid_pk(AuditLog::Id))
                    .col(uuid(AuditLog::PracticeId))
                    .col(time(AuditLog::At))
                    .col(text(AuditLog::ActorKind))
                    .col(ColumnDef::new(AuditLog::ActorUserId).uuid().null())
                    .col(sorted_text(backend, AuditLog::Action))
                    .col(text_null(AuditLog::TargetKind))
                    .col(ColumnDef::new(AuditLog::TargetId).uuid().null())
                    .col(text_null(AuditLog::RequestId))
                    .col(json_null(AuditLog::Before))
                    .col(json_null(AuditLog::After))
                    .foreign_key(&mut fk(
                        "fk_audit_log_practice",
                        AuditLog::Table,
                        AuditLog::PracticeId,
                        Practices::Table,
                        Practices::Id,
                    ))
                    .foreign_key(&mut fk(
                        "fk_audit_log_actor",
                        AuditLog::Table,
                        AuditLog::ActorUserId,
                        Users::Table,
                        Users::Id,
                    ))
                    .take(),
            )
            .await?;
        manager
            .create_index(index(
                "ix_audit_log_practice",
                AuditLog::Table,
                [AuditLog::PracticeId, AuditLog::Id],
            ))
            .await?;
        manager
            .create_index(index(
                "ix_audit_log_action",
                AuditLog::Table,
                [AuditLog::PracticeId, AuditLog::Action, AuditLog::Id],
            ))
            .await?;
        manager
            .create_index(index(
                "ix_audit_log_actor",
                AuditLog::Table,
                [AuditLog::PracticeId, AuditLog::ActorUserId, AuditLog::Id],
            ))
            .await?;
        manager
            .create_index(index(
                "ix_audit_log_target",
                AuditLog::Table,
                [AuditLog::PracticeId, AuditLog::TargetId, AuditLog::Id],
            ))
            .await?;
        match backend {
            DbBackend::Postgres => run(manager, POSTGRES_UP).await,
            DbBackend::Sqlite => run(manager, SQLITE_UP).await,
            _ => Ok(()),
        }
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        match manager.get_database_backend() {
            DbBackend::Postgres => run(manager, POSTGRES_DOWN).await?,
            DbBackend::Sqlite => run(manager, SQLITE_DOWN).await?,
            _ => {}
        }
        manager.drop_table(drop(AuditLog::Table)).await
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}
