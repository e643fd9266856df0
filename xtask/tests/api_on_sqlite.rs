//! The API's help-page walks, user rules and edge cases, over HTTP, on
//! Sqlite (the same suites as crates/identity-api/tests/api, with the
//! SeaORM store behind the service).

#![allow(clippy::unwrap_used, clippy::expect_used, dead_code)]

#[path = "common/sea.rs"]
mod sea;

mod backend {
    pub use crate::sea::Adapters;

    pub async fn fresh() -> (identity_domain::Ports, Adapters) {
        crate::sea::fresh(crate::sea::Kind::Sqlite).await
    }
}

#[path = "../../crates/identity-api/tests/api/support.rs"]
mod support;

#[path = "../../crates/identity-api/tests/api/seeds.rs"]
mod seeds;

#[path = "../../crates/identity-api/tests/api/users.rs"]
mod users;

#[path = "../../crates/identity-api/tests/api/sessions.rs"]
mod sessions;

#[path = "../../crates/identity-api/tests/api/export.rs"]
mod export;

#[path = "../../crates/identity-api/tests/api/trust.rs"]
mod trust;
