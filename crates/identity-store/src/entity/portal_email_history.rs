//! `portal_email_history`: every address a party's portal account ever
//! held; unique per practice on the normalised form, for ever.

use super::stored_time;
use chrono::{DateTime, Utc};
use identity_domain::{EmailAddress, PartyId, PracticeId};
use sea_orm::entity::prelude::*;

/// A row of `portal_email_history`.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "portal_email_history")]
pub struct Model {
    /// Row id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The practice.
    pub practice_id: Uuid,
    /// The party whose account holds or held it.
    pub party_id: Uuid,
    /// The address as typed (trimmed).
    pub email: String,
    /// `EmailAddress::normalized()`.
    pub normalized_email: String,
    /// Since when it was held.
    pub held_from: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}

impl Model {
    /// The row reserving `email` for `party`.
    pub fn reservation(
        practice: PracticeId,
        email: &EmailAddress,
        party: PartyId,
        at: DateTime<Utc>,
    ) -> Self {
        Self {
            id: Uuid::now_v7(),
            practice_id: practice.as_uuid(),
            party_id: party.as_uuid(),
            email: email.as_str().to_owned(),
            normalized_email: email.normalized().to_owned(),
            held_from: stored_time(at),
        }
    }
}
