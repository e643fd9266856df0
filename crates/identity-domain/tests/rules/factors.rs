//! Second factors (PRODUCT.md, "Second factors"): enrolment, the second
//! step of signing in, recovery codes, the per-role requirement, and an
//! administrator's reset within "Who may act on whom".

use crate::support::*;
use chrono::Duration;
use identity_domain::factor::totp_step;
use identity_domain::ports::Clock;
use identity_domain::*;

/// A user signed in with a full session and a confirmed TOTP factor; the
/// secret and the recovery codes it came with.
struct Enrolled {
    user: User,
    caller: Caller,
    /// The token of `caller`'s session.
    token: Token,
    secret: TotpSecret,
    codes: Vec<RecoveryCode>,
}

impl World {
    fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.adapters.clock.now()
    }

    /// The code the authenticator shows now.
    fn code(&self, secret: &TotpSecret) -> String {
        format!("{:06}", secret.code_at_step(totp_step(self.now())))
    }

    /// Moves the clock to the start of the next TOTP step (so its code is
    /// fresh).
    fn next_step(&self) {
        let now = self.now();
        let into_step = now.timestamp().rem_euclid(30);
        self.adapters.clock.advance(Duration::seconds(30 - into_step));
    }

    async fn enrol(&self, caller: &Caller) -> (TotpSecret, Vec<RecoveryCode>) {
        let begun = self.service.start_totp(caller, "Phone").await.unwrap();
        let enrolled =
            self.service.confirm_totp(caller, begun.factor, &self.code(&begun.secret)).await.unwrap();
        (begun.secret, enrolled.recovery_codes)
    }

    /// A new user of `role`, signed in (one-time password changed to
    /// [`PASSWORD`]): the user, the caller and its session's token.
    async fn signed_in(&self, email: &str, role: &str) -> (User, Caller, Token) {
        let (user, one_time) = self.add_user(email, role).await;
        let signed = self.sign_in(email, one_time.expose()).await.unwrap();
        let restricted = self.service.authenticate(&signed.token).await.unwrap();
        self.service
            .change_own_password(&restricted, secret(one_time.expose()), secret(PASSWORD))
            .await
            .unwrap();
        let caller = self.service.authenticate(&signed.token).await.unwrap();
        (user, caller, signed.token)
    }

    async fn enrolled(&self, email: &str, role: &str) -> Enrolled {
        let (user, caller, token) = self.signed_in(email, role).await;
        let (secret, codes) = self.enrol(&caller).await;
        Enrolled { user, caller, token, secret, codes }
    }

    async fn second(&self, token: &Token, proof: FactorProof) -> Result<SecondStepPassed, SecondStepError> {
        self.service.second_step(SecondStep { token: token.clone(), proof, request_id: None }).await
    }
}

fn totp(code: &str) -> FactorProof {
    FactorProof::Totp(secret(code))
}

fn recovery(code: &str) -> FactorProof {
    FactorProof::RecoveryCode(secret(code))
}

#[tokio::test]
async fn with_a_factor_enrolled_sign_in_takes_the_password_then_the_factor() {
    let w = World::new().await;
    let pat = w.enrolled("pat@maple.example", "Paralegal").await;
    assert_eq!(pat.codes.len(), 10);
    w.next_step();

    let signed = w.sign_in("pat@maple.example", PASSWORD).await.unwrap();
    assert_eq!(signed.scope, SessionScope::SecondFactor);
    assert_eq!(signed.session.expires_at, w.now() + Duration::minutes(SECOND_STEP_MINUTES));
    // The waiting session is no caller at all.
    assert_eq!(w.service.authenticate(&signed.token).await.unwrap_err(), SessionError::Invalid);

    let passed = w.second(&signed.token, totp(&w.code(&pat.secret))).await.unwrap();
    assert_eq!(passed.session.scope, SessionScope::Full);
    let caller = w.service.authenticate(&passed.token).await.unwrap();
    assert_eq!(caller.user(), pat.user.id);
    assert!(caller.require_full_session().is_ok());
    // The waiting session ended: its token works no more, not even for a second try.
    w.next_step();
    assert_eq!(
        w.second(&signed.token, totp(&w.code(&pat.secret))).await.unwrap_err(),
        SecondStepError::Failed
    );
    let actions: Vec<AuditAction> = w.audit().await.iter().map(|e| e.action).collect();
    assert!(actions.contains(&AuditAction::PasswordAccepted));
    assert!(actions.contains(&AuditAction::FactorAdded));
}

#[tokio::test]
async fn a_code_works_once_and_one_step_either_side_only() {
    let w = World::new().await;
    let pat = w.enrolled("pat@maple.example", "Paralegal").await;
    // Two steps past the enrolment's code, so the step before now is unused.
    w.next_step();
    w.next_step();
    let step = totp_step(w.now());
    let code = |s: u64| format!("{:06}", pat.secret.code_at_step(s));

    for (offset, accepted) in [(-2_i64, false), (2, false), (-1, true)] {
        let signed = w.sign_in("pat@maple.example", PASSWORD).await.unwrap();
        let at = step.checked_add_signed(offset).unwrap();
        assert_eq!(w.second(&signed.token, totp(&code(at))).await.is_ok(), accepted, "step {offset:+}");
    }
    // The code of this step, used once, then replayed.
    let signed = w.sign_in("pat@maple.example", PASSWORD).await.unwrap();
    w.second(&signed.token, totp(&code(step))).await.unwrap();
    let signed = w.sign_in("pat@maple.example", PASSWORD).await.unwrap();
    assert_eq!(w.second(&signed.token, totp(&code(step))).await.unwrap_err(), SecondStepError::Failed);
    // An earlier step than the last one used is refused too (-1 was used
    // before this step; now the last used is this step).
    assert_eq!(w.second(&signed.token, totp(&code(step - 1))).await.unwrap_err(), SecondStepError::Failed);
    // The next step's code still works.
    w.next_step();
    assert!(w.second(&signed.token, totp(&w.code(&pat.secret))).await.is_ok());
}

#[tokio::test]
async fn a_recovery_code_works_once() {
    let w = World::new().await;
    let pat = w.enrolled("pat@maple.example", "Paralegal").await;
    let code = pat.codes[3].expose().to_uppercase();

    let signed = w.sign_in("pat@maple.example", PASSWORD).await.unwrap();
    let passed = w.second(&signed.token, recovery(&code)).await.unwrap();
    assert_eq!(passed.recovery_codes_left, 9);
    let signed = w.sign_in("pat@maple.example", PASSWORD).await.unwrap();
    assert_eq!(w.second(&signed.token, recovery(&code)).await.unwrap_err(), SecondStepError::Failed);
    assert!(w.audit().await.iter().any(|e| e.action == AuditAction::RecoveryCodeUsed));
}

#[tokio::test]
async fn a_recovery_code_submitted_twice_at_once_works_once() {
    let w = World::new().await;
    let pat = w.enrolled("pat@maple.example", "Paralegal").await;
    for code in &pat.codes[..5] {
        // Past any delay the loser's failure brings.
        w.adapters.clock.advance(Duration::minutes(1));
        let one = w.sign_in("pat@maple.example", PASSWORD).await.unwrap();
        let two = w.sign_in("pat@maple.example", PASSWORD).await.unwrap();
        let code = code.expose();
        let (a, b) = tokio::join!(w.second(&one.token, recovery(code)), w.second(&two.token, recovery(code)));
        assert_eq!(u8::from(a.is_ok()) + u8::from(b.is_ok()), 1, "one recovery code, one session");
    }
}

#[tokio::test]
async fn wrong_codes_count_toward_the_lock_and_a_right_password_does_not_reset_them() {
    let w = World::new().await;
    let pat = w.enrolled("pat@maple.example", "Paralegal").await;
    for _ in 0..Config::default().throttle.lock_after {
        w.adapters.clock.advance(Duration::minutes(1));
        let signed = w.sign_in("pat@maple.example", PASSWORD).await.unwrap();
        assert_eq!(signed.scope, SessionScope::SecondFactor);
        assert_eq!(w.second(&signed.token, totp("000000")).await.unwrap_err(), SecondStepError::Failed);
    }
    let credential = w.adapters.store.committed_credential(pat.user.id).await.unwrap();
    assert!(credential.locked, "100 wrong codes lock the account");
    // Now even the right password and the right code fail, the same way.
    w.adapters.clock.advance(Duration::minutes(1));
    assert_eq!(w.sign_in("pat@maple.example", PASSWORD).await.unwrap_err(), SignInError::Failed);
    assert!(w.audit().await.iter().any(|e| e.action == AuditAction::SecondFactorFailed));
}

#[tokio::test]
async fn a_waiting_session_expires_after_five_minutes() {
    let w = World::new().await;
    let pat = w.enrolled("pat@maple.example", "Paralegal").await;
    let signed = w.sign_in("pat@maple.example", PASSWORD).await.unwrap();
    w.adapters.clock.advance(Duration::minutes(SECOND_STEP_MINUTES) + Duration::seconds(1));
    assert_eq!(
        w.second(&signed.token, totp(&w.code(&pat.secret))).await.unwrap_err(),
        SecondStepError::Failed
    );
}

#[tokio::test]
async fn a_full_session_token_is_no_waiting_session() {
    let w = World::new().await;
    let pat = w.enrolled("pat@maple.example", "Paralegal").await;
    let (_, _, full) = w.signed_in("cam@maple.example", "Paralegal").await;
    w.next_step();
    assert_eq!(w.second(&full, totp(&w.code(&pat.secret))).await.unwrap_err(), SecondStepError::Failed);
    assert_eq!(w.service.authenticate(&full).await.unwrap().scope(), SessionScope::Full, "and stays full");
    assert_eq!(
        w.second(&Token::presented("nonsense"), totp("123456")).await.unwrap_err(),
        SecondStepError::Failed
    );
}

#[tokio::test]
async fn a_role_that_requires_a_factor_gives_an_enrolment_only_session_until_one_is_added() {
    let w = World::new().await;
    let paralegal = w.role("Paralegal").await;
    let role = w.service.set_role_factor_requirement(&w.admin, paralegal, true).await.unwrap();
    assert!(role.second_factor_required);
    let (_, caller, token) = w.signed_in("pat@maple.example", "Paralegal").await;
    assert_eq!(caller.scope(), SessionScope::Enrolment);
    assert_eq!(caller.require_full_session(), Err(AccessError::EnrolmentRequired));
    assert_eq!(
        w.service.list_roles(&caller).await.unwrap_err(),
        ListRolesError::Access(AccessError::EnrolmentRequired)
    );
    assert!(w.service.own_factors(&caller).await.unwrap().required);

    w.enrol(&caller).await;
    let caller = w.service.authenticate(&token).await.unwrap();
    assert_eq!(caller.scope(), SessionScope::Full);
    assert!(w.service.list_roles(&caller).await.is_ok());
    // The next sign-in asks for the factor.
    assert_eq!(w.sign_in("pat@maple.example", PASSWORD).await.unwrap().scope, SessionScope::SecondFactor);
}

#[tokio::test]
async fn confirming_an_enrolment_turns_an_enrolment_only_session_into_a_full_one() {
    let w = World::new().await;
    let settings = SettingsChange { second_factor_required: Some(true), ..w.practice.settings.into() };
    w.service.update_settings(&w.admin, settings).await.unwrap();
    let (_, password) = w.add_user("pat@maple.example", "Paralegal").await;
    let signed = w.sign_in("pat@maple.example", password.expose()).await.unwrap();
    assert_eq!(signed.scope, SessionScope::PasswordChange, "the password change comes first");
    let restricted = w.service.authenticate(&signed.token).await.unwrap();
    w.service.change_own_password(&restricted, secret(password.expose()), secret(PASSWORD)).await.unwrap();
    let enrolling = w.service.authenticate(&signed.token).await.unwrap();
    assert_eq!(enrolling.scope(), SessionScope::Enrolment, "then the enrolment");
    let begun = w.service.start_totp(&enrolling, "Phone").await.unwrap();
    let enrolled = w.service.confirm_totp(&enrolling, begun.factor, &w.code(&begun.secret)).await.unwrap();
    assert_eq!(enrolled.scope, SessionScope::Full);
    assert_eq!(w.service.authenticate(&signed.token).await.unwrap().scope(), SessionScope::Full);
}

#[tokio::test]
async fn a_new_practice_requires_a_factor_of_its_super_admins_and_administrators_only() {
    let w = World::new().await;
    let created = w
        .service
        .create_practice(NewPractice { second_factor_for_admins: true, ..NewPractice::example_at("birch") })
        .await
        .unwrap();
    let roles = w.service.list_roles(&w.admin).await.unwrap();
    assert!(roles.iter().all(|r| !r.second_factor_required), "an example practice opts out");
    let signed = sign_in(&w.service, "birch", created.admin.email.as_str(), created.admin_password.expose())
        .await
        .unwrap();
    let restricted = w.service.authenticate(&signed.token).await.unwrap();
    w.service
        .change_own_password(&restricted, secret(created.admin_password.expose()), secret(PASSWORD))
        .await
        .unwrap();
    let owner = w.service.authenticate(&signed.token).await.unwrap();
    assert_eq!(owner.scope(), SessionScope::Enrolment);
    w.enrol(&owner).await;
    let owner = w.service.authenticate(&signed.token).await.unwrap();
    let mut required: Vec<String> = w
        .service
        .list_roles(&owner)
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.second_factor_required)
        .map(|r| r.name.as_str().to_owned())
        .collect();
    required.sort();
    assert_eq!(required, ["Administrator", "Super Admin"]);
}

#[tokio::test]
async fn an_administrator_cannot_lift_the_requirement_from_super_admins() {
    let w = World::new().await;
    let (_, administrator) = w.add_signed_in("ada@maple.example", "Administrator").await;
    let super_admin = w.role("Super Admin").await;
    let refused = w.service.set_role_factor_requirement(&administrator, super_admin, true).await.unwrap_err();
    assert!(matches!(
        refused,
        FactorPolicyError::Target(TargetError::TargetOutranksCaller { super_admin: true, .. })
    ));
    let paralegal = w.role("Paralegal").await;
    assert!(w.service.set_role_factor_requirement(&administrator, paralegal, true).await.is_ok());
    let (_, consultant) = w.add_signed_in("cam@maple.example", "RCIC Consultant").await;
    let refused = w.service.set_role_factor_requirement(&consultant, paralegal, false).await.unwrap_err();
    assert!(matches!(refused, FactorPolicyError::Access(AccessError::Forbidden(_))));
}

#[tokio::test]
async fn an_administrator_resets_factors_within_who_may_act_on_whom() {
    let w = World::new().await;
    let pat = w.enrolled("pat@maple.example", "Paralegal").await;
    let (_, administrator) = w.add_signed_in("ada@maple.example", "Administrator").await;

    let removed = w.service.reset_factors(&administrator, pat.user.id).await.unwrap();
    assert_eq!(removed, 1);
    assert_eq!(w.service.authenticate(&pat.token).await.unwrap_err(), SessionError::Invalid, "signed out");
    let signed = w.sign_in("pat@maple.example", PASSWORD).await.unwrap();
    assert_eq!(signed.scope, SessionScope::Full, "no factor asked any more");
    let overview = w.service.user_factors(&administrator, pat.user.id).await.unwrap();
    assert!(overview.factors.is_empty());
    assert_eq!(overview.recovery_codes_left, 0);
    let emails: Vec<_> =
        w.outbox().await.into_iter().filter(|e| e.to.as_str() == "pat@maple.example").collect();
    assert!(
        emails
            .iter()
            .any(|e| matches!(&e.message, Message::SecondFactorChanged { change: FactorChange::Reset, .. }))
    );
    assert!(w.audit().await.iter().any(|e| e.action == AuditAction::FactorsReset));

    // Not the owner's: an Administrator cannot act on a Super Admin.
    let refused = w.service.reset_factors(&administrator, w.owner.id).await.unwrap_err();
    assert!(matches!(refused, ResetFactorsError::Target(TargetError::TargetOutranksCaller { .. })));
    // Not one's own: that is removing them one by one.
    let refused = w.service.reset_factors(&w.admin, w.owner.id).await.unwrap_err();
    assert_eq!(refused, ResetFactorsError::Target(TargetError::UseSelfService));
}

#[tokio::test]
async fn managing_factors_needs_the_password_typed_in_the_last_ten_minutes() {
    let w = World::new().await;
    let pat = w.enrolled("pat@maple.example", "Paralegal").await;
    assert_eq!(w.service.own_factors(&pat.caller).await.unwrap().factors.len(), 1);
    w.adapters.clock.advance(Duration::minutes(PASSWORD_CONFIRMATION_MINUTES) + Duration::seconds(1));
    let caller = w.service.authenticate(&pat.token).await.unwrap();
    assert_eq!(
        w.service.own_factors(&caller).await.unwrap_err(),
        OwnFactorsError::PasswordConfirmationRequired
    );
    let factor = pat_factor(&w, &pat).await;
    assert_eq!(
        w.service.remove_factor(&caller, factor).await.unwrap_err(),
        RemoveFactorError::PasswordConfirmationRequired
    );
    assert_eq!(
        w.service.confirm_password(&caller, secret("not the password")).await.unwrap_err(),
        ConfirmPasswordError::WrongPassword
    );
    w.service.confirm_password(&caller, secret(PASSWORD)).await.unwrap();
    let caller = w.service.authenticate(&pat.token).await.unwrap();
    w.service.rename_factor(&caller, factor, "Work phone").await.unwrap();
    let codes = w.service.regenerate_recovery_codes(&caller).await.unwrap();
    assert_eq!(codes.len(), 10);
    w.service.remove_factor(&caller, factor).await.unwrap();
    let overview = w.service.own_factors(&caller).await.unwrap();
    assert!(overview.factors.is_empty());
    assert_eq!(overview.recovery_codes_left, 0, "the recovery codes went with the last factor");
}

async fn pat_factor(w: &World, pat: &Enrolled) -> FactorId {
    w.service.user_factors(&w.admin, pat.user.id).await.unwrap().factors[0].id
}

mod never_full_without_a_valid_factor {
    //! Property: with a factor enrolled, no sequence of sign-ins, wrong,
    //! replayed, stale or used codes and waits gives a session that can
    //! act — every token the steps hand out stays a waiting one (or none).

    use super::*;
    use proptest::prelude::*;

    #[derive(Debug, Clone)]
    enum Step {
        SignIn,
        WrongTotp,
        ReplayedTotp,
        StaleTotp,
        WrongRecoveryCode,
        UsedRecoveryCode,
        /// Pat's passkey, answering a challenge nobody asked for.
        UnaskedPasskey,
        /// Pat's passkey, answering the challenge of the first waiting
        /// session on the latest one.
        CrossedPasskey,
        /// Pat's passkey, answering the latest session's own challenge
        /// with a counter that did not move on.
        StalePasskey,
        Wait(i64),
    }

    fn step() -> impl Strategy<Value = Step> {
        prop_oneof![
            3 => Just(Step::SignIn),
            2 => Just(Step::WrongTotp),
            2 => Just(Step::ReplayedTotp),
            1 => Just(Step::StaleTotp),
            1 => Just(Step::WrongRecoveryCode),
            1 => Just(Step::UsedRecoveryCode),
            1 => Just(Step::UnaskedPasskey),
            1 => Just(Step::CrossedPasskey),
            1 => Just(Step::StalePasskey),
            1 => (1_i64..400).prop_map(Step::Wait),
        ]
    }

    fn block_on<F: std::future::Future>(future: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread().build().expect("a runtime").block_on(future)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(24))]
        #[test]
        fn no_sequence_of_steps_gives_a_full_session_without_a_valid_factor(steps in prop::collection::vec(step(), 1..24)) {
            block_on(async {
                let w = World::new().await;
                let pat = w.enrolled("pat@maple.example", "Paralegal").await;
                let options = w.service.start_passkey(&pat.caller, "Key").await.unwrap();
                w.service.confirm_passkey(&pat.caller, &passkey_answer(&options, "key-pat", 0)).await.unwrap();
                // One recovery code used, the TOTP step of now used, and the
                // passkey used with counter 1.
                let signed = w.sign_in("pat@maple.example", PASSWORD).await.unwrap();
                let options = w.service.start_passkey_step(&signed.token).await.unwrap();
                let answer = FactorProof::Passkey(passkey_answer(&options, "key-pat", 1));
                w.second(&signed.token, answer).await.unwrap();
                let used_code = pat.codes[0].expose().to_owned();
                let signed = w.sign_in("pat@maple.example", PASSWORD).await.unwrap();
                w.second(&signed.token, recovery(&used_code)).await.unwrap();
                let signed = w.sign_in("pat@maple.example", PASSWORD).await.unwrap();
                w.next_step();
                let used_step = totp_step(w.now());
                let used_totp = format!("{:06}", pat.secret.code_at_step(used_step));
                w.second(&signed.token, totp(&used_totp)).await.unwrap();

                let mut waiting: Vec<Token> = Vec::new();
                for step in steps {
                    let latest = waiting.last().cloned();
                    let proof = match step {
                        Step::SignIn => {
                            if let Ok(signed) = w.sign_in("pat@maple.example", PASSWORD).await {
                                assert_eq!(signed.scope, SessionScope::SecondFactor);
                                waiting.push(signed.token);
                            }
                            continue;
                        }
                        Step::Wait(seconds) => {
                            w.adapters.clock.advance(Duration::seconds(seconds));
                            continue;
                        }
                        Step::WrongTotp => {
                            // A code of no step within reach of now.
                            let now = totp_step(w.now());
                            let near: Vec<String> = (now.saturating_sub(1)..=now + 1)
                                .map(|s| format!("{:06}", pat.secret.code_at_step(s)))
                                .collect();
                            let wrong = (0..1_000_000u32).map(|n| format!("{n:06}")).find(|c| !near.contains(c)).unwrap();
                            totp(&wrong)
                        }
                        Step::ReplayedTotp => totp(&used_totp),
                        Step::StaleTotp => {
                            let stale = totp_step(w.now()).saturating_sub(2);
                            totp(&format!("{:06}", pat.secret.code_at_step(stale.min(used_step))))
                        }
                        Step::WrongRecoveryCode => recovery("zzzzz-zzzzz"),
                        Step::UsedRecoveryCode => recovery(&used_code),
                        Step::UnaskedPasskey => {
                            let unasked = serde_json::json!({ "challenge": "never-issued" });
                            FactorProof::Passkey(passkey_answer(&unasked, "key-pat", 1_000))
                        }
                        Step::CrossedPasskey => {
                            let Some(first) = waiting.first().filter(|_| waiting.len() > 1) else { continue };
                            let Ok(options) = w.service.start_passkey_step(first).await else { continue };
                            FactorProof::Passkey(passkey_answer(&options, "key-pat", 1_000))
                        }
                        Step::StalePasskey => {
                            let Some(token) = &latest else { continue };
                            let Ok(options) = w.service.start_passkey_step(token).await else { continue };
                            FactorProof::Passkey(passkey_answer(&options, "key-pat", 1))
                        }
                    };
                    if let Some(token) = latest {
                        assert_eq!(w.second(&token, proof).await.unwrap_err(), SecondStepError::Failed);
                    }
                }
                for token in &waiting {
                    assert_eq!(w.service.authenticate(token).await.unwrap_err(), SessionError::Invalid);
                }
            });
        }
    }
}
