//! Contract cases for parties' second factors: a party's factors, recovery
//! codes and passkey ceremonies kept apart from staff ones, and the
//! portal's two-step sign-in, its throttle and an administrator's reset on
//! this store.

use crate::fixture::Fixture;
use crate::portal::PORTAL_PASSWORD;
use chrono::Duration;
use identity_domain::factor::totp_step;
use identity_domain::*;
use secrecy::SecretString;
use std::sync::Arc;

fn secret(s: &str) -> SecretString {
    SecretString::from(s.to_owned())
}

impl Fixture {
    /// A party who joined the portal and enrolled a TOTP authenticator:
    /// the party, the secret and the recovery codes. The clock is then
    /// moved a step on, so the current code is unused.
    pub async fn party_with_factor(&self, email: &str) -> (Party, TotpSecret, Vec<RecoveryCode>) {
        let site = self.site(&format!("Site of {email}")).await;
        let party = self.portal_party(site.id, "Jordan Lee", email).await;
        let signed = self.portal_sign_in(email, PORTAL_PASSWORD).await.unwrap();
        let me = self.service.authenticate_portal(&signed.token).await.unwrap();
        let begun = self.service.portal_start_totp(&me, "Phone").await.unwrap();
        let code = format!("{:06}", begun.secret.code_at_step(totp_step(self.clock.now())));
        let enrolled = self.service.portal_confirm_totp(&me, begun.factor, &code).await.unwrap();
        self.clock.advance(Duration::seconds(30));
        (party, begun.secret, enrolled.recovery_codes)
    }
}

/// A party's factors as the repository keeps them: read back whole under
/// the party, never listed for a user, recovery codes once each, a
/// passkey's credential id once across parties, everything gone after
/// `remove_all`; the ceremony a portal session waits on, taken once.
pub async fn a_party_s_factors_are_kept_apart(store: Arc<dyn Store>) {
    let f = Fixture::new(store, "contract").await;
    let other = f.another("elsewhere").await;
    let site = f.site("North Campus").await;
    let party = f.portal_party(site.id, "Jordan Lee", "jordan@example.org").await;
    let sam = f.portal_party(site.id, "Sam Lee", "sam@example.org").await;
    let holder = FactorHolder::Party(party.id);
    let at = chrono::DateTime::parse_from_rfc3339("2026-01-05T09:00:00Z").unwrap().to_utc();
    let passkey = |holder: FactorHolder| Factor {
        id: FactorId::from_uuid(uuid::Uuid::now_v7()),
        practice: f.practice.id,
        holder,
        name: FactorName::parse("Key").unwrap(),
        kind: FactorKind::Passkey(PasskeyFactor {
            credential_id: CredentialId::new(vec![5; 32]).unwrap(),
            credential: StoredPasskey::new(r#"{"counter":0}"#.to_owned()),
        }),
        confirmed: true,
        created_at: at,
        last_used_at: None,
    };
    let key = passkey(holder);
    let codes: Vec<RecoveryCodeHash> =
        ["aaaaa-bbbbb", "ccccc-ddddd"].iter().map(|c| RecoveryCodeHash::of(party.id, c)).collect();

    let mut uow = f.faults.begin(Access::Write).await.unwrap();
    uow.factors().insert(&key).await.unwrap();
    uow.factors().replace_recovery_codes(f.practice.id, holder, &codes, at).await.unwrap();
    uow.commit().await.unwrap();
    let mut uow = f.faults.begin(Access::Write).await.unwrap();
    let again = uow.factors().insert(&passkey(FactorHolder::Party(sam.id))).await;
    assert_eq!(again, Err(StoreError::Conflict(Conflict::CredentialTaken)), "registered once");
    drop(uow);

    let mut uow = f.faults.begin(Access::Write).await.unwrap();
    assert_eq!(uow.factors().list(f.practice.id, holder).await.unwrap(), vec![key.clone()]);
    assert!(uow.factors().has_confirmed(f.practice.id, holder).await.unwrap());
    let staff = f.admin.user().into();
    assert!(uow.factors().list(f.practice.id, staff).await.unwrap().is_empty(), "not a user's");
    assert_eq!(uow.factors().recovery_codes_left(f.practice.id, staff).await.unwrap(), 0);
    assert!(uow.factors().list(other.practice.id, holder).await.unwrap().is_empty());
    assert!(!uow.factors().use_recovery_code(other.practice.id, holder, &codes[0], at).await.unwrap());
    assert!(!uow.factors().use_recovery_code(f.practice.id, sam.id.into(), &codes[0], at).await.unwrap());
    assert!(uow.factors().use_recovery_code(f.practice.id, holder, &codes[0], at).await.unwrap());
    assert!(!uow.factors().use_recovery_code(f.practice.id, holder, &codes[0], at).await.unwrap(), "once");
    assert_eq!(uow.factors().recovery_codes_left(f.practice.id, holder).await.unwrap(), 1);
    let used = StoredPasskey::new(r#"{"counter":1}"#.to_owned());
    uow.factors()
        .save_passkey(f.practice.id, holder, key.id, &used, at + Duration::minutes(1))
        .await
        .unwrap();
    assert!(!uow.factors().remove(f.practice.id, staff, key.id).await.unwrap(), "not the user's to remove");
    uow.commit().await.unwrap();

    let mut uow = f.faults.begin(Access::Write).await.unwrap();
    let listed = uow.factors().list(f.practice.id, holder).await.unwrap();
    let FactorKind::Passkey(read) = &listed[0].kind else {
        panic!("a passkey came back as {:?}", listed[0].kind)
    };
    assert_eq!(read.credential, used, "saved after a use");
    assert_eq!(uow.factors().remove_all(f.practice.id, holder).await.unwrap(), 1);
    assert!(uow.factors().list(f.practice.id, holder).await.unwrap().is_empty());
    assert_eq!(uow.factors().recovery_codes_left(f.practice.id, holder).await.unwrap(), 0);
    uow.commit().await.unwrap();

    // A portal session's ceremony: replaced by the next, taken once, by its
    // own practice only; a staff session's store does not see it.
    let signed = f.portal_sign_in("jordan@example.org", PORTAL_PASSWORD).await.unwrap();
    let session = signed.session.id;
    let ceremony = |n: u8| Ceremony {
        purpose: CeremonyPurpose::SignIn,
        state: CeremonyState::new(format!("{{\"n\":{n}}}")),
        expires_at: at,
    };
    let mut uow = f.faults.begin(Access::Write).await.unwrap();
    uow.portal().set_ceremony(f.practice.id, session, &ceremony(1)).await.unwrap();
    uow.portal().set_ceremony(f.practice.id, session, &ceremony(2)).await.unwrap();
    uow.portal().set_ceremony(other.practice.id, session, &ceremony(3)).await.unwrap();
    uow.commit().await.unwrap();
    let mut uow = f.faults.begin(Access::Write).await.unwrap();
    assert_eq!(uow.sessions().take_ceremony(f.practice.id, session).await.unwrap(), None, "not staff's");
    assert_eq!(uow.portal().take_ceremony(other.practice.id, session).await.unwrap(), None);
    assert_eq!(uow.portal().take_ceremony(f.practice.id, session).await.unwrap(), Some(ceremony(2)));
    assert_eq!(uow.portal().take_ceremony(f.practice.id, session).await.unwrap(), None, "taken once");
    uow.commit().await.unwrap();
    // Touching the session keeps no ceremony alive, nor loses a new one.
    let mut uow = f.faults.begin(Access::Write).await.unwrap();
    uow.portal().set_ceremony(f.practice.id, session, &ceremony(4)).await.unwrap();
    let mut touched = uow.portal().get_session(f.practice.id, session).await.unwrap().unwrap();
    touched.last_seen_at += Duration::minutes(1);
    uow.portal().update_session(&touched).await.unwrap();
    assert_eq!(uow.portal().take_ceremony(f.practice.id, session).await.unwrap(), Some(ceremony(4)));
    uow.commit().await.unwrap();
}

/// The portal's sign-in with a factor on this store: the password gives a
/// session that is no caller; a wrong code counts as a failure of the
/// account; a TOTP code, then a recovery code, give full sessions; an
/// administrator's reset removes the factors, ends the sessions and
/// emails the party, whose next sign-in is one step again.
pub async fn a_party_signs_in_with_a_second_factor(store: Arc<dyn Store>) {
    let f = Fixture::new(store, "contract").await;
    let (party, secret_key, codes) = f.party_with_factor("jordan@example.org").await;
    assert_eq!(codes.len(), identity_domain::factor::RECOVERY_CODE_COUNT);
    let signed = f.portal_sign_in("jordan@example.org", PORTAL_PASSWORD).await.unwrap();
    assert_eq!(signed.session.scope, SessionScope::SecondFactor);
    assert_eq!(f.service.authenticate_portal(&signed.token).await, Err(SessionError::Invalid));
    let step =
        |token: &Token, proof: FactorProof| SecondStep { token: token.clone(), proof, request_id: None };
    let wrong = step(&signed.token, FactorProof::Totp(secret("000000")));
    assert_eq!(f.service.portal_second_step(wrong).await.unwrap_err(), SecondStepError::Failed);
    let mut uow = f.faults.begin(Access::Read).await.unwrap();
    let account = uow.portal().get_account(f.practice.id, party.id).await.unwrap().unwrap();
    assert_eq!(account.failed_attempts, 1, "a wrong code counts");
    drop(uow);
    // A staff token's second step knows nothing of a portal session.
    let staff = step(&signed.token, FactorProof::RecoveryCode(secret(codes[1].expose())));
    assert_eq!(f.service.second_step(staff).await.unwrap_err(), SecondStepError::Failed);
    f.clock.advance(Duration::minutes(1));
    let code = format!("{:06}", secret_key.code_at_step(totp_step(f.clock.now())));
    let passed =
        f.service.portal_second_step(step(&signed.token, FactorProof::Totp(secret(&code)))).await.unwrap();
    assert_eq!(passed.session.scope, SessionScope::Full);
    let me = f.service.authenticate_portal(&passed.token).await.unwrap();
    assert_eq!(me.party(), party.id);
    let again = step(&signed.token, FactorProof::Totp(secret(&code)));
    assert!(f.service.portal_second_step(again).await.is_err(), "the waiting session ended");

    let signed = f.portal_sign_in("jordan@example.org", PORTAL_PASSWORD).await.unwrap();
    let proof = FactorProof::RecoveryCode(secret(codes[0].expose()));
    let passed = f.service.portal_second_step(step(&signed.token, proof)).await.unwrap();
    assert_eq!(passed.recovery_codes_left, 9);

    let removed = f.service.reset_party_factors(&f.admin, party.id).await.unwrap();
    assert_eq!(removed, 1);
    assert_eq!(f.service.authenticate_portal(&passed.token).await, Err(SessionError::Invalid));
    assert!(f.outbox().await.iter().any(|e| e.to.as_str() == "jordan@example.org"
        && e.message
            == Message::PartySecondFactorChanged {
                practice_slug: f.practice.slug.as_str().to_owned(),
                change: FactorChange::Reset,
                changed_at: f.clock.now(),
            }));
    let signed = f.portal_sign_in("jordan@example.org", PORTAL_PASSWORD).await.unwrap();
    assert_eq!(signed.session.scope, SessionScope::Full, "no factor left");
    let actions: Vec<_> = f.audit().await.into_iter().map(|e| e.action).collect();
    for action in [
        AuditAction::PortalFactorAdded,
        AuditAction::PortalPasswordAccepted,
        AuditAction::PortalSecondFactorFailed,
        AuditAction::PortalRecoveryCodeUsed,
        AuditAction::PortalFactorsReset,
    ] {
        assert!(actions.contains(&action), "{action:?} audited");
    }
}

/// One recovery code submitted by six waiting portal sessions at once:
/// exactly one gives a session.
pub async fn a_party_s_code_is_used_once_under_concurrent_submissions(store: Arc<dyn Store>) {
    let f = Arc::new(Fixture::new(store, "contract").await);
    let (_, _, codes) = f.party_with_factor("jordan@example.org").await;
    let mut waiting = Vec::new();
    for _ in 0..6 {
        waiting.push(f.portal_sign_in("jordan@example.org", PORTAL_PASSWORD).await.unwrap().token);
    }
    let proof = FactorProof::RecoveryCode(secret(codes[0].expose()));
    let attempts: Vec<_> = waiting
        .into_iter()
        .map(|token| {
            let (f, proof) = (f.clone(), proof.clone());
            tokio::spawn(async move {
                f.service.portal_second_step(SecondStep { token, proof, request_id: None }).await
            })
        })
        .collect();
    let mut passed = 0;
    for attempt in attempts {
        match attempt.await.unwrap() {
            Ok(_) => passed += 1,
            Err(e) => assert_eq!(e, SecondStepError::Failed),
        }
    }
    assert_eq!(passed, 1);
}
