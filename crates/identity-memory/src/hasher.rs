//! A fast password hasher for test suites.

use async_trait::async_trait;
use identity_domain::{HashError, Password, PasswordHash, PasswordHasher};
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};

/// Salted SHA-256: microseconds instead of argon2id's tens of
/// milliseconds. **Not for real passwords**: it exists so test suites can
/// sign in thousands of times. Hashes look like `$test-sha256$<salt>$<hex>`.
#[derive(Debug, Clone, Copy, Default)]
pub struct InsecureFastHasher;

fn digest(salt: &str, password: &str) -> String {
    let bytes = Sha256::digest(format!("{salt}\0{password}").as_bytes());
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[async_trait]
impl PasswordHasher for InsecureFastHasher {
    async fn hash(&self, password: &Password) -> Result<PasswordHash, HashError> {
        let salt = uuid_like_salt(password.expose());
        Ok(PasswordHash::from_phc(format!("$test-sha256${salt}${}", digest(&salt, password.expose()))))
    }

    async fn verify(&self, candidate: &SecretString, hash: &PasswordHash) -> Result<bool, HashError> {
        let mut parts = hash.as_phc().trim_start_matches('$').splitn(3, '$');
        let (Some("test-sha256"), Some(salt), Some(expected)) = (parts.next(), parts.next(), parts.next())
        else {
            return Ok(false);
        };
        Ok(digest(salt, candidate.expose_secret()) == expected)
    }
}

/// A per-call salt (the time and the password's length), so equal passwords
/// do not share a hash.
fn uuid_like_salt(password: &str) -> String {
    let nanos =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
    format!("{nanos:x}{:x}", password.len())
}
