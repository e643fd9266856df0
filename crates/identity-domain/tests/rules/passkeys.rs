//! Passkeys (PRODUCT.md, "Second factors"): enrolling one, the second step
//! with one, and what the domain holds a ceremony to: a challenge answered
//! once, only from the session it was made for, within its time, by a
//! credential of the user, registered to nobody else. The cryptography is
//! the relying party adapter's (`identity-webauthn`, tested in a browser);
//! here a [`FakeRelyingParty`] stands in for it.

use crate::support::*;
use chrono::Duration;
use identity_domain::factor::{CEREMONY_MINUTES, RECOVERY_CODE_COUNT};
use identity_domain::ports::Clock;
use identity_domain::*;
use identity_memory::MemoryAdapters;

/// A user with a full session and one passkey (its credential id), whose
/// counter stands at 0.
struct Holder {
    user: User,
    caller: Caller,
    credential: String,
    codes: Vec<RecoveryCode>,
}

impl World {
    async fn enrol_passkey(
        &self,
        caller: &Caller,
        name: &str,
        credential: &str,
    ) -> Result<Enrolled, ConfirmPasskeyError> {
        let options = self.service.start_passkey(caller, name).await.unwrap();
        self.service.confirm_passkey(caller, &passkey_answer(&options, credential, 0)).await
    }

    async fn passkey_holder(&self, email: &str, credential: &str) -> Holder {
        let (user, caller) = self.add_signed_in(email, "Paralegal").await;
        let enrolled = self.enrol_passkey(&caller, "Security key", credential).await.unwrap();
        Holder { user, caller, credential: credential.to_owned(), codes: enrolled.recovery_codes }
    }

    /// Signs in with the password: the waiting session's token.
    async fn waiting(&self, email: &str) -> Token {
        self.adapters.clock.advance(Duration::seconds(1));
        let signed = self.sign_in(email, PASSWORD).await.unwrap();
        assert_eq!(signed.scope, SessionScope::SecondFactor);
        signed.token
    }

    async fn with_passkey(&self, token: &Token, answer: String) -> Result<SecondStepPassed, SecondStepError> {
        let proof = FactorProof::Passkey(answer);
        self.service.second_step(SecondStep { token: token.clone(), proof, request_id: None }).await
    }
}

#[tokio::test]
async fn a_passkey_enrolled_is_a_second_factor_with_recovery_codes_an_email_and_an_audit_entry() {
    let w = World::new().await;
    let pat = w.passkey_holder("pat@maple.example", "key-pat").await;
    assert_eq!(pat.codes.len(), RECOVERY_CODE_COUNT);
    let overview = w.service.own_factors(&pat.caller).await.unwrap();
    assert_eq!(overview.factors.len(), 1);
    assert_eq!(overview.factors[0].kind, "passkey");
    assert_eq!(overview.factors[0].name.as_str(), "Security key");
    let added = w.audit().await.into_iter().find(|e| e.action == AuditAction::FactorAdded).unwrap();
    assert_eq!(added.after.unwrap()["kind"], "passkey");
    let told = w.outbox().await;
    assert!(
        told.iter()
            .any(|e| e.to.as_str() == "pat@maple.example" && e.message.kind() == "second_factor_changed")
    );
    // A second passkey comes with no new recovery codes.
    let second = w.enrol_passkey(&pat.caller, "Phone", "key-pat-2").await.unwrap();
    assert!(second.recovery_codes.is_empty());
    assert_eq!(w.service.own_factors(&pat.caller).await.unwrap().factors.len(), 2);
}

#[tokio::test]
async fn sign_in_takes_the_password_then_the_passkey() {
    let w = World::new().await;
    let pat = w.passkey_holder("pat@maple.example", "key-pat").await;
    let token = w.waiting("pat@maple.example").await;
    let options = w.service.start_passkey_step(&token).await.unwrap();
    assert_eq!(options["allowCredentials"], serde_json::json!(["key-pat"]), "the user's passkeys only");
    let passed = w.with_passkey(&token, passkey_answer(&options, &pat.credential, 1)).await.unwrap();
    assert_eq!(passed.session.scope, SessionScope::Full);
    let caller = w.service.authenticate(&passed.token).await.unwrap();
    assert_eq!(caller.user(), pat.user.id);
    let signed_in = w.audit().await.into_iter().rev().find(|e| e.action == AuditAction::SignedIn).unwrap();
    assert_eq!(signed_in.after.unwrap()["second_factor"], "passkey");
    let overview = w.service.own_factors(&caller).await.unwrap();
    assert_eq!(overview.factors[0].last_used_at, Some(w.adapters.clock.now()));

    // The counter the passkey signed with is kept: an assertion that does
    // not move it on (a cloned authenticator) is refused.
    let token = w.waiting("pat@maple.example").await;
    let options = w.service.start_passkey_step(&token).await.unwrap();
    let refused = w.with_passkey(&token, passkey_answer(&options, &pat.credential, 1)).await;
    assert_eq!(refused.unwrap_err(), SecondStepError::Failed);
}

#[tokio::test]
async fn a_challenge_is_answered_once_and_only_from_its_own_session() {
    let w = World::new().await;
    let pat = w.passkey_holder("pat@maple.example", "key-pat").await;
    let one = w.waiting("pat@maple.example").await;
    let two = w.waiting("pat@maple.example").await;
    let options_one = w.service.start_passkey_step(&one).await.unwrap();
    let options_two = w.service.start_passkey_step(&two).await.unwrap();
    assert_ne!(options_one["challenge"], options_two["challenge"]);

    // Session two cannot answer with what was signed for session one; its
    // own challenge is used up by the try.
    let crossed = w.with_passkey(&two, passkey_answer(&options_one, &pat.credential, 1)).await;
    assert_eq!(crossed.unwrap_err(), SecondStepError::Failed);
    let used_up = w.with_passkey(&two, passkey_answer(&options_two, &pat.credential, 1)).await;
    assert_eq!(used_up.unwrap_err(), SecondStepError::Failed, "a challenge is answered once");

    // Session one's answer works once; its waiting session has ended then.
    let answer = passkey_answer(&options_one, &pat.credential, 1);
    w.with_passkey(&one, answer.clone()).await.unwrap();
    assert_eq!(w.with_passkey(&one, answer).await.unwrap_err(), SecondStepError::Failed);

    // No challenge asked for: nothing to answer.
    let three = w.waiting("pat@maple.example").await;
    let unasked = serde_json::json!({ "challenge": "sign-in-0", "credential": pat.credential, "counter": 9 });
    assert_eq!(w.with_passkey(&three, unasked.to_string()).await.unwrap_err(), SecondStepError::Failed);
}

#[tokio::test]
async fn a_challenge_expires() {
    let w = World::new().await;
    let pat = w.passkey_holder("pat@maple.example", "key-pat").await;
    let token = w.waiting("pat@maple.example").await;
    let options = w.service.start_passkey_step(&token).await.unwrap();
    w.adapters.clock.advance(Duration::minutes(CEREMONY_MINUTES) + Duration::seconds(1));
    let late = w.with_passkey(&token, passkey_answer(&options, &pat.credential, 1)).await;
    assert_eq!(late.unwrap_err(), SecondStepError::Failed);

    // An enrolment's challenge too.
    let (_, cam) = w.add_signed_in("cam@maple.example", "Paralegal").await;
    let options = w.service.start_passkey(&cam, "Key").await.unwrap();
    w.adapters.clock.advance(Duration::minutes(CEREMONY_MINUTES) + Duration::seconds(1));
    let late = w.service.confirm_passkey(&cam, &passkey_answer(&options, "key-cam", 0)).await;
    assert!(
        matches!(
            late,
            Err(ConfirmPasskeyError::NotStarted | ConfirmPasskeyError::PasswordConfirmationRequired)
        ),
        "{late:?}"
    );
}

#[tokio::test]
async fn refused_passkeys_count_toward_the_lock_like_wrong_codes() {
    let w = World::new().await;
    let pat = w.passkey_holder("pat@maple.example", "key-pat").await;
    for _ in 0..Config::default().throttle.lock_after {
        w.adapters.clock.advance(Duration::minutes(1));
        let signed = w.sign_in("pat@maple.example", PASSWORD).await.unwrap();
        let options = w.service.start_passkey_step(&signed.token).await.unwrap();
        let forged = passkey_answer(&options, "a-key-of-someone-else", 5);
        assert_eq!(w.with_passkey(&signed.token, forged).await.unwrap_err(), SecondStepError::Failed);
    }
    let credential = w.adapters.store.committed_credential(pat.user.id).await.unwrap();
    assert!(credential.locked);
    assert!(w.audit().await.iter().any(|e| e.action == AuditAction::SecondFactorFailed));
}

#[tokio::test]
async fn a_passkey_is_registered_to_one_user_and_once() {
    let w = World::new().await;
    let pat = w.passkey_holder("pat@maple.example", "key-pat").await;
    // The same authenticator again for Pat: excluded by the challenge.
    let again = w.enrol_passkey(&pat.caller, "Again", "key-pat").await;
    assert_eq!(again.unwrap_err(), ConfirmPasskeyError::Refused);
    // Another user presenting Pat's credential id: the store refuses it.
    let (_, cam) = w.add_signed_in("cam@maple.example", "Paralegal").await;
    let stolen = w.enrol_passkey(&cam, "Mine now", "key-pat").await;
    assert_eq!(stolen.unwrap_err(), ConfirmPasskeyError::Refused);
    assert!(w.service.own_factors(&cam).await.unwrap().factors.is_empty());
    // A refused answer used the challenge up.
    let options = w.service.start_passkey(&cam, "Key").await.unwrap();
    let wrong = serde_json::json!({ "challenge": "nope", "credential": "key-cam" }).to_string();
    assert_eq!(w.service.confirm_passkey(&cam, &wrong).await.unwrap_err(), ConfirmPasskeyError::Refused);
    let late = w.service.confirm_passkey(&cam, &passkey_answer(&options, "key-cam", 0)).await;
    assert_eq!(late.unwrap_err(), ConfirmPasskeyError::NotStarted);
}

#[tokio::test]
async fn a_passkey_enrolment_needs_a_fresh_password_and_an_enrolling_session() {
    let w = World::new().await;
    let (_, cam) = w.add_signed_in("cam@maple.example", "Paralegal").await;
    w.adapters.clock.advance(Duration::minutes(11));
    assert_eq!(
        w.service.start_passkey(&cam, "Key").await.unwrap_err(),
        StartEnrolmentError::PasswordConfirmationRequired
    );
    assert_eq!(
        w.service.confirm_passkey(&cam, "{}").await.unwrap_err(),
        ConfirmPasskeyError::PasswordConfirmationRequired
    );
    // A session waiting for its second factor cannot enrol one.
    let pat = w.passkey_holder("pat@maple.example", "key-pat").await;
    let token = w.waiting("pat@maple.example").await;
    assert!(w.service.authenticate(&token).await.is_err(), "a waiting session is no caller");
    assert!(w.service.start_passkey_step(&Token::presented("nonsense")).await.is_err());
    drop(pat);
}

#[tokio::test]
async fn an_enrolment_only_session_becomes_full_with_a_passkey() {
    let w = World::new().await;
    let paralegal = w.role("Paralegal").await;
    w.service.set_role_factor_requirement(&w.admin, paralegal, true).await.unwrap();
    let (user, password) = w.add_user("pat@maple.example", "Paralegal").await;
    let signed = w.sign_in(user.email.as_str(), password.expose()).await.unwrap();
    let restricted = w.service.authenticate(&signed.token).await.unwrap();
    w.service.change_own_password(&restricted, secret(password.expose()), secret(PASSWORD)).await.unwrap();
    let enrolling = w.service.authenticate(&signed.token).await.unwrap();
    assert_eq!(enrolling.scope(), SessionScope::Enrolment);
    let enrolled = w.enrol_passkey(&enrolling, "Key", "key-pat").await.unwrap();
    assert_eq!(enrolled.scope, SessionScope::Full);
    assert_eq!(w.service.authenticate(&signed.token).await.unwrap().scope(), SessionScope::Full);
}

#[tokio::test]
async fn a_server_without_a_relying_party_offers_no_passkeys() {
    let w = World::with(MemoryAdapters::with_fast_hasher(), "maple-law", PracticeSettings::default()).await;
    let (_, cam) = w.add_signed_in("cam@maple.example", "Paralegal").await;
    assert_eq!(
        w.service.start_passkey(&cam, "Key").await.unwrap_err(),
        StartEnrolmentError::PasskeysUnavailable
    );
}

#[tokio::test]
async fn a_recovery_code_still_works_for_a_passkey_holder() {
    let w = World::new().await;
    let pat = w.passkey_holder("pat@maple.example", "key-pat").await;
    let token = w.waiting("pat@maple.example").await;
    let proof = FactorProof::RecoveryCode(secret(pat.codes[0].expose()));
    let passed = w.service.second_step(SecondStep { token, proof, request_id: None }).await.unwrap();
    assert_eq!(passed.recovery_codes_left, 9);
}
