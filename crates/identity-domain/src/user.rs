//! Users: the staff accounts of a practice, and their status machine.

use crate::email::EmailAddress;
use crate::ids::{PracticeId, ProfileId, RoleId, SiteId, UserId};
use crate::person::{Label, Language, Note, PersonName, Phone, TimeZone};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::fmt;

/// Where a user is in their life: `invited` → `active` ⇄ `inactive`.
/// There is no deleted state: users are never deleted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UserStatus {
    /// Created by invitation; no password yet.
    Invited,
    /// Can sign in.
    Active,
    /// Deactivated: cannot sign in, cannot be assigned cases; every record
    /// still points at them.
    Inactive,
}

/// A status change the status machine does not allow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a user cannot go from {from} to {to}")]
pub struct IllegalTransition {
    /// The current status.
    pub from: UserStatus,
    /// The refused target.
    pub to: UserStatus,
}

impl UserStatus {
    /// The storage and API name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Invited => "invited",
            Self::Active => "active",
            Self::Inactive => "inactive",
        }
    }

    /// Parses a storage or API name.
    pub fn parse(s: &str) -> Option<Self> {
        [Self::Invited, Self::Active, Self::Inactive].into_iter().find(|st| st.as_str() == s)
    }

    /// Whether the machine allows going from `self` to `to`:
    /// invited → active (invitation accepted), invited → inactive (invitation
    /// revoked or user deactivated), active → inactive, inactive → active
    /// (reactivated, with a password), inactive → invited (reactivated
    /// without one: invited again).
    pub const fn can_become(self, to: Self) -> bool {
        matches!(
            (self, to),
            (Self::Invited, Self::Active)
                | (Self::Invited, Self::Inactive)
                | (Self::Active, Self::Inactive)
                | (Self::Inactive, Self::Active)
                | (Self::Inactive, Self::Invited)
        )
    }

    /// Checks a transition.
    ///
    /// # Errors
    /// [`IllegalTransition`] when [`UserStatus::can_become`] says no.
    pub fn transition(self, to: Self) -> Result<Self, IllegalTransition> {
        if self.can_become(to) { Ok(to) } else { Err(IllegalTransition { from: self, to }) }
    }
}

impl fmt::Display for UserStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A staff user of a practice.
///
/// Secrets live apart, in [`crate::Credential`]: a `User` can be listed,
/// exported and written to the audit log as it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    /// Its id; every reference to the user is by this id.
    pub id: UserId,
    /// The practice it belongs to.
    pub practice: PracticeId,
    /// The sign-in name, unique in the practice for ever.
    pub email: EmailAddress,
    /// Full name.
    pub name: PersonName,
    /// The one role.
    pub role: RoleId,
    /// The extra profiles.
    pub profiles: BTreeSet<ProfileId>,
    /// Preferred language, for emails and pages.
    pub language: Language,
    /// Time zone, for dates in emails and pages.
    pub time_zone: TimeZone,
    /// Optional phone number.
    pub phone: Option<Phone>,
    /// Optional job title.
    pub title: Option<Label>,
    /// Notes only callers allowed to manage users may read.
    pub notes: Option<Note>,
    /// The sites the user works at.
    pub sites: BTreeSet<SiteId>,
    /// Where the user is in their life.
    pub status: UserStatus,
    /// Bumped by every change; edits carry the version they started from.
    pub version: u64,
    /// When the user was created.
    pub created_at: DateTime<Utc>,
    /// When the user last changed.
    pub updated_at: DateTime<Utc>,
}

impl User {
    /// The user as the audit log records it: everything but admin notes,
    /// which are recorded only as present or absent.
    pub fn audit_view(&self) -> serde_json::Value {
        serde_json::json!({
            "email": self.email.as_str(),
            "name": self.name.as_str(),
            "role": self.role,
            "profiles": self.profiles,
            "language": self.language,
            "time_zone": self.time_zone,
            "phone": self.phone,
            "title": self.title,
            "has_notes": self.notes.is_some(),
            "sites": self.sites,
            "status": self.status,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use UserStatus::*;

    #[test]
    fn the_status_machine_has_no_way_back_to_invited_from_active() {
        assert!(Invited.can_become(Active));
        assert!(Active.can_become(Inactive));
        assert!(Inactive.can_become(Active));
        assert!(!Active.can_become(Invited));
        for s in [Invited, Active, Inactive] {
            assert!(!s.can_become(s), "{s} to itself is not a change");
        }
    }
}
