//! The bulk path (`SeaStore::insert_users_in_bulk`): thousands of users in
//! multi-row statements read back exactly as the repositories wrote them,
//! with their email reservations and credentials; a batch with one taken
//! email writes nothing.

use crate::backend_tests;
use crate::support::*;
use identity_domain::system::{Argon2Cost, Argon2idHasher, OsRandom};
use identity_domain::*;
use identity_store::BulkUser;
use std::collections::{BTreeSet, HashSet};
use std::sync::Arc;

backend_tests!(bulk_users_read_back_as_created, a_taken_email_refuses_the_whole_batch);

const PASSWORD: &str = "bulk loaded staff passphrase";
const NAMES: &[&str] =
    &["Élodie Tremblay", "Анна Иванова", "Γιώργος Παπαδόπουλος", "محمد حداد", "王伟", "Liam O'Brien"];

fn hasher() -> Argon2idHasher {
    Argon2idHasher::new(Argon2Cost::default(), Arc::new(OsRandom)).unwrap()
}

/// `count` users numbered from `from`: every third invited, every fifth
/// inactive, some with the profile or the site; active and inactive ones
/// share `hash`.
fn users(seed: &Seed, from: usize, count: usize, hash: &PasswordHash) -> Vec<BulkUser> {
    (from..from + count)
        .map(|i| {
            let mut user = user(
                seed.practice.id,
                seed.role.id,
                &format!("staff.{i}@bulk.example"),
                NAMES[i % NAMES.len()],
            );
            user.created_at -= chrono::Duration::seconds(i64::try_from(i).unwrap());
            user.updated_at = user.created_at;
            user.status = match i % 15 {
                0 | 3 | 6 | 9 | 12 => UserStatus::Invited,
                5 | 10 => UserStatus::Inactive,
                _ => UserStatus::Active,
            };
            if i % 4 == 0 {
                user.profiles = BTreeSet::from([seed.profile.id]);
            }
            if i % 3 != 0 {
                user.sites = BTreeSet::from([seed.site.id]);
            }
            let mut credential = Credential::empty(seed.practice.id, user.id);
            if user.status != UserStatus::Invited {
                credential.set_password(hash.clone(), user.created_at, None);
            }
            BulkUser { user, credential }
        })
        .collect()
}

async fn count(ctx: &Ctx, seed: &Seed) -> u64 {
    let mut uow = ctx.store.begin(Access::Read).await.unwrap();
    let all = [UserStatus::Invited, UserStatus::Active, UserStatus::Inactive];
    uow.users().count_with_roles(seed.practice.id, &[seed.role.id], &all).await.unwrap()
}

async fn bulk_users_read_back_as_created(ctx: Ctx) {
    let seed = seed(&ctx.store).await;
    let hasher = hasher();
    let hash = hasher.hash_now(PASSWORD).unwrap();
    let first = users(&seed, 0, 1500, &hash);
    let second = users(&seed, 1500, 500, &hash);
    ctx.store.insert_users_in_bulk(&first).await.unwrap();
    ctx.store.insert_users_in_bulk(&second).await.unwrap();
    let loaded: Vec<&BulkUser> = first.iter().chain(&second).collect();

    assert_eq!(count(&ctx, &seed).await, 2000);

    // Every page of the list, 500 at a time: 2,000 distinct emails.
    let mut uow = ctx.store.begin(Access::Read).await.unwrap();
    let mut query = UserQuery { limit: 500, ..UserQuery::default() };
    let mut emails = HashSet::new();
    loop {
        let page = uow.users().list(seed.practice.id, &query).await.unwrap();
        for u in page.items.iter().map(|r| &r.user) {
            assert!(emails.insert(u.email.normalized().to_owned()), "{} listed twice", u.email);
        }
        match page.next {
            Some(next) => query.after = Some(next),
            None => break,
        }
    }
    assert_eq!(emails.len(), 2000);

    // Each kind of user reads back equal through the repositories.
    for i in [0, 1, 4, 5, 1499, 1500, 1999] {
        let expected = &loaded[i];
        let id = expected.user.id;
        let read = uow.users().get(seed.practice.id, id).await.unwrap().unwrap();
        assert_eq!(read, expected.user, "user {i}");
        let by_email = uow.users().find_by_email(seed.practice.id, &expected.user.email).await.unwrap();
        assert_eq!(by_email.map(|u| u.id), Some(id));
        assert_eq!(uow.users().email_holder(seed.practice.id, &expected.user.email).await.unwrap(), Some(id));
        let history = uow.users().email_history(seed.practice.id, id).await.unwrap();
        assert_eq!(history, vec![(expected.user.email.clone(), expected.user.created_at)]);
        let credential = uow.credentials().get(seed.practice.id, id).await.unwrap().unwrap();
        assert_eq!(credential, expected.credential, "credential {i}");
        match expected.user.status {
            UserStatus::Invited => assert!(credential.hash.is_none()),
            _ => {
                assert!(!credential.must_change(), "seeded passwords are not one-time");
                assert!(hasher.verify_now(PASSWORD, credential.hash.as_ref().unwrap()));
                assert!(!hasher.verify_now("another passphrase", credential.hash.as_ref().unwrap()));
            }
        }
    }

    // Filters see the links: the profile and the site.
    let with_profile = UserQuery {
        filter: UserFilter { profile: Some(seed.profile.id), ..UserFilter::default() },
        limit: 500,
        ..UserQuery::default()
    };
    let page = uow.users().list(seed.practice.id, &with_profile).await.unwrap();
    assert_eq!(page.items.len(), 500, "2000 / 4 users hold the profile");
    assert!(page.next.is_none());
    let invited = uow
        .users()
        .count_with_roles(seed.practice.id, &[seed.role.id], &[UserStatus::Invited])
        .await
        .unwrap();
    assert_eq!(invited, (0..2000).filter(|i| i % 3 == 0).count() as u64, "every third user is invited");
}

async fn a_taken_email_refuses_the_whole_batch(ctx: Ctx) {
    let seed = seed(&ctx.store).await;
    let hash = hasher().hash_now(PASSWORD).unwrap();
    ctx.store.insert_users_in_bulk(&users(&seed, 0, 10, &hash)).await.unwrap();

    // A fresh user, then one whose address differs from a stored one only by case.
    let mut batch = users(&seed, 10, 2, &hash);
    batch[1].user.email = email("STAFF.3@Bulk.Example");
    let refused = ctx.store.insert_users_in_bulk(&batch).await;
    assert_eq!(refused, Err(StoreError::Conflict(Conflict::EmailTaken)));
    assert_eq!(count(&ctx, &seed).await, 10, "nothing of the refused batch was written");

    // The same address twice in one batch.
    let mut twice = users(&seed, 20, 2, &hash);
    twice[1].user.email = twice[0].user.email.clone();
    let refused = ctx.store.insert_users_in_bulk(&twice).await;
    assert_eq!(refused, Err(StoreError::Conflict(Conflict::EmailTaken)));

    // A role of no practice of theirs.
    let mut stranger = users(&seed, 30, 1, &hash);
    stranger[0].user.role = id();
    assert!(matches!(ctx.store.insert_users_in_bulk(&stranger).await, Err(StoreError::Internal(_))));
    assert_eq!(count(&ctx, &seed).await, 10);
}
