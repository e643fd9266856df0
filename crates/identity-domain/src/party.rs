//! Parties: the individuals involved in cases, recorded per site.

use crate::email::EmailAddress;
use crate::ids::{PartyId, PracticeId, SiteId};
use crate::person::{Label, Language, Note, PersonName, Phone};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// How a party is involved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PartyKind {
    /// A student.
    Student,
    /// A witness.
    Witness,
    /// A faculty member.
    Faculty,
    /// A member of staff.
    Staff,
    /// A client of the practice.
    Client,
    /// Anyone else.
    Other,
}

impl PartyKind {
    /// The storage and API name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Student => "student",
            Self::Witness => "witness",
            Self::Faculty => "faculty",
            Self::Staff => "staff",
            Self::Client => "client",
            Self::Other => "other",
        }
    }

    /// Parses a storage or API name.
    pub fn parse(s: &str) -> Option<Self> {
        [Self::Student, Self::Witness, Self::Faculty, Self::Staff, Self::Client, Self::Other]
            .into_iter()
            .find(|k| k.as_str() == s)
    }
}

/// Whether a party has been invited to the portal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PortalStatus {
    /// Recorded only ("Save").
    NotInvited,
    /// An invitation to the portal was sent ("Send invite").
    Invited,
}

/// Contact details and demographics of a party.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartyDetails {
    /// How they are involved.
    pub kind: PartyKind,
    /// Full name.
    pub name: PersonName,
    /// Email, required to invite them.
    pub email: Option<EmailAddress>,
    /// Phone.
    pub phone: Option<Phone>,
    /// Postal address.
    pub address: Option<Note>,
    /// Date of birth.
    pub date_of_birth: Option<NaiveDate>,
    /// Gender, as free text.
    pub gender: Option<Label>,
    /// Grade (students) or position (staff, faculty).
    pub grade_or_position: Option<Label>,
    /// Preferred language.
    pub language: Option<Language>,
}

/// A party, recorded at one site.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Party {
    /// Its id.
    pub id: PartyId,
    /// The practice it belongs to.
    pub practice: PracticeId,
    /// The site it is recorded at.
    pub site: SiteId,
    /// Contact details and demographics.
    pub details: PartyDetails,
    /// Portal invitation state.
    pub portal: PortalStatus,
    /// When it was recorded.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}
