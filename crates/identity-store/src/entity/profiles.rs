//! `profiles`: permissions added on top of a user's role.

use super::{parse, permissions_from_json, permissions_json};
use identity_domain::{Label, PracticeId, Profile, ProfileId, StoreError};
use sea_orm::entity::prelude::*;

/// A row of `profiles`.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "profiles")]
pub struct Model {
    /// The profile id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Its practice.
    pub practice_id: Uuid,
    /// Its name, unique in the practice.
    pub name: String,
    /// Its permissions.
    pub permissions: Json,
    /// Whether it is built in.
    pub builtin: bool,
}

impl ActiveModelBehavior for ActiveModel {}

const TABLE: &str = "profiles";

impl Model {
    /// The row of a profile.
    pub fn from_domain(p: &Profile) -> Self {
        Self {
            id: p.id.as_uuid(),
            practice_id: p.practice.as_uuid(),
            name: p.name.as_str().to_owned(),
            permissions: permissions_json(p.permissions),
            builtin: p.builtin,
        }
    }

    /// The profile of a row.
    ///
    /// # Errors
    /// [`StoreError::Internal`] when a stored value is unreadable.
    pub fn into_domain(self) -> Result<Profile, StoreError> {
        Ok(Profile {
            id: ProfileId::from_uuid(self.id),
            practice: PracticeId::from_uuid(self.practice_id),
            name: parse(TABLE, "name", &self.name, Label::parse)?,
            permissions: permissions_from_json(TABLE, &self.permissions)?,
            builtin: self.builtin,
        })
    }
}
