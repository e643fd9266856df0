//! The production implementations of the pure ports: the system clock, the
//! operating system's randomness, UUIDv7 ids and the argon2id hasher. None
//! needs a runtime or does I/O beyond reading the clock and the OS RNG.

use crate::error::HashError;
use crate::password::{Password, PasswordHash};
use crate::ports::{Clock, IdGenerator, PasswordHasher, SecureRandom};
use argon2::password_hash::{PasswordHasher as _, PasswordVerifier as _, phc};
use argon2::{Algorithm, Argon2, Params, Version};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use rand::Rng as _;
use secrecy::{ExposeSecret, SecretString};
use std::sync::Arc;

/// The system's wall clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// The operating system's CSPRNG (through `rand`'s thread-local ChaCha
/// generator, seeded and reseeded from the OS).
#[derive(Debug, Clone, Copy, Default)]
pub struct OsRandom;

impl SecureRandom for OsRandom {
    fn fill(&self, bytes: &mut [u8]) {
        rand::rng().fill_bytes(bytes);
    }
}

/// UUIDv7 ids from the system clock: unique, and increasing within the
/// process.
#[derive(Debug, Clone, Copy, Default)]
pub struct UuidV7Ids;

impl IdGenerator for UuidV7Ids {
    fn next_id(&self) -> uuid::Uuid {
        uuid::Uuid::now_v7()
    }
}

/// argon2id cost parameters. The defaults are OWASP's minimum
/// (m=19456 KiB, t=2, p=1); lower values are refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Argon2Cost {
    /// Memory in KiB.
    pub memory_kib: u32,
    /// Iterations.
    pub iterations: u32,
    /// Lanes.
    pub parallelism: u32,
}

impl Default for Argon2Cost {
    fn default() -> Self {
        Self { memory_kib: 19_456, iterations: 2, parallelism: 1 }
    }
}

/// Cost parameters below OWASP's minimum.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("argon2id needs at least m=19456 KiB, t=2, p=1")]
pub struct WeakArgon2Cost;

/// Hashes with argon2id and a 16-byte random salt, as PHC strings.
///
/// It computes on the calling thread: a server runs it through a bounded
/// pool of blocking threads (see the API crate), never on its async workers.
#[derive(Clone)]
pub struct Argon2idHasher {
    argon2: Argon2<'static>,
    random: Arc<dyn SecureRandom>,
}

impl Argon2idHasher {
    /// A hasher with the given cost.
    ///
    /// # Errors
    /// [`WeakArgon2Cost`] when the cost is below OWASP's minimum.
    pub fn new(cost: Argon2Cost, random: Arc<dyn SecureRandom>) -> Result<Self, WeakArgon2Cost> {
        let minimum = Argon2Cost::default();
        if cost.memory_kib < minimum.memory_kib
            || cost.iterations < minimum.iterations
            || cost.parallelism < minimum.parallelism
        {
            return Err(WeakArgon2Cost);
        }
        let params = Params::new(cost.memory_kib, cost.iterations, cost.parallelism, None)
            .map_err(|_| WeakArgon2Cost)?;
        Ok(Self { argon2: Argon2::new(Algorithm::Argon2id, Version::V0x13, params), random })
    }

    /// Hashes synchronously.
    ///
    /// # Errors
    /// [`HashError::Failed`] if argon2 refuses the input.
    pub fn hash_now(&self, password: &str) -> Result<PasswordHash, HashError> {
        let mut salt = [0u8; 16];
        self.random.fill(&mut salt);
        self.argon2
            .hash_password_with_salt(password.as_bytes(), &salt)
            .map(|h| PasswordHash::from_phc(h.to_string()))
            .map_err(|e| HashError::Failed(e.to_string()))
    }

    /// Verifies synchronously; an unreadable hash is a mismatch.
    pub fn verify_now(&self, candidate: &str, hash: &PasswordHash) -> bool {
        match phc::PasswordHash::new(hash.as_phc()) {
            Ok(parsed) => self.argon2.verify_password(candidate.as_bytes(), &parsed).is_ok(),
            Err(_) => false,
        }
    }
}

#[async_trait]
impl PasswordHasher for Argon2idHasher {
    async fn hash(&self, password: &Password) -> Result<PasswordHash, HashError> {
        self.hash_now(password.expose())
    }

    async fn verify(&self, candidate: &SecretString, hash: &PasswordHash) -> Result<bool, HashError> {
        Ok(self.verify_now(candidate.expose_secret(), hash))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_argon2id_with_owasp_parameters() {
        let hasher = Argon2idHasher::new(Argon2Cost::default(), Arc::new(OsRandom)).unwrap();
        let hash = hasher.hash_now("correct horse battery staple").unwrap();
        assert!(hash.as_phc().starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{}", hash.as_phc());
        assert!(hasher.verify_now("correct horse battery staple", &hash));
        assert!(!hasher.verify_now("Correct horse battery staple", &hash), "no case folding");
        assert!(!hasher.verify_now("correct horse battery stapl", &hash), "no truncation");
        assert!(!hasher.verify_now("x", &PasswordHash::from_phc("garbage".into())));
    }

    #[test]
    fn costs_below_owasp_are_refused() {
        let weak = Argon2Cost { memory_kib: 4096, ..Argon2Cost::default() };
        assert!(Argon2idHasher::new(weak, Arc::new(OsRandom)).is_err());
    }
}
