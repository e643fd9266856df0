//! [`PartyRepository`] over `parties`.

use super::{SeaUnitOfWork, all, one, row};
use crate::entity::parties;
use crate::error::store_error;
use async_trait::async_trait;
use identity_domain::ports::PartyRepository;
use identity_domain::{Party, PartyId, PracticeId, SiteId, StoreError};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

#[async_trait]
impl PartyRepository for SeaUnitOfWork {
    async fn insert(&mut self, party: &Party) -> Result<(), StoreError> {
        parties::Entity::insert(row(parties::Model::from_domain(party)))
            .exec_without_returning(&self.txn)
            .await
            .map_err(store_error)?;
        Ok(())
    }

    async fn get(&mut self, practice: PracticeId, id: PartyId) -> Result<Option<Party>, StoreError> {
        one(
            parties::Entity::find_by_id(id.as_uuid())
                .filter(parties::Column::PracticeId.eq(practice.as_uuid())),
            &self.txn,
        )
        .await
    }

    async fn update(&mut self, party: &Party) -> Result<(), StoreError> {
        let mut changes: parties::ActiveModel = row(parties::Model::from_domain(party));
        changes.not_set(parties::Column::Id);
        changes.not_set(parties::Column::PracticeId);
        changes.not_set(parties::Column::CreatedAt);
        parties::Entity::update_many()
            .set(changes)
            .filter(parties::Column::Id.eq(party.id.as_uuid()))
            .filter(parties::Column::PracticeId.eq(party.practice.as_uuid()))
            .exec(&self.txn)
            .await
            .map_err(store_error)?;
        Ok(())
    }

    async fn list_by_site(&mut self, practice: PracticeId, site: SiteId) -> Result<Vec<Party>, StoreError> {
        all(
            parties::Entity::find()
                .filter(parties::Column::PracticeId.eq(practice.as_uuid()))
                .filter(parties::Column::SiteId.eq(site.as_uuid()))
                .order_by_asc(parties::Column::NameKey)
                .order_by_asc(parties::Column::Id),
            &self.txn,
        )
        .await
    }
}
