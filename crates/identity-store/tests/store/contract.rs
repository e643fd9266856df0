//! The shared port contract suite (`identity-contract`), run on SQLite and
//! PostgreSQL.

use crate::support::{Backend, open};
use identity_contract::Subject;
use std::sync::Arc;

/// Random cases of the users-list paging property per database: each writes
/// a practice of its own, so they share the database (`PROPTEST_CASES`
/// overrides).
const PAGING_CASES: u32 = 24;

async fn fresh(backend: Backend) -> Option<Subject> {
    let (ctx, remove) = open(backend).await?;
    Some(Subject::new(Arc::new(ctx.store)).with_cleanup(remove))
}

mod sqlite {
    async fn fresh() -> Option<identity_contract::Subject> {
        super::fresh(crate::support::Backend::Sqlite).await
    }
    identity_contract::contract_suite!(fresh, paging_cases = super::PAGING_CASES);
}

mod postgres {
    async fn fresh() -> Option<identity_contract::Subject> {
        super::fresh(crate::support::Backend::Postgres).await
    }
    identity_contract::contract_suite!(fresh, paging_cases = super::PAGING_CASES);
}
