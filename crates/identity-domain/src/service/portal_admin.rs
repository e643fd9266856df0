//! Administering parties' portal access (needs `parties.manage`): portal
//! status, revoking an invitation, ending a party's sessions, deactivating
//! and reactivating access; and the parties of cases.
//!
//! Inviting (and resending, which kills the old link) goes through
//! [`IdentityService::invite_party`], which opens or refreshes the portal
//! account here.

use super::{Caller, IdentityService, PartyError};
use crate::audit::{AuditAction, Target};
use crate::email::EmailAddress;
use crate::error::{AccessError, Conflict, StoreError};
use crate::ids::{CaseId, PartyId};
use crate::link::{LinkPurpose, LinkSubject};
use crate::party::{Party, PortalStatus};
use crate::permission::Permission;
use crate::portal::{CasePart, CaseParty, IllegalPortalTransition, PortalAccount, PortalAccountStatus};
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
    },
    /// Access withdrawn.
    Inactive {
        /// The sign-in email.
        email: EmailAddress,
    },
}

/// Why a party's portal access was not read or changed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PortalAdminError {
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
    /// Only an active account gets a recovery link (an invited party gets
    /// their invitation again; an inactive one is reactivated first).
    #[error("the party's portal account is {status}; only an active account gets a recovery link")]
    NotActive {
        /// The account's status.
        status: PortalAccountStatus,
    },
    /// The lifecycle forbids the change.
    #[error(transparent)]
    Transition(#[from] IllegalPortalTransition),
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Why a case's parties were not read or changed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CasePartyError {
    /// The caller may not manage parties.
    #[error(transparent)]
    Access(#[from] AccessError),
    /// No such case in the caller's practice.
    #[error("no such case")]
    CaseNotFound,
    /// No such party in the caller's practice.
    #[error("no such party")]
    PartyNotFound,
    /// The party already takes part in the case.
    #[error("the party already takes part in this case")]
    AlreadyOnCase,
    /// The party does not take part in the case.
    #[error("the party does not take part in this case")]
    NotOnCase,
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl IdentityService {
    /// A party's portal access (needs `parties.manage`).
    ///
    /// # Errors
    /// [`PortalAdminError`].
    pub async fn portal_access(
        &self,
        caller: &Caller,
        party: PartyId,
    ) -> Result<PortalAccess, PortalAdminError> {
        caller.require(Permission::PartiesManage)?;
        let mut uow = self.begin(Access::Read).await?;
        let record =
            uow.parties().get(caller.practice(), party).await?.ok_or(PortalAdminError::PartyNotFound)?;
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
            PortalAccountStatus::Active => PortalAccess::Active {
                email: account.email,
                last_sign_in_at: account.last_sign_in_at,
                locked: account.locked,
            },
            PortalAccountStatus::Inactive => PortalAccess::Inactive { email: account.email },
        })
    }

    /// Revokes a party's pending invitation: its link dies and the party
    /// shows as not invited until invited again (needs `parties.manage`).
    ///
    /// # Errors
    /// [`PortalAdminError`].
    pub async fn revoke_party_invitation(
        &self,
        caller: &Caller,
        party: PartyId,
    ) -> Result<(), PortalAdminError> {
        caller.require(Permission::PartiesManage)?;
        let now = self.now();
        let mut uow = self.begin(Access::Write).await?;
        let (mut record, account) = Self::party_and_account(uow.as_mut(), caller, party).await?;
        if account.status != PortalAccountStatus::Invited {
            return Err(PortalAdminError::NotPending { status: account.status });
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
    /// [`PortalAdminError`]; only an active account gets one
    /// ([`PortalAdminError::NotActive`]).
    pub async fn send_party_recovery_link(
        &self,
        caller: &Caller,
        party: PartyId,
    ) -> Result<(), PortalAdminError> {
        caller.require(Permission::PartiesManage)?;
        let mut uow = self.begin(Access::Write).await?;
        let (record, account) = Self::party_and_account(uow.as_mut(), caller, party).await?;
        if account.status != PortalAccountStatus::Active {
            return Err(PortalAdminError::NotActive { status: account.status });
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
    /// [`PortalAdminError`].
    pub async fn end_party_sessions(&self, caller: &Caller, party: PartyId) -> Result<u64, PortalAdminError> {
        caller.require(Permission::PartiesManage)?;
        let now = self.now();
        let mut uow = self.begin(Access::Write).await?;
        Self::party_and_account(uow.as_mut(), caller, party).await?;
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

    /// Withdraws a party's portal access: the account becomes inactive,
    /// every portal session ends and every pending link dies (needs
    /// `parties.manage`).
    ///
    /// # Errors
    /// [`PortalAdminError`]; an invitation not yet accepted is revoked
    /// instead ([`PortalAdminError::Transition`]).
    pub async fn deactivate_portal_access(
        &self,
        caller: &Caller,
        party: PartyId,
    ) -> Result<(), PortalAdminError> {
        self.change_portal_status(caller, party, PortalAccountStatus::Inactive).await
    }

    /// Gives an inactive party their portal access back, with the password
    /// they had (needs `parties.manage`).
    ///
    /// # Errors
    /// [`PortalAdminError`].
    pub async fn reactivate_portal_access(
        &self,
        caller: &Caller,
        party: PartyId,
    ) -> Result<(), PortalAdminError> {
        self.change_portal_status(caller, party, PortalAccountStatus::Active).await
    }

    async fn change_portal_status(
        &self,
        caller: &Caller,
        party: PartyId,
        next: PortalAccountStatus,
    ) -> Result<(), PortalAdminError> {
        caller.require(Permission::PartiesManage)?;
        let now = self.now();
        let mut uow = self.begin(Access::Write).await?;
        let (_, mut account) = Self::party_and_account(uow.as_mut(), caller, party).await?;
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

    async fn party_and_account(
        uow: &mut dyn UnitOfWork,
        caller: &Caller,
        party: PartyId,
    ) -> Result<(Party, PortalAccount), PortalAdminError> {
        let record =
            uow.parties().get(caller.practice(), party).await?.ok_or(PortalAdminError::PartyNotFound)?;
        let account =
            uow.portal().get_account(caller.practice(), party).await?.ok_or(PortalAdminError::NotInvited)?;
        Ok((record, account))
    }

    /// Opens the portal account of a party being invited, or refreshes a
    /// pending one (a new address is reserved, the sent time renewed).
    /// Called inside the invitation's unit of work, before its link is
    /// issued.
    pub(super) async fn open_portal_account(
        &self,
        uow: &mut dyn UnitOfWork,
        party: &Party,
        email: &EmailAddress,
    ) -> Result<PortalAccount, PartyError> {
        let now = self.now();
        let existing = uow.portal().get_account(party.practice, party.id).await?;
        if let Some(account) = &existing
            && account.status != PortalAccountStatus::Invited
        {
            return Err(PartyError::PortalAlreadyOpen { status: account.status });
        }
        let same_address = existing.as_ref().is_some_and(|a| a.email.normalized() == email.normalized());
        if !same_address {
            match uow.portal().email_holder(party.practice, email).await? {
                Some(holder) if holder != party.id => return Err(PartyError::EmailTaken { holder }),
                _ => {}
            }
            match uow.portal().reserve_email(party.practice, email, party.id, now).await {
                Err(StoreError::Conflict(Conflict::EmailTaken)) => {
                    let holder = uow.portal().email_holder(party.practice, email).await?.unwrap_or(party.id);
                    return Err(PartyError::EmailTaken { holder });
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

    /// Adds a party to a case with their part (needs `parties.manage`).
    ///
    /// # Errors
    /// [`CasePartyError`].
    pub async fn add_case_party(
        &self,
        caller: &Caller,
        case: CaseId,
        party: PartyId,
        part: CasePart,
    ) -> Result<CaseParty, CasePartyError> {
        caller.require(Permission::PartiesManage)?;
        let mut uow = self.begin(Access::Write).await?;
        uow.cases().get(caller.practice(), case).await?.ok_or(CasePartyError::CaseNotFound)?;
        uow.parties().get(caller.practice(), party).await?.ok_or(CasePartyError::PartyNotFound)?;
        if uow.case_parties().list_for_case(caller.practice(), case).await?.iter().any(|e| e.party == party) {
            return Err(CasePartyError::AlreadyOnCase);
        }
        let entry = CaseParty { practice: caller.practice(), case, party, part, added_at: self.now() };
        match uow.case_parties().add(&entry).await {
            Err(StoreError::Conflict(Conflict::Stale)) => return Err(CasePartyError::AlreadyOnCase),
            other => other?,
        }
        self.audit(
            uow.as_mut(),
            &caller.origin(),
            AuditAction::CasePartyAdded,
            Some(Target::Case(case)),
            None,
            Some(json!({ "party": party, "part": part })),
        )
        .await?;
        uow.commit().await?;
        Ok(entry)
    }

    /// Removes a party from a case (needs `parties.manage`).
    ///
    /// # Errors
    /// [`CasePartyError`].
    pub async fn remove_case_party(
        &self,
        caller: &Caller,
        case: CaseId,
        party: PartyId,
    ) -> Result<(), CasePartyError> {
        caller.require(Permission::PartiesManage)?;
        let mut uow = self.begin(Access::Write).await?;
        uow.cases().get(caller.practice(), case).await?.ok_or(CasePartyError::CaseNotFound)?;
        let before = uow
            .case_parties()
            .list_for_case(caller.practice(), case)
            .await?
            .into_iter()
            .find(|e| e.party == party)
            .ok_or(CasePartyError::NotOnCase)?;
        if !uow.case_parties().take_off(caller.practice(), case, party).await? {
            return Err(CasePartyError::NotOnCase);
        }
        self.audit(
            uow.as_mut(),
            &caller.origin(),
            AuditAction::CasePartyRemoved,
            Some(Target::Case(case)),
            Some(json!({ "party": party, "part": before.part })),
            None,
        )
        .await?;
        uow.commit().await?;
        Ok(())
    }

    /// The parties of a case with their parts (needs `parties.manage`).
    ///
    /// # Errors
    /// [`CasePartyError`].
    pub async fn list_case_parties(
        &self,
        caller: &Caller,
        case: CaseId,
    ) -> Result<Vec<CaseParty>, CasePartyError> {
        caller.require(Permission::PartiesManage)?;
        let mut uow = self.begin(Access::Read).await?;
        uow.cases().get(caller.practice(), case).await?.ok_or(CasePartyError::CaseNotFound)?;
        Ok(uow.case_parties().list_for_case(caller.practice(), case).await?)
    }
}
