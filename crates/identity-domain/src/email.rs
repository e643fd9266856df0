//! Email addresses: the sign-in name of a user.

use crate::person::{code_point, is_format_character, nfc};
use serde::{Deserialize, Serialize};
use std::fmt;

/// The longest address accepted (RFC 5321's path limit).
pub const MAX_EMAIL_LENGTH: usize = 254;

/// A syntactically valid email address, kept as typed (trimmed) for display
/// and in a normalised form for comparison.
///
/// Two addresses are the same when their normalised forms are equal: Unicode
/// NFC, then lower case. Lookalikes stay different: a Cyrillic `а` is not a
/// Latin `a`.
///
/// ```
/// use identity_domain::EmailAddress;
/// let a = EmailAddress::parse("  Ana.Silva@Example.COM ").unwrap();
/// let b = EmailAddress::parse("ana.silva@example.com").unwrap();
/// assert_eq!(a, b);
/// assert_eq!(a.as_str(), "Ana.Silva@Example.COM");
/// assert_eq!(a.normalized(), "ana.silva@example.com");
/// assert_ne!(a, EmailAddress::parse("аna.silva@example.com").unwrap()); // Cyrillic а
/// ```
#[derive(Clone, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct EmailAddress {
    display: String,
    normalized: String,
}

/// Why a string is not an acceptable email address.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EmailError {
    /// Nothing but white space.
    #[error("the email address is empty")]
    Empty,
    /// Longer than [`MAX_EMAIL_LENGTH`].
    #[error("the email address is longer than {MAX_EMAIL_LENGTH} characters")]
    TooLong,
    /// Carries a line break or another control character (header injection).
    #[error("the email address contains a line break or control character")]
    ControlCharacter,
    /// Carries an invisible format character (Unicode category Cf: a
    /// zero-width space or joiner, a bidirectional control, a soft hyphen…)
    /// that would make it look like another address.
    #[error("the email address contains the invisible formatting character {}", code_point(*.0))]
    InvisibleCharacter(char),
    /// Not of the form `local@domain.tld`.
    #[error("the email address is not valid: {0}")]
    Invalid(String),
}

impl EmailAddress {
    /// Parses an address: trims surrounding white space, refuses control
    /// characters (CR, LF…), invisible format characters (zero-width
    /// spaces and joiners, bidirectional controls…), display names
    /// (`Bob <b@x>`) and IP-literal domains, and requires a top-level domain.
    ///
    /// # Errors
    /// [`EmailError`] says what is wrong.
    pub fn parse(input: &str) -> Result<Self, EmailError> {
        let trimmed = input.trim();
        if input.contains(['\r', '\n']) || trimmed.chars().any(char::is_control) {
            return Err(EmailError::ControlCharacter);
        }
        if let Some(c) = trimmed.chars().find(|&c| is_format_character(c)) {
            return Err(EmailError::InvisibleCharacter(c));
        }
        if trimmed.is_empty() {
            return Err(EmailError::Empty);
        }
        if trimmed.chars().count() > MAX_EMAIL_LENGTH {
            return Err(EmailError::TooLong);
        }
        let options = email_address::Options::default()
            .with_required_tld()
            .without_domain_literal()
            .without_display_text();
        email_address::EmailAddress::parse_with_options(trimmed, options)
            .map_err(|e| EmailError::Invalid(e.to_string()))?;
        Ok(Self { display: trimmed.to_owned(), normalized: normalize(trimmed) })
    }

    /// The address as typed, trimmed.
    pub fn as_str(&self) -> &str {
        &self.display
    }

    /// The form addresses are compared and stored unique by.
    pub fn normalized(&self) -> &str {
        &self.normalized
    }

    /// The part before the `@`, as typed.
    pub fn local_part(&self) -> &str {
        self.display.rsplit_once('@').map_or(self.display.as_str(), |(local, _)| local)
    }
}

/// NFC, then Unicode lower case. Idempotent.
fn normalize(s: &str) -> String {
    nfc(&nfc(s).to_lowercase())
}

impl PartialEq for EmailAddress {
    fn eq(&self, other: &Self) -> bool {
        self.normalized == other.normalized
    }
}
impl Eq for EmailAddress {}

impl std::hash::Hash for EmailAddress {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.normalized.hash(state);
    }
}

impl fmt::Debug for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "EmailAddress({:?})", self.display)
    }
}

impl fmt::Display for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.display)
    }
}

impl TryFrom<String> for EmailAddress {
    type Error = EmailError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<EmailAddress> for String {
    fn from(value: EmailAddress) -> Self {
        value.display
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_compare_case_insensitively_after_trimming() {
        let a = EmailAddress::parse(" JO@Example.org\t").unwrap();
        assert_eq!(a, EmailAddress::parse("jo@example.org").unwrap());
    }

    #[test]
    fn line_breaks_are_refused() {
        for bad in ["a@b.com\r\nBcc: x@y.com", "a@b.com\n", "\ra@b.com"] {
            assert_eq!(EmailAddress::parse(bad), Err(EmailError::ControlCharacter));
        }
    }

    #[test]
    fn invisible_format_characters_are_refused() {
        for (typed, hidden) in [
            ("ana\u{200B}@example.com", '\u{200B}'),
            ("an\u{200D}a@example.com", '\u{200D}'),
            ("ana@exa\u{200C}mple.com", '\u{200C}'),
            ("\u{202E}moc.elpmaxe@ana", '\u{202E}'),
            ("ana@example.com\u{2069}", '\u{2069}'),
            ("a\u{AD}na@example.com", '\u{AD}'),
            ("\u{FEFF}ana@example.com", '\u{FEFF}'),
        ] {
            assert_eq!(EmailAddress::parse(typed), Err(EmailError::InvisibleCharacter(hidden)), "{typed:?}");
        }
        assert_eq!(
            EmailAddress::parse("ana\u{200B}@example.com").unwrap_err().to_string(),
            "the email address contains the invisible formatting character U+200B"
        );
    }

    #[test]
    fn lookalikes_are_different_addresses() {
        let latin = EmailAddress::parse("maria@example.com").unwrap();
        let cyrillic = EmailAddress::parse("mаria@example.com").unwrap();
        assert_ne!(latin, cyrillic);
    }

    #[test]
    fn display_names_and_ip_literals_are_refused() {
        assert!(EmailAddress::parse("Bob <bob@example.com>").is_err());
        assert!(EmailAddress::parse("bob@[127.0.0.1]").is_err());
        assert!(EmailAddress::parse("bob@localhost").is_err());
        assert!(EmailAddress::parse("").is_err());
    }

    #[test]
    fn composed_and_decomposed_forms_are_one_address() {
        let composed = EmailAddress::parse("jos\u{e9}@example.com").unwrap();
        let decomposed = EmailAddress::parse("jose\u{301}@example.com").unwrap();
        assert_eq!(composed, decomposed);
    }
}
