//! Parties' second factors (PRODUCT.md, "Second factors": "A user (staff
//! or portal)"): a party enrols in the portal, signs in in two steps under
//! the staff rules, and an administrator with `parties.manage` resets them.

use crate::support::*;
use chrono::Duration;
use identity_domain::factor::totp_step;
use identity_domain::ports::Clock;
use identity_domain::*;

const PARTY_PASSWORD: &str = "a quiet river under the old bridge";

/// A party who joined the portal, signed in with a full session, and
/// enrolled a TOTP authenticator.
struct Joined {
    party: Party,
    caller: PortalCaller,
    /// The token of `caller`'s session.
    token: Token,
    secret: TotpSecret,
    codes: Vec<RecoveryCode>,
}

impl World {
    fn code_now(&self, secret: &TotpSecret) -> String {
        format!("{:06}", secret.code_at_step(totp_step(self.adapters.clock.now())))
    }

    /// Moves the clock to the start of the next TOTP step.
    fn fresh_step(&self) {
        let into_step = self.adapters.clock.now().timestamp().rem_euclid(30);
        self.adapters.clock.advance(Duration::seconds(30 - into_step));
    }

    async fn portal_sign_in(&self, email: &str, password: &str) -> Result<PortalSignedIn, SignInError> {
        self.service
            .portal_sign_in(SignIn {
                practice: self.practice.slug.as_str().to_owned(),
                email: email.to_owned(),
                password: secret(password),
                request_id: None,
            })
            .await
    }

    /// Records a party at a new site, invites them and lets them join.
    async fn joined_party(&self, email: &str) -> Party {
        let site = SiteDetails::named(Label::parse(&format!("Site of {email}")).unwrap());
        let site = self.service.create_site(&self.admin, site).await.unwrap();
        let details = PartyDetails {
            kind: PartyKind::Witness,
            name: PersonName::parse("Jordan Lee").unwrap(),
            email: Some(EmailAddress::parse(email).unwrap()),
            phone: None,
            address: None,
            date_of_birth: None,
            gender: None,
            grade_or_position: None,
            language: None,
        };
        let party = self.service.save_party(&self.admin, site.id, details, true).await.unwrap();
        let token = Token::presented(&self.last_secret(email, "party_invitation").await);
        self.service.accept_party_invitation(&token, secret(PARTY_PASSWORD), None).await.unwrap();
        party
    }

    async fn enrolled_party(&self, email: &str) -> Joined {
        let party = self.joined_party(email).await;
        let signed = self.portal_sign_in(email, PARTY_PASSWORD).await.unwrap();
        assert_eq!(signed.session.scope, SessionScope::Full, "no factor yet");
        let caller = self.service.authenticate_portal(&signed.token).await.unwrap();
        let begun = self.service.portal_start_totp(&caller, "Phone").await.unwrap();
        let enrolled = self
            .service
            .portal_confirm_totp(&caller, begun.factor, &self.code_now(&begun.secret))
            .await
            .unwrap();
        Joined { party, caller, token: signed.token, secret: begun.secret, codes: enrolled.recovery_codes }
    }

    async fn portal_second(
        &self,
        token: &Token,
        proof: FactorProof,
    ) -> Result<PortalSecondStepPassed, SecondStepError> {
        self.service.portal_second_step(SecondStep { token: token.clone(), proof, request_id: None }).await
    }
}

#[tokio::test]
async fn a_party_with_a_factor_signs_in_with_the_password_then_the_factor() {
    let w = World::new().await;
    let jordan = w.enrolled_party("jordan@student.example").await;
    assert_eq!(jordan.codes.len(), 10);
    let signed = w.portal_sign_in("jordan@student.example", PARTY_PASSWORD).await.unwrap();
    assert_eq!(signed.session.scope, SessionScope::SecondFactor);
    assert!(signed.session.expires_at <= w.adapters.clock.now() + Duration::minutes(5));
    // The waiting session is no caller, of the portal or of staff routes.
    assert_eq!(w.service.authenticate_portal(&signed.token).await, Err(SessionError::Invalid));
    assert_eq!(w.service.authenticate(&signed.token).await.unwrap_err(), SessionError::Invalid);
    let staff_step = SecondStep {
        token: signed.token.clone(),
        proof: FactorProof::Totp(secret("000000")),
        request_id: None,
    };
    assert_eq!(w.service.second_step(staff_step).await.unwrap_err(), SecondStepError::Failed);

    w.fresh_step();
    let code = w.code_now(&jordan.secret);
    let passed = w.portal_second(&signed.token, FactorProof::Totp(secret(&code))).await.unwrap();
    assert_eq!(passed.session.scope, SessionScope::Full);
    assert_eq!(w.service.authenticate_portal(&passed.token).await.unwrap().party(), jordan.party.id);
    // The same code again, on another waiting session: refused.
    let again = w.portal_sign_in("jordan@student.example", PARTY_PASSWORD).await.unwrap();
    assert!(w.portal_second(&again.token, FactorProof::Totp(secret(&code))).await.is_err(), "each code once");
    let recovery = FactorProof::RecoveryCode(secret(jordan.codes[3].expose()));
    w.adapters.clock.advance(Duration::seconds(2));
    let passed = w.portal_second(&again.token, recovery).await.unwrap();
    assert_eq!(passed.recovery_codes_left, 9);
    let actions: Vec<_> = w.audit().await.into_iter().map(|e| e.action).collect();
    for action in [
        AuditAction::PortalFactorAdded,
        AuditAction::PortalPasswordAccepted,
        AuditAction::PortalSecondFactorFailed,
        AuditAction::PortalRecoveryCodeUsed,
        AuditAction::PortalSignedIn,
    ] {
        assert!(actions.contains(&action), "{action:?} audited");
    }
    assert!(
        w.outbox().await.iter().any(|e| e.to.as_str() == "jordan@student.example"
            && e.message.kind() == "party_second_factor_changed"),
        "the party is told of the new factor"
    );
}

#[tokio::test]
async fn a_staff_waiting_session_is_unknown_to_the_portal_s_second_step() {
    let w = World::new().await;
    let (_, pat) = w.add_signed_in("pat@maple.example", "Paralegal").await;
    let begun = w.service.start_totp(&pat, "Phone").await.unwrap();
    w.service.confirm_totp(&pat, begun.factor, &w.code_now(&begun.secret)).await.unwrap();
    w.fresh_step();
    let signed = w.sign_in("pat@maple.example", PASSWORD).await.unwrap();
    assert_eq!(signed.scope, SessionScope::SecondFactor);
    let code = w.code_now(&begun.secret);
    assert_eq!(
        w.portal_second(&signed.token, FactorProof::Totp(secret(&code))).await.unwrap_err(),
        SecondStepError::Failed
    );
    assert_eq!(
        w.service.portal_start_passkey_step(&signed.token).await.unwrap_err(),
        SecondStepError::Failed
    );
    // The code was right, and is still unused: the staff step takes it.
    let step = SecondStep { token: signed.token, proof: FactorProof::Totp(secret(&code)), request_id: None };
    assert!(w.service.second_step(step).await.is_ok());
}

#[tokio::test]
async fn a_waiting_portal_session_expires_after_five_minutes() {
    let w = World::new().await;
    let jordan = w.enrolled_party("jordan@student.example").await;
    let signed = w.portal_sign_in("jordan@student.example", PARTY_PASSWORD).await.unwrap();
    w.adapters.clock.advance(Duration::minutes(5));
    let code = w.code_now(&jordan.secret);
    assert_eq!(
        w.portal_second(&signed.token, FactorProof::Totp(secret(&code))).await.unwrap_err(),
        SecondStepError::Failed
    );
}

#[tokio::test]
async fn wrong_portal_codes_lock_the_account_like_wrong_passwords() {
    let w = World::new().await;
    let jordan = w.enrolled_party("jordan@student.example").await;
    let lock_after = Config::default().throttle.lock_after;
    let signed = w.portal_sign_in("jordan@student.example", PARTY_PASSWORD).await.unwrap();
    for _ in 0..lock_after {
        // Past the growing delay, each wrong code counts.
        w.adapters.clock.advance(Duration::hours(1));
        let waiting = w.portal_sign_in("jordan@student.example", PARTY_PASSWORD).await;
        let token = waiting.map(|s| s.token).unwrap_or_else(|_| signed.token.clone());
        let wrong = FactorProof::RecoveryCode(secret("zzzzz-zzzzz"));
        assert_eq!(w.portal_second(&token, wrong).await.unwrap_err(), SecondStepError::Failed);
    }
    let mut uow = w.adapters.store.begin(Access::Read).await.unwrap();
    let account = uow.portal().get_account(w.practice.id, jordan.party.id).await.unwrap().unwrap();
    assert!(account.locked, "locked after {lock_after} wrong codes");
    drop(uow);
    assert!(w.portal_sign_in("jordan@student.example", PARTY_PASSWORD).await.is_err());
}

#[tokio::test]
async fn managing_portal_factors_needs_the_password_typed_in_the_last_ten_minutes() {
    let w = World::new().await;
    let jordan = w.enrolled_party("jordan@student.example").await;
    w.adapters.clock.advance(Duration::minutes(11));
    let me = &jordan.caller;
    assert_eq!(
        w.service.portal_factors(me).await.unwrap_err(),
        OwnFactorsError::PasswordConfirmationRequired
    );
    assert_eq!(
        w.service.portal_confirm_password(me, secret("not the password")).await,
        Err(ConfirmPasswordError::WrongPassword)
    );
    w.service.portal_confirm_password(me, secret(PARTY_PASSWORD)).await.unwrap();
    // The confirmation is the session's: the next request's caller has it.
    let me = w.service.authenticate_portal(&jordan.token).await.unwrap();
    assert_eq!(me.password_at(), w.adapters.clock.now());
    let overview = w.service.portal_factors(&me).await.unwrap();
    assert_eq!(overview.factors.len(), 1);
    assert!(!overview.required, "no practice requires a factor of a party");
    let factor = overview.factors[0].id;
    let renamed = w.service.portal_rename_factor(&me, factor, "Old phone").await.unwrap();
    assert_eq!(renamed.name.as_str(), "Old phone");
    let codes = w.service.portal_regenerate_recovery_codes(&me).await.unwrap();
    assert_eq!(codes.len(), 10);
    w.service.portal_remove_factor(&me, factor).await.unwrap();
    let removed = w.outbox().await.into_iter().any(|e| {
        matches!(&e.message, Message::PartySecondFactorChanged { change: FactorChange::Removed { name }, .. }
            if name == "Old phone")
    });
    assert!(removed, "the party is told a factor was removed");
    assert_eq!(
        w.service.portal_regenerate_recovery_codes(&me).await.unwrap_err(),
        RegenerateCodesError::NoFactor,
        "the codes went with the last factor"
    );
    let signed = w.portal_sign_in("jordan@student.example", PARTY_PASSWORD).await.unwrap();
    assert_eq!(signed.session.scope, SessionScope::Full);
}

#[tokio::test]
async fn a_party_enrols_a_passkey_and_signs_in_with_it() {
    let w = World::new().await;
    let jordan = w.enrolled_party("jordan@student.example").await;
    let options = w.service.portal_start_passkey(&jordan.caller, "Key").await.unwrap();
    let enrolled = w
        .service
        .portal_confirm_passkey(&jordan.caller, &passkey_answer(&options, "key-jordan", 0))
        .await
        .unwrap();
    assert_eq!(enrolled.factor.kind, "passkey");
    assert!(enrolled.recovery_codes.is_empty(), "codes come with the first factor only");
    let signed = w.portal_sign_in("jordan@student.example", PARTY_PASSWORD).await.unwrap();
    let options = w.service.portal_start_passkey_step(&signed.token).await.unwrap();
    // A staff waiting session's challenge is not the portal's.
    assert_eq!(w.service.start_passkey_step(&signed.token).await.unwrap_err(), SecondStepError::Failed);
    let answer = FactorProof::Passkey(passkey_answer(&options, "key-jordan", 1));
    let passed = w.portal_second(&signed.token, answer.clone()).await.unwrap();
    assert_eq!(w.service.authenticate_portal(&passed.token).await.unwrap().party(), jordan.party.id);
    let signed = w.portal_sign_in("jordan@student.example", PARTY_PASSWORD).await.unwrap();
    assert!(w.portal_second(&signed.token, answer).await.is_err(), "a challenge is answered once");
}

#[tokio::test]
async fn an_administrator_with_parties_manage_resets_a_party_s_factors() {
    let w = World::new().await;
    let jordan = w.enrolled_party("jordan@student.example").await;
    let (_, accountant) = w.add_signed_in("sam@maple.example", "Accountant").await;
    assert!(!accountant.may(Permission::PartiesManage));
    assert_eq!(
        w.service.reset_party_factors(&accountant, jordan.party.id).await,
        Err(ResetPartyFactorsError::Access(AccessError::Forbidden(Permission::PartiesManage)))
    );
    let factors_of = |access: PortalAccess| match access {
        PortalAccess::Active { second_factors, .. } => second_factors,
        other => panic!("an active account, not {other:?}"),
    };
    assert_eq!(factors_of(w.service.portal_access(&w.admin, jordan.party.id).await.unwrap()), 1);
    assert_eq!(w.service.reset_party_factors(&w.admin, jordan.party.id).await, Ok(1));
    assert_eq!(factors_of(w.service.portal_access(&w.admin, jordan.party.id).await.unwrap()), 0);
    assert_eq!(w.service.authenticate_portal(&jordan.token).await, Err(SessionError::Invalid), "signed out");
    let signed = w.portal_sign_in("jordan@student.example", PARTY_PASSWORD).await.unwrap();
    assert_eq!(signed.session.scope, SessionScope::Full, "the password alone again");
    let emails = w.outbox().await;
    let told = emails
        .iter()
        .filter(|e| e.to.as_str() == "jordan@student.example")
        .any(|e| matches!(&e.message, Message::PartySecondFactorChanged { change: FactorChange::Reset, .. }));
    assert!(told, "the party is told");
    let audit = w.audit().await;
    let entry = audit.iter().rev().find(|e| e.action == AuditAction::PortalFactorsReset).unwrap();
    assert_eq!((entry.actor, entry.target), (Actor::User(w.owner.id), Some(Target::Party(jordan.party.id))));
    let unknown = PartyId::from_uuid(uuid::Uuid::now_v7());
    assert_eq!(
        w.service.reset_party_factors(&w.admin, unknown).await,
        Err(ResetPartyFactorsError::PartyNotFound)
    );
}

mod properties {
    //! The portal's second step as a property: whatever a party's waiting
    //! sessions are sent — wrong, replayed or stale codes, used recovery
    //! codes, passkey answers to no challenge or another session's, time
    //! passing — none becomes a full portal session.

    use super::*;
    use proptest::prelude::*;

    #[derive(Debug, Clone)]
    enum Step {
        SignIn,
        WrongTotp,
        ReplayedTotp,
        UsedRecoveryCode,
        WrongRecoveryCode,
        UnaskedPasskey,
        CrossedPasskey,
        StalePasskey,
        ToStaff,
        Wait(i64),
    }

    fn step() -> impl Strategy<Value = Step> {
        prop_oneof![
            3 => Just(Step::SignIn),
            2 => Just(Step::WrongTotp),
            2 => Just(Step::ReplayedTotp),
            1 => Just(Step::UsedRecoveryCode),
            1 => Just(Step::WrongRecoveryCode),
            1 => Just(Step::UnaskedPasskey),
            1 => Just(Step::CrossedPasskey),
            1 => Just(Step::StalePasskey),
            1 => Just(Step::ToStaff),
            1 => (1_i64..400).prop_map(Step::Wait),
        ]
    }

    fn block_on<F: std::future::Future>(future: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread().build().expect("a runtime").block_on(future)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(24))]
        #[test]
        fn no_sequence_of_steps_gives_a_party_a_full_session_without_a_valid_factor(
            steps in prop::collection::vec(step(), 1..24)
        ) {
            block_on(async {
                let w = World::new().await;
                let jordan = w.enrolled_party("jordan@student.example").await;
                let options = w.service.portal_start_passkey(&jordan.caller, "Key").await.unwrap();
                let answer = passkey_answer(&options, "key-jordan", 0);
                w.service.portal_confirm_passkey(&jordan.caller, &answer).await.unwrap();
                // The passkey used with counter 1, one recovery code used,
                // and the TOTP step of now used.
                let signed = w.portal_sign_in("jordan@student.example", PARTY_PASSWORD).await.unwrap();
                let options = w.service.portal_start_passkey_step(&signed.token).await.unwrap();
                let used = FactorProof::Passkey(passkey_answer(&options, "key-jordan", 1));
                w.portal_second(&signed.token, used).await.unwrap();
                let used_code = jordan.codes[0].expose().to_owned();
                let signed = w.portal_sign_in("jordan@student.example", PARTY_PASSWORD).await.unwrap();
                w.portal_second(&signed.token, FactorProof::RecoveryCode(secret(&used_code))).await.unwrap();
                let signed = w.portal_sign_in("jordan@student.example", PARTY_PASSWORD).await.unwrap();
                w.fresh_step();
                let used_totp = w.code_now(&jordan.secret);
                w.portal_second(&signed.token, FactorProof::Totp(secret(&used_totp))).await.unwrap();

                let mut waiting: Vec<Token> = Vec::new();
                for step in steps {
                    let latest = waiting.last().cloned();
                    let proof = match step {
                        Step::SignIn => {
                            if let Ok(signed) = w.portal_sign_in("jordan@student.example", PARTY_PASSWORD).await {
                                assert_eq!(signed.session.scope, SessionScope::SecondFactor);
                                waiting.push(signed.token);
                            }
                            continue;
                        }
                        Step::Wait(seconds) => {
                            w.adapters.clock.advance(Duration::seconds(seconds));
                            continue;
                        }
                        Step::WrongTotp => {
                            let now = totp_step(w.adapters.clock.now());
                            let near: Vec<String> = (now.saturating_sub(1)..=now + 1)
                                .map(|s| format!("{:06}", jordan.secret.code_at_step(s)))
                                .collect();
                            let wrong = (0..1_000_000u32).map(|n| format!("{n:06}")).find(|c| !near.contains(c)).unwrap();
                            FactorProof::Totp(secret(&wrong))
                        }
                        Step::ReplayedTotp => FactorProof::Totp(secret(&used_totp)),
                        Step::UsedRecoveryCode => FactorProof::RecoveryCode(secret(&used_code)),
                        Step::WrongRecoveryCode => FactorProof::RecoveryCode(secret("zzzzz-zzzzz")),
                        Step::UnaskedPasskey => {
                            let unasked = serde_json::json!({ "challenge": "never-issued" });
                            FactorProof::Passkey(passkey_answer(&unasked, "key-jordan", 1_000))
                        }
                        Step::CrossedPasskey => {
                            let Some(first) = waiting.first().filter(|_| waiting.len() > 1) else { continue };
                            let Ok(options) = w.service.portal_start_passkey_step(first).await else { continue };
                            FactorProof::Passkey(passkey_answer(&options, "key-jordan", 1_000))
                        }
                        Step::StalePasskey => {
                            let Some(token) = &latest else { continue };
                            let Ok(options) = w.service.portal_start_passkey_step(token).await else { continue };
                            FactorProof::Passkey(passkey_answer(&options, "key-jordan", 1))
                        }
                        Step::ToStaff => {
                            // A right code, sent to the staff second step.
                            let Some(token) = &latest else { continue };
                            let proof = FactorProof::RecoveryCode(secret(jordan.codes[1].expose()));
                            let step = SecondStep { token: token.clone(), proof, request_id: None };
                            assert_eq!(w.service.second_step(step).await.unwrap_err(), SecondStepError::Failed);
                            continue;
                        }
                    };
                    if let Some(token) = latest {
                        assert_eq!(w.portal_second(&token, proof).await.unwrap_err(), SecondStepError::Failed);
                    }
                }
                for token in &waiting {
                    assert_eq!(w.service.authenticate_portal(token).await, Err(SessionError::Invalid));
                }
            });
        }
    }
}
