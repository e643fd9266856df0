//! `outbox`: emails queued with the change that causes them.

use super::{corrupt, parse, stored_time, to_i64, to_u32};
use identity_domain::{
    DeliveryStatus, EmailAddress, EmailId, Language, OutboxEmail, PracticeId, StoreError, TimeZone,
};
use sea_orm::entity::prelude::*;

/// A row of `outbox`.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "outbox")]
pub struct Model {
    /// Email id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The practice.
    pub practice_id: Uuid,
    /// The practice's name.
    pub practice_name: String,
    /// Recipient address, as stored for the user or party.
    pub to_email: String,
    /// Recipient name.
    pub recipient_name: String,
    /// BCP 47 tag.
    pub language: String,
    /// IANA zone.
    pub time_zone: String,
    /// `Message::kind()`, for listings.
    pub kind: String,
    /// The typed message as JSON (with secrets until delivered).
    pub message: Json,
    /// Queued.
    pub created_at: DateTimeUtc,
    /// `pending`, `sent` or `failed`.
    pub status: String,
    /// Attempts so far.
    pub attempts: i64,
    /// Next attempt due.
    pub next_attempt_at: DateTimeUtc,
    /// Last delivery error.
    pub last_error: Option<String>,
    /// Delivered.
    pub sent_at: Option<DateTimeUtc>,
    /// Claimed by a worker until then.
    pub lease_until: Option<DateTimeUtc>,
}

impl ActiveModelBehavior for ActiveModel {}

const TABLE: &str = "outbox";

impl Model {
    /// The row of an email.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] if the message cannot be written as JSON.
    pub fn from_domain(e: &OutboxEmail) -> Result<Self, StoreError> {
        let message = serde_json::to_value(&e.message).map_err(|_| corrupt(TABLE, "message"))?;
        Ok(Self {
            id: e.id.as_uuid(),
            practice_id: e.practice.as_uuid(),
            practice_name: e.practice_name.clone(),
            to_email: e.to.as_str().to_owned(),
            recipient_name: e.recipient_name.clone(),
            language: e.language.as_str().to_owned(),
            time_zone: e.time_zone.name().to_owned(),
            kind: e.message.kind().to_owned(),
            message,
            created_at: stored_time(e.created_at),
            status: e.status.as_str().to_owned(),
            attempts: to_i64(e.attempts.into()),
            next_attempt_at: stored_time(e.next_attempt_at),
            last_error: e.last_error.clone(),
            sent_at: e.sent_at.map(stored_time),
            lease_until: None,
        })
    }

    /// The email of a row.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] when a stored value is unreadable.
    pub fn into_domain(self) -> Result<OutboxEmail, StoreError> {
        Ok(OutboxEmail {
            id: EmailId::from_uuid(self.id),
            practice: PracticeId::from_uuid(self.practice_id),
            practice_name: self.practice_name,
            to: parse(TABLE, "to_email", &self.to_email, EmailAddress::parse)?,
            recipient_name: self.recipient_name,
            language: parse(TABLE, "language", &self.language, Language::parse)?,
            time_zone: parse(TABLE, "time_zone", &self.time_zone, TimeZone::parse)?,
            message: serde_json::from_value(self.message).map_err(|_| corrupt(TABLE, "message"))?,
            created_at: self.created_at,
            status: parse(TABLE, "status", &self.status, |s| DeliveryStatus::parse(s).ok_or(()))?,
            attempts: to_u32(TABLE, "attempts", self.attempts)?,
            next_attempt_at: self.next_attempt_at,
            last_error: self.last_error,
            sent_at: self.sent_at,
        })
    }
}
