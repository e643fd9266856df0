//! Signing in and out, and turning a session token back into a caller.

use super::{Caller, IdentityService, Origin};
use crate::audit::{Actor, AuditAction, RequestId, Target};
use crate::credential::Credential;
use crate::email::EmailAddress;
use crate::error::{HashError, StoreError};
use crate::ids::SessionId;
use crate::password::{MAX_PASSWORD_LENGTH, PasswordHash};
use crate::ports::{Access, UnitOfWork};
use crate::practice::{Practice, PracticeSlug};
use crate::session::{SECOND_STEP_MINUTES, Session, SessionScope};
use crate::token::Token;
use crate::user::{User, UserStatus};
use chrono::Duration;
use secrecy::{ExposeSecret, SecretString};
use serde_json::json;

/// A sign-in attempt, as typed.
#[derive(Debug, Clone)]
pub struct SignIn {
    /// The practice's slug.
    pub practice: String,
    /// The email, as typed.
    pub email: String,
    /// The password, exactly as typed.
    pub password: SecretString,
    /// The request, for the audit log.
    pub request_id: Option<RequestId>,
}

/// A successful sign-in (of the password: the session's scope says what
/// is still owed).
#[derive(Debug, Clone)]
pub struct SignedIn {
    /// The session token, handed to the client once; only its hash is kept.
    pub token: Token,
    /// The session.
    pub session: Session,
    /// What the session may do: everything, or only the next step (the
    /// second factor, a password change, enrolling a second factor).
    pub scope: SessionScope,
}

impl SignedIn {
    /// Whether the session may only change the password.
    pub fn password_change_only(&self) -> bool {
        self.scope == SessionScope::PasswordChange
    }
}

/// Why a sign-in failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignInError {
    /// One answer for an unknown practice or email, a wrong password, an
    /// inactive, locked or throttled account and an expired one-time
    /// password: nothing tells them apart, not even the time taken.
    #[error("the practice, email or password is not correct")]
    Failed,
    /// Longer than any password can be (a 4xx, whatever the account).
    #[error("the password is longer than {MAX_PASSWORD_LENGTH} characters")]
    PasswordTooLong,
    /// The hasher is busy or failed.
    #[error(transparent)]
    Hash(#[from] HashError),
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Why a session token was not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SessionError {
    /// Unknown, ended, idle too long, past its absolute expiry, or its user
    /// is no longer active: sign in again.
    #[error("the session is not valid; sign in again")]
    Invalid,
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What a sign-in found, before the password is checked.
enum Account {
    /// Nothing to check against.
    Unknown { practice: Option<Practice> },
    /// A user who cannot sign in now, whatever the password.
    Barred { practice: Practice, user: User },
    /// A user whose password decides.
    Open { practice: Practice, user: User, credential: Credential, hash: PasswordHash },
}

impl IdentityService {
    /// Signs in by practice slug, email and password. Every failure gives
    /// [`SignInError::Failed`] after one password verification, so unknown
    /// emails, wrong passwords, inactive and locked accounts look and time
    /// the same. Failures are counted per account: growing delays, then a
    /// lock at 100 (never for the last active Super Admin). A success clears
    /// the count and gives a new session; a one-time password gives a
    /// session that may only change it. With a second factor enrolled, the
    /// session may only present it ([`IdentityService::second_step`]) for
    /// [`SECOND_STEP_MINUTES`] minutes, and the count is cleared only then;
    /// a user who must have a factor and has none gets a session that may
    /// only enrol one.
    ///
    /// # Errors
    /// [`SignInError`].
    pub async fn sign_in(&self, attempt: SignIn) -> Result<SignedIn, SignInError> {
        if attempt.password.expose_secret().chars().count() > MAX_PASSWORD_LENGTH {
            return Err(SignInError::PasswordTooLong);
        }
        // Read, then hash with no transaction open, then write: a sign-in
        // never holds the store's write lock while the hasher works, so
        // sign-ins run on every core and other writes do not queue behind them.
        let account = {
            let mut uow = self.begin(Access::Read).await?;
            self.find_account(uow.as_mut(), &attempt).await?
        };
        let now = self.now();
        let (practice, user, read, hash) = match account {
            Account::Unknown { practice: None } => {
                self.burn_verification(&attempt.password).await?;
                return Err(SignInError::Failed);
            }
            Account::Unknown { practice: Some(practice) } => {
                self.burn_verification(&attempt.password).await?;
                let origin =
                    Origin { practice: practice.id, actor: Actor::Anonymous, request_id: attempt.request_id };
                return Err(self.refuse(&origin, None, json!({ "reason": "unknown_email" })).await?);
            }
            Account::Barred { practice, user } => {
                self.burn_verification(&attempt.password).await?;
                let origin =
                    Origin { practice: practice.id, actor: Actor::Anonymous, request_id: attempt.request_id };
                let reason = json!({ "reason": format!("account_{}", user.status) });
                return Err(self.refuse(&origin, Some(Target::User(user.id)), reason).await?);
            }
            Account::Open { practice, user, credential, hash } => (practice, user, credential, hash),
        };
        let origin =
            Origin { practice: practice.id, actor: Actor::Anonymous, request_id: attempt.request_id.clone() };
        let target = Some(Target::User(user.id));

        let refusal = if read.locked {
            Some("locked")
        } else if self.config.throttle.too_soon(&read, now) {
            Some("throttled")
        } else if read.one_time_expires_at.is_some_and(|t| now >= t) {
            Some("one_time_password_expired")
        } else {
            None
        };
        if let Some(reason) = refusal {
            // Refused without looking at the password, and not counted.
            self.burn_verification(&attempt.password).await?;
            return Err(self.refuse(&origin, target, json!({ "reason": reason })).await?);
        }
        let verified = self.ports.hasher.verify(&attempt.password, &hash).await?;

        // The outcome lands on the credential as it is now: failures that
        // arrived meanwhile are counted too, and a password reset, a lock
        // or a deactivation during the hash wins over this attempt.
        let (origin, user, hash, practice) = (&origin, &user, &hash, &practice);
        self.write(|| async move {
            let mut uow = self.begin(Access::Write).await?;
            let current = uow.credentials().get(practice.id, user.id).await?;
            let still_active =
                uow.users().get(practice.id, user.id).await?.is_some_and(|u| u.status == UserStatus::Active);
            let mut credential = match current {
                Some(c) if still_active && !c.locked && c.hash.as_ref() == Some(hash) => c,
                _ => {
                    drop(uow);
                    return Err(self
                        .refuse(origin, target, json!({ "reason": "changed_during_sign_in" }))
                        .await?);
                }
            };
            if !verified {
                credential.failed_attempts = credential.failed_attempts.saturating_add(1);
                credential.last_failure_at = Some(now);
                if credential.failed_attempts >= self.config.throttle.lock_after
                    && !self.is_last_super_admin(uow.as_mut(), user).await?
                {
                    credential.locked = true;
                }
                uow.credentials().save(&credential).await?;
                let details = json!({
                    "reason": "wrong_password",
                    "consecutive_failures": credential.failed_attempts,
                    "locked": credential.locked,
                });
                self.audit(uow.as_mut(), origin, AuditAction::SignInFailed, target, None, Some(details))
                    .await?;
                uow.commit().await?;
                return Err(SignInError::Failed);
            }

            let scope = self
                .scope_after_password(uow.as_mut(), practice, user, credential.must_change(), false)
                .await?;
            // With a second factor owed, the failures stay counted until the
            // factor is right: a known password does not buy more guesses.
            let (expires_at, action) = if scope == SessionScope::SecondFactor {
                (now + Duration::minutes(SECOND_STEP_MINUTES), AuditAction::PasswordAccepted)
            } else {
                credential.failed_attempts = 0;
                credential.last_failure_at = None;
                credential.last_sign_in_at = Some(now);
                uow.credentials().save(&credential).await?;
                (now + self.config.sessions.absolute, AuditAction::SignedIn)
            };
            let token = Token::generate(self.ports.random.as_ref());
            let session = Session {
                id: self.new_id::<SessionId>(),
                practice: practice.id,
                user: user.id,
                token_hash: token.hash(),
                created_at: now,
                last_seen_at: now,
                expires_at,
                scope,
                password_at: now,
                ended_at: None,
            };
            uow.sessions().insert(&session).await?;
            let origin = Origin { actor: Actor::User(user.id), ..origin.clone() };
            let details = json!({ "session": session.id, "scope": scope.as_str() });
            self.audit(uow.as_mut(), &origin, action, target, None, Some(details)).await?;
            uow.commit().await?;
            Ok(SignedIn { token, scope, session })
        })
        .await
    }

    /// Records a refused sign-in in the audit log and gives the one answer
    /// every refusal gets.
    async fn refuse(
        &self,
        origin: &Origin,
        target: Option<Target>,
        details: serde_json::Value,
    ) -> Result<SignInError, StoreError> {
        let details = &details;
        self.write(|| async move {
            let mut uow = self.begin(Access::Write).await?;
            let details = Some(details.clone());
            self.audit(uow.as_mut(), origin, AuditAction::SignInFailed, target, None, details).await?;
            uow.commit().await
        })
        .await?;
        Ok(SignInError::Failed)
    }

    async fn find_account(&self, uow: &mut dyn UnitOfWork, attempt: &SignIn) -> Result<Account, StoreError> {
        let Ok(slug) = PracticeSlug::parse(&attempt.practice) else {
            return Ok(Account::Unknown { practice: None });
        };
        let Some(practice) = uow.practices().find_by_slug(&slug).await? else {
            return Ok(Account::Unknown { practice: None });
        };
        let Ok(email) = EmailAddress::parse(&attempt.email) else {
            return Ok(Account::Unknown { practice: Some(practice) });
        };
        let Some(user) = uow.users().find_by_email(practice.id, &email).await? else {
            return Ok(Account::Unknown { practice: Some(practice) });
        };
        if user.status != UserStatus::Active {
            return Ok(Account::Barred { practice, user });
        }
        let credential = uow.credentials().get(practice.id, user.id).await?;
        Ok(match credential {
            Some(credential) => match credential.hash.clone() {
                Some(hash) => Account::Open { practice, user, credential, hash },
                None => Account::Barred { practice, user },
            },
            None => Account::Barred { practice, user },
        })
    }

    /// Verifies against a dummy hash so a failure without a real hash to
    /// check costs the same time as one with.
    pub(super) async fn burn_verification(&self, typed: &SecretString) -> Result<(), HashError> {
        let dummy = self.dummy_hash().await?;
        self.ports.hasher.verify(typed, &dummy).await.map(|_| ())
    }

    /// Turns a presented session token into a [`Caller`], with the grants
    /// of the user's role and profiles as they are now (so role changes
    /// take effect on the next request).
    ///
    /// Everything the check needs is read at once
    /// ([`crate::ports::Store::check_session`]: one statement on a
    /// database); the session's last use is written only when it is at least
    /// [`crate::Config::session_touch_interval`] old, by one conditional
    /// write that leaves an ended session ended.
    ///
    /// # Errors
    /// [`SessionError::Invalid`] for any token that does not belong to a
    /// live session of an active user.
    pub async fn authenticate(&self, token: &Token) -> Result<Caller, SessionError> {
        let now = self.now();
        let check = self.ports.store.check_session(&token.hash()).await?.ok_or(SessionError::Invalid)?;
        let session = check.session;
        // A session waiting for its second factor is no caller: only
        // `second_step` takes its token.
        if !session.is_live(now, &self.config.sessions)
            || check.user_status != UserStatus::Active
            || session.scope == SessionScope::SecondFactor
        {
            return Err(SessionError::Invalid);
        }
        if now - session.last_seen_at >= self.config.session_touch_interval {
            // Touched as it is now: a sign-out meanwhile stays signed out.
            let session = &session;
            self.write(|| async move {
                let mut uow = self.begin(Access::Write).await?;
                if !uow.sessions().touch(session.practice, session.id, now).await? {
                    return Err(SessionError::Invalid);
                }
                uow.commit().await?;
                Ok(())
            })
            .await?;
        }
        Ok(Caller {
            practice: session.practice,
            user: session.user,
            session: session.id,
            grants: check.grants,
            scope: session.scope,
            password_at: session.password_at,
            request_id: None,
        })
    }

    /// Ends the caller's own session.
    ///
    /// # Errors
    /// Storage failures only.
    pub async fn sign_out(&self, caller: &Caller) -> Result<(), StoreError> {
        self.write(|| async move {
            let mut uow = self.begin(Access::Write).await?;
            if let Some(mut session) = uow.sessions().get(caller.practice(), caller.session()).await?
                && session.ended_at.is_none()
            {
                session.ended_at = Some(self.now());
                uow.sessions().update(&session).await?;
                let target = Some(Target::User(caller.user()));
                self.audit(uow.as_mut(), &caller.origin(), AuditAction::SignedOut, target, None, None)
                    .await?;
            }
            uow.commit().await
        })
        .await
    }
}
