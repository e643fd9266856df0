//! Password hashing off the async workers: a fixed set of hashing threads
//! in front of argon2id, each reusing one block of working memory, with a
//! bounded queue that says "busy" at once instead of growing without end.

use async_trait::async_trait;
use identity_domain::system::{Argon2idHasher, HashMemory};
use identity_domain::{HashError, Password, PasswordHash, PasswordHasher};
use secrecy::{ExposeSecret, SecretString};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::sync::{Arc, Mutex, PoisonError};
use tokio::sync::{Semaphore, oneshot};

/// One computation for a hashing thread.
type Job = Box<dyn FnOnce(&Argon2idHasher, &mut HashMemory) + Send>;

/// Runs argon2id on `workers` threads of its own, each keeping one block of
/// working memory (19 MiB at the default cost) for its whole life: memory
/// stays at `workers` blocks however many sign-ins come. At most `queue`
/// more requests wait; a request beyond that gets [`HashError::Busy`]
/// (HTTP 503 with `Retry-After`) immediately.
///
/// The threads end when the last clone of the pool is dropped.
#[derive(Clone)]
pub struct BoundedHasher {
    jobs: SyncSender<Job>,
    /// One permit per request running or waiting.
    admitted: Arc<Semaphore>,
}

impl BoundedHasher {
    /// A pool of `workers` hashing threads with room for `queue` waiting
    /// requests. `workers` is usually the number of cores.
    ///
    /// # Errors
    /// The operating system's error when a thread cannot be started.
    pub fn new(inner: Argon2idHasher, workers: usize, queue: usize) -> std::io::Result<Self> {
        let workers = workers.max(1);
        // The permits bound what is in the channel; it never fills.
        let (jobs, waiting) = sync_channel::<Job>(workers + queue);
        let waiting = Arc::new(Mutex::new(waiting));
        let inner = Arc::new(inner);
        for n in 0..workers {
            let (waiting, inner) = (waiting.clone(), inner.clone());
            std::thread::Builder::new()
                .name(format!("argon2id-{n}"))
                .spawn(move || work(&inner, &waiting))?;
        }
        Ok(Self { jobs, admitted: Arc::new(Semaphore::new(workers + queue)) })
    }

    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce(&Argon2idHasher, &mut HashMemory) -> T + Send + 'static,
    ) -> Result<T, HashError> {
        let admitted = self.admitted.clone().try_acquire_owned().map_err(|_| HashError::Busy)?;
        let (answer, answered) = oneshot::channel();
        let job: Job = Box::new(move |hasher, memory| {
            let _ = answer.send(work(hasher, memory));
            drop(admitted);
        });
        self.jobs.try_send(job).map_err(|_| HashError::Failed("the hashing threads have stopped".into()))?;
        answered.await.map_err(|_| HashError::Failed("a hashing thread failed".into()))
    }
}

/// A hashing thread: takes jobs until the pool is dropped. A job that
/// panics loses its answer (the caller sees a failure) but not the thread's
/// memory block or the thread.
fn work(hasher: &Argon2idHasher, waiting: &Mutex<Receiver<Job>>) {
    let mut memory = HashMemory::new();
    loop {
        let next = waiting.lock().unwrap_or_else(PoisonError::into_inner).recv();
        let Ok(job) = next else { return };
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| job(hasher, &mut memory)));
        if outcome.is_err() {
            memory = HashMemory::new();
        }
    }
}

#[async_trait]
impl PasswordHasher for BoundedHasher {
    async fn hash(&self, password: &Password) -> Result<PasswordHash, HashError> {
        let password = SecretString::from(password.expose().to_owned());
        self.run(move |h, memory| h.hash_with(password.expose_secret(), memory)).await?
    }

    async fn verify(&self, candidate: &SecretString, hash: &PasswordHash) -> Result<bool, HashError> {
        let (candidate, hash) = (candidate.clone(), hash.clone());
        self.run(move |h, memory| h.verify_with(candidate.expose_secret(), &hash, memory)).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use identity_domain::system::{Argon2Cost, OsRandom};
    use std::sync::Barrier;

    fn hasher(workers: usize, queue: usize) -> BoundedHasher {
        let argon2 = Argon2idHasher::new(Argon2Cost::default(), Arc::new(OsRandom)).unwrap();
        BoundedHasher::new(argon2, workers, queue).unwrap()
    }

    #[tokio::test]
    async fn a_full_pool_answers_busy_at_once_instead_of_queueing() {
        let pool = hasher(1, 1);
        // Hold the only thread, then fill the one waiting place.
        let (started, release) = (Arc::new(Barrier::new(2)), Arc::new(Barrier::new(2)));
        let (s, r) = (started.clone(), release.clone());
        let held = tokio::spawn({
            let pool = pool.clone();
            async move {
                pool.run(move |_, _| {
                    s.wait();
                    r.wait();
                })
                .await
            }
        });
        tokio::task::spawn_blocking(move || started.wait()).await.unwrap();
        let waiting = tokio::spawn({
            let pool = pool.clone();
            async move { pool.run(|_, _| ()).await }
        });
        while pool.admitted.available_permits() > 0 {
            tokio::task::yield_now().await;
        }
        let hash = PasswordHash::from_phc("$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaA".into());
        let answer = pool.verify(&SecretString::from("x".to_owned()), &hash).await;
        assert_eq!(answer, Err(HashError::Busy), "one running and one waiting fill a pool of 1 + 1");
        tokio::task::spawn_blocking(move || release.wait()).await.unwrap();
        assert_eq!(held.await.unwrap(), Ok(()));
        assert_eq!(waiting.await.unwrap(), Ok(()));
    }

    #[tokio::test]
    async fn hashes_made_on_the_pool_verify_and_each_thread_keeps_one_block() {
        let pool = hasher(2, 2);
        let hash = pool.run(|h, m| h.hash_with("correct horse battery staple", m)).await.unwrap().unwrap();
        let typed = SecretString::from("correct horse battery staple".to_owned());
        assert_eq!(pool.verify(&typed, &hash).await, Ok(true));
        let held = pool.run(|h, m| (m.size(), h.memory_size())).await.unwrap();
        assert!(held.0 == 0 || held.0 == held.1, "a thread holds nothing yet or exactly one block: {held:?}");
    }

    #[tokio::test]
    async fn a_panicking_job_fails_its_caller_and_keeps_the_thread() {
        let pool = hasher(1, 1);
        let failed = pool.run(|_, _| -> () { panic!("boom") }).await;
        assert!(matches!(failed, Err(HashError::Failed(_))));
        assert_eq!(pool.run(|_, _| 7).await, Ok(7));
    }
}
