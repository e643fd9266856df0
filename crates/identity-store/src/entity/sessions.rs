//! `sessions`: stored as the SHA-256 of their token (unique).

use super::{corrupt, stored_time};
use identity_domain::{PracticeId, Session, SessionId, SessionScope, StoreError, TokenHash, UserId};
use sea_orm::entity::prelude::*;

/// A row of `sessions`.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "sessions")]
pub struct Model {
    /// The session id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The practice.
    pub practice_id: Uuid,
    /// Who is signed in.
    pub user_id: Uuid,
    /// SHA-256 of the token.
    pub token_hash: Vec<u8>,
    /// Began.
    pub created_at: DateTimeUtc,
    /// Last used.
    pub last_seen_at: DateTimeUtc,
    /// Absolute expiry.
    pub expires_at: DateTimeUtc,
    /// Not a full session (kept for servers that predate `scope`: a
    /// session that owes a step must never look full to them).
    pub password_change_only: bool,
    /// `SessionScope`: `full`, `password_change`, `second_factor`, `enrolment`.
    pub scope: String,
    /// When the password was last typed in it (`NULL`: at its start).
    pub password_at: Option<DateTimeUtc>,
    /// Ended.
    pub ended_at: Option<DateTimeUtc>,
}

impl ActiveModelBehavior for ActiveModel {}

impl Model {
    /// The row of a session.
    pub fn from_domain(s: &Session) -> Self {
        Self {
            id: s.id.as_uuid(),
            practice_id: s.practice.as_uuid(),
            user_id: s.user.as_uuid(),
            token_hash: s.token_hash.as_bytes().to_vec(),
            created_at: stored_time(s.created_at),
            last_seen_at: stored_time(s.last_seen_at),
            expires_at: stored_time(s.expires_at),
            password_change_only: s.scope != SessionScope::Full,
            scope: s.scope.as_str().to_owned(),
            password_at: Some(stored_time(s.password_at)),
            ended_at: s.ended_at.map(stored_time),
        }
    }

    /// The session of a row.
    ///
    /// # Errors
    /// [`StoreError::Internal`] when a stored value is unreadable.
    pub fn into_domain(self) -> Result<Session, StoreError> {
        let hash: [u8; 32] =
            self.token_hash.as_slice().try_into().map_err(|_| corrupt("sessions", "token_hash"))?;
        Ok(Session {
            id: SessionId::from_uuid(self.id),
            practice: PracticeId::from_uuid(self.practice_id),
            user: UserId::from_uuid(self.user_id),
            token_hash: TokenHash::from_bytes(hash),
            created_at: self.created_at,
            last_seen_at: self.last_seen_at,
            expires_at: self.expires_at,
            scope: SessionScope::parse(&self.scope).ok_or_else(|| corrupt("sessions", "scope"))?,
            password_at: self.password_at.unwrap_or(self.created_at),
            ended_at: self.ended_at,
        })
    }
}
