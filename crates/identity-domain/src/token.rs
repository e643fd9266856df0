//! Opaque secret tokens (session tokens, invitation and recovery links) and
//! the hashes that are the only form ever stored.

use crate::ports::SecureRandom;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};
use std::fmt;
use subtle::ConstantTimeEq;

/// Random bytes in every token: 256 bits, well over the 128 required.
pub const TOKEN_BYTES: usize = 32;

/// A secret token as handed to its holder: 32 random bytes in base64url
/// (43 characters). Its `Debug` shows nothing.
#[derive(Clone)]
pub struct Token(SecretString);

impl Token {
    /// Draws a new token from the secure random source.
    pub fn generate(random: &dyn SecureRandom) -> Self {
        let mut bytes = [0u8; TOKEN_BYTES];
        random.fill(&mut bytes);
        Self(SecretString::from(URL_SAFE_NO_PAD.encode(bytes)))
    }

    /// Wraps a token presented by a client. Nothing is checked: an unknown
    /// token simply matches no stored hash.
    pub fn presented(text: &str) -> Self {
        Self(SecretString::from(text.to_owned()))
    }

    /// The token text, to hand to its holder once.
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }

    /// The SHA-256 hash under which the token is stored and looked up.
    pub fn hash(&self) -> TokenHash {
        TokenHash(Sha256::digest(self.0.expose_secret().as_bytes()).into())
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token(<redacted>)")
    }
}

/// The SHA-256 of a token. Tokens carry 256 bits of randomness, so a fast
/// hash is enough: there is nothing to brute-force.
#[derive(Clone, Copy, Eq)]
pub struct TokenHash([u8; 32]);

impl std::hash::Hash for TokenHash {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.0.hash(state);
    }
}

impl TokenHash {
    /// Wraps a stored hash.
    pub const fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// The hash bytes, for storage.
    pub const fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl PartialEq for TokenHash {
    fn eq(&self, other: &Self) -> bool {
        self.0.ct_eq(&other.0).into()
    }
}

impl fmt::Debug for TokenHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TokenHash(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Counter(std::sync::atomic::AtomicU8);
    impl SecureRandom for Counter {
        fn fill(&self, bytes: &mut [u8]) {
            for b in bytes {
                *b = self.0.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            }
        }
    }

    #[test]
    fn tokens_are_43_base64url_characters_and_hash_stably() {
        let random = Counter(0.into());
        let token = Token::generate(&random);
        assert_eq!(token.expose().len(), 43);
        assert_eq!(Token::presented(token.expose()).hash(), token.hash());
        assert_ne!(Token::generate(&random).hash(), token.hash());
        assert!(!format!("{token:?}").contains(token.expose()));
    }
}
