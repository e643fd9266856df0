//! The console's pages over HTTP, written once (`suite/`) and run on every
//! backend the server can be built on: the in-memory adapters, SQLite and
//! PostgreSQL. `console_suite!` instantiates it per backend (`memory`,
//! `sqlite`, `postgres`), so `cargo test -p xtask --test console_pages
//! sqlite::` runs it on one. Each test starts the server the operator runs
//! (the API suite's `support::spawn`: the API and the console composed by
//! `xtask::serve`), with the public URL `https://id.maple.example` and a
//! first Super Admin who reads French, and talks to it as a browser
//! without a browser would: forms, cookies, `Sec-Fetch-Site`. The browser
//! itself is `xtask/tests/console.rs`.

#![allow(clippy::unwrap_used, clippy::expect_used)]
// Each backend compiles its own copy of `suite/`: that is the point.
#![allow(clippy::duplicate_mod)]

#[path = "../api/support.rs"]
mod support;

mod forms;

/// The suite on `$backend` (a [`support::Backend`]): every file of
/// `suite/`, each test starting its app through this module's
/// `spawn_app()` / `spawn_app_with()`.
macro_rules! console_suite {
    ($backend:ident) => {
        #[allow(unused_imports)]
        use crate::forms::*;
        #[allow(unused_imports)]
        use crate::support::*;

        /// The backend this copy of the suite runs on.
        const BACKEND: Backend = Backend::$backend;

        /// [`spawn`] on this module's backend with the console's settings
        /// ([`console_options`]); `None` when the backend is missing (the
        /// skip is recorded).
        #[allow(dead_code)]
        pub async fn spawn_app() -> Option<App> {
            spawn(BACKEND, console_options()).await
        }

        /// [`spawn`] on this module's backend with `options`.
        #[allow(dead_code)]
        pub async fn spawn_app_with(options: Options) -> Option<App> {
            spawn(BACKEND, options).await
        }

        #[path = "suite/assets.rs"]
        mod assets;
        #[path = "suite/flows.rs"]
        mod flows;
        #[path = "suite/one_edge.rs"]
        mod one_edge;
        #[path = "suite/pages.rs"]
        mod pages;
        #[path = "suite/people.rs"]
        mod people;
        #[path = "suite/security.rs"]
        mod security;
        #[path = "suite/table.rs"]
        mod table;
    };
}

mod memory;
mod postgres;
mod sqlite;
