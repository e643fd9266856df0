//! [`AuditLog`] over `audit_log`: append, and read newest first in keyset
//! pages by id (UUIDv7 ids sort in writing order).

use super::{SeaUnitOfWork, all, row};
use crate::entity::audit_log::{self, actor_columns, target_columns};
use crate::entity::stored_time;
use crate::error::store_error;
use async_trait::async_trait;
use identity_domain::ports::AuditLog;
use identity_domain::{AuditEntry, AuditId, AuditQuery, Page, PracticeId, StoreError};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

#[async_trait]
impl AuditLog for SeaUnitOfWork {
    async fn append(&mut self, entry: &AuditEntry) -> Result<(), StoreError> {
        audit_log::Entity::insert(row(audit_log::Model::from_domain(entry)))
            .exec_without_returning(&self.txn)
            .await
            .map_err(store_error)?;
        Ok(())
    }

    async fn list(
        &mut self,
        practice: PracticeId,
        query: &AuditQuery,
    ) -> Result<Page<AuditEntry, AuditId>, StoreError> {
        use audit_log::Column as C;
        let mut select = audit_log::Entity::find().filter(C::PracticeId.eq(practice.as_uuid()));
        if let Some(before) = query.before_id {
            select = select.filter(C::Id.lt(before.as_uuid()));
        }
        if let Some(action) = query.action {
            select = select.filter(C::Action.eq(action.as_str()));
        }
        if let Some(actor) = query.actor {
            let (kind, user) = actor_columns(actor);
            select = select.filter(C::ActorKind.eq(kind));
            if let Some(user) = user {
                select = select.filter(C::ActorUserId.eq(user));
            }
        }
        if let Some(target) = query.target {
            let (kind, id) = target_columns(target);
            select = select.filter(C::TargetKind.eq(kind)).filter(C::TargetId.eq(id));
        }
        if let Some(since) = query.since {
            select = select.filter(C::At.gte(stored_time(since)));
        }
        if let Some(until) = query.until {
            select = select.filter(C::At.lt(stored_time(until)));
        }
        let limit = query.limit as usize;
        let mut items = all(select.order_by_desc(C::Id).limit(u64::from(query.limit) + 1), &self.txn).await?;
        let more = items.len() > limit;
        items.truncate(limit);
        let next = if more { items.last().map(|e| e.id) } else { None };
        Ok(Page { items, next, total: None })
    }
}
