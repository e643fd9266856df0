//! Migrations (run as the database's owner): apply to an empty database,
//! apply again without change, roll back and forward.

use crate::backend_tests;
use crate::support::{Backend, Ctx};
use sea_orm::{ConnectionTrait, Statement};

backend_tests!(migrations_apply_twice_roll_back_and_apply_again);

async fn table_names(ctx: &Ctx) -> Vec<String> {
    let sql = match ctx.backend {
        Backend::Sqlite => {
            "SELECT name FROM sqlite_master WHERE type IN ('table', 'index', 'trigger') ORDER BY name"
        }
        Backend::Postgres => {
            "SELECT c.relname::text AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE n.nspname = 'public' UNION ALL SELECT tgname::text FROM pg_trigger WHERE NOT tgisinternal ORDER BY name"
        }
    };
    let db = ctx.owner.connection();
    let rows = db.query_all_raw(Statement::from_string(db.get_database_backend(), sql)).await.unwrap();
    rows.iter().map(|r| r.try_get::<String>("", "name").unwrap()).collect()
}

async fn migrations_apply_twice_roll_back_and_apply_again(ctx: Ctx) {
    let status = ctx.owner.migration_status().await.unwrap();
    assert!(status.len() >= 8, "{status:?}");
    assert!(status.iter().all(|m| m.applied), "{status:?}");
    let before = table_names(&ctx).await;
    for table in ["practices", "users", "email_history", "audit_log", "outbox", "links", "sessions"] {
        assert!(before.iter().any(|t| t == table), "missing {table} in {before:?}");
    }

    ctx.owner.migrate().await.unwrap();
    assert_eq!(table_names(&ctx).await, before, "applying again changes nothing");

    ctx.owner.rollback(None).await.unwrap();
    let status = ctx.owner.migration_status().await.unwrap();
    assert!(status.iter().all(|m| !m.applied), "{status:?}");
    let after_down = table_names(&ctx).await;
    assert!(!after_down.iter().any(|t| t == "users" || t == "audit_log"), "{after_down:?}");

    ctx.owner.migrate().await.unwrap();
    assert_eq!(table_names(&ctx).await, before, "down then up restores the schema");
}
