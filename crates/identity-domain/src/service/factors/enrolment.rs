//! One's own second factors: confirming the password, enrolling a TOTP
//! authenticator, reading, renaming and removing factors, and recovery codes.

use super::{
    ConfirmEnrolmentError, ConfirmPasswordError, FactorOverview, Holding, OwnFactorsError,
    RegenerateCodesError, RemoveFactorError, RenameFactorError, StartEnrolmentError,
};
use crate::audit::AuditAction;
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

    /// Checks that the holder typed their password in this session recently
    /// enough to manage their factors.
    pub(super) fn password_is_fresh(&self, holding: &Holding) -> bool {
        self.now() - holding.password_at < Duration::minutes(PASSWORD_CONFIRMATION_MINUTES)
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
        Ok(self.password_typed(&Holding::from(caller)).await?)
    }

    /// Records that the password was just typed in the holding's session.
    pub(super) async fn password_typed(&self, holding: &Holding) -> Result<(), StoreError> {
        self.write(|| async move {
            let mut uow = self.begin(Access::Write).await?;
            self.mark_password_typed(uow.as_mut(), holding).await?;
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
        self.start_totp_of(&Holding::from(caller), name).await
    }

    /// [`IdentityService::start_totp`] for a holder.
    pub(super) async fn start_totp_of(
        &self,
        holding: &Holding,
        name: &str,
    ) -> Result<TotpEnrolment, StartEnrolmentError> {
        if !self.password_is_fresh(holding) {
            return Err(StartEnrolmentError::PasswordConfirmationRequired);
        }
        let name = FactorName::parse(name)?;
        let secret = TotpSecret::generate(self.ports.random.as_ref());
        let (name, secret) = (&name, &secret);
        self.write(|| async move {
            let now = self.now();
            let mut uow = self.begin(Access::Write).await?;
            let practice = self.practice_of(uow.as_mut(), holding.practice).await?;
            let named = self.holder_name(uow.as_mut(), holding.practice, holding.holder).await?;
            let mut held = 0;
            for factor in uow.factors().list(holding.practice, holding.holder).await? {
                if factor.confirmed {
                    held += 1;
                } else {
                    uow.factors().remove(holding.practice, holding.holder, factor.id).await?;
                }
            }
            if held >= MAX_FACTORS {
                return Err(StartEnrolmentError::TooManyFactors);
            }
            let factor = Factor {
                id: self.new_id(),
                practice: holding.practice,
                holder: holding.holder,
                name: name.clone(),
                kind: FactorKind::Totp(TotpFactor { secret: secret.clone(), last_step: None }),
                confirmed: false,
                created_at: now,
                last_used_at: None,
            };
            uow.factors().insert(&factor).await?;
            uow.commit().await?;
            let uri = secret.provisioning_uri(practice.name.as_str(), named.email.as_str());
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
        self.confirm_totp_of(&Holding::from(caller), factor, code).await
    }

    /// [`IdentityService::confirm_totp`] for a holder.
    pub(super) async fn confirm_totp_of(
        &self,
        holding: &Holding,
        factor: FactorId,
        code: &str,
    ) -> Result<Enrolled, ConfirmEnrolmentError> {
        if !self.password_is_fresh(holding) {
            return Err(ConfirmEnrolmentError::PasswordConfirmationRequired);
        }
        let codes = self.new_recovery_codes();
        let codes = &codes;
        self.write(|| async move {
            let now = self.now();
            let mut uow = self.begin(Access::Write).await?;
            let factors = uow.factors().list(holding.practice, holding.holder).await?;
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
            if !uow.factors().advance_totp(holding.practice, holding.holder, pending.id, step, now).await? {
                return Err(ConfirmEnrolmentError::WrongCode);
            }
            let enrolled = self.enrolled(uow.as_mut(), holding, pending.summary(), first, codes).await?;
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
        holding: &Holding,
        summary: FactorSummary,
        first: bool,
        codes: &[RecoveryCode],
    ) -> Result<Enrolled, StoreError> {
        let now = self.now();
        let recovery_codes = if first {
            let hashes: Vec<_> = codes.iter().map(|c| c.hash(holding.holder)).collect();
            uow.factors().replace_recovery_codes(holding.practice, holding.holder, &hashes, now).await?;
            codes.to_vec()
        } else {
            Vec::new()
        };
        let mut scope = holding.scope;
        // Only a staff session is ever enrolment-only.
        if scope == SessionScope::Enrolment
            && let Some(mut session) = uow.sessions().get(holding.practice, holding.session).await?
        {
            session.scope = SessionScope::Full;
            uow.sessions().update(&session).await?;
            scope = SessionScope::Full;
        }
        let details = json!({ "factor": summary.id, "kind": summary.kind, "name": summary.name.as_str() });
        self.audit(
            uow,
            &holding.origin,
            holding.action(AuditAction::FactorAdded),
            holding.target(),
            None,
            Some(details),
        )
        .await?;
        let change = FactorChange::Added { name: summary.name.as_str().to_owned() };
        self.notify_factor_change(uow, holding.practice, holding.holder, change).await?;
        Ok(Enrolled { factor: summary, recovery_codes, scope })
    }

    /// The caller's second factors (never their secrets).
    ///
    /// # Errors
    /// [`OwnFactorsError`].
    pub async fn own_factors(&self, caller: &Caller) -> Result<FactorOverview, OwnFactorsError> {
        require_enrolling_session(caller)?;
        self.own_factors_of(&Holding::from(caller)).await
    }

    /// [`IdentityService::own_factors`] for a holder.
    pub(super) async fn own_factors_of(&self, holding: &Holding) -> Result<FactorOverview, OwnFactorsError> {
        if !self.password_is_fresh(holding) {
            return Err(OwnFactorsError::PasswordConfirmationRequired);
        }
        let mut uow = self.begin(Access::Read).await?;
        Ok(self.overview(uow.as_mut(), holding.practice, holding.holder).await?)
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
        self.rename_factor_of(&Holding::from(caller), factor, name).await
    }

    /// [`IdentityService::rename_factor`] for a holder.
    pub(super) async fn rename_factor_of(
        &self,
        holding: &Holding,
        factor: FactorId,
        name: &str,
    ) -> Result<FactorSummary, RenameFactorError> {
        if !self.password_is_fresh(holding) {
            return Err(RenameFactorError::PasswordConfirmationRequired);
        }
        let name = &FactorName::parse(name)?;
        self.write(|| async move {
            let mut uow = self.begin(Access::Write).await?;
            let factors = uow.factors().list(holding.practice, holding.holder).await?;
            let mut found = factors
                .into_iter()
                .find(|f| f.id == factor && f.confirmed)
                .ok_or(RenameFactorError::NotFound)?;
            let before = json!({ "name": found.name.as_str() });
            found.name = name.clone();
            uow.factors().update(&found).await?;
            let after = json!({ "factor": found.id, "name": found.name.as_str() });
            self.audit(
                uow.as_mut(),
                &holding.origin,
                holding.action(AuditAction::FactorRenamed),
                holding.target(),
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
        self.remove_factor_of(&Holding::from(caller), factor).await
    }

    /// [`IdentityService::remove_factor`] for a holder.
    pub(super) async fn remove_factor_of(
        &self,
        holding: &Holding,
        factor: FactorId,
    ) -> Result<(), RemoveFactorError> {
        if !self.password_is_fresh(holding) {
            return Err(RemoveFactorError::PasswordConfirmationRequired);
        }
        self.write(|| async move {
            let now = self.now();
            let mut uow = self.begin(Access::Write).await?;
            let factors = uow.factors().list(holding.practice, holding.holder).await?;
            let found =
                factors.iter().find(|f| f.id == factor && f.confirmed).ok_or(RemoveFactorError::NotFound)?;
            uow.factors().remove(holding.practice, holding.holder, factor).await?;
            if !factors.iter().any(|f| f.confirmed && f.id != factor) {
                uow.factors().replace_recovery_codes(holding.practice, holding.holder, &[], now).await?;
            }
            let details =
                json!({ "factor": found.id, "kind": found.kind.name(), "name": found.name.as_str() });
            self.audit(
                uow.as_mut(),
                &holding.origin,
                holding.action(AuditAction::FactorRemoved),
                holding.target(),
                None,
                Some(details),
            )
            .await?;
            let change = FactorChange::Removed { name: found.name.as_str().to_owned() };
            self.notify_factor_change(uow.as_mut(), holding.practice, holding.holder, change).await?;
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
        self.regenerate_recovery_codes_of(&Holding::from(caller)).await
    }

    /// [`IdentityService::regenerate_recovery_codes`] for a holder.
    pub(super) async fn regenerate_recovery_codes_of(
        &self,
        holding: &Holding,
    ) -> Result<Vec<RecoveryCode>, RegenerateCodesError> {
        if !self.password_is_fresh(holding) {
            return Err(RegenerateCodesError::PasswordConfirmationRequired);
        }
        let codes = self.new_recovery_codes();
        let codes = &codes;
        self.write(|| async move {
            let now = self.now();
            let mut uow = self.begin(Access::Write).await?;
            if !uow.factors().has_confirmed(holding.practice, holding.holder).await? {
                return Err(RegenerateCodesError::NoFactor);
            }
            let hashes: Vec<_> = codes.iter().map(|c| c.hash(holding.holder)).collect();
            uow.factors().replace_recovery_codes(holding.practice, holding.holder, &hashes, now).await?;
            self.audit(
                uow.as_mut(),
                &holding.origin,
                holding.action(AuditAction::RecoveryCodesRegenerated),
                holding.target(),
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
