//! A person's language (a BCP 47 tag) and time zone (IANA).

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A BCP 47 language tag (`en`, `fr-CA`, `zh-Hant-TW`), kept in canonical case.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Language(String);

/// Why a language tag was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a BCP 47 language tag such as en or fr-CA")]
pub struct LanguageError;

impl Language {
    /// Parses and canonicalises a tag (`FR-ca` becomes `fr-CA`).
    ///
    /// # Errors
    /// [`LanguageError`] when it is not a well-formed tag with a language.
    pub fn parse(input: &str) -> Result<Self, LanguageError> {
        let trimmed = input.trim();
        if trimmed.is_empty() || trimmed.len() > 64 {
            return Err(LanguageError);
        }
        let locale = icu_locale_core::Locale::try_from_str(trimmed).map_err(|_| LanguageError)?;
        if locale.id.language.is_unknown() {
            return Err(LanguageError);
        }
        Ok(Self(locale.to_string()))
    }

    /// English, the fallback language of every message.
    pub fn english() -> Self {
        Self("en".to_owned())
    }

    /// The canonical tag.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The primary language subtag (`fr` for `fr-CA`).
    pub fn primary(&self) -> &str {
        self.0.split('-').next().unwrap_or(&self.0)
    }

    /// Whether `other` is this language or a variant of it: `fr` covers
    /// `fr`, `fr-CA` and `fr-BE`; `fr-CA` covers `fr-CA` but not `fr`.
    ///
    /// ```
    /// use identity_domain::person::Language;
    /// let fr = Language::parse("fr").unwrap();
    /// assert!(fr.covers(&Language::parse("fr-CA").unwrap()));
    /// assert!(!Language::parse("fr-CA").unwrap().covers(&fr));
    /// assert!(!fr.covers(&Language::parse("fy").unwrap()));
    /// ```
    pub fn covers(&self, other: &Self) -> bool {
        other.0 == self.0 || other.0.strip_prefix(self.0.as_str()).is_some_and(|rest| rest.starts_with('-'))
    }
}

impl fmt::Display for Language {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
impl TryFrom<String> for Language {
    type Error = LanguageError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}
impl From<Language> for String {
    fn from(value: Language) -> Self {
        value.0
    }
}

/// An IANA time zone (`America/Toronto`, `UTC`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct TimeZone(chrono_tz::Tz);

/// Why a time zone was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not an IANA time zone such as America/Toronto")]
pub struct TimeZoneError;

impl TimeZone {
    /// Parses an IANA zone name, exactly as the database spells it.
    ///
    /// # Errors
    /// [`TimeZoneError`] for an unknown name.
    pub fn parse(input: &str) -> Result<Self, TimeZoneError> {
        chrono_tz::Tz::from_str(input.trim()).map(Self).map_err(|_| TimeZoneError)
    }

    /// UTC.
    pub fn utc() -> Self {
        Self(chrono_tz::UTC)
    }

    /// The zone, for converting times.
    pub fn tz(&self) -> chrono_tz::Tz {
        self.0
    }

    /// The IANA name.
    pub fn name(&self) -> &'static str {
        self.0.name()
    }

    /// Every name [`TimeZone::parse`] accepts (the whole IANA database,
    /// links included), in alphabetical order: what a picker offers.
    pub fn names() -> impl Iterator<Item = &'static str> {
        let mut names: Vec<&'static str> = chrono_tz::TZ_VARIANTS.iter().map(|tz| tz.name()).collect();
        names.sort_unstable();
        names.into_iter()
    }
}

impl fmt::Display for TimeZone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
impl TryFrom<String> for TimeZone {
    type Error = TimeZoneError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}
impl From<TimeZone> for String {
    fn from(value: TimeZone) -> Self {
        value.name().to_owned()
    }
}
