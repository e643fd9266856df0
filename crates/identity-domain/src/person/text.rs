//! Text typed by people: names, labels, notes and addresses, phone numbers —
//! single-line or not, normalised (NFC), without invisible format characters —
//! and the folded search key.

use serde::{Deserialize, Serialize};
use std::fmt;
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
