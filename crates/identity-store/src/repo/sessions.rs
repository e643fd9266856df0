//! [`SessionRepository`] over `sessions`.

use super::{SeaUnitOfWork, one, row};
use crate::entity::sessions;
use crate::entity::stored_time;
use crate::error::store_error;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use identity_domain::ports::SessionRepository;
use identity_domain::{PracticeId, Session, SessionId, StoreError, TokenHash, UserId};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

#[async_trait]
impl SessionRepository for SeaUnitOfWork {
    async fn insert(&mut self, session: &Session) -> Result<(), StoreError> {
        sessions::Entity::insert(row(sessions::Model::from_domain(session)))
            .exec_without_returning(&self.txn)
            .await
            .map_err(store_error)?;
        Ok(())
    }

    async fn find_by_hash(&mut self, hash: &TokenHash) -> Result<Option<Session>, StoreError> {
        one(
            sessions::Entity::find().filter(sessions::Column::TokenHash.eq(hash.as_bytes().to_vec())),
            &self.txn,
        )
        .await
    }

    async fn get(&mut self, practice: PracticeId, id: SessionId) -> Result<Option<Session>, StoreError> {
        one(
            sessions::Entity::find_by_id(id.as_uuid())
                .filter(sessions::Column::PracticeId.eq(practice.as_uuid())),
            &self.txn,
        )
        .await
    }

    async fn update(&mut self, session: &Session) -> Result<(), StoreError> {
        let r = sessions::Model::from_domain(session);
        sessions::Entity::update_many()
            .col_expr(sessions::Column::LastSeenAt, Expr::value(r.last_seen_at))
            .col_expr(sessions::Column::ExpiresAt, Expr::value(r.expires_at))
            .col_expr(sessions::Column::PasswordChangeOnly, Expr::value(r.password_change_only))
            .col_expr(sessions::Column::EndedAt, Expr::value(r.ended_at))
            .filter(sessions::Column::Id.eq(r.id))
            .filter(sessions::Column::PracticeId.eq(r.practice_id))
            .exec(&self.txn)
            .await
            .map_err(store_error)?;
        Ok(())
    }

    async fn end_all_for_user(
        &mut self,
        practice: PracticeId,
        user: UserId,
        except: Option<SessionId>,
        at: DateTime<Utc>,
    ) -> Result<u64, StoreError> {
        let mut update = sessions::Entity::update_many()
            .col_expr(sessions::Column::EndedAt, Expr::value(stored_time(at)))
            .filter(sessions::Column::PracticeId.eq(practice.as_uuid()))
            .filter(sessions::Column::UserId.eq(user.as_uuid()))
            .filter(sessions::Column::EndedAt.is_null());
        if let Some(except) = except {
            update = update.filter(sessions::Column::Id.ne(except.as_uuid()));
        }
        Ok(update.exec(&self.txn).await.map_err(store_error)?.rows_affected)
    }
}
