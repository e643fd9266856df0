//! The mail worker delivering the outbox, in one binary: through a real
//! SMTP server (mailin-embedded on 127.0.0.1) or into `.eml` files, with
//! retries, stalls, restarts, TLS and logs, and two workers draining one
//! outbox, driven by the real domain service. Written once and run on each
//! store by `mail_suite!` (`memory`, `sqlite`, `postgres`), so `cargo test
//! -p xtask --test mail sqlite::` runs it on one. These tests live here,
//! where every crate is known, because an adapter's tests never use another
//! adapter; the mail crate keeps its configuration and rendering tests.

#![allow(clippy::unwrap_used, clippy::expect_used)]
// Each backend compiles its own copy of the suite: that is the point.
#![allow(clippy::duplicate_mod)]

mod support;

/// The suite on `$backend` (a [`support::Backend`]): each test makes its
/// world through this module's `world()`.
macro_rules! mail_suite {
    ($backend:ident) => {
        #[allow(unused_imports)]
        use crate::support::*;

        /// A practice on this module's backend; `None` when the backend is
        /// missing (the skip is recorded).
        #[allow(dead_code)]
        pub async fn world() -> Option<World> {
            World::on(Backend::$backend).await
        }

        #[path = "concurrency.rs"]
        mod concurrency;
        #[path = "delivery.rs"]
        mod delivery;
        #[path = "file_transport.rs"]
        mod file_transport;
        #[path = "logs.rs"]
        mod logs;
        #[path = "restart.rs"]
        mod restart;
        #[path = "retry.rs"]
        mod retry;
        #[path = "stall.rs"]
        mod stall;
        #[path = "tls.rs"]
        mod tls;
    };
}

mod memory;
mod postgres;
mod sqlite;
