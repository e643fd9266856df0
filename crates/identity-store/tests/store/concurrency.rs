//! Rules that must hold under concurrent units of work.

use crate::backend_tests;
use crate::support::{Ctx, add_user, email, id, now, seed, user};
use identity_domain::*;
use std::sync::Arc;
use tokio::sync::Barrier;

backend_tests!(
    one_address_in_two_cases_goes_to_exactly_one_user,
    an_address_once_held_is_never_given_to_another_user,
    concurrent_edits_of_one_user_make_one_stale,
    a_link_is_consumed_once_under_concurrent_submissions,
);

async fn one_address_in_two_cases_goes_to_exactly_one_user(ctx: Ctx) {
    let seed = seed(&ctx.store).await;
    let barrier = Arc::new(Barrier::new(2));
    let mut tasks = Vec::new();
    for address in ["Dana.Case@Example.com", "dana.case@example.COM"] {
        let u = user(seed.practice.id, seed.role.id, address, "Dana Case");
        let store = ctx.store.clone();
        let barrier = barrier.clone();
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            let mut uow = store.begin(Access::Write).await?;
            uow.users().reserve_email(u.practice, &u.email, u.id, now()).await?;
            uow.users().insert(&u).await?;
            uow.commit().await?;
            Ok::<UserId, StoreError>(u.id)
        }));
    }
    let mut results = Vec::new();
    for task in tasks {
        results.push(task.await.unwrap());
    }
    let winners: Vec<UserId> = results.iter().filter_map(|r| r.as_ref().ok().copied()).collect();
    assert_eq!(winners.len(), 1, "{results:?}");
    // The loser is refused: as a taken address, or (PostgreSQL, which
    // runs them at once) as having raced the winner — run again, it finds
    // the address taken.
    assert!(
        results
            .iter()
            .any(|r| matches!(r, Err(StoreError::Conflict(Conflict::EmailTaken) | StoreError::Contended(_)))),
        "{results:?}"
    );

    let mut uow = ctx.store.begin(Access::Read).await.unwrap();
    let holder = uow.users().email_holder(seed.practice.id, &email("DANA.CASE@example.com")).await.unwrap();
    assert_eq!(holder, Some(winners[0]));
}

async fn an_address_once_held_is_never_given_to_another_user(ctx: Ctx) {
    let seed = seed(&ctx.store).await;
    let mut first = user(seed.practice.id, seed.role.id, "old@example.com", "First Holder");
    add_user(&ctx.store, &first).await;

    // The first user moves to a new address; the old one stays theirs.
    let mut uow = ctx.store.begin(Access::Write).await.unwrap();
    let new_address = email("new@example.com");
    uow.users().reserve_email(first.practice, &new_address, first.id, now()).await.unwrap();
    first.email = new_address;
    first.version = 2;
    uow.users().update(&first).await.unwrap();
    uow.commit().await.unwrap();

    let second = user(seed.practice.id, seed.role.id, " OLD@example.com ", "Second Person");
    let mut uow = ctx.store.begin(Access::Write).await.unwrap();
    let refused = uow.users().reserve_email(second.practice, &second.email, second.id, now()).await;
    assert_eq!(refused, Err(StoreError::Conflict(Conflict::EmailTaken)));
    // The unit of work stays usable after the refusal.
    assert_eq!(uow.users().email_holder(second.practice, &second.email).await.unwrap(), Some(first.id));
    drop(uow);

    // Another practice may use the address.
    let other = crate::support::practice();
    let other_role = crate::support::role(other.id, "Paralegal");
    let mut uow = ctx.store.begin(Access::Write).await.unwrap();
    uow.practices().insert(&other).await.unwrap();
    uow.roles().insert_role(&other_role).await.unwrap();
    uow.commit().await.unwrap();
    add_user(&ctx.store, &user(other.id, other_role.id, "old@example.com", "Elsewhere")).await;
}

async fn concurrent_edits_of_one_user_make_one_stale(ctx: Ctx) {
    let seed = seed(&ctx.store).await;
    let original = user(seed.practice.id, seed.role.id, "edit@example.com", "Eddie Edit");
    add_user(&ctx.store, &original).await;

    let barrier = Arc::new(Barrier::new(2));
    let mut tasks = Vec::new();
    for name in ["Eddie One", "Eddie Two"] {
        let mut edited = original.clone();
        edited.name = PersonName::parse(name).unwrap();
        edited.version = 2;
        let store = ctx.store.clone();
        let barrier = barrier.clone();
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            let mut uow = store.begin(Access::Write).await?;
            uow.users().update(&edited).await?;
            uow.commit().await?;
            Ok::<PersonName, StoreError>(edited.name)
        }));
    }
    let mut results = Vec::new();
    for task in tasks {
        results.push(task.await.unwrap());
    }
    let saved: Vec<&PersonName> = results.iter().filter_map(|r| r.as_ref().ok()).collect();
    assert_eq!(saved.len(), 1, "{results:?}");
    // The others are refused: stale, or (PostgreSQL, serializable) told
    // they raced, which the domain answers by running them again.
    assert!(
        results
            .iter()
            .filter(|r| r.is_err())
            .all(|r| matches!(r, Err(StoreError::Conflict(Conflict::Stale) | StoreError::Contended(_)))),
        "{results:?}"
    );

    let mut uow = ctx.store.begin(Access::Read).await.unwrap();
    let stored = uow.users().get(seed.practice.id, original.id).await.unwrap().unwrap();
    assert_eq!(&stored.name, saved[0]);
    assert_eq!(stored.version, 2);
}

async fn a_link_is_consumed_once_under_concurrent_submissions(ctx: Ctx) {
    let seed = seed(&ctx.store).await;
    let u = user(seed.practice.id, seed.role.id, "link@example.com", "Link Holder");
    add_user(&ctx.store, &u).await;
    let token = Token::presented("concurrent-link-token");
    let link = Link {
        id: id(),
        practice: seed.practice.id,
        purpose: LinkPurpose::Invitation,
        subject: LinkSubject::User(u.id),
        token_hash: token.hash(),
        created_at: now(),
        expires_at: now() + chrono::Duration::days(7),
        used_at: None,
        voided_at: None,
    };
    let mut uow = ctx.store.begin(Access::Write).await.unwrap();
    uow.links().insert(&link).await.unwrap();
    uow.commit().await.unwrap();

    let contenders = 6;
    let barrier = Arc::new(Barrier::new(contenders));
    let mut tasks = Vec::new();
    for _ in 0..contenders {
        let store = ctx.store.clone();
        let barrier = barrier.clone();
        let link_id = link.id;
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            let mut uow = store.begin(Access::Write).await?;
            let used = uow.links().consume(link_id, now()).await?;
            uow.commit().await?;
            Ok::<bool, StoreError>(used)
        }));
    }
    // Each other submission finds the link used, or (PostgreSQL,
    // serializable) is told it raced, which the domain answers by running
    // it again, when it finds the link used.
    let mut wins = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(true) => wins += 1,
            Ok(false) | Err(StoreError::Contended(_)) => {}
            Err(other) => panic!("{other:?}"),
        }
    }
    assert_eq!(wins, 1);
}
