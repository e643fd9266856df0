//! The audit log is append-only, enforced by the database itself.

use crate::backend_tests;
use crate::support::{Backend, Ctx, id, now, seed};
use identity_domain::*;
use sea_orm::ConnectionTrait;

backend_tests!(audit_entries_cannot_be_updated_or_deleted);

async fn audit_entries_cannot_be_updated_or_deleted(ctx: Ctx) {
    let seed = seed(&ctx.store).await;
    let entry = AuditEntry {
        id: id(),
        practice: seed.practice.id,
        at: now(),
        actor: Actor::System,
        action: AuditAction::PracticeCreated,
        target: Some(Target::Practice(seed.practice.id)),
        request_id: None,
        before: None,
        after: Some(serde_json::json!({ "slug": seed.practice.slug })),
    };
    let mut uow = ctx.store.begin(Access::Write).await.unwrap();
    uow.audit().append(&entry).await.unwrap();
    uow.commit().await.unwrap();

    let db = ctx.store.connection();
    let update = db.execute_unprepared("UPDATE audit_log SET action = 'user.created'").await;
    assert!(update.is_err(), "an UPDATE of the audit log must be refused");
    assert!(update.unwrap_err().to_string().contains("append-only"));
    let delete = db.execute_unprepared("DELETE FROM audit_log").await;
    assert!(delete.is_err(), "a DELETE from the audit log must be refused");
    if ctx.backend == Backend::Postgres {
        assert!(db.execute_unprepared("TRUNCATE audit_log").await.is_err(), "TRUNCATE must be refused");
    }

    let mut uow = ctx.store.begin(Access::Read).await.unwrap();
    let page =
        uow.audit().list(seed.practice.id, &AuditQuery { limit: 10, ..AuditQuery::default() }).await.unwrap();
    assert_eq!(page.items, vec![entry]);
}
