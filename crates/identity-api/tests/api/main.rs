//! The HTTP API over a real socket, on the in-memory adapters. One test
//! binary; `support` starts a server per test on 127.0.0.1:0.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod areas;
mod at_the_edge;
mod backend;
mod contract;
mod edges;
mod export;
mod garbage;
mod openapi;
mod permissions;
mod routes;
mod seeds;
mod sessions;
mod support;
mod trust;
mod users;
