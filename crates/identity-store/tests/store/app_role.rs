//! On PostgreSQL the store connects as a role that owns nothing and holds
//! only the rights of `migrations::TABLE_RIGHTS`: it cannot switch the
//! audit log's triggers off, rewrite the log, or change the schema.

use crate::support::{APP_ROLE, Backend, Ctx, id, now, run, seed};
use identity_domain::*;
use migrations::TABLE_RIGHTS;
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};
use std::collections::BTreeSet;

async fn strings(db: &DatabaseConnection, sql: &str) -> Vec<String> {
    let rows = db.query_all_raw(Statement::from_string(db.get_database_backend(), sql)).await.unwrap();
    rows.iter().map(|r| r.try_get_by_index::<String>(0).unwrap()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_servers_role_cannot_switch_rules_off_or_change_the_schema() {
    run(Backend::Postgres, |ctx: Ctx| async move {
        let seed = seed(&ctx.store).await;
        let entry = AuditEntry {
            id: id(),
            practice: seed.practice.id,
            at: now(),
            actor: Actor::System,
            action: AuditAction::PracticeCreated,
            target: None,
            request_id: None,
            before: None,
            after: None,
        };
        let mut uow = ctx.store.begin(Access::Write).await.unwrap();
        uow.audit().append(&entry).await.unwrap();
        uow.commit().await.unwrap();

        let db = ctx.store.connection();
        assert_eq!(strings(db, "SELECT current_user::text").await, vec![APP_ROLE.to_owned()]);
        let refused = [
            "SET session_replication_role = replica",
            "UPDATE audit_log SET action = 'user.created'",
            "DELETE FROM audit_log",
            "TRUNCATE audit_log",
            "ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only",
            "DROP TRIGGER audit_log_append_only ON audit_log",
            "ALTER TABLE users ADD COLUMN nickname text",
            "DROP TABLE audit_log",
            "DROP TABLE users CASCADE",
            "DELETE FROM users",
            "CREATE TABLE shadow (id int)",
            "CREATE OR REPLACE FUNCTION audit_log_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN OLD; END $$",
        ];
        for sql in refused {
            let err = db.execute_unprepared(sql).await.expect_err(sql).to_string();
            assert!(err.contains("permission denied") || err.contains("must be owner"), "{sql}: {err}");
        }

        let powers = "SELECT (rolsuper OR rolcreaterole OR rolcreatedb OR rolbypassrls)::text \
                      FROM pg_roles WHERE rolname = current_user";
        assert_eq!(strings(db, powers).await, vec!["false".to_owned()], "superuser, createrole, createdb, bypassrls");
        let owned = strings(
            db,
            "SELECT c.relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE n.nspname = 'public' AND c.relowner = (SELECT oid FROM pg_roles WHERE rolname = current_user)",
        )
        .await;
        assert!(owned.is_empty(), "the server's role owns {owned:?}");

        // Exactly the listed rights, on exactly the schema's tables.
        let tables: BTreeSet<String> = strings(
            db,
            "SELECT c.relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')",
        )
        .await
        .into_iter()
        .collect();
        let listed: BTreeSet<String> = TABLE_RIGHTS.iter().map(|(t, _)| (*t).to_owned()).collect();
        assert_eq!(tables, listed, "migrations::TABLE_RIGHTS lists every table");
        for (table, rights) in TABLE_RIGHTS {
            let held = strings(
                db,
                &format!(
                    "SELECT p FROM unnest(ARRAY['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'REFERENCES', 'TRIGGER']) AS p \
                     WHERE has_table_privilege(current_user, '\"{table}\"', p)"
                ),
            )
            .await
            .join(", ");
            assert_eq!(held, rights.privileges(), "{table}");
        }

        let mut uow = ctx.store.begin(Access::Read).await.unwrap();
        let page =
            uow.audit().list(seed.practice.id, &AuditQuery { limit: 10, ..AuditQuery::default() }).await.unwrap();
        assert_eq!(page.items, vec![entry]);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn granting_twice_changes_nothing_and_sqlite_has_no_roles() {
    run(Backend::Postgres, |ctx: Ctx| async move {
        ctx.owner.grant_app_role(APP_ROLE).await.unwrap();
        let err = ctx.owner.grant_app_role("Robert'); DROP TABLE users; --").await.unwrap_err();
        assert!(matches!(err, identity_store::GrantError::RoleName(_)), "{err:?}");
        let err = ctx.owner.grant_app_role("no_such_role_anywhere").await.unwrap_err();
        assert!(matches!(err, identity_store::GrantError::Database(_)), "{err:?}");
        seed(&ctx.store).await;
    })
    .await;
    run(Backend::Sqlite, |ctx: Ctx| async move {
        let err = ctx.owner.grant_app_role(APP_ROLE).await.unwrap_err();
        assert!(matches!(err, identity_store::GrantError::NotPostgres), "{err:?}");
    })
    .await;
}
