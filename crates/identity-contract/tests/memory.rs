//! The contract suite on the in-memory store.

use identity_contract::{Subject, contract_suite};
use identity_memory::MemoryStore;
use std::sync::Arc;

async fn fresh() -> Option<Subject> {
    Some(Subject::new(Arc::new(MemoryStore::new())))
}

contract_suite!(fresh);
