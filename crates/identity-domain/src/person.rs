//! Validated values that describe a person: name, language, time zone,
//! phone, and free text such as notes or an address.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use unicode_normalization::UnicodeNormalization;

/// Why a piece of text was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TextError {
    /// Nothing but white space where a value is required.
    #[error("must not be empty")]
    Empty,
    /// Longer than allowed, counted in Unicode code points.
    #[error("must be at most {max} characters")]
    TooLong {
        /// The limit.
        max: usize,
    },
    /// A control character (line break, NUL…) where a single line is expected.
    #[error("must not contain line breaks or control characters")]
    ControlCharacter,
}

fn single_line(input: &str, max: usize) -> Result<String, TextError> {
    let trimmed = input.trim();
    if trimmed.is_empty() {
        return Err(TextError::Empty);
    }
    if trimmed.chars().any(char::is_control) {
        return Err(TextError::ControlCharacter);
    }
    if trimmed.chars().count() > max {
        return Err(TextError::TooLong { max });
    }
    Ok(nfc(trimmed))
}

/// `s` in Unicode normalisation form C. Text read back from storage is
/// already in that form: a quick check spares composing it again.
pub(crate) fn nfc(s: &str) -> String {
    match unicode_normalization::is_nfc_quick(s.chars()) {
        unicode_normalization::IsNormalized::Yes => s.to_owned(),
        _ => s.nfc().collect(),
    }
}

/// Lower-cased NFC form used for case-insensitive substring search.
pub fn search_key(s: &str) -> String {
    nfc(s).to_lowercase()
}

/// A person's full name, one line, 1 to 200 characters, in any script.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PersonName(String);

impl PersonName {
    /// The longest name accepted.
    pub const MAX: usize = 200;

    /// Trims and checks a name.
    ///
    /// # Errors
    /// [`TextError`] when empty, too long or multi-line.
    pub fn parse(input: &str) -> Result<Self, TextError> {
        single_line(input, Self::MAX).map(Self)
    }

    /// The name as stored.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The case-folded form searches compare against.
    pub fn search_key(&self) -> String {
        search_key(&self.0)
    }
}

impl fmt::Display for PersonName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
impl TryFrom<String> for PersonName {
    type Error = TextError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}
impl From<PersonName> for String {
    fn from(value: PersonName) -> Self {
        value.0
    }
}

/// A short single line of text: a title, a site or role name, a grade.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Label(String);

impl Label {
    /// The longest label accepted.
    pub const MAX: usize = 200;

    /// Trims and checks a label.
    ///
    /// # Errors
    /// [`TextError`] when empty, too long or multi-line.
    pub fn parse(input: &str) -> Result<Self, TextError> {
        single_line(input, Self::MAX).map(Self)
    }

    /// The label as stored.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Label {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
impl TryFrom<String> for Label {
    type Error = TextError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}
impl From<Label> for String {
    fn from(value: Label) -> Self {
        value.0
    }
}

/// Free text of several lines: admin-only notes, a postal address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Note(String);

impl Note {
    /// The longest note accepted.
    pub const MAX: usize = 5000;

    /// Trims and checks a note; line breaks and tabs are allowed, other
    /// control characters are not.
    ///
    /// # Errors
    /// [`TextError`] when empty, too long or holding control characters.
    pub fn parse(input: &str) -> Result<Self, TextError> {
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err(TextError::Empty);
        }
        if trimmed.chars().any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t')) {
            return Err(TextError::ControlCharacter);
        }
        if trimmed.chars().count() > Self::MAX {
            return Err(TextError::TooLong { max: Self::MAX });
        }
        Ok(Self(nfc(trimmed)))
    }

    /// The note as stored.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}
impl TryFrom<String> for Note {
    type Error = TextError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}
impl From<Note> for String {
    fn from(value: Note) -> Self {
        value.0
    }
}

/// A telephone number as people write it: digits with an optional leading
/// `+`, spaces, dots, dashes, parentheses and an extension (`x123`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Phone(String);

/// Why a phone number was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a phone number has 4 to 20 digits and only + ( ) - . spaces and an extension")]
pub struct PhoneError;

impl Phone {
    /// Checks a phone number.
    ///
    /// # Errors
    /// [`PhoneError`] when it has other characters or too few or many digits.
    pub fn parse(input: &str) -> Result<Self, PhoneError> {
        let trimmed = input.trim();
        let (number, extension) = match trimmed.split_once(['x', 'X']) {
            Some((n, e)) => (n, Some(e.trim())),
            None => (trimmed, None),
        };
        let allowed = |c: char| c.is_ascii_digit() || " ()-.".contains(c);
        let plus_ok = number.strip_prefix('+').unwrap_or(number);
        let digits = number.chars().filter(char::is_ascii_digit).count();
        let extension_ok =
            extension.is_none_or(|e| !e.is_empty() && e.len() <= 6 && e.chars().all(|c| c.is_ascii_digit()));
        if plus_ok.chars().all(allowed) && (4..=20).contains(&digits) && extension_ok {
            Ok(Self(trimmed.to_owned()))
        } else {
            Err(PhoneError)
        }
    }

    /// The number as stored.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}
impl TryFrom<String> for Phone {
    type Error = PhoneError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}
impl From<Phone> for String {
    fn from(value: Phone) -> Self {
        value.0
    }
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_in_any_script_are_accepted_and_trimmed() {
        assert_eq!(PersonName::parse("  Zoë Ó Briain ").unwrap().as_str(), "Zoë Ó Briain");
        assert!(PersonName::parse("王秀英").is_ok());
        assert_eq!(PersonName::parse("  "), Err(TextError::Empty));
        assert_eq!(PersonName::parse("a\nb"), Err(TextError::ControlCharacter));
        assert!(PersonName::parse(&"x".repeat(201)).is_err());
    }

    #[test]
    fn language_tags_are_canonicalised() {
        assert_eq!(Language::parse("FR-ca").unwrap().as_str(), "fr-CA");
        assert_eq!(Language::parse("fr-CA").unwrap().primary(), "fr");
        assert!(Language::parse("not a tag").is_err());
        assert!(Language::parse("").is_err());
        assert!(Language::parse("und").is_err());
    }

    #[test]
    fn time_zones_are_iana_names() {
        assert_eq!(TimeZone::parse("America/Toronto").unwrap().name(), "America/Toronto");
        assert!(TimeZone::parse("Mars/Olympus").is_err());
    }

    #[test]
    fn phones_allow_common_punctuation_only() {
        assert!(Phone::parse("+1 (514) 555-0199 x12").is_ok());
        assert!(Phone::parse("555-0199").is_ok());
        assert!(Phone::parse("call me").is_err());
        assert!(Phone::parse("12").is_err());
    }

    #[test]
    fn notes_keep_line_breaks_but_not_other_controls() {
        assert!(Note::parse("line one\nline two").is_ok());
        assert_eq!(Note::parse("bad\u{0}"), Err(TextError::ControlCharacter));
    }
}
