//! The mail worker delivering the outbox, in one binary: through a real
//! SMTP server (mailin-embedded on 127.0.0.1) or into `.eml` files, with
//! retries, stalls, restarts, TLS and logs, driven by the real domain
//! service on the in-memory adapters; two workers draining one outbox on
//! the in-memory store and on PostgreSQL. They live here, where every crate
//! is known, because an adapter's tests never use another adapter; the
//! mail crate keeps its own configuration and rendering tests.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

mod concurrency;
mod delivery;
mod file_transport;
mod logs;
mod postgres;
mod restart;
mod retry;
mod stall;
mod tls;
