//! [`LinkRepository`] over `links`. Consuming is one conditional `UPDATE`
//! (`… WHERE used_at IS NULL AND voided_at IS NULL`): of concurrent
//! consumers exactly one changes the row.

use super::{SeaUnitOfWork, all, one, row};
use crate::entity::links::{self, subject_columns};
use crate::entity::stored_time;
use crate::error::store_error;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use identity_domain::ports::LinkRepository;
use identity_domain::{Link, LinkId, LinkPurpose, LinkSubject, PracticeId, StoreError, TokenHash};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder};

/// The rows of one subject of one practice.
fn of_subject(practice: PracticeId, subject: LinkSubject) -> Condition {
    let subject = match subject_columns(subject) {
        (Some(user), _) => links::Column::UserId.eq(user),
        (_, Some(party)) => links::Column::PartyId.eq(party),
        (None, None) => links::Column::Id.is_null(),
    };
    Condition::all().add(links::Column::PracticeId.eq(practice.as_uuid())).add(subject)
}

/// Links neither used nor voided.
fn unused() -> Condition {
    Condition::all().add(links::Column::UsedAt.is_null()).add(links::Column::VoidedAt.is_null())
}

#[async_trait]
impl LinkRepository for SeaUnitOfWork {
    async fn insert(&mut self, link: &Link) -> Result<(), StoreError> {
        links::Entity::insert(row(links::Model::from_domain(link)))
            .exec_without_returning(&self.txn)
            .await
            .map_err(store_error)?;
        Ok(())
    }

    async fn find_by_hash(&mut self, hash: &TokenHash) -> Result<Option<Link>, StoreError> {
        one(links::Entity::find().filter(links::Column::TokenHash.eq(hash.as_bytes().to_vec())), &self.txn)
            .await
    }

    async fn live_for(
        &mut self,
        practice: PracticeId,
        subject: LinkSubject,
        now: DateTime<Utc>,
    ) -> Result<Vec<Link>, StoreError> {
        all(
            links::Entity::find()
                .filter(of_subject(practice, subject))
                .filter(unused())
                .filter(links::Column::ExpiresAt.gt(stored_time(now)))
                .order_by_asc(links::Column::CreatedAt)
                .order_by_asc(links::Column::Id),
            &self.txn,
        )
        .await
    }

    async fn consume(&mut self, id: LinkId, at: DateTime<Utc>) -> Result<bool, StoreError> {
        let updated = links::Entity::update_many()
            .col_expr(links::Column::UsedAt, Expr::value(stored_time(at)))
            .filter(links::Column::Id.eq(id.as_uuid()))
            .filter(unused())
            .exec(&self.txn)
            .await
            .map_err(store_error)?;
        Ok(updated.rows_affected == 1)
    }

    async fn void_for(
        &mut self,
        practice: PracticeId,
        subject: LinkSubject,
        purpose: Option<LinkPurpose>,
        at: DateTime<Utc>,
    ) -> Result<u64, StoreError> {
        let mut update = links::Entity::update_many()
            .col_expr(links::Column::VoidedAt, Expr::value(stored_time(at)))
            .filter(of_subject(practice, subject))
            .filter(unused());
        if let Some(purpose) = purpose {
            update = update.filter(links::Column::Purpose.eq(purpose.as_str()));
        }
        Ok(update.exec(&self.txn).await.map_err(store_error)?.rows_affected)
    }
}
