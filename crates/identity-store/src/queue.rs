//! [`OutboxQueue`] for the mail worker: claim due emails under a lease,
//! record deliveries and failures.
//!
//! A claim is one short transaction: select the due rows, stamp their lease,
//! commit. On PostgreSQL the select takes `FOR UPDATE SKIP LOCKED`, so
//! workers in several processes never take the same row at once; on SQLite
//! the transaction begins `IMMEDIATE`, so claims run one after the other.
//! Either way a row whose lease has not run out is not due.

use crate::entity::{corrupt, outbox, stored_time};
use crate::error::unavailable;
use crate::store::SeaStore;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use identity_domain::{DeliveryStatus, EmailId, Message, OutboxEmail, OutboxQueue, StoreError};
use sea_orm::sea_query::{Expr, LockBehavior, LockType};
use sea_orm::{
    ActiveModelBehavior, ColumnTrait, Condition, ConnectionTrait, DatabaseTransaction, DbBackend,
    EntityTrait, QueryFilter, QueryOrder, QuerySelect, SqliteTransactionMode, TransactionOptions,
    TransactionTrait,
};

impl SeaStore {
    /// A transaction that holds SQLite's write lock from its start.
    async fn queue_transaction(&self) -> Result<DatabaseTransaction, StoreError> {
        let options = TransactionOptions {
            sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
            ..TransactionOptions::default()
        };
        self.connection().begin_with_options(options).await.map_err(unavailable)
    }

    /// Applies a delivery outcome to one email and releases its lease.
    async fn settle(
        &self,
        id: EmailId,
        apply: impl FnOnce(&outbox::Model, &mut outbox::ActiveModel, &Message) -> Result<(), StoreError> + Send,
    ) -> Result<(), StoreError> {
        let txn = self.queue_transaction().await?;
        let row = outbox::Entity::find_by_id(id.as_uuid())
            .one(&txn)
            .await
            .map_err(unavailable)?
            .ok_or_else(|| StoreError::Unavailable(format!("no email {id}")))?;
        let message: Message =
            serde_json::from_value(row.message.clone()).map_err(|_| corrupt("outbox", "message"))?;
        let mut changes = outbox::ActiveModel::new();
        changes.lease_until = sea_orm::ActiveValue::Set(None);
        apply(&row, &mut changes, &message)?;
        outbox::Entity::update_many()
            .set(changes)
            .filter(outbox::Column::Id.eq(row.id))
            .exec(&txn)
            .await
            .map_err(unavailable)?;
        txn.commit().await.map_err(unavailable)
    }
}

/// The message with its secrets blanked, as stored after delivery.
fn blanked(message: &Message) -> Result<serde_json::Value, StoreError> {
    serde_json::to_value(message.without_secrets()).map_err(|_| corrupt("outbox", "message"))
}

#[async_trait]
impl OutboxQueue for SeaStore {
    async fn claim_due(
        &self,
        now: DateTime<Utc>,
        limit: u32,
        lease_until: DateTime<Utc>,
    ) -> Result<Vec<OutboxEmail>, StoreError> {
        use outbox::Column as C;
        let now = stored_time(now);
        let txn = self.queue_transaction().await?;
        let mut due = outbox::Entity::find()
            .filter(C::Status.eq(DeliveryStatus::Pending.as_str()))
            .filter(C::NextAttemptAt.lte(now))
            .filter(Condition::any().add(C::LeaseUntil.is_null()).add(C::LeaseUntil.lte(now)))
            .order_by_asc(C::CreatedAt)
            .order_by_asc(C::Id)
            .limit(u64::from(limit));
        if txn.get_database_backend() == DbBackend::Postgres {
            due = due.lock_with_behavior(LockType::Update, LockBehavior::SkipLocked);
        }
        let rows = due.all(&txn).await.map_err(unavailable)?;
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        outbox::Entity::update_many()
            .col_expr(C::LeaseUntil, Expr::value(Some(stored_time(lease_until))))
            .filter(C::Id.is_in(rows.iter().map(|r| r.id)))
            .exec(&txn)
            .await
            .map_err(unavailable)?;
        txn.commit().await.map_err(unavailable)?;
        rows.into_iter().map(outbox::Model::into_domain).collect()
    }

    async fn mark_sent(&self, id: EmailId, at: DateTime<Utc>) -> Result<(), StoreError> {
        use sea_orm::ActiveValue::Set;
        self.settle(id, |_, row, message| {
            row.status = Set(DeliveryStatus::Sent.as_str().to_owned());
            row.sent_at = Set(Some(stored_time(at)));
            row.message = Set(blanked(message)?);
            Ok(())
        })
        .await
    }

    async fn mark_failed(
        &self,
        id: EmailId,
        error: &str,
        retry_at: Option<DateTime<Utc>>,
    ) -> Result<(), StoreError> {
        use sea_orm::ActiveValue::Set;
        let error = error.to_owned();
        self.settle(id, move |current, row, message| {
            row.attempts = Set(current.attempts.saturating_add(1));
            row.last_error = Set(Some(error));
            match retry_at {
                Some(at) => row.next_attempt_at = Set(stored_time(at)),
                None => {
                    row.status = Set(DeliveryStatus::Failed.as_str().to_owned());
                    row.message = Set(blanked(message)?);
                }
            }
            Ok(())
        })
        .await
    }
}
