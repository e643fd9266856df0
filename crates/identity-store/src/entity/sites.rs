//! `sites`: offices and campuses.

use super::{parse, parse_opt, stored_time};
use identity_domain::{Label, Note, PracticeId, Site, SiteId, StoreError, TimeZone};
use sea_orm::entity::prelude::*;

/// A row of `sites`.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "sites")]
pub struct Model {
    /// The site id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Its practice.
    pub practice_id: Uuid,
    /// Its name, unique in the practice.
    pub name: String,
    /// Its postal address.
    pub address: Option<String>,
    /// Its time zone (an IANA name) when it differs from the practice's.
    pub time_zone: Option<String>,
    /// Creation time.
    pub created_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}

const TABLE: &str = "sites";

impl Model {
    /// The row of a site.
    pub fn from_domain(s: &Site) -> Self {
        Self {
            id: s.id.as_uuid(),
            practice_id: s.practice.as_uuid(),
            name: s.name.as_str().to_owned(),
            address: s.address.as_ref().map(|a| a.as_str().to_owned()),
            time_zone: s.time_zone.map(|z| z.name().to_owned()),
            created_at: stored_time(s.created_at),
        }
    }

    /// The site of a row.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] when a stored value is unreadable.
    pub fn into_domain(self) -> Result<Site, StoreError> {
        Ok(Site {
            id: SiteId::from_uuid(self.id),
            practice: PracticeId::from_uuid(self.practice_id),
            name: parse(TABLE, "name", &self.name, Label::parse)?,
            address: parse_opt(TABLE, "address", self.address.as_deref(), Note::parse)?,
            time_zone: parse_opt(TABLE, "time_zone", self.time_zone.as_deref(), TimeZone::parse)?,
            created_at: self.created_at,
        })
    }
}
