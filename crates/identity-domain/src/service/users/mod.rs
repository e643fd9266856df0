//! Creating, reading, editing and listing users; invitations; email changes;
//! role and profile assignment.
//!
//! Where each rule lives: `create` holds creating a user; `invitations`
//! holds sending, resending and revoking invitations; `read` holds reading
//! a user and their email history; `edit` holds editing a user's details
//! (with or without a status change); `email` holds changing a user's
//! email; `assignment` holds giving a user a role and profiles; `errors`
//! holds each operation's error enum. What several of them share (loading
//! a user at a version, saving one, who holds an address) is here.
//! Listing users is the service's `list` module.

mod assignment;
mod create;
mod edit;
mod email;
mod errors;
mod invitations;
mod read;

pub use create::*;
pub use edit::*;
pub use email::*;
pub use errors::*;
pub(super) use invitations::EarlierLinks;

use super::{Caller, IdentityService};
use crate::email::EmailAddress;
use crate::error::{Conflict, StoreError};
use crate::ids::{PracticeId, SiteId, UserId};
use crate::permission::Permission;
use crate::ports::{Access, UnitOfWork};
use crate::practice::Practice;
use crate::user::{User, UserStatus};
use std::collections::BTreeSet;

impl IdentityService {
    /// The user with admin notes removed unless the caller may read them.
    pub(super) fn visible(&self, caller: &Caller, mut user: User) -> User {
        if !caller.may(Permission::UsersNotes) {
            user.notes = None;
        }
        user
    }

    /// Loads a user and checks the version the caller read.
    pub(super) async fn user_at_version(
        &self,
        uow: &mut dyn UnitOfWork,
        practice: PracticeId,
        id: UserId,
        expected_version: Option<u64>,
    ) -> Result<User, UserAtVersionError> {
        let user = uow.users().get(practice, id).await?.ok_or(UserAtVersionError::NotFound)?;
        match expected_version {
            Some(v) if v != user.version => {
                Err(UserAtVersionError::VersionMismatch { current: user.version })
            }
            _ => Ok(user),
        }
    }

    /// Writes a changed user with the next version.
    pub(super) async fn save_user(
        &self,
        uow: &mut dyn UnitOfWork,
        user: &mut User,
    ) -> Result<(), StoreError> {
        user.version += 1;
        user.updated_at = self.now();
        uow.users().update(user).await
    }

    /// Who holds or held `email`, with their status now.
    async fn email_holder(
        &self,
        uow: &mut dyn UnitOfWork,
        practice: PracticeId,
        email: &EmailAddress,
    ) -> Result<Option<(UserId, UserStatus)>, StoreError> {
        let Some(holder) = uow.users().email_holder(practice, email).await? else {
            return Ok(None);
        };
        let status = uow.users().get(practice, holder).await?.map_or(UserStatus::Inactive, |u| u.status);
        Ok(Some((holder, status)))
    }

    /// After losing a race for an address: who won it.
    async fn email_taken_after_race(&self, practice: PracticeId, email: &EmailAddress) -> EmailTaken {
        let found = async {
            let mut uow = self.begin(Access::Read).await?;
            self.email_holder(uow.as_mut(), practice, email).await
        };
        match found.await {
            Ok(Some((holder, status))) => EmailTaken::By { holder, status },
            Ok(None) => EmailTaken::Failed(Conflict::EmailTaken.into()),
            Err(e) => EmailTaken::Failed(e),
        }
    }

    async fn sites_exist(
        &self,
        uow: &mut dyn UnitOfWork,
        practice: PracticeId,
        sites: &BTreeSet<SiteId>,
    ) -> Result<bool, StoreError> {
        for site in sites {
            if uow.sites().get(practice, *site).await?.is_none() {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// The practice, read in a short unit of work of its own.
    pub(super) async fn read_practice(&self, id: PracticeId) -> Result<Practice, StoreError> {
        let mut uow = self.begin(Access::Read).await?;
        self.practice_of(uow.as_mut(), id).await
    }
}

/// The outcome of looking up who took an address first.
enum EmailTaken {
    By { holder: UserId, status: UserStatus },
    Failed(StoreError),
}

impl From<EmailTaken> for CreateUserError {
    fn from(e: EmailTaken) -> Self {
        match e {
            EmailTaken::By { holder, status } => Self::EmailPreviouslyUsed { holder, status },
            EmailTaken::Failed(e) => Self::Store(e),
        }
    }
}

impl From<EmailTaken> for ChangeEmailError {
    fn from(e: EmailTaken) -> Self {
        match e {
            EmailTaken::By { holder, status } => Self::EmailPreviouslyUsed { holder, status },
            EmailTaken::Failed(e) => Self::Store(e),
        }
    }
}
