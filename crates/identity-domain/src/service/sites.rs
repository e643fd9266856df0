//! Sites: the places a practice records its parties under.

use super::{Caller, IdentityService};
use crate::audit::{AuditAction, Target};
use crate::error::{AccessError, Conflict, StoreError};
use crate::ids::SiteId;
use crate::permission::Permission;
use crate::ports::Access;
use crate::site::{Site, SiteDetails};
use serde_json::json;

/// Why a site was not created.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CreateSiteError {
    /// The caller may not manage sites.
    #[error(transparent)]
    Access(#[from] AccessError),
    /// The name is taken.
    #[error("a site with this name already exists")]
    NameTaken,
    /// Storage failed.
    #[error(transparent)]
    Store(StoreError),
}

/// Why a site was not changed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UpdateSiteError {
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

/// Why the sites could not be listed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ListSitesError {
    /// The caller's session may do nothing but change its password.
    #[error(transparent)]
    Access(#[from] AccessError),
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A name taken is the store's unique constraint on (practice, name).
macro_rules! name_taken_from_store {
    ($($error:ident),*) => {
        $(
            impl From<StoreError> for $error {
                fn from(e: StoreError) -> Self {
                    match e {
                        StoreError::Conflict(Conflict::NameTaken) => Self::NameTaken,
                        other => Self::Store(other),
                    }
                }
            }
        )*
    };
}

name_taken_from_store!(CreateSiteError, UpdateSiteError);

impl IdentityService {
    /// Creates a site (needs `sites.manage`).
    ///
    /// # Errors
    /// [`CreateSiteError`].
    pub async fn create_site(&self, caller: &Caller, details: SiteDetails) -> Result<Site, CreateSiteError> {
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
    /// [`UpdateSiteError`].
    pub async fn update_site(
        &self,
        caller: &Caller,
        id: SiteId,
        details: SiteDetails,
    ) -> Result<Site, UpdateSiteError> {
        caller.require(Permission::SitesManage)?;
        self.write(|| {
            let details = details.clone();
            async move {
                let mut uow = self.begin(Access::Write).await?;
                let mut site =
                    uow.sites().get(caller.practice(), id).await?.ok_or(UpdateSiteError::NotFound)?;
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
    /// [`ListSitesError`].
    pub async fn list_sites(&self, caller: &Caller) -> Result<Vec<Site>, ListSitesError> {
        caller.require_full_session()?;
        let mut uow = self.begin(Access::Read).await?;
        Ok(uow.sites().list(caller.practice()).await?)
    }
}
