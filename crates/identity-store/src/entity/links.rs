//! `links`: invitation and recovery links, stored as the SHA-256 of their
//! token (unique).

use super::{corrupt, parse, stored_time};
use identity_domain::{
    Link, LinkId, LinkPurpose, LinkSubject, PartyId, PracticeId, StoreError, TokenHash, UserId,
};
use sea_orm::entity::prelude::*;

/// A row of `links`.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "links")]
pub struct Model {
    /// The link id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The practice.
    pub practice_id: Uuid,
    /// `invitation`, `recovery` or `party_invitation`.
    pub purpose: String,
    /// The user it is for, if a user.
    pub user_id: Option<Uuid>,
    /// The party it is for, if a party.
    pub party_id: Option<Uuid>,
    /// SHA-256 of the token.
    pub token_hash: Vec<u8>,
    /// Issued.
    pub created_at: DateTimeUtc,
    /// Stops working.
    pub expires_at: DateTimeUtc,
    /// Used.
    pub used_at: Option<DateTimeUtc>,
    /// Voided.
    pub voided_at: Option<DateTimeUtc>,
}

impl ActiveModelBehavior for ActiveModel {}

const TABLE: &str = "links";

/// The `(user_id, party_id)` columns of a subject.
pub fn subject_columns(subject: LinkSubject) -> (Option<Uuid>, Option<Uuid>) {
    match subject {
        LinkSubject::User(u) => (Some(u.as_uuid()), None),
        LinkSubject::Party(p) => (None, Some(p.as_uuid())),
    }
}

impl Model {
    /// The row of a link.
    pub fn from_domain(l: &Link) -> Self {
        let (user_id, party_id) = subject_columns(l.subject);
        Self {
            id: l.id.as_uuid(),
            practice_id: l.practice.as_uuid(),
            purpose: l.purpose.as_str().to_owned(),
            user_id,
            party_id,
            token_hash: l.token_hash.as_bytes().to_vec(),
            created_at: stored_time(l.created_at),
            expires_at: stored_time(l.expires_at),
            used_at: l.used_at.map(stored_time),
            voided_at: l.voided_at.map(stored_time),
        }
    }

    /// The link of a row.
    ///
    /// # Errors
    /// [`StoreError::Internal`] when a stored value is unreadable.
    pub fn into_domain(self) -> Result<Link, StoreError> {
        let subject = match (self.user_id, self.party_id) {
            (Some(u), None) => LinkSubject::User(UserId::from_uuid(u)),
            (None, Some(p)) => LinkSubject::Party(PartyId::from_uuid(p)),
            _ => return Err(corrupt(TABLE, "user_id")),
        };
        let hash: [u8; 32] =
            self.token_hash.as_slice().try_into().map_err(|_| corrupt(TABLE, "token_hash"))?;
        Ok(Link {
            id: LinkId::from_uuid(self.id),
            practice: PracticeId::from_uuid(self.practice_id),
            purpose: parse(TABLE, "purpose", &self.purpose, |s| LinkPurpose::parse(s).ok_or(()))?,
            subject,
            token_hash: TokenHash::from_bytes(hash),
            created_at: self.created_at,
            expires_at: self.expires_at,
            used_at: self.used_at,
            voided_at: self.voided_at,
        })
    }
}
