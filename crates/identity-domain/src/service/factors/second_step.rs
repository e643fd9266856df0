//! The second step of signing in (a TOTP code, a passkey or a recovery
//! code), and which step a session that has passed the password still owes.

use super::SecondStepError;
use super::passkeys::Waiting;
use crate::audit::{Actor, AuditAction, RequestId, Target};
use crate::error::StoreError;
use crate::factor::{FactorKind, FactorProof, RecoveryCodeHash};
use crate::ids::SessionId;
use crate::ports::{Access, UnitOfWork};
use crate::practice::Practice;
use crate::service::{IdentityService, Origin};
use crate::session::{Session, SessionScope};
use crate::token::Token;
use crate::user::{User, UserStatus};
use secrecy::ExposeSecret;
use serde_json::json;

/// The second step of signing in.
#[derive(Debug, Clone)]
pub struct SecondStep {
    /// The token of the session waiting for its second factor.
    pub token: Token,
    /// The factor.
    pub proof: FactorProof,
    /// The request, for the audit log.
    pub request_id: Option<RequestId>,
}

/// A session that went through the second step.
#[derive(Debug, Clone)]
pub struct SecondStepPassed {
    /// The new session's token (the waiting one has ended).
    pub token: Token,
    /// The new session.
    pub session: Session,
    /// Unused recovery codes left (fewer than before when one was used).
    pub recovery_codes_left: u32,
}

/// How a second step ended, inside its unit of work.
pub(super) enum Outcome<T> {
    /// A new session.
    Passed(T),
    /// Failed, and already recorded (or nothing to record it against).
    Counted,
    /// Refused before any code was looked at: recorded afterwards.
    Refused { origin: Origin, target: Option<Target>, reason: &'static str },
}

impl IdentityService {
    /// The scope of a session that has passed the password: the first step
    /// still owed. `factor_passed` says the second factor was presented
    /// too; otherwise the store is asked whether the user has one.
    pub(in crate::service) async fn scope_after_password(
        &self,
        uow: &mut dyn UnitOfWork,
        practice: &Practice,
        user: &User,
        must_change_password: bool,
        factor_passed: bool,
    ) -> Result<SessionScope, StoreError> {
        let has_factor = factor_passed || uow.factors().has_confirmed(practice.id, user.id.into()).await?;
        Ok(if has_factor && !factor_passed {
            SessionScope::SecondFactor
        } else if must_change_password {
            SessionScope::PasswordChange
        } else if !has_factor && self.factor_required(uow, practice, user).await? {
            SessionScope::Enrolment
        } else {
            SessionScope::Full
        })
    }

    /// The second step of signing in: a TOTP code, a passkey's answer to
    /// [`IdentityService::start_passkey_step`]'s challenge, or a recovery
    /// code, for a session waiting for it. On success the waiting session ends and a new
    /// one begins (a new token), a full one unless the password must still
    /// be changed. A wrong code counts as a failed sign-in (the same delays
    /// and lock); every failure gives [`SecondStepError::Failed`].
    ///
    /// # Errors
    /// [`SecondStepError`].
    pub async fn second_step(&self, step: SecondStep) -> Result<SecondStepPassed, SecondStepError> {
        let now = self.now();
        let hash = step.token.hash();
        let (hash, step) = (&hash, &step);
        let outcome = self
            .write(|| async move {
                let mut uow = self.begin(Access::Write).await?;
                let Some(waiting) = uow.sessions().find_by_hash(hash).await? else {
                    return Ok(Outcome::Counted);
                };
                let origin = Origin {
                    practice: waiting.practice,
                    actor: Actor::User(waiting.user),
                    request_id: step.request_id.clone(),
                };
                let target = Some(Target::User(waiting.user));
                let refuse = |reason: &'static str| -> Result<Outcome<SecondStepPassed>, SecondStepError> {
                    Ok(Outcome::Refused { origin: origin.clone(), target, reason })
                };
                if waiting.scope != SessionScope::SecondFactor || !waiting.is_live(now, &self.config.sessions)
                {
                    return refuse("no_waiting_session");
                }
                let user = uow.users().get(waiting.practice, waiting.user).await?;
                let Some(user) = user.filter(|u| u.status == UserStatus::Active) else {
                    return refuse("account_not_active");
                };
                let Some(mut credential) = uow.credentials().get(waiting.practice, waiting.user).await?
                else {
                    return refuse("account_not_active");
                };
                if credential.locked {
                    return refuse("locked");
                }
                if self.config.throttle.too_soon(&credential, now) {
                    return refuse("throttled");
                }
                let proving = Waiting::from(&waiting);
                let used = self.check_proof(uow.as_mut(), &proving, &step.proof).await?;
                let Some(used) = used else {
                    credential.failed_attempts = credential.failed_attempts.saturating_add(1);
                    credential.last_failure_at = Some(now);
                    if credential.failed_attempts >= self.config.throttle.lock_after
                        && !self.is_last_super_admin(uow.as_mut(), &user).await?
                    {
                        credential.locked = true;
                    }
                    uow.credentials().save(&credential).await?;
                    let details = json!({
                        "reason": "wrong_code",
                        "consecutive_failures": credential.failed_attempts,
                        "locked": credential.locked,
                    });
                    self.audit(
                        uow.as_mut(),
                        &origin,
                        AuditAction::SecondFactorFailed,
                        target,
                        None,
                        Some(details),
                    )
                    .await?;
                    uow.commit().await?;
                    return Ok(Outcome::Counted);
                };
                credential.failed_attempts = 0;
                credential.last_failure_at = None;
                credential.last_sign_in_at = Some(now);
                uow.credentials().save(&credential).await?;
                let mut ended = waiting.clone();
                ended.ended_at = Some(now);
                uow.sessions().update(&ended).await?;
                let practice = self.practice_of(uow.as_mut(), waiting.practice).await?;
                let scope = self
                    .scope_after_password(uow.as_mut(), &practice, &user, credential.must_change(), true)
                    .await?;
                let token = Token::generate(self.ports.random.as_ref());
                let session = Session {
                    id: self.new_id::<SessionId>(),
                    practice: waiting.practice,
                    user: waiting.user,
                    token_hash: token.hash(),
                    created_at: now,
                    last_seen_at: now,
                    expires_at: now + self.config.sessions.absolute,
                    scope,
                    password_at: waiting.password_at,
                    ended_at: None,
                };
                uow.sessions().insert(&session).await?;
                let left = uow.factors().recovery_codes_left(waiting.practice, waiting.user.into()).await?;
                if used == "recovery_code" {
                    let details = json!({ "recovery_codes_left": left });
                    self.audit(
                        uow.as_mut(),
                        &origin,
                        AuditAction::RecoveryCodeUsed,
                        target,
                        None,
                        Some(details),
                    )
                    .await?;
                }
                let details =
                    json!({ "session": session.id, "second_factor": used, "scope": scope.as_str() });
                self.audit(uow.as_mut(), &origin, AuditAction::SignedIn, target, None, Some(details)).await?;
                uow.commit().await?;
                Ok(Outcome::Passed(SecondStepPassed { token, session, recovery_codes_left: left }))
            })
            .await?;
        match outcome {
            Outcome::Passed(passed) => Ok(passed),
            Outcome::Counted => Err(SecondStepError::Failed),
            Outcome::Refused { origin, target, reason } => {
                self.record_refused_step(&origin, target, reason, AuditAction::SecondFactorFailed).await?;
                Err(SecondStepError::Failed)
            }
        }
    }

    /// Audits a second step refused before any code was looked at.
    pub(super) async fn record_refused_step(
        &self,
        origin: &Origin,
        target: Option<Target>,
        reason: &'static str,
        action: AuditAction,
    ) -> Result<(), StoreError> {
        let details = &json!({ "reason": reason });
        self.write(|| async move {
            let mut uow = self.begin(Access::Write).await?;
            self.audit(uow.as_mut(), origin, action, target, None, Some(details.clone())).await?;
            uow.commit().await
        })
        .await
    }

    /// Checks a second factor against the waiting session's holder, using
    /// up what it uses (the TOTP step, the recovery code, the passkey
    /// ceremony); which kind was used, or `None` for a wrong one.
    pub(super) async fn check_proof(
        &self,
        uow: &mut dyn UnitOfWork,
        waiting: &Waiting,
        proof: &FactorProof,
    ) -> Result<Option<&'static str>, StoreError> {
        match proof {
            FactorProof::Totp(code) => self.use_totp(uow, waiting, code.expose_secret()).await,
            FactorProof::RecoveryCode(code) => {
                let code = RecoveryCodeHash::of(waiting.holder, code.expose_secret());
                let used = uow
                    .factors()
                    .use_recovery_code(waiting.practice, waiting.holder, &code, self.now())
                    .await?;
                Ok(used.then_some("recovery_code"))
            }
            FactorProof::Passkey(response) => self.use_passkey(uow, waiting, response).await,
        }
    }

    /// Uses a TOTP code on the factor it belongs to; which kind was used.
    async fn use_totp(
        &self,
        uow: &mut dyn UnitOfWork,
        waiting: &Waiting,
        typed: &str,
    ) -> Result<Option<&'static str>, StoreError> {
        let now = self.now();
        for mut factor in uow.factors().list(waiting.practice, waiting.holder).await? {
            let FactorKind::Totp(totp) = &factor.kind else {
                continue;
            };
            if !factor.confirmed {
                continue;
            }
            if let Some(step) = totp.matching_step(typed, now) {
                if !uow.factors().advance_totp(waiting.practice, waiting.holder, factor.id, step, now).await?
                {
                    return Ok(None);
                }
                factor.last_used_at = Some(now);
                uow.factors().update(&factor).await?;
                return Ok(Some("totp"));
            }
        }
        Ok(None)
    }
}
