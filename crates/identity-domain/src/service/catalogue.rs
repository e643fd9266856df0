//! Roles and profiles, sites, parties, and reading the audit log.

use super::{Caller, IdentityService, Recipient};
use crate::audit::{AuditAction, AuditEntry, AuditQuery, Target};
use crate::error::{AccessError, Conflict, StoreError};
use crate::ids::{AuditId, PartyId, PracticeId, ProfileId, RoleId, SiteId};
use crate::link::{LinkPurpose, LinkSubject};
use crate::listing::Page;
use crate::mail::{MailSecret, Message};
use crate::party::{Party, PartyDetails, PortalStatus};
use crate::permission::{Permission, PermissionSet};
use crate::person::{Label, Language, Note};
use crate::ports::{Access, UnitOfWork};
use crate::role::{Profile, Role};
use crate::site::Site;
use async_trait::async_trait;
use serde_json::json;

/// The name and permissions of a custom role or profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrantDraft {
    /// Its name, unique in the practice.
    pub name: Label,
    /// What it grants.
    pub permissions: PermissionSet,
}

/// Why a role or profile was not created or changed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RoleError {
    /// The caller may not manage roles.
    #[error(transparent)]
    Access(#[from] AccessError),
    /// No such role or profile in the caller's practice.
    #[error("no such role or profile")]
    NotFound,
    /// Built-in roles and profiles cannot be changed.
    #[error("built-in roles and profiles cannot be changed")]
    Builtin,
    /// The caller cannot grant permissions they do not hold.
    #[error("you cannot grant permissions you do not hold: {missing}")]
    CannotGrant {
        /// What the caller lacks.
        missing: PermissionSet,
    },
    /// The name is taken.
    #[error("a role or profile with this name already exists")]
    NameTaken,
    /// Storage failed.
    #[error(transparent)]
    Store(StoreError),
}

impl From<StoreError> for RoleError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict(Conflict::NameTaken) => Self::NameTaken,
            other => Self::Store(other),
        }
    }
}

/// Roles and profiles are managed the same way; this names what differs.
#[async_trait]
trait Grantable: Sized + Clone + Send + Sync {
    type Id: Copy + Send + Sync + From<uuid::Uuid>;
    const CREATED: AuditAction;
    const UPDATED: AuditAction;
    fn build(id: Self::Id, practice: PracticeId, draft: GrantDraft) -> Self;
    fn apply(&mut self, draft: GrantDraft);
    fn permissions(&self) -> PermissionSet;
    fn builtin(&self) -> bool;
    fn target(&self) -> Target;
    fn audit_view(&self) -> serde_json::Value;
    async fn load(
        uow: &mut dyn UnitOfWork,
        practice: PracticeId,
        id: Self::Id,
    ) -> Result<Option<Self>, StoreError>;
    async fn insert(&self, uow: &mut dyn UnitOfWork) -> Result<(), StoreError>;
    async fn update(&self, uow: &mut dyn UnitOfWork) -> Result<(), StoreError>;
}

#[async_trait]
impl Grantable for Role {
    type Id = RoleId;
    const CREATED: AuditAction = AuditAction::RoleCreated;
    const UPDATED: AuditAction = AuditAction::RoleUpdated;
    fn build(id: RoleId, practice: PracticeId, draft: GrantDraft) -> Self {
        Self { id, practice, name: draft.name, permissions: draft.permissions, bypass: false, builtin: false }
    }
    fn apply(&mut self, draft: GrantDraft) {
        self.name = draft.name;
        self.permissions = draft.permissions;
    }
    fn permissions(&self) -> PermissionSet {
        self.permissions
    }
    fn builtin(&self) -> bool {
        self.builtin
    }
    fn target(&self) -> Target {
        Target::Role(self.id)
    }
    fn audit_view(&self) -> serde_json::Value {
        json!({ "name": self.name, "permissions": self.permissions })
    }
    async fn load(
        uow: &mut dyn UnitOfWork,
        practice: PracticeId,
        id: RoleId,
    ) -> Result<Option<Self>, StoreError> {
        uow.roles().get_role(practice, id).await
    }
    async fn insert(&self, uow: &mut dyn UnitOfWork) -> Result<(), StoreError> {
        uow.roles().insert_role(self).await
    }
    async fn update(&self, uow: &mut dyn UnitOfWork) -> Result<(), StoreError> {
        uow.roles().update_role(self).await
    }
}

#[async_trait]
impl Grantable for Profile {
    type Id = ProfileId;
    const CREATED: AuditAction = AuditAction::ProfileCreated;
    const UPDATED: AuditAction = AuditAction::ProfileUpdated;
    fn build(id: ProfileId, practice: PracticeId, draft: GrantDraft) -> Self {
        Self { id, practice, name: draft.name, permissions: draft.permissions, builtin: false }
    }
    fn apply(&mut self, draft: GrantDraft) {
        self.name = draft.name;
        self.permissions = draft.permissions;
    }
    fn permissions(&self) -> PermissionSet {
        self.permissions
    }
    fn builtin(&self) -> bool {
        self.builtin
    }
    fn target(&self) -> Target {
        Target::Profile(self.id)
    }
    fn audit_view(&self) -> serde_json::Value {
        json!({ "name": self.name, "permissions": self.permissions })
    }
    async fn load(
        uow: &mut dyn UnitOfWork,
        practice: PracticeId,
        id: ProfileId,
    ) -> Result<Option<Self>, StoreError> {
        uow.roles().get_profile(practice, id).await
    }
    async fn insert(&self, uow: &mut dyn UnitOfWork) -> Result<(), StoreError> {
        uow.roles().insert_profile(self).await
    }
    async fn update(&self, uow: &mut dyn UnitOfWork) -> Result<(), StoreError> {
        uow.roles().update_profile(self).await
    }
}

/// Why a site was not created or changed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SiteError {
    /// The caller may not manage sites.
    #[error(transparent)]
    Access(#[from] AccessError),
    /// No such site in the caller's practice.
    #[error("no such site")]
    NotFound,
    /// The name is taken.
    #[error("a site with this name already exists")]
    NameTaken,
    /// Storage failed.
    #[error(transparent)]
    Store(StoreError),
}

impl From<StoreError> for SiteError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict(Conflict::NameTaken) => Self::NameTaken,
            other => Self::Store(other),
        }
    }
}

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

/// Why the audit log or the outbox could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReadLogError {
    /// The caller may not read it.
    #[error(transparent)]
    Access(#[from] AccessError),
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl IdentityService {
    async fn create_grantable<G: Grantable>(
        &self,
        caller: &Caller,
        draft: GrantDraft,
    ) -> Result<G, RoleError> {
        caller.require(Permission::RolesManage)?;
        self.check_grantable(caller, draft.permissions)?;
        self.write(|| {
            let draft = draft.clone();
            async move {
                let mut uow = self.begin(Access::Write).await?;
                let created = G::build(self.new_id(), caller.practice(), draft);
                created.insert(uow.as_mut()).await?;
                self.audit(
                    uow.as_mut(),
                    &caller.origin(),
                    G::CREATED,
                    Some(created.target()),
                    None,
                    Some(created.audit_view()),
                )
                .await?;
                uow.commit().await?;
                Ok(created)
            }
        })
        .await
    }

    async fn update_grantable<G: Grantable>(
        &self,
        caller: &Caller,
        id: G::Id,
        draft: GrantDraft,
    ) -> Result<G, RoleError> {
        caller.require(Permission::RolesManage)?;
        self.write(|| {
            let draft = draft.clone();
            async move {
                let mut uow = self.begin(Access::Write).await?;
                let mut item =
                    G::load(uow.as_mut(), caller.practice(), id).await?.ok_or(RoleError::NotFound)?;
                if item.builtin() {
                    return Err(RoleError::Builtin);
                }
                self.check_grantable(caller, draft.permissions.difference(item.permissions()))?;
                let before = item.audit_view();
                item.apply(draft);
                item.update(uow.as_mut()).await?;
                self.audit(
                    uow.as_mut(),
                    &caller.origin(),
                    G::UPDATED,
                    Some(item.target()),
                    Some(before),
                    Some(item.audit_view()),
                )
                .await?;
                uow.commit().await?;
                Ok(item)
            }
        })
        .await
    }

    fn check_grantable(&self, caller: &Caller, added: PermissionSet) -> Result<(), RoleError> {
        let mine = caller.grants();
        if mine.covers(added) {
            Ok(())
        } else {
            Err(RoleError::CannotGrant { missing: added.difference(mine.permissions) })
        }
    }

    /// Creates a custom role (needs `roles.manage`; only permissions the
    /// caller holds, unless Super Admin).
    ///
    /// # Errors
    /// [`RoleError`].
    pub async fn create_role(&self, caller: &Caller, draft: GrantDraft) -> Result<Role, RoleError> {
        self.create_grantable(caller, draft).await
    }

    /// Renames a custom role or changes its permissions.
    ///
    /// # Errors
    /// [`RoleError`]; built-in roles cannot be changed.
    pub async fn update_role(
        &self,
        caller: &Caller,
        id: RoleId,
        draft: GrantDraft,
    ) -> Result<Role, RoleError> {
        self.update_grantable(caller, id, draft).await
    }

    /// Creates a custom profile.
    ///
    /// # Errors
    /// [`RoleError`].
    pub async fn create_profile(&self, caller: &Caller, draft: GrantDraft) -> Result<Profile, RoleError> {
        self.create_grantable(caller, draft).await
    }

    /// Renames a custom profile or changes its permissions.
    ///
    /// # Errors
    /// [`RoleError`]; built-in profiles cannot be changed.
    pub async fn update_profile(
        &self,
        caller: &Caller,
        id: ProfileId,
        draft: GrantDraft,
    ) -> Result<Profile, RoleError> {
        self.update_grantable(caller, id, draft).await
    }

    /// Every role of the caller's practice.
    ///
    /// # Errors
    /// [`RoleError`].
    pub async fn list_roles(&self, caller: &Caller) -> Result<Vec<Role>, RoleError> {
        caller.require_full_session()?;
        let mut uow = self.begin(Access::Read).await?;
        Ok(uow.roles().list_roles(caller.practice()).await?)
    }

    /// Every profile of the caller's practice.
    ///
    /// # Errors
    /// [`RoleError`].
    pub async fn list_profiles(&self, caller: &Caller) -> Result<Vec<Profile>, RoleError> {
        caller.require_full_session()?;
        let mut uow = self.begin(Access::Read).await?;
        Ok(uow.roles().list_profiles(caller.practice()).await?)
    }

    /// Creates a site (needs `sites.manage`).
    ///
    /// # Errors
    /// [`SiteError`].
    pub async fn create_site(
        &self,
        caller: &Caller,
        name: Label,
        address: Option<Note>,
    ) -> Result<Site, SiteError> {
        caller.require(Permission::SitesManage)?;
        self.write(|| {
            let address = address.clone();
            let name = name.clone();
            async move {
                let mut uow = self.begin(Access::Write).await?;
                let site = Site {
                    id: self.new_id(),
                    practice: caller.practice(),
                    name,
                    address,
                    created_at: self.now(),
                };
                uow.sites().insert(&site).await?;
                self.audit(
                    uow.as_mut(),
                    &caller.origin(),
                    AuditAction::SiteCreated,
                    Some(Target::Site(site.id)),
                    None,
                    Some(json!(site.name)),
                )
                .await?;
                uow.commit().await?;
                Ok(site)
            }
        })
        .await
    }

    /// Renames a site or changes its address (needs `sites.manage`).
    ///
    /// # Errors
    /// [`SiteError`].
    pub async fn update_site(
        &self,
        caller: &Caller,
        id: SiteId,
        name: Label,
        address: Option<Note>,
    ) -> Result<Site, SiteError> {
        caller.require(Permission::SitesManage)?;
        self.write(|| {
            let address = address.clone();
            let name = name.clone();
            async move {
                let mut uow = self.begin(Access::Write).await?;
                let mut site = uow.sites().get(caller.practice(), id).await?.ok_or(SiteError::NotFound)?;
                let before = json!({ "name": site.name, "address": site.address });
                site.name = name;
                site.address = address;
                uow.sites().update(&site).await?;
                let after = json!({ "name": site.name, "address": site.address });
                self.audit(
                    uow.as_mut(),
                    &caller.origin(),
                    AuditAction::SiteUpdated,
                    Some(Target::Site(id)),
                    Some(before),
                    Some(after),
                )
                .await?;
                uow.commit().await?;
                Ok(site)
            }
        })
        .await
    }

    /// Every site of the caller's practice.
    ///
    /// # Errors
    /// [`SiteError`].
    pub async fn list_sites(&self, caller: &Caller) -> Result<Vec<Site>, SiteError> {
        caller.require_full_session()?;
        let mut uow = self.begin(Access::Read).await?;
        Ok(uow.sites().list(caller.practice()).await?)
    }

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
            time_zone: account.time_zone_or_default(),
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

    /// Audit entries of the caller's practice, newest first (needs `audit.read`).
    ///
    /// # Errors
    /// [`ReadLogError`].
    pub async fn read_audit(
        &self,
        caller: &Caller,
        query: &AuditQuery,
    ) -> Result<Page<AuditEntry, AuditId>, ReadLogError> {
        caller.require(Permission::AuditRead)?;
        let mut query = query.clone();
        query.limit = query.limit.clamp(1, crate::listing::MAX_PAGE_SIZE);
        let mut uow = self.begin(Access::Read).await?;
        Ok(uow.audit().list(caller.practice(), &query).await?)
    }
}

fn party_view(party: &Party) -> serde_json::Value {
    json!({ "site": party.site, "details": party.details, "portal": party.portal })
}
