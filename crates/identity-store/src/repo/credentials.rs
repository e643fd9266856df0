//! [`CredentialRepository`] over `credentials`.

use super::{SeaUnitOfWork, one, row};
use crate::entity::credentials;
use crate::error::store_error;
use async_trait::async_trait;
use identity_domain::ports::CredentialRepository;
use identity_domain::{Credential, PracticeId, StoreError, UserId};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

#[async_trait]
impl CredentialRepository for SeaUnitOfWork {
    async fn get(&mut self, practice: PracticeId, user: UserId) -> Result<Option<Credential>, StoreError> {
        one(
            credentials::Entity::find_by_id(user.as_uuid())
                .filter(credentials::Column::PracticeId.eq(practice.as_uuid())),
            &self.txn,
        )
        .await
    }

    async fn save(&mut self, credential: &Credential) -> Result<(), StoreError> {
        use credentials::Column as C;
        let upsert = OnConflict::column(C::UserId)
            .update_columns([
                C::PasswordHash,
                C::OneTimeExpiresAt,
                C::FailedAttempts,
                C::LastFailureAt,
                C::Locked,
                C::ChangedAt,
                C::LastSignInAt,
            ])
            .to_owned();
        credentials::Entity::insert(row(credentials::Model::from_domain(credential)))
            .on_conflict(upsert)
            .exec_without_returning(&self.txn)
            .await
            .map_err(store_error)?;
        Ok(())
    }
}
