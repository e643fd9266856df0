//! [`AddressBudgets`] in the database, so every server process on one
//! database spends the same per-address budget, and a restart keeps it.
//!
//! A hit is one statement outside any transaction (autocommit):
//! `INSERT … ON CONFLICT (address, window_start) DO UPDATE SET hits = hits
//! + 1 RETURNING hits`. Both databases apply it atomically, taking only the
//! row's own lock for the statement's length, so concurrent hits from any
//! process are each counted once and no unit of work waits on them. The
//! first hit of an address in a new window also removes the windows that
//! are over (one `DELETE` on the `window_start` index).

use crate::error::unavailable;
use crate::store::SeaStore;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use identity_domain::{AddressBudgets, AddressKey, StoreError};
use sea_orm::{ConnectionTrait, DbBackend, Statement};

#[async_trait]
impl AddressBudgets for SeaStore {
    async fn hit(&self, key: &AddressKey, window_start: DateTime<Utc>) -> Result<u64, StoreError> {
        let db = self.connection();
        let backend = db.get_database_backend();
        let (upsert, prune) = match backend {
            DbBackend::Postgres => (
                "INSERT INTO address_budgets (address, window_start, hits) VALUES ($1, $2, 1) \
                 ON CONFLICT (address, window_start) DO UPDATE SET hits = address_budgets.hits + 1 \
                 RETURNING hits",
                "DELETE FROM address_budgets WHERE window_start < $1",
            ),
            _ => (
                "INSERT INTO address_budgets (address, window_start, hits) VALUES (?, ?, 1) \
                 ON CONFLICT (address, window_start) DO UPDATE SET hits = address_budgets.hits + 1 \
                 RETURNING hits",
                "DELETE FROM address_budgets WHERE window_start < ?",
            ),
        };
        let start = window_start.timestamp();
        let row = db
            .query_one_raw(Statement::from_sql_and_values(
                backend,
                upsert,
                [key.as_str().into(), start.into()],
            ))
            .await
            .map_err(unavailable)?
            .ok_or_else(|| StoreError::Internal("the address budget upsert returned no row".to_owned()))?;
        let hits: i64 = row.try_get_by_index(0).map_err(unavailable)?;
        if hits == 1 {
            db.execute_raw(Statement::from_sql_and_values(backend, prune, [start.into()]))
                .await
                .map_err(unavailable)?;
        }
        Ok(u64::try_from(hits).unwrap_or(0))
    }
}
