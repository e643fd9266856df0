//! Bulk loading, for operations tooling (`xtask seed`): many users written
//! with multi-row INSERTs in one transaction, instead of one unit of work
//! per user.
//!
//! Every row a normal create writes for a user is written here too, built
//! by the same row mapping the repositories use: the email reservation
//! (`email_history`), the `users` row, its profile and site links, and the
//! credential. What a create does beyond storage — the audit entry, the
//! welcome or invitation email and its link — is the caller's choice.

use crate::entity::{credentials, email_history, roles, user_grams, user_profiles, user_sites, users};
use crate::error::store_error;
use crate::repo::row;
use crate::store::SeaStore;
use identity_domain::{Access, Credential, StoreError, User};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, DbBackend, EntityTrait,
    IntoActiveModel, Iterable, QueryFilter,
};
use std::collections::{BTreeMap, BTreeSet};
use uuid::Uuid;

/// Bound values per statement: below SQLite's limit (32,766) and
/// PostgreSQL's (65,535).
const VALUES_PER_STATEMENT: usize = 30_000;

/// A user to load, with their credential (an empty one for an invited
/// user, as a create writes).
#[derive(Debug, Clone)]
pub struct BulkUser {
    /// The user; its email is reserved from `created_at`.
    pub user: User,
    /// Its credential: same user and practice.
    pub credential: Credential,
}

impl SeaStore {
    /// Inserts `users` with every stored row a create writes for them, in
    /// one write transaction: all of them, or none.
    ///
    /// # Errors
    /// [`identity_domain::Conflict::EmailTaken`] when an email is or was held by a user of
    /// the practice (or appears twice in `users`);
    /// [`StoreError::Internal`] when a role does not exist in the user's
    /// practice or a credential belongs to another user;
    /// [`StoreError::Unavailable`] when the database fails.
    pub async fn insert_users_in_bulk(&self, users: &[BulkUser]) -> Result<(), StoreError> {
        if users.is_empty() {
            return Ok(());
        }
        if users.iter().any(|u| u.credential.user != u.user.id || u.credential.practice != u.user.practice) {
            return Err(StoreError::Internal("a credential belongs to another user".to_owned()));
        }
        let (txn, _turn) = self.transaction(Access::Write).await?;
        let role_names = role_names(&txn, users).await?;

        let mut user_rows = Vec::with_capacity(users.len());
        for u in users {
            let key = (u.user.practice.as_uuid(), u.user.role.as_uuid());
            let name = role_names
                .get(&key)
                .ok_or_else(|| StoreError::Internal("the user's role does not exist".to_owned()))?;
            user_rows.push(users::Model::from_domain(&u.user, name));
        }
        let gram_rows: Vec<user_grams::Model> = user_rows.iter().flat_map(user_grams::Model::of).collect();
        // Rows are built before the first await: the future stays `Send`.
        let reservations: Vec<email_history::Model> = users
            .iter()
            .map(|u| {
                email_history::Model::reservation(
                    u.user.practice,
                    &u.user.email,
                    u.user.id,
                    u.user.created_at,
                )
            })
            .collect();
        let mut profile_links = Vec::new();
        let mut site_links = Vec::new();
        for u in users {
            let user_id = u.user.id.as_uuid();
            profile_links.extend(
                u.user.profiles.iter().map(|p| user_profiles::Model { user_id, profile_id: p.as_uuid() }),
            );
            site_links
                .extend(u.user.sites.iter().map(|s| user_sites::Model { user_id, site_id: s.as_uuid() }));
        }
        let credential_rows: Vec<credentials::Model> =
            users.iter().map(|u| credentials::Model::from_domain(&u.credential)).collect();

        insert_all::<email_history::Entity, _>(&txn, reservations).await.map_err(store_error)?;
        insert_all::<users::Entity, _>(&txn, user_rows).await.map_err(store_error)?;
        insert_all::<user_grams::Entity, _>(&txn, gram_rows).await.map_err(store_error)?;
        insert_all::<user_profiles::Entity, _>(&txn, profile_links).await.map_err(store_error)?;
        insert_all::<user_sites::Entity, _>(&txn, site_links).await.map_err(store_error)?;
        insert_all::<credentials::Entity, _>(&txn, credential_rows).await.map_err(store_error)?;

        txn.commit().await.map_err(store_error)
    }

    /// Refreshes PostgreSQL's planner statistics of the tables a bulk load
    /// fills. Until autovacuum gets to them, PostgreSQL plans with the
    /// figures of the tables before the load: a keyset page over 100,000
    /// users read through a bitmap scan of half the table, a profile lookup
    /// by sequential scan. SQLite keeps no statistics unless asked, and this
    /// adapter never asks, so nothing is done there.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] when the database fails.
    pub async fn refresh_statistics(&self) -> Result<(), StoreError> {
        let db = self.connection();
        if db.get_database_backend() != DbBackend::Postgres {
            return Ok(());
        }
        db.execute_unprepared(
            "ANALYZE users, user_grams, email_history, user_profiles, user_sites, credentials",
        )
        .await
        .map_err(store_error)?;
        Ok(())
    }
}

/// The name of every role the users hold, by (practice, role).
async fn role_names(
    txn: &DatabaseTransaction,
    users: &[BulkUser],
) -> Result<BTreeMap<(Uuid, Uuid), String>, StoreError> {
    let wanted: BTreeSet<Uuid> = users.iter().map(|u| u.user.role.as_uuid()).collect();
    let found =
        roles::Entity::find().filter(roles::Column::Id.is_in(wanted)).all(txn).await.map_err(store_error)?;
    Ok(found.into_iter().map(|r| ((r.practice_id, r.id), r.name)).collect())
}

/// Inserts `models` in multi-row statements of at most
/// [`VALUES_PER_STATEMENT`] bound values.
async fn insert_all<E, M>(txn: &DatabaseTransaction, models: Vec<M>) -> Result<(), sea_orm::DbErr>
where
    E: EntityTrait,
    M: IntoActiveModel<E::ActiveModel>,
    E::ActiveModel: ActiveModelTrait<Entity = E> + Send,
{
    let per_statement = (VALUES_PER_STATEMENT / E::Column::iter().count().max(1)).max(1);
    let mut models = models.into_iter().peekable();
    while models.peek().is_some() {
        let chunk: Vec<E::ActiveModel> = models.by_ref().take(per_statement).map(row).collect();
        E::insert_many(chunk).exec_without_returning(txn).await?;
    }
    Ok(())
}
