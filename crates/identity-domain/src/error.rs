//! Errors shared by the operations: the caller's access, and the adapters'
//! failures. Each operation has its own error enum (in `service`) that wraps
//! these beside the refusals in the product's words.

use crate::permission::{Permission, PermissionSet};

/// A write that storage refused because it would break a rule the storage
/// holds too.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Conflict {
    /// The record changed since it was read (optimistic concurrency).
    #[error("the record was changed by someone else")]
    Stale,
    /// The email is, or was, held by another user of the practice.
    #[error("the email is already taken in this practice")]
    EmailTaken,
    /// A unique name (slug, role, profile or site name) is taken.
    #[error("the name is already taken")]
    NameTaken,
    /// A passkey's credential id is registered already (to anyone).
    #[error("this passkey is already registered")]
    CredentialTaken,
}

/// A failure of a storage adapter.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    /// A write broke a rule the storage holds; nothing was written.
    #[error(transparent)]
    Conflict(#[from] Conflict),
    /// The storage could not be used now (unreachable, timed out, busy,
    /// full): trying again later can succeed. The text is for logs: it
    /// never holds a secret.
    #[error("storage failed: {0}")]
    Unavailable(String),
    /// The storage adapter failed in a way that trying again cannot help:
    /// a stored value that does not decode or breaks a rule, a record that
    /// refers to one that is missing, a secret that does not seal or open,
    /// a value that cannot be serialised, a duplicate record id. A fault to
    /// investigate, not a storage outage. The text is for logs: it never
    /// holds a secret.
    #[error("storage holds or produced something it cannot use: {0}")]
    Internal(String),
    /// A concurrent unit of work changed what this one read, or the two
    /// waited for each other (PostgreSQL's serialization failure or
    /// deadlock): nothing of this unit of work was written, and running it
    /// again from the start can succeed. The use cases do so themselves a
    /// few times before they answer with it. The text is for logs.
    #[error("storage refused a unit of work that raced another: {0}")]
    Contended(String),
}

/// An operation's error that may be storage's [`StoreError::Contended`]:
/// the sign that the whole unit of work may run again.
pub(crate) trait MayBeContended {
    /// Whether this is [`StoreError::Contended`], directly or inside.
    fn contended(&self) -> bool;
}

impl MayBeContended for StoreError {
    fn contended(&self) -> bool {
        matches!(self, Self::Contended(_))
    }
}

/// Implements [`MayBeContended`] for operation errors whose storage
/// failures are their `Store` variant.
macro_rules! contended_through_store {
    ($($error:ty),* $(,)?) => {
        $(
            impl $crate::error::MayBeContended for $error {
                fn contended(&self) -> bool {
                    matches!(self, Self::Store($crate::error::StoreError::Contended(_)))
                }
            }
        )*
    };
}
pub(crate) use contended_through_store;

/// Why the caller may not do something.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AccessError {
    /// The caller's role and profiles do not grant the permission.
    #[error("you need the {0} permission")]
    Forbidden(Permission),
    /// The caller must change their password before doing anything else.
    #[error("you must change your password first")]
    PasswordChangeRequired,
    /// The session waits for the second factor: nothing else is possible
    /// until one is presented.
    #[error("present your second factor first")]
    SecondFactorRequired,
    /// The caller must enrol a second factor before doing anything else.
    #[error("you must add a second factor first")]
    EnrolmentRequired,
}

/// Why the caller may not act on another user's account through an
/// administrator's path ("Who may act on whom" in the product rules). Only
/// the operations that act on an account can answer it, so only their
/// error enums carry it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TargetError {
    /// The account acted on outranks the caller: it holds permissions the
    /// caller does not (`missing`), or it is a Super Admin's and the caller
    /// is not one. Only someone who holds everything a user holds may act on
    /// their account.
    #[error("{}", outranked(*super_admin, *missing))]
    TargetOutranksCaller {
        /// The target is a Super Admin and the caller is not.
        super_admin: bool,
        /// What the target holds that the caller does not.
        missing: PermissionSet,
    },
    /// An administrator's path used on one's own account: one's own
    /// password, email and access change only through the self-service
    /// paths that ask for the current password, or by another
    /// administrator.
    #[error("this is an administrator's path: on your own account use the self-service one")]
    UseSelfService,
}

fn outranked(super_admin: bool, missing: PermissionSet) -> String {
    if super_admin {
        "only a Super Admin can act on a Super Admin's account".to_owned()
    } else {
        format!("this user holds permissions you do not: {missing}")
    }
}

/// A failure of the password hasher.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HashError {
    /// Every hashing slot is busy: try again shortly (HTTP 503 with
    /// `Retry-After`).
    #[error("the password hasher is busy")]
    Busy,
    /// The hasher failed.
    #[error("password hashing failed: {0}")]
    Failed(String),
}
