//! `cases`: identity, status and owner.

use super::{parse, stored_time};
use identity_domain::person::search_key;
use identity_domain::{Case, CaseId, CaseStatus, Label, PracticeId, StoreError, UserId};
use sea_orm::entity::prelude::*;

/// A row of `cases`.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "cases")]
pub struct Model {
    /// The case id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The practice.
    pub practice_id: Uuid,
    /// Title or file reference.
    pub title: String,
    /// The title folded for search (`identity_domain::person::search_key`).
    pub title_key: String,
    /// `open` or `closed`.
    pub status: String,
    /// The owning user.
    pub owner_id: Uuid,
    /// Opened.
    pub created_at: DateTimeUtc,
    /// Last change.
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}

const TABLE: &str = "cases";

impl Model {
    /// The row of a case.
    pub fn from_domain(c: &Case) -> Self {
        Self {
            id: c.id.as_uuid(),
            practice_id: c.practice.as_uuid(),
            title: c.title.as_str().to_owned(),
            title_key: search_key(c.title.as_str()),
            status: c.status.as_str().to_owned(),
            owner_id: c.owner.as_uuid(),
            created_at: stored_time(c.created_at),
            updated_at: stored_time(c.updated_at),
        }
    }

    /// The case of a row.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] when a stored value is unreadable.
    pub fn into_domain(self) -> Result<Case, StoreError> {
        Ok(Case {
            id: CaseId::from_uuid(self.id),
            practice: PracticeId::from_uuid(self.practice_id),
            title: parse(TABLE, "title", &self.title, Label::parse)?,
            status: parse(TABLE, "status", &self.status, |s| CaseStatus::parse(s).ok_or(()))?,
            owner: UserId::from_uuid(self.owner_id),
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}
