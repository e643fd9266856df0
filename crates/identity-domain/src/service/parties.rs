//! Parties (the people in a practice's cases): recorded, changed, invited to the portal, listed.

use super::{Caller, IdentityService, Recipient};
use crate::audit::{AuditAction, Target};
use crate::error::{AccessError, StoreError};
use crate::ids::{PartyId, SiteId};
use crate::link::{LinkPurpose, LinkSubject};
use crate::mail::{MailSecret, Message};
use crate::party::{Party, PartyDetails, PortalStatus};
use crate::permission::Permission;
use crate::person::Language;
use crate::ports::{Access, UnitOfWork};
use serde_json::json;

/// Why a party was not recorded, changed or invited.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PartyError {
    /// The caller may not manage (or invite) parties.
    #[error(transparent)]
    Access(#[from] AccessError),
    /// No such site in the caller's practice.
    #[error("no such site")]
    SiteNotFound,
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
        status: crate::portal::PortalAccountStatus,
    },
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl IdentityService {
    /// Records a party at a site ("Save"), and with `invite` also queues an
    /// invitation to create a portal account ("Send invite", which needs
    /// `parties.invite` and an email).
    ///
    /// # Errors
    /// [`PartyError`].
    pub async fn save_party(
        &self,
        caller: &Caller,
        site: SiteId,
        details: PartyDetails,
        invite: bool,
    ) -> Result<Party, PartyError> {
        caller.require(Permission::PartiesManage)?;
        if invite {
            caller.require(Permission::PartiesInvite)?;
            if details.email.is_none() {
                return Err(PartyError::NoEmail);
            }
        }
        self.write(|| {
            let details = details.clone();
            async move {
                let mut uow = self.begin(Access::Write).await?;
                uow.sites().get(caller.practice(), site).await?.ok_or(PartyError::SiteNotFound)?;
                let now = self.now();
                let mut party = Party {
                    id: self.new_id(),
                    practice: caller.practice(),
                    site,
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
                if invite {
                    self.send_party_invitation(uow.as_mut(), caller, &mut party).await?;
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
    /// [`PartyError`].
    pub async fn update_party(
        &self,
        caller: &Caller,
        id: PartyId,
        details: PartyDetails,
    ) -> Result<Party, PartyError> {
        caller.require(Permission::PartiesManage)?;
        self.write(|| {
            let details = details.clone();
            async move {
                let mut uow = self.begin(Access::Write).await?;
                let mut party =
                    uow.parties().get(caller.practice(), id).await?.ok_or(PartyError::PartyNotFound)?;
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

    /// Invites a recorded party to the portal (again): the previous link dies.
    ///
    /// # Errors
    /// [`PartyError`].
    pub async fn invite_party(&self, caller: &Caller, id: PartyId) -> Result<Party, PartyError> {
        caller.require(Permission::PartiesManage)?;
        caller.require(Permission::PartiesInvite)?;
        self.write(|| async move {
            let mut uow = self.begin(Access::Write).await?;
            let mut party =
                uow.parties().get(caller.practice(), id).await?.ok_or(PartyError::PartyNotFound)?;
            self.send_party_invitation(uow.as_mut(), caller, &mut party).await?;
            uow.commit().await?;
            Ok(party)
        })
        .await
    }

    async fn send_party_invitation(
        &self,
        uow: &mut dyn UnitOfWork,
        caller: &Caller,
        party: &mut Party,
    ) -> Result<(), PartyError> {
        let email = party.details.email.clone().ok_or(PartyError::NoEmail)?;
        let practice = self.practice_of(uow, caller.practice()).await?;
        let site = uow.sites().get(caller.practice(), party.site).await?.ok_or(PartyError::SiteNotFound)?;
        let account = self.open_portal_account(uow, party, &email).await?;
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
            email: &email,
            name: party.details.name.as_str(),
            language: &language,
            time_zone: super::portal::party_time_zone(&account, Some(&site), &practice),
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
    /// [`PartyError`].
    pub async fn get_party(&self, caller: &Caller, id: PartyId) -> Result<Party, PartyError> {
        caller.require(Permission::PartiesManage)?;
        let mut uow = self.begin(Access::Read).await?;
        uow.parties().get(caller.practice(), id).await?.ok_or(PartyError::PartyNotFound)
    }

    /// The parties recorded at a site (needs `parties.manage`).
    ///
    /// # Errors
    /// [`PartyError`].
    pub async fn list_parties(&self, caller: &Caller, site: SiteId) -> Result<Vec<Party>, PartyError> {
        caller.require(Permission::PartiesManage)?;
        let mut uow = self.begin(Access::Read).await?;
        uow.sites().get(caller.practice(), site).await?.ok_or(PartyError::SiteNotFound)?;
        Ok(uow.parties().list_by_site(caller.practice(), site).await?)
    }
}

fn party_view(party: &Party) -> serde_json::Value {
    json!({ "site": party.site, "details": party.details, "portal": party.portal })
}
