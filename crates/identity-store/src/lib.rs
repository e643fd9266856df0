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
//!   (unique violations through `DbErr::sql_err()`, the same on both
//!   backends);
//! - `store`: connecting (SQLite set-up included), migrating, beginning
//!   units of work;
//! - `bulk`: loading many users at once, for operations tooling;
//! - `seal`: the [`OutboxKey`] that encrypts links and one-time passwords
//!   waiting in the outbox;
//! - `queue`: the mail worker's [`identity_domain::OutboxQueue`], also
//!   implemented by [`SeaStore`].
//!
//! The schema itself lives in the `migrations` crate.

mod bulk;
mod entity;
mod error;
mod queue;
mod repo;
mod seal;
mod store;

pub use bulk::BulkUser;
pub use seal::{OutboxKey, OutboxKeyError};
pub use store::{ConnectError, MigrationState, SeaStore};
