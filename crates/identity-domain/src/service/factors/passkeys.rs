//! Passkeys: the two WebAuthn ceremonies. Enrolling one begins with
//! [`IdentityService::start_passkey`] (a challenge for
//! `navigator.credentials.create()`) and ends with
//! [`IdentityService::confirm_passkey`]; signing in with one begins with
//! [`IdentityService::start_passkey_step`] (a challenge for
//! `navigator.credentials.get()`) and ends with
//! [`IdentityService::second_step`] and a [`FactorProof::Passkey`].
//!
//! Between challenge and answer the relying party's state waits on the
//! session that asked for the challenge ([`Ceremony`]), for at most
//! [`CEREMONY_MINUTES`] minutes; the answer takes it, accepted or not, so a
//! challenge is answered once and only from the session it was made for.
//! It lives in the store, so any server process may take the answer.

use super::enrolment::{MAX_FACTORS, require_enrolling_session};
use super::{ConfirmPasskeyError, Enrolled, Holding, SecondStepError, StartEnrolmentError};
use crate::error::{Conflict, StoreError};
#[cfg(doc)]
use crate::factor::FactorProof;
use crate::factor::{
    CEREMONY_MINUTES, Ceremony, CeremonyPurpose, CredentialId, Factor, FactorHolder, FactorKind, FactorName,
    PasskeyFactor, StoredPasskey,
};
use crate::ids::{PracticeId, SessionId};
use crate::portal::PortalSession;
use crate::ports::{Access, PasskeyError, PasskeyHolder, UnitOfWork};
use crate::service::{Caller, IdentityService};
use crate::session::{Session, SessionPolicy, SessionScope};
use crate::token::{Token, TokenHash};
use chrono::{DateTime, Duration, Utc};

/// A session waiting for its second factor, staff or portal.
pub(super) struct Waiting {
    pub(super) practice: PracticeId,
    pub(super) holder: FactorHolder,
    pub(super) session: SessionId,
    pub(super) expires_at: DateTime<Utc>,
}

/// Which sessions a presented token is looked for among.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Among {
    Staff,
    Portal,
}

impl From<&Session> for Waiting {
    fn from(s: &Session) -> Self {
        Self { practice: s.practice, holder: s.user.into(), session: s.id, expires_at: s.expires_at }
    }
}

impl From<&PortalSession> for Waiting {
    fn from(s: &PortalSession) -> Self {
        Self { practice: s.practice, holder: s.party.into(), session: s.id, expires_at: s.expires_at }
    }
}

impl Waiting {
    /// The live session waiting for its second factor whose token hash is
    /// `hash`, among staff or portal sessions.
    pub(super) async fn find(
        uow: &mut dyn UnitOfWork,
        hash: &TokenHash,
        among: Among,
        now: DateTime<Utc>,
        policy: &SessionPolicy,
    ) -> Result<Option<Self>, StoreError> {
        let waits = |scope: SessionScope, live: bool| scope == SessionScope::SecondFactor && live;
        Ok(match among {
            Among::Staff => uow
                .sessions()
                .find_by_hash(hash)
                .await?
                .filter(|s| waits(s.scope, s.is_live(now, policy)))
                .map(|s| Self::from(&s)),
            Among::Portal => uow
                .portal()
                .find_session_by_hash(hash)
                .await?
                .filter(|s| waits(s.scope, s.is_live(now, policy)))
                .map(|s| Self::from(&s)),
        })
    }
}

/// The passkeys (confirmed) among a user's factors.
fn passkeys_of(factors: &[Factor]) -> impl Iterator<Item = (&Factor, &PasskeyFactor)> {
    factors.iter().filter(|f| f.confirmed).filter_map(|f| match &f.kind {
        FactorKind::Passkey(passkey) => Some((f, passkey)),
        FactorKind::Totp(_) => None,
    })
}

impl IdentityService {
    /// Whether this server offers passkeys (it has a relying party: see
    /// [`crate::NoPasskeys`]).
    pub fn passkeys_offered(&self) -> bool {
        self.ports.passkeys.offered()
    }

    /// Begins enrolling a passkey for the caller under `name`: the
    /// `publicKey` options for the browser's `navigator.credentials.create()`
    /// (the user's passkeys excluded, so one authenticator registers once).
    /// The challenge waits on the caller's session for
    /// [`CEREMONY_MINUTES`] minutes, replacing any ceremony begun before.
    ///
    /// # Errors
    /// [`StartEnrolmentError`] (`PasskeysUnavailable` on a server with no
    /// relying party).
    pub async fn start_passkey(
        &self,
        caller: &Caller,
        name: &str,
    ) -> Result<serde_json::Value, StartEnrolmentError> {
        require_enrolling_session(caller)?;
        self.start_passkey_of(&Holding::from(caller), name).await
    }

    /// [`IdentityService::start_passkey`] for a holder.
    pub(super) async fn start_passkey_of(
        &self,
        holding: &Holding,
        name: &str,
    ) -> Result<serde_json::Value, StartEnrolmentError> {
        if !self.password_is_fresh(holding) {
            return Err(StartEnrolmentError::PasswordConfirmationRequired);
        }
        let name = &FactorName::parse(name)?;
        self.write(|| async move {
            let now = self.now();
            let mut uow = self.begin(Access::Write).await?;
            let named = self.holder_name(uow.as_mut(), holding.practice, holding.holder).await?;
            let factors = uow.factors().list(holding.practice, holding.holder).await?;
            if factors.iter().filter(|f| f.confirmed).count() >= MAX_FACTORS {
                return Err(StartEnrolmentError::TooManyFactors);
            }
            let exclude: Vec<CredentialId> =
                passkeys_of(&factors).map(|(_, passkey)| passkey.credential_id.clone()).collect();
            let holder = PasskeyHolder {
                handle: holding.holder.as_uuid(),
                name: named.email.as_str().to_owned(),
                display_name: named.name,
            };
            let challenge = match self.ports.passkeys.start_registration(&holder, &exclude) {
                Ok(challenge) => challenge,
                Err(PasskeyError::Unavailable) => return Err(StartEnrolmentError::PasskeysUnavailable),
                Err(PasskeyError::Refused(why)) => return Err(StoreError::Internal(why).into()),
            };
            let ceremony = Ceremony {
                purpose: CeremonyPurpose::Enrol(name.clone()),
                state: challenge.state,
                expires_at: now + Duration::minutes(CEREMONY_MINUTES),
            };
            Self::keep_ceremony(uow.as_mut(), holding.practice, holding.holder, holding.session, &ceremony)
                .await?;
            uow.commit().await?;
            Ok(challenge.options)
        })
        .await
    }

    /// Finishes enrolling a passkey with the browser's answer (the JSON of
    /// the `PublicKeyCredential` that `navigator.credentials.create()`
    /// gave): the passkey counts from now on. With the user's first factor
    /// come [`crate::factor::RECOVERY_CODE_COUNT`] recovery codes, shown once. The user is
    /// emailed; an enrolment-only session becomes a full one. A refused
    /// answer uses the challenge up all the same.
    ///
    /// # Errors
    /// [`ConfirmPasskeyError`].
    pub async fn confirm_passkey(
        &self,
        caller: &Caller,
        response: &str,
    ) -> Result<Enrolled, ConfirmPasskeyError> {
        require_enrolling_session(caller)?;
        self.confirm_passkey_of(&Holding::from(caller), response).await
    }

    /// [`IdentityService::confirm_passkey`] for a holder.
    pub(super) async fn confirm_passkey_of(
        &self,
        holding: &Holding,
        response: &str,
    ) -> Result<Enrolled, ConfirmPasskeyError> {
        if !self.password_is_fresh(holding) {
            return Err(ConfirmPasskeyError::PasswordConfirmationRequired);
        }
        let codes = self.new_recovery_codes();
        let codes = &codes;
        self.write(|| async move {
            let now = self.now();
            let mut uow = self.begin(Access::Write).await?;
            let ceremony =
                Self::take_ceremony(uow.as_mut(), holding.practice, holding.holder, holding.session).await?;
            let Some((name, state)) = ceremony.and_then(|c| match c.purpose {
                CeremonyPurpose::Enrol(name) if now < c.expires_at => Some((name, c.state)),
                _ => None,
            }) else {
                uow.commit().await?;
                return Err(ConfirmPasskeyError::NotStarted);
            };
            let Ok(registered) = self.ports.passkeys.finish_registration(&state, response) else {
                uow.commit().await?;
                return Err(ConfirmPasskeyError::Refused);
            };
            let factors = uow.factors().list(holding.practice, holding.holder).await?;
            let confirmed = factors.iter().filter(|f| f.confirmed).count();
            if confirmed >= MAX_FACTORS {
                return Err(ConfirmPasskeyError::TooManyFactors);
            }
            let factor = Factor {
                id: self.new_id(),
                practice: holding.practice,
                holder: holding.holder,
                name,
                kind: FactorKind::Passkey(PasskeyFactor {
                    credential_id: registered.credential_id,
                    credential: registered.credential,
                }),
                confirmed: true,
                created_at: now,
                last_used_at: None,
            };
            match uow.factors().insert(&factor).await {
                Err(StoreError::Conflict(Conflict::CredentialTaken)) => {
                    return Err(ConfirmPasskeyError::Refused);
                }
                other => other?,
            }
            let enrolled =
                self.enrolled(uow.as_mut(), holding, factor.summary(), confirmed == 0, codes).await?;
            uow.commit().await?;
            Ok(enrolled)
        })
        .await
    }

    /// Begins the second step of signing in with a passkey, for a session
    /// waiting for its second factor: the `publicKey` options for the
    /// browser's `navigator.credentials.get()`, allowing the user's
    /// passkeys. The challenge waits on the waiting session; answer it with
    /// [`IdentityService::second_step`] and a [`FactorProof::Passkey`].
    ///
    /// # Errors
    /// [`SecondStepError::Failed`] for an unknown, ended or expired waiting
    /// session, a user with no passkey, or a server with no relying party:
    /// the same answer as a wrong code.
    pub async fn start_passkey_step(&self, token: &Token) -> Result<serde_json::Value, SecondStepError> {
        self.passkey_step_among(token, Among::Staff).await
    }

    /// A passkey challenge for the session waiting for its second factor
    /// that `token` belongs to, among staff or portal sessions.
    pub(super) async fn passkey_step_among(
        &self,
        token: &Token,
        among: Among,
    ) -> Result<serde_json::Value, SecondStepError> {
        let hash = &token.hash();
        self.write(|| async move {
            let mut uow = self.begin(Access::Write).await?;
            let policy = &self.config.sessions;
            let waiting = Waiting::find(uow.as_mut(), hash, among, self.now(), policy).await?;
            let waiting = waiting.ok_or(SecondStepError::Failed)?;
            let options = self.passkey_challenge(uow.as_mut(), &waiting).await?;
            uow.commit().await?;
            Ok(options)
        })
        .await
    }

    /// Draws a passkey challenge for a session waiting for its second
    /// factor, and keeps the ceremony on it.
    pub(super) async fn passkey_challenge(
        &self,
        uow: &mut dyn UnitOfWork,
        waiting: &Waiting,
    ) -> Result<serde_json::Value, SecondStepError> {
        let now = self.now();
        let factors = uow.factors().list(waiting.practice, waiting.holder).await?;
        let passkeys: Vec<StoredPasskey> =
            passkeys_of(&factors).map(|(_, passkey)| passkey.credential.clone()).collect();
        if passkeys.is_empty() {
            return Err(SecondStepError::Failed);
        }
        let challenge = self.ports.passkeys.start_sign_in(&passkeys).map_err(|_| SecondStepError::Failed)?;
        // The challenge lives no longer than the session it waits on.
        let expires_at = (now + Duration::minutes(CEREMONY_MINUTES)).min(waiting.expires_at);
        let ceremony = Ceremony { purpose: CeremonyPurpose::SignIn, state: challenge.state, expires_at };
        Self::keep_ceremony(uow, waiting.practice, waiting.holder, waiting.session, &ceremony).await?;
        Ok(challenge.options)
    }

    pub(super) async fn use_passkey(
        &self,
        uow: &mut dyn UnitOfWork,
        waiting: &Waiting,
        response: &str,
    ) -> Result<Option<&'static str>, StoreError> {
        let now = self.now();
        let Some(ceremony) =
            Self::take_ceremony(uow, waiting.practice, waiting.holder, waiting.session).await?
        else {
            return Ok(None);
        };
        if ceremony.purpose != CeremonyPurpose::SignIn || now >= ceremony.expires_at {
            return Ok(None);
        }
        let Ok(assertion) = self.ports.passkeys.finish_sign_in(&ceremony.state, response) else {
            return Ok(None);
        };
        let factors = uow.factors().list(waiting.practice, waiting.holder).await?;
        let Some((factor, _)) =
            passkeys_of(&factors).find(|(_, passkey)| passkey.credential_id == assertion.credential_id)
        else {
            return Ok(None);
        };
        uow.factors()
            .save_passkey(waiting.practice, waiting.holder, factor.id, &assertion.credential, now)
            .await?;
        Ok(Some("passkey"))
    }
}
