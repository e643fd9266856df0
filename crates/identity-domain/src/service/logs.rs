//! Reading the audit log.

use super::{Caller, IdentityService};
use crate::audit::{AuditEntry, AuditQuery};
use crate::error::{AccessError, StoreError};
use crate::ids::AuditId;
use crate::listing::Page;
use crate::permission::Permission;
use crate::ports::Access;

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
