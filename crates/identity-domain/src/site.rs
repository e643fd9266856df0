//! Sites: the offices or campuses of a practice.

use crate::ids::{PracticeId, SiteId};
use crate::person::{Label, Note, TimeZone};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// An office or campus.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Site {
    /// Its id.
    pub id: SiteId,
    /// The practice it belongs to.
    pub practice: PracticeId,
    /// Its name, unique in the practice.
    pub name: Label,
    /// Its postal address.
    pub address: Option<Note>,
    /// Its time zone, when it differs from the practice's (`None`: the
    /// practice's). The parties recorded at the site get it by default.
    pub time_zone: Option<TimeZone>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
}

/// What an administrator gives for a site: its name, address and time zone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SiteDetails {
    /// Its name, unique in the practice.
    pub name: Label,
    /// Its postal address.
    pub address: Option<Note>,
    /// Its time zone when it differs from the practice's.
    pub time_zone: Option<TimeZone>,
}

impl SiteDetails {
    /// A site with only a name: no address, the practice's time zone.
    pub const fn named(name: Label) -> Self {
        Self { name, address: None, time_zone: None }
    }
}
