//! The mail adapter's tests, in one binary: rendering (snapshots of every
//! template in both languages), and delivery through a real SMTP server
//! (mailin-embedded on 127.0.0.1) driven by the real domain service on the
//! in-memory adapters.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

mod concurrency;
mod config;
mod delivery;
mod file_transport;
mod logs;
mod postgres;
mod render;
mod restart;
mod retry;
mod stall;
mod tls;
