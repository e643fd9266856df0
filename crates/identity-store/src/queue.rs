//! [`OutboxQueue`] for the mail worker: claim due emails under a lease and
//! a claim token, take back a restarted worker's claims, record deliveries
//! and failures for the claim that holds the email.
//!
//! A claim is one short transaction: select the due rows, stamp their
//! lease, worker and claim token, commit. On PostgreSQL the select takes
//! `FOR UPDATE SKIP LOCKED`, so workers in several processes never take the
//! same row at once; on SQLite the transaction begins `IMMEDIATE`, so claims
//! run one after the other. Either way a row whose lease has not run out is
//! not due. Settling an email updates it only while its `claim_token` is
//! the settling worker's: a worker whose lease ran out and whose email was
//! claimed again records nothing.
//!
//! Claimed emails come back with their secrets opened with the store's
//! outbox key; a row whose sealed message does not open (the key changed)
//! is given up at once with that reason rather than blocking the queue.

use crate::entity::{outbox, stored_time};
use crate::error::unavailable;
use crate::store::{SeaStore, WriteTurn};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use identity_domain::{
    ClaimToken, ClaimedEmail, DeliveryStatus, EmailId, Message, OutboxQueue, StoreError, WorkerId,
};
use sea_orm::sea_query::{Expr, LockBehavior, LockType};
use sea_orm::{
    ActiveModelBehavior, ColumnTrait, Condition, ConnectionTrait, DatabaseTransaction, DbBackend,
    EntityTrait, QueryFilter, QueryOrder, QuerySelect, SqliteTransactionMode, TransactionOptions,
    TransactionTrait,
};

/// Recorded for an email whose sealed message does not open.
const UNSEALABLE: &str = "its link or password cannot be decrypted with this server's outbox key \
                          (the key changed since it was queued): send a new one";

impl SeaStore {
    /// A transaction that holds SQLite's write lock from its start (after
    /// its turn, kept until the transaction ends).
    async fn queue_transaction(&self) -> Result<(DatabaseTransaction, WriteTurn), StoreError> {
        let turn = self.write_turn().await?;
        let options = TransactionOptions {
            sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
            ..TransactionOptions::default()
        };
        let txn = self.connection().begin_with_options(options).await.map_err(unavailable)?;
        Ok((txn, turn))
    }

    /// Applies an outcome to the email `id` if `claim` still holds it, and
    /// releases the claim. `false` when it does not.
    async fn settle(
        &self,
        id: EmailId,
        claim: ClaimToken,
        apply: impl FnOnce(&outbox::Model, &mut outbox::ActiveModel) -> Result<(), StoreError> + Send,
    ) -> Result<bool, StoreError> {
        use outbox::Column as C;
        let (txn, _turn) = self.queue_transaction().await?;
        let Some(row) = outbox::Entity::find_by_id(id.as_uuid())
            .filter(C::ClaimToken.eq(claim.as_uuid()))
            .filter(C::Status.eq(DeliveryStatus::Pending.as_str()))
            .one(&txn)
            .await
            .map_err(unavailable)?
        else {
            return Ok(false);
        };
        let mut changes = released();
        apply(&row, &mut changes)?;
        outbox::Entity::update_many()
            .set(changes)
            .filter(C::Id.eq(row.id))
            .filter(C::ClaimToken.eq(claim.as_uuid()))
            .exec(&txn)
            .await
            .map_err(unavailable)?;
        txn.commit().await.map_err(unavailable)?;
        Ok(true)
    }
}

/// Changes that release a claim.
fn released() -> outbox::ActiveModel {
    use sea_orm::ActiveValue::Set;
    let mut changes = outbox::ActiveModel::new();
    changes.lease_until = Set(None);
    changes.claimed_by = Set(None);
    changes.claim_token = Set(None);
    changes
}

/// Changes that end an email's life in the outbox (delivered or given up):
/// its secrets removed, from `message` (rows queued before sealing kept
/// them there) and `sealed`.
fn forget_secrets(row: &outbox::Model, changes: &mut outbox::ActiveModel) -> Result<(), StoreError> {
    use sea_orm::ActiveValue::Set;
    let unreadable = || crate::entity::corrupt("outbox", "message");
    let message: Message = serde_json::from_value(row.message.clone()).map_err(|_| unreadable())?;
    changes.message = Set(serde_json::to_value(message.without_secrets()).map_err(|_| unreadable())?);
    changes.sealed = Set(None);
    Ok(())
}

#[async_trait]
impl OutboxQueue for SeaStore {
    async fn claim_due(
        &self,
        worker: &WorkerId,
        now: DateTime<Utc>,
        limit: u32,
        lease_until: DateTime<Utc>,
    ) -> Result<Vec<ClaimedEmail>, StoreError> {
        use outbox::Column as C;
        let now = stored_time(now);
        let claim = ClaimToken::from_uuid(uuid::Uuid::now_v7());
        let (txn, _turn) = self.queue_transaction().await?;
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
        let mut claimed = Vec::with_capacity(rows.len());
        let mut unopened = Vec::new();
        for row in rows {
            match row.clone().into_sealed_domain(self.outbox_key()) {
                Ok(email) => claimed.push(ClaimedEmail { email, claim }),
                Err(_) if row.sealed.is_some() => unopened.push(row),
                Err(error) => return Err(error),
            }
        }
        outbox::Entity::update_many()
            .col_expr(C::LeaseUntil, Expr::value(Some(stored_time(lease_until))))
            .col_expr(C::ClaimedBy, Expr::value(Some(worker.as_str().to_owned())))
            .col_expr(C::ClaimToken, Expr::value(Some(claim.as_uuid())))
            .filter(C::Id.is_in(claimed.iter().map(|c| c.email.id.as_uuid())))
            .exec(&txn)
            .await
            .map_err(unavailable)?;
        for row in unopened {
            use sea_orm::ActiveValue::Set;
            let mut changes = released();
            forget_secrets(&row, &mut changes)?;
            changes.status = Set(DeliveryStatus::Failed.as_str().to_owned());
            changes.last_error = Set(Some(UNSEALABLE.to_owned()));
            outbox::Entity::update_many()
                .set(changes)
                .filter(C::Id.eq(row.id))
                .exec(&txn)
                .await
                .map_err(unavailable)?;
        }
        txn.commit().await.map_err(unavailable)?;
        Ok(claimed)
    }

    async fn reclaim(&self, worker: &WorkerId) -> Result<u64, StoreError> {
        let (txn, _turn) = self.queue_transaction().await?;
        let result = outbox::Entity::update_many()
            .set(released())
            .filter(outbox::Column::ClaimedBy.eq(worker.as_str()))
            .exec(&txn)
            .await
            .map_err(unavailable)?;
        txn.commit().await.map_err(unavailable)?;
        Ok(result.rows_affected)
    }

    async fn release(&self, id: EmailId, claim: ClaimToken) -> Result<bool, StoreError> {
        self.settle(id, claim, |_, _| Ok(())).await
    }

    async fn mark_sent(&self, id: EmailId, claim: ClaimToken, at: DateTime<Utc>) -> Result<bool, StoreError> {
        use sea_orm::ActiveValue::Set;
        self.settle(id, claim, |current, row| {
            row.attempts = Set(current.attempts.saturating_add(1));
            row.status = Set(DeliveryStatus::Sent.as_str().to_owned());
            row.sent_at = Set(Some(stored_time(at)));
            forget_secrets(current, row)
        })
        .await
    }

    async fn mark_failed(
        &self,
        id: EmailId,
        claim: ClaimToken,
        error: &str,
        retry_at: Option<DateTime<Utc>>,
    ) -> Result<bool, StoreError> {
        use sea_orm::ActiveValue::Set;
        let error = error.to_owned();
        self.settle(id, claim, move |current, row| {
            row.attempts = Set(current.attempts.saturating_add(1));
            row.last_error = Set(Some(error));
            match retry_at {
                Some(at) => row.next_attempt_at = Set(stored_time(at)),
                None => {
                    row.status = Set(DeliveryStatus::Failed.as_str().to_owned());
                    forget_secrets(current, row)?;
                }
            }
            Ok(())
        })
        .await
    }
}
