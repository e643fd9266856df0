//! Sites: the offices or campuses of a practice.

use crate::ids::{PracticeId, SiteId};
use crate::person::{Label, Note};
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
    /// When it was created.
    pub created_at: DateTime<Utc>,
}
