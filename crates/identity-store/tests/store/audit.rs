//! The audit log is append-only, enforced by the database itself: no SQL
//! statement rewrites or removes an entry, replaces included.

use crate::backend_tests;
use crate::support::{Backend, Ctx, id, now, seed};
use identity_domain::*;
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};

backend_tests!(no_statement_rewrites_or_removes_an_audit_entry);

/// Statements that would rewrite or remove the one entry, each with
/// whether the backend understands it (then it must be refused by the
/// audit log's own rule, whose message says "append-only").
fn attacks(backend: Backend) -> Vec<(String, bool)> {
    let copy = "SELECT id, practice_id, at, actor_kind, 'user.created' FROM audit_log";
    let columns = "audit_log (id, practice_id, at, actor_kind, action)";
    let sqlite = backend == Backend::Sqlite;
    let postgres = backend == Backend::Postgres;
    vec![
        ("UPDATE audit_log SET action = 'user.created'".into(), true),
        ("DELETE FROM audit_log".into(), true),
        ((format!("REPLACE INTO {columns} {copy}")), sqlite),
        ((format!("INSERT OR REPLACE INTO {columns} {copy}")), sqlite),
        (
            "INSERT OR REPLACE INTO audit_log (rowid, id, practice_id, at, actor_kind, action) \
             SELECT rowid, randomblob(16), practice_id, at, actor_kind, 'user.created' FROM audit_log"
                .into(),
            sqlite,
        ),
        ("UPDATE OR REPLACE audit_log SET action = 'user.created'".into(), sqlite),
        (
            (format!(
                "INSERT INTO {columns} {copy} WHERE true ON CONFLICT (id) DO UPDATE SET action = excluded.action"
            )),
            true,
        ),
        ("TRUNCATE audit_log".into(), postgres),
        (
            "MERGE INTO audit_log USING (SELECT id FROM audit_log) AS old ON audit_log.id = old.id \
             WHEN MATCHED THEN DELETE"
                .into(),
            postgres,
        ),
    ]
}

async fn count(db: &DatabaseConnection) -> i64 {
    let sql = "SELECT COUNT(*) AS n FROM audit_log";
    let row =
        db.query_one_raw(Statement::from_string(db.get_database_backend(), sql)).await.unwrap().unwrap();
    row.try_get::<i64>("", "n").unwrap()
}

async fn no_statement_rewrites_or_removes_an_audit_entry(ctx: Ctx) {
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

    // The server's own connection; on SQLite also a bare one with SQLite's
    // default pragmas (any other program opening the file); on PostgreSQL
    // the owner's, whose rights let every statement reach the audit log's
    // rule (the server's role is refused earlier, for want of rights).
    let mut connections =
        vec![("the store's", ctx.store.connection().clone(), ctx.backend == Backend::Sqlite)];
    match ctx.backend {
        Backend::Sqlite => {
            connections.push(("a bare", sea_orm::Database::connect(&ctx.url).await.unwrap(), true))
        }
        Backend::Postgres => connections.push(("the owner's", ctx.owner.connection().clone(), true)),
    }
    for (which, db, reaches_the_rule) in &connections {
        for (sql, understood) in attacks(ctx.backend) {
            let outcome = db.execute_unprepared(&sql).await;
            let Err(err) = outcome else {
                panic!("{sql} through {which} connection was not refused");
            };
            if understood && *reaches_the_rule {
                assert!(err.to_string().contains("append-only"), "{sql} through {which} connection: {err}");
            }
            assert_eq!(count(db).await, 1, "{sql} through {which} connection");
        }
    }

    let mut uow = ctx.store.begin(Access::Read).await.unwrap();
    let page =
        uow.audit().list(seed.practice.id, &AuditQuery { limit: 10, ..AuditQuery::default() }).await.unwrap();
    assert_eq!(page.items, vec![entry]);
}
