//! # identity-store
//!
//! The SeaORM adapter of practice identity, over SQLite and PostgreSQL:
//! [`SeaStore`] implements the domain's [`identity_domain::Store`] port, each
//! unit of work being one database transaction over every repository.
//!
//! - `entity/`: the tables as SeaORM entities, each with its row <-> domain
//!   mapping (rows never leave this crate);
//! - `repo/`: one file per repository port, implemented on the unit of work;
//! - `error`: how database errors become [`identity_domain::StoreError`]
//!   (unique violations through `DbErr::sql_err()`, attributed to the exact
//!   index of `migrations::UNIQUE_INDEXES` on both backends);
//! - `store`: connecting (SQLite set-up included), migrating, beginning
//!   units of work;
//! - `access`: granting the server's own PostgreSQL role its rights;
//! - `budgets`: the per-client-address request counts
//!   ([`identity_domain::AddressBudgets`], also implemented by [`SeaStore`]):
//!   one upsert statement per request, shared by every process;
//! - `bulk`: loading many users at once, for operations tooling;
//! - `count`: counting the statements units of work send, for the bench;
//! - `seal`: the [`OutboxKey`] that encrypts links and one-time passwords
//!   waiting in the outbox;
//! - `queue`: the mail worker's [`identity_domain::OutboxQueue`], also
//!   implemented by [`SeaStore`].
//!
//! The schema itself lives in the `migrations` crate.

mod access;
mod budgets;
mod bulk;
mod count;
mod entity;
mod error;
mod queue;
mod repo;
mod seal;
mod store;

pub use access::GrantError;
pub use bulk::BulkUser;
pub use count::{StatementCount, StatementCounter};
pub use error::store_error;
pub use seal::{OutboxKey, OutboxKeyError};
pub use store::{ConnectError, MigrationState, SeaStore, StartUpLock, StoreOptions};
