//! Cases: this system owns only their identity, status and owner.

use crate::ids::{CaseId, PracticeId, UserId};
use crate::person::Label;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Whether a case is still being worked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseStatus {
    /// Being worked; its owner cannot be deactivated.
    Open,
    /// Done.
    Closed,
}

impl CaseStatus {
    /// The storage and API name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Closed => "closed",
        }
    }

    /// Parses a storage or API name.
    pub fn parse(s: &str) -> Option<Self> {
        [Self::Open, Self::Closed].into_iter().find(|st| st.as_str() == s)
    }
}

/// A case and its owner.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Case {
    /// Its id.
    pub id: CaseId,
    /// The practice it belongs to.
    pub practice: PracticeId,
    /// A short title or file reference.
    pub title: Label,
    /// Open or closed.
    pub status: CaseStatus,
    /// The one user who owns it.
    pub owner: UserId,
    /// When it was opened.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}
