//! The outbox worker: claims due emails under a lease, delivers several at
//! once (each send bounded in time as a whole), records each outcome for
//! the claim it holds, and retries failures with exponential backoff and
//! jitter until the last attempt.
//!
//! Several workers, in one process or many, may drain the same outbox: the
//! queue never hands one email to two live leases, and an outcome is
//! recorded only by the claim that holds the email. When asked to stop, a
//! worker lets the sends in flight finish (within the send timeout) and
//! releases the emails it claimed but did not start, so they are due at
//! once. When it starts, it takes back the claims its identity held when
//! its process died. Logs name the email id, its kind, the attempt and the
//! error, never a link, token or password.

use crate::config::{ConfigError, WorkerConfig};
use crate::mailer::Mailer;
use chrono::{DateTime, Duration, Utc};
use futures_util::StreamExt as _;
use identity_domain::{ClaimedEmail, Clock, OutboxEmail, OutboxQueue, StoreError, WorkerId};
use std::sync::Arc;
use tokio::sync::watch;

/// Creates a shutdown signal for one or more workers.
pub fn shutdown_channel() -> (ShutdownTrigger, ShutdownSignal) {
    let (tx, rx) = watch::channel(false);
    (ShutdownTrigger(tx), ShutdownSignal(rx))
}

/// Asks the workers holding the matching [`ShutdownSignal`] to stop.
/// Dropping it asks them too.
#[derive(Debug)]
pub struct ShutdownTrigger(watch::Sender<bool>);

impl ShutdownTrigger {
    /// Asks every worker to stop: no new send starts, the sends in flight
    /// get `stop_grace_secs` to finish, and the rest are released.
    pub fn shutdown(&self) {
        self.0.send_replace(true);
    }
}

/// Tells a worker when to stop. Clone it for each worker.
#[derive(Debug, Clone)]
pub struct ShutdownSignal(watch::Receiver<bool>);

impl ShutdownSignal {
    /// Whether a stop was asked for (or the trigger is gone).
    pub fn is_requested(&self) -> bool {
        *self.0.borrow() || self.0.has_changed().is_err()
    }

    /// Waits until a stop is asked for.
    pub async fn requested(&mut self) {
        // An error means the trigger is gone: that is a stop too.
        let _ = self.0.wait_for(|stop| *stop).await;
    }
}

/// The retry schedule: `min(base × 2^failures, max)`, spread by ± jitter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    base: Duration,
    max: Duration,
    jitter_percent: u8,
}

impl Backoff {
    /// A schedule from the worker configuration.
    pub fn from_config(config: &WorkerConfig) -> Self {
        Self {
            base: seconds(config.backoff_base_secs),
            max: seconds(config.backoff_max_secs),
            jitter_percent: config.jitter_percent.min(100),
        }
    }

    /// The wait after `failures` earlier failed attempts (0 for the first
    /// failure), before jitter.
    pub fn nominal(&self, failures: u32) -> Duration {
        let factor = 2_i32.checked_pow(failures.min(30)).unwrap_or(i32::MAX);
        self.base.checked_mul(factor).map_or(self.max, |d| d.min(self.max))
    }

    /// The wait with jitter; `spread` in `[-1, 1]` picks where in the band.
    pub fn with_spread(&self, failures: u32, spread: f64) -> Duration {
        let nominal = self.nominal(failures).num_milliseconds() as f64;
        let factor = 1.0 + spread.clamp(-1.0, 1.0) * f64::from(self.jitter_percent) / 100.0;
        Duration::milliseconds((nominal * factor).round().max(1_000.0) as i64)
    }

    /// The wait with random jitter.
    pub fn delay(&self, failures: u32) -> Duration {
        self.with_spread(failures, rand::random_range(-1.0..=1.0))
    }
}

fn seconds(secs: u64) -> Duration {
    Duration::try_seconds(i64::try_from(secs).unwrap_or(i64::MAX)).unwrap_or(Duration::MAX)
}

/// What one pass (one claim) did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PassReport {
    /// Emails claimed.
    pub claimed: usize,
    /// Emails delivered.
    pub sent: usize,
    /// Emails that failed and will be tried again.
    pub retried: usize,
    /// Emails given up for good.
    pub given_up: usize,
    /// Claimed emails released unsent (stop asked, lease running out):
    /// due again at once.
    pub left: usize,
}

impl PassReport {
    fn add(&mut self, other: Self) {
        self.claimed += other.claimed;
        self.sent += other.sent;
        self.retried += other.retried;
        self.given_up += other.given_up;
        self.left += other.left;
    }
}

/// Delivers the outbox.
#[derive(Clone)]
pub struct OutboxWorker {
    queue: Arc<dyn OutboxQueue>,
    mailer: Arc<Mailer>,
    clock: Arc<dyn Clock>,
    config: WorkerConfig,
    backoff: Backoff,
    id: WorkerId,
}

/// The identity of a worker without a configured one: the host's name.
fn default_worker_id() -> WorkerId {
    let host = hostname::get().ok().and_then(|h| h.into_string().ok()).unwrap_or_default();
    WorkerId::parse(&host).unwrap_or_default()
}

impl OutboxWorker {
    /// A worker draining `queue` through `mailer`, reading time from `clock`.
    ///
    /// # Errors
    /// [`ConfigError::Worker`] for unusable settings.
    pub fn new(
        queue: Arc<dyn OutboxQueue>,
        mailer: Arc<Mailer>,
        clock: Arc<dyn Clock>,
        config: WorkerConfig,
    ) -> Result<Self, ConfigError> {
        config.validate()?;
        let backoff = Backoff::from_config(&config);
        let id = match &config.worker_id {
            Some(id) => WorkerId::parse(id).map_err(|e| ConfigError::Worker(format!("worker_id: {e}")))?,
            None => default_worker_id(),
        };
        Ok(Self { queue, mailer, clock, config, backoff, id })
    }

    /// This worker's identity.
    pub fn id(&self) -> &WorkerId {
        &self.id
    }

    /// Takes back the claims this worker's identity holds (left by a
    /// process that died): they are due at once. [`Self::run`] does this
    /// first.
    ///
    /// # Errors
    /// The queue's error.
    pub async fn reclaim(&self) -> Result<u64, StoreError> {
        let released = self.queue.reclaim(&self.id).await?;
        if released > 0 {
            tracing::info!(worker = %self.id, released, "took back the emails this worker held before it restarted");
        }
        Ok(released)
    }

    /// Runs until `shutdown` is requested: claims due emails, delivers
    /// them, waits the poll interval when nothing is due. Returns what it
    /// did in total.
    pub async fn run(&self, mut shutdown: ShutdownSignal) -> PassReport {
        tracing::info!(
            worker = %self.id,
            batch_size = self.config.batch_size,
            concurrency = self.config.concurrency,
            "outbox worker started"
        );
        if let Err(error) = self.reclaim().await {
            tracing::warn!(%error, "could not take back this worker's earlier claims");
        }
        let mut total = PassReport::default();
        let poll = std::time::Duration::from_millis(self.config.poll_interval_ms);
        while !shutdown.is_requested() {
            let idle = match self.run_once(&shutdown).await {
                Ok(pass) => {
                    total.add(pass);
                    pass.claimed < self.config.batch_size as usize || pass.left > 0
                }
                Err(error) => {
                    tracing::warn!(%error, "could not claim due emails");
                    true
                }
            };
            if idle {
                tokio::select! {
                    () = shutdown.requested() => {}
                    () = tokio::time::sleep(poll) => {}
                }
            }
        }
        tracing::info!(
            sent = total.sent,
            retried = total.retried,
            given_up = total.given_up,
            "outbox worker stopped"
        );
        total
    }

    /// One pass: claims up to a batch of due emails and delivers them,
    /// several at once. Once `shutdown` is requested or the lease is about
    /// to run out, it starts no new send: the sends in flight finish
    /// (each within the send timeout, and within `stop_grace_secs` of a
    /// stop, after which they are abandoned) and the rest are released,
    /// due again at once.
    ///
    /// # Errors
    /// The queue's error when the claim fails; a failure to record an
    /// outcome is logged, and the email comes back when its lease ends.
    pub async fn run_once(&self, shutdown: &ShutdownSignal) -> Result<PassReport, StoreError> {
        let now = self.clock.now();
        let lease = seconds(self.config.lease_secs);
        let lease_until = now + lease;
        // No send starts later than a send timeout before the lease ends,
        // so an email is never still being sent when another worker may
        // claim it.
        let stop_at = lease_until - seconds(self.config.send_timeout_secs);
        let batch = self.queue.claim_due(&self.id, now, self.config.batch_size, lease_until).await?;
        let mut pass = PassReport { claimed: batch.len(), ..PassReport::default() };
        let concurrency = usize::try_from(self.config.concurrency).unwrap_or(1).max(1);
        let outcomes: Vec<Outcome> = futures_util::stream::iter(batch)
            .map(|claimed| async move {
                if shutdown.is_requested() || self.clock.now() >= stop_at {
                    self.release(&claimed).await;
                    Outcome::Left
                } else {
                    self.deliver(&claimed, shutdown.clone()).await
                }
            })
            .buffer_unordered(concurrency)
            .collect()
            .await;
        for outcome in outcomes {
            match outcome {
                Outcome::Sent => pass.sent += 1,
                Outcome::Retried => pass.retried += 1,
                Outcome::GivenUp => pass.given_up += 1,
                Outcome::Left => pass.left += 1,
            }
        }
        if pass.left > 0 {
            tracing::info!(left = pass.left, "released claimed emails unsent");
        }
        Ok(pass)
    }

    async fn release(&self, claimed: &ClaimedEmail) {
        let id = claimed.email.id;
        match self.queue.release(id, claimed.claim).await {
            Ok(true) => {}
            Ok(false) => tracing::warn!(email_id = %id, "the claim was lost before it could be released"),
            Err(error) => tracing::warn!(
                email_id = %id, %error,
                "could not release a claimed email; it is due again when its lease ends"
            ),
        }
    }

    /// Sends one email, bounded by the send timeout.
    async fn send(&self, email: &OutboxEmail) -> Result<(), (String, bool)> {
        let limit = std::time::Duration::from_secs(self.config.send_timeout_secs);
        match tokio::time::timeout(limit, self.mailer.deliver(email)).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(error)) => Err((error.to_string(), error.is_permanent())),
            Err(_) => Err((
                format!(
                    "the mail server did not finish within {} seconds (send_timeout_secs)",
                    self.config.send_timeout_secs
                ),
                false,
            )),
        }
    }

    /// Waits until a stop is asked for and the stop grace has passed.
    async fn stop_grace_over(&self, mut shutdown: ShutdownSignal) {
        shutdown.requested().await;
        tokio::time::sleep(std::time::Duration::from_secs(self.config.stop_grace_secs)).await;
    }

    async fn deliver(&self, claimed: &ClaimedEmail, shutdown: ShutdownSignal) -> Outcome {
        let email = &claimed.email;
        let attempt = email.attempts.saturating_add(1);
        let kind = email.message.kind();
        let id = email.id;
        let sent = tokio::select! {
            sent = self.send(email) => sent,
            () = self.stop_grace_over(shutdown) => {
                // The mail server may have taken the message meanwhile: it
                // may go out twice (the same Message-ID), never not at all.
                tracing::warn!(email_id = %id, kind, "send abandoned at stop; the email is due again at once");
                self.release(claimed).await;
                return Outcome::Left;
            }
        };
        match sent {
            Ok(()) => {
                match self.queue.mark_sent(id, claimed.claim, self.clock.now()).await {
                    Ok(true) => tracing::info!(email_id = %id, kind, attempt, "email sent"),
                    Ok(false) => tracing::warn!(
                        email_id = %id, kind, attempt,
                        "email sent, but its claim had run out and passed to another worker"
                    ),
                    Err(error) => tracing::error!(
                        email_id = %id, kind, attempt, %error,
                        "email sent but not recorded; it may be sent again when its lease ends"
                    ),
                }
                Outcome::Sent
            }
            Err((reason, permanent)) => {
                let retry_at = self.retry_at(email, permanent);
                match self.queue.mark_failed(id, claimed.claim, &reason, retry_at).await {
                    Ok(true) => {}
                    Ok(false) => {
                        tracing::warn!(email_id = %id, kind, attempt, "a failed attempt was not recorded: its claim had passed to another worker")
                    }
                    Err(store_error) => {
                        tracing::error!(email_id = %id, kind, attempt, error = %store_error, "could not record a failed attempt")
                    }
                }
                match retry_at {
                    Some(at) => {
                        tracing::warn!(email_id = %id, kind, attempt, error = %reason, retry_at = %at, "email not delivered; will retry");
                        Outcome::Retried
                    }
                    None => {
                        tracing::error!(email_id = %id, kind, attempt, error = %reason, "email not delivered; given up");
                        Outcome::GivenUp
                    }
                }
            }
        }
    }

    /// When to try again, or `None` to give up: after a permanent refusal
    /// or the last allowed attempt.
    fn retry_at(&self, email: &OutboxEmail, permanent: bool) -> Option<DateTime<Utc>> {
        let attempt = email.attempts.saturating_add(1);
        if permanent || attempt >= self.config.max_attempts {
            return None;
        }
        Some(self.clock.now() + self.backoff.delay(email.attempts))
    }
}

enum Outcome {
    Sent,
    Retried,
    GivenUp,
    Left,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn backoff(base: u64, max: u64, jitter: u8) -> Backoff {
        Backoff::from_config(&WorkerConfig {
            backoff_base_secs: base,
            backoff_max_secs: max,
            jitter_percent: jitter,
            ..WorkerConfig::default()
        })
    }

    #[test]
    fn doubles_from_the_base_up_to_the_maximum() {
        let b = backoff(30, 600, 0);
        let waits: Vec<i64> = (0..7).map(|n| b.nominal(n).num_seconds()).collect();
        assert_eq!(waits, [30, 60, 120, 240, 480, 600, 600]);
        assert_eq!(b.nominal(u32::MAX).num_seconds(), 600);
    }

    #[test]
    fn jitter_spreads_each_wait_both_ways() {
        let b = backoff(100, 10_000, 20);
        assert_eq!(b.with_spread(0, -1.0).num_seconds(), 80);
        assert_eq!(b.with_spread(0, 0.0).num_seconds(), 100);
        assert_eq!(b.with_spread(0, 1.0).num_seconds(), 120);
        for _ in 0..200 {
            let d = b.delay(1).num_milliseconds();
            assert!((160_000..=240_000).contains(&d), "{d}");
        }
    }
}
