//! A stalled client on PostgreSQL: a unit of work of one practice that
//! wrote and then stopped talking, as a frozen or cut-off server process
//! leaves it. Another practice's writes, and sign-ins of other users of the
//! same practice, do not wait for it; writes of the rows it holds wait
//! only until PostgreSQL ends it (`idle_in_transaction_session_timeout`),
//! then go through. Nothing here measures a time: "does not wait" is shown
//! by the stalled unit of work still being open when the others are done.

use crate::support::{Backend, open};
use identity_contract::{Fixture, PASSWORD};
use identity_domain::*;
use identity_store::{SeaStore, StoreOptions};
use sea_orm::{ConnectionTrait, Statement};
use std::sync::Arc;
use std::time::Duration;

/// How long PostgreSQL lets the stalled unit of work sit idle; below the
/// store's lock wait (5 s), so that a write waiting for it outlasts it.
const STALL_ENDS_AFTER: Duration = Duration::from_secs(2);

/// Open transactions of the test database left idle by their client.
async fn stalled(owner: &SeaStore) -> i64 {
    let db = owner.connection();
    let sql = "SELECT count(*) FROM pg_stat_activity \
               WHERE datname = current_database() AND state = 'idle in transaction'";
    let row = db.query_one_raw(Statement::from_string(db.get_database_backend(), sql)).await.unwrap();
    row.unwrap().try_get_by_index::<i64>(0).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalled_unit_of_work_holds_up_no_other_practice_and_ends_within_the_timeout() {
    let Some((ctx, remove)) = open(Backend::Postgres).await else { return };
    let a = Fixture::new(Arc::new(ctx.store.clone()), "alpha").await;
    let b = a.another("beta").await;
    let (colleague, _) = a.active("colleague@alpha.example", "Paralegal").await;
    b.active("staff@beta.example", "Paralegal").await;

    // A server of practice A begins a change of its Super Admin's account
    // (the row, the Super Admin count read for the last-Super-Admin rule),
    // then freezes with the transaction open.
    let options = StoreOptions { idle_in_transaction_timeout: STALL_ENDS_AFTER, ..StoreOptions::default() };
    let frozen = SeaStore::connect_with(&ctx.url, options).await.unwrap();
    let mut held = frozen.begin(Access::Write).await.unwrap();
    let mut admin = held.users().get(a.practice.id, a.admin.user()).await.unwrap().unwrap();
    let roles: Vec<RoleId> = held
        .roles()
        .list_roles(a.practice.id)
        .await
        .unwrap()
        .iter()
        .filter(|r| r.bypass)
        .map(|r| r.id)
        .collect();
    held.users().count_with_roles(a.practice.id, &roles, &[UserStatus::Active]).await.unwrap();
    admin.version += 1;
    admin.title = Some(Label::parse("Frozen mid-change").unwrap());
    held.users().update(&admin).await.unwrap();
    assert_eq!(stalled(&ctx.owner).await, 1);

    // Practice B: users created, signed in, deactivated; practice A: another
    // user signs in and fails a sign-in (bookkeeping on their own rows).
    let role = b.role("Paralegal").await;
    let created = b
        .service
        .create_user(&b.admin, b.new_user("new@beta.example", "New Person", role, InitialCredential::Invite))
        .await
        .unwrap();
    b.sign_in("staff@beta.example", PASSWORD).await.unwrap();
    b.service.deactivate_user(&b.admin, created.user.id, None).await.unwrap();
    a.sign_in("colleague@alpha.example", PASSWORD).await.unwrap();
    assert!(a.sign_in("colleague@alpha.example", "not the password").await.is_err());
    let edit = UserEdit { title: Some(Some(Label::parse("Unaffected").unwrap())), ..UserEdit::default() };
    a.service.update_user(&a.admin, colleague.id, edit, None).await.unwrap();
    assert_eq!(stalled(&ctx.owner).await, 1, "all of that was done while the stalled change was open");

    // Practice A's Super Admin edits their own account: it waits for the
    // stalled row until PostgreSQL ends that transaction, then goes through.
    let edit = UserEdit { title: Some(Some(Label::parse("Back at work").unwrap())), ..UserEdit::default() };
    let saved = a.service.update_user(&a.admin, a.admin.user(), edit, None).await.unwrap();
    assert_eq!(saved.title.as_ref().map(Label::as_str), Some("Back at work"));
    assert_eq!(stalled(&ctx.owner).await, 0);
    assert!(held.commit().await.is_err(), "the stalled unit of work was ended, not committed");
    frozen.close().await.ok();
    remove.await;
}
