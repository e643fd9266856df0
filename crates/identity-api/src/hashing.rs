//! Password hashing off the async workers: a bounded pool of blocking
//! threads in front of argon2id, that says "busy" at once instead of
//! queueing without end.

use async_trait::async_trait;
use identity_domain::system::Argon2idHasher;
use identity_domain::{HashError, Password, PasswordHash, PasswordHasher};
use secrecy::{ExposeSecret, SecretString};
use std::sync::Arc;
use tokio::sync::Semaphore;

/// Runs argon2id on tokio's blocking threads, at most `workers` at once,
/// with at most `queue` more waiting; a request beyond that gets
/// [`HashError::Busy`] (HTTP 503 with `Retry-After`) immediately.
#[derive(Clone)]
pub struct BoundedHasher {
    inner: Arc<Argon2idHasher>,
    admitted: Arc<Semaphore>,
    running: Arc<Semaphore>,
}

impl BoundedHasher {
    /// A pool of `workers` hashing threads with room for `queue` waiting
    /// requests. `workers` is usually the number of cores.
    pub fn new(inner: Argon2idHasher, workers: usize, queue: usize) -> Self {
        let workers = workers.max(1);
        Self {
            inner: Arc::new(inner),
            admitted: Arc::new(Semaphore::new(workers + queue)),
            running: Arc::new(Semaphore::new(workers)),
        }
    }

    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce(&Argon2idHasher) -> T + Send + 'static,
    ) -> Result<T, HashError> {
        let _admitted = self.admitted.clone().try_acquire_owned().map_err(|_| HashError::Busy)?;
        let _running = self.running.clone().acquire_owned().await.map_err(|_| HashError::Busy)?;
        let inner = self.inner.clone();
        tokio::task::spawn_blocking(move || work(&inner))
            .await
            .map_err(|e| HashError::Failed(format!("hashing thread failed: {e}")))
    }
}

#[async_trait]
impl PasswordHasher for BoundedHasher {
    async fn hash(&self, password: &Password) -> Result<PasswordHash, HashError> {
        let password = SecretString::from(password.expose().to_owned());
        self.run(move |h| h.hash_now(password.expose_secret())).await?
    }

    async fn verify(&self, candidate: &SecretString, hash: &PasswordHash) -> Result<bool, HashError> {
        let (candidate, hash) = (candidate.clone(), hash.clone());
        self.run(move |h| h.verify_now(candidate.expose_secret(), &hash)).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use identity_domain::system::{Argon2Cost, OsRandom};

    fn hasher(workers: usize, queue: usize) -> BoundedHasher {
        let argon2 = Argon2idHasher::new(Argon2Cost::default(), Arc::new(OsRandom)).unwrap();
        BoundedHasher::new(argon2, workers, queue)
    }

    #[tokio::test]
    async fn a_full_pool_answers_busy_at_once_instead_of_queueing() {
        let pool = hasher(1, 0);
        let _taken = pool.admitted.clone().try_acquire_owned().unwrap();
        let hash = PasswordHash::from_phc("$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaA".into());
        let answer = pool.verify(&SecretString::from("x".to_owned()), &hash).await;
        assert_eq!(answer, Err(HashError::Busy));
    }

    #[tokio::test]
    async fn hashes_made_on_the_pool_verify() {
        let pool = hasher(2, 2);
        let hash = pool.run(|h| h.hash_now("correct horse battery staple")).await.unwrap().unwrap();
        let typed = SecretString::from("correct horse battery staple".to_owned());
        assert_eq!(pool.verify(&typed, &hash).await, Ok(true));
    }
}
