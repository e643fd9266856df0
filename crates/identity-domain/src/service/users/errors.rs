//! Why each operation on users was refused: one error enum per operation,
//! and the refusals of loading a user at a version, turned into each.

use crate::error::{AccessError, HashError, StoreError, TargetError};
use crate::ids::UserId;
use crate::password::PasswordRejection;
use crate::service::access::GrantError;
use crate::service::credentials::CurrentPasswordRefusal;
use crate::service::lifecycle::{DeactivateError, ReactivateError};
use crate::user::UserStatus;

/// Why a user was not created.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CreateUserError {
    /// The caller may not create users (or write notes).
    #[error(transparent)]
    Access(#[from] AccessError),
    /// Some user of the practice holds or once held this email; reactivate
    /// them instead.
    #[error("the email belongs or belonged to another user ({status})")]
    EmailPreviouslyUsed {
        /// Who holds or held it.
        holder: UserId,
        /// Their status now.
        status: UserStatus,
    },
    /// The role or profiles cannot be given.
    #[error(transparent)]
    Grant(#[from] GrantError),
    /// A site does not exist in the practice.
    #[error("no such site")]
    UnknownSite,
    /// The typed password breaks the policy.
    #[error(transparent)]
    Password(#[from] PasswordRejection),
    /// The password could not be hashed.
    #[error(transparent)]
    Hash(#[from] HashError),
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Why an edit with a status change was refused: the refusal of whichever
/// part refused. Nothing changed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EditUserError {
    /// The edit of the details was refused.
    #[error(transparent)]
    Update(#[from] UpdateUserError),
    /// The deactivation was refused.
    #[error(transparent)]
    Deactivate(#[from] DeactivateError),
    /// The reactivation was refused.
    #[error(transparent)]
    Reactivate(#[from] ReactivateError),
}

/// Why an edit of a user's details was refused. Nothing changed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UpdateUserError {
    /// The caller may not make this edit.
    #[error(transparent)]
    Access(#[from] AccessError),
    /// The account acted on may not be acted on by the caller.
    #[error(transparent)]
    Target(#[from] TargetError),
    /// No such user in the caller's practice.
    #[error("no such user")]
    UserNotFound,
    /// The user changed since the caller read it.
    #[error("the user was changed by someone else (now at version {current})")]
    VersionMismatch {
        /// The version now stored.
        current: u64,
    },
    /// A site does not exist in the practice.
    #[error("no such site")]
    UnknownSite,
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Why an email change was refused. Nothing changed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChangeEmailError {
    /// The caller may not change this email.
    #[error(transparent)]
    Access(#[from] AccessError),
    /// The account acted on may not be acted on by the caller.
    #[error(transparent)]
    Target(#[from] TargetError),
    /// No such user in the caller's practice.
    #[error("no such user")]
    UserNotFound,
    /// The user changed since the caller read it.
    #[error("the user was changed by someone else (now at version {current})")]
    VersionMismatch {
        /// The version now stored.
        current: u64,
    },
    /// The new email is held, or was once held, by another user.
    #[error("the email belongs or belonged to another user ({status})")]
    EmailPreviouslyUsed {
        /// Who holds or held it.
        holder: UserId,
        /// Their status now.
        status: UserStatus,
    },
    /// The current password given to change one's own email is wrong. It
    /// counted as a failed sign-in.
    #[error("the current password is not correct")]
    WrongPassword,
    /// Too many wrong passwords (sign-ins or current passwords): try again
    /// after `retry_after` seconds, or, when it is `None`, password sign-in
    /// is locked until an administrator resets the password.
    #[error("too many wrong passwords; try again later")]
    TooManyAttempts {
        /// Seconds to wait; `None` when locked.
        retry_after: Option<u64>,
    },
    /// The current password could not be verified.
    #[error(transparent)]
    Hash(#[from] HashError),
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Why a user's role and profiles were not changed. Nothing changed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SetAccessError {
    /// The caller may not change this user's access.
    #[error(transparent)]
    Access(#[from] AccessError),
    /// The account acted on may not be acted on by the caller.
    #[error(transparent)]
    Target(#[from] TargetError),
    /// No such user in the caller's practice.
    #[error("no such user")]
    UserNotFound,
    /// The user changed since the caller read it.
    #[error("the user was changed by someone else (now at version {current})")]
    VersionMismatch {
        /// The version now stored.
        current: u64,
    },
    /// The role or profiles cannot be given.
    #[error(transparent)]
    Grant(#[from] GrantError),
    /// The change takes Super Admin away from the practice's last active
    /// one.
    #[error("the last active Super Admin cannot be demoted")]
    LastSuperAdmin,
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Why a user could not be loaded for a change: the refusals every
/// versioned change of a user shares, turned into each operation's own.
pub(in crate::service) enum UserAtVersionError {
    NotFound,
    VersionMismatch { current: u64 },
    Store(StoreError),
}

impl From<StoreError> for UserAtVersionError {
    fn from(e: StoreError) -> Self {
        Self::Store(e)
    }
}

/// Implements `From<UserAtVersionError>` for operation errors that have
/// `UserNotFound`, `VersionMismatch` and `Store` variants.
macro_rules! from_user_at_version {
    ($($error:ty),* $(,)?) => {
        $(
            impl From<UserAtVersionError> for $error {
                fn from(e: UserAtVersionError) -> Self {
                    match e {
                        UserAtVersionError::NotFound => Self::UserNotFound,
                        UserAtVersionError::VersionMismatch { current } => Self::VersionMismatch { current },
                        UserAtVersionError::Store(e) => Self::Store(e),
                    }
                }
            }
        )*
    };
}
from_user_at_version!(UpdateUserError, ChangeEmailError, SetAccessError);

/// Why an invitation could not be resent or revoked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvitationError {
    /// The caller may not manage invitations.
    #[error(transparent)]
    Access(#[from] AccessError),
    /// The account acted on may not be acted on by the caller.
    #[error(transparent)]
    Target(#[from] TargetError),
    /// No such user in the caller's practice.
    #[error("no such user")]
    UserNotFound,
    /// The user is not waiting on an invitation.
    #[error("the user is {status}, not invited")]
    NotInvited {
        /// Their status.
        status: UserStatus,
    },
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Why a user, or their email history, could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReadUsersError {
    /// The caller may not read users.
    #[error(transparent)]
    Access(#[from] AccessError),
    /// No such user in the caller's practice.
    #[error("no such user")]
    UserNotFound,
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<CurrentPasswordRefusal> for ChangeEmailError {
    fn from(e: CurrentPasswordRefusal) -> Self {
        match e {
            CurrentPasswordRefusal::Wrong => Self::WrongPassword,
            CurrentPasswordRefusal::TooManyAttempts { retry_after } => Self::TooManyAttempts { retry_after },
        }
    }
}
