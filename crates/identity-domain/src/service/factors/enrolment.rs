//! One's own second factors: confirming the password, enrolling a TOTP
//! authenticator, reading, renaming and removing factors, and recovery codes.

use super::{
    ConfirmEnrolmentError, ConfirmPasswordError, FactorOverview, OwnFactorsError, RegenerateCodesError,
    RemoveFactorError, RenameFactorError, StartEnrolmentError,
};
use crate::audit::{AuditAction, Target};
use crate::error::{AccessError, StoreError};
use crate::factor::{
    Factor, FactorKind, FactorName, FactorSummary, RECOVERY_CODE_COUNT, RecoveryCode, TotpFactor, TotpSecret,
};
use crate::ids::FactorId;
use crate::mail::FactorChange;
use crate::ports::{Access, UnitOfWork};
use crate::service::{Caller, IdentityService};
use crate::session::SessionScope;
use chrono::Duration;
use secrecy::SecretString;
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

/// A session that may manage factors: a full or an enrolment-only one.
pub(super) fn require_enrolling_session(caller: &Caller) -> Result<(), AccessError> {
    match caller.scope() {
        SessionScope::Full | SessionScope::Enrolment => Ok(()),
        _ => caller.require_full_session(),
    }
}

impl IdentityService {
    /// [`RECOVERY_CODE_COUNT`] new recovery codes, drawn before the unit of
    /// work that stores them (it may run more than once).
    pub(super) fn new_recovery_codes(&self) -> Vec<RecoveryCode> {
        (0..RECOVERY_CODE_COUNT).map(|_| RecoveryCode::generate(self.ports.random.as_ref())).collect()
    }

    /// Checks that the caller typed their password recently enough to
    /// manage their factors.
    pub(super) fn password_is_fresh(&self, caller: &Caller) -> bool {
        self.now() - caller.password_at() < Duration::minutes(PASSWORD_CONFIRMATION_MINUTES)
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
        let codes = self.new_recovery_codes();
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
            let FactorKind::Totp(totp) = &pending.kind else {
                return Err(ConfirmEnrolmentError::NotFound);
            };
            let step = totp.matching_step(code, now).ok_or(ConfirmEnrolmentError::WrongCode)?;
            pending.confirmed = true;
            uow.factors().update(&pending).await?;
            if !uow.factors().advance_totp(caller.practice(), pending.id, step, now).await? {
                return Err(ConfirmEnrolmentError::WrongCode);
            }
            let enrolled = self.enrolled(uow.as_mut(), caller, pending.summary(), first, codes).await?;
            uow.commit().await?;
            Ok(enrolled)
        })
        .await
    }

    /// What follows a confirmed enrolment, in its unit of work: recovery
    /// codes with the first factor, a full session for an enrolment-only
    /// one, the audit entry and the email.
    pub(super) async fn enrolled(
        &self,
        uow: &mut dyn UnitOfWork,
        caller: &Caller,
        summary: FactorSummary,
        first: bool,
        codes: &[RecoveryCode],
    ) -> Result<Enrolled, StoreError> {
        let now = self.now();
        let recovery_codes = if first {
            let hashes: Vec<_> = codes.iter().map(|c| c.hash(caller.user())).collect();
            uow.factors().replace_recovery_codes(caller.practice(), caller.user(), &hashes, now).await?;
            codes.to_vec()
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
        let details = json!({ "factor": summary.id, "kind": summary.kind, "name": summary.name.as_str() });
        let target = Some(Target::User(caller.user()));
        self.audit(uow, &caller.origin(), AuditAction::FactorAdded, target, None, Some(details)).await?;
        let change = FactorChange::Added { name: summary.name.as_str().to_owned() };
        self.notify_factor_change(uow, caller.practice(), caller.user(), change).await?;
        Ok(Enrolled { factor: summary, recovery_codes, scope })
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
        let codes = self.new_recovery_codes();
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
}
