//! `portal_sessions`: parties' sessions, apart from staff sessions, stored
//! as the SHA-256 of their token (unique). The passkey ceremony a session
//! waits on (`ceremony`) is not part of the model: only
//! `PortalRepository::set_ceremony` and `take_ceremony` touch it.

use super::{corrupt, stored_time};
use identity_domain::{PartyId, PortalSession, PracticeId, SessionId, SessionScope, StoreError, TokenHash};
use sea_orm::entity::prelude::*;

/// A row of `portal_sessions`.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "portal_sessions")]
pub struct Model {
    /// The session id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The practice.
    pub practice_id: Uuid,
    /// The signed-in party.
    pub party_id: Uuid,
    /// SHA-256 of the token.
    pub token_hash: Vec<u8>,
    /// Began.
    pub created_at: DateTimeUtc,
    /// Last used.
    pub last_seen_at: DateTimeUtc,
    /// Absolute expiry.
    pub expires_at: DateTimeUtc,
    /// Ended.
    pub ended_at: Option<DateTimeUtc>,
    /// `full`, or `second_factor` while it waits for the second factor.
    pub scope: String,
    /// When the password was last typed in it (`NULL`: at its start).
    pub password_at: Option<DateTimeUtc>,
}

impl ActiveModelBehavior for ActiveModel {}

impl Model {
    /// The row of a session.
    pub fn from_domain(s: &PortalSession) -> Self {
        Self {
            id: s.id.as_uuid(),
            practice_id: s.practice.as_uuid(),
            party_id: s.party.as_uuid(),
            token_hash: s.token_hash.as_bytes().to_vec(),
            created_at: stored_time(s.created_at),
            last_seen_at: stored_time(s.last_seen_at),
            expires_at: stored_time(s.expires_at),
            ended_at: s.ended_at.map(stored_time),
            scope: s.scope.as_str().to_owned(),
            password_at: Some(stored_time(s.password_at)),
        }
    }

    /// The session of a row.
    ///
    /// # Errors
    /// [`StoreError::Internal`] when a stored value is unreadable.
    pub fn into_domain(self) -> Result<PortalSession, StoreError> {
        let hash: [u8; 32] =
            self.token_hash.as_slice().try_into().map_err(|_| corrupt("portal_sessions", "token_hash"))?;
        Ok(PortalSession {
            id: SessionId::from_uuid(self.id),
            practice: PracticeId::from_uuid(self.practice_id),
            party: PartyId::from_uuid(self.party_id),
            token_hash: TokenHash::from_bytes(hash),
            created_at: self.created_at,
            last_seen_at: self.last_seen_at,
            expires_at: self.expires_at,
            scope: SessionScope::parse(&self.scope).ok_or_else(|| corrupt("portal_sessions", "scope"))?,
            password_at: self.password_at.unwrap_or(self.created_at),
            ended_at: self.ended_at,
        })
    }
}
