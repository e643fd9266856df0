//! `portal_accounts`: one per party, keyed by it, with the sign-in email
//! (unique per practice on its normalised form), status, argon2id hash and
//! failure count.

use super::{parse, parse_opt, stored_time, to_i64, to_u32};
use identity_domain::{
    EmailAddress, PartyId, PasswordHash, PortalAccount, PortalAccountStatus, PracticeId, StoreError, TimeZone,
};
use sea_orm::entity::prelude::*;

const TABLE: &str = "portal_accounts";

/// A row of `portal_accounts`.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "portal_accounts")]
pub struct Model {
    /// The party.
    #[sea_orm(primary_key, auto_increment = false)]
    pub party_id: Uuid,
    /// The practice.
    pub practice_id: Uuid,
    /// The sign-in email as typed (trimmed).
    pub email: String,
    /// `EmailAddress::normalized()`.
    pub email_normalized: String,
    /// `invited`, `active` or `inactive`.
    pub status: String,
    /// PHC string; `None` until the invitation is accepted.
    pub password_hash: Option<String>,
    /// Consecutive failures.
    pub failed_attempts: i64,
    /// Last failure.
    pub last_failure_at: Option<DateTimeUtc>,
    /// Locked until a recovery.
    pub locked: bool,
    /// IANA time zone, when the party chose one.
    pub time_zone: Option<String>,
    /// Last invitation sent.
    pub invited_at: Option<DateTimeUtc>,
    /// Last password change.
    pub password_changed_at: Option<DateTimeUtc>,
    /// Last successful sign-in.
    pub last_sign_in_at: Option<DateTimeUtc>,
    /// Opened.
    pub created_at: DateTimeUtc,
    /// Last changed.
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}

impl Model {
    /// The row of an account.
    pub fn from_domain(a: &PortalAccount) -> Self {
        Self {
            party_id: a.party.as_uuid(),
            practice_id: a.practice.as_uuid(),
            email: a.email.as_str().to_owned(),
            email_normalized: a.email.normalized().to_owned(),
            status: a.status.as_str().to_owned(),
            password_hash: a.hash.as_ref().map(|h| h.as_phc().to_owned()),
            failed_attempts: to_i64(a.failed_attempts.into()),
            last_failure_at: a.last_failure_at.map(stored_time),
            locked: a.locked,
            time_zone: a.time_zone.map(|tz| tz.name().to_owned()),
            invited_at: a.invited_at.map(stored_time),
            password_changed_at: a.password_changed_at.map(stored_time),
            last_sign_in_at: a.last_sign_in_at.map(stored_time),
            created_at: stored_time(a.created_at),
            updated_at: stored_time(a.updated_at),
        }
    }

    /// The account of a row.
    ///
    /// # Errors
    /// [`StoreError::Internal`] when a stored value is unreadable.
    pub fn into_domain(self) -> Result<PortalAccount, StoreError> {
        Ok(PortalAccount {
            party: PartyId::from_uuid(self.party_id),
            practice: PracticeId::from_uuid(self.practice_id),
            email: parse(TABLE, "email", &self.email, EmailAddress::parse)?,
            status: parse(TABLE, "status", &self.status, |s| PortalAccountStatus::parse(s).ok_or(()))?,
            hash: self.password_hash.map(PasswordHash::from_phc),
            failed_attempts: to_u32(TABLE, "failed_attempts", self.failed_attempts)?,
            last_failure_at: self.last_failure_at,
            locked: self.locked,
            time_zone: parse_opt(TABLE, "time_zone", self.time_zone.as_deref(), TimeZone::parse)?,
            invited_at: self.invited_at,
            password_changed_at: self.password_changed_at,
            last_sign_in_at: self.last_sign_in_at,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}
