//! The mail adapter's tests, in one binary: rendering (snapshots of every
//! template in both languages), and delivery through a real SMTP server
//! (mailin-embedded on 127.0.0.1) driven by the real domain service on the
//! in-memory adapters. The same delivery checks on PostgreSQL run from
//! `xtask/tests/mail_on_postgres.rs` (this crate's tests never use the store).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

mod concurrency;
mod config;
mod delivery;
mod file_transport;
mod logs;
mod render;
mod restart;
mod retry;
mod stall;
mod tls;
