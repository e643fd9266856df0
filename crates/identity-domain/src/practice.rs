//! The practice: the tenant every record belongs to.

use crate::ids::PracticeId;
use crate::person::{Label, TimeZone};
use serde::{Deserialize, Serialize};
use std::fmt;

/// A practice's short unique name, used at sign-in: 2 to 63 characters of
/// lower-case ASCII letters, digits and inner hyphens (`maple-immigration`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PracticeSlug(String);

/// Why a slug was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a practice slug has 2 to 63 lower-case letters, digits or inner hyphens")]
pub struct SlugError;

impl PracticeSlug {
    /// Checks a slug; surrounding white space is trimmed and upper case folded.
    ///
    /// # Errors
    /// [`SlugError`] when it breaks the form above.
    pub fn parse(input: &str) -> Result<Self, SlugError> {
        let slug = input.trim().to_ascii_lowercase();
        let well_formed = (2..=63).contains(&slug.len())
            && slug.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !slug.starts_with('-')
            && !slug.ends_with('-');
        if well_formed { Ok(Self(slug)) } else { Err(SlugError) }
    }

    /// The slug.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for PracticeSlug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
impl TryFrom<String> for PracticeSlug {
    type Error = SlugError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}
impl From<PracticeSlug> for String {
    fn from(value: PracticeSlug) -> Self {
        value.0
    }
}

/// Settings an administrator of the practice may change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PracticeSettings {
    /// How many users may hold a Super Admin (bypass) role at once.
    pub super_admin_cap: u32,
    /// The minimum password length in code points (never below 8).
    pub password_min_length: u32,
    /// The practice's time zone: the one its sites and parties follow
    /// unless they have their own (default UTC).
    #[serde(default = "TimeZone::utc")]
    pub time_zone: TimeZone,
    /// Every user must have a second factor, whatever their role (off by
    /// default: roles say who must).
    #[serde(default)]
    pub second_factor_required: bool,
}

impl Default for PracticeSettings {
    fn default() -> Self {
        Self {
            super_admin_cap: 2,
            password_min_length: 15,
            time_zone: TimeZone::utc(),
            second_factor_required: false,
        }
    }
}

/// A practice (tenant).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Practice {
    /// Its id.
    pub id: PracticeId,
    /// Its unique slug, typed at sign-in.
    pub slug: PracticeSlug,
    /// Its display name; passwords may not contain it.
    pub name: Label,
    /// Its settings.
    pub settings: PracticeSettings,
    /// When it was created.
    pub created_at: chrono::DateTime<chrono::Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_lower_case_and_hyphenated() {
        assert_eq!(PracticeSlug::parse(" Maple-Law ").unwrap().as_str(), "maple-law");
        for bad in ["a", "-maple", "maple-", "map le", "mapl_e", "é-law"] {
            assert!(PracticeSlug::parse(bad).is_err(), "{bad}");
        }
    }
}
