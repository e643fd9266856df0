//! `outbox`: emails queued with the change that causes them.

use super::{corrupt, parse, stored_time, to_i64, to_u32};
use crate::seal::OutboxKey;
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
    /// The worker identity holding the claim.
    pub claimed_by: Option<String>,
    /// The claim holding it.
    pub claim_token: Option<Uuid>,
    /// The whole message, secrets included, encrypted with the outbox key
    /// (see `crate::seal`); `None` once delivered or given up, and for
    /// messages without secrets.
    pub sealed: Option<String>,
}

impl ActiveModelBehavior for ActiveModel {}

const TABLE: &str = "outbox";

impl Model {
    /// The row of an email: its message without secrets in `message`, and,
    /// when it carries any, whole and encrypted with `key` in `sealed`.
    ///
    /// # Errors
    /// [`StoreError::Internal`] if the message cannot be written as JSON
    /// or sealed.
    pub fn from_domain(e: &OutboxEmail, key: &OutboxKey) -> Result<Self, StoreError> {
        let message =
            serde_json::to_value(e.message.without_secrets()).map_err(|_| corrupt(TABLE, "message"))?;
        let sealed = if e.message.message_kind().carries_secret() {
            let whole = serde_json::to_vec(&e.message).map_err(|_| corrupt(TABLE, "message"))?;
            Some(key.seal(e.id.as_uuid(), &whole).ok_or_else(|| corrupt(TABLE, "sealed"))?)
        } else {
            None
        };
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
            claimed_by: None,
            claim_token: None,
            sealed,
        })
    }

    /// The email of a row, with its message as stored in `message`:
    /// without secrets (rows written before sealing keep theirs there).
    ///
    /// # Errors
    /// [`StoreError::Internal`] when a stored value is unreadable.
    pub fn into_domain(self) -> Result<OutboxEmail, StoreError> {
        self.into_email(None)
    }

    /// The email of a row with its secrets, opened with `key`.
    ///
    /// # Errors
    /// [`StoreError::Internal`] when a stored value is unreadable or the
    /// sealed message does not open with `key`.
    pub fn into_sealed_domain(self, key: &OutboxKey) -> Result<OutboxEmail, StoreError> {
        self.into_email(Some(key))
    }

    /// The email of a row with its secrets when they open with `key`, and
    /// without them when they do not (a listing never fails on a sealed
    /// message of an older key).
    ///
    /// # Errors
    /// [`StoreError::Internal`] when a stored value is unreadable.
    pub fn into_opened_domain(self, key: &OutboxKey) -> Result<OutboxEmail, StoreError> {
        let opens = self.sealed.as_deref().is_none_or(|sealed| key.open(self.id, sealed).is_some());
        self.into_email(opens.then_some(key))
    }

    fn into_email(self, key: Option<&OutboxKey>) -> Result<OutboxEmail, StoreError> {
        let message = match (&self.sealed, key) {
            (Some(sealed), Some(key)) => {
                let whole = key.open(self.id, sealed).ok_or_else(|| corrupt(TABLE, "sealed"))?;
                serde_json::from_slice(&whole).map_err(|_| corrupt(TABLE, "sealed"))?
            }
            _ => serde_json::from_value(self.message).map_err(|_| corrupt(TABLE, "message"))?,
        };
        Ok(OutboxEmail {
            id: EmailId::from_uuid(self.id),
            practice: PracticeId::from_uuid(self.practice_id),
            practice_name: self.practice_name,
            to: parse(TABLE, "to_email", &self.to_email, EmailAddress::parse)?,
            recipient_name: self.recipient_name,
            language: parse(TABLE, "language", &self.language, Language::parse)?,
            time_zone: parse(TABLE, "time_zone", &self.time_zone, TimeZone::parse)?,
            message,
            created_at: self.created_at,
            status: parse(TABLE, "status", &self.status, |s| DeliveryStatus::parse(s).ok_or(()))?,
            attempts: to_u32(TABLE, "attempts", self.attempts)?,
            next_attempt_at: self.next_attempt_at,
            last_error: self.last_error,
            sent_at: self.sent_at,
        })
    }
}
