//! The shared port contract suite (`identity-contract`), run on SQLite and
//! PostgreSQL.

use crate::support::{Backend, open};
use identity_contract::Subject;
use std::sync::Arc;

async fn fresh(backend: Backend) -> Option<Subject> {
    let (ctx, remove) = open(backend).await?;
    Some(Subject::new(Arc::new(ctx.store)).with_cleanup(remove))
}

mod sqlite {
    async fn fresh() -> Option<identity_contract::Subject> {
        super::fresh(crate::support::Backend::Sqlite).await
    }
    identity_contract::contract_suite!(fresh);
}

mod postgres {
    async fn fresh() -> Option<identity_contract::Subject> {
        super::fresh(crate::support::Backend::Postgres).await
    }
    identity_contract::contract_suite!(fresh);
}
