//! `user_sites`: which sites each user works at.

use sea_orm::entity::prelude::*;

/// A row of `user_sites`.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "user_sites")]
pub struct Model {
    /// The user.
    #[sea_orm(primary_key, auto_increment = false)]
    pub user_id: Uuid,
    /// One of their sites.
    #[sea_orm(primary_key, auto_increment = false)]
    pub site_id: Uuid,
}

impl ActiveModelBehavior for ActiveModel {}
