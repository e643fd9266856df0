//! PRODUCT.md "Passwords and sessions": sign-in, throttling and lock,
//! restricted sessions, expiry, sign-out.

use crate::support::*;
use chrono::Duration;
use identity_domain::ports::MockPasswordHasher;
use identity_domain::*;
use identity_memory::{InsecureFastHasher, MemoryAdapters};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

#[tokio::test]
async fn unknown_email_wrong_password_inactive_and_locked_accounts_answer_identically() {
    let w = World::new().await;
    let (gone, _) = w.add_signed_in("gone@maple.example", "Paralegal").await;
    w.service.deactivate_user(&w.admin, gone.id, None).await.unwrap();
    let (locked, _) = w.add_signed_in("locked@maple.example", "Paralegal").await;
    lock_out(&w, "locked@maple.example").await;
    let _ = locked;

    let answers = [
        w.sign_in("nobody@maple.example", PASSWORD).await.unwrap_err(),
        w.sign_in("owner@maple-law.example", "wrong password here").await.unwrap_err(),
        w.sign_in("gone@maple.example", PASSWORD).await.unwrap_err(),
        w.sign_in("locked@maple.example", PASSWORD).await.unwrap_err(),
        sign_in(&w.service, "no-such-practice", "owner@maple-law.example", PASSWORD).await.unwrap_err(),
    ];
    for answer in &answers {
        assert_eq!(answer, &SignInError::Failed);
        assert_eq!(answer.to_string(), answers[0].to_string(), "byte-identical messages");
    }
}

/// Counts verifications, passing the rest to the fast hasher.
fn counting_hasher(verifications: Arc<AtomicUsize>) -> MockPasswordHasher {
    let mut hasher = MockPasswordHasher::new();
    hasher.expect_hash().returning(|p| {
        let p = p.clone();
        futures_block(async move { InsecureFastHasher.hash(&p).await })
    });
    hasher.expect_verify().returning(move |typed, hash| {
        verifications.fetch_add(1, Ordering::SeqCst);
        let (typed, hash) = (typed.clone(), hash.clone());
        futures_block(async move { InsecureFastHasher.verify(&typed, &hash).await })
    });
    hasher
}

/// The fast hasher's futures complete at once.
fn futures_block<T>(future: impl std::future::Future<Output = T>) -> T {
    let mut future = std::pin::pin!(future);
    let mut context = std::task::Context::from_waker(std::task::Waker::noop());
    loop {
        if let std::task::Poll::Ready(value) = future.as_mut().poll(&mut context) {
            return value;
        }
    }
}

#[tokio::test]
async fn every_failed_sign_in_runs_exactly_one_password_verification() {
    let verifications = Arc::new(AtomicUsize::new(0));
    let adapters = MemoryAdapters::with_fast_hasher();
    let mut ports = adapters.ports();
    ports.hasher = Arc::new(counting_hasher(verifications.clone()));
    let service = IdentityService::new(ports, Config::default());
    let w = World::on(adapters, service, "maple-law", PracticeSettings::default()).await;
    let (gone, _) = w.add_signed_in("gone@maple.example", "Paralegal").await;
    w.service.deactivate_user(&w.admin, gone.id, None).await.unwrap();

    for (slug, email) in [
        ("maple-law", "nobody@maple.example"),
        ("maple-law", "not an email"),
        ("maple-law", "gone@maple.example"),
        ("maple-law", "owner@maple-law.example"),
        ("unknown-practice", "owner@maple-law.example"),
    ] {
        let before = verifications.load(Ordering::SeqCst);
        assert!(sign_in(&w.service, slug, email, "not the password at all").await.is_err());
        assert_eq!(verifications.load(Ordering::SeqCst) - before, 1, "{slug} {email}");
    }
}

async fn lock_out(w: &World, email: &str) {
    for _ in 0..100 {
        w.adapters.clock.advance(Duration::seconds(11));
        assert_eq!(w.sign_in(email, "not the password at all").await.unwrap_err(), SignInError::Failed);
    }
}

#[tokio::test]
async fn failures_slow_sign_in_down_and_a_success_clears_the_count() {
    let w = World::new().await;
    w.add_signed_in("pat@maple.example", "Paralegal").await;
    for _ in 0..3 {
        w.sign_in("pat@maple.example", "wrong password").await.unwrap_err();
    }
    // Within a second of the third failure even the right password fails.
    assert_eq!(w.sign_in("pat@maple.example", PASSWORD).await.unwrap_err(), SignInError::Failed);
    w.adapters.clock.advance(Duration::seconds(1));
    w.sign_in("pat@maple.example", PASSWORD).await.unwrap();
    // The count was cleared: three new failures are needed for a delay.
    w.sign_in("pat@maple.example", "wrong password").await.unwrap_err();
    w.sign_in("pat@maple.example", PASSWORD).await.unwrap();
}

#[tokio::test]
async fn delays_grow_to_three_seconds_after_nine_failures() {
    let w = World::new().await;
    w.add_signed_in("pat@maple.example", "Paralegal").await;
    for _ in 0..9 {
        w.adapters.clock.advance(Duration::seconds(1));
        w.sign_in("pat@maple.example", "wrong password").await.unwrap_err();
    }
    w.adapters.clock.advance(Duration::seconds(2));
    assert!(w.sign_in("pat@maple.example", PASSWORD).await.is_err());
    w.adapters.clock.advance(Duration::seconds(1));
    assert!(w.sign_in("pat@maple.example", PASSWORD).await.is_ok());
}

#[tokio::test]
async fn a_hundred_consecutive_failures_lock_password_sign_in_until_an_admin_reset() {
    let w = World::new().await;
    let (pat, _) = w.add_signed_in("pat@maple.example", "Paralegal").await;
    lock_out(&w, "pat@maple.example").await;
    w.adapters.clock.advance(Duration::hours(24));
    assert_eq!(w.sign_in("pat@maple.example", PASSWORD).await.unwrap_err(), SignInError::Failed);
    let reset = ResetMode::SetTemporary(secret("temporary passphrase 1"));
    w.service.reset_password(&w.admin, pat.id, reset).await.unwrap();
    w.sign_in("pat@maple.example", "temporary passphrase 1").await.unwrap();
}

#[tokio::test]
async fn the_last_active_super_admin_is_never_locked_out() {
    let w = World::new().await;
    lock_out(&w, "owner@maple-law.example").await;
    w.adapters.clock.advance(Duration::seconds(11));
    w.sign_in("owner@maple-law.example", PASSWORD).await.unwrap();
}

#[tokio::test]
async fn a_session_that_must_change_its_password_can_do_nothing_else() {
    let w = World::new().await;
    let (pat, password) = w.add_user("pat@maple.example", "Paralegal").await;
    let signed = w.sign_in("pat@maple.example", password.expose()).await.unwrap();
    let caller = w.service.authenticate(&signed.token).await.unwrap();
    let blocked = AccessError::PasswordChangeRequired;
    assert_eq!(w.service.get_user(&caller, pat.id).await.unwrap_err(), ReadUsersError::Access(blocked));
    assert_eq!(w.service.list_sites(&caller).await.unwrap_err(), ListSitesError::Access(blocked));
    assert_eq!(
        w.service.list_cases(&caller, pat.id, None).await.unwrap_err(),
        ListCasesError::Access(blocked)
    );
    assert_eq!(
        w.service.sign_out_everywhere(&caller, pat.id).await.unwrap_err(),
        SignOutError::Access(blocked)
    );
    let edit = UserEdit { language: Some(Language::parse("fr").unwrap()), ..UserEdit::default() };
    assert_eq!(
        w.service.update_user(&caller, pat.id, edit, None).await.unwrap_err(),
        UpdateUserError::Access(blocked)
    );
    w.service.change_own_password(&caller, secret(password.expose()), secret(PASSWORD)).await.unwrap();
    let caller = w.service.authenticate(&signed.token).await.unwrap();
    assert!(w.service.get_user(&caller, pat.id).await.is_ok());
}

#[tokio::test]
async fn sessions_end_after_30_idle_minutes() {
    let w = World::new().await;
    w.add_signed_in("pat@maple.example", "Paralegal").await;
    let signed = w.sign_in("pat@maple.example", PASSWORD).await.unwrap();
    w.adapters.clock.advance(Duration::minutes(29));
    w.service.authenticate(&signed.token).await.unwrap();
    w.adapters.clock.advance(Duration::minutes(29));
    w.service.authenticate(&signed.token).await.unwrap();
    w.adapters.clock.advance(Duration::minutes(30));
    assert_eq!(w.service.authenticate(&signed.token).await, Err(SessionError::Invalid));
}

#[tokio::test]
async fn sessions_end_12_hours_after_sign_in_however_busy() {
    let w = World::new().await;
    w.add_signed_in("pat@maple.example", "Paralegal").await;
    let signed = w.sign_in("pat@maple.example", PASSWORD).await.unwrap();
    for _ in 0..(12 * 4 - 1) {
        w.adapters.clock.advance(Duration::minutes(15));
        w.service.authenticate(&signed.token).await.unwrap();
    }
    w.adapters.clock.advance(Duration::minutes(15));
    assert_eq!(w.service.authenticate(&signed.token).await, Err(SessionError::Invalid));
}

#[tokio::test]
async fn every_sign_in_gets_a_new_token() {
    let w = World::new().await;
    w.add_signed_in("pat@maple.example", "Paralegal").await;
    let a = w.sign_in("pat@maple.example", PASSWORD).await.unwrap();
    let b = w.sign_in("pat@maple.example", PASSWORD).await.unwrap();
    assert_ne!(a.token.expose(), b.token.expose());
    assert_eq!(a.token.expose().len(), 43, "256 random bits in base64url");
}

#[tokio::test]
async fn sign_out_all_sessions_ends_every_one_at_once() {
    let w = World::new().await;
    let (pat, _) = w.add_signed_in("pat@maple.example", "Paralegal").await;
    let sessions = [
        w.sign_in("pat@maple.example", PASSWORD).await.unwrap(),
        w.sign_in("pat@maple.example", PASSWORD).await.unwrap(),
    ];
    assert!(w.service.sign_out_everywhere(&w.admin, pat.id).await.unwrap() >= 2);
    for s in &sessions {
        assert_eq!(w.service.authenticate(&s.token).await, Err(SessionError::Invalid));
    }
    w.sign_in("pat@maple.example", PASSWORD).await.unwrap();
}

#[tokio::test]
async fn signing_out_ends_only_that_session() {
    let w = World::new().await;
    w.add_signed_in("pat@maple.example", "Paralegal").await;
    let a = w.sign_in("pat@maple.example", PASSWORD).await.unwrap();
    let b = w.sign_in("pat@maple.example", PASSWORD).await.unwrap();
    let caller = w.service.authenticate(&a.token).await.unwrap();
    w.service.sign_out(&caller).await.unwrap();
    assert_eq!(w.service.authenticate(&a.token).await, Err(SessionError::Invalid));
    w.service.authenticate(&b.token).await.unwrap();
}

#[tokio::test]
async fn changing_ones_password_ends_the_other_sessions_and_asks_for_the_current_one() {
    let w = World::new().await;
    w.add_signed_in("pat@maple.example", "Paralegal").await;
    let here = w.sign_in("pat@maple.example", PASSWORD).await.unwrap();
    let elsewhere = w.sign_in("pat@maple.example", PASSWORD).await.unwrap();
    let caller = w.service.authenticate(&here.token).await.unwrap();
    assert_eq!(
        w.service.change_own_password(&caller, secret("not it"), secret("another passphrase")).await,
        Err(ChangePasswordError::WrongPassword)
    );
    w.service.change_own_password(&caller, secret(PASSWORD), secret("another passphrase")).await.unwrap();
    assert_eq!(w.service.authenticate(&elsewhere.token).await, Err(SessionError::Invalid));
    w.service.authenticate(&here.token).await.unwrap();
}

#[tokio::test]
async fn role_and_profile_changes_take_effect_on_the_next_request() {
    let w = World::new().await;
    let (pat, _) = w.add_signed_in("pat@maple.example", "Paralegal").await;
    let signed = w.sign_in("pat@maple.example", PASSWORD).await.unwrap();
    let before = w.service.authenticate(&signed.token).await.unwrap();
    assert!(!before.may(Permission::InvoicesWrite));
    let collections = w.profile("Collections").await;
    w.service.set_access(&w.admin, pat.id, pat.role, [collections].into(), None).await.unwrap();
    let after = w.service.authenticate(&signed.token).await.unwrap();
    assert!(after.may(Permission::InvoicesWrite));
}

#[tokio::test]
async fn a_forged_or_unknown_token_is_refused() {
    let w = World::new().await;
    for forged in ["", "x", &"A".repeat(43), "' OR 1=1 --"] {
        assert_eq!(w.service.authenticate(&Token::presented(forged)).await, Err(SessionError::Invalid));
    }
}

/// A hasher whose verifications, once armed, wait at a gate the test opens.
struct GatedHasher {
    armed: std::sync::atomic::AtomicBool,
    entered: tokio::sync::Notify,
    gate: tokio::sync::Semaphore,
}

#[async_trait::async_trait]
impl PasswordHasher for GatedHasher {
    async fn hash(&self, password: &Password) -> Result<PasswordHash, HashError> {
        InsecureFastHasher.hash(password).await
    }

    async fn verify(
        &self,
        candidate: &secrecy::SecretString,
        hash: &PasswordHash,
    ) -> Result<bool, HashError> {
        if self.armed.load(Ordering::SeqCst) {
            self.entered.notify_one();
            let _pass = self.gate.acquire().await.unwrap();
        }
        InsecureFastHasher.verify(candidate, hash).await
    }
}

async fn gated_world() -> (World, Arc<GatedHasher>) {
    let gated = Arc::new(GatedHasher {
        armed: false.into(),
        entered: tokio::sync::Notify::new(),
        gate: tokio::sync::Semaphore::new(0),
    });
    let adapters = MemoryAdapters::with_fast_hasher();
    let mut ports = adapters.ports();
    ports.hasher = gated.clone();
    let service = IdentityService::new(ports, Config::default());
    (World::on(adapters, service, "maple-law", PracticeSettings::default()).await, gated)
}

#[tokio::test]
async fn a_sign_in_waiting_on_the_hasher_holds_no_write_lock() {
    let (w, gated) = gated_world().await;
    w.add_signed_in("pat@maple.example", "Paralegal").await;
    gated.armed.store(true, Ordering::SeqCst);
    let service = w.service.clone();
    let pending =
        tokio::spawn(async move { sign_in(&service, "maple-law", "pat@maple.example", PASSWORD).await });
    gated.entered.notified().await;
    // Another write goes through while the password is being checked.
    let role = w.role("Paralegal").await;
    let new = w.new_user("ben@maple.example", "Ben Other", role, InitialCredential::Invite);
    let created =
        tokio::time::timeout(std::time::Duration::from_secs(30), w.service.create_user(&w.admin, new));
    created.await.expect("a write while a sign-in hashes").unwrap();
    gated.gate.add_permits(1);
    assert!(pending.await.unwrap().is_ok());
}

#[tokio::test]
async fn a_password_reset_while_a_sign_in_is_being_checked_wins() {
    let (w, gated) = gated_world().await;
    let (pat, _) = w.add_signed_in("pat@maple.example", "Paralegal").await;
    gated.armed.store(true, Ordering::SeqCst);
    let service = w.service.clone();
    let pending =
        tokio::spawn(async move { sign_in(&service, "maple-law", "pat@maple.example", PASSWORD).await });
    gated.entered.notified().await;
    let temporary = ResetMode::SetTemporary(secret("a temporary passphrase to change"));
    w.service.reset_password(&w.admin, pat.id, temporary).await.unwrap();
    gated.gate.add_permits(1);
    assert_eq!(
        pending.await.unwrap().unwrap_err(),
        SignInError::Failed,
        "the old password no longer opens a session"
    );
    let last = w.audit().await.pop().unwrap();
    assert_eq!(last.action, AuditAction::SignInFailed);
    assert_eq!(last.after.unwrap()["reason"], "changed_during_sign_in");
}
