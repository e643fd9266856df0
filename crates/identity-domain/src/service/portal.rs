//! The party portal's own use cases: accepting an invitation, signing in
//! and out, turning a portal session token into a [`PortalCaller`], and
//! what a signed-in party may do — read their record and their cases,
//! change their contact details, language, time zone and password.
//!
//! A [`PortalCaller`] is a different type from the staff [`super::Caller`]:
//! no staff use case takes one, so a portal session cannot reach one.

use super::credentials::CurrentPasswordRefusal;
use super::factors::Holding;
use super::{
    ForgotPassword, IdentityService, LinkError, Origin, RECOVERY_EMAILS_PER_HOUR, Recipient, SessionError,
    SignIn, SignInError,
};
use crate::audit::{Actor, AuditAction, AuditQuery, RequestId, Target};
use crate::case::CaseStatus;
use crate::email::EmailAddress;
use crate::error::{HashError, StoreError};
use crate::factor::FactorHolder;
use crate::ids::{CaseId, PartyId, PracticeId, SessionId, SiteId};
use crate::link::{LinkPurpose, LinkSubject};
use crate::mail::{MailSecret, Message};
use crate::party::{Party, PartyDetails};
use crate::password::{MAX_PASSWORD_LENGTH, PasswordHash, PasswordRejection};
use crate::person::{Label, Language, Note, Phone, TimeZone};
use crate::portal::{CasePart, PortalAccount, PortalAccountStatus, PortalSession};
use crate::ports::{Access, UnitOfWork};
use crate::practice::{Practice, PracticeSlug};
use crate::session::{SECOND_STEP_MINUTES, SessionScope};
use crate::site::Site;
use crate::token::Token;
use chrono::{DateTime, Duration, Utc};
use secrecy::{ExposeSecret, SecretString};
use serde_json::json;

/// A signed-in party: made only by [`IdentityService::authenticate_portal`]
/// from a live portal session, so its practice and party always come from
/// the session. It carries no permission: a party may act only on their own
/// record, through the portal use cases.
///
/// Staff use cases take a staff [`super::Caller`], so handing them a portal
/// caller does not compile:
///
/// ```compile_fail
/// # async fn f(service: identity_domain::IdentityService, party: identity_domain::PortalCaller) {
/// let _ = service.list_sites(&party).await;
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortalCaller {
    practice: PracticeId,
    party: PartyId,
    session: SessionId,
    password_at: DateTime<Utc>,
    request_id: Option<RequestId>,
}

impl PortalCaller {
    /// The party's practice.
    pub fn practice(&self) -> PracticeId {
        self.practice
    }

    /// The signed-in party.
    pub fn party(&self) -> PartyId {
        self.party
    }

    /// The session in use.
    pub fn session(&self) -> SessionId {
        self.session
    }

    /// When the party last typed their password in this session.
    pub fn password_at(&self) -> DateTime<Utc> {
        self.password_at
    }

    /// Tags everything this caller does with a request id (for the audit log).
    #[must_use]
    pub fn with_request_id(mut self, request_id: Option<RequestId>) -> Self {
        self.request_id = request_id;
        self
    }

    /// Portal changes are audited against the party: the actor column
    /// names staff users only, so the party shows as the target.
    fn origin(&self) -> Origin {
        Origin { practice: self.practice, actor: Actor::Anonymous, request_id: self.request_id.clone() }
    }
}

impl From<&PortalCaller> for Holding {
    fn from(caller: &PortalCaller) -> Self {
        Self {
            practice: caller.practice,
            holder: FactorHolder::Party(caller.party),
            session: caller.session,
            scope: SessionScope::Full,
            password_at: caller.password_at,
            origin: caller.origin(),
        }
    }
}

/// A successful portal sign-in, or second step: with a second factor
/// enrolled, the password gives a session that may only present it
/// ([`SessionScope::SecondFactor`], see
/// [`IdentityService::portal_second_step`]).
#[derive(Debug, Clone)]
pub struct PortalSignedIn {
    /// The session token, handed to the client once; only its hash is kept.
    pub token: Token,
    /// The session.
    pub session: PortalSession,
}

/// What a signed-in party sees of themself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortalProfile {
    /// Their party record.
    pub party: Party,
    /// Their sign-in email.
    pub email: EmailAddress,
    /// Their time zone.
    pub time_zone: TimeZone,
    /// The practice's slug (for the sign-in page).
    pub practice_slug: PracticeSlug,
    /// The practice's name.
    pub practice_name: Label,
}

/// What a party may change of their own record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortalContactChange {
    /// Phone.
    pub phone: Option<Phone>,
    /// Postal address.
    pub address: Option<Note>,
    /// Preferred language.
    pub language: Language,
    /// Time zone for emails and pages.
    pub time_zone: TimeZone,
}

/// A case as a party sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortalCase {
    /// The case.
    pub id: CaseId,
    /// Its title.
    pub title: Label,
    /// Open or closed.
    pub status: CaseStatus,
    /// The party's part in it.
    pub part: CasePart,
    /// The site the party is recorded at.
    pub site: SiteId,
    /// That site's name.
    pub site_name: Label,
}

/// Why a signed-in party's request was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PortalError {
    /// The session's account is gone or no longer active: sign in again.
    #[error("the session is not valid; sign in again")]
    SessionInvalid,
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Why a party's password was not changed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PortalPasswordError {
    /// The session's account is gone or no longer active.
    #[error("the session is not valid; sign in again")]
    SessionInvalid,
    /// The current password is wrong. It counted as a failed sign-in.
    #[error("the current password is not correct")]
    WrongPassword,
    /// Too many wrong passwords: try again after `retry_after` seconds,
    /// or, when `None`, the account is locked until a recovery link is used.
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

impl From<CurrentPasswordRefusal> for PortalPasswordError {
    fn from(e: CurrentPasswordRefusal) -> Self {
        match e {
            CurrentPasswordRefusal::Wrong => Self::WrongPassword,
            CurrentPasswordRefusal::TooManyAttempts { retry_after } => Self::TooManyAttempts { retry_after },
        }
    }
}

/// What a party's emailed link is used for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PartyLinkUse {
    /// Accepting the invitation: the account, still invited, becomes active.
    Join,
    /// Recovering the password of an active account.
    Recover,
}

impl IdentityService {
    /// Accepts a party's invitation: checks the password against the
    /// practice's policy (with the party's email and name), uses the link
    /// once (even under concurrent submissions), sets the password and makes
    /// the portal account active. The party then signs in.
    ///
    /// # Errors
    /// [`LinkError`]: one answer for any link that cannot be used (unknown,
    /// used, voided, expired, another purpose, an account no longer invited).
    pub async fn accept_party_invitation(
        &self,
        token: &Token,
        new_password: SecretString,
        request_id: Option<RequestId>,
    ) -> Result<(), LinkError> {
        self.redeem_party_link(token, new_password, request_id, PartyLinkUse::Join).await
    }

    /// Signs a party in to the portal by practice slug, email and password,
    /// under the staff rules: every failure gives [`SignInError::Failed`]
    /// after one password verification (unknown practice or email, wrong
    /// password, invited, inactive, locked or throttled account alike);
    /// failures are counted per account with the same delays, and lock it
    /// at the same count. A success clears the count and gives a new portal
    /// session.
    ///
    /// # Errors
    /// [`SignInError`].
    pub async fn portal_sign_in(&self, attempt: SignIn) -> Result<PortalSignedIn, SignInError> {
        if attempt.password.expose_secret().chars().count() > MAX_PASSWORD_LENGTH {
            return Err(SignInError::PasswordTooLong);
        }
        let found = {
            let mut uow = self.begin(Access::Read).await?;
            self.find_portal_account(uow.as_mut(), &attempt).await?
        };
        let now = self.now();
        let (practice, account) = match found {
            (None, _) => {
                self.burn_verification(&attempt.password).await?;
                return Err(SignInError::Failed);
            }
            (Some(practice), None) => {
                self.burn_verification(&attempt.password).await?;
                let origin =
                    Origin { practice: practice.id, actor: Actor::Anonymous, request_id: attempt.request_id };
                return Err(self.refuse_portal(&origin, None, "unknown_email").await?);
            }
            (Some(practice), Some(account)) => (practice, account),
        };
        let origin =
            Origin { practice: practice.id, actor: Actor::Anonymous, request_id: attempt.request_id.clone() };
        let target = Some(Target::Party(account.party));
        let refusal = match (&account.hash, account.status) {
            (_, PortalAccountStatus::Invited) => Some("account_invited"),
            (_, PortalAccountStatus::Inactive) => Some("account_inactive"),
            (None, _) => Some("no_password"),
            _ if account.locked => Some("locked"),
            _ if self.config.throttle.too_soon_after(
                account.failed_attempts,
                account.last_failure_at,
                now,
            ) =>
            {
                Some("throttled")
            }
            _ => None,
        };
        let hash = match (refusal, account.hash.clone()) {
            (None, Some(hash)) => hash,
            (reason, _) => {
                self.burn_verification(&attempt.password).await?;
                return Err(self.refuse_portal(&origin, target, reason.unwrap_or("no_password")).await?);
            }
        };
        let verified = self.ports.hasher.verify(&attempt.password, &hash).await?;

        let mut uow = self.begin(Access::Write).await?;
        let mut account = match uow.portal().get_account(practice.id, account.party).await? {
            Some(a)
                if a.status == PortalAccountStatus::Active && !a.locked && a.hash.as_ref() == Some(&hash) =>
            {
                a
            }
            _ => {
                drop(uow);
                return Err(self.refuse_portal(&origin, target, "changed_during_sign_in").await?);
            }
        };
        if !verified {
            account.count_failure(now, self.config.throttle.lock_after);
            uow.portal().update_account(&account).await?;
            let details = json!({
                "reason": "wrong_password",
                "consecutive_failures": account.failed_attempts,
                "locked": account.locked,
            });
            self.audit(uow.as_mut(), &origin, AuditAction::PortalSignInFailed, target, None, Some(details))
                .await?;
            uow.commit().await?;
            return Err(SignInError::Failed);
        }
        // With a second factor owed, the failures stay counted until the
        // factor is right: a known password does not buy more guesses.
        let owes_factor = uow.factors().has_confirmed(practice.id, account.party.into()).await?;
        let (scope, expires_at, action) = if owes_factor {
            let expires_at = now + Duration::minutes(SECOND_STEP_MINUTES);
            (SessionScope::SecondFactor, expires_at, AuditAction::PortalPasswordAccepted)
        } else {
            account.failed_attempts = 0;
            account.last_failure_at = None;
            account.last_sign_in_at = Some(now);
            uow.portal().update_account(&account).await?;
            (SessionScope::Full, now + self.config.sessions.absolute, AuditAction::PortalSignedIn)
        };
        let token = Token::generate(self.ports.random.as_ref());
        let session = PortalSession {
            id: self.new_id::<SessionId>(),
            practice: practice.id,
            party: account.party,
            token_hash: token.hash(),
            created_at: now,
            last_seen_at: now,
            expires_at,
            scope,
            password_at: now,
            ended_at: None,
        };
        uow.portal().insert_session(&session).await?;
        let details = json!({ "session": session.id, "scope": scope.as_str() });
        self.audit(uow.as_mut(), &origin, action, target, None, Some(details)).await?;
        uow.commit().await?;
        Ok(PortalSignedIn { token, session })
    }

    async fn find_portal_account(
        &self,
        uow: &mut dyn UnitOfWork,
        attempt: &SignIn,
    ) -> Result<(Option<Practice>, Option<PortalAccount>), StoreError> {
        let Ok(slug) = PracticeSlug::parse(&attempt.practice) else {
            return Ok((None, None));
        };
        let Some(practice) = uow.practices().find_by_slug(&slug).await? else {
            return Ok((None, None));
        };
        let Ok(email) = EmailAddress::parse(&attempt.email) else {
            return Ok((Some(practice), None));
        };
        let account = uow.portal().find_account_by_email(practice.id, &email).await?;
        Ok((Some(practice), account))
    }

    async fn refuse_portal(
        &self,
        origin: &Origin,
        target: Option<Target>,
        reason: &str,
    ) -> Result<SignInError, StoreError> {
        let mut uow = self.begin(Access::Write).await?;
        let details = Some(json!({ "reason": reason }));
        self.audit(uow.as_mut(), origin, AuditAction::PortalSignInFailed, target, None, details).await?;
        uow.commit().await?;
        Ok(SignInError::Failed)
    }

    /// Turns a presented portal session token into a [`PortalCaller`]. A
    /// staff session token is unknown here, as a portal token is to
    /// [`IdentityService::authenticate`].
    ///
    /// # Errors
    /// [`SessionError::Invalid`] for any token that does not belong to a
    /// live portal session of an active account.
    pub async fn authenticate_portal(&self, token: &Token) -> Result<PortalCaller, SessionError> {
        let now = self.now();
        let mut uow = self.begin(Access::Read).await?;
        let session = uow.portal().find_session_by_hash(&token.hash()).await?.ok_or(SessionError::Invalid)?;
        // A session waiting for its second factor is no caller: only the
        // second step takes its token.
        if session.scope != SessionScope::Full || !session.is_live(now, &self.config.sessions) {
            return Err(SessionError::Invalid);
        }
        let account =
            uow.portal().get_account(session.practice, session.party).await?.ok_or(SessionError::Invalid)?;
        if account.status != PortalAccountStatus::Active {
            return Err(SessionError::Invalid);
        }
        drop(uow);
        if now - session.last_seen_at >= self.config.session_touch_interval {
            let mut uow = self.begin(Access::Write).await?;
            let mut touched = session.clone();
            touched.last_seen_at = now;
            uow.portal().update_session(&touched).await?;
            uow.commit().await?;
        }
        Ok(PortalCaller {
            practice: session.practice,
            party: session.party,
            session: session.id,
            password_at: session.password_at,
            request_id: None,
        })
    }

    /// Ends the party's own portal session.
    ///
    /// # Errors
    /// Storage failures only.
    pub async fn portal_sign_out(&self, caller: &PortalCaller) -> Result<(), StoreError> {
        let mut uow = self.begin(Access::Write).await?;
        if let Some(mut session) = uow.portal().get_session(caller.practice, caller.session).await?
            && session.ended_at.is_none()
        {
            session.ended_at = Some(self.now());
            uow.portal().update_session(&session).await?;
            let target = Some(Target::Party(caller.party));
            let details = Some(json!({ "session": caller.session }));
            self.audit(uow.as_mut(), &caller.origin(), AuditAction::PortalSignedOut, target, None, details)
                .await?;
        }
        uow.commit().await
    }

    /// The signed-in party's own record.
    ///
    /// # Errors
    /// [`PortalError`].
    pub async fn portal_profile(&self, caller: &PortalCaller) -> Result<PortalProfile, PortalError> {
        let mut uow = self.begin(Access::Read).await?;
        let (party, account) = Self::own_records(uow.as_mut(), caller).await?;
        let practice = self.practice_of(uow.as_mut(), caller.practice).await?;
        let time_zone = Self::time_zone_of(uow.as_mut(), &practice, &party, &account).await?;
        Ok(PortalProfile {
            time_zone,
            email: account.email,
            party,
            practice_slug: practice.slug,
            practice_name: practice.name,
        })
    }

    /// Changes the signed-in party's phone, address, language and time
    /// zone. Audited with the details before and after.
    ///
    /// # Errors
    /// [`PortalError`].
    pub async fn update_portal_contact(
        &self,
        caller: &PortalCaller,
        change: PortalContactChange,
    ) -> Result<PortalProfile, PortalError> {
        let now = self.now();
        let mut uow = self.begin(Access::Write).await?;
        let (mut party, mut account) = Self::own_records(uow.as_mut(), caller).await?;
        let practice = self.practice_of(uow.as_mut(), caller.practice).await?;
        let zone_before = Self::time_zone_of(uow.as_mut(), &practice, &party, &account).await?;
        let before = contact_view(&party.details, zone_before);
        party.details.phone = change.phone;
        party.details.address = change.address;
        party.details.language = Some(change.language);
        party.updated_at = now;
        account.time_zone = Some(change.time_zone);
        account.updated_at = now;
        uow.parties().update(&party).await?;
        uow.portal().update_account(&account).await?;
        let after = contact_view(&party.details, change.time_zone);
        self.audit(
            uow.as_mut(),
            &caller.origin(),
            AuditAction::PortalDetailsChanged,
            Some(Target::Party(party.id)),
            Some(before),
            Some(after),
        )
        .await?;
        uow.commit().await?;
        Ok(PortalProfile {
            time_zone: change.time_zone,
            email: account.email,
            party,
            practice_slug: practice.slug,
            practice_name: practice.name,
        })
    }

    /// Changes the signed-in party's password: the current one is checked
    /// (a wrong one counts as a failed sign-in, with the same delays and
    /// lock); the new one meets the practice's policy and differs from the
    /// current one. Ends every other portal session of the party, voids
    /// their pending links and emails them that the password changed.
    ///
    /// # Errors
    /// [`PortalPasswordError`].
    pub async fn change_portal_password(
        &self,
        caller: &PortalCaller,
        current: SecretString,
        new_password: SecretString,
    ) -> Result<(), PortalPasswordError> {
        let now = self.now();
        let (practice, party, account) = {
            let mut uow = self.begin(Access::Read).await?;
            let (party, account) = Self::own_records(uow.as_mut(), caller)
                .await
                .map_err(|_| PortalPasswordError::SessionInvalid)?;
            (self.practice_of(uow.as_mut(), caller.practice).await?, party, account)
        };
        let current_hash: PasswordHash = account.hash.clone().ok_or(PortalPasswordError::SessionInvalid)?;
        self.check_portal_password::<PortalPasswordError>(caller, &account, &current_hash, &current).await?;
        let password = Self::check_password(&practice, &account.email, &party.details.name, new_password)?;
        if self.ports.hasher.verify(&SecretString::from(password.expose().to_owned()), &current_hash).await? {
            return Err(PasswordRejection::SameAsCurrent.into());
        }
        let hash = self.ports.hasher.hash(&password).await?;

        let mut uow = self.begin(Access::Write).await?;
        let mut account = match uow.portal().get_account(caller.practice, caller.party).await? {
            Some(a) if a.status == PortalAccountStatus::Active && a.hash.as_ref() == Some(&current_hash) => a,
            Some(a) if a.status == PortalAccountStatus::Active => {
                return Err(PortalPasswordError::WrongPassword);
            }
            _ => return Err(PortalPasswordError::SessionInvalid),
        };
        account.set_password(hash, now);
        uow.portal().update_account(&account).await?;
        uow.portal().end_sessions(caller.practice, caller.party, Some(caller.session), now).await?;
        uow.links().void_for(caller.practice, LinkSubject::Party(caller.party), None, now).await?;
        self.send_party_password_changed(uow.as_mut(), &practice, &party, &account, now).await?;
        self.audit(
            uow.as_mut(),
            &caller.origin(),
            AuditAction::PortalPasswordChanged,
            Some(Target::Party(caller.party)),
            None,
            None,
        )
        .await?;
        uow.commit().await?;
        Ok(())
    }

    /// Checks the password a signed-in party typed against `current_hash`
    /// (their account's), under the sign-in throttle: a locked or throttled
    /// account is not checked, and a wrong password counts as a failed
    /// sign-in (unless the password changed meanwhile).
    pub(super) async fn check_portal_password<E>(
        &self,
        caller: &PortalCaller,
        account: &PortalAccount,
        current_hash: &PasswordHash,
        typed: &SecretString,
    ) -> Result<(), E>
    where
        E: From<CurrentPasswordRefusal> + From<HashError> + From<StoreError>,
    {
        let now = self.now();
        if account.locked {
            return Err(CurrentPasswordRefusal::TooManyAttempts { retry_after: None }.into());
        }
        let throttle = &self.config.throttle;
        if throttle.too_soon_after(account.failed_attempts, account.last_failure_at, now) {
            let seconds = throttle.retry_after(account.failed_attempts, account.last_failure_at, now);
            return Err(CurrentPasswordRefusal::TooManyAttempts { retry_after: Some(seconds) }.into());
        }
        if self.ports.hasher.verify(typed, current_hash).await? {
            return Ok(());
        }
        let mut uow = self.begin(Access::Write).await?;
        if let Some(mut account) = uow.portal().get_account(caller.practice, caller.party).await?
            && account.hash.as_ref() == Some(current_hash)
        {
            account.count_failure(now, throttle.lock_after);
            uow.portal().update_account(&account).await?;
            let details = json!({
                "reason": "wrong_current_password",
                "consecutive_failures": account.failed_attempts,
                "locked": account.locked,
            });
            let target = Some(Target::Party(caller.party));
            self.audit(
                uow.as_mut(),
                &caller.origin(),
                AuditAction::PortalSignInFailed,
                target,
                None,
                Some(details),
            )
            .await?;
        }
        uow.commit().await?;
        Err(CurrentPasswordRefusal::Wrong.into())
    }

    /// The cases the signed-in party takes part in, with their part, in the
    /// order they were added.
    ///
    /// # Errors
    /// [`PortalError`].
    pub async fn portal_cases(&self, caller: &PortalCaller) -> Result<Vec<PortalCase>, PortalError> {
        let mut uow = self.begin(Access::Read).await?;
        let (party, _) = Self::own_records(uow.as_mut(), caller).await?;
        let site = uow.sites().get(caller.practice, party.site).await?.ok_or_else(|| {
            StoreError::Internal(format!("site {} of party {} is missing", party.site, party.id))
        })?;
        let mut cases = Vec::new();
        for entry in uow.case_parties().list_for_party(caller.practice, party.id).await? {
            if let Some(case) = uow.cases().get(caller.practice, entry.case).await? {
                cases.push(PortalCase {
                    id: case.id,
                    title: case.title,
                    status: case.status,
                    part: entry.part,
                    site: site.id,
                    site_name: site.name.clone(),
                });
            }
        }
        Ok(cases)
    }

    /// Portal "forgot password": emails a portal recovery link to the
    /// stored address of an active, unlocked portal account, at most
    /// [`RECOVERY_EMAILS_PER_HOUR`] an hour per account. Answers the same
    /// whether or not the practice and email exist and whether or not an
    /// email was sent; never counts as a failed sign-in. A locked account
    /// gets its link from an administrator
    /// ([`IdentityService::send_party_recovery_link`]).
    ///
    /// # Errors
    /// Storage failures only.
    pub async fn portal_forgot_password(&self, request: ForgotPassword) -> Result<(), StoreError> {
        let (Ok(slug), Ok(email)) =
            (PracticeSlug::parse(&request.practice), EmailAddress::parse(&request.email))
        else {
            return Ok(());
        };
        let mut uow = self.begin(Access::Write).await?;
        let Some(practice) = uow.practices().find_by_slug(&slug).await? else {
            return Ok(());
        };
        let Some(account) = uow.portal().find_account_by_email(practice.id, &email).await? else {
            return Ok(());
        };
        if account.status != PortalAccountStatus::Active || account.locked {
            return Ok(());
        }
        let query = AuditQuery {
            action: Some(AuditAction::PortalRecoveryRequested),
            target: Some(Target::Party(account.party)),
            since: Some(self.now() - chrono::Duration::hours(1)),
            limit: RECOVERY_EMAILS_PER_HOUR,
            ..AuditQuery::default()
        };
        if uow.audit().list(practice.id, &query).await?.items.len() >= RECOVERY_EMAILS_PER_HOUR as usize {
            return Ok(());
        }
        let Some(party) = uow.parties().get(practice.id, account.party).await? else {
            return Ok(());
        };
        self.send_party_recovery(uow.as_mut(), &practice, &party, &account).await?;
        let origin =
            Origin { practice: practice.id, actor: Actor::Anonymous, request_id: request.request_id };
        let target = Some(Target::Party(account.party));
        self.audit(uow.as_mut(), &origin, AuditAction::PortalRecoveryRequested, target, None, None).await?;
        uow.commit().await
    }

    /// Issues a portal recovery link (voiding the party's earlier ones) and
    /// queues its email, in the party's language and time zone, to the
    /// account's stored address.
    pub(super) async fn send_party_recovery(
        &self,
        uow: &mut dyn UnitOfWork,
        practice: &Practice,
        party: &Party,
        account: &PortalAccount,
    ) -> Result<(), StoreError> {
        let (token, expires_at) = self
            .issue_link(
                uow,
                practice.id,
                LinkSubject::Party(party.id),
                LinkPurpose::Recovery,
                self.config.recovery_ttl,
            )
            .await?;
        let message = Message::PartyRecovery {
            practice_slug: practice.slug.as_str().to_owned(),
            token: MailSecret::new(token.expose()),
            expires_at,
        };
        self.send_to_party(uow, practice, party, account, message).await
    }

    /// Queues `message` to a party's portal account's stored address, in
    /// the party's language (English when none is recorded) and time zone.
    pub(super) async fn send_to_party(
        &self,
        uow: &mut dyn UnitOfWork,
        practice: &Practice,
        party: &Party,
        account: &PortalAccount,
        message: Message,
    ) -> Result<(), StoreError> {
        let language = party.details.language.clone().unwrap_or_else(Language::english);
        let recipient = Recipient {
            email: &account.email,
            name: party.details.name.as_str(),
            language: &language,
            time_zone: Self::time_zone_of(uow, practice, party, account).await?,
        };
        self.send(uow, practice, recipient, message).await
    }

    /// Queues the "your portal password was changed" email to the
    /// account's stored address, in the party's language and time zone.
    async fn send_party_password_changed(
        &self,
        uow: &mut dyn UnitOfWork,
        practice: &Practice,
        party: &Party,
        account: &PortalAccount,
        changed_at: chrono::DateTime<chrono::Utc>,
    ) -> Result<(), StoreError> {
        let message =
            Message::PartyPasswordChanged { practice_slug: practice.slug.as_str().to_owned(), changed_at };
        self.send_to_party(uow, practice, party, account, message).await
    }

    /// Sets a new portal password through a portal recovery link (from
    /// "forgot password" or an administrator). Clears a sign-in lock, ends
    /// every portal session of the party, voids their other links and
    /// emails them that the password changed.
    ///
    /// # Errors
    /// [`LinkError`]: one answer for any link that cannot be used (unknown,
    /// used, voided, expired, a staff link or another purpose, an account
    /// no longer active); a link works once, even under concurrent use.
    pub async fn recover_portal_password(
        &self,
        token: &Token,
        new_password: SecretString,
        request_id: Option<RequestId>,
    ) -> Result<(), LinkError> {
        self.redeem_party_link(token, new_password, request_id, PartyLinkUse::Recover).await
    }

    /// Uses a party's link once (even under concurrent submissions) to set
    /// their password: checks the link and the account's status, checks the
    /// password against the practice's policy and hashes it (once, outside
    /// the retried write), then in one unit of work consumes the link, sets
    /// the password (joining also makes the account active), ends every
    /// portal session of the party, voids their other links and audits.
    async fn redeem_party_link(
        &self,
        token: &Token,
        new_password: SecretString,
        request_id: Option<RequestId>,
        usage: PartyLinkUse,
    ) -> Result<(), LinkError> {
        let purpose = match usage {
            PartyLinkUse::Join => LinkPurpose::PartyInvitation,
            PartyLinkUse::Recover => LinkPurpose::Recovery,
        };
        let status = PortalAccountStatus::waiting_for(purpose).ok_or(LinkError::InvalidLink)?;
        let now = self.now();
        let hash = token.hash();
        let (practice, party, account) = {
            let mut uow = self.begin(Access::Read).await?;
            let link = uow.links().find_by_hash(&hash).await?.ok_or(LinkError::InvalidLink)?;
            let LinkSubject::Party(party_id) = link.subject else {
                return Err(LinkError::InvalidLink);
            };
            if link.purpose != purpose || !link.is_live(now) {
                return Err(LinkError::InvalidLink);
            }
            let practice = self.practice_of(uow.as_mut(), link.practice).await?;
            let party = uow.parties().get(link.practice, party_id).await?.ok_or(LinkError::InvalidLink)?;
            let account =
                uow.portal().get_account(link.practice, party_id).await?.ok_or(LinkError::InvalidLink)?;
            (practice, party, account)
        };
        if account.status != status {
            return Err(LinkError::InvalidLink);
        }
        let password = Self::check_password(&practice, &account.email, &party.details.name, new_password)?;
        let password_hash = self.ports.hasher.hash(&password).await?;

        let (hash, practice, party, password_hash, request_id) =
            (&hash, &practice, &party, &password_hash, &request_id);
        self.write(|| async move {
            let mut uow = self.begin(Access::Write).await?;
            let link = uow.links().find_by_hash(hash).await?.ok_or(LinkError::InvalidLink)?;
            if link.purpose != purpose || !link.is_live(now) || !uow.links().consume(link.id, now).await? {
                return Err(LinkError::InvalidLink);
            }
            let mut account =
                uow.portal().get_account(practice.id, party.id).await?.ok_or(LinkError::InvalidLink)?;
            if account.status != status {
                return Err(LinkError::InvalidLink);
            }
            if usage == PartyLinkUse::Join && account.transition(PortalAccountStatus::Active, now).is_err() {
                return Err(LinkError::InvalidLink);
            }
            account.set_password(password_hash.clone(), now);
            uow.portal().update_account(&account).await?;
            uow.portal().end_sessions(practice.id, party.id, None, now).await?;
            uow.links().void_for(practice.id, LinkSubject::Party(party.id), None, now).await?;
            let origin =
                Origin { practice: practice.id, actor: Actor::Anonymous, request_id: request_id.clone() };
            let target = Some(Target::Party(party.id));
            match usage {
                PartyLinkUse::Join => {
                    let before = json!({ "status": PortalAccountStatus::Invited });
                    let after = json!({ "status": account.status, "email": account.email.as_str() });
                    let action = AuditAction::PortalJoined;
                    self.audit(uow.as_mut(), &origin, action, target, Some(before), Some(after)).await?;
                }
                PartyLinkUse::Recover => {
                    self.send_party_password_changed(uow.as_mut(), practice, party, &account, now).await?;
                    let action = AuditAction::PortalPasswordRecovered;
                    self.audit(uow.as_mut(), &origin, action, target, None, None).await?;
                }
            }
            uow.commit().await?;
            Ok(())
        })
        .await
    }

    /// The party and account of a portal caller, both still there and the
    /// account still active.
    /// The time zone a party's emails and pages use: see
    /// [`party_time_zone`]; reads the party's site when the party chose
    /// none.
    pub(super) async fn time_zone_of(
        uow: &mut dyn UnitOfWork,
        practice: &Practice,
        party: &Party,
        account: &PortalAccount,
    ) -> Result<TimeZone, StoreError> {
        let site = match account.time_zone {
            Some(_) => None,
            None => uow.sites().get(practice.id, party.site).await?,
        };
        Ok(party_time_zone(account, site.as_ref(), practice))
    }

    async fn own_records(
        uow: &mut dyn UnitOfWork,
        caller: &PortalCaller,
    ) -> Result<(Party, PortalAccount), PortalError> {
        let party =
            uow.parties().get(caller.practice, caller.party).await?.ok_or(PortalError::SessionInvalid)?;
        let account = uow
            .portal()
            .get_account(caller.practice, caller.party)
            .await?
            .ok_or(PortalError::SessionInvalid)?;
        if account.status != PortalAccountStatus::Active {
            return Err(PortalError::SessionInvalid);
        }
        Ok((party, account))
    }
}

fn contact_view(details: &PartyDetails, time_zone: TimeZone) -> serde_json::Value {
    json!({
        "phone": details.phone,
        "address": details.address,
        "language": details.language,
        "time_zone": time_zone,
    })
}

/// The time zone a party's emails and portal pages use: the one the party
/// chose, else their site's, else their practice's.
pub fn party_time_zone(account: &PortalAccount, site: Option<&Site>, practice: &Practice) -> TimeZone {
    account.time_zone.or_else(|| site.and_then(|s| s.time_zone)).unwrap_or(practice.settings.time_zone)
}
