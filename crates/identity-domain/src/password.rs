//! Passwords: the policy a new password must meet, and the hash that is the
//! only thing ever stored.
//!
//! The policy follows NIST SP 800-63B-4 and OWASP ASVS 5.0 V6: a minimum
//! length (default 15, never below 8) counted in Unicode code points, at
//! most 128, no composition rules, no expiry; common passwords and passwords
//! built from the practice name, the user's email or name are refused, each
//! with its reason, and so are trivially guessable shapes (a repeated word,
//! a keyboard row, a sequence: see [`shape`]). Passwords are verified
//! exactly as typed.

mod shape;

use crate::email::EmailAddress;
use crate::person::{PersonName, search_key};
use crate::ports::SecureRandom;
use secrecy::{ExposeSecret, SecretString};
use std::fmt;
use std::sync::LazyLock;

/// The longest password accepted, in code points.
pub const MAX_PASSWORD_LENGTH: usize = 128;
/// The lowest minimum length a practice may configure.
pub const MIN_PASSWORD_LENGTH_FLOOR: u32 = 8;
/// The default minimum length.
pub const DEFAULT_MIN_PASSWORD_LENGTH: u32 = 15;

/// The bundled list of common and breached passwords (see
/// `data/README.md`), lower-cased, as an `fst` set that `build.rs` made at
/// compile time: a look-up reads these bytes in place, nothing is parsed.
static COMMON_FST: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/common-passwords.fst"));

#[allow(clippy::expect_used)] // build.rs wrote these bytes with the same fst; a unit test loads them
static COMMON: LazyLock<fst::Set<&'static [u8]>> =
    LazyLock::new(|| fst::Set::new(COMMON_FST).expect("build.rs writes a valid fst set"));

/// Whether `candidate` is on the bundled list of 100,000 common and
/// breached passwords (compared case-insensitively), or is one of them with
/// digits, punctuation or spaces added before or after (`Password123!`).
pub fn is_common(candidate: &str) -> bool {
    let folded = candidate.to_lowercase();
    let core = decorations_removed(&folded);
    COMMON.contains(folded.as_bytes()) || (!core.is_empty() && COMMON.contains(core.as_bytes()))
}

/// The reason `candidate` has a trivially guessable shape, if it has one:
/// as typed (in lower case), without its spaces (`abc def ghi jkl`), or,
/// when what remains is as long as the shortest password a practice may
/// allow, without the digits, punctuation or spaces added before or after
/// it (`asdfghjklzxcv!2024`).
fn guessable_shape(candidate: &str) -> Option<PasswordRejection> {
    let folded = candidate.to_lowercase();
    let unspaced: String = folded.chars().filter(|c| !c.is_whitespace()).collect();
    let core = decorations_removed(&folded);
    let forms = [folded.as_str(), unspaced.as_str()]
        .into_iter()
        .chain((core.chars().count() >= MIN_PASSWORD_LENGTH_FLOOR as usize).then_some(core));
    forms.filter_map(shape::shape_of).next().map(|found| match found {
        shape::Shape::Repeated => PasswordRejection::Repeated,
        shape::Shape::KeyboardRow => PasswordRejection::KeyboardRow,
        shape::Shape::Sequence => PasswordRejection::Sequence,
    })
}

/// How many passwords the bundled common list holds.
pub fn common_list_len() -> usize {
    COMMON.len()
}

/// `folded` without the digits, punctuation and spaces added before or
/// after it.
fn decorations_removed(folded: &str) -> &str {
    folded.trim_matches(|c: char| !c.is_alphabetic())
}

/// Why a new password was refused. Each reason is shown to the person
/// choosing the password.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PasswordRejection {
    /// Shorter than the practice's minimum.
    #[error("the password must have at least {min} characters")]
    TooShort {
        /// The minimum.
        min: u32,
    },
    /// Longer than [`MAX_PASSWORD_LENGTH`].
    #[error("the password must have at most {MAX_PASSWORD_LENGTH} characters")]
    TooLong,
    /// On the list of common passwords.
    #[error("the password is one of the most common passwords")]
    Common,
    /// One word or character repeated (`passwordpassword`, `abcabcabc…`).
    #[error("the password repeats the same word or character")]
    Repeated,
    /// Keys side by side on a keyboard row (`qwertyuiopasdfg`, `azertyuiop…`).
    #[error("the password follows a row of the keyboard")]
    KeyboardRow,
    /// Letters or digits in order (`123456789012345`, `abcdefghijklmno`, or
    /// backwards).
    #[error("the password is a sequence of letters or digits")]
    Sequence,
    /// Equal to or containing the practice's name.
    #[error("the password must not contain the practice's name")]
    ContainsPracticeName,
    /// Equal to or containing the local part of the user's email.
    #[error("the password must not contain the user's email")]
    ContainsEmail,
    /// Equal to or containing the user's name.
    #[error("the password must not contain the user's name")]
    ContainsName,
    /// A one-time password cannot be kept as the new password.
    #[error("the new password must differ from the current one")]
    SameAsCurrent,
}

/// The length rules of a practice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PasswordPolicy {
    min_length: u32,
}

impl PasswordPolicy {
    /// A policy with the given minimum, raised to the floor of 8 if lower.
    pub fn new(min_length: u32) -> Self {
        Self { min_length: min_length.clamp(MIN_PASSWORD_LENGTH_FLOOR, MAX_PASSWORD_LENGTH as u32) }
    }

    /// The minimum length in code points.
    pub fn min_length(&self) -> u32 {
        self.min_length
    }
}

impl Default for PasswordPolicy {
    fn default() -> Self {
        Self::new(DEFAULT_MIN_PASSWORD_LENGTH)
    }
}

/// What a new password must not be built from.
#[derive(Debug, Clone, Copy)]
pub struct PasswordContext<'a> {
    /// The practice's name.
    pub practice_name: &'a str,
    /// The user's email.
    pub email: &'a EmailAddress,
    /// The user's name.
    pub name: &'a PersonName,
}

/// A password that met the policy, held as a secret (its `Debug` shows
/// nothing).
#[derive(Clone)]
pub struct Password(SecretString);

impl Password {
    /// Checks a new password against the policy and its context.
    ///
    /// # Errors
    /// The first [`PasswordRejection`] that applies.
    pub fn new(
        candidate: SecretString,
        policy: PasswordPolicy,
        context: PasswordContext<'_>,
    ) -> Result<Self, PasswordRejection> {
        let typed = candidate.expose_secret();
        let length = typed.chars().count();
        if length > MAX_PASSWORD_LENGTH {
            return Err(PasswordRejection::TooLong);
        }
        if length < policy.min_length as usize {
            return Err(PasswordRejection::TooShort { min: policy.min_length });
        }
        if is_common(typed) {
            return Err(PasswordRejection::Common);
        }
        if let Some(shape) = guessable_shape(typed) {
            return Err(shape);
        }
        let folded = search_key(typed);
        if contains_any(&folded, context.practice_name) {
            return Err(PasswordRejection::ContainsPracticeName);
        }
        if contains_any(&folded, context.email.local_part()) {
            return Err(PasswordRejection::ContainsEmail);
        }
        if contains_any(&folded, context.name.as_str()) {
            return Err(PasswordRejection::ContainsName);
        }
        Ok(Self(candidate))
    }

    /// A random password of the policy's length (at least 20 characters)
    /// from an alphabet without lookalike characters, checked like any
    /// other.
    pub fn generate(random: &dyn SecureRandom, policy: PasswordPolicy, context: PasswordContext<'_>) -> Self {
        const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKMNPQRSTUVWXYZ23456789";
        let length = policy.min_length().max(20) as usize;
        loop {
            let mut bytes = vec![0u8; length];
            random.fill(&mut bytes);
            // 256 is not a multiple of the alphabet's 55 letters: reject the
            // bytes that would bias the choice.
            let limit = 256 - 256 % ALPHABET.len();
            if bytes.iter().any(|b| usize::from(*b) >= limit) {
                continue;
            }
            let text: String =
                bytes.iter().map(|b| char::from(ALPHABET[usize::from(*b) % ALPHABET.len()])).collect();
            if let Ok(password) = Self::new(SecretString::from(text), policy, context) {
                return password;
            }
        }
    }

    /// A password that skips the policy: only for the dummy hash that
    /// failed sign-ins verify against.
    pub(crate) fn unchecked(text: &str) -> Self {
        Self(SecretString::from(text.to_owned()))
    }

    /// The password as typed, to hash it or show it once.
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(<redacted>)")
    }
}

/// Whether `folded_password` contains `source`, as a whole (with and without
/// its spaces) or by any of its words of four letters or more.
fn contains_any(folded_password: &str, source: &str) -> bool {
    let source = search_key(source);
    let whole = source.trim();
    let squeezed: String = whole.chars().filter(|c| !c.is_whitespace()).collect();
    let words = whole.split(|c: char| !c.is_alphanumeric()).filter(|w| w.chars().count() >= 4);
    [whole, squeezed.as_str()]
        .into_iter()
        .filter(|s| s.chars().count() >= 3)
        .chain(words)
        .any(|needle| folded_password.contains(needle))
}

/// A password hash in PHC string form (`$argon2id$v=19$m=19456,t=2,p=1$…`).
/// Its `Debug` hides the hash.
#[derive(Clone, PartialEq, Eq)]
pub struct PasswordHash(String);

impl PasswordHash {
    /// Wraps a PHC string read back from storage or made by a hasher.
    pub fn from_phc(phc: String) -> Self {
        Self(phc)
    }

    /// The PHC string, for storage.
    pub fn as_phc(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for PasswordHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PasswordHash(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn context<'a>(email: &'a EmailAddress, name: &'a PersonName) -> PasswordContext<'a> {
        PasswordContext { practice_name: "Maple Immigration", email, name }
    }

    fn check(candidate: &str) -> Result<Password, PasswordRejection> {
        let email = EmailAddress::parse("ana.silva@example.com").unwrap();
        let name = PersonName::parse("Ana Silva Moreira").unwrap();
        Password::new(candidate.into(), PasswordPolicy::default(), context(&email, &name))
    }

    #[test]
    fn the_common_list_holds_a_hundred_thousand_passwords() {
        assert_eq!(common_list_len(), 100_000);
        assert!(is_common("Password1"));
        assert!(is_common("Password123456789!"), "a common word with digits added");
        assert!(is_common("  qwertyuiop 2024 "));
        assert!(is_common("MOMSANALADVENTURE"), "compared in lower case");
        assert!(!is_common("correct horse battery staple"));
    }

    #[test]
    fn breached_passwords_beyond_the_first_ten_thousand_are_on_the_list() {
        // Lines 10,001 to 100,000 of data/common-passwords.txt.
        for breached in ["fyfcnfcbz", "hd764nw5d7e1vb1", "polniypizdec0211", "mailcreated5240"] {
            assert!(is_common(breached), "{breached}");
        }
    }

    #[test]
    fn every_listed_password_is_found_and_nothing_else() {
        let listed = include_str!("../data/common-passwords.txt");
        let mut count = 0;
        for line in listed.lines() {
            assert!(COMMON.contains(line.to_lowercase()), "{line}");
            count += 1;
        }
        assert_eq!(count, common_list_len());
        assert!(!COMMON.contains("a long and private passphrase"));
    }

    #[test]
    fn guessable_shapes_are_refused_with_their_reason() {
        use PasswordRejection::{KeyboardRow, Repeated, Sequence};
        for (candidate, reason) in [
            ("tangerinetangerine", Repeated),
            ("abcabcabcabcabc", Repeated),
            ("zzzzzzzzzzzzzzzzzz", Repeated),
            ("Maple!Maple!Maple!", Repeated),
            ("asdfghjklzxcvbn", KeyboardRow),
            ("AZERTYUIOPQSDFG", KeyboardRow),
            ("poiuytrezamlkjh", KeyboardRow),
            ("lkjhgfdsapoiuyt", KeyboardRow),
            ("123456789012345", Sequence),
            ("abcdefghijklmno", Sequence),
            ("987654321098765", Sequence),
            ("abcd efgh ijkl mnop", Sequence),
            ("!!rstuvwxyzabcd 2024", Sequence),
            ("asdfghjklzxcv!2024", KeyboardRow),
        ] {
            assert_eq!(check(candidate).unwrap_err(), reason, "{candidate}");
        }
    }

    #[test]
    fn a_short_word_with_random_digits_is_not_a_shape() {
        // "poas" is two short runs (p-o, a-s on the keyboard), but only a
        // core as long as a whole password is judged by its shape.
        assert!(check("poas 83746501293").is_ok());
        assert!(check("lkas 83746501293").is_ok());
    }

    #[test]
    fn length_is_counted_in_code_points() {
        // 15 code points, 18 bytes.
        assert!(check("ébène ou érable").is_ok());
        assert_eq!(check("ébène ou érabl").unwrap_err(), PasswordRejection::TooShort { min: 15 });
    }

    #[test]
    fn more_than_128_code_points_is_refused() {
        // Not one phrase repeated, which would be refused for that.
        let long: String = (0..)
            .map(|i| format!("pine{i} "))
            .flat_map(|w| w.chars().collect::<Vec<_>>())
            .take(129)
            .collect();
        assert!(check(&long[..128]).is_ok());
        assert_eq!(check(&long).unwrap_err(), PasswordRejection::TooLong);
    }

    #[test]
    fn the_minimum_is_never_below_eight() {
        assert_eq!(PasswordPolicy::new(4).min_length(), 8);
        assert_eq!(PasswordPolicy::new(20).min_length(), 20);
    }

    #[test]
    fn common_passwords_are_refused_whatever_their_case() {
        let email = EmailAddress::parse("x@example.com").unwrap();
        let name = PersonName::parse("Bo").unwrap();
        let policy = PasswordPolicy::new(8);
        for common in ["baseball", "BaseBall", "password1", "qwertyuiop"] {
            let refused = Password::new(common.into(), policy, context(&email, &name));
            assert_eq!(refused.unwrap_err(), PasswordRejection::Common, "{common}");
        }
    }

    #[test]
    fn passwords_built_from_the_practice_email_or_name_are_refused() {
        assert_eq!(check("maple immigration 2024!").unwrap_err(), PasswordRejection::ContainsPracticeName);
        assert_eq!(check("MapleImmigration2024!").unwrap_err(), PasswordRejection::ContainsPracticeName);
        assert_eq!(check("my ana.silva secret").unwrap_err(), PasswordRejection::ContainsEmail);
        assert_eq!(check("correct horse moreira").unwrap_err(), PasswordRejection::ContainsName);
        assert!(check("correct horse battery staple").is_ok());
    }

    #[test]
    fn debug_output_never_shows_the_secret() {
        let password = check("correct horse battery staple").unwrap();
        assert!(!format!("{password:?}").contains("horse"));
        let hash = PasswordHash::from_phc("$argon2id$secret".into());
        assert!(!format!("{hash:?}").contains("secret"));
    }
}
