//! The HTTP API's suite, written once (`suite/`) and run on every backend
//! the server can be built on: the in-memory adapters, SQLite and
//! PostgreSQL. `api_suite!` instantiates it per backend (`memory`, `sqlite`,
//! `postgres`), so `cargo test -p xtask --test api sqlite::` runs it on one.
//! Each test starts the server the operator runs (`support::spawn_app`),
//! on 127.0.0.1:0. Without `IDENTITY_TEST_POSTGRES_URL` the PostgreSQL
//! tests say they are skipped and record it (`xtask::skips`).

#![allow(clippy::unwrap_used, clippy::expect_used)]
// Each backend compiles its own copy of `suite/`: that is the point.
#![allow(clippy::duplicate_mod)]

mod routes;
mod support;
mod timeout;

/// The suite on `$backend` (a [`support::Backend`]): every file of
/// `suite/`, each test starting its app through this module's
/// `spawn_app()` / `spawn_app_with()`.
macro_rules! api_suite {
    ($backend:ident) => {
        #[allow(unused_imports)]
        use crate::support::*;

        /// The backend this copy of the suite runs on.
        const BACKEND: Backend = Backend::$backend;

        /// [`spawn`] on this module's backend, with the default limits;
        /// `None` when the backend is missing (the skip is recorded).
        #[allow(dead_code)]
        pub async fn spawn_app() -> Option<App> {
            spawn(BACKEND, Options::default()).await
        }

        /// [`spawn`] on this module's backend with `options`.
        #[allow(dead_code)]
        pub async fn spawn_app_with(options: Options) -> Option<App> {
            spawn(BACKEND, options).await
        }

        #[path = "suite/areas.rs"]
        mod areas;
        #[path = "suite/at_the_edge.rs"]
        mod at_the_edge;
        #[path = "suite/contract.rs"]
        mod contract;
        #[path = "suite/edges.rs"]
        mod edges;
        #[path = "suite/export.rs"]
        mod export;
        #[path = "suite/factors.rs"]
        mod factors;
        #[path = "suite/garbage.rs"]
        mod garbage;
        #[path = "suite/openapi.rs"]
        mod openapi;
        #[path = "suite/permissions.rs"]
        mod permissions;
        #[path = "suite/portal.rs"]
        mod portal;
        #[path = "suite/portal_factors.rs"]
        mod portal_factors;
        #[path = "suite/seeds.rs"]
        mod seeds;
        #[path = "suite/sessions.rs"]
        mod sessions;
        #[path = "suite/trust.rs"]
        mod trust;
        #[path = "suite/users.rs"]
        mod users;
    };
}

mod memory;
mod postgres;
mod sqlite;
