//! The repositories, each implemented on the one unit of work: a database
//! transaction. One file per port; the row <-> domain mapping they use sits
//! beside the entities.

mod audit;
mod cases;
mod credentials;
mod factors;
mod links;
mod members;
mod outbox;
mod parties;
mod portal;
mod practices;
mod roles;
mod sessions;
mod sites;
mod users;
mod users_read;

pub(crate) use sessions::check_session;

use crate::count::StatementCounter;
use crate::entity::Row;
use crate::error::store_error;
use crate::seal::OutboxKey;
use crate::store::WriteTurn;
use async_trait::async_trait;
use identity_domain::{StoreError, UnitOfWork};
use sea_orm::{
    ActiveModelTrait, DatabaseTransaction, DbErr, EntityTrait, IntoActiveModel, Select, TransactionTrait,
};
use std::sync::Arc;

/// One transaction over every repository. Dropped without commit, the
/// transaction is rolled back.
pub(crate) struct SeaUnitOfWork {
    txn: DatabaseTransaction,
    /// Held until the transaction ends (declared after it, so dropped after).
    _turn: WriteTurn,
    /// Seals the secrets of queued emails.
    outbox_key: OutboxKey,
    /// Counts savepoints, when the store counts statements.
    counter: Option<Arc<StatementCounter>>,
    /// The users this unit of work read, as stored at the version read: an
    /// update of one of them rewrites its search grams and memberships only
    /// when they changed (see `UserRepository::update`).
    read_users: std::sync::Mutex<std::collections::HashMap<uuid::Uuid, users_read::ReadUser>>,
}

impl SeaUnitOfWork {
    /// Notes a user as this unit of work read (or wrote) it.
    fn remember_user(&self, user: users_read::ReadUser) {
        if let Ok(mut read) = self.read_users.lock() {
            read.insert(user.id, user);
        }
    }

    /// The user `id` as this unit of work last read or wrote it.
    fn read_user(&self, id: uuid::Uuid) -> Option<users_read::ReadUser> {
        self.read_users.lock().ok().and_then(|read| read.get(&id).cloned())
    }

    pub(crate) fn new(
        txn: DatabaseTransaction,
        turn: WriteTurn,
        outbox_key: OutboxKey,
        counter: Option<Arc<StatementCounter>>,
    ) -> Self {
        Self { txn, _turn: turn, outbox_key, counter, read_users: std::sync::Mutex::default() }
    }

    /// Opens a savepoint for one write that may break a unique rule, so
    /// that a refusal leaves the unit of work usable (PostgreSQL otherwise
    /// aborts the whole transaction at the first error). Close it with
    /// [`settle`].
    async fn savepoint(&self) -> Result<DatabaseTransaction, StoreError> {
        if let Some(counter) = &self.counter {
            // SAVEPOINT, then RELEASE or ROLLBACK TO.
            counter.control(2);
        }
        self.txn.begin().await.map_err(store_error)
    }
}

/// Releases a savepoint after a successful write, or rolls back to it.
pub(crate) async fn settle<T>(savepoint: DatabaseTransaction, result: Result<T, DbErr>) -> Result<T, DbErr> {
    match result {
        Ok(value) => {
            savepoint.commit().await?;
            Ok(value)
        }
        Err(err) => {
            savepoint.rollback().await?;
            Err(err)
        }
    }
}

/// The one record `select` finds, if any.
pub(crate) async fn one<E>(
    select: Select<E>,
    txn: &DatabaseTransaction,
) -> Result<Option<<E::Model as Row>::Domain>, StoreError>
where
    E: EntityTrait,
    E::Model: Row,
{
    select.one(txn).await.map_err(store_error)?.map(Row::read).transpose()
}

/// Every record `select` finds, in its order.
pub(crate) async fn all<E>(
    select: Select<E>,
    txn: &DatabaseTransaction,
) -> Result<Vec<<E::Model as Row>::Domain>, StoreError>
where
    E: EntityTrait,
    E::Model: Row,
{
    select.all(txn).await.map_err(store_error)?.into_iter().map(Row::read).collect()
}

/// A row with every column set, for an insert.
pub(crate) fn row<M, A>(model: M) -> A
where
    M: IntoActiveModel<A>,
    A: ActiveModelTrait,
{
    model.into_active_model().reset_all()
}

#[async_trait]
impl UnitOfWork for SeaUnitOfWork {
    identity_domain::repositories_on_self!();

    async fn commit(self: Box<Self>) -> Result<(), StoreError> {
        // A failed commit is never answered as done; the connection it
        // leaves behind is closed when it returns to the pool.
        self.txn.commit().await.map_err(|err| {
            tracing::error!(error = %err, "a commit failed: the change is not saved");
            store_error(err)
        })
    }
}
