//! Transactions and files: a dropped unit of work leaves nothing; a SQLite
//! file survives reopening; SQLite is set up for concurrent use.

use crate::backend_tests;
use crate::support::{Backend, Ctx, add_user, now, practice, seed, user};
use identity_domain::*;
use identity_store::{ConnectError, SeaStore, StoreOptions};
use sea_orm::{ConnectionTrait, Statement};
use std::time::Duration;

backend_tests!(dropping_a_unit_of_work_leaves_nothing, a_reader_does_not_block_a_writer);

async fn dropping_a_unit_of_work_leaves_nothing(ctx: Ctx) {
    let seed = seed(&ctx.store).await;
    let ghost = practice();
    let u = user(seed.practice.id, seed.role.id, "ghost@example.com", "Ghost Writer");
    let mut uow = ctx.store.begin(Access::Write).await.unwrap();
    uow.practices().insert(&ghost).await.unwrap();
    uow.users().reserve_email(seed.practice.id, &u.email, u.id, now()).await.unwrap();
    uow.users().insert(&u).await.unwrap();
    assert!(uow.practices().get(ghost.id).await.unwrap().is_some(), "visible inside its own unit of work");
    drop(uow);

    let mut uow = ctx.store.begin(Access::Read).await.unwrap();
    assert_eq!(uow.practices().get(ghost.id).await.unwrap(), None);
    assert_eq!(uow.users().get(seed.practice.id, u.id).await.unwrap(), None);
    assert_eq!(uow.users().email_holder(seed.practice.id, &u.email).await.unwrap(), None);
    drop(uow);

    // The address is free again: the reservation went with the unit of work.
    add_user(&ctx.store, &u).await;
}

async fn a_reader_does_not_block_a_writer(ctx: Ctx) {
    let seed = seed(&ctx.store).await;
    let mut reader = ctx.store.begin(Access::Read).await.unwrap();
    assert!(reader.practices().get(seed.practice.id).await.unwrap().is_some());
    let u = user(seed.practice.id, seed.role.id, "writer@example.com", "Wendy Writer");
    tokio::time::timeout(Duration::from_secs(5), add_user(&ctx.store, &u))
        .await
        .expect("a write while a read is open must not wait for a pooled connection");
    assert!(reader.practices().get(seed.practice.id).await.unwrap().is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sqlite_file_keeps_everything_when_reopened() {
    crate::support::run(Backend::Sqlite, |ctx: Ctx| async move {
        let seed = seed(&ctx.store).await;
        let u = user(seed.practice.id, seed.role.id, "kept@example.com", "Kept Person");
        add_user(&ctx.store, &u).await;
        ctx.store.clone().close().await.unwrap();

        let reopened = SeaStore::connect(&ctx.url).await.unwrap();
        reopened.migrate().await.unwrap();
        let mut uow = reopened.begin(Access::Read).await.unwrap();
        assert_eq!(uow.practices().get(seed.practice.id).await.unwrap(), Some(seed.practice.clone()));
        assert_eq!(uow.users().get(seed.practice.id, u.id).await.unwrap(), Some(u.clone()));
        drop(uow);

        let db = reopened.connection();
        let pragma = |sql: &'static str| async move {
            let row = db
                .query_one_raw(Statement::from_string(db.get_database_backend(), sql))
                .await
                .unwrap()
                .unwrap();
            row.try_get_by_index::<String>(0)
                .or_else(|_| row.try_get_by_index::<i64>(0).map(|n| n.to_string()))
                .unwrap()
        };
        assert_eq!(pragma("PRAGMA journal_mode").await, "wal");
        assert_eq!(pragma("PRAGMA foreign_keys").await, "1");
        // An answered write is on disk: the WAL is synced at every commit.
        assert_eq!(pragma("PRAGMA synchronous").await, "2", "synchronous = FULL");
        reopened.close().await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn an_unwritable_sqlite_path_is_a_clear_error() {
    let dir = std::env::temp_dir().join(format!("identity-store-blocked-{}", uuid::Uuid::now_v7().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let blocker = dir.join("not-a-folder");
    std::fs::write(&blocker, b"a file where a folder should be").unwrap();
    let url = format!("sqlite://{}/identity.sqlite", blocker.display());
    let err = SeaStore::connect(&url).await.unwrap_err();
    assert!(matches!(err, ConnectError::Folder { .. }), "{err:?}");
    assert!(err.to_string().contains("not-a-folder"), "{err}");
    std::fs::remove_dir_all(dir).ok();

    let err = SeaStore::connect("mysql://nobody@localhost/db").await.unwrap_err();
    assert!(matches!(err, ConnectError::UnsupportedUrl), "{err:?}");
}

#[tokio::test]
async fn an_in_memory_sqlite_store_works_on_its_one_connection() {
    let store = SeaStore::connect("sqlite::memory:").await.unwrap();
    store.migrate().await.unwrap();
    let p = practice();
    let mut uow = store.begin(Access::Write).await.unwrap();
    uow.practices().insert(&p).await.unwrap();
    uow.commit().await.unwrap();
    let mut uow = store.begin(Access::Read).await.unwrap();
    assert_eq!(uow.practices().get(p.id).await.unwrap(), Some(p));
}

/// A full SQLite file (its page cap reached): writes fail, the readiness
/// check fails, nothing half-written stays behind, and once pages are freed
/// writes succeed on the same store, with no connection left inside a
/// failed transaction to swallow them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_sqlite_file_refuses_writes_then_recovers_on_the_same_store() {
    let dir = std::env::temp_dir().join(format!("identity-store-full-{}", uuid::Uuid::now_v7().simple()));
    let url = format!("sqlite://{}/identity.db", dir.display());
    let setup = SeaStore::connect(&url).await.unwrap();
    setup.migrate().await.unwrap();
    let seed = seed(&setup).await;
    let db = setup.connection();
    db.execute_unprepared("CREATE TABLE ballast (b BLOB)").await.unwrap();
    for _ in 0..100 {
        db.execute_unprepared("INSERT INTO ballast VALUES (zeroblob(4000))").await.unwrap();
    }
    let row = db.query_one_raw(Statement::from_string(db.get_database_backend(), "PRAGMA page_count")).await;
    let pages = row.unwrap().unwrap().try_get_by_index::<i64>(0).unwrap();

    let options = StoreOptions {
        sqlite_max_pages: Some(u32::try_from(pages + 20).unwrap()),
        ..StoreOptions::default()
    };
    let store = SeaStore::connect_with(&url, options).await.unwrap();
    assert!(store.check_writable().await.is_ok(), "ready while there is room");
    let mut written = Vec::new();
    let mut failed = 0;
    for n in 0..2000 {
        let u = user(seed.practice.id, seed.role.id, &format!("u{n}@example.com"), "Full Disk");
        match try_add_user(&store, &u).await {
            Ok(()) => written.push(u),
            Err(StoreError::Unavailable(_)) => {
                failed += 1;
                if failed == 5 {
                    break;
                }
            }
            Err(other) => panic!("{other:?}"),
        }
    }
    assert!(!written.is_empty() && failed == 5, "{} written", written.len());
    assert!(store.check_writable().await.is_err(), "not ready while full");

    setup.connection().execute_unprepared("DROP TABLE ballast").await.unwrap();
    assert!(store.check_writable().await.is_ok(), "ready once room returns");
    let after = user(seed.practice.id, seed.role.id, "after@example.com", "After Full");
    add_user(&store, &after).await;
    written.push(after);
    store.close().await.unwrap();
    setup.close().await.unwrap();

    let reopened = SeaStore::connect(&url).await.unwrap();
    let mut uow = reopened.begin(Access::Read).await.unwrap();
    for u in &written {
        assert_eq!(uow.users().get(seed.practice.id, u.id).await.unwrap().as_ref(), Some(u), "{}", u.email);
    }
    drop(uow);
    reopened.close().await.unwrap();
    std::fs::remove_dir_all(dir).ok();
}

async fn try_add_user(store: &SeaStore, u: &User) -> Result<(), StoreError> {
    let mut uow = store.begin(Access::Write).await?;
    uow.users().reserve_email(u.practice, &u.email, u.id, u.created_at).await?;
    uow.users().insert(u).await?;
    uow.commit().await
}
