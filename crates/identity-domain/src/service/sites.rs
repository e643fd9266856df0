//! Sites: the places a practice records its parties under.

use super::{Caller, IdentityService};
use crate::audit::{AuditAction, Target};
use crate::error::{AccessError, Conflict, StoreError};
use crate::ids::SiteId;
use crate::permission::Permission;
use crate::ports::Access;
use crate::site::{Site, SiteDetails};
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
    pub async fn create_site(&self, caller: &Caller, details: SiteDetails) -> Result<Site, SiteError> {
        caller.require(Permission::SitesManage)?;
        self.write(|| {
            let details = details.clone();
            async move {
                let mut uow = self.begin(Access::Write).await?;
                let site = Site {
                    id: self.new_id(),
                    practice: caller.practice(),
                    name: details.name,
                    address: details.address,
                    time_zone: details.time_zone,
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

    /// Renames a site or changes its address or time zone (needs
    /// `sites.manage`).
    ///
    /// # Errors
    /// [`SiteError`].
    pub async fn update_site(
        &self,
        caller: &Caller,
        id: SiteId,
        details: SiteDetails,
    ) -> Result<Site, SiteError> {
        caller.require(Permission::SitesManage)?;
        self.write(|| {
            let details = details.clone();
            async move {
                let mut uow = self.begin(Access::Write).await?;
                let mut site = uow.sites().get(caller.practice(), id).await?.ok_or(SiteError::NotFound)?;
                let view =
                    |s: &Site| json!({ "name": s.name, "address": s.address, "time_zone": s.time_zone });
                let before = view(&site);
                site.name = details.name;
                site.address = details.address;
                site.time_zone = details.time_zone;
                uow.sites().update(&site).await?;
                let after = view(&site);
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
