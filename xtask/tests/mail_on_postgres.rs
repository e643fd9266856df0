//! The mail worker on the SeaORM store: the mail crate's delivery checks
//! (its SMTP test server and its two-worker drain, shared from
//! `crates/identity-mail/tests/mail/`) over PostgreSQL. They live here,
//! where every crate is known, because an adapter's tests never depend on
//! another adapter.

#![allow(clippy::unwrap_used, clippy::expect_used, dead_code)]

#[path = "../../crates/identity-mail/tests/mail/support.rs"]
mod support;

#[path = "../../crates/identity-mail/tests/mail/concurrency.rs"]
mod concurrency;

#[path = "mail/postgres.rs"]
mod postgres;
