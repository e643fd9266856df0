//! Parties (the people in a practice's cases): recorded, changed, invited to the portal, listed.
//!
//! Each operation answers its own error enum, with only the refusals it can
//! really give: recording ([`SavePartyError`]), changing
//! ([`UpdatePartyError`]), inviting ([`InvitePartyError`]), reading one
//! ([`ReadPartyError`]) and listing a site's ([`ListPartiesError`]).

use super::{Caller, IdentityService, Recipient};
use crate::audit::{AuditAction, Target};
use crate::email::EmailAddress;
use crate::error::{AccessError, StoreError};
use crate::ids::{PartyId, SiteId};
use crate::link::{LinkPurpose, LinkSubject};
use crate::mail::{MailSecret, Message};
use crate::party::{Party, PartyDetails, PortalStatus};
use crate::permission::Permission;
use crate::person::Language;
use crate::portal::{PortalAccount, PortalAccountStatus};
use crate::ports::{Access, UnitOfWork};
use crate::site::Site;
use serde_json::json;

/// Why a party was not recorded (and, with "Send invite", invited).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SavePartyError {
    /// The caller may not manage (or invite) parties.
    #[error(transparent)]
    Access(#[from] AccessError),
    /// No such site in the caller's practice.
    #[error("no such site")]
    SiteNotFound,
    /// An invitation needs the party's email.
    #[error("the party has no email to send an invitation to")]
    NoEmail,
    /// Another party's portal account holds, or once held, this email.
    #[error("another party's portal account holds or held this email")]
    EmailTaken {
        /// That party.
        holder: PartyId,
    },
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Why a party's details were not changed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UpdatePartyError {
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

/// Why a recorded party was not invited to the portal.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvitePartyError {
    /// The caller may not manage or invite parties.
    #[error(transparent)]
    Access(#[from] AccessError),
    /// No such party in the caller's practice.
    #[error("no such party")]
    PartyNotFound,
    /// An invitation needs the party's email.
    #[error("the party has no email to send an invitation to")]
    NoEmail,
    /// Another party's portal account holds, or once held, this email.
    #[error("another party's portal account holds or held this email")]
    EmailTaken {
        /// That party.
        holder: PartyId,
    },
    /// The party's portal account is already open: it was accepted.
    #[error("the party's portal account is {status}; it cannot be invited again")]
    PortalAlreadyOpen {
        /// The account's status.
        status: PortalAccountStatus,
    },
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Why a party could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReadPartyError {
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

/// Why a site's parties could not be listed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ListPartiesError {
    /// The caller may not manage parties.
    #[error(transparent)]
    Access(#[from] AccessError),
    /// No such site in the caller's practice.
    #[error("no such site")]
    SiteNotFound,
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The refusals an invitation can meet once the party and their email are
/// known, in the enum of each operation that sends one (recording with
/// "Send invite", inviting a recorded party).
pub(super) trait InvitationRefusals: From<StoreError> {
    /// Another party's portal account holds, or once held, the email.
    fn email_taken(holder: PartyId) -> Self;
}

impl InvitationRefusals for SavePartyError {
    fn email_taken(holder: PartyId) -> Self {
        Self::EmailTaken { holder }
    }
}

impl InvitationRefusals for InvitePartyError {
    fn email_taken(holder: PartyId) -> Self {
        Self::EmailTaken { holder }
    }
}

impl IdentityService {
    /// Records a party at a site ("Save"), and with `invite` also queues an
    /// invitation to create a portal account ("Send invite", which needs
    /// `parties.invite` and an email). Nothing is recorded when the
    /// invitation is refused.
    ///
    /// # Errors
    /// [`SavePartyError`].
    pub async fn save_party(
        &self,
        caller: &Caller,
        site: SiteId,
        details: PartyDetails,
        invite: bool,
    ) -> Result<Party, SavePartyError> {
        caller.require(Permission::PartiesManage)?;
        let invitation = if invite {
            caller.require(Permission::PartiesInvite)?;
            Some(details.email.clone().ok_or(SavePartyError::NoEmail)?)
        } else {
            None
        };
        self.write(|| {
            let (details, invitation) = (details.clone(), invitation.clone());
            async move {
                let mut uow = self.begin(Access::Write).await?;
                let site =
                    uow.sites().get(caller.practice(), site).await?.ok_or(SavePartyError::SiteNotFound)?;
                let now = self.now();
                let mut party = Party {
                    id: self.new_id(),
                    practice: caller.practice(),
                    site: site.id,
                    details,
                    portal: PortalStatus::NotInvited,
                    created_at: now,
                    updated_at: now,
                };
                uow.parties().insert(&party).await?;
                self.audit(
                    uow.as_mut(),
                    &caller.origin(),
                    AuditAction::PartyCreated,
                    Some(Target::Party(party.id)),
                    None,
                    Some(party_view(&party)),
                )
                .await?;
                if let Some(email) = invitation {
                    // A party recorded just now has no portal account yet.
                    self.send_party_invitation::<SavePartyError>(
                        uow.as_mut(),
                        caller,
                        &mut party,
                        &email,
                        &site,
                        None,
                    )
                    .await?;
                }
                uow.commit().await?;
                Ok(party)
            }
        })
        .await
    }

    /// Changes a party's details (needs `parties.manage`).
    ///
    /// # Errors
    /// [`UpdatePartyError`].
    pub async fn update_party(
        &self,
        caller: &Caller,
        id: PartyId,
        details: PartyDetails,
    ) -> Result<Party, UpdatePartyError> {
        caller.require(Permission::PartiesManage)?;
        self.write(|| {
            let details = details.clone();
            async move {
                let mut uow = self.begin(Access::Write).await?;
                let mut party =
                    uow.parties().get(caller.practice(), id).await?.ok_or(UpdatePartyError::PartyNotFound)?;
                let before = party_view(&party);
                party.details = details;
                party.updated_at = self.now();
                uow.parties().update(&party).await?;
                self.audit(
                    uow.as_mut(),
                    &caller.origin(),
                    AuditAction::PartyUpdated,
                    Some(Target::Party(id)),
                    Some(before),
                    Some(party_view(&party)),
                )
                .await?;
                uow.commit().await?;
                Ok(party)
            }
        })
        .await
    }

    /// Invites a recorded party to the portal (again): the previous link
    /// dies. An account already accepted is not invited again
    /// ([`InvitePartyError::PortalAlreadyOpen`]).
    ///
    /// # Errors
    /// [`InvitePartyError`].
    pub async fn invite_party(&self, caller: &Caller, id: PartyId) -> Result<Party, InvitePartyError> {
        caller.require(Permission::PartiesManage)?;
        caller.require(Permission::PartiesInvite)?;
        self.write(|| async move {
            let mut uow = self.begin(Access::Write).await?;
            let mut party =
                uow.parties().get(caller.practice(), id).await?.ok_or(InvitePartyError::PartyNotFound)?;
            let email = party.details.email.clone().ok_or(InvitePartyError::NoEmail)?;
            let existing = uow.portal().get_account(caller.practice(), id).await?;
            if let Some(account) = &existing
                && account.status != PortalAccountStatus::Invited
            {
                return Err(InvitePartyError::PortalAlreadyOpen { status: account.status });
            }
            // Sites are never deleted: a party's missing site is damaged data.
            let site = uow.sites().get(caller.practice(), party.site).await?.ok_or_else(|| {
                StoreError::Internal(format!("site {} of party {} is missing", party.site, party.id))
            })?;
            self.send_party_invitation::<InvitePartyError>(
                uow.as_mut(),
                caller,
                &mut party,
                &email,
                &site,
                existing,
            )
            .await?;
            uow.commit().await?;
            Ok(party)
        })
        .await
    }

    /// Opens (or refreshes) the portal account of `party` at `email`,
    /// issues its invitation link, queues the email and audits it.
    /// `existing` is the party's pending account, if any: the caller has
    /// refused an account already accepted.
    async fn send_party_invitation<E: InvitationRefusals>(
        &self,
        uow: &mut dyn UnitOfWork,
        caller: &Caller,
        party: &mut Party,
        email: &EmailAddress,
        site: &Site,
        existing: Option<PortalAccount>,
    ) -> Result<(), E> {
        let practice = self.practice_of(uow, caller.practice()).await?;
        let account = self.open_portal_account::<E>(uow, party, email, existing).await?;
        let (token, expires_at) = self
            .issue_link(
                uow,
                caller.practice(),
                LinkSubject::Party(party.id),
                LinkPurpose::PartyInvitation,
                self.config.invitation_ttl,
            )
            .await?;
        let language = party.details.language.clone().unwrap_or_else(Language::english);
        let recipient = Recipient {
            email,
            name: party.details.name.as_str(),
            language: &language,
            time_zone: super::portal::party_time_zone(&account, Some(site), &practice),
        };
        let message = Message::PartyInvitation {
            practice_slug: practice.slug.as_str().to_owned(),
            site_name: site.name.as_str().to_owned(),
            token: MailSecret::new(token.expose()),
            expires_at,
        };
        self.send(uow, &practice, recipient, message).await?;
        party.portal = PortalStatus::Invited;
        party.updated_at = self.now();
        uow.parties().update(party).await?;
        self.audit(
            uow,
            &caller.origin(),
            AuditAction::PartyInvited,
            Some(Target::Party(party.id)),
            None,
            Some(json!({ "email": email.as_str() })),
        )
        .await?;
        Ok(())
    }

    /// One party (needs `parties.manage`).
    ///
    /// # Errors
    /// [`ReadPartyError`].
    pub async fn get_party(&self, caller: &Caller, id: PartyId) -> Result<Party, ReadPartyError> {
        caller.require(Permission::PartiesManage)?;
        let mut uow = self.begin(Access::Read).await?;
        uow.parties().get(caller.practice(), id).await?.ok_or(ReadPartyError::PartyNotFound)
    }

    /// The parties recorded at a site (needs `parties.manage`).
    ///
    /// # Errors
    /// [`ListPartiesError`].
    pub async fn list_parties(&self, caller: &Caller, site: SiteId) -> Result<Vec<Party>, ListPartiesError> {
        caller.require(Permission::PartiesManage)?;
        let mut uow = self.begin(Access::Read).await?;
        uow.sites().get(caller.practice(), site).await?.ok_or(ListPartiesError::SiteNotFound)?;
        Ok(uow.parties().list_by_site(caller.practice(), site).await?)
    }
}

fn party_view(party: &Party) -> serde_json::Value {
    json!({ "site": party.site, "details": party.details, "portal": party.portal })
}
