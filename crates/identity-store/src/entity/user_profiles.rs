//! `user_profiles`: which profiles each user holds.

use sea_orm::entity::prelude::*;

/// A row of `user_profiles`.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "user_profiles")]
pub struct Model {
    /// The user.
    #[sea_orm(primary_key, auto_increment = false)]
    pub user_id: Uuid,
    /// One of their profiles.
    #[sea_orm(primary_key, auto_increment = false)]
    pub profile_id: Uuid,
}

impl ActiveModelBehavior for ActiveModel {}
