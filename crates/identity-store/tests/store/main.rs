//! Tests of the SeaORM store, one binary. Every test runs on SQLite (a
//! fresh file each) and on PostgreSQL (a fresh database each) when
//! `IDENTITY_TEST_POSTGRES_URL` is set, e.g.
//! `IDENTITY_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:5432`.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod support;

mod app_role;
mod audit;
mod budgets;
mod bulk;
mod concurrency;
mod contract;
mod durability;
mod listing;
mod queue;
mod roundtrip;
mod schema;
mod stall;
mod unique;
