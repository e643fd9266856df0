//! Contract cases for second factors: factors and recovery codes round
//! trip (the TOTP secret comes back whole through whatever the store does
//! to keep it), stay in their practice, and each code works once under
//! concurrent submissions.

use crate::fixture::{Fixture, PASSWORD};
use chrono::Duration;
use identity_domain::factor::totp_step;
use identity_domain::*;
use secrecy::SecretString;
use std::sync::Arc;

fn secret(s: &str) -> SecretString {
    SecretString::from(s.to_owned())
}

impl Fixture {
    /// An active user of `role` with a confirmed TOTP factor: the user, the
    /// secret and the recovery codes. The clock is then moved a step on, so
    /// the current code is unused.
    pub async fn with_factor(&self, email: &str, role: &str) -> (User, TotpSecret, Vec<RecoveryCode>) {
        let (user, caller) = self.active(email, role).await;
        let begun = self.service.start_totp(&caller, "Phone").await.unwrap();
        let code = format!("{:06}", begun.secret.code_at_step(totp_step(self.now())));
        let enrolled = self.service.confirm_totp(&caller, begun.factor, &code).await.unwrap();
        self.clock.advance(Duration::seconds(30));
        (user, begun.secret, enrolled.recovery_codes)
    }

    fn now(&self) -> chrono::DateTime<chrono::Utc> {
        identity_domain::ports::Clock::now(&self.clock)
    }
}

fn factor(
    practice: PracticeId,
    holder: impl Into<FactorHolder>,
    at: chrono::DateTime<chrono::Utc>,
) -> Factor {
    Factor {
        id: FactorId::from_uuid(uuid::Uuid::now_v7()),
        practice,
        holder: holder.into(),
        name: FactorName::parse("Phone").unwrap(),
        kind: FactorKind::Totp(TotpFactor {
            secret: TotpSecret::from_bytes(*b"12345678901234567890"),
            last_step: None,
        }),
        confirmed: false,
        created_at: at,
        last_used_at: None,
    }
}

/// Factors and recovery codes as the repository keeps them: the secret
/// read back whole, a step used once and never an earlier one, a recovery
/// code used once, nothing visible from another practice, everything gone
/// after `remove_all`.
pub async fn second_factors_round_trip_and_stay_in_their_practice(store: Arc<dyn Store>) {
    let f = Fixture::new(store, "contract").await;
    let other = f.another("elsewhere").await;
    let (user, _) = f.active("pat@contract.example", "Paralegal").await;
    let at = chrono::DateTime::parse_from_rfc3339("2026-01-05T09:00:00Z").unwrap().to_utc();
    let mut phone = factor(f.practice.id, user.id, at);

    let mut uow = f.faults.begin(Access::Write).await.unwrap();
    uow.factors().insert(&phone).await.unwrap();
    assert!(!uow.factors().has_confirmed(f.practice.id, user.id.into()).await.unwrap());
    phone.confirmed = true;
    phone.name = FactorName::parse("Work phone").unwrap();
    uow.factors().update(&phone).await.unwrap();
    assert!(uow.factors().advance_totp(f.practice.id, user.id.into(), phone.id, 5, at).await.unwrap());
    assert!(
        !uow.factors().advance_totp(f.practice.id, user.id.into(), phone.id, 5, at).await.unwrap(),
        "a step once"
    );
    assert!(
        !uow.factors().advance_totp(f.practice.id, user.id.into(), phone.id, 4, at).await.unwrap(),
        "never an earlier one"
    );
    assert!(uow.factors().advance_totp(f.practice.id, user.id.into(), phone.id, 6, at).await.unwrap());
    let codes: Vec<RecoveryCodeHash> = ["aaaaa-bbbbb", "ccccc-ddddd", "eeeee-fffff"]
        .iter()
        .map(|c| RecoveryCodeHash::of(user.id, c))
        .collect();
    uow.factors().replace_recovery_codes(f.practice.id, user.id.into(), &codes, at).await.unwrap();
    uow.commit().await.unwrap();

    let mut uow = f.faults.begin(Access::Write).await.unwrap();
    let listed = uow.factors().list(f.practice.id, user.id.into()).await.unwrap();
    let FactorKind::Totp(totp) = &listed[0].kind else {
        panic!("a TOTP factor came back as {:?}", listed[0].kind)
    };
    assert_eq!(totp.secret, TotpSecret::from_bytes(*b"12345678901234567890"), "the secret comes back whole");
    assert_eq!(totp.last_step, Some(6));
    assert_eq!(listed[0].name.as_str(), "Work phone");
    assert!(listed[0].confirmed);
    assert_eq!(listed[0].last_used_at, Some(at));
    assert!(uow.factors().has_confirmed(f.practice.id, user.id.into()).await.unwrap());
    // Another practice sees and touches nothing.
    assert!(uow.factors().list(other.practice.id, user.id.into()).await.unwrap().is_empty());
    assert!(!uow.factors().has_confirmed(other.practice.id, user.id.into()).await.unwrap());
    assert!(!uow.factors().advance_totp(other.practice.id, user.id.into(), phone.id, 9, at).await.unwrap());
    assert!(!uow.factors().remove(other.practice.id, user.id.into(), phone.id).await.unwrap());
    assert!(
        !uow.factors().use_recovery_code(other.practice.id, user.id.into(), &codes[0], at).await.unwrap()
    );
    // Recovery codes: once each, whatever the case of the typed code.
    let typed = RecoveryCodeHash::of(user.id, "AAAAA BBBBB");
    assert!(uow.factors().use_recovery_code(f.practice.id, user.id.into(), &typed, at).await.unwrap());
    assert!(!uow.factors().use_recovery_code(f.practice.id, user.id.into(), &typed, at).await.unwrap());
    assert_eq!(uow.factors().recovery_codes_left(f.practice.id, user.id.into()).await.unwrap(), 2);
    uow.commit().await.unwrap();

    let mut uow = f.faults.begin(Access::Write).await.unwrap();
    assert_eq!(uow.factors().remove_all(f.practice.id, user.id.into()).await.unwrap(), 1);
    assert!(uow.factors().list(f.practice.id, user.id.into()).await.unwrap().is_empty());
    assert_eq!(uow.factors().recovery_codes_left(f.practice.id, user.id.into()).await.unwrap(), 0);
    uow.commit().await.unwrap();
}

/// Passkeys as the repository keeps them: credential id and stored
/// credential read back whole, the credential saved after a use, one
/// credential id registered once across users and practices; and the
/// ceremony a session waits on, taken once, by its own practice only.
pub async fn passkeys_register_once_and_ceremonies_are_taken_once(store: Arc<dyn Store>) {
    let f = Fixture::new(store, "contract").await;
    let other = f.another("elsewhere").await;
    let (pat, _) = f.active("pat@contract.example", "Paralegal").await;
    let (cam, _) = f.active("cam@contract.example", "Paralegal").await;
    let at = chrono::DateTime::parse_from_rfc3339("2026-01-05T09:00:00Z").unwrap().to_utc();
    let passkey = |practice: PracticeId, user: UserId, id: &[u8]| Factor {
        kind: FactorKind::Passkey(PasskeyFactor {
            credential_id: CredentialId::new(id.to_vec()).unwrap(),
            credential: StoredPasskey::new(r#"{"counter":0}"#.to_owned()),
        }),
        confirmed: true,
        ..factor(practice, user, at)
    };
    let key = passkey(f.practice.id, pat.id, &[7; 32]);
    let mut uow = f.faults.begin(Access::Write).await.unwrap();
    uow.factors().insert(&key).await.unwrap();
    uow.commit().await.unwrap();
    for (practice, user) in
        [(f.practice.id, pat.id), (f.practice.id, cam.id), (other.practice.id, other.admin.user())]
    {
        let mut uow = f.faults.begin(Access::Write).await.unwrap();
        let again = uow.factors().insert(&passkey(practice, user, &[7; 32])).await;
        assert_eq!(again, Err(StoreError::Conflict(Conflict::CredentialTaken)), "registered once");
    }
    let mut uow = f.faults.begin(Access::Write).await.unwrap();
    let later = at + Duration::minutes(1);
    let used = StoredPasskey::new(r#"{"counter":1}"#.to_owned());
    uow.factors().save_passkey(other.practice.id, pat.id.into(), key.id, &used, later).await.unwrap();
    uow.factors().save_passkey(f.practice.id, pat.id.into(), key.id, &used, later).await.unwrap();
    uow.commit().await.unwrap();
    let mut uow = f.faults.begin(Access::Read).await.unwrap();
    let listed = uow.factors().list(f.practice.id, pat.id.into()).await.unwrap();
    let FactorKind::Passkey(read) = &listed[0].kind else {
        panic!("a passkey came back as {:?}", listed[0].kind)
    };
    assert_eq!(read.credential_id.as_bytes(), &[7; 32]);
    assert_eq!(read.credential, used, "saved after a use");
    assert_eq!(listed[0].last_used_at, Some(later));
    drop(uow);
    // A reset removes the passkey: its authenticator may register again.
    let mut uow = f.faults.begin(Access::Write).await.unwrap();
    assert_eq!(uow.factors().remove_all(f.practice.id, pat.id.into()).await.unwrap(), 1);
    uow.factors().insert(&passkey(f.practice.id, cam.id, &[7; 32])).await.unwrap();
    uow.commit().await.unwrap();

    // A ceremony: kept on the session, replaced by the next, taken once.
    let signed = f.sign_in("pat@contract.example", PASSWORD).await.unwrap();
    let session = signed.session.id;
    let ceremony = |n: u8| Ceremony {
        purpose: CeremonyPurpose::SignIn,
        state: CeremonyState::new(format!("{{\"n\":{n}}}")),
        expires_at: at,
    };
    let mut uow = f.faults.begin(Access::Write).await.unwrap();
    uow.sessions().set_ceremony(f.practice.id, session, &ceremony(1)).await.unwrap();
    uow.sessions().set_ceremony(f.practice.id, session, &ceremony(2)).await.unwrap();
    uow.sessions().set_ceremony(other.practice.id, session, &ceremony(3)).await.unwrap();
    uow.commit().await.unwrap();
    let mut uow = f.faults.begin(Access::Write).await.unwrap();
    assert_eq!(uow.sessions().take_ceremony(other.practice.id, session).await.unwrap(), None);
    assert_eq!(uow.sessions().take_ceremony(f.practice.id, session).await.unwrap(), Some(ceremony(2)));
    assert_eq!(uow.sessions().take_ceremony(f.practice.id, session).await.unwrap(), None, "taken once");
    uow.commit().await.unwrap();
}

/// Signing in with a factor on this store: password, then a TOTP code,
/// then a recovery code on a later sign-in.
pub async fn sign_in_takes_the_password_then_the_factor(store: Arc<dyn Store>) {
    let f = Fixture::new(store, "contract").await;
    let (_, secret_key, codes) = f.with_factor("pat@contract.example", "Paralegal").await;
    let signed = f.sign_in("pat@contract.example", PASSWORD).await.unwrap();
    assert_eq!(signed.scope, SessionScope::SecondFactor);
    assert!(f.service.authenticate(&signed.token).await.is_err());
    let code = format!("{:06}", secret_key.code_at_step(totp_step(f.now())));
    let step = SecondStep { token: signed.token, proof: FactorProof::Totp(secret(&code)), request_id: None };
    let passed = f.service.second_step(step).await.unwrap();
    assert_eq!(f.service.authenticate(&passed.token).await.unwrap().scope(), SessionScope::Full);

    let signed = f.sign_in("pat@contract.example", PASSWORD).await.unwrap();
    let proof = FactorProof::RecoveryCode(secret(codes[0].expose()));
    let passed =
        f.service.second_step(SecondStep { token: signed.token, proof, request_id: None }).await.unwrap();
    assert_eq!(passed.recovery_codes_left, 9);
}

/// One recovery code, and one TOTP code, submitted by six waiting sessions
/// at once: exactly one of each gives a session.
pub async fn a_code_is_used_once_under_concurrent_submissions(store: Arc<dyn Store>) {
    let f = Arc::new(Fixture::new(store, "contract").await);
    let (_, secret_key, codes) = f.with_factor("pat@contract.example", "Paralegal").await;
    for kind in ["recovery code", "totp"] {
        let proof = if kind == "totp" {
            FactorProof::Totp(secret(&format!("{:06}", secret_key.code_at_step(totp_step(f.now())))))
        } else {
            FactorProof::RecoveryCode(secret(codes[0].expose()))
        };
        let mut waiting = Vec::new();
        for _ in 0..6 {
            waiting.push(f.sign_in("pat@contract.example", PASSWORD).await.unwrap().token);
        }
        let attempts: Vec<_> = waiting
            .into_iter()
            .map(|token| {
                let (f, proof) = (f.clone(), proof.clone());
                tokio::spawn(async move {
                    f.service.second_step(SecondStep { token, proof, request_id: None }).await
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
        assert_eq!(passed, 1, "{kind}");
        // Past the delay the failures brought.
        f.clock.advance(Duration::minutes(1));
    }
}
