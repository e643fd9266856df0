//! The production implementations of the pure ports: the system clock, the
//! operating system's randomness, UUIDv7 ids and the argon2id hasher. None
//! needs a runtime or does I/O beyond reading the clock and the OS RNG.

use crate::error::HashError;
use crate::password::{Password, PasswordHash};
use crate::ports::{Clock, IdGenerator, PasswordHasher, SecureRandom};
use argon2::password_hash::phc;
use argon2::{Algorithm, Argon2, Block, Params, Version};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use rand::Rng as _;
use secrecy::{ExposeSecret, SecretString};
use std::sync::Arc;
use subtle::ConstantTimeEq as _;

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
/// pool of hashing threads (see the API crate), never on its async workers.
/// Each computation needs `memory_kib` of working memory: [`Self::hash_with`]
/// and [`Self::verify_with`] take it from a [`HashMemory`] the caller keeps,
/// so a hashing thread reuses one block instead of allocating, zeroing and
/// freeing 19 MiB per sign-in.
#[derive(Clone)]
pub struct Argon2idHasher {
    argon2: Argon2<'static>,
    params: Params,
    random: Arc<dyn SecureRandom>,
}

/// Working memory for one argon2id computation at a time, kept between
/// computations (one per hashing thread).
///
/// Argon2 writes every block before it reads it, so the memory is reused
/// as it is, without zeroing.
#[derive(Default)]
pub struct HashMemory {
    blocks: Vec<Block>,
}

impl HashMemory {
    /// Empty: the first computation allocates what it needs.
    pub fn new() -> Self {
        Self::default()
    }

    /// Bytes held.
    pub fn size(&self) -> usize {
        self.blocks.len() * Block::SIZE
    }

    /// At least `count` blocks.
    fn blocks(&mut self, count: usize) -> &mut [Block] {
        if self.blocks.len() < count {
            self.blocks = vec![Block::default(); count];
        }
        &mut self.blocks
    }
}

impl std::fmt::Debug for HashMemory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // What the blocks hold derives from a password: never printed.
        f.debug_struct("HashMemory").field("bytes", &self.size()).finish_non_exhaustive()
    }
}

/// The length of the hashes this hasher writes, in bytes.
const OUTPUT_LEN: usize = Params::DEFAULT_OUTPUT_LEN;

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
        let params = Params::new(cost.memory_kib, cost.iterations, cost.parallelism, Some(OUTPUT_LEN))
            .map_err(|_| WeakArgon2Cost)?;
        let argon2 = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone());
        Ok(Self { argon2, params, random })
    }

    /// Bytes of working memory one computation needs.
    pub fn memory_size(&self) -> usize {
        self.params.block_count() * Block::SIZE
    }

    /// Hashes synchronously with fresh working memory.
    ///
    /// # Errors
    /// [`HashError::Failed`] if argon2 refuses the input.
    pub fn hash_now(&self, password: &str) -> Result<PasswordHash, HashError> {
        self.hash_with(password, &mut HashMemory::new())
    }

    /// Verifies synchronously with fresh working memory; an unreadable hash
    /// is a mismatch.
    pub fn verify_now(&self, candidate: &str, hash: &PasswordHash) -> bool {
        self.verify_with(candidate, hash, &mut HashMemory::new())
    }

    /// Hashes synchronously in `memory`.
    ///
    /// # Errors
    /// [`HashError::Failed`] if argon2 refuses the input.
    pub fn hash_with(&self, password: &str, memory: &mut HashMemory) -> Result<PasswordHash, HashError> {
        let failed = |e: &dyn std::fmt::Display| HashError::Failed(e.to_string());
        let mut salt = [0u8; 16];
        self.random.fill(&mut salt);
        let mut out = [0u8; OUTPUT_LEN];
        self.argon2
            .hash_password_into_with_memory(
                password.as_bytes(),
                &salt,
                &mut out,
                memory.blocks(self.params.block_count()),
            )
            .map_err(|e| failed(&e))?;
        let phc = phc::PasswordHash {
            algorithm: Algorithm::Argon2id.ident(),
            version: Some(Version::V0x13.into()),
            params: phc::ParamsString::try_from(&self.params).map_err(|e| failed(&e))?,
            salt: Some(phc::Salt::new(&salt).map_err(|e| failed(&e))?),
            hash: Some(phc::Output::new(&out).map_err(|e| failed(&e))?),
        };
        Ok(PasswordHash::from_phc(phc.to_string()))
    }

    /// Verifies synchronously in `memory`, with the algorithm, version and
    /// cost the stored hash names (a hash made with other costs still
    /// verifies); an unreadable hash is a mismatch. The comparison takes
    /// the same time wherever the bytes differ.
    pub fn verify_with(&self, candidate: &str, hash: &PasswordHash, memory: &mut HashMemory) -> bool {
        let Ok(parsed) = phc::PasswordHash::new(hash.as_phc()) else { return false };
        let (Some(salt), Some(expected)) = (&parsed.salt, &parsed.hash) else { return false };
        let Ok(algorithm) = Algorithm::try_from(parsed.algorithm.as_str()) else { return false };
        // As the argon2 crate reads PHC strings: no version means 0x13.
        let version = match parsed.version.map(Version::try_from) {
            None => Version::default(),
            Some(Ok(version)) => version,
            Some(Err(_)) => return false,
        };
        let Ok(params) = Params::try_from(&parsed) else { return false };
        let argon2 = Argon2::new(algorithm, version, params.clone());
        let mut out = vec![0u8; expected.len()];
        let computed = argon2.hash_password_into_with_memory(
            candidate.as_bytes(),
            salt,
            &mut out,
            memory.blocks(params.block_count()),
        );
        computed.is_ok() && bool::from(out.as_slice().ct_eq(expected.as_bytes()))
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
    fn memory_is_reused_and_hashes_agree_with_the_reference_implementation() {
        use argon2::password_hash::PasswordVerifier as _;
        let hasher = Argon2idHasher::new(Argon2Cost::default(), Arc::new(OsRandom)).unwrap();
        let mut memory = HashMemory::new();
        let first = hasher.hash_with("correct horse battery staple", &mut memory).unwrap();
        assert_eq!(memory.size(), hasher.memory_size());
        let second = hasher.hash_with("another long passphrase here", &mut memory).unwrap();
        assert_eq!(memory.size(), hasher.memory_size(), "the block is kept, not grown");
        assert_ne!(first, second);
        // Reused memory gives the hash fresh memory gives, and the
        // reference implementation verifies it.
        let reference = Argon2::default();
        for (typed, hash) in
            [("correct horse battery staple", &first), ("another long passphrase here", &second)]
        {
            let parsed = phc::PasswordHash::new(hash.as_phc()).unwrap();
            assert!(reference.verify_password(typed.as_bytes(), &parsed).is_ok());
            assert!(hasher.verify_with(typed, hash, &mut memory));
            assert!(!hasher.verify_with("wrong", hash, &mut memory));
        }
    }

    #[test]
    fn hashes_made_with_other_costs_still_verify() {
        use argon2::password_hash::PasswordHasher as _;
        let stronger =
            Argon2::new(Algorithm::Argon2id, Version::V0x13, Params::new(32_768, 3, 1, None).unwrap());
        let hash = stronger.hash_password_with_salt(b"an older stronger hash", b"sixteen byte salt").unwrap();
        let hash = PasswordHash::from_phc(hash.to_string());
        let hasher = Argon2idHasher::new(Argon2Cost::default(), Arc::new(OsRandom)).unwrap();
        let mut memory = HashMemory::new();
        assert!(hasher.verify_with("an older stronger hash", &hash, &mut memory));
        assert!(!hasher.verify_with("an older stronger hasH", &hash, &mut memory));
        // Truncated or foreign PHC strings are mismatches, never panics.
        assert!(!hasher.verify_with(
            "x",
            &PasswordHash::from_phc("$argon2id$v=19$m=19456,t=2,p=1$c2FsdA".into()),
            &mut memory
        ));
        assert!(!hasher.verify_with(
            "x",
            &PasswordHash::from_phc("$scrypt$ln=4,r=8,p=1$c2FsdHNhbHQ$aGFzaA".into()),
            &mut memory
        ));
    }

    #[test]
    fn costs_below_owasp_are_refused() {
        let weak = Argon2Cost { memory_kib: 4096, ..Argon2Cost::default() };
        assert!(Argon2idHasher::new(weak, Arc::new(OsRandom)).is_err());
    }
}
