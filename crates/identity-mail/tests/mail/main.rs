//! The mail adapter's own tests, in one binary: its configuration, and
//! rendering (snapshots of every template in both languages). Delivery
//! through a real SMTP server, driven by the domain service on a store, is
//! tested in `xtask/tests/mail/` (an adapter's tests use no other adapter).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

mod config;
mod render;
