//! `user_grams`: the short n-grams of each user's folded name and
//! normalised email (the domain's `listing::user_short_grams`), for
//! searches of one or two characters.

use identity_domain::listing::user_short_grams;
use sea_orm::entity::prelude::*;

/// A row of `user_grams`.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "user_grams")]
pub struct Model {
    /// The user's practice.
    #[sea_orm(primary_key, auto_increment = false)]
    pub practice_id: Uuid,
    /// One 1- or 2-character substring of the name key or the email.
    #[sea_orm(primary_key, auto_increment = false)]
    pub gram: String,
    /// The user.
    #[sea_orm(primary_key, auto_increment = false)]
    pub user_id: Uuid,
}

impl ActiveModelBehavior for ActiveModel {}

impl Model {
    /// The rows of a stored user's grams.
    pub fn of(user: &super::users::Model) -> Vec<Self> {
        user_short_grams(&user.name_key, &user.email_normalized)
            .into_iter()
            .map(|gram| Self { practice_id: user.practice_id, gram, user_id: user.id })
            .collect()
    }
}
