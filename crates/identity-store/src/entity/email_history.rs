//! `email_history`: every address a user ever held; unique per practice on
//! the normalised form, for ever.

use super::{parse, stored_time};
use chrono::{DateTime, Utc};
use identity_domain::{EmailAddress, PracticeId, StoreError, UserId};
use sea_orm::entity::prelude::*;

/// A row of `email_history`.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "email_history")]
pub struct Model {
    /// Row id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The practice.
    pub practice_id: Uuid,
    /// The holder.
    pub user_id: Uuid,
    /// The address as typed (trimmed).
    pub email: String,
    /// `EmailAddress::normalized()`.
    pub normalized_email: String,
    /// Since when the user held it.
    pub held_from: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}

impl Model {
    /// The row reserving `email` for `user`.
    pub fn reservation(practice: PracticeId, email: &EmailAddress, user: UserId, at: DateTime<Utc>) -> Self {
        Self {
            id: Uuid::now_v7(),
            practice_id: practice.as_uuid(),
            user_id: user.as_uuid(),
            email: email.as_str().to_owned(),
            normalized_email: email.normalized().to_owned(),
            held_from: stored_time(at),
        }
    }

    /// The address and since when it was held.
    ///
    /// # Errors
    /// [`StoreError::Internal`] when the stored address is unreadable.
    pub fn into_domain(self) -> Result<(EmailAddress, DateTime<Utc>), StoreError> {
        Ok((parse("email_history", "email", &self.email, EmailAddress::parse)?, self.held_from))
    }
}
