//! [`CaseRepository`] over `cases`.

use super::users::contains_pattern;
use super::{SeaUnitOfWork, all, one, row};
use crate::entity::cases;
use crate::error::store_error;
use async_trait::async_trait;
use identity_domain::ports::CaseRepository;
use identity_domain::{Case, CaseId, CaseStatus, PracticeId, SearchTerm, StoreError, UserId};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect};

#[async_trait]
impl CaseRepository for SeaUnitOfWork {
    async fn insert(&mut self, case: &Case) -> Result<(), StoreError> {
        cases::Entity::insert(row(cases::Model::from_domain(case)))
            .exec_without_returning(&self.txn)
            .await
            .map_err(store_error)?;
        Ok(())
    }

    async fn get(&mut self, practice: PracticeId, id: CaseId) -> Result<Option<Case>, StoreError> {
        one(
            cases::Entity::find_by_id(id.as_uuid()).filter(cases::Column::PracticeId.eq(practice.as_uuid())),
            &self.txn,
        )
        .await
    }

    async fn update(&mut self, case: &Case) -> Result<(), StoreError> {
        let r = cases::Model::from_domain(case);
        cases::Entity::update_many()
            .col_expr(cases::Column::Title, Expr::value(r.title))
            .col_expr(cases::Column::TitleKey, Expr::value(r.title_key))
            .col_expr(cases::Column::Status, Expr::value(r.status))
            .col_expr(cases::Column::OwnerId, Expr::value(r.owner_id))
            .col_expr(cases::Column::UpdatedAt, Expr::value(r.updated_at))
            .filter(cases::Column::Id.eq(r.id))
            .filter(cases::Column::PracticeId.eq(r.practice_id))
            .exec(&self.txn)
            .await
            .map_err(store_error)?;
        Ok(())
    }

    async fn list_by_owner(
        &mut self,
        practice: PracticeId,
        owner: UserId,
        status: Option<CaseStatus>,
    ) -> Result<Vec<Case>, StoreError> {
        let mut select = cases::Entity::find()
            .filter(cases::Column::PracticeId.eq(practice.as_uuid()))
            .filter(cases::Column::OwnerId.eq(owner.as_uuid()));
        if let Some(status) = status {
            select = select.filter(cases::Column::Status.eq(status.as_str()));
        }
        all(select.order_by_asc(cases::Column::CreatedAt).order_by_asc(cases::Column::Id), &self.txn).await
    }

    async fn count_open(&mut self, practice: PracticeId, owner: UserId) -> Result<u64, StoreError> {
        cases::Entity::find()
            .filter(cases::Column::PracticeId.eq(practice.as_uuid()))
            .filter(cases::Column::OwnerId.eq(owner.as_uuid()))
            .filter(cases::Column::Status.eq(CaseStatus::Open.as_str()))
            .count(&self.txn)
            .await
            .map_err(store_error)
    }

    async fn find(
        &mut self,
        practice: PracticeId,
        term: Option<&SearchTerm>,
        status: Option<CaseStatus>,
        limit: u32,
    ) -> Result<Vec<Case>, StoreError> {
        let mut select = cases::Entity::find().filter(cases::Column::PracticeId.eq(practice.as_uuid()));
        if let Some(status) = status {
            select = select.filter(cases::Column::Status.eq(status.as_str()));
        }
        if let Some(term) = term {
            select = select.filter(Expr::col(cases::Column::TitleKey).like(contains_pattern(term.as_str())));
        }
        let select = select
            .order_by_asc(cases::Column::TitleKey)
            .order_by_asc(cases::Column::Id)
            .limit(u64::from(limit));
        all(select, &self.txn).await
    }
}
