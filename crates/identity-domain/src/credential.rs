//! What a user signs in with, and how failed attempts slow them down.

use crate::ids::{PracticeId, UserId};
use crate::password::PasswordHash;
use chrono::{DateTime, Duration, Utc};

/// A user's password credential and sign-in failure count. Kept apart from
/// [`crate::User`] so that listing users never reads a hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credential {
    /// Whose credential.
    pub user: UserId,
    /// The practice of the user.
    pub practice: PracticeId,
    /// The argon2id hash; `None` until an invitation is accepted.
    pub hash: Option<PasswordHash>,
    /// Set when the password was given by an administrator (generated or
    /// typed): it must be changed at the next sign-in, cannot be kept, and
    /// stops working at this time if unused.
    pub one_time_expires_at: Option<DateTime<Utc>>,
    /// Consecutive failed sign-ins.
    pub failed_attempts: u32,
    /// When the last failure happened.
    pub last_failure_at: Option<DateTime<Utc>>,
    /// Password sign-in refused until an administrator resets the password.
    pub locked: bool,
    /// When the password was last set.
    pub changed_at: Option<DateTime<Utc>>,
    /// The last successful sign-in.
    pub last_sign_in_at: Option<DateTime<Utc>>,
}

impl Credential {
    /// A credential with no password (an invited user).
    pub fn empty(practice: PracticeId, user: UserId) -> Self {
        Self {
            user,
            practice,
            hash: None,
            one_time_expires_at: None,
            failed_attempts: 0,
            last_failure_at: None,
            locked: false,
            changed_at: None,
            last_sign_in_at: None,
        }
    }

    /// Whether the current password must be changed before anything else.
    pub fn must_change(&self) -> bool {
        self.one_time_expires_at.is_some()
    }

    /// Sets a new password. A one-time password (given by an administrator)
    /// expires at `one_time_until`; a password the user chose does not.
    /// Either way the failure count and lock are cleared.
    pub fn set_password(
        &mut self,
        hash: PasswordHash,
        now: DateTime<Utc>,
        one_time_until: Option<DateTime<Utc>>,
    ) {
        self.hash = Some(hash);
        self.one_time_expires_at = one_time_until;
        self.changed_at = Some(now);
        self.failed_attempts = 0;
        self.last_failure_at = None;
        self.locked = false;
    }
}

/// How failed sign-ins slow down and finally lock an account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThrottlePolicy {
    /// `(failures, delay)`, ascending: after at least `failures` consecutive
    /// failures, attempts within `delay` of the last failure are refused
    /// without checking the password.
    pub delays: Vec<(u32, Duration)>,
    /// After this many consecutive failures password sign-in is locked until
    /// an administrator resets the password.
    pub lock_after: u32,
}

impl Default for ThrottlePolicy {
    /// About 1 s after 3 failures, 3 s after 9, 5 s after 25, 10 s after 50,
    /// locked at 100.
    fn default() -> Self {
        Self {
            delays: vec![
                (3, Duration::seconds(1)),
                (9, Duration::seconds(3)),
                (25, Duration::seconds(5)),
                (50, Duration::seconds(10)),
            ],
            lock_after: 100,
        }
    }
}

impl ThrottlePolicy {
    /// The delay that applies after `failures` consecutive failures.
    pub fn delay_after(&self, failures: u32) -> Duration {
        self.delays
            .iter()
            .rev()
            .find(|(threshold, _)| failures >= *threshold)
            .map_or(Duration::zero(), |(_, delay)| *delay)
    }

    /// Whether an attempt at `now` comes too soon after the last failure.
    pub fn too_soon(&self, credential: &Credential, now: DateTime<Utc>) -> bool {
        self.too_soon_after(credential.failed_attempts, credential.last_failure_at, now)
    }

    /// Whether an attempt at `now` comes too soon after `failures`
    /// consecutive failures, the last at `last_failure_at` (for any
    /// account that counts failures: staff credentials, portal accounts).
    pub fn too_soon_after(
        &self,
        failures: u32,
        last_failure_at: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> bool {
        last_failure_at.is_some_and(|last| now < last + self.delay_after(failures))
    }

    /// Seconds to wait before the next attempt (at least 1), while
    /// [`ThrottlePolicy::too_soon_after`] holds.
    pub fn retry_after(
        &self,
        failures: u32,
        last_failure_at: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> u64 {
        let until = last_failure_at.unwrap_or(now) + self.delay_after(failures);
        u64::try_from((until - now).num_seconds()).unwrap_or(0).max(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_grow_with_consecutive_failures() {
        let policy = ThrottlePolicy::default();
        assert_eq!(policy.delay_after(2), Duration::zero());
        assert_eq!(policy.delay_after(3), Duration::seconds(1));
        assert_eq!(policy.delay_after(9), Duration::seconds(3));
        assert_eq!(policy.delay_after(25), Duration::seconds(5));
        assert_eq!(policy.delay_after(99), Duration::seconds(10));
    }
}
