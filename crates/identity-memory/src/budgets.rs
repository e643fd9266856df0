//! [`AddressBudgets`] in process memory: counts per address key and window,
//! windows before the current one forgotten as new ones begin.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use identity_domain::{AddressBudgets, AddressKey, StoreError};
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use tokio::sync::Mutex;

/// Hits per address key and window start.
type Counts = HashMap<(AddressKey, DateTime<Utc>), u64>;

/// Per-address request counts of one process. Clones share the counts.
#[derive(Debug, Clone, Default)]
pub struct MemoryBudgets {
    counts: Arc<Mutex<Counts>>,
    failing: Arc<AtomicBool>,
}

impl MemoryBudgets {
    /// No hit counted yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Makes every count fail with [`StoreError::Unavailable`] while
    /// `failing` is true, to test what a request meets then.
    pub fn fail(&self, failing: bool) {
        self.failing.store(failing, Ordering::SeqCst);
    }
}

#[async_trait]
impl AddressBudgets for MemoryBudgets {
    async fn hit(&self, key: &AddressKey, window_start: DateTime<Utc>) -> Result<u64, StoreError> {
        if self.failing.load(Ordering::SeqCst) {
            return Err(StoreError::Unavailable("injected failure of the address budgets".to_owned()));
        }
        let mut counts = self.counts.lock().await;
        let hits = counts.entry((key.clone(), window_start)).or_insert(0);
        *hits += 1;
        let hits = *hits;
        if hits == 1 {
            counts.retain(|(_, start), _| *start >= window_start);
        }
        Ok(hits)
    }
}
