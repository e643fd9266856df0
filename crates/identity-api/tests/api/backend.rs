//! What the API runs on in this test binary: the in-memory adapters. The
//! same suites run on SQLite and PostgreSQL from `xtask/tests/`, which give
//! their own `backend` module with this interface.

use identity_domain::{OutboxEmail, OutboxQueue, Ports};
use identity_memory::{ManualClock, MemoryAdapters};

/// What tests reach behind the API: the clock, and the emails queued.
pub struct Adapters {
    /// The clock the service reads.
    pub clock: ManualClock,
    memory: MemoryAdapters,
}

impl Adapters {
    /// Every email queued, oldest first, secrets included.
    pub async fn outbox(&self) -> Vec<OutboxEmail> {
        self.memory.outbox().await
    }

    /// The per-address counts (in-memory only: for fault tests).
    pub fn budgets(&self) -> identity_memory::MemoryBudgets {
        self.memory.budgets.clone()
    }

    /// Holds the store, as a long unit of work would, until the result is
    /// dropped (in-memory only).
    pub async fn hold_store(&self) -> Box<dyn identity_domain::UnitOfWork> {
        use identity_domain::Store;
        self.memory.store.begin(identity_domain::Access::Write).await.unwrap()
    }

    /// The outbox's delivery side, as the mail worker reaches it.
    pub fn queue(&self) -> std::sync::Arc<dyn OutboxQueue> {
        std::sync::Arc::new(self.memory.store.clone())
    }
}

/// Fresh ports (fast hasher, manual clock) and their handle.
pub async fn fresh() -> (Ports, Adapters) {
    let memory = MemoryAdapters::with_fast_hasher();
    (memory.ports(), Adapters { clock: memory.clock.clone(), memory })
}
