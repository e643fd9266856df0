//! Sites: the places a practice records its parties under.

use super::{Caller, IdentityService};
use crate::audit::{AuditAction, Target};
use crate::error::{AccessError, Conflict, StoreError};
use crate::ids::SiteId;
use crate::permission::Permission;
use crate::person::{Label, Note};
use crate::ports::Access;
use crate::site::Site;
use serde_json::json;

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

impl IdentityService {
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
}
