//! [`PracticeRepository`] over `practices`.

use super::{SeaUnitOfWork, one, row, settle};
use crate::entity::practices;
use crate::error::store_error;
use async_trait::async_trait;
use identity_domain::ports::PracticeRepository;
use identity_domain::{Conflict, Practice, PracticeId, PracticeSlug, StoreError};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};

#[async_trait]
impl PracticeRepository for SeaUnitOfWork {
    async fn insert(&mut self, practice: &Practice) -> Result<(), StoreError> {
        let savepoint = self.savepoint().await?;
        let result = practices::Entity::insert(row(practices::Model::from_domain(practice)))
            .exec_without_returning(&savepoint)
            .await;
        settle(savepoint, result).await.map_err(store_error)?;
        Ok(())
    }

    async fn get(&mut self, id: PracticeId) -> Result<Option<Practice>, StoreError> {
        one(practices::Entity::find_by_id(id.as_uuid()), &self.txn).await
    }

    async fn find_by_slug(&mut self, slug: &PracticeSlug) -> Result<Option<Practice>, StoreError> {
        one(practices::Entity::find().filter(practices::Column::Slug.eq(slug.as_str())), &self.txn).await
    }

    async fn update(&mut self, practice: &Practice) -> Result<(), StoreError> {
        let r = practices::Model::from_domain(practice);
        let updated = practices::Entity::update_many()
            .col_expr(practices::Column::Name, Expr::value(r.name))
            .col_expr(practices::Column::SuperAdminCap, Expr::value(r.super_admin_cap))
            .col_expr(practices::Column::PasswordMinLength, Expr::value(r.password_min_length))
            .col_expr(practices::Column::TimeZone, Expr::value(r.time_zone))
            .col_expr(practices::Column::SecondFactorRequired, Expr::value(r.second_factor_required))
            .filter(practices::Column::Id.eq(r.id))
            .exec(&self.txn)
            .await
            .map_err(store_error)?;
        if updated.rows_affected == 0 {
            return Err(Conflict::Stale.into());
        }
        Ok(())
    }

    async fn count(&mut self) -> Result<u64, StoreError> {
        practices::Entity::find().count(&self.txn).await.map_err(store_error)
    }
}
