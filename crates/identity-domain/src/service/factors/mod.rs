//! Second factors: the second step of signing in, enrolling and managing
//! one's own factors, an administrator's reset, and who must have one.
//!
//! Managing one's factors asks for the password: each operation needs a
//! session whose password was typed (at sign-in, or through
//! [`IdentityService::confirm_password`]) within the last
//! [`PASSWORD_CONFIRMATION_MINUTES`] minutes.
//!
//! A party manages their own factors in the portal, under the same rules
//! (the `portal_*` use cases, in `portal`); no role or practice setting
//! requires one of them. Each use case works on a [`Holding`]: whose
//! factors, and from which session.
//!
//! Where each rule lives: `second_step` holds the second step of signing
//! in and the step a session owes after the password; `enrolment` holds
//! confirming the password, enrolling an authenticator, and managing one's
//! own factors and recovery codes; `passkeys` holds the two WebAuthn
//! ceremonies (enrolling a passkey, and the challenge of a second step); `admin` holds what an administrator
//! does (reading and resetting a user's factors, a role's requirement);
//! `errors` holds each operation's error enum. What several of them share
//! (whether a factor is required of a user, the overview of a user's
//! factors, the email telling them their factors changed) is here.

mod admin;
mod enrolment;
mod errors;
mod passkeys;
mod portal;
mod second_step;

pub use enrolment::*;
pub use errors::*;
pub use portal::PortalSecondStepPassed;
pub use second_step::*;

use super::{Caller, IdentityService, Origin, Recipient};
use crate::audit::{AuditAction, Target};
use crate::email::EmailAddress;
use crate::error::StoreError;
use crate::factor::{Ceremony, Factor, FactorHolder, FactorSummary};
use crate::ids::{PracticeId, SessionId};
use crate::mail::{FactorChange, Message};
use crate::ports::UnitOfWork;
use crate::practice::Practice;
use crate::session::SessionScope;
use crate::user::User;
use chrono::{DateTime, Utc};

/// Whose factors a use case works on, and from which session: a staff
/// [`Caller`]'s or a [`super::PortalCaller`]'s.
#[derive(Debug, Clone)]
pub(in crate::service) struct Holding {
    pub(in crate::service) practice: PracticeId,
    pub(in crate::service) holder: FactorHolder,
    pub(in crate::service) session: SessionId,
    pub(in crate::service) scope: SessionScope,
    pub(in crate::service) password_at: DateTime<Utc>,
    pub(in crate::service) origin: Origin,
}

impl From<&Caller> for Holding {
    fn from(caller: &Caller) -> Self {
        Self {
            practice: caller.practice(),
            holder: FactorHolder::User(caller.user()),
            session: caller.session(),
            scope: caller.scope(),
            password_at: caller.password_at(),
            origin: caller.origin(),
        }
    }
}

impl Holding {
    /// What the audit log names as the holder.
    fn target(&self) -> Option<Target> {
        Some(match self.holder {
            FactorHolder::User(user) => Target::User(user),
            FactorHolder::Party(party) => Target::Party(party),
        })
    }

    /// The audit action of `action` done to this holder's factors: a
    /// party's have their own, so the log tells portal from staff.
    fn action(&self, action: AuditAction) -> AuditAction {
        match (self.holder, action) {
            (FactorHolder::Party(_), AuditAction::FactorAdded) => AuditAction::PortalFactorAdded,
            (FactorHolder::Party(_), AuditAction::FactorRenamed) => AuditAction::PortalFactorRenamed,
            (FactorHolder::Party(_), AuditAction::FactorRemoved) => AuditAction::PortalFactorRemoved,
            (FactorHolder::Party(_), AuditAction::RecoveryCodesRegenerated) => {
                AuditAction::PortalRecoveryCodesRegenerated
            }
            _ => action,
        }
    }
}

/// Who holds factors, as an authenticator app or a passkey names them.
struct HolderName {
    email: EmailAddress,
    name: String,
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

    /// A holder's confirmed factors, unused recovery codes, and whether a
    /// factor is required of them: what both they and an administrator see.
    async fn overview(
        &self,
        uow: &mut dyn UnitOfWork,
        practice: PracticeId,
        holder: FactorHolder,
    ) -> Result<FactorOverview, StoreError> {
        let factors: Vec<FactorSummary> = uow
            .factors()
            .list(practice, holder)
            .await?
            .iter()
            .filter(|f| f.confirmed)
            .map(Factor::summary)
            .collect();
        let recovery_codes_left = uow.factors().recovery_codes_left(practice, holder).await?;
        let required = match holder {
            FactorHolder::User(user) => match uow.users().get(practice, user).await? {
                Some(user) => {
                    let practice = self.practice_of(uow, practice).await?;
                    self.factor_required(uow, &practice, &user).await?
                }
                None => false,
            },
            FactorHolder::Party(_) => false,
        };
        Ok(FactorOverview { factors, recovery_codes_left, required })
    }

    /// The holder's sign-in email and name.
    async fn holder_name(
        &self,
        uow: &mut dyn UnitOfWork,
        practice: PracticeId,
        holder: FactorHolder,
    ) -> Result<HolderName, StoreError> {
        let missing = || StoreError::Internal("the holder of a live session is missing".to_owned());
        Ok(match holder {
            FactorHolder::User(user) => {
                let user = uow.users().get(practice, user).await?.ok_or_else(missing)?;
                HolderName { email: user.email, name: user.name.as_str().to_owned() }
            }
            FactorHolder::Party(party) => {
                let record = uow.parties().get(practice, party).await?.ok_or_else(missing)?;
                let account = uow.portal().get_account(practice, party).await?.ok_or_else(missing)?;
                HolderName { email: account.email, name: record.details.name.as_str().to_owned() }
            }
        })
    }

    /// Records that the password was typed in the holding's session now.
    async fn mark_password_typed(
        &self,
        uow: &mut dyn UnitOfWork,
        holding: &Holding,
    ) -> Result<(), StoreError> {
        let now = self.now();
        match holding.holder {
            FactorHolder::User(_) => {
                if let Some(mut session) = uow.sessions().get(holding.practice, holding.session).await?
                    && session.ended_at.is_none()
                {
                    session.password_at = now;
                    uow.sessions().update(&session).await?;
                }
            }
            FactorHolder::Party(_) => {
                if let Some(mut session) = uow.portal().get_session(holding.practice, holding.session).await?
                    && session.ended_at.is_none()
                {
                    session.password_at = now;
                    uow.portal().update_session(&session).await?;
                }
            }
        }
        Ok(())
    }

    /// Keeps a passkey ceremony on a staff or portal session.
    async fn keep_ceremony(
        uow: &mut dyn UnitOfWork,
        practice: PracticeId,
        holder: FactorHolder,
        session: SessionId,
        ceremony: &Ceremony,
    ) -> Result<(), StoreError> {
        match holder {
            FactorHolder::User(_) => uow.sessions().set_ceremony(practice, session, ceremony).await,
            FactorHolder::Party(_) => uow.portal().set_ceremony(practice, session, ceremony).await,
        }
    }

    /// Takes the passkey ceremony a staff or portal session keeps.
    async fn take_ceremony(
        uow: &mut dyn UnitOfWork,
        practice: PracticeId,
        holder: FactorHolder,
        session: SessionId,
    ) -> Result<Option<Ceremony>, StoreError> {
        match holder {
            FactorHolder::User(_) => uow.sessions().take_ceremony(practice, session).await,
            FactorHolder::Party(_) => uow.portal().take_ceremony(practice, session).await,
        }
    }

    /// Queues the email telling a holder their second factors changed: a
    /// user's goes to their account, a party's to their portal account,
    /// in their language and time zone.
    pub(in crate::service) async fn notify_factor_change(
        &self,
        uow: &mut dyn UnitOfWork,
        practice: PracticeId,
        holder: FactorHolder,
        change: FactorChange,
    ) -> Result<(), StoreError> {
        let practice = self.practice_of(uow, practice).await?;
        let changed_at = self.now();
        match holder {
            FactorHolder::User(user) => {
                let Some(user) = uow.users().get(practice.id, user).await? else {
                    return Ok(());
                };
                let message = Message::SecondFactorChanged { change, changed_at };
                self.send(uow, &practice, Recipient::from(&user), message).await
            }
            FactorHolder::Party(party) => {
                let Some(record) = uow.parties().get(practice.id, party).await? else {
                    return Ok(());
                };
                let Some(account) = uow.portal().get_account(practice.id, party).await? else {
                    return Ok(());
                };
                let practice_slug = practice.slug.as_str().to_owned();
                let message = Message::PartySecondFactorChanged { practice_slug, change, changed_at };
                self.send_to_party(uow, &practice, &record, &account, message).await
            }
        }
    }
}
