//! The per-address request counts in the database: every concurrent hit is
//! counted once, windows are kept apart, and windows that are over are
//! removed when the next one begins — through the server's own role on
//! PostgreSQL.

use crate::backend_tests;
use crate::support::{Ctx, now};
use chrono::Duration;
use identity_domain::budget::window_start;
use identity_domain::*;
use sea_orm::{ConnectionTrait, Statement};
use std::net::IpAddr;

backend_tests!(concurrent_hits_are_each_counted_once_and_old_windows_removed);

async fn rows(ctx: &Ctx) -> i64 {
    let db = ctx.owner.connection();
    let sql = Statement::from_string(db.get_database_backend(), "SELECT count(*) FROM address_budgets");
    db.query_one_raw(sql).await.unwrap().unwrap().try_get_by_index::<i64>(0).unwrap()
}

async fn concurrent_hits_are_each_counted_once_and_old_windows_removed(ctx: Ctx) {
    let key = AddressKey::of("203.0.113.9".parse::<IpAddr>().unwrap());
    let other = AddressKey::of("2001:db8::1".parse::<IpAddr>().unwrap());
    let earlier = window_start(now() - Duration::minutes(5));
    assert_eq!(ctx.store.hit(&key, earlier).await.unwrap(), 1);
    assert_eq!(ctx.store.hit(&key, earlier).await.unwrap(), 2);

    let current = window_start(now());
    let hits: Vec<_> = (0..40)
        .map(|_| {
            let (store, key) = (ctx.store.clone(), key.clone());
            tokio::spawn(async move { store.hit(&key, current).await.unwrap() })
        })
        .collect();
    let mut counts = Vec::new();
    for hit in hits {
        counts.push(hit.await.unwrap());
    }
    counts.sort_unstable();
    assert_eq!(counts, (1..=40).collect::<Vec<u64>>(), "each hit counted once, whatever the order");
    assert_eq!(ctx.store.hit(&other, current).await.unwrap(), 1, "addresses are counted apart");
    assert_eq!(rows(&ctx).await, 2, "the window that is over was removed when this one began");
}
