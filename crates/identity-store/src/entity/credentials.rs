//! `credentials`: argon2id hashes and sign-in failure counts, one per user.

use super::{stored_time, to_i64, to_u32};
use identity_domain::{Credential, PasswordHash, PracticeId, StoreError, UserId};
use sea_orm::entity::prelude::*;

/// A row of `credentials`.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "credentials")]
pub struct Model {
    /// Whose credential.
    #[sea_orm(primary_key, auto_increment = false)]
    pub user_id: Uuid,
    /// The practice.
    pub practice_id: Uuid,
    /// PHC string; `None` until an invitation is accepted.
    pub password_hash: Option<String>,
    /// Expiry of a one-time password.
    pub one_time_expires_at: Option<DateTimeUtc>,
    /// Consecutive failures.
    pub failed_attempts: i64,
    /// Last failure.
    pub last_failure_at: Option<DateTimeUtc>,
    /// Locked until an admin reset.
    pub locked: bool,
    /// Last password change.
    pub changed_at: Option<DateTimeUtc>,
    /// Last successful sign-in.
    pub last_sign_in_at: Option<DateTimeUtc>,
}

impl ActiveModelBehavior for ActiveModel {}

impl Model {
    /// The row of a credential.
    pub fn from_domain(c: &Credential) -> Self {
        Self {
            user_id: c.user.as_uuid(),
            practice_id: c.practice.as_uuid(),
            password_hash: c.hash.as_ref().map(|h| h.as_phc().to_owned()),
            one_time_expires_at: c.one_time_expires_at.map(stored_time),
            failed_attempts: to_i64(c.failed_attempts.into()),
            last_failure_at: c.last_failure_at.map(stored_time),
            locked: c.locked,
            changed_at: c.changed_at.map(stored_time),
            last_sign_in_at: c.last_sign_in_at.map(stored_time),
        }
    }

    /// The credential of a row.
    ///
    /// # Errors
    /// [`StoreError::Internal`] when a stored value is unreadable.
    pub fn into_domain(self) -> Result<Credential, StoreError> {
        Ok(Credential {
            user: UserId::from_uuid(self.user_id),
            practice: PracticeId::from_uuid(self.practice_id),
            hash: self.password_hash.map(PasswordHash::from_phc),
            one_time_expires_at: self.one_time_expires_at,
            failed_attempts: to_u32("credentials", "failed_attempts", self.failed_attempts)?,
            last_failure_at: self.last_failure_at,
            locked: self.locked,
            changed_at: self.changed_at,
            last_sign_in_at: self.last_sign_in_at,
        })
    }
}
