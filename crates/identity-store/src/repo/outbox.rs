//! [`Outbox`] over `outbox`: enqueue and list, newest first.

use super::{SeaUnitOfWork, all, row};
use crate::entity::outbox;
use crate::error::store_error;
use async_trait::async_trait;
use identity_domain::ports::Outbox;
use identity_domain::{DeliveryStatus, OutboxEmail, PracticeId, StoreError};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

#[async_trait]
impl Outbox for SeaUnitOfWork {
    async fn enqueue(&mut self, email: &OutboxEmail) -> Result<(), StoreError> {
        outbox::Entity::insert(row(outbox::Model::from_domain(email)?))
            .exec_without_returning(&self.txn)
            .await
            .map_err(store_error)?;
        Ok(())
    }

    async fn list(
        &mut self,
        practice: PracticeId,
        status: Option<DeliveryStatus>,
        limit: u32,
    ) -> Result<Vec<OutboxEmail>, StoreError> {
        let mut select = outbox::Entity::find().filter(outbox::Column::PracticeId.eq(practice.as_uuid()));
        if let Some(status) = status {
            select = select.filter(outbox::Column::Status.eq(status.as_str()));
        }
        all(
            select
                .order_by_desc(outbox::Column::CreatedAt)
                .order_by_desc(outbox::Column::Id)
                .limit(u64::from(limit)),
            &self.txn,
        )
        .await
    }
}
