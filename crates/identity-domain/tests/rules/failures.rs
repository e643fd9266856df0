//! All or nothing: a unit of work that fails leaves nothing behind, and
//! misbehaving ports give errors, never panics.

use crate::support::*;
use chrono::{Duration, TimeZone, Utc};
use identity_domain::ports::{MockClock, MockPasswordHasher, MockStore};
use identity_domain::*;
use identity_memory::MemoryAdapters;
use std::sync::Arc;

#[tokio::test]
async fn a_failed_commit_leaves_no_user_no_email_and_no_audit_entry() {
    let w = World::new().await;
    let (outbox, audit) = (w.outbox().await.len(), w.audit().await.len());
    let role = w.role("Paralegal").await;
    w.adapters.store.fail_next_commits(1);
    let new = w.new_user("pat@maple.example", "Pat Person", role, InitialCredential::Invite);
    assert!(matches!(w.service.create_user(&w.admin, new).await, Err(CreateUserError::Store(_))));
    assert_eq!((w.outbox().await.len(), w.audit().await.len()), (outbox, audit));
    let page = w.service.list_users(&w.admin, &UserQuery::default()).await.unwrap();
    assert_eq!(page.items.len(), 1, "only the owner");
    // The address was not reserved either.
    let new = w.new_user("pat@maple.example", "Pat Person", role, InitialCredential::Invite);
    w.service.create_user(&w.admin, new).await.unwrap();
}

#[tokio::test]
async fn reassign_and_deactivate_is_all_or_nothing() {
    let w = World::new().await;
    let (leaver, _) = w.add_user("leaver@maple.example", "RCIC Consultant").await;
    let (heir, _) = w.add_user("heir@maple.example", "RCIC Consultant").await;
    let cases = [w.open_case("A", leaver.id).await, w.open_case("B", leaver.id).await];
    w.adapters.store.fail_next_commits(1);
    assert!(matches!(
        w.service.deactivate_user(&w.admin, leaver.id, Some(heir.id)).await,
        Err(DeactivateError::Store(_))
    ));
    assert_eq!(w.user(leaver.id).await.status, UserStatus::Active);
    for case in &cases {
        assert_eq!(w.service.get_case(&w.admin, case.id).await.unwrap().owner, leaver.id);
    }
    w.service.deactivate_user(&w.admin, leaver.id, Some(heir.id)).await.unwrap();
}

#[tokio::test]
async fn a_failed_bulk_reassign_moves_no_case() {
    let w = World::new().await;
    let (from, _) = w.add_user("from@maple.example", "RCIC Consultant").await;
    let (to, _) = w.add_user("to@maple.example", "RCIC Consultant").await;
    for title in ["A", "B", "C"] {
        w.open_case(title, from.id).await;
    }
    w.adapters.store.fail_next_commits(1);
    assert!(w.service.reassign_cases(&w.admin, from.id, to.id, CaseSelection::AllOpen).await.is_err());
    assert_eq!(w.service.list_cases(&w.admin, from.id, Some(CaseStatus::Open)).await.unwrap().len(), 3);
    assert!(w.service.list_cases(&w.admin, to.id, None).await.unwrap().is_empty());
}

#[tokio::test]
async fn a_busy_hasher_gives_a_retryable_error_and_changes_nothing() {
    let adapters = MemoryAdapters::with_fast_hasher();
    let w = World::with(adapters.clone(), "maple-law", PracticeSettings::default()).await;
    let audit = w.audit().await.len();
    let mut busy = MockPasswordHasher::new();
    busy.expect_verify().returning(|_, _| Err(HashError::Busy));
    busy.expect_hash().returning(|_| Err(HashError::Busy));
    let mut ports = adapters.ports();
    ports.hasher = Arc::new(busy);
    let service = IdentityService::new(ports, Config::default());
    let attempt = sign_in(&service, "maple-law", "owner@maple-law.example", PASSWORD).await;
    assert_eq!(attempt.unwrap_err(), SignInError::Hash(HashError::Busy));
    assert_eq!(w.audit().await.len(), audit, "nothing was recorded or counted");
}

#[tokio::test]
async fn an_unreachable_store_gives_errors_not_panics() {
    let mut store = MockStore::new();
    store.expect_begin().returning(|_| Err(StoreError::Unavailable("connection refused".into())));
    store.expect_check_session().returning(|_| Err(StoreError::Unavailable("connection refused".into())));
    let adapters = MemoryAdapters::with_fast_hasher();
    let mut ports = adapters.ports();
    ports.store = Arc::new(store);
    let service = IdentityService::new(ports, Config::default());
    let attempt = sign_in(&service, "maple-law", "owner@maple-law.example", PASSWORD).await;
    assert!(matches!(attempt, Err(SignInError::Store(StoreError::Unavailable(_)))));
    let forgot =
        ForgotPassword { practice: "maple-law".into(), email: "a@b.example".into(), request_id: None };
    assert!(service.forgot_password(forgot).await.is_err());
    assert!(matches!(service.authenticate(&Token::presented("x")).await, Err(SessionError::Store(_))));
}

#[tokio::test]
async fn a_clock_that_jumps_ahead_ends_sessions_and_one_that_jumps_back_does_not_revive_them() {
    let adapters = MemoryAdapters::with_fast_hasher();
    let w = World::with(adapters.clone(), "maple-law", PracticeSettings::default()).await;
    let signed = w.sign_in("owner@maple-law.example", PASSWORD).await.unwrap();
    let start = Utc.with_ymd_and_hms(2026, 1, 5, 9, 0, 0).unwrap();
    let mut clock = MockClock::new();
    let mut times = vec![start + Duration::hours(13), start - Duration::days(1)].into_iter();
    clock.expect_now().returning(move || times.next().unwrap_or(start));
    let mut ports = adapters.ports();
    ports.clock = Arc::new(clock);
    let service = IdentityService::new(ports, Config::default());
    assert_eq!(service.authenticate(&signed.token).await, Err(SessionError::Invalid), "past the 12 h limit");
    // Back in time the session looks young again, but sign-out-all ends it for good.
    let caller = w.service.authenticate(&signed.token).await.unwrap();
    w.service.sign_out_everywhere(&caller, caller.user()).await.unwrap();
    assert_eq!(service.authenticate(&signed.token).await, Err(SessionError::Invalid));
}
