//! [`SiteRepository`] over `sites`.

use super::{SeaUnitOfWork, all, one, row, settle};
use crate::entity::sites;
use crate::error::store_error;
use async_trait::async_trait;
use identity_domain::ports::SiteRepository;
use identity_domain::{PracticeId, Site, SiteId, StoreError};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

#[async_trait]
impl SiteRepository for SeaUnitOfWork {
    async fn insert(&mut self, site: &Site) -> Result<(), StoreError> {
        let savepoint = self.savepoint().await?;
        let result = sites::Entity::insert(row(sites::Model::from_domain(site)))
            .exec_without_returning(&savepoint)
            .await;
        settle(savepoint, result).await.map_err(store_error)?;
        Ok(())
    }

    async fn get(&mut self, practice: PracticeId, id: SiteId) -> Result<Option<Site>, StoreError> {
        one(
            sites::Entity::find_by_id(id.as_uuid()).filter(sites::Column::PracticeId.eq(practice.as_uuid())),
            &self.txn,
        )
        .await
    }

    async fn update(&mut self, site: &Site) -> Result<(), StoreError> {
        let r = sites::Model::from_domain(site);
        let savepoint = self.savepoint().await?;
        let result = sites::Entity::update_many()
            .col_expr(sites::Column::Name, Expr::value(r.name))
            .col_expr(sites::Column::Address, Expr::value(r.address))
            .col_expr(sites::Column::TimeZone, Expr::value(r.time_zone))
            .filter(sites::Column::Id.eq(r.id))
            .filter(sites::Column::PracticeId.eq(r.practice_id))
            .exec(&savepoint)
            .await;
        settle(savepoint, result).await.map_err(store_error)?;
        Ok(())
    }

    async fn list(&mut self, practice: PracticeId) -> Result<Vec<Site>, StoreError> {
        all(
            sites::Entity::find()
                .filter(sites::Column::PracticeId.eq(practice.as_uuid()))
                .order_by_asc(sites::Column::Name)
                .order_by_asc(sites::Column::Id),
            &self.txn,
        )
        .await
    }
}
