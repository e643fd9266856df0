//! # identity-memory
//!
//! In-memory adapters for every port of `identity-domain`, so testers and
//! embedders can run the whole product with no database:
//!
//! - [`MemoryStore`]: a transactional store. Units of work run one at a time
//!   on a copy-on-write snapshot (persistent maps, so a snapshot costs
//!   nothing); commit swaps it in, drop discards it. Safe to share across
//!   tasks and threads.
//! - [`MemoryBudgets`]: per-client-address request counts of one process.
//! - [`ManualClock`]: a clock that moves only when told to.
//! - [`InsecureFastHasher`]: a fast stand-in for argon2id, for tests only.
//! - [`MemoryAdapters`]: all of them wired into [`identity_domain::Ports`].
//!
//! Fault injection ([`MemoryStore::fail_next_commits`]) lets a test make a
//! unit of work fail at commit, to check that nothing is left behind, and
//! [`MemoryStore::snapshot`] takes the whole committed store, to check that
//! a refused operation changed nothing.

mod budgets;
mod clock;
mod hasher;
mod store;

pub use budgets::MemoryBudgets;
pub use clock::ManualClock;
pub use hasher::InsecureFastHasher;
pub use store::{MemoryStore, Snapshot};

use identity_domain::system::{Argon2Cost, Argon2idHasher, OsRandom, UuidV7Ids};
use identity_domain::{AuditEntry, NoPasskeys, OutboxEmail, PasskeyRelyingParty, PasswordHasher, Ports};
use std::sync::Arc;

/// Every in-memory adapter, ready to hand to `IdentityService::new`.
#[derive(Clone)]
pub struct MemoryAdapters {
    /// The store.
    pub store: MemoryStore,
    /// The clock; starts at 2026-01-05 09:00 UTC.
    pub clock: ManualClock,
    /// The per-address request counts.
    pub budgets: MemoryBudgets,
    hasher: Arc<dyn PasswordHasher>,
    passkeys: Arc<dyn PasskeyRelyingParty>,
}

impl MemoryAdapters {
    /// Adapters with the real argon2id hasher (OWASP's minimum cost).
    pub fn new() -> Self {
        let hasher: Arc<dyn PasswordHasher> =
            match Argon2idHasher::new(Argon2Cost::default(), Arc::new(OsRandom)) {
                Ok(h) => Arc::new(h),
                Err(_) => Arc::new(InsecureFastHasher),
            };
        Self {
            store: MemoryStore::new(),
            clock: ManualClock::default(),
            budgets: MemoryBudgets::new(),
            hasher,
            passkeys: Arc::new(NoPasskeys),
        }
    }

    /// Adapters with [`InsecureFastHasher`]: for test suites that hash
    /// thousands of times. Never for real passwords.
    pub fn with_fast_hasher() -> Self {
        Self { hasher: Arc::new(InsecureFastHasher), ..Self::new() }
    }

    /// The ports, for `IdentityService::new`.
    pub fn ports(&self) -> Ports {
        Ports {
            store: Arc::new(self.store.clone()),
            hasher: self.hasher.clone(),
            clock: Arc::new(self.clock.clone()),
            random: Arc::new(OsRandom),
            ids: Arc::new(UuidV7Ids),
            budgets: Arc::new(self.budgets.clone()),
            passkeys: self.passkeys.clone(),
        }
    }

    /// These adapters with a WebAuthn relying party for passkeys (the
    /// default offers none: [`NoPasskeys`]).
    #[must_use]
    pub fn with_passkeys(self, passkeys: Arc<dyn PasskeyRelyingParty>) -> Self {
        Self { passkeys, ..self }
    }

    /// Every committed email in the outbox, oldest first.
    pub async fn outbox(&self) -> Vec<OutboxEmail> {
        self.store.committed_outbox().await
    }

    /// Every committed audit entry, oldest first.
    pub async fn audit_log(&self) -> Vec<AuditEntry> {
        self.store.committed_audit().await
    }
}

impl Default for MemoryAdapters {
    fn default() -> Self {
        Self::new()
    }
}
