//! `recovery_codes`: each user's recovery codes, as salted hashes.

use sea_orm::entity::prelude::*;

/// A row of `recovery_codes`.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "recovery_codes")]
pub struct Model {
    /// The practice.
    pub practice_id: Uuid,
    /// Whose it is.
    #[sea_orm(primary_key, auto_increment = false)]
    pub user_id: Uuid,
    /// SHA-256 of the code, salted with the user's id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub code_hash: Vec<u8>,
    /// Issued.
    pub created_at: DateTimeUtc,
    /// Used (a code works once).
    pub used_at: Option<DateTimeUtc>,
}

impl ActiveModelBehavior for ActiveModel {}
