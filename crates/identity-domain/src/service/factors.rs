//! Second factors: the second step of signing in, enrolling and managing
//! one's own factors, an administrator's reset, and who must have one.
//!
//! Managing one's factors asks for the password: each operation needs a
//! session whose password was typed (at sign-in, or through
//! [`IdentityService::confirm_password`]) within the last
//! [`PASSWORD_CONFIRMATION_MINUTES`] minutes.

use super::{Caller, IdentityService, Origin, Recipient};
use crate::audit::{Actor, AuditAction, RequestId, Target};
use crate::error::{AccessError, HashError, StoreError, TargetError};
use crate::factor::{
    Factor, FactorKind, FactorName, FactorNameError, FactorProof, FactorSummary, RECOVERY_CODE_COUNT,
    RecoveryCode, RecoveryCodeHash, TotpFactor, TotpSecret,
};
use crate::ids::{FactorId, PracticeId, RoleId, SessionId, UserId};
use crate::mail::{FactorChange, Message};
use crate::permission::Permission;
use crate::ports::{Access, UnitOfWork};
use crate::practice::Practice;
use crate::role::{Grants, Role};
use crate::session::{Session, SessionScope};
use crate::token::Token;
use crate::user::{User, UserStatus};
use chrono::Duration;
use secrecy::{ExposeSecret, SecretString};
use serde_json::json;

/// Minutes after typing the password during which a session may manage its
/// user's second factors.
pub const PASSWORD_CONFIRMATION_MINUTES: i64 = 10;

/// Most factors (confirmed or not) one user may hold.
pub const MAX_FACTORS: usize = 10;

/// A TOTP enrolment begun: what the authenticator app needs. The factor
/// counts once [`IdentityService::confirm_totp`] receives a code from it.
#[derive(Debug, Clone)]
pub struct TotpEnrolment {
    /// The factor being enrolled.
    pub factor: FactorId,
    /// The secret, to show once (as text and as a QR code of `uri`).
    pub secret: TotpSecret,
    /// The `otpauth://` URI for the QR code.
    pub uri: String,
}

/// A factor confirmed.
#[derive(Debug, Clone)]
pub struct Enrolled {
    /// The factor.
    pub factor: FactorSummary,
    /// New recovery codes, shown once: given with a user's first factor,
    /// empty otherwise.
    pub recovery_codes: Vec<RecoveryCode>,
    /// What the caller's session may do now (an enrolment-only session
    /// becomes a full one).
    pub scope: SessionScope,
}

/// A user's second factors as they may be shown: never a secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FactorOverview {
    /// Confirmed factors, oldest first.
    pub factors: Vec<FactorSummary>,
    /// Unused recovery codes.
    pub recovery_codes_left: u32,
    /// Whether the user's role or practice requires a second factor.
    pub required: bool,
}

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

/// Why the second step failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SecondStepError {
    /// One answer for a wrong, replayed or malformed code, an unknown,
    /// ended or expired waiting session, and a locked or throttled account.
    #[error("the code is not correct, or the sign-in has expired; sign in again")]
    Failed,
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Why the password could not be confirmed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfirmPasswordError {
    /// The session may not manage factors (it waits for a password change).
    #[error(transparent)]
    Access(#[from] AccessError),
    /// Wrong: counted as a failed sign-in.
    #[error("the password is not correct")]
    WrongPassword,
    /// Throttled (seconds to wait) or locked (`None`).
    #[error("too many wrong passwords; wait before trying again")]
    TooManyAttempts {
        /// Seconds to wait, when throttled rather than locked.
        retry_after: Option<u64>,
    },
    /// The hasher is busy or failed.
    #[error(transparent)]
    Hash(#[from] HashError),
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<super::credentials::CurrentPasswordRefusal> for ConfirmPasswordError {
    fn from(e: super::credentials::CurrentPasswordRefusal) -> Self {
        match e {
            super::credentials::CurrentPasswordRefusal::Wrong => Self::WrongPassword,
            super::credentials::CurrentPasswordRefusal::TooManyAttempts { retry_after } => {
                Self::TooManyAttempts { retry_after }
            }
        }
    }
}

/// Why a TOTP enrolment could not begin.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StartEnrolmentError {
    /// The session may not enrol (it waits for a password change).
    #[error(transparent)]
    Access(#[from] AccessError),
    /// The password was not typed recently enough: confirm it first.
    #[error("confirm your password first")]
    PasswordConfirmationRequired,
    /// The name is not acceptable.
    #[error(transparent)]
    Name(#[from] FactorNameError),
    /// The user holds [`MAX_FACTORS`] already.
    #[error("you already have {MAX_FACTORS} second factors; remove one first")]
    TooManyFactors,
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Why a TOTP enrolment could not be confirmed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfirmEnrolmentError {
    /// The session may not enrol (it waits for a password change).
    #[error(transparent)]
    Access(#[from] AccessError),
    /// The password was not typed recently enough: confirm it first.
    #[error("confirm your password first")]
    PasswordConfirmationRequired,
    /// No enrolment in progress with this id.
    #[error("no such enrolment in progress")]
    NotFound,
    /// The code is not the authenticator's current one.
    #[error("the code is not correct; check the time on your device and type the current code")]
    WrongCode,
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Why one's factors could not be read, or recovery codes regenerated.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OwnFactorsError {
    /// The session may not manage factors.
    #[error(transparent)]
    Access(#[from] AccessError),
    /// The password was not typed recently enough: confirm it first.
    #[error("confirm your password first")]
    PasswordConfirmationRequired,
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Why recovery codes could not be regenerated.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RegenerateCodesError {
    /// The session may not manage factors.
    #[error(transparent)]
    Access(#[from] AccessError),
    /// The password was not typed recently enough: confirm it first.
    #[error("confirm your password first")]
    PasswordConfirmationRequired,
    /// Recovery codes come with a second factor: add one first.
    #[error("add a second factor first; recovery codes come with it")]
    NoFactor,
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Why a factor could not be renamed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RenameFactorError {
    /// The session may not manage factors.
    #[error(transparent)]
    Access(#[from] AccessError),
    /// The password was not typed recently enough: confirm it first.
    #[error("confirm your password first")]
    PasswordConfirmationRequired,
    /// No such factor of the caller.
    #[error("no such second factor")]
    NotFound,
    /// The name is not acceptable.
    #[error(transparent)]
    Name(#[from] FactorNameError),
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Why a factor could not be removed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RemoveFactorError {
    /// The session may not manage factors.
    #[error(transparent)]
    Access(#[from] AccessError),
    /// The password was not typed recently enough: confirm it first.
    #[error("confirm your password first")]
    PasswordConfirmationRequired,
    /// No such factor of the caller.
    #[error("no such second factor")]
    NotFound,
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Why a user's factors could not be read by an administrator.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReadUserFactorsError {
    /// The caller lacks `users.read` (and it is not their own account).
    #[error(transparent)]
    Access(#[from] AccessError),
    /// No such user in the caller's practice.
    #[error("no such user")]
    UserNotFound,
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Why a user's factors could not be reset by an administrator.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ResetFactorsError {
    /// The caller lacks the permission.
    #[error(transparent)]
    Access(#[from] AccessError),
    /// The caller may not act on this user.
    #[error(transparent)]
    Target(#[from] TargetError),
    /// No such user in the caller's practice.
    #[error("no such user")]
    UserNotFound,
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Why a role's second-factor requirement could not be set.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FactorPolicyError {
    /// The caller lacks `roles.manage`, or the change touches a role it
    /// could not grant.
    #[error(transparent)]
    Access(#[from] AccessError),
    /// The role holds permissions the caller does not, or is a Super
    /// Admin role and the caller is not one
    /// ([`TargetError::TargetOutranksCaller`] only).
    #[error(transparent)]
    Target(#[from] TargetError),
    /// No such role in the caller's practice.
    #[error("no such role")]
    RoleNotFound,
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

super::super::error::contended_through_store!(
    SecondStepError,
    ConfirmPasswordError,
    StartEnrolmentError,
    ConfirmEnrolmentError,
    OwnFactorsError,
    RegenerateCodesError,
    RenameFactorError,
    RemoveFactorError,
    ReadUserFactorsError,
    ResetFactorsError,
    FactorPolicyError,
);

/// How a second step ended, inside its unit of work.
enum Outcome {
    /// A new session.
    Passed(SecondStepPassed),
    /// Failed, and already recorded (or nothing to record it against).
    Counted,
    /// Refused before any code was looked at: recorded afterwards.
    Refused { origin: Origin, target: Option<Target>, reason: &'static str },
}

/// A session that may manage factors: a full or an enrolment-only one.
fn require_enrolling_session(caller: &Caller) -> Result<(), AccessError> {
    match caller.scope() {
        SessionScope::Full | SessionScope::Enrolment => Ok(()),
        _ => caller.require_full_session(),
    }
}

impl IdentityService {
    /// Whether `user` must have a second factor: their role requires one,
    /// or their practice requires one of everybody.
    pub(super) async fn factor_required(
        &self,
        uow: &mut dyn UnitOfWork,
        practice: &Practice,
        user: &User,
    ) -> Result<bool, StoreError> {
        if practice.settings.second_factor_required {
            return Ok(true);
        }
        Ok(uow.roles().get_role(practice.id, user.role).await?.is_some_and(|r| r.second_factor_required))
    }

    /// The scope of a session that has passed the password: the first step
    /// still owed. `factor_passed` says the second factor was presented
    /// too; otherwise the store is asked whether the user has one.
    pub(super) async fn scope_after_password(
        &self,
        uow: &mut dyn UnitOfWork,
        practice: &Practice,
        user: &User,
        must_change_password: bool,
        factor_passed: bool,
    ) -> Result<SessionScope, StoreError> {
        let has_factor = factor_passed || uow.factors().has_confirmed(practice.id, user.id).await?;
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

    /// Checks that the caller typed their password recently enough to
    /// manage their factors.
    fn password_is_fresh(&self, caller: &Caller) -> bool {
        self.now() - caller.password_at() < Duration::minutes(PASSWORD_CONFIRMATION_MINUTES)
    }

    /// The second step of signing in: a TOTP code or a recovery code for a
    /// session waiting for it. On success the waiting session ends and a new
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
                let refuse = |reason: &'static str| -> Result<Outcome, SecondStepError> {
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
                let used = match &step.proof {
                    FactorProof::Totp(code) => {
                        self.use_totp(uow.as_mut(), &waiting, code.expose_secret()).await?
                    }
                    FactorProof::RecoveryCode(code) => {
                        let code = RecoveryCodeHash::of(waiting.user, code.expose_secret());
                        uow.factors()
                            .use_recovery_code(waiting.practice, waiting.user, &code, now)
                            .await?
                            .then_some("recovery_code")
                    }
                };
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
                let left = uow.factors().recovery_codes_left(waiting.practice, waiting.user).await?;
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
                let details = json!({ "reason": reason });
                let details = &details;
                let (origin, target) = (&origin, &target);
                self.write(|| async move {
                    let mut uow = self.begin(Access::Write).await?;
                    let details = Some(details.clone());
                    self.audit(uow.as_mut(), origin, AuditAction::SecondFactorFailed, *target, None, details)
                        .await?;
                    uow.commit().await
                })
                .await?;
                Err(SecondStepError::Failed)
            }
        }
    }

    /// Uses a TOTP code on the factor it belongs to; which kind was used.
    async fn use_totp(
        &self,
        uow: &mut dyn UnitOfWork,
        session: &Session,
        typed: &str,
    ) -> Result<Option<&'static str>, StoreError> {
        let now = self.now();
        for mut factor in uow.factors().list(session.practice, session.user).await? {
            let FactorKind::Totp(totp) = &factor.kind;
            if !factor.confirmed {
                continue;
            }
            if let Some(step) = totp.matching_step(typed, now) {
                if !uow.factors().advance_totp(session.practice, factor.id, step, now).await? {
                    return Ok(None);
                }
                factor.last_used_at = Some(now);
                uow.factors().update(&factor).await?;
                return Ok(Some("totp"));
            }
        }
        Ok(None)
    }

    /// Confirms the caller's password, so that for the next
    /// [`PASSWORD_CONFIRMATION_MINUTES`] minutes the session may manage its
    /// user's second factors. A wrong password counts as a failed sign-in.
    ///
    /// # Errors
    /// [`ConfirmPasswordError`].
    pub async fn confirm_password(
        &self,
        caller: &Caller,
        password: SecretString,
    ) -> Result<(), ConfirmPasswordError> {
        require_enrolling_session(caller)?;
        self.confirm_current_password::<ConfirmPasswordError>(caller, &password).await?;
        self.write(|| async move {
            let mut uow = self.begin(Access::Write).await?;
            if let Some(mut session) = uow.sessions().get(caller.practice(), caller.session()).await?
                && session.ended_at.is_none()
            {
                session.password_at = self.now();
                uow.sessions().update(&session).await?;
            }
            uow.commit().await?;
            Ok(())
        })
        .await
    }

    /// Begins enrolling a TOTP authenticator for the caller: a new secret,
    /// kept unconfirmed until a code from it arrives. An enrolment begun
    /// earlier and never confirmed is replaced.
    ///
    /// # Errors
    /// [`StartEnrolmentError`].
    pub async fn start_totp(
        &self,
        caller: &Caller,
        name: &str,
    ) -> Result<TotpEnrolment, StartEnrolmentError> {
        require_enrolling_session(caller)?;
        if !self.password_is_fresh(caller) {
            return Err(StartEnrolmentError::PasswordConfirmationRequired);
        }
        let name = FactorName::parse(name)?;
        let secret = TotpSecret::generate(self.ports.random.as_ref());
        let (name, secret) = (&name, &secret);
        self.write(|| async move {
            let now = self.now();
            let mut uow = self.begin(Access::Write).await?;
            let practice = self.practice_of(uow.as_mut(), caller.practice()).await?;
            let user =
                uow.users().get(caller.practice(), caller.user()).await?.ok_or_else(|| {
                    StoreError::Internal("the user of a live session is missing".to_owned())
                })?;
            let mut held = 0;
            for factor in uow.factors().list(caller.practice(), caller.user()).await? {
                if factor.confirmed {
                    held += 1;
                } else {
                    uow.factors().remove(caller.practice(), caller.user(), factor.id).await?;
                }
            }
            if held >= MAX_FACTORS {
                return Err(StartEnrolmentError::TooManyFactors);
            }
            let factor = Factor {
                id: self.new_id(),
                practice: caller.practice(),
                user: caller.user(),
                name: name.clone(),
                kind: FactorKind::Totp(TotpFactor { secret: secret.clone(), last_step: None }),
                confirmed: false,
                created_at: now,
                last_used_at: None,
            };
            uow.factors().insert(&factor).await?;
            uow.commit().await?;
            let uri = secret.provisioning_uri(practice.name.as_str(), user.email.as_str());
            Ok(TotpEnrolment { factor: factor.id, secret: secret.clone(), uri })
        })
        .await
    }

    /// Confirms a TOTP enrolment with a code from the authenticator: the
    /// factor counts from now on. With the user's first factor come
    /// [`RECOVERY_CODE_COUNT`] recovery codes, shown once. The user is
    /// emailed; an enrolment-only session becomes a full one.
    ///
    /// # Errors
    /// [`ConfirmEnrolmentError`].
    pub async fn confirm_totp(
        &self,
        caller: &Caller,
        factor: FactorId,
        code: &str,
    ) -> Result<Enrolled, ConfirmEnrolmentError> {
        require_enrolling_session(caller)?;
        if !self.password_is_fresh(caller) {
            return Err(ConfirmEnrolmentError::PasswordConfirmationRequired);
        }
        let codes: Vec<RecoveryCode> =
            (0..RECOVERY_CODE_COUNT).map(|_| RecoveryCode::generate(self.ports.random.as_ref())).collect();
        let codes = &codes;
        self.write(|| async move {
            let now = self.now();
            let mut uow = self.begin(Access::Write).await?;
            let factors = uow.factors().list(caller.practice(), caller.user()).await?;
            let first = !factors.iter().any(|f| f.confirmed);
            let mut pending = factors
                .into_iter()
                .find(|f| f.id == factor && !f.confirmed)
                .ok_or(ConfirmEnrolmentError::NotFound)?;
            let FactorKind::Totp(totp) = &pending.kind;
            let step = totp.matching_step(code, now).ok_or(ConfirmEnrolmentError::WrongCode)?;
            pending.confirmed = true;
            uow.factors().update(&pending).await?;
            if !uow.factors().advance_totp(caller.practice(), pending.id, step, now).await? {
                return Err(ConfirmEnrolmentError::WrongCode);
            }
            let recovery_codes = if first {
                let hashes: Vec<_> = codes.iter().map(|c| c.hash(caller.user())).collect();
                uow.factors().replace_recovery_codes(caller.practice(), caller.user(), &hashes, now).await?;
                codes.clone()
            } else {
                Vec::new()
            };
            let mut scope = caller.scope();
            if scope == SessionScope::Enrolment
                && let Some(mut session) = uow.sessions().get(caller.practice(), caller.session()).await?
            {
                session.scope = SessionScope::Full;
                uow.sessions().update(&session).await?;
                scope = SessionScope::Full;
            }
            let summary = pending.summary();
            let details =
                json!({ "factor": summary.id, "kind": summary.kind, "name": summary.name.as_str() });
            let target = Some(Target::User(caller.user()));
            self.audit(uow.as_mut(), &caller.origin(), AuditAction::FactorAdded, target, None, Some(details))
                .await?;
            let change = FactorChange::Added { name: summary.name.as_str().to_owned() };
            self.notify_factor_change(uow.as_mut(), caller.practice(), caller.user(), change).await?;
            uow.commit().await?;
            Ok(Enrolled { factor: summary, recovery_codes, scope })
        })
        .await
    }

    /// The caller's second factors (never their secrets).
    ///
    /// # Errors
    /// [`OwnFactorsError`].
    pub async fn own_factors(&self, caller: &Caller) -> Result<FactorOverview, OwnFactorsError> {
        require_enrolling_session(caller)?;
        if !self.password_is_fresh(caller) {
            return Err(OwnFactorsError::PasswordConfirmationRequired);
        }
        let mut uow = self.begin(Access::Read).await?;
        Ok(self.overview(uow.as_mut(), caller.practice(), caller.user()).await?)
    }

    async fn overview(
        &self,
        uow: &mut dyn UnitOfWork,
        practice: PracticeId,
        user: UserId,
    ) -> Result<FactorOverview, StoreError> {
        let factors: Vec<FactorSummary> = uow
            .factors()
            .list(practice, user)
            .await?
            .iter()
            .filter(|f| f.confirmed)
            .map(Factor::summary)
            .collect();
        let recovery_codes_left = uow.factors().recovery_codes_left(practice, user).await?;
        let practice = self.practice_of(uow, practice).await?;
        let required = match uow.users().get(practice.id, user).await? {
            Some(user) => self.factor_required(uow, &practice, &user).await?,
            None => false,
        };
        Ok(FactorOverview { factors, recovery_codes_left, required })
    }

    /// Renames one of the caller's factors.
    ///
    /// # Errors
    /// [`RenameFactorError`].
    pub async fn rename_factor(
        &self,
        caller: &Caller,
        factor: FactorId,
        name: &str,
    ) -> Result<FactorSummary, RenameFactorError> {
        caller.require_full_session()?;
        if !self.password_is_fresh(caller) {
            return Err(RenameFactorError::PasswordConfirmationRequired);
        }
        let name = &FactorName::parse(name)?;
        self.write(|| async move {
            let mut uow = self.begin(Access::Write).await?;
            let factors = uow.factors().list(caller.practice(), caller.user()).await?;
            let mut found = factors
                .into_iter()
                .find(|f| f.id == factor && f.confirmed)
                .ok_or(RenameFactorError::NotFound)?;
            let before = json!({ "name": found.name.as_str() });
            found.name = name.clone();
            uow.factors().update(&found).await?;
            let after = json!({ "factor": found.id, "name": found.name.as_str() });
            let target = Some(Target::User(caller.user()));
            self.audit(
                uow.as_mut(),
                &caller.origin(),
                AuditAction::FactorRenamed,
                target,
                Some(before),
                Some(after),
            )
            .await?;
            uow.commit().await?;
            Ok(found.summary())
        })
        .await
    }

    /// Removes one of the caller's factors; with the last one go the
    /// recovery codes. The user is emailed. (A user whose role requires a
    /// factor is asked to enrol one at their next sign-in.)
    ///
    /// # Errors
    /// [`RemoveFactorError`].
    pub async fn remove_factor(&self, caller: &Caller, factor: FactorId) -> Result<(), RemoveFactorError> {
        caller.require_full_session()?;
        if !self.password_is_fresh(caller) {
            return Err(RemoveFactorError::PasswordConfirmationRequired);
        }
        self.write(|| async move {
            let now = self.now();
            let mut uow = self.begin(Access::Write).await?;
            let factors = uow.factors().list(caller.practice(), caller.user()).await?;
            let found =
                factors.iter().find(|f| f.id == factor && f.confirmed).ok_or(RemoveFactorError::NotFound)?;
            uow.factors().remove(caller.practice(), caller.user(), factor).await?;
            if !factors.iter().any(|f| f.confirmed && f.id != factor) {
                uow.factors().replace_recovery_codes(caller.practice(), caller.user(), &[], now).await?;
            }
            let details =
                json!({ "factor": found.id, "kind": found.kind.name(), "name": found.name.as_str() });
            let target = Some(Target::User(caller.user()));
            self.audit(
                uow.as_mut(),
                &caller.origin(),
                AuditAction::FactorRemoved,
                target,
                None,
                Some(details),
            )
            .await?;
            let change = FactorChange::Removed { name: found.name.as_str().to_owned() };
            self.notify_factor_change(uow.as_mut(), caller.practice(), caller.user(), change).await?;
            uow.commit().await?;
            Ok(())
        })
        .await
    }

    /// Replaces the caller's recovery codes with [`RECOVERY_CODE_COUNT`] new
    /// ones, shown once; the old ones stop working.
    ///
    /// # Errors
    /// [`RegenerateCodesError`].
    pub async fn regenerate_recovery_codes(
        &self,
        caller: &Caller,
    ) -> Result<Vec<RecoveryCode>, RegenerateCodesError> {
        caller.require_full_session()?;
        if !self.password_is_fresh(caller) {
            return Err(RegenerateCodesError::PasswordConfirmationRequired);
        }
        let codes: Vec<RecoveryCode> =
            (0..RECOVERY_CODE_COUNT).map(|_| RecoveryCode::generate(self.ports.random.as_ref())).collect();
        let codes = &codes;
        self.write(|| async move {
            let now = self.now();
            let mut uow = self.begin(Access::Write).await?;
            if !uow.factors().has_confirmed(caller.practice(), caller.user()).await? {
                return Err(RegenerateCodesError::NoFactor);
            }
            let hashes: Vec<_> = codes.iter().map(|c| c.hash(caller.user())).collect();
            uow.factors().replace_recovery_codes(caller.practice(), caller.user(), &hashes, now).await?;
            let target = Some(Target::User(caller.user()));
            self.audit(
                uow.as_mut(),
                &caller.origin(),
                AuditAction::RecoveryCodesRegenerated,
                target,
                None,
                None,
            )
            .await?;
            uow.commit().await?;
            Ok(codes.clone())
        })
        .await
    }

    /// A user's second factors as an administrator sees them (needs
    /// `users.read`): names and dates, never secrets, and whether a factor
    /// is required of them.
    ///
    /// # Errors
    /// [`ReadUserFactorsError`].
    pub async fn user_factors(
        &self,
        caller: &Caller,
        user: UserId,
    ) -> Result<FactorOverview, ReadUserFactorsError> {
        caller.require_self_or(user, Permission::UsersRead)?;
        let mut uow = self.begin(Access::Read).await?;
        if uow.users().get(caller.practice(), user).await?.is_none() {
            return Err(ReadUserFactorsError::UserNotFound);
        }
        Ok(self.overview(uow.as_mut(), caller.practice(), user).await?)
    }

    /// Resets a user's second factors (needs `users.reset_password`, on a
    /// user the caller may act on): every factor and recovery code is
    /// removed, every session ends, and the user is emailed. At their next
    /// sign-in they enrol again if a factor is required of them.
    ///
    /// # Errors
    /// [`ResetFactorsError`].
    pub async fn reset_factors(&self, caller: &Caller, user: UserId) -> Result<u64, ResetFactorsError> {
        caller.require(Permission::UsersResetPassword)?;
        self.write(|| async move {
            let now = self.now();
            let mut uow = self.begin(Access::Write).await?;
            let target_user =
                uow.users().get(caller.practice(), user).await?.ok_or(ResetFactorsError::UserNotFound)?;
            self.check_may_act_on::<ResetFactorsError>(uow.as_mut(), caller, &target_user).await?;
            let removed = uow.factors().remove_all(caller.practice(), user).await?;
            let ended = uow.sessions().end_all_for_user(caller.practice(), user, None, now).await?;
            let details = json!({ "factors_removed": removed, "sessions_ended": ended });
            let target = Some(Target::User(user));
            self.audit(
                uow.as_mut(),
                &caller.origin(),
                AuditAction::FactorsReset,
                target,
                None,
                Some(details),
            )
            .await?;
            self.notify_factor_change(uow.as_mut(), caller.practice(), user, FactorChange::Reset).await?;
            uow.commit().await?;
            Ok(removed)
        })
        .await
    }

    /// Sets whether a role requires a second factor of its holders (needs
    /// `roles.manage`, and only on a role whose holders the caller may act
    /// on: an Administrator cannot lift it from Super Admin). Built-in roles
    /// too: the requirement is the practice's choice, not part of the
    /// role's permissions.
    ///
    /// # Errors
    /// [`FactorPolicyError`].
    pub async fn set_role_factor_requirement(
        &self,
        caller: &Caller,
        role: RoleId,
        required: bool,
    ) -> Result<Role, FactorPolicyError> {
        caller.require(Permission::RolesManage)?;
        self.write(|| async move {
            let mut uow = self.begin(Access::Write).await?;
            let mut found = uow
                .roles()
                .get_role(caller.practice(), role)
                .await?
                .ok_or(FactorPolicyError::RoleNotFound)?;
            let theirs = Grants::of(&found, []);
            if !caller.grants().may_act_on(&theirs) {
                return Err(TargetError::TargetOutranksCaller {
                    super_admin: theirs.bypass,
                    missing: theirs.permissions.difference(caller.grants().permissions),
                }
                .into());
            }
            if found.second_factor_required == required {
                return Ok(found);
            }
            let before = json!({ "second_factor_required": found.second_factor_required });
            found.second_factor_required = required;
            uow.roles().update_role(&found).await?;
            let after = json!({ "second_factor_required": required });
            self.audit(
                uow.as_mut(),
                &caller.origin(),
                AuditAction::RoleUpdated,
                Some(Target::Role(role)),
                Some(before),
                Some(after),
            )
            .await?;
            uow.commit().await?;
            Ok(found)
        })
        .await
    }

    /// Queues the email telling a user their second factors changed.
    async fn notify_factor_change(
        &self,
        uow: &mut dyn UnitOfWork,
        practice: PracticeId,
        user: UserId,
        change: FactorChange,
    ) -> Result<(), StoreError> {
        let practice = self.practice_of(uow, practice).await?;
        let Some(user) = uow.users().get(practice.id, user).await? else {
            return Ok(());
        };
        let message = Message::SecondFactorChanged { change, changed_at: self.now() };
        self.send(uow, &practice, Recipient::from(&user), message).await
    }
}
