//! The use cases: one service over the ports.
//!
//! Every operation that changes something opens one unit of work, checks the
//! caller's practice and permissions, makes the change, appends its audit
//! entry and queues its emails in that same unit of work, and commits: all of
//! it happens, or none of it.

mod access;
mod budget;
mod cases;
mod credentials;
mod export;
mod factors;
mod lifecycle;
mod list;
mod logs;
mod outbox;
mod parties;
mod party_cases;
mod portal;
mod portal_admin;
mod practices;
mod roles;
mod sessions;
mod sites;
mod users;

pub use access::*;
pub use cases::*;
pub use credentials::*;
pub use export::*;
pub use factors::*;
pub use lifecycle::*;
pub use list::*;
pub use logs::*;
pub use outbox::*;
pub use parties::*;
pub use party_cases::*;
pub use portal::*;
pub use portal_admin::*;
pub use practices::*;
pub use roles::*;
pub use sessions::*;
pub use sites::*;
pub use users::*;

use crate::audit::{Actor, AuditAction, AuditEntry, RequestId, Target};
use crate::credential::ThrottlePolicy;
use crate::email::EmailAddress;
use crate::error::{AccessError, HashError, MayBeContended, StoreError};
use crate::ids::{AuditId, EmailId, LinkId, PracticeId, SessionId, UserId};
use crate::link::{Link, LinkPurpose, LinkSubject};
use crate::mail::{DeliveryStatus, Message, OutboxEmail};
use crate::password::{Password, PasswordContext, PasswordHash, PasswordPolicy};
use crate::permission::Permission;
use crate::person::{Language, TimeZone};
use crate::ports::{
    Access, AddressBudgets, Clock, IdGenerator, PasskeyRelyingParty, PasswordHasher, SecureRandom, Store,
    UnitOfWork,
};
use crate::practice::Practice;
use crate::role::Grants;
use crate::session::{SessionPolicy, SessionScope};
use crate::token::Token;
use crate::user::User;
use chrono::{DateTime, Duration, Utc};
use secrecy::SecretString;
use std::future::Future;
use std::sync::{Arc, OnceLock};

/// How many times a write unit of work runs, at most, while storage
/// refuses it as having raced another ([`StoreError::Contended`]); the
/// last refusal is the answer.
pub const WRITE_ATTEMPTS: u32 = 10;

crate::error::contended_through_store!(
    SignInError,
    SessionError,
    CreateCaseError,
    AssignCaseError,
    CloseCaseError,
    ReadCaseError,
    ListCasesError,
    ReassignCasesError,
    RoleError,
    CreateGrantError,
    ListRolesError,
    CreateSiteError,
    UpdateSiteError,
    ListSitesError,
    SavePartyError,
    UpdatePartyError,
    InvitePartyError,
    ReadPartyError,
    ListPartiesError,
    ReadLogError,
    RetryEmailError,
    RetryFailedEmailsError,
    CreateUserError,
    UpdateUserError,
    ChangeEmailError,
    SetAccessError,
    InvitationError,
    ReadUsersError,
    ListUsersError,
    ResetPasswordError,
    LinkError,
    ChangePasswordError,
    ExportUsersError,
    CreateSuperAdminError,
    CreatePracticeError,
    UpdateSettingsError,
    DeactivateError,
    ReactivateError,
    SignOutError,
);

impl MayBeContended for EditUserError {
    fn contended(&self) -> bool {
        match self {
            Self::Update(e) => e.contended(),
            Self::Deactivate(e) => e.contended(),
            Self::Reactivate(e) => e.contended(),
        }
    }
}

/// Lifetimes and limits the service applies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// Session idle and absolute expiry.
    pub sessions: SessionPolicy,
    /// Sign-in delays and lock.
    pub throttle: ThrottlePolicy,
    /// How long an invitation link works (default 7 days).
    pub invitation_ttl: Duration,
    /// How long a recovery link works (default 1 hour).
    pub recovery_ttl: Duration,
    /// How long an unused one-time password works (default 24 hours).
    pub one_time_password_ttl: Duration,
    /// A session's last use is written at most this often (default 1 minute).
    pub session_touch_interval: Duration,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            sessions: SessionPolicy::default(),
            throttle: ThrottlePolicy::default(),
            invitation_ttl: Duration::days(7),
            recovery_ttl: Duration::hours(1),
            one_time_password_ttl: Duration::hours(24),
            session_touch_interval: Duration::minutes(1),
        }
    }
}

/// The adapters the service runs on.
#[derive(Clone)]
pub struct Ports {
    /// Storage.
    pub store: Arc<dyn Store>,
    /// Password hashing.
    pub hasher: Arc<dyn PasswordHasher>,
    /// The clock.
    pub clock: Arc<dyn Clock>,
    /// Secure randomness (tokens, generated passwords).
    pub random: Arc<dyn SecureRandom>,
    /// Record ids.
    pub ids: Arc<dyn IdGenerator>,
    /// Per-client-address request counts.
    pub budgets: Arc<dyn AddressBudgets>,
    /// The WebAuthn relying party for passkeys ([`crate::NoPasskeys`] on a
    /// server that offers none).
    pub passkeys: Arc<dyn PasskeyRelyingParty>,
}

/// Every use case of practice identity.
///
/// Cheap to clone; share one per process.
#[derive(Clone)]
pub struct IdentityService {
    ports: Ports,
    config: Arc<Config>,
    dummy_hash: Arc<OnceLock<PasswordHash>>,
}

/// Who is calling: made only by [`IdentityService::authenticate`] from a
/// live session, so its practice always comes from the session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    practice: PracticeId,
    user: UserId,
    session: SessionId,
    grants: Grants,
    scope: SessionScope,
    password_at: DateTime<Utc>,
    request_id: Option<RequestId>,
}

impl Caller {
    /// The caller's practice.
    pub fn practice(&self) -> PracticeId {
        self.practice
    }

    /// The signed-in user.
    pub fn user(&self) -> UserId {
        self.user
    }

    /// The session in use.
    pub fn session(&self) -> SessionId {
        self.session
    }

    /// What the caller may do.
    pub fn grants(&self) -> Grants {
        self.grants
    }

    /// Whether the session may only change the password.
    pub fn password_change_only(&self) -> bool {
        self.scope == SessionScope::PasswordChange
    }

    /// What the session may do.
    pub fn scope(&self) -> SessionScope {
        self.scope
    }

    /// When the caller last typed their password in this session.
    pub fn password_at(&self) -> DateTime<Utc> {
        self.password_at
    }

    /// Tags everything this caller does with a request id (for the audit log).
    #[must_use]
    pub fn with_request_id(mut self, request_id: Option<RequestId>) -> Self {
        self.request_id = request_id;
        self
    }

    /// Whether the caller holds `permission` (and may act at all).
    pub fn may(&self, permission: Permission) -> bool {
        self.scope == SessionScope::Full && self.grants.allows(permission)
    }

    /// Checks that the caller holds `permission`.
    ///
    /// # Errors
    /// [`AccessError::PasswordChangeRequired`] for a session that may only
    /// change its password, else [`AccessError::Forbidden`].
    pub fn require(&self, permission: Permission) -> Result<(), AccessError> {
        self.require_full_session()?;
        if self.grants.allows(permission) { Ok(()) } else { Err(AccessError::Forbidden(permission)) }
    }

    /// Checks that the caller is `user`, or holds `permission`.
    ///
    /// # Errors
    /// As [`Caller::require`].
    pub fn require_self_or(&self, user: UserId, permission: Permission) -> Result<(), AccessError> {
        if user == self.user { self.require_full_session() } else { self.require(permission) }
    }

    /// Checks that the session is a full one, not a step of signing in.
    ///
    /// # Errors
    /// [`AccessError::PasswordChangeRequired`],
    /// [`AccessError::SecondFactorRequired`] or
    /// [`AccessError::EnrolmentRequired`], by the session's scope.
    pub fn require_full_session(&self) -> Result<(), AccessError> {
        match self.scope {
            SessionScope::Full => Ok(()),
            SessionScope::PasswordChange => Err(AccessError::PasswordChangeRequired),
            SessionScope::SecondFactor => Err(AccessError::SecondFactorRequired),
            SessionScope::Enrolment => Err(AccessError::EnrolmentRequired),
        }
    }

    fn origin(&self) -> Origin {
        Origin { practice: self.practice, actor: Actor::User(self.user), request_id: self.request_id.clone() }
    }
}

/// Where an audited change comes from.
#[derive(Debug, Clone)]
struct Origin {
    practice: PracticeId,
    actor: Actor,
    request_id: Option<RequestId>,
}

/// Who an email goes to: always read from storage, never from a request.
struct Recipient<'a> {
    email: &'a EmailAddress,
    name: &'a str,
    language: &'a Language,
    time_zone: TimeZone,
}

impl<'a> From<&'a User> for Recipient<'a> {
    fn from(user: &'a User) -> Self {
        Self {
            email: &user.email,
            name: user.name.as_str(),
            language: &user.language,
            time_zone: user.time_zone,
        }
    }
}

impl IdentityService {
    /// A service over `ports` with `config`.
    pub fn new(ports: Ports, config: Config) -> Self {
        Self { ports, config: Arc::new(config), dummy_hash: Arc::new(OnceLock::new()) }
    }

    /// The configuration in force.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The time now, by the service's clock (what a listed invitation's
    /// [`crate::Invitation::state`] is judged against).
    pub fn now(&self) -> DateTime<Utc> {
        self.ports.clock.now()
    }

    fn new_id<T: From<uuid::Uuid>>(&self) -> T {
        T::from(self.ports.ids.next_id())
    }

    async fn begin(&self, access: Access) -> Result<Box<dyn UnitOfWork>, StoreError> {
        self.ports.store.begin(access).await
    }

    /// Runs `attempt` — one write unit of work, from `begin` to `commit` —
    /// and runs it again from the start while storage refuses it as having
    /// raced another unit of work ([`StoreError::Contended`]), at most
    /// [`WRITE_ATTEMPTS`] times, waiting between attempts as the store
    /// says ([`Store::back_off`]). Each attempt reads afresh and decides
    /// afresh, so every rule is checked against what its commit saw; its
    /// ids, tokens and times are its own, and only the attempt that
    /// commits is answered. What must happen once (hashing a password,
    /// generating a one-time password the caller is shown) happens before.
    async fn write<T, E, F, Fut>(&self, mut attempt: F) -> Result<T, E>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, E>>,
        E: MayBeContended,
    {
        let mut attempts = 1;
        loop {
            match attempt().await {
                Err(e) if e.contended() && attempts < WRITE_ATTEMPTS => {
                    self.ports.store.back_off(attempts).await;
                    attempts += 1;
                }
                outcome => return outcome,
            }
        }
    }

    async fn audit(
        &self,
        uow: &mut dyn UnitOfWork,
        origin: &Origin,
        action: AuditAction,
        target: Option<Target>,
        before: Option<serde_json::Value>,
        after: Option<serde_json::Value>,
    ) -> Result<(), StoreError> {
        let entry = AuditEntry {
            id: self.new_id::<AuditId>(),
            practice: origin.practice,
            at: self.now(),
            actor: origin.actor,
            action,
            target,
            request_id: origin.request_id.clone(),
            before,
            after,
        };
        uow.audit().append(&entry).await
    }

    async fn send(
        &self,
        uow: &mut dyn UnitOfWork,
        practice: &Practice,
        to: Recipient<'_>,
        message: Message,
    ) -> Result<(), StoreError> {
        let now = self.now();
        let email = OutboxEmail {
            id: self.new_id::<EmailId>(),
            practice: practice.id,
            practice_name: practice.name.as_str().to_owned(),
            to: to.email.clone(),
            recipient_name: to.name.to_owned(),
            language: to.language.clone(),
            time_zone: to.time_zone,
            message,
            created_at: now,
            status: DeliveryStatus::Pending,
            attempts: 0,
            next_attempt_at: now,
            last_error: None,
            sent_at: None,
        };
        uow.outbox().enqueue(&email).await
    }

    /// Voids the subject's earlier links of `purpose` and issues a new one.
    async fn issue_link(
        &self,
        uow: &mut dyn UnitOfWork,
        practice: PracticeId,
        subject: LinkSubject,
        purpose: LinkPurpose,
        ttl: Duration,
    ) -> Result<(Token, DateTime<Utc>), StoreError> {
        uow.links().void_for(practice, subject, Some(purpose), self.now()).await?;
        self.issue_first_link(uow, practice, subject, purpose, ttl).await
    }

    /// [`Self::issue_link`] for a subject made in this unit of work, which
    /// can hold no earlier link: nothing is voided, so nothing is read. (On
    /// PostgreSQL, reading the links of a new subject locks the index page
    /// every concurrent new subject writes to, and two concurrent creates
    /// would then nearly always have to run again.)
    async fn issue_first_link(
        &self,
        uow: &mut dyn UnitOfWork,
        practice: PracticeId,
        subject: LinkSubject,
        purpose: LinkPurpose,
        ttl: Duration,
    ) -> Result<(Token, DateTime<Utc>), StoreError> {
        let now = self.now();
        let token = Token::generate(self.ports.random.as_ref());
        let expires_at = now + ttl;
        let link = Link {
            id: self.new_id::<LinkId>(),
            practice,
            purpose,
            subject,
            token_hash: token.hash(),
            created_at: now,
            expires_at,
            used_at: None,
            voided_at: None,
        };
        uow.links().insert(&link).await?;
        Ok((token, expires_at))
    }

    /// Checks a new password against the practice's policy.
    fn check_password(
        practice: &Practice,
        user_email: &EmailAddress,
        user_name: &crate::person::PersonName,
        candidate: SecretString,
    ) -> Result<Password, crate::password::PasswordRejection> {
        Password::new(
            candidate,
            PasswordPolicy::new(practice.settings.password_min_length),
            PasswordContext { practice_name: practice.name.as_str(), email: user_email, name: user_name },
        )
    }

    /// Generates a password that meets the practice's policy.
    fn generate_password(
        &self,
        practice: &Practice,
        user_email: &EmailAddress,
        user_name: &crate::person::PersonName,
    ) -> Password {
        Password::generate(
            self.ports.random.as_ref(),
            PasswordPolicy::new(practice.settings.password_min_length),
            PasswordContext { practice_name: practice.name.as_str(), email: user_email, name: user_name },
        )
    }

    /// A hash of a random password, verified against when there is no real
    /// hash to check, so that every sign-in failure costs one verification.
    async fn dummy_hash(&self) -> Result<PasswordHash, HashError> {
        if let Some(hash) = self.dummy_hash.get() {
            return Ok(hash.clone());
        }
        let password = Password::unchecked(Token::generate(self.ports.random.as_ref()).expose());
        let hash = self.ports.hasher.hash(&password).await?;
        Ok(self.dummy_hash.get_or_init(|| hash).clone())
    }

    /// Saves a changed user, audits the change with the state before and
    /// after, and commits; returns the user as the caller may see it.
    async fn commit_user_change(
        &self,
        mut uow: Box<dyn UnitOfWork>,
        caller: &Caller,
        action: AuditAction,
        before: serde_json::Value,
        mut user: User,
    ) -> Result<User, StoreError> {
        self.save_user(uow.as_mut(), &mut user).await?;
        let target = Some(Target::User(user.id));
        self.audit(uow.as_mut(), &caller.origin(), action, target, Some(before), Some(user.audit_view()))
            .await?;
        uow.commit().await?;
        Ok(self.visible(caller, user))
    }

    async fn practice_of(&self, uow: &mut dyn UnitOfWork, id: PracticeId) -> Result<Practice, StoreError> {
        uow.practices()
            .get(id)
            .await?
            .ok_or_else(|| StoreError::Internal(format!("practice {id} of a live session is missing")))
    }
}
