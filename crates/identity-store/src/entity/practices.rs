//! `practices`: the tenants.

use super::{corrupt, parse, stored_time, to_i64, to_u32};
use identity_domain::{Label, Practice, PracticeId, PracticeSettings, PracticeSlug, StoreError, TimeZone};
use sea_orm::entity::prelude::*;

/// A row of `practices`.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "practices")]
pub struct Model {
    /// The practice id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Unique slug.
    pub slug: String,
    /// Display name.
    pub name: String,
    /// `PracticeSettings::super_admin_cap`.
    pub super_admin_cap: i64,
    /// `PracticeSettings::password_min_length`.
    pub password_min_length: i64,
    /// `PracticeSettings::time_zone`, an IANA name.
    pub time_zone: String,
    /// `PracticeSettings::second_factor_required`.
    pub second_factor_required: bool,
    /// Creation time.
    pub created_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}

const TABLE: &str = "practices";

impl Model {
    /// The row of a practice.
    pub fn from_domain(p: &Practice) -> Self {
        Self {
            id: p.id.as_uuid(),
            slug: p.slug.as_str().to_owned(),
            name: p.name.as_str().to_owned(),
            super_admin_cap: to_i64(p.settings.super_admin_cap.into()),
            password_min_length: to_i64(p.settings.password_min_length.into()),
            time_zone: p.settings.time_zone.name().to_owned(),
            second_factor_required: p.settings.second_factor_required,
            created_at: stored_time(p.created_at),
        }
    }

    /// The practice of a row.
    ///
    /// # Errors
    /// [`StoreError::Internal`] when a stored value is unreadable.
    pub fn into_domain(self) -> Result<Practice, StoreError> {
        Ok(Practice {
            id: PracticeId::from_uuid(self.id),
            slug: PracticeSlug::parse(&self.slug).map_err(|_| corrupt(TABLE, "slug"))?,
            name: parse(TABLE, "name", &self.name, Label::parse)?,
            settings: PracticeSettings {
                super_admin_cap: to_u32(TABLE, "super_admin_cap", self.super_admin_cap)?,
                password_min_length: to_u32(TABLE, "password_min_length", self.password_min_length)?,
                time_zone: parse(TABLE, "time_zone", &self.time_zone, TimeZone::parse)?,
                second_factor_required: self.second_factor_required,
            },
            created_at: self.created_at,
        })
    }
}
