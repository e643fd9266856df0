//! Administering parties' portal access (needs `parties.manage`): portal
//! status, revoking an invitation, a recovery link, ending a party's
//! sessions, deactivating and reactivating access. Each operation answers
//! its own error enum.
//!
//! Inviting (and resending, which kills the old link) goes through
//! [`IdentityService::invite_party`], which opens or refreshes the portal
//! account here. The parties of cases are in `party_cases`.

use super::parties::InvitationRefusals;
use super::{Caller, IdentityService};
use crate::audit::{AuditAction, Target};
use crate::email::EmailAddress;
use crate::error::{AccessError, Conflict, StoreError};
use crate::ids::PartyId;
use crate::link::{LinkPurpose, LinkSubject};
use crate::mail::FactorChange;
use crate::party::{Party, PortalStatus};
use crate::permission::Permission;
use crate::portal::{IllegalPortalTransition, PortalAccount, PortalAccountStatus};
use crate::ports::{Access, UnitOfWork};
use chrono::{DateTime, Utc};
use serde_json::json;

/// A party's portal access, as administrators see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PortalAccess {
    /// Never invited, or the invitation was revoked before it was accepted.
    NotInvited,
    /// Invited; not accepted yet.
    Invited {
        /// The address the invitation went to.
        email: EmailAddress,
        /// When the last invitation was sent.
        sent_at: Option<DateTime<Utc>>,
        /// When its link stops working; `None` when it expired unused:
        /// send the invitation again.
        expires_at: Option<DateTime<Utc>>,
    },
    /// The party can sign in.
    Active {
        /// The sign-in email.
        email: EmailAddress,
        /// The last successful sign-in.
        last_sign_in_at: Option<DateTime<Utc>>,
        /// Password sign-in is locked after too many failures.
        locked: bool,
        /// How many second factors the party enrolled (authenticator apps
        /// and passkeys; never what they hold).
        second_factors: u32,
    },
    /// Access withdrawn.
    Inactive {
        /// The sign-in email.
        email: EmailAddress,
    },
}

/// Why a party's portal access could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReadPortalAccessError {
    /// The caller may not manage parties.
    #[error(transparent)]
    Access(#[from] AccessError),
    /// No such party in the caller's practice.
    #[error("no such party")]
    PartyNotFound,
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Why a party's invitation was not revoked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RevokePartyInvitationError {
    /// The caller may not manage parties.
    #[error(transparent)]
    Access(#[from] AccessError),
    /// No such party in the caller's practice.
    #[error("no such party")]
    PartyNotFound,
    /// The party has never been invited to the portal.
    #[error("the party has no portal account")]
    NotInvited,
    /// Only a pending invitation can be revoked.
    #[error("the party's portal account is {status}; only a pending invitation can be revoked")]
    NotPending {
        /// The account's status.
        status: PortalAccountStatus,
    },
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Why a party was not sent a portal recovery link.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PartyRecoveryLinkError {
    /// The caller may not manage parties.
    #[error(transparent)]
    Access(#[from] AccessError),
    /// No such party in the caller's practice.
    #[error("no such party")]
    PartyNotFound,
    /// The party has never been invited to the portal.
    #[error("the party has no portal account")]
    NotInvited,
    /// Only an active account gets a recovery link (an invited party gets
    /// their invitation again; an inactive one is reactivated first).
    #[error("the party's portal account is {status}; only an active account gets a recovery link")]
    NotActive {
        /// The account's status.
        status: PortalAccountStatus,
    },
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Why a party's portal sessions were not ended.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EndPartySessionsError {
    /// The caller may not manage parties.
    #[error(transparent)]
    Access(#[from] AccessError),
    /// No such party in the caller's practice.
    #[error("no such party")]
    PartyNotFound,
    /// The party has never been invited to the portal.
    #[error("the party has no portal account")]
    NotInvited,
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Why a party's portal second factors were not reset.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ResetPartyFactorsError {
    /// The caller may not manage parties.
    #[error(transparent)]
    Access(#[from] AccessError),
    /// No such party in the caller's practice.
    #[error("no such party")]
    PartyNotFound,
    /// The party has never been invited to the portal.
    #[error("the party has no portal account")]
    NotInvited,
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

crate::error::contended_through_store!(ResetPartyFactorsError);

/// Why a party's portal access was not withdrawn.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DeactivatePortalError {
    /// The caller may not manage parties.
    #[error(transparent)]
    Access(#[from] AccessError),
    /// No such party in the caller's practice.
    #[error("no such party")]
    PartyNotFound,
    /// The party has never been invited to the portal.
    #[error("the party has no portal account")]
    NotInvited,
    /// Only an active account is deactivated (an invitation not yet
    /// accepted is revoked instead).
    #[error(transparent)]
    Transition(#[from] IllegalPortalTransition),
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Why a party's portal access was not given back.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReactivatePortalError {
    /// The caller may not manage parties.
    #[error(transparent)]
    Access(#[from] AccessError),
    /// No such party in the caller's practice.
    #[error("no such party")]
    PartyNotFound,
    /// The party has never been invited to the portal.
    #[error("the party has no portal account")]
    NotInvited,
    /// Only an inactive account is reactivated (an invited one becomes
    /// active by accepting its invitation).
    #[error(transparent)]
    Transition(#[from] IllegalPortalTransition),
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The refusals of every operation on an existing portal account, in each
/// operation's own enum: the party or their account is missing.
trait AccountRefusals: From<AccessError> + From<StoreError> {
    /// No such party in the caller's practice.
    fn party_not_found() -> Self;
    /// The party has never been invited to the portal.
    fn not_invited() -> Self;
}

macro_rules! account_refusals {
    ($($error:ident),*) => {
        $(
            impl AccountRefusals for $error {
                fn party_not_found() -> Self {
                    Self::PartyNotFound
                }
                fn not_invited() -> Self {
                    Self::NotInvited
                }
            }
        )*
    };
}

account_refusals!(
    ResetPartyFactorsError,
    RevokePartyInvitationError,
    PartyRecoveryLinkError,
    EndPartySessionsError,
    DeactivatePortalError,
    ReactivatePortalError
);

impl IdentityService {
    /// A party's portal access (needs `parties.manage`).
    ///
    /// # Errors
    /// [`ReadPortalAccessError`].
    pub async fn portal_access(
        &self,
        caller: &Caller,
        party: PartyId,
    ) -> Result<PortalAccess, ReadPortalAccessError> {
        caller.require(Permission::PartiesManage)?;
        let mut uow = self.begin(Access::Read).await?;
        let record =
            uow.parties().get(caller.practice(), party).await?.ok_or(ReadPortalAccessError::PartyNotFound)?;
        let Some(account) = uow.portal().get_account(caller.practice(), party).await? else {
            return Ok(PortalAccess::NotInvited);
        };
        if account.status == PortalAccountStatus::Invited && record.portal == PortalStatus::NotInvited {
            return Ok(PortalAccess::NotInvited);
        }
        Ok(match account.status {
            PortalAccountStatus::Invited => {
                let expires_at = uow
                    .links()
                    .live_for(caller.practice(), LinkSubject::Party(party), self.now())
                    .await?
                    .into_iter()
                    .filter(|l| l.purpose == LinkPurpose::PartyInvitation)
                    .map(|l| l.expires_at)
                    .max();
                PortalAccess::Invited { email: account.email, sent_at: account.invited_at, expires_at }
            }
            PortalAccountStatus::Active => {
                let factors = uow.factors().list(caller.practice(), party.into()).await?;
                let second_factors = factors.iter().filter(|f| f.confirmed).count();
                PortalAccess::Active {
                    email: account.email,
                    last_sign_in_at: account.last_sign_in_at,
                    locked: account.locked,
                    second_factors: u32::try_from(second_factors).unwrap_or(u32::MAX),
                }
            }
            PortalAccountStatus::Inactive => PortalAccess::Inactive { email: account.email },
        })
    }

    /// Revokes a party's pending invitation: its link dies and the party
    /// shows as not invited until invited again (needs `parties.manage`).
    ///
    /// # Errors
    /// [`RevokePartyInvitationError`].
    pub async fn revoke_party_invitation(
        &self,
        caller: &Caller,
        party: PartyId,
    ) -> Result<(), RevokePartyInvitationError> {
        caller.require(Permission::PartiesManage)?;
        let now = self.now();
        let mut uow = self.begin(Access::Write).await?;
        let (mut record, account) =
            Self::party_and_account::<RevokePartyInvitationError>(uow.as_mut(), caller, party).await?;
        if account.status != PortalAccountStatus::Invited {
            return Err(RevokePartyInvitationError::NotPending { status: account.status });
        }
        let voided = uow
            .links()
            .void_for(caller.practice(), LinkSubject::Party(party), Some(LinkPurpose::PartyInvitation), now)
            .await?;
        record.portal = PortalStatus::NotInvited;
        record.updated_at = now;
        uow.parties().update(&record).await?;
        self.audit(
            uow.as_mut(),
            &caller.origin(),
            AuditAction::PortalInvitationRevoked,
            Some(Target::Party(party)),
            None,
            Some(json!({ "links_voided": voided })),
        )
        .await?;
        uow.commit().await?;
        Ok(())
    }

    /// Emails an active party a portal recovery link (needs
    /// `parties.manage`): their earlier links die; the password works until
    /// the link is used, which also clears a sign-in lock.
    ///
    /// # Errors
    /// [`PartyRecoveryLinkError`]; only an active account gets one
    /// ([`PartyRecoveryLinkError::NotActive`]).
    pub async fn send_party_recovery_link(
        &self,
        caller: &Caller,
        party: PartyId,
    ) -> Result<(), PartyRecoveryLinkError> {
        caller.require(Permission::PartiesManage)?;
        let mut uow = self.begin(Access::Write).await?;
        let (record, account) =
            Self::party_and_account::<PartyRecoveryLinkError>(uow.as_mut(), caller, party).await?;
        if account.status != PortalAccountStatus::Active {
            return Err(PartyRecoveryLinkError::NotActive { status: account.status });
        }
        let practice = self.practice_of(uow.as_mut(), caller.practice()).await?;
        self.send_party_recovery(uow.as_mut(), &practice, &record, &account).await?;
        self.audit(
            uow.as_mut(),
            &caller.origin(),
            AuditAction::PortalRecoverySent,
            Some(Target::Party(party)),
            None,
            None,
        )
        .await?;
        uow.commit().await?;
        Ok(())
    }

    /// Ends every portal session of a party (needs `parties.manage`);
    /// returns how many were live.
    ///
    /// # Errors
    /// [`EndPartySessionsError`].
    pub async fn end_party_sessions(
        &self,
        caller: &Caller,
        party: PartyId,
    ) -> Result<u64, EndPartySessionsError> {
        caller.require(Permission::PartiesManage)?;
        let now = self.now();
        let mut uow = self.begin(Access::Write).await?;
        Self::party_and_account::<EndPartySessionsError>(uow.as_mut(), caller, party).await?;
        let ended = uow.portal().end_sessions(caller.practice(), party, None, now).await?;
        self.audit(
            uow.as_mut(),
            &caller.origin(),
            AuditAction::PortalSessionsEnded,
            Some(Target::Party(party)),
            None,
            Some(json!({ "sessions_ended": ended })),
        )
        .await?;
        uow.commit().await?;
        Ok(ended)
    }

    /// Resets a party's portal second factors (needs `parties.manage`):
    /// every factor and recovery code is removed, every portal session
    /// ends, and the party is emailed; returns how many factors there were.
    ///
    /// # Errors
    /// [`ResetPartyFactorsError`].
    pub async fn reset_party_factors(
        &self,
        caller: &Caller,
        party: PartyId,
    ) -> Result<u64, ResetPartyFactorsError> {
        caller.require(Permission::PartiesManage)?;
        self.write(|| async move {
            let now = self.now();
            let mut uow = self.begin(Access::Write).await?;
            Self::party_and_account::<ResetPartyFactorsError>(uow.as_mut(), caller, party).await?;
            let removed = uow.factors().remove_all(caller.practice(), party.into()).await?;
            let ended = uow.portal().end_sessions(caller.practice(), party, None, now).await?;
            self.audit(
                uow.as_mut(),
                &caller.origin(),
                AuditAction::PortalFactorsReset,
                Some(Target::Party(party)),
                None,
                Some(json!({ "factors_removed": removed, "sessions_ended": ended })),
            )
            .await?;
            self.notify_factor_change(uow.as_mut(), caller.practice(), party.into(), FactorChange::Reset)
                .await?;
            uow.commit().await?;
            Ok(removed)
        })
        .await
    }

    /// Withdraws a party's portal access: the account becomes inactive,
    /// every portal session ends and every pending link dies (needs
    /// `parties.manage`).
    ///
    /// # Errors
    /// [`DeactivatePortalError`]; an invitation not yet accepted is
    /// revoked instead ([`DeactivatePortalError::Transition`]).
    pub async fn deactivate_portal_access(
        &self,
        caller: &Caller,
        party: PartyId,
    ) -> Result<(), DeactivatePortalError> {
        self.change_portal_status(caller, party, PortalAccountStatus::Inactive).await
    }

    /// Gives an inactive party their portal access back, with the password
    /// they had (needs `parties.manage`).
    ///
    /// # Errors
    /// [`ReactivatePortalError`].
    pub async fn reactivate_portal_access(
        &self,
        caller: &Caller,
        party: PartyId,
    ) -> Result<(), ReactivatePortalError> {
        self.change_portal_status(caller, party, PortalAccountStatus::Active).await
    }

    async fn change_portal_status<E: AccountRefusals + From<IllegalPortalTransition>>(
        &self,
        caller: &Caller,
        party: PartyId,
        next: PortalAccountStatus,
    ) -> Result<(), E> {
        caller.require(Permission::PartiesManage)?;
        let now = self.now();
        let mut uow = self.begin(Access::Write).await?;
        let (_, mut account) = Self::party_and_account::<E>(uow.as_mut(), caller, party).await?;
        let before = account.status;
        // Only accepting an invitation makes an invited account active: an
        // administrator reactivates inactive accounts only.
        let from = match next {
            PortalAccountStatus::Active => PortalAccountStatus::Inactive,
            PortalAccountStatus::Inactive | PortalAccountStatus::Invited => PortalAccountStatus::Active,
        };
        if before != from {
            return Err(IllegalPortalTransition { from: before, to: next }.into());
        }
        account.transition(next, now)?;
        uow.portal().update_account(&account).await?;
        let action = if next == PortalAccountStatus::Inactive {
            uow.portal().end_sessions(caller.practice(), party, None, now).await?;
            uow.links().void_for(caller.practice(), LinkSubject::Party(party), None, now).await?;
            AuditAction::PortalDeactivated
        } else {
            AuditAction::PortalReactivated
        };
        self.audit(
            uow.as_mut(),
            &caller.origin(),
            action,
            Some(Target::Party(party)),
            Some(json!({ "status": before })),
            Some(json!({ "status": account.status })),
        )
        .await?;
        uow.commit().await?;
        Ok(())
    }

    async fn party_and_account<E: AccountRefusals>(
        uow: &mut dyn UnitOfWork,
        caller: &Caller,
        party: PartyId,
    ) -> Result<(Party, PortalAccount), E> {
        let record = uow.parties().get(caller.practice(), party).await?.ok_or_else(E::party_not_found)?;
        let account = uow.portal().get_account(caller.practice(), party).await?.ok_or_else(E::not_invited)?;
        Ok((record, account))
    }

    /// Opens the portal account of a party being invited, or refreshes
    /// `existing`, their pending one (a new address is reserved, the sent
    /// time renewed). Called inside the invitation's unit of work, before
    /// its link is issued, once an account already accepted is refused.
    pub(super) async fn open_portal_account<E: InvitationRefusals>(
        &self,
        uow: &mut dyn UnitOfWork,
        party: &Party,
        email: &EmailAddress,
        existing: Option<PortalAccount>,
    ) -> Result<PortalAccount, E> {
        let now = self.now();
        let same_address = existing.as_ref().is_some_and(|a| a.email.normalized() == email.normalized());
        if !same_address {
            match uow.portal().email_holder(party.practice, email).await? {
                Some(holder) if holder != party.id => return Err(E::email_taken(holder)),
                _ => {}
            }
            match uow.portal().reserve_email(party.practice, email, party.id, now).await {
                Err(StoreError::Conflict(Conflict::EmailTaken)) => {
                    let holder = uow.portal().email_holder(party.practice, email).await?.unwrap_or(party.id);
                    return Err(E::email_taken(holder));
                }
                other => other?,
            }
        }
        match existing {
            None => {
                let account = PortalAccount::invited(party.practice, party.id, email.clone(), now);
                uow.portal().insert_account(&account).await?;
                Ok(account)
            }
            Some(mut account) => {
                account.email = email.clone();
                account.invited_at = Some(now);
                account.updated_at = now;
                uow.portal().update_account(&account).await?;
                Ok(account)
            }
        }
    }
}
