//! `roles`: one per user; permissions as a JSON array of dotted names.

use super::{parse, permissions_from_json, permissions_json};
use identity_domain::{Label, PracticeId, Role, RoleId, StoreError};
use sea_orm::entity::prelude::*;

/// A row of `roles`.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "roles")]
pub struct Model {
    /// The role id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Its practice.
    pub practice_id: Uuid,
    /// Its name, unique in the practice.
    pub name: String,
    /// Its permissions.
    pub permissions: Json,
    /// Whether it passes every check (Super Admin).
    pub bypass: bool,
    /// Whether it is built in.
    pub builtin: bool,
    /// Whether its holders must have a second factor.
    pub second_factor_required: bool,
}

impl ActiveModelBehavior for ActiveModel {}

const TABLE: &str = "roles";

impl Model {
    /// The row of a role.
    pub fn from_domain(r: &Role) -> Self {
        Self {
            id: r.id.as_uuid(),
            practice_id: r.practice.as_uuid(),
            name: r.name.as_str().to_owned(),
            permissions: permissions_json(r.permissions),
            bypass: r.bypass,
            builtin: r.builtin,
            second_factor_required: r.second_factor_required,
        }
    }

    /// The role of a row.
    ///
    /// # Errors
    /// [`StoreError::Internal`] when a stored value is unreadable.
    pub fn into_domain(self) -> Result<Role, StoreError> {
        Ok(Role {
            id: RoleId::from_uuid(self.id),
            practice: PracticeId::from_uuid(self.practice_id),
            name: parse(TABLE, "name", &self.name, Label::parse)?,
            permissions: permissions_from_json(TABLE, &self.permissions)?,
            bypass: self.bypass,
            builtin: self.builtin,
            second_factor_required: self.second_factor_required,
        })
    }
}
