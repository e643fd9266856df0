//! Validated values that describe a person: name, language, time zone,
//! phone, and free text such as notes or an address.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use unicode_normalization::UnicodeNormalization;
use unicode_properties::{GeneralCategory, UnicodeGeneralCategory};

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
    /// An invisible format character (Unicode category Cf: zero-width
    /// space or joiner, a bidirectional control such as U+202E, a soft
    /// hyphen, a byte-order mark…) that could make one name look like
    /// another.
    #[error("must not contain the invisible formatting character {}", code_point(*.0))]
    InvisibleCharacter(char),
}

/// `U+200B`: how a character is named in an error.
pub(crate) fn code_point(c: char) -> String {
    format!("U+{:04X}", u32::from(c))
}

/// Whether `c` is a format character (Unicode category Cf): invisible, it
/// changes how the text around it shows (joins, reorders, hides).
pub(crate) fn is_format_character(c: char) -> bool {
    c.general_category() == GeneralCategory::Format
}

/// The first invisible format character of `text` a lookalike could hide
/// behind. The two joiners stay allowed where they change how a name is
/// written, as IDNA's rules for them (RFC 5892, CONTEXTJ) allow: after a
/// virama (Devanagari, Bengali, Malayalam… conjuncts), and a zero-width
/// non-joiner between two letters of the Arabic script (Persian compound
/// names).
fn invisible_character(text: &str) -> Option<char> {
    let chars: Vec<char> = text.chars().collect();
    chars.iter().enumerate().find_map(|(i, &c)| {
        let before = i.checked_sub(1).map(|b| chars[b]);
        let after = chars.get(i + 1).copied();
        let after_virama =
            before.is_some_and(|b| unicode_normalization::char::canonical_combining_class(b) == 9);
        let between_arabic_letters =
            before.is_some_and(is_arabic_letter) && after.is_some_and(is_arabic_letter);
        let allowed = match c {
            '\u{200D}' => after_virama,
            '\u{200C}' => after_virama || between_arabic_letters,
            _ => false,
        };
        (is_format_character(c) && !allowed).then_some(c)
    })
}

fn is_arabic_letter(c: char) -> bool {
    c.is_alphabetic()
        && matches!(u32::from(c), 0x0600..=0x06FF | 0x0750..=0x077F | 0x08A0..=0x08FF | 0xFB50..=0xFDFF | 0xFE70..=0xFEFF)
}

/// Whether `c` breaks a single line: a control character (Cc) or the line
/// and paragraph separators U+2028 and U+2029.
fn breaks_the_line(c: char) -> bool {
    c.is_control() || matches!(c, '\u{2028}' | '\u{2029}')
}

fn single_line(input: &str, max: usize) -> Result<String, TextError> {
    let trimmed = input.trim();
    if trimmed.is_empty() {
        return Err(TextError::Empty);
    }
    if trimmed.chars().any(breaks_the_line) {
        return Err(TextError::ControlCharacter);
    }
    if let Some(c) = invisible_character(trimmed) {
        return Err(TextError::InvisibleCharacter(c));
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

/// The form names are searched and sorted by: lower case, without the
/// accents of the Latin, Greek and Cyrillic scripts, in NFC. `Bélanger`,
/// `BELANGER` and `belanger` share one key, so a search for `belanger`
/// finds Anaïs Bélanger and she sorts before Anaïs Bouchard (byte order
/// would put every accented letter after `z`). Marks that are letters'
/// vowels or tones in other scripts (Devanagari, Thai, Vietnamese tone
/// stacking aside) are kept: removing them would change the word.
///
/// ```
/// use identity_domain::person::search_key;
/// assert_eq!(search_key("Anaïs BÉLANGER"), "anais belanger");
/// assert_eq!(search_key("Émile"), search_key("emile"));
/// assert!(search_key("Anaïs Bélanger") < search_key("Anaïs Bouchard"));
/// assert_eq!(search_key("王小明"), "王小明");
/// ```
pub fn search_key(s: &str) -> String {
    let bare: String = s.nfd().filter(|c| !is_accent(*c)).collect();
    bare.to_lowercase().nfc().collect()
}

/// A combining accent of the Latin, Greek or Cyrillic scripts: the
/// Combining Diacritical Marks block and its supplements, and the
/// combining half marks.
fn is_accent(c: char) -> bool {
    matches!(c,
        '\u{0300}'..='\u{036F}'
        | '\u{1AB0}'..='\u{1AFF}'
        | '\u{1DC0}'..='\u{1DFF}'
        | '\u{20D0}'..='\u{20FF}'
        | '\u{FE20}'..='\u{FE2F}')
}

/// A person's full name, one line, 1 to 200 characters, in any script,
/// without control or invisible format characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PersonName(String);

impl PersonName {
    /// The longest name accepted.
    pub const MAX: usize = 200;

    /// Trims and checks a name.
    ///
    /// # Errors
    /// [`TextError`] when empty, too long, multi-line or holding an
    /// invisible format character.
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

/// A short single line of text: a title, a site, role, profile or practice
/// name, a grade; without control or invisible format characters, which
/// could make one name pass for another.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Label(String);

impl Label {
    /// The longest label accepted.
    pub const MAX: usize = 200;

    /// Trims and checks a label.
    ///
    /// # Errors
    /// [`TextError`] when empty, too long, multi-line or holding an
    /// invisible format character.
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
    fn invisible_format_characters_are_refused_in_names_and_labels() {
        for (typed, hidden) in [
            ("Ana\u{200B} Silva", '\u{200B}'),         // zero-width space
            ("Ana\u{200D}Silva", '\u{200D}'),          // zero-width joiner between Latin letters
            ("An\u{200C}a Silva", '\u{200C}'),         // zero-width non-joiner between Latin letters
            ("\u{202E}avliS anA", '\u{202E}'),         // right-to-left override
            ("Ana \u{2066}Silva\u{2069}", '\u{2066}'), // left-to-right isolate
            ("Ana Sil\u{AD}va", '\u{AD}'),             // soft hyphen
            ("\u{FEFF}Ana Silva", '\u{FEFF}'),         // byte-order mark
            ("Ana Silva\u{E0041}", '\u{E0041}'),       // tag character
        ] {
            assert_eq!(PersonName::parse(typed), Err(TextError::InvisibleCharacter(hidden)), "{typed:?}");
            assert_eq!(Label::parse(typed), Err(TextError::InvisibleCharacter(hidden)), "{typed:?}");
        }
        let refused = PersonName::parse("Ana\u{200B}Silva").unwrap_err();
        assert_eq!(refused.to_string(), "must not contain the invisible formatting character U+200B");
    }

    #[test]
    fn joiners_stay_where_a_script_needs_them() {
        // Persian: a zero-width non-joiner between Arabic letters.
        assert!(PersonName::parse("زین\u{200C}العابدین").is_ok());
        // Malayalam and Devanagari: joiners after a virama.
        assert!(PersonName::parse("ന്\u{200D}").is_ok());
        assert!(PersonName::parse("क्\u{200C}ष").is_ok());
        // …but not at the start of a name, nor between Latin and Arabic.
        assert!(PersonName::parse("\u{200C}زین").is_err());
        assert!(PersonName::parse("a\u{200C}ز").is_err());
    }

    #[test]
    fn line_and_paragraph_separators_break_a_single_line() {
        for typed in ["Ana\u{2028}Silva", "Ana\u{2029}Silva", "Ana\u{85}Silva", "Ana\u{0}"] {
            assert_eq!(PersonName::parse(typed), Err(TextError::ControlCharacter), "{typed:?}");
        }
    }

    #[test]
    fn lookalike_letters_of_other_scripts_are_names_of_their_own() {
        // The first letter is Cyrillic: allowed, and a different name.
        let cyrillic = PersonName::parse("Аna Silva").unwrap();
        assert_ne!(cyrillic, PersonName::parse("Ana Silva").unwrap());
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
