//! A party's own second factors, in the portal: the same rules as staff
//! factors (see the `enrolment` and `passkeys` modules), for the party's
//! portal account, and the second step of the portal's sign-in.
//!
//! A portal session is always a full one once it is a
//! [`PortalCaller`]: the session waiting for its second factor is never
//! one ([`IdentityService::authenticate_portal`] refuses it), and no
//! role or practice setting requires a factor of a party.

use super::passkeys::{Among, Waiting};
use super::second_step::{Outcome, SecondStep};
use super::{
    ConfirmEnrolmentError, ConfirmPasskeyError, ConfirmPasswordError, Enrolled, FactorOverview, Holding,
    OwnFactorsError, RegenerateCodesError, RemoveFactorError, RenameFactorError, SecondStepError,
    StartEnrolmentError, TotpEnrolment,
};
use crate::audit::{Actor, AuditAction, Target};
use crate::factor::{FactorSummary, RecoveryCode};
use crate::ids::{FactorId, SessionId};
use crate::portal::{PortalAccountStatus, PortalSession};
use crate::ports::Access;
use crate::service::{IdentityService, Origin, PortalCaller};
use crate::session::SessionScope;
use crate::token::Token;
use secrecy::SecretString;
use serde_json::json;

/// A portal session that went through the second step.
#[derive(Debug, Clone)]
pub struct PortalSecondStepPassed {
    /// The new session's token (the waiting one has ended).
    pub token: Token,
    /// The new, full session.
    pub session: PortalSession,
    /// Unused recovery codes left (fewer than before when one was used).
    pub recovery_codes_left: u32,
}

impl IdentityService {
    /// Confirms the signed-in party's password, so that for the next
    /// [`super::PASSWORD_CONFIRMATION_MINUTES`] minutes the session may
    /// manage their second factors. A wrong password counts as a failed
    /// sign-in.
    ///
    /// # Errors
    /// [`ConfirmPasswordError`].
    pub async fn portal_confirm_password(
        &self,
        caller: &PortalCaller,
        password: SecretString,
    ) -> Result<(), ConfirmPasswordError> {
        let account = {
            let mut uow = self.begin(Access::Read).await?;
            uow.portal().get_account(caller.practice(), caller.party()).await?
        };
        let Some((account, hash)) = account
            .filter(|a| a.status == PortalAccountStatus::Active)
            .and_then(|a| a.hash.clone().map(|h| (a, h)))
        else {
            return Err(ConfirmPasswordError::WrongPassword);
        };
        self.check_portal_password::<ConfirmPasswordError>(caller, &account, &hash, &password).await?;
        Ok(self.password_typed(&Holding::from(caller)).await?)
    }

    /// Begins enrolling a TOTP authenticator for the signed-in party, as
    /// [`IdentityService::start_totp`] does for a user.
    ///
    /// # Errors
    /// [`StartEnrolmentError`].
    pub async fn portal_start_totp(
        &self,
        caller: &PortalCaller,
        name: &str,
    ) -> Result<TotpEnrolment, StartEnrolmentError> {
        self.start_totp_of(&Holding::from(caller), name).await
    }

    /// Confirms the party's TOTP enrolment with a code from the
    /// authenticator, as [`IdentityService::confirm_totp`] does for a user:
    /// with the first factor come the recovery codes, and the party is
    /// emailed.
    ///
    /// # Errors
    /// [`ConfirmEnrolmentError`].
    pub async fn portal_confirm_totp(
        &self,
        caller: &PortalCaller,
        factor: FactorId,
        code: &str,
    ) -> Result<Enrolled, ConfirmEnrolmentError> {
        self.confirm_totp_of(&Holding::from(caller), factor, code).await
    }

    /// Begins enrolling a passkey for the signed-in party, as
    /// [`IdentityService::start_passkey`] does for a user.
    ///
    /// # Errors
    /// [`StartEnrolmentError`].
    pub async fn portal_start_passkey(
        &self,
        caller: &PortalCaller,
        name: &str,
    ) -> Result<serde_json::Value, StartEnrolmentError> {
        self.start_passkey_of(&Holding::from(caller), name).await
    }

    /// Finishes the party's passkey enrolment, as
    /// [`IdentityService::confirm_passkey`] does for a user.
    ///
    /// # Errors
    /// [`ConfirmPasskeyError`].
    pub async fn portal_confirm_passkey(
        &self,
        caller: &PortalCaller,
        response: &str,
    ) -> Result<Enrolled, ConfirmPasskeyError> {
        self.confirm_passkey_of(&Holding::from(caller), response).await
    }

    /// The signed-in party's second factors (never their secrets).
    ///
    /// # Errors
    /// [`OwnFactorsError`].
    pub async fn portal_factors(&self, caller: &PortalCaller) -> Result<FactorOverview, OwnFactorsError> {
        self.own_factors_of(&Holding::from(caller)).await
    }

    /// Renames one of the party's factors.
    ///
    /// # Errors
    /// [`RenameFactorError`].
    pub async fn portal_rename_factor(
        &self,
        caller: &PortalCaller,
        factor: FactorId,
        name: &str,
    ) -> Result<FactorSummary, RenameFactorError> {
        self.rename_factor_of(&Holding::from(caller), factor, name).await
    }

    /// Removes one of the party's factors (with the last one go the
    /// recovery codes); the party is emailed.
    ///
    /// # Errors
    /// [`RemoveFactorError`].
    pub async fn portal_remove_factor(
        &self,
        caller: &PortalCaller,
        factor: FactorId,
    ) -> Result<(), RemoveFactorError> {
        self.remove_factor_of(&Holding::from(caller), factor).await
    }

    /// Replaces the party's recovery codes with new ones, shown once.
    ///
    /// # Errors
    /// [`RegenerateCodesError`].
    pub async fn portal_regenerate_recovery_codes(
        &self,
        caller: &PortalCaller,
    ) -> Result<Vec<RecoveryCode>, RegenerateCodesError> {
        self.regenerate_recovery_codes_of(&Holding::from(caller)).await
    }

    /// A passkey challenge for a portal session waiting for its second
    /// factor, for `navigator.credentials.get()`; the answer goes to
    /// [`IdentityService::portal_second_step`].
    ///
    /// # Errors
    /// [`SecondStepError::Failed`] for a token of no waiting portal session,
    /// or a party with no passkey.
    pub async fn portal_start_passkey_step(
        &self,
        token: &Token,
    ) -> Result<serde_json::Value, SecondStepError> {
        self.passkey_step_among(token, Among::Portal).await
    }

    /// The second step of the portal's sign-in, under the staff rules
    /// ([`IdentityService::second_step`]): a TOTP code, a passkey's answer
    /// or a recovery code for a portal session waiting for it. On success
    /// the waiting session ends and a full one begins; a wrong code counts
    /// as a failed sign-in of the portal account (the same delays and
    /// lock); every failure gives [`SecondStepError::Failed`].
    ///
    /// # Errors
    /// [`SecondStepError`].
    pub async fn portal_second_step(
        &self,
        step: SecondStep,
    ) -> Result<PortalSecondStepPassed, SecondStepError> {
        let now = self.now();
        let hash = step.token.hash();
        let (hash, step) = (&hash, &step);
        let outcome = self
            .write(|| async move {
                let mut uow = self.begin(Access::Write).await?;
                let Some(waiting) = uow.portal().find_session_by_hash(hash).await? else {
                    return Ok(Outcome::Counted);
                };
                let origin = Origin {
                    practice: waiting.practice,
                    actor: Actor::Anonymous,
                    request_id: step.request_id.clone(),
                };
                let target = Some(Target::Party(waiting.party));
                let refuse =
                    |reason: &'static str| -> Result<Outcome<PortalSecondStepPassed>, SecondStepError> {
                        Ok(Outcome::Refused { origin: origin.clone(), target, reason })
                    };
                if waiting.scope != SessionScope::SecondFactor || !waiting.is_live(now, &self.config.sessions)
                {
                    return refuse("no_waiting_session");
                }
                let account = uow.portal().get_account(waiting.practice, waiting.party).await?;
                let Some(mut account) = account.filter(|a| a.status == PortalAccountStatus::Active) else {
                    return refuse("account_not_active");
                };
                if account.locked {
                    return refuse("locked");
                }
                let throttle = &self.config.throttle;
                if throttle.too_soon_after(account.failed_attempts, account.last_failure_at, now) {
                    return refuse("throttled");
                }
                let proving = Waiting::from(&waiting);
                let Some(used) = self.check_proof(uow.as_mut(), &proving, &step.proof).await? else {
                    account.count_failure(now, throttle.lock_after);
                    uow.portal().update_account(&account).await?;
                    let details = json!({
                        "reason": "wrong_code",
                        "consecutive_failures": account.failed_attempts,
                        "locked": account.locked,
                    });
                    let action = AuditAction::PortalSecondFactorFailed;
                    self.audit(uow.as_mut(), &origin, action, target, None, Some(details)).await?;
                    uow.commit().await?;
                    return Ok(Outcome::Counted);
                };
                account.failed_attempts = 0;
                account.last_failure_at = None;
                account.last_sign_in_at = Some(now);
                uow.portal().update_account(&account).await?;
                let mut ended = waiting.clone();
                ended.ended_at = Some(now);
                uow.portal().update_session(&ended).await?;
                let token = Token::generate(self.ports.random.as_ref());
                let session = PortalSession {
                    id: self.new_id::<SessionId>(),
                    practice: waiting.practice,
                    party: waiting.party,
                    token_hash: token.hash(),
                    created_at: now,
                    last_seen_at: now,
                    expires_at: now + self.config.sessions.absolute,
                    scope: SessionScope::Full,
                    password_at: waiting.password_at,
                    ended_at: None,
                };
                uow.portal().insert_session(&session).await?;
                let left = uow.factors().recovery_codes_left(waiting.practice, proving.holder).await?;
                if used == "recovery_code" {
                    let details = json!({ "recovery_codes_left": left });
                    let action = AuditAction::PortalRecoveryCodeUsed;
                    self.audit(uow.as_mut(), &origin, action, target, None, Some(details)).await?;
                }
                let details = json!({ "session": session.id, "second_factor": used, "scope": "full" });
                self.audit(uow.as_mut(), &origin, AuditAction::PortalSignedIn, target, None, Some(details))
                    .await?;
                uow.commit().await?;
                Ok(Outcome::Passed(PortalSecondStepPassed { token, session, recovery_codes_left: left }))
            })
            .await?;
        match outcome {
            Outcome::Passed(passed) => Ok(passed),
            Outcome::Counted => Err(SecondStepError::Failed),
            Outcome::Refused { origin, target, reason } => {
                self.record_refused_step(&origin, target, reason, AuditAction::PortalSecondFactorFailed)
                    .await?;
                Err(SecondStepError::Failed)
            }
        }
    }
}
