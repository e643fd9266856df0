//! A page of the users list, with what each row shows beside the user.

use super::{Caller, IdentityService};
use crate::error::{AccessError, StoreError};
use crate::listing::{ListedUser, Page, UserCursor, UserQuery};
use crate::permission::Permission;
use crate::ports::Access;

/// Why the users list could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ListUsersError {
    /// The caller may not read users.
    #[error(transparent)]
    Access(#[from] AccessError),
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl IdentityService {
    /// One page of the users list.
    ///
    /// # Errors
    /// [`ListUsersError`].
    pub async fn list_users(
        &self,
        caller: &Caller,
        query: &UserQuery,
    ) -> Result<Page<ListedUser, UserCursor>, ListUsersError> {
        caller.require(Permission::UsersRead)?;
        let mut query = query.clone();
        query.limit = query.limit.clamp(1, crate::listing::MAX_PAGE_SIZE);
        let mut uow = self.begin(Access::Read).await?;
        let page = uow.users().list(caller.practice(), &query).await?;
        let items = page
            .items
            .into_iter()
            .map(|row| ListedUser { user: self.visible(caller, row.user), ..row })
            .collect();
        Ok(Page { items, ..page })
    }
}
