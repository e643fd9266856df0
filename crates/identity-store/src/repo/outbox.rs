//! [`Outbox`] over `outbox`: enqueue (secrets sealed), list newest first in
//! cursor pages (secrets opened with the store's key, as the port returns
//! emails as queued), count by status, retry failed emails.

use super::{SeaUnitOfWork, row};
use crate::entity::{outbox, stored_time};
use crate::error::store_error;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use identity_domain::ports::Outbox;
use identity_domain::{
    DeliveryStatus, EmailId, MessageKind, OutboxCounts, OutboxEmail, OutboxQuery, Page, PracticeId,
    StoreError,
};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, Condition, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect};

#[async_trait]
impl Outbox for SeaUnitOfWork {
    async fn enqueue(&mut self, email: &OutboxEmail) -> Result<(), StoreError> {
        outbox::Entity::insert(row(outbox::Model::from_domain(email, &self.outbox_key)?))
            .exec_without_returning(&self.txn)
            .await
            .map_err(store_error)?;
        Ok(())
    }

    async fn list(
        &mut self,
        practice: PracticeId,
        query: &OutboxQuery,
    ) -> Result<Page<OutboxEmail, EmailId>, StoreError> {
        use outbox::Column as C;
        let limit = query.clamped_limit();
        let mut select = outbox::Entity::find().filter(C::PracticeId.eq(practice.as_uuid()));
        if let Some(status) = query.status {
            select = select.filter(C::Status.eq(status.as_str()));
        }
        if let Some(recipient) = &query.recipient {
            select = select.filter(C::ToEmail.eq(recipient.as_str()));
        }
        if let Some(kind) = query.kind {
            select = select.filter(C::Kind.eq(kind.as_str()));
        }
        if let Some(before) = query.before {
            let Some(cursor) = self.get(practice, before).await? else {
                return Ok(Page { items: Vec::new(), next: None, total: None });
            };
            let at = stored_time(cursor.created_at);
            select = select.filter(
                Condition::any()
                    .add(C::CreatedAt.lt(at))
                    .add(Condition::all().add(C::CreatedAt.eq(at)).add(C::Id.lt(before.as_uuid()))),
            );
        }
        let mut items = select
            .order_by_desc(C::CreatedAt)
            .order_by_desc(C::Id)
            .limit(u64::from(limit) + 1)
            .all(&self.txn)
            .await
            .map_err(store_error)?
            .into_iter()
            .map(|row| row.into_opened_domain(&self.outbox_key))
            .collect::<Result<Vec<OutboxEmail>, StoreError>>()?;
        let more = items.len() > limit as usize;
        items.truncate(limit as usize);
        let next = if more { items.last().map(|e| e.id) } else { None };
        Ok(Page { items, next, total: None })
    }

    async fn get(&mut self, practice: PracticeId, id: EmailId) -> Result<Option<OutboxEmail>, StoreError> {
        outbox::Entity::find_by_id(id.as_uuid())
            .filter(outbox::Column::PracticeId.eq(practice.as_uuid()))
            .one(&self.txn)
            .await
            .map_err(store_error)?
            .map(|row| row.into_opened_domain(&self.outbox_key))
            .transpose()
    }

    async fn counts(&mut self, practice: PracticeId) -> Result<OutboxCounts, StoreError> {
        let mut counts = OutboxCounts::default();
        for status in [DeliveryStatus::Pending, DeliveryStatus::Sent, DeliveryStatus::Failed] {
            let n = outbox::Entity::find()
                .filter(outbox::Column::PracticeId.eq(practice.as_uuid()))
                .filter(outbox::Column::Status.eq(status.as_str()))
                .count(&self.txn)
                .await
                .map_err(store_error)?;
            match status {
                DeliveryStatus::Pending => counts.pending = n,
                DeliveryStatus::Sent => counts.sent = n,
                DeliveryStatus::Failed => counts.failed = n,
            }
        }
        Ok(counts)
    }

    async fn retry_failed(
        &mut self,
        practice: PracticeId,
        only: Option<EmailId>,
        kinds: &[MessageKind],
        now: DateTime<Utc>,
    ) -> Result<u64, StoreError> {
        use outbox::Column as C;
        let mut update = outbox::Entity::update_many()
            .col_expr(C::Status, Expr::value(DeliveryStatus::Pending.as_str()))
            .col_expr(C::Attempts, Expr::value(0_i64))
            .col_expr(C::NextAttemptAt, Expr::value(stored_time(now)))
            .filter(C::PracticeId.eq(practice.as_uuid()))
            .filter(C::Status.eq(DeliveryStatus::Failed.as_str()))
            .filter(C::Kind.is_in(kinds.iter().map(|k| k.as_str())));
        if let Some(id) = only {
            update = update.filter(C::Id.eq(id.as_uuid()));
        }
        Ok(update.exec(&self.txn).await.map_err(store_error)?.rows_affected)
    }
}

/// The migration after which every email is sealed when it is queued.
const SEALING_MIGRATION: &str = "m20261206_000001_outbox_claims_and_sealing";

impl crate::SeaStore {
    /// When `version` was applied (`seaql_migrations.applied_at`), or
    /// `None` when it was not.
    async fn migration_applied_at(&self, version: &str) -> Result<Option<DateTime<Utc>>, StoreError> {
        use sea_orm::{ConnectionTrait, Statement};
        let db = self.connection();
        let backend = db.get_database_backend();
        let sql = match backend {
            sea_orm::DbBackend::Postgres => "SELECT applied_at FROM seaql_migrations WHERE version = $1",
            _ => "SELECT applied_at FROM seaql_migrations WHERE version = ?",
        };
        let found = db
            .query_one_raw(Statement::from_sql_and_values(backend, sql, [version.into()]))
            .await
            .map_err(store_error)?;
        let Some(row) = found else { return Ok(None) };
        let seconds: i64 = row.try_get_by_index(0).map_err(store_error)?;
        // Applied during the second it names: count that whole second.
        Ok(DateTime::from_timestamp(seconds.saturating_add(1), 0))
    }

    /// Seals the secrets of emails queued before the outbox sealed them
    /// (rows whose `message` still holds a link token or a one-time
    /// password, with `sealed` empty): a waiting or failed email gets its
    /// secrets sealed with the store's key and removed from `message`; a
    /// delivered one just loses them. Run once at start, after the
    /// migrations; rows already sealed are left alone, so running it again
    /// changes nothing. Answers how many rows it changed.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] when the database fails,
    /// [`StoreError::Internal`] when a row is unreadable; what was changed
    /// before stays changed, row by row.
    pub async fn seal_outbox_secrets(&self) -> Result<u64, StoreError> {
        use outbox::Column as C;
        // Emails queued since the sealing migration were sealed when
        // queued: only older ones can hold a secret in clear, so a start
        // reads no row of a database that never had any.
        let Some(since) = self.migration_applied_at(SEALING_MIGRATION).await? else {
            return Ok(0);
        };
        let carrying: Vec<&str> =
            MessageKind::ALL.iter().filter(|k| k.carries_secret()).map(|k| k.as_str()).collect();
        let rows = outbox::Entity::find()
            .filter(C::Sealed.is_null())
            .filter(C::Kind.is_in(carrying))
            .filter(C::CreatedAt.lte(stored_time(since)))
            .all(self.connection())
            .await
            .map_err(store_error)?;
        let mut changed = 0;
        for row in rows {
            let (id, status, stored) = (row.id, row.status.clone(), row.message.clone());
            let email = row.into_domain()?;
            let bare = serde_json::to_value(email.message.without_secrets())
                .map_err(|_| crate::entity::corrupt("outbox", "message"))?;
            if bare == stored {
                continue;
            }
            let sealed = if status == DeliveryStatus::Sent.as_str() {
                None
            } else {
                let whole = serde_json::to_vec(&email.message)
                    .map_err(|_| crate::entity::corrupt("outbox", "message"))?;
                Some(
                    self.outbox_key()
                        .seal(id, &whole)
                        .ok_or_else(|| crate::entity::corrupt("outbox", "sealed"))?,
                )
            };
            // Only the row as read: a worker that settled it meanwhile
            // cleared nothing this would bring back.
            let updated = outbox::Entity::update_many()
                .col_expr(C::Message, Expr::value(bare))
                .col_expr(C::Sealed, Expr::value(sealed))
                .filter(C::Id.eq(id))
                .filter(C::Status.eq(status))
                .filter(C::Sealed.is_null())
                .exec(self.connection())
                .await
                .map_err(store_error)?;
            changed += updated.rows_affected;
        }
        Ok(changed)
    }
}
