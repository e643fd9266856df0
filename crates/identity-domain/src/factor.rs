//! Second factors: TOTP authenticators, passkeys and single-use recovery
//! codes.
//!
//! A TOTP authenticator follows RFC 6238 with the parameters every
//! authenticator app understands: a 160-bit secret, HMAC-SHA1, 6 digits,
//! 30-second steps. A code is accepted one step either side of now (clock
//! drift), and each step once: the last step used is stored, so a code seen
//! over someone's shoulder cannot be replayed.
//!
//! A passkey is a WebAuthn credential: its authenticator keeps the private
//! key, the practice keeps the credential id and what the relying party
//! needs to check an assertion (public key, signature counter, flags), in
//! the format of the [`crate::ports::PasskeyRelyingParty`] adapter. A
//! ceremony (enrolling one, or signing in with one) is begun by the server,
//! kept on the caller's session ([`Ceremony`]) and finished once.
//!
//! Recovery codes are ten random codes of 50 bits, shown once and stored as
//! hashes; each works once.

use crate::ids::{FactorId, PartyId, PracticeId, UserId};
use crate::ports::SecureRandom;
use chrono::{DateTime, Utc};
use hmac::{Hmac, KeyInit, Mac};
use secrecy::{ExposeSecret, SecretBox};
use sha1::Sha1;
use sha2::{Digest, Sha256};
use std::fmt;
use subtle::ConstantTimeEq;

/// Bytes in a TOTP secret: 160 bits, as RFC 4226 recommends.
pub const TOTP_SECRET_BYTES: usize = 20;
/// Seconds in a TOTP step.
pub const TOTP_STEP_SECONDS: i64 = 30;
/// Digits in a TOTP code.
pub const TOTP_DIGITS: usize = 6;
/// Recovery codes a user holds after enrolling or regenerating.
pub const RECOVERY_CODE_COUNT: usize = 10;
/// Longest name a factor may have.
pub const MAX_FACTOR_NAME_LENGTH: usize = 60;

/// The Base32 alphabet of RFC 4648 (what authenticator apps read).
const BASE32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// A TOTP secret. Its `Debug` shows nothing.
pub struct TotpSecret(SecretBox<[u8; TOTP_SECRET_BYTES]>);

impl TotpSecret {
    /// Draws a new secret from the secure random source.
    pub fn generate(random: &dyn SecureRandom) -> Self {
        let mut bytes = [0u8; TOTP_SECRET_BYTES];
        random.fill(&mut bytes);
        Self::from_bytes(bytes)
    }

    /// Wraps stored secret bytes.
    pub fn from_bytes(bytes: [u8; TOTP_SECRET_BYTES]) -> Self {
        Self(SecretBox::new(Box::new(bytes)))
    }

    /// The secret bytes, for storage.
    pub fn expose_bytes(&self) -> &[u8; TOTP_SECRET_BYTES] {
        self.0.expose_secret()
    }

    /// The secret in Base32 without padding (32 characters), as typed into
    /// an authenticator app that cannot scan a QR code.
    pub fn base32(&self) -> String {
        base32(self.expose_bytes())
    }

    /// A secret in Base32 as an authenticator app shows or exports it
    /// (spaces, padding and case ignored); `None` unless it is Base32 of
    /// exactly 160 bits.
    pub fn from_base32(text: &str) -> Option<Self> {
        let mut bytes = Vec::with_capacity(TOTP_SECRET_BYTES);
        let (mut buffer, mut bits) = (0u32, 0u32);
        for c in text.chars().filter(|c| !c.is_whitespace() && *c != '=') {
            let value = BASE32.iter().position(|b| char::from(*b) == c.to_ascii_uppercase())?;
            buffer = (buffer << 5) | u32::try_from(value).ok()?;
            bits += 5;
            if bits >= 8 {
                bits -= 8;
                bytes.push(u8::try_from((buffer >> bits) & 0xff).ok()?);
            }
        }
        Some(Self::from_bytes(bytes.try_into().ok()?))
    }

    /// The code for one step (RFC 6238 over RFC 4226's dynamic truncation).
    pub fn code_at_step(&self, step: u64) -> u32 {
        hotp(self.expose_bytes(), step, TOTP_DIGITS)
    }

    /// The `otpauth://` URI an authenticator app scans: the practice as the
    /// issuer, the user's email as the account.
    pub fn provisioning_uri(&self, issuer: &str, account: &str) -> String {
        let issuer = percent_encode(issuer);
        format!(
            "otpauth://totp/{issuer}:{}?secret={}&issuer={issuer}&algorithm=SHA1&digits={TOTP_DIGITS}&period={TOTP_STEP_SECONDS}",
            percent_encode(account),
            self.base32(),
        )
    }
}

impl Clone for TotpSecret {
    fn clone(&self) -> Self {
        Self::from_bytes(*self.expose_bytes())
    }
}

impl fmt::Debug for TotpSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TotpSecret(<redacted>)")
    }
}

impl PartialEq for TotpSecret {
    fn eq(&self, other: &Self) -> bool {
        self.expose_bytes().ct_eq(other.expose_bytes()).into()
    }
}

impl Eq for TotpSecret {}

/// The TOTP step `at` falls in.
pub fn totp_step(at: DateTime<Utc>) -> u64 {
    u64::try_from(at.timestamp().div_euclid(TOTP_STEP_SECONDS)).unwrap_or(0)
}

/// RFC 4226 HOTP with HMAC-SHA1 and `digits` digits.
fn hotp(key: &[u8], counter: u64, digits: usize) -> u32 {
    let Ok(mut mac) = <Hmac<Sha1> as KeyInit>::new_from_slice(key) else {
        // HMAC takes keys of any length; this branch cannot be reached.
        return u32::MAX;
    };
    mac.update(&counter.to_be_bytes());
    let digest = mac.finalize().into_bytes();
    let offset = usize::from(digest[digest.len() - 1] & 0x0f);
    let binary = (u32::from(digest[offset]) & 0x7f) << 24
        | u32::from(digest[offset + 1]) << 16
        | u32::from(digest[offset + 2]) << 8
        | u32::from(digest[offset + 3]);
    let modulus = 10u32.pow(u32::try_from(digits).unwrap_or(6));
    binary % modulus
}

fn base32(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(5) * 8);
    let (mut buffer, mut bits) = (0u32, 0u32);
    for &byte in bytes {
        buffer = (buffer << 8) | u32::from(byte);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(char::from(BASE32[((buffer >> bits) & 31) as usize]));
        }
    }
    if bits > 0 {
        out.push(char::from(BASE32[((buffer << (5 - bits)) & 31) as usize]));
    }
    out
}

fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~' | b'@') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// A code as typed: digits only once spaces are removed, exactly six of them.
fn parse_totp_code(typed: &str) -> Option<u32> {
    let digits: String = typed.chars().filter(|c| !c.is_whitespace()).collect();
    if digits.len() != TOTP_DIGITS || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// A TOTP authenticator of a user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TotpFactor {
    /// The secret shared with the authenticator app.
    pub secret: TotpSecret,
    /// The last step whose code was accepted: no code of this step or an
    /// earlier one is accepted again.
    pub last_step: Option<u64>,
}

impl TotpFactor {
    /// The step whose code `typed` is, within one step of `now` and later
    /// than the last step used; `None` if there is none. Every candidate is
    /// compared, in constant time, whatever matched first.
    pub fn matching_step(&self, typed: &str, now: DateTime<Utc>) -> Option<u64> {
        let code = parse_totp_code(typed)?;
        let current = totp_step(now);
        let mut found = None;
        for step in [current.saturating_sub(1), current, current.saturating_add(1)] {
            let fresh = self.last_step.is_none_or(|last| step > last);
            let equal: bool = self.secret.code_at_step(step).ct_eq(&code).into();
            if equal && fresh && found.is_none() {
                found = Some(step);
            }
        }
        found
    }
}

/// Longest credential id a passkey may have, in bytes (WebAuthn level 3).
pub const MAX_CREDENTIAL_ID_BYTES: usize = 1023;

/// A passkey's credential id, as its authenticator made it: 16 to 1,023
/// bytes. One credential belongs to one factor of one user.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct CredentialId(Vec<u8>);

impl CredentialId {
    /// Wraps an id; `None` if it is empty or over [`MAX_CREDENTIAL_ID_BYTES`].
    pub fn new(bytes: Vec<u8>) -> Option<Self> {
        (!bytes.is_empty() && bytes.len() <= MAX_CREDENTIAL_ID_BYTES).then_some(Self(bytes))
    }

    /// The bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for CredentialId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CredentialId({} bytes)", self.0.len())
    }
}

/// What the relying party keeps of a passkey to check its assertions: the
/// public key, the signature counter and the authenticator's flags, in the
/// [`crate::ports::PasskeyRelyingParty`] adapter's own format. Nothing in it
/// signs anything in; stores seal it like a secret all the same, so that a
/// copy of the database cannot be used to swap in a key of one's own.
#[derive(Clone, PartialEq, Eq)]
pub struct StoredPasskey(String);

impl StoredPasskey {
    /// Wraps what the adapter made (or the store kept).
    pub fn new(text: String) -> Self {
        Self(text)
    }

    /// The text, for storage and for the adapter.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for StoredPasskey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("StoredPasskey(..)")
    }
}

/// A passkey of a user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasskeyFactor {
    /// The credential id the authenticator presents.
    pub credential_id: CredentialId,
    /// Public key, signature counter and flags, as the adapter keeps them.
    pub credential: StoredPasskey,
}

/// What kind of factor a [`Factor`] is, and what it holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FactorKind {
    /// A TOTP authenticator app.
    Totp(TotpFactor),
    /// A passkey (a WebAuthn credential).
    Passkey(PasskeyFactor),
}

impl FactorKind {
    /// The kind's name, as stored and shown in the API (`totp`, `passkey`).
    pub fn name(&self) -> &'static str {
        match self {
            Self::Totp(_) => "totp",
            Self::Passkey(_) => "passkey",
        }
    }
}

/// Minutes a passkey ceremony (enrolling one, or signing in with one) may
/// take between the server's challenge and the authenticator's answer.
pub const CEREMONY_MINUTES: i64 = 5;

/// The state a relying party keeps between its challenge and the
/// authenticator's answer (the challenge itself, the credentials allowed),
/// in the adapter's format. It travels no further than the server's store.
#[derive(Clone, PartialEq, Eq)]
pub struct CeremonyState(String);

impl CeremonyState {
    /// Wraps what the adapter made (or the store kept).
    pub fn new(text: String) -> Self {
        Self(text)
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for CeremonyState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CeremonyState(..)")
    }
}

/// What a passkey ceremony is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CeremonyPurpose {
    /// Enrolling a passkey under this name.
    Enrol(FactorName),
    /// Presenting a passkey as the second step of signing in.
    SignIn,
}

/// A passkey ceremony begun: kept on the session that began it, taken once
/// by the answer (whether the answer is accepted or not).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ceremony {
    /// What it is for.
    pub purpose: CeremonyPurpose,
    /// The relying party's state.
    pub state: CeremonyState,
    /// When the challenge stops being accepted.
    pub expires_at: DateTime<Utc>,
}

impl Ceremony {
    /// The ceremony as one text, for a store's column.
    pub fn encode(&self) -> String {
        let (purpose, name) = match &self.purpose {
            CeremonyPurpose::Enrol(name) => ("enrol", Some(name.as_str())),
            CeremonyPurpose::SignIn => ("sign_in", None),
        };
        serde_json::json!({
            "purpose": purpose,
            "name": name,
            "state": self.state.as_str(),
            "expires_at": self.expires_at.timestamp_millis(),
        })
        .to_string()
    }

    /// A ceremony from [`Ceremony::encode`]'s text; `None` if it is not one.
    pub fn decode(text: &str) -> Option<Self> {
        let value: serde_json::Value = serde_json::from_str(text).ok()?;
        let purpose = match value.get("purpose")?.as_str()? {
            "enrol" => CeremonyPurpose::Enrol(FactorName::parse(value.get("name")?.as_str()?).ok()?),
            "sign_in" => CeremonyPurpose::SignIn,
            _ => return None,
        };
        let state = CeremonyState::new(value.get("state")?.as_str()?.to_owned());
        let expires_at = DateTime::from_timestamp_millis(value.get("expires_at")?.as_i64()?)?;
        Some(Self { purpose, state, expires_at })
    }
}

/// Whose second factors: a staff user's, or a party's portal account's.
/// Each holds its own factors and recovery codes; a party's are managed in
/// the portal and presented at the portal's sign-in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FactorHolder {
    /// A staff user.
    User(UserId),
    /// A party's portal account.
    Party(PartyId),
}

impl FactorHolder {
    /// The holder's id (a user's or a party's).
    pub fn as_uuid(self) -> uuid::Uuid {
        match self {
            Self::User(user) => user.as_uuid(),
            Self::Party(party) => party.as_uuid(),
        }
    }
}

impl From<UserId> for FactorHolder {
    fn from(user: UserId) -> Self {
        Self::User(user)
    }
}

impl From<PartyId> for FactorHolder {
    fn from(party: PartyId) -> Self {
        Self::Party(party)
    }
}

/// A second factor of a user or a party.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Factor {
    /// Its id.
    pub id: FactorId,
    /// The holder's practice.
    pub practice: PracticeId,
    /// Whose it is.
    pub holder: FactorHolder,
    /// The name its holder gave it ("Phone").
    pub name: FactorName,
    /// What it is and holds.
    pub kind: FactorKind,
    /// A factor counts only once its holder has proved it works (typed a
    /// code it gave); until then it is an enrolment in progress.
    pub confirmed: bool,
    /// When it was added.
    pub created_at: DateTime<Utc>,
    /// When it was last used to sign in.
    pub last_used_at: Option<DateTime<Utc>>,
}

impl Factor {
    /// What may be shown of it: never its secret.
    pub fn summary(&self) -> FactorSummary {
        FactorSummary {
            id: self.id,
            kind: self.kind.name(),
            name: self.name.clone(),
            created_at: self.created_at,
            last_used_at: self.last_used_at,
        }
    }
}

/// A factor as listed: what it is, never what it holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FactorSummary {
    /// Its id.
    pub id: FactorId,
    /// `totp` or `passkey`.
    pub kind: &'static str,
    /// Its name.
    pub name: FactorName,
    /// When it was added.
    pub created_at: DateTime<Utc>,
    /// When it was last used to sign in.
    pub last_used_at: Option<DateTime<Utc>>,
}

/// A factor's name: 1 to 60 characters once trimmed, no control characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FactorName(String);

/// Why a factor name was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FactorNameError {
    /// Nothing but spaces.
    #[error("the name is empty")]
    Empty,
    /// Over the limit.
    #[error("the name is longer than {MAX_FACTOR_NAME_LENGTH} characters")]
    TooLong,
    /// A control character.
    #[error("the name contains a control character")]
    Control,
}

impl FactorName {
    /// Checks a typed name.
    ///
    /// # Errors
    /// [`FactorNameError`].
    pub fn parse(typed: &str) -> Result<Self, FactorNameError> {
        // As typed: a control character or a length over the limit is
        // refused before any trimming, as the API's schema says.
        if typed.chars().any(char::is_control) {
            return Err(FactorNameError::Control);
        }
        if typed.chars().count() > MAX_FACTOR_NAME_LENGTH {
            return Err(FactorNameError::TooLong);
        }
        let name = typed.trim();
        if name.is_empty() {
            return Err(FactorNameError::Empty);
        }
        Ok(Self(name.to_owned()))
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for FactorName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A recovery code as shown once to its holder: ten Base32 characters in
/// two groups (`k7m2q-x9tp4`), 50 random bits.
#[derive(Clone)]
pub struct RecoveryCode(String);

impl RecoveryCode {
    /// Draws a new code.
    pub fn generate(random: &dyn SecureRandom) -> Self {
        let mut bytes = [0u8; 10];
        random.fill(&mut bytes);
        let text: String =
            bytes.iter().map(|b| char::from(BASE32[usize::from(b & 31)]).to_ascii_lowercase()).collect();
        Self(format!("{}-{}", &text[..5], &text[5..]))
    }

    /// The code, to show once.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The hash it is stored under, bound to its holder.
    pub fn hash(&self, holder: impl Into<FactorHolder>) -> RecoveryCodeHash {
        RecoveryCodeHash::of(holder, &self.0)
    }
}

impl fmt::Debug for RecoveryCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RecoveryCode(<redacted>)")
    }
}

/// The SHA-256 of a recovery code, salted with its holder's id. A code has 50
/// random bits and a wrong guess counts toward the account's lock, so a fast
/// hash is enough; the salt keeps one table from serving every user.
#[derive(Clone, Copy, Eq)]
pub struct RecoveryCodeHash([u8; 32]);

impl RecoveryCodeHash {
    /// The hash of a code as typed: case, spaces and dashes do not matter.
    pub fn of(holder: impl Into<FactorHolder>, typed: &str) -> Self {
        let normal: String =
            typed.chars().filter(|c| c.is_ascii_alphanumeric()).map(|c| c.to_ascii_lowercase()).collect();
        let mut digest = Sha256::new();
        digest.update(holder.into().as_uuid().as_bytes());
        digest.update(normal.as_bytes());
        Self(digest.finalize().into())
    }

    /// Wraps a stored hash.
    pub const fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// The bytes, for storage.
    pub const fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl PartialEq for RecoveryCodeHash {
    fn eq(&self, other: &Self) -> bool {
        self.0.ct_eq(&other.0).into()
    }
}

impl std::hash::Hash for RecoveryCodeHash {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.0.hash(state);
    }
}

impl fmt::Debug for RecoveryCodeHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RecoveryCodeHash(<redacted>)")
    }
}

/// A second step of sign-in, as presented.
#[derive(Debug, Clone)]
pub enum FactorProof {
    /// A code from a TOTP authenticator.
    Totp(secrecy::SecretString),
    /// One of the recovery codes.
    RecoveryCode(secrecy::SecretString),
    /// A passkey's assertion: the JSON of the `PublicKeyCredential` the
    /// browser's `navigator.credentials.get()` gave for the challenge of
    /// [`crate::IdentityService::start_passkey_step`].
    Passkey(String),
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    /// RFC 6238 appendix B, SHA-1 rows: the 20-byte ASCII key
    /// "12345678901234567890", 8 digits.
    #[test]
    fn rfc_6238_sha1_test_vectors() {
        let key = b"12345678901234567890";
        for (time, code) in [
            (59_i64, 94_287_082_u32),
            (1_111_111_109, 7_081_804),
            (1_111_111_111, 14_050_471),
            (1_234_567_890, 89_005_924),
            (2_000_000_000, 69_279_037),
            (20_000_000_000, 65_353_130),
        ] {
            let step = u64::try_from(time / TOTP_STEP_SECONDS).unwrap_or(0);
            assert_eq!(hotp(key, step, 8), code, "at {time}");
        }
    }

    #[test]
    fn six_digit_codes_are_the_last_six_digits() {
        let secret = TotpSecret::from_bytes(*b"12345678901234567890");
        assert_eq!(secret.code_at_step(1), 287_082);
    }

    /// RFC 4648's test vectors for Base32 (without padding).
    #[test]
    fn base32_follows_rfc_4648() {
        for (input, output) in [
            ("", ""),
            ("f", "MY"),
            ("fo", "MZXQ"),
            ("foo", "MZXW6"),
            ("foob", "MZXW6YQ"),
            ("fooba", "MZXW6YTB"),
            ("foobar", "MZXW6YTBOI"),
        ] {
            assert_eq!(base32(input.as_bytes()), output);
        }
        let secret = TotpSecret::from_bytes(*b"12345678901234567890");
        assert_eq!(secret.base32(), "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
        assert_eq!(TotpSecret::from_base32("gezd gnbv gy3t qojq gezd gnbv gy3t qojq"), Some(secret));
        assert_eq!(TotpSecret::from_base32("GEZDGNBV"), None, "too short");
        assert_eq!(TotpSecret::from_base32("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJ1"), None, "not Base32");
    }

    #[test]
    fn a_code_is_accepted_one_step_either_side_once() {
        let secret = TotpSecret::from_bytes(*b"12345678901234567890");
        let now = Utc.timestamp_opt(1_111_111_111, 0).single().unwrap_or_default();
        let step = totp_step(now);
        let mut factor = TotpFactor { secret: secret.clone(), last_step: None };
        let code = |s: u64| format!("{:06}", secret.code_at_step(s));
        assert_eq!(factor.matching_step(&code(step), now), Some(step));
        assert_eq!(factor.matching_step(&code(step - 1), now), Some(step - 1));
        assert_eq!(factor.matching_step(&code(step + 1), now), Some(step + 1));
        assert_eq!(factor.matching_step(&code(step - 2), now), None);
        assert_eq!(factor.matching_step(&code(step + 2), now), None);
        factor.last_step = Some(step);
        assert_eq!(factor.matching_step(&code(step), now), None, "replayed");
        assert_eq!(factor.matching_step(&code(step - 1), now), None, "older than the last used");
        assert_eq!(factor.matching_step(&code(step + 1), now), Some(step + 1));
        assert_eq!(factor.matching_step("12 345", now), None);
        assert_eq!(factor.matching_step("abcdef", now), None);
    }

    #[test]
    fn a_factor_name_is_checked_as_typed() {
        assert_eq!(FactorName::parse("  Phone ").map(|n| n.as_str().to_owned()), Ok("Phone".to_owned()));
        assert_eq!(FactorName::parse("\u{c}Phone"), Err(FactorNameError::Control));
        assert_eq!(FactorName::parse(&format!(" {}", "a".repeat(60))), Err(FactorNameError::TooLong));
        assert_eq!(FactorName::parse("   "), Err(FactorNameError::Empty));
    }

    #[test]
    fn a_ceremony_reads_back_as_it_was_written() {
        let at = Utc.timestamp_opt(1_800_000_000, 0).single().unwrap_or_default();
        let name = FactorName::parse("Clé \"USB\"").map_err(|e| e.to_string());
        assert!(name.is_ok(), "{name:?}");
        let enrol = name.ok().map(CeremonyPurpose::Enrol);
        for purpose in [Some(CeremonyPurpose::SignIn), enrol].into_iter().flatten() {
            let ceremony =
                Ceremony { purpose, state: CeremonyState::new("{\"c\":1}".to_owned()), expires_at: at };
            assert_eq!(Ceremony::decode(&ceremony.encode()), Some(ceremony));
        }
        assert_eq!(Ceremony::decode("{}"), None);
        assert_eq!(Ceremony::decode("not json"), None);
    }

    #[test]
    fn a_credential_id_is_one_to_1023_bytes() {
        assert!(CredentialId::new(Vec::new()).is_none());
        assert!(CredentialId::new(vec![1; MAX_CREDENTIAL_ID_BYTES]).is_some());
        assert!(CredentialId::new(vec![1; MAX_CREDENTIAL_ID_BYTES + 1]).is_none());
    }

    #[test]
    fn the_provisioning_uri_carries_issuer_account_and_secret() {
        let secret = TotpSecret::from_bytes(*b"12345678901234567890");
        let uri = secret.provisioning_uri("Maple Law", "olivia@maple.example");
        assert_eq!(
            uri,
            "otpauth://totp/Maple%20Law:olivia@maple.example?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Maple%20Law&algorithm=SHA1&digits=6&period=30"
        );
    }

    #[test]
    fn recovery_codes_hash_alike_whatever_their_case_and_dashes() {
        struct Fixed;
        impl SecureRandom for Fixed {
            fn fill(&self, bytes: &mut [u8]) {
                bytes.iter_mut().enumerate().for_each(|(i, b)| *b = u8::try_from(i * 7).unwrap_or(0));
            }
        }
        let code = RecoveryCode::generate(&Fixed);
        assert_eq!(code.expose().len(), 11);
        let user = UserId::from_uuid(uuid::Uuid::from_u128(7));
        let typed = code.expose().to_uppercase().replace('-', " ");
        assert_eq!(RecoveryCodeHash::of(user, &typed), code.hash(user));
        let other = UserId::from_uuid(uuid::Uuid::from_u128(8));
        assert_ne!(code.hash(other), code.hash(user));
        assert!(!format!("{code:?}").contains(code.expose()));
    }
}
