//! `user_factors`: users' second factors, their secrets sealed.

use sea_orm::entity::prelude::*;

/// A row of `user_factors`.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "user_factors")]
pub struct Model {
    /// The factor id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The practice.
    pub practice_id: Uuid,
    /// Whose it is.
    pub user_id: Uuid,
    /// `totp` or `passkey`.
    pub kind: String,
    /// Its holder's name for it.
    pub name: String,
    /// The TOTP secret, or what the relying party keeps of a passkey,
    /// sealed with the server's key (the factor id as associated data).
    pub secret: String,
    /// Whether a code from it was typed.
    pub confirmed: bool,
    /// The last TOTP step accepted.
    pub last_step: Option<i64>,
    /// Added.
    pub created_at: DateTimeUtc,
    /// Last used to sign in.
    pub last_used_at: Option<DateTimeUtc>,
    /// A passkey's credential id (unique across users).
    pub credential_id: Option<Vec<u8>>,
}

impl ActiveModelBehavior for ActiveModel {}
