//! [`RoleRepository`] over `roles` and `profiles`. Renaming a role also
//! refreshes `users.role_key`, the folded name the users list sorts by.

use super::{SeaUnitOfWork, all, one, row, settle};
use crate::entity::{profiles, roles, users};
use crate::error::store_error;
use async_trait::async_trait;
use identity_domain::person::search_key;
use identity_domain::ports::RoleRepository;
use identity_domain::{PracticeId, Profile, ProfileId, Role, RoleId, StoreError};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

#[async_trait]
impl RoleRepository for SeaUnitOfWork {
    async fn list_roles(&mut self, practice: PracticeId) -> Result<Vec<Role>, StoreError> {
        all(
            roles::Entity::find()
                .filter(roles::Column::PracticeId.eq(practice.as_uuid()))
                .order_by_asc(roles::Column::Name)
                .order_by_asc(roles::Column::Id),
            &self.txn,
        )
        .await
    }

    async fn get_role(&mut self, practice: PracticeId, id: RoleId) -> Result<Option<Role>, StoreError> {
        one(
            roles::Entity::find_by_id(id.as_uuid()).filter(roles::Column::PracticeId.eq(practice.as_uuid())),
            &self.txn,
        )
        .await
    }

    async fn insert_role(&mut self, role: &Role) -> Result<(), StoreError> {
        let savepoint = self.savepoint().await?;
        let result = roles::Entity::insert(row(roles::Model::from_domain(role)))
            .exec_without_returning(&savepoint)
            .await;
        settle(savepoint, result).await.map_err(store_error)?;
        Ok(())
    }

    async fn update_role(&mut self, role: &Role) -> Result<(), StoreError> {
        let r = roles::Model::from_domain(role);
        let savepoint = self.savepoint().await?;
        let result = roles::Entity::update_many()
            .col_expr(roles::Column::Name, Expr::value(r.name))
            .col_expr(roles::Column::Permissions, Expr::value(r.permissions))
            .col_expr(roles::Column::Bypass, Expr::value(r.bypass))
            .col_expr(roles::Column::Builtin, Expr::value(r.builtin))
            .col_expr(roles::Column::SecondFactorRequired, Expr::value(r.second_factor_required))
            .filter(roles::Column::Id.eq(r.id))
            .filter(roles::Column::PracticeId.eq(r.practice_id))
            .exec(&savepoint)
            .await;
        settle(savepoint, result).await.map_err(store_error)?;
        users::Entity::update_many()
            .col_expr(users::Column::RoleKey, Expr::value(search_key(role.name.as_str())))
            .filter(users::Column::RoleId.eq(r.id))
            .filter(users::Column::PracticeId.eq(r.practice_id))
            .exec(&self.txn)
            .await
            .map_err(store_error)?;
        Ok(())
    }

    async fn list_profiles(&mut self, practice: PracticeId) -> Result<Vec<Profile>, StoreError> {
        all(
            profiles::Entity::find()
                .filter(profiles::Column::PracticeId.eq(practice.as_uuid()))
                .order_by_asc(profiles::Column::Name)
                .order_by_asc(profiles::Column::Id),
            &self.txn,
        )
        .await
    }

    async fn get_profile(
        &mut self,
        practice: PracticeId,
        id: ProfileId,
    ) -> Result<Option<Profile>, StoreError> {
        one(
            profiles::Entity::find_by_id(id.as_uuid())
                .filter(profiles::Column::PracticeId.eq(practice.as_uuid())),
            &self.txn,
        )
        .await
    }

    async fn insert_profile(&mut self, profile: &Profile) -> Result<(), StoreError> {
        let savepoint = self.savepoint().await?;
        let result = profiles::Entity::insert(row(profiles::Model::from_domain(profile)))
            .exec_without_returning(&savepoint)
            .await;
        settle(savepoint, result).await.map_err(store_error)?;
        Ok(())
    }

    async fn update_profile(&mut self, profile: &Profile) -> Result<(), StoreError> {
        let r = profiles::Model::from_domain(profile);
        let savepoint = self.savepoint().await?;
        let result = profiles::Entity::update_many()
            .col_expr(profiles::Column::Name, Expr::value(r.name))
            .col_expr(profiles::Column::Permissions, Expr::value(r.permissions))
            .col_expr(profiles::Column::Builtin, Expr::value(r.builtin))
            .filter(profiles::Column::Id.eq(r.id))
            .filter(profiles::Column::PracticeId.eq(r.practice_id))
            .exec(&savepoint)
            .await;
        settle(savepoint, result).await.map_err(store_error)?;
        Ok(())
    }
}
