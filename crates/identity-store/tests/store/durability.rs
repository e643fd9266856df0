//! Transactions and files: a dropped unit of work leaves nothing; a SQLite
//! file survives reopening; SQLite is set up for concurrent use.

use crate::backend_tests;
use crate::support::{Backend, Ctx, add_user, now, practice, seed, user};
use identity_domain::*;
use identity_store::{ConnectError, SeaStore};
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
