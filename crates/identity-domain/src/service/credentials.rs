//! Passwords: admin resets, forgot-password, recovery and invitation links,
//! and changing one's own password.

use super::{Caller, IdentityService, Origin, Recipient};
use crate::audit::{Actor, AuditAction, AuditQuery, RequestId, Target};
use crate::email::EmailAddress;
use crate::error::{AccessError, HashError, StoreError, TargetError};
use crate::ids::UserId;
use crate::link::{LinkPurpose, LinkSubject};
use crate::mail::{MailSecret, Message};
use crate::password::PasswordHash;
use crate::password::PasswordRejection;
use crate::permission::Permission;
use crate::portal::PortalAccountStatus;
use crate::ports::{Access, UnitOfWork};
use crate::practice::{Practice, PracticeSlug};
use crate::session::SessionScope;
use crate::token::Token;
use crate::user::{User, UserStatus};
use chrono::{DateTime, Utc};
use secrecy::SecretString;
use serde_json::json;

/// The three ways an administrator resets a password.
#[derive(Debug, Clone)]
pub enum ResetMode {
    /// (a) Generate a random one-time password and email it.
    GenerateAndEmail,
    /// (b) Email a recovery link.
    EmailRecoveryLink,
    /// (c) Set a temporary one-time password typed by the admin.
    SetTemporary(SecretString),
}

impl ResetMode {
    fn name(&self) -> &'static str {
        match self {
            Self::GenerateAndEmail => "generate_and_email",
            Self::EmailRecoveryLink => "email_recovery_link",
            Self::SetTemporary(_) => "set_temporary",
        }
    }
}

/// Why a password reset was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ResetPasswordError {
    /// The caller may not reset passwords.
    #[error(transparent)]
    Access(#[from] AccessError),
    /// The account acted on may not be acted on by the caller.
    #[error(transparent)]
    Target(#[from] TargetError),
    /// No such user in the caller's practice.
    #[error("no such user")]
    UserNotFound,
    /// Only active users have a password to reset (an invited user gets
    /// their invitation resent; an inactive one is reactivated first).
    #[error("the user is {status}; only active users' passwords can be reset")]
    NotActive {
        /// Their status.
        status: UserStatus,
    },
    /// The temporary password breaks the policy.
    #[error(transparent)]
    Password(#[from] PasswordRejection),
    /// The password could not be hashed.
    #[error(transparent)]
    Hash(#[from] HashError),
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A forgot-password request, as typed.
#[derive(Debug, Clone)]
pub struct ForgotPassword {
    /// The practice's slug.
    pub practice: String,
    /// The email, as typed (the link goes to the stored address).
    pub email: String,
    /// The request, for the audit log.
    pub request_id: Option<RequestId>,
}

/// Why a link could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LinkError {
    /// Unknown, used, voided, expired, or for another purpose: one answer.
    #[error("the link is not valid; ask for a new one")]
    InvalidLink,
    /// The new password breaks the policy.
    #[error(transparent)]
    Password(#[from] PasswordRejection),
    /// The password could not be hashed.
    #[error(transparent)]
    Hash(#[from] HashError),
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What a live link is for, to show on the page that uses it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkInfo {
    /// What it does.
    pub purpose: LinkPurpose,
    /// The practice's slug.
    pub practice_slug: PracticeSlug,
    /// The user's sign-in email.
    pub email: EmailAddress,
    /// The user's name.
    pub name: String,
    /// When it stops working.
    pub expires_at: DateTime<Utc>,
}

/// Where the holder of a live party link signs in once it is used: to fill
/// in the portal's sign-in page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartyLinkInfo {
    /// What it does (a portal invitation or a recovery link).
    pub purpose: LinkPurpose,
    /// The practice's slug.
    pub practice_slug: PracticeSlug,
    /// The portal account's sign-in email.
    pub email: EmailAddress,
}

/// At most this many recovery emails an hour per account from "forgot
/// password"; further requests are answered the same way and send nothing.
pub const RECOVERY_EMAILS_PER_HOUR: u32 = 3;

/// Why the caller's password was not changed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChangePasswordError {
    /// The current password is wrong. It counted as a failed sign-in.
    #[error("the current password is not correct")]
    WrongPassword,
    /// Too many wrong passwords (sign-ins or current passwords): try again
    /// after `retry_after` seconds, or, when it is `None`, password sign-in
    /// is locked until an administrator resets the password.
    #[error("too many wrong passwords; try again later")]
    TooManyAttempts {
        /// Seconds to wait; `None` when locked.
        retry_after: Option<u64>,
    },
    /// The new password breaks the policy (or equals the current one).
    #[error(transparent)]
    Password(#[from] PasswordRejection),
    /// The password could not be hashed.
    #[error(transparent)]
    Hash(#[from] HashError),
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Why a current password typed on a self-service path was not accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum CurrentPasswordRefusal {
    /// Wrong; counted as a failed sign-in.
    Wrong,
    /// Throttled (seconds to wait) or locked (`None`); not checked.
    TooManyAttempts { retry_after: Option<u64> },
}

impl From<CurrentPasswordRefusal> for ChangePasswordError {
    fn from(e: CurrentPasswordRefusal) -> Self {
        match e {
            CurrentPasswordRefusal::Wrong => Self::WrongPassword,
            CurrentPasswordRefusal::TooManyAttempts { retry_after } => Self::TooManyAttempts { retry_after },
        }
    }
}

impl IdentityService {
    /// Resets a user's password in one of three modes. Every mode ends all
    /// the user's sessions, voids earlier links and clears a sign-in lock.
    /// Never one's own password (that is `change_own_password`, with the
    /// current one), and only a user the caller may act on (see
    /// [`TargetError::TargetOutranksCaller`]).
    /// Returns the user (the reset changes the credential, not the user).
    ///
    /// # Errors
    /// [`ResetPasswordError`].
    pub async fn reset_password(
        &self,
        caller: &Caller,
        id: UserId,
        mode: ResetMode,
    ) -> Result<User, ResetPasswordError> {
        caller.require(Permission::UsersResetPassword)?;
        let (practice, user) = self.read_user(caller, id).await?;
        if user.status != UserStatus::Active {
            return Err(ResetPasswordError::NotActive { status: user.status });
        }
        let one_time = match &mode {
            ResetMode::GenerateAndEmail => Some(self.generate_password(&practice, &user.email, &user.name)),
            ResetMode::SetTemporary(typed) => {
                Some(Self::check_password(&practice, &user.email, &user.name, typed.clone())?)
            }
            ResetMode::EmailRecoveryLink => None,
        };
        let hash = match &one_time {
            Some(p) => Some(self.ports.hasher.hash(p).await?),
            None => None,
        };

        let (mode, one_time, hash, practice) = (&mode, &one_time, &hash, &practice);
        self.write(|| async move {
            let now = self.now();
            let mut uow = self.begin(Access::Write).await?;
            let user =
                uow.users().get(caller.practice(), id).await?.ok_or(ResetPasswordError::UserNotFound)?;
            self.check_may_act_on::<ResetPasswordError>(uow.as_mut(), caller, &user).await?;
            if user.status != UserStatus::Active {
                return Err(ResetPasswordError::NotActive { status: user.status });
            }
            let mut credential = uow
                .credentials()
                .get(caller.practice(), id)
                .await?
                .unwrap_or_else(|| crate::credential::Credential::empty(caller.practice(), id));
            uow.sessions().end_all_for_user(caller.practice(), id, None, now).await?;
            uow.links().void_for(caller.practice(), LinkSubject::User(id), None, now).await?;
            let expires_at = now + self.config.one_time_password_ttl;
            match hash {
                Some(hash) => credential.set_password(hash.clone(), now, Some(expires_at)),
                None => {
                    credential.failed_attempts = 0;
                    credential.last_failure_at = None;
                    credential.locked = false;
                }
            }
            uow.credentials().save(&credential).await?;
            match (mode, one_time) {
                (ResetMode::GenerateAndEmail, Some(password)) => {
                    let message = Message::GeneratedPassword {
                        practice_slug: practice.slug.as_str().to_owned(),
                        password: MailSecret::new(password.expose()),
                        expires_at,
                    };
                    self.send(uow.as_mut(), practice, Recipient::from(&user), message).await?;
                }
                (ResetMode::EmailRecoveryLink, _) => {
                    let (token, expires_at) = self
                        .issue_link(
                            uow.as_mut(),
                            practice.id,
                            LinkSubject::User(id),
                            LinkPurpose::Recovery,
                            self.config.recovery_ttl,
                        )
                        .await?;
                    let message = Message::Recovery { token: MailSecret::new(token.expose()), expires_at };
                    self.send(uow.as_mut(), practice, Recipient::from(&user), message).await?;
                }
                _ => {}
            }
            self.audit(
                uow.as_mut(),
                &caller.origin(),
                AuditAction::PasswordReset,
                Some(Target::User(id)),
                None,
                Some(json!({ "mode": mode.name() })),
            )
            .await?;
            uow.commit().await?;
            Ok(user)
        })
        .await
    }

    /// "Forgot password": emails a recovery link to the stored address of
    /// an active, unlocked user, at most [`RECOVERY_EMAILS_PER_HOUR`] an
    /// hour per account. Answers the same whether or not the email exists
    /// and whether or not an email was sent; never counts as a failed
    /// sign-in.
    ///
    /// # Errors
    /// Storage failures only.
    pub async fn forgot_password(&self, request: ForgotPassword) -> Result<(), StoreError> {
        let (Ok(slug), Ok(email)) =
            (PracticeSlug::parse(&request.practice), EmailAddress::parse(&request.email))
        else {
            return Ok(());
        };
        let (slug, email, request_id) = (&slug, &email, &request.request_id);
        self.write(|| async move {
            let mut uow = self.begin(Access::Write).await?;
            let Some(practice) = uow.practices().find_by_slug(slug).await? else {
                return Ok(());
            };
            let Some(user) = uow.users().find_by_email(practice.id, email).await? else {
                return Ok(());
            };
            let locked = uow.credentials().get(practice.id, user.id).await?.is_some_and(|c| c.locked);
            if user.status != UserStatus::Active || locked {
                return Ok(());
            }
            if self.recent_recovery_requests(uow.as_mut(), practice.id, user.id).await?
                >= RECOVERY_EMAILS_PER_HOUR as usize
            {
                return Ok(());
            }
            let (token, expires_at) = self
                .issue_link(
                    uow.as_mut(),
                    practice.id,
                    LinkSubject::User(user.id),
                    LinkPurpose::Recovery,
                    self.config.recovery_ttl,
                )
                .await?;
            let message = Message::Recovery { token: MailSecret::new(token.expose()), expires_at };
            self.send(uow.as_mut(), &practice, Recipient::from(&user), message).await?;
            let origin =
                Origin { practice: practice.id, actor: Actor::Anonymous, request_id: request_id.clone() };
            self.audit(
                uow.as_mut(),
                &origin,
                AuditAction::RecoveryRequested,
                Some(Target::User(user.id)),
                None,
                None,
            )
            .await?;
            uow.commit().await
        })
        .await
    }

    /// What a live link is for, or `None` for any link that cannot be used.
    ///
    /// # Errors
    /// Storage failures only.
    pub async fn inspect_link(&self, token: &Token) -> Result<Option<LinkInfo>, StoreError> {
        let mut uow = self.begin(Access::Read).await?;
        let Some(link) = uow.links().find_by_hash(&token.hash()).await? else {
            return Ok(None);
        };
        if !link.is_live(self.now()) {
            return Ok(None);
        }
        let LinkSubject::User(user_id) = link.subject else {
            return Ok(None);
        };
        let practice = self.practice_of(uow.as_mut(), link.practice).await?;
        let Some(user) = uow.users().get(link.practice, user_id).await? else {
            return Ok(None);
        };
        Ok(Some(LinkInfo {
            purpose: link.purpose,
            practice_slug: practice.slug,
            email: user.email,
            name: user.name.as_str().to_owned(),
            expires_at: link.expires_at,
        }))
    }

    /// Where the holder of a live party link signs in (practice and email),
    /// or `None` for any link that cannot be used (unknown, used, voided,
    /// expired, for an account no longer waiting for it) or is a staff one.
    ///
    /// # Errors
    /// Storage failures only.
    pub async fn inspect_party_link(&self, token: &Token) -> Result<Option<PartyLinkInfo>, StoreError> {
        let mut uow = self.begin(Access::Read).await?;
        let Some(link) = uow.links().find_by_hash(&token.hash()).await? else {
            return Ok(None);
        };
        let LinkSubject::Party(party) = link.subject else {
            return Ok(None);
        };
        if !link.is_live(self.now()) {
            return Ok(None);
        }
        let practice = self.practice_of(uow.as_mut(), link.practice).await?;
        let Some(account) = uow.portal().get_account(link.practice, party).await? else {
            return Ok(None);
        };
        // What redeeming it would find.
        if PortalAccountStatus::waiting_for(link.purpose) != Some(account.status) {
            return Ok(None);
        }
        Ok(Some(PartyLinkInfo { purpose: link.purpose, practice_slug: practice.slug, email: account.email }))
    }

    /// Sets a new password through a recovery link (from "forgot password"
    /// or an admin reset). Ends every session of the user.
    ///
    /// # Errors
    /// [`LinkError`]; a link works once, even under concurrent use.
    pub async fn recover_password(
        &self,
        token: &Token,
        new_password: SecretString,
        request_id: Option<RequestId>,
    ) -> Result<(), LinkError> {
        self.redeem(token, LinkPurpose::Recovery, new_password, request_id).await
    }

    /// Accepts an invitation: sets the first password and makes the user
    /// active.
    ///
    /// # Errors
    /// [`LinkError`]; a link works once, even under concurrent use.
    pub async fn accept_invitation(
        &self,
        token: &Token,
        new_password: SecretString,
        request_id: Option<RequestId>,
    ) -> Result<(), LinkError> {
        self.redeem(token, LinkPurpose::Invitation, new_password, request_id).await
    }

    async fn redeem(
        &self,
        token: &Token,
        purpose: LinkPurpose,
        new_password: SecretString,
        request_id: Option<RequestId>,
    ) -> Result<(), LinkError> {
        let now = self.now();
        let hash = token.hash();
        // Check the password before using the link, so a refused password
        // does not burn it.
        let (practice, user) = {
            let mut uow = self.begin(Access::Read).await?;
            let link = uow.links().find_by_hash(&hash).await?.ok_or(LinkError::InvalidLink)?;
            let LinkSubject::User(user_id) = link.subject else {
                return Err(LinkError::InvalidLink);
            };
            if link.purpose != purpose || !link.is_live(now) {
                return Err(LinkError::InvalidLink);
            }
            let practice = self.practice_of(uow.as_mut(), link.practice).await?;
            let user = uow.users().get(link.practice, user_id).await?.ok_or(LinkError::InvalidLink)?;
            (practice, user)
        };
        let expected_status = match purpose {
            LinkPurpose::Invitation => UserStatus::Invited,
            LinkPurpose::Recovery | LinkPurpose::PartyInvitation => UserStatus::Active,
        };
        if user.status != expected_status {
            return Err(LinkError::InvalidLink);
        }
        let password = Self::check_password(&practice, &user.email, &user.name, new_password)?;
        let password_hash = self.ports.hasher.hash(&password).await?;

        let (hash, practice, user, password_hash, request_id) =
            (&hash, &practice, &user, &password_hash, &request_id);
        self.write(|| async move {
            let mut uow = self.begin(Access::Write).await?;
            let link = uow.links().find_by_hash(hash).await?.ok_or(LinkError::InvalidLink)?;
            if link.purpose != purpose || !link.is_live(now) || !uow.links().consume(link.id, now).await? {
                return Err(LinkError::InvalidLink);
            }
            let mut user = uow.users().get(practice.id, user.id).await?.ok_or(LinkError::InvalidLink)?;
            if user.status != expected_status {
                return Err(LinkError::InvalidLink);
            }
            let mut credential = uow
                .credentials()
                .get(practice.id, user.id)
                .await?
                .unwrap_or_else(|| crate::credential::Credential::empty(practice.id, user.id));
            credential.set_password(password_hash.clone(), now, None);
            uow.credentials().save(&credential).await?;
            uow.sessions().end_all_for_user(practice.id, user.id, None, now).await?;
            uow.links().void_for(practice.id, LinkSubject::User(user.id), None, now).await?;
            let before = user.audit_view();
            let action = if purpose == LinkPurpose::Invitation {
                user.status = UserStatus::Active;
                self.save_user(uow.as_mut(), &mut user).await?;
                AuditAction::InvitationAccepted
            } else {
                AuditAction::PasswordRecovered
            };
            let origin =
                Origin { practice: practice.id, actor: Actor::User(user.id), request_id: request_id.clone() };
            self.audit(
                uow.as_mut(),
                &origin,
                action,
                Some(Target::User(user.id)),
                Some(before),
                Some(user.audit_view()),
            )
            .await?;
            uow.commit().await?;
            Ok(())
        })
        .await
    }

    /// Changes the caller's own password, checking the current one (a wrong
    /// one counts as a failed sign-in, with the same throttle and lock, and
    /// is audited). The only thing a password-change-only session may do.
    /// Ends every other session of the user and voids every pending link;
    /// the caller's session becomes a full one.
    ///
    /// # Errors
    /// [`ChangePasswordError`].
    pub async fn change_own_password(
        &self,
        caller: &Caller,
        current: SecretString,
        new_password: SecretString,
    ) -> Result<(), ChangePasswordError> {
        let current_hash = self.confirm_current_password::<ChangePasswordError>(caller, &current).await?;
        let (practice, user) = {
            let mut uow = self.begin(Access::Read).await?;
            let practice = self.practice_of(uow.as_mut(), caller.practice()).await?;
            let user = uow
                .users()
                .get(caller.practice(), caller.user())
                .await?
                .ok_or(ChangePasswordError::WrongPassword)?;
            (practice, user)
        };
        let password = Self::check_password(&practice, &user.email, &user.name, new_password)?;
        if self.ports.hasher.verify(&SecretString::from(password.expose().to_owned()), &current_hash).await? {
            return Err(PasswordRejection::SameAsCurrent.into());
        }
        let hash = self.ports.hasher.hash(&password).await?;

        let (hash, current_hash, practice, user) = (&hash, &current_hash, &practice, &user);
        self.write(|| async move {
            let now = self.now();
            let mut uow = self.begin(Access::Write).await?;
            let mut credential = uow
                .credentials()
                .get(caller.practice(), caller.user())
                .await?
                .ok_or(ChangePasswordError::WrongPassword)?;
            if credential.hash.as_ref() != Some(current_hash) {
                // Changed by someone else meanwhile (an admin reset).
                return Err(ChangePasswordError::WrongPassword);
            }
            credential.set_password(hash.clone(), now, None);
            uow.credentials().save(&credential).await?;
            uow.sessions()
                .end_all_for_user(caller.practice(), caller.user(), Some(caller.session()), now)
                .await?;
            uow.links().void_for(caller.practice(), LinkSubject::User(caller.user()), None, now).await?;
            if let Some(mut session) = uow.sessions().get(caller.practice(), caller.session()).await?
                && session.scope == SessionScope::PasswordChange
            {
                // A factor, if the user has one, was presented before the
                // password change; one still owed comes next.
                let has_factor = uow.factors().has_confirmed(caller.practice(), caller.user().into()).await?;
                session.scope =
                    self.scope_after_password(uow.as_mut(), practice, user, false, has_factor).await?;
                session.password_at = now;
                uow.sessions().update(&session).await?;
            }
            self.audit(
                uow.as_mut(),
                &caller.origin(),
                AuditAction::PasswordChanged,
                Some(Target::User(caller.user())),
                None,
                None,
            )
            .await?;
            uow.commit().await?;
            Ok(())
        })
        .await
    }

    /// Checks that `typed` is the caller's current password, as a sign-in
    /// would: refused unchecked while throttled or locked; a wrong one is
    /// counted on the credential (the same count, delays and lock as
    /// sign-in) and audited as a failed sign-in. Returns the hash it
    /// matched. The hasher runs with no unit of work open.
    pub(super) async fn confirm_current_password<E>(
        &self,
        caller: &Caller,
        typed: &SecretString,
    ) -> Result<PasswordHash, E>
    where
        E: From<CurrentPasswordRefusal> + From<HashError> + From<StoreError>,
    {
        let now = self.now();
        let read = {
            let mut uow = self.begin(Access::Read).await?;
            uow.credentials().get(caller.practice(), caller.user()).await?
        };
        let Some((read, hash)) = read.and_then(|c| c.hash.clone().map(|h| (c, h))) else {
            return Err(CurrentPasswordRefusal::Wrong.into());
        };
        if read.locked {
            return Err(CurrentPasswordRefusal::TooManyAttempts { retry_after: None }.into());
        }
        if self.config.throttle.too_soon(&read, now) {
            let until =
                read.last_failure_at.unwrap_or(now) + self.config.throttle.delay_after(read.failed_attempts);
            let seconds = u64::try_from((until - now).num_seconds()).unwrap_or(0).max(1);
            return Err(CurrentPasswordRefusal::TooManyAttempts { retry_after: Some(seconds) }.into());
        }
        if self.ports.hasher.verify(typed, &hash).await? {
            return Ok(hash);
        }
        let hash = &hash;
        self.write(|| async move {
            let mut uow = self.begin(Access::Write).await?;
            self.count_wrong_current_password(uow.as_mut(), caller, hash).await?;
            uow.commit().await
        })
        .await?;
        Err(CurrentPasswordRefusal::Wrong.into())
    }

    /// Counts a wrong current password on the caller's credential (unless
    /// the password changed meanwhile) and audits it as a failed sign-in.
    async fn count_wrong_current_password(
        &self,
        uow: &mut dyn UnitOfWork,
        caller: &Caller,
        checked: &PasswordHash,
    ) -> Result<(), StoreError> {
        let now = self.now();
        let Some(mut credential) = uow.credentials().get(caller.practice(), caller.user()).await? else {
            return Ok(());
        };
        if credential.hash.as_ref() == Some(checked) {
            credential.failed_attempts = credential.failed_attempts.saturating_add(1);
            credential.last_failure_at = Some(now);
            if credential.failed_attempts >= self.config.throttle.lock_after
                && let Some(user) = uow.users().get(caller.practice(), caller.user()).await?
                && !self.is_last_super_admin(uow, &user).await?
            {
                credential.locked = true;
            }
            uow.credentials().save(&credential).await?;
        }
        let details = json!({
            "reason": "wrong_current_password",
            "consecutive_failures": credential.failed_attempts,
            "locked": credential.locked,
        });
        let target = Some(Target::User(caller.user()));
        self.audit(uow, &caller.origin(), AuditAction::SignInFailed, target, None, Some(details)).await
    }

    /// How many recovery emails "forgot password" sent `user` in the last
    /// hour (counted from the audit log, up to the limit).
    async fn recent_recovery_requests(
        &self,
        uow: &mut dyn UnitOfWork,
        practice: crate::ids::PracticeId,
        user: UserId,
    ) -> Result<usize, StoreError> {
        let query = AuditQuery {
            action: Some(AuditAction::RecoveryRequested),
            target: Some(Target::User(user)),
            since: Some(self.now() - chrono::Duration::hours(1)),
            limit: RECOVERY_EMAILS_PER_HOUR,
            ..AuditQuery::default()
        };
        Ok(uow.audit().list(practice, &query).await?.items.len())
    }

    /// The practice and the user to reset, once the caller may act on them.
    async fn read_user(&self, caller: &Caller, id: UserId) -> Result<(Practice, User), ResetPasswordError> {
        let mut uow = self.begin(Access::Read).await?;
        let practice = self.practice_of(uow.as_mut(), caller.practice()).await?;
        let user = uow.users().get(caller.practice(), id).await?.ok_or(ResetPasswordError::UserNotFound)?;
        self.check_may_act_on::<ResetPasswordError>(uow.as_mut(), caller, &user).await?;
        Ok((practice, user))
    }
}
