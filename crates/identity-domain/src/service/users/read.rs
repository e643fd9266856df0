//! Reading one user, and the emails they held.

use super::ReadUsersError;
use crate::email::EmailAddress;
use crate::ids::UserId;
use crate::permission::Permission;
use crate::ports::Access;
use crate::service::{Caller, IdentityService};
use crate::user::User;
use chrono::{DateTime, Utc};

impl IdentityService {
    /// One user. Callers may always read themselves; others need
    /// `users.read`. Admin-only notes are shown only with `users.notes`.
    ///
    /// # Errors
    /// [`ReadUsersError`]; another practice's user is not found.
    pub async fn get_user(&self, caller: &Caller, id: UserId) -> Result<User, ReadUsersError> {
        caller.require_self_or(id, Permission::UsersRead)?;
        let mut uow = self.begin(Access::Read).await?;
        let user = uow.users().get(caller.practice(), id).await?.ok_or(ReadUsersError::UserNotFound)?;
        Ok(self.visible(caller, user))
    }

    /// Every email a user held, oldest first.
    ///
    /// # Errors
    /// [`ReadUsersError`].
    pub async fn email_history(
        &self,
        caller: &Caller,
        id: UserId,
    ) -> Result<Vec<(EmailAddress, DateTime<Utc>)>, ReadUsersError> {
        caller.require(Permission::UsersRead)?;
        let mut uow = self.begin(Access::Read).await?;
        uow.users().get(caller.practice(), id).await?.ok_or(ReadUsersError::UserNotFound)?;
        Ok(uow.users().email_history(caller.practice(), id).await?)
    }
}
