//! [`SessionRepository`] over `sessions`.

use super::{SeaUnitOfWork, one, row};
use crate::entity::{corrupt, permissions_from_json, sessions, stored_time};
use crate::error::store_error;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use identity_domain::ports::SessionRepository;
use identity_domain::{
    Ceremony, Grants, PracticeId, Session, SessionCheck, SessionId, StoreError, TokenHash, UserId, UserStatus,
};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, FromQueryResult, QueryFilter, Statement,
};

/// The session with a token hash, its user's status, its role's
/// permissions and bypass flag, and its profiles' permissions aggregated
/// into one JSON array (of arrays): one statement. Only the role and
/// profiles of the session's practice count. `{hash}` is the backend's
/// placeholder; `{profiles}` the backend's aggregate.
const CHECK_SQL: &str = "SELECT s.id AS id, s.practice_id AS practice_id, s.user_id AS user_id, \
     s.token_hash AS token_hash, s.created_at AS created_at, s.last_seen_at AS last_seen_at, \
     s.expires_at AS expires_at, s.password_change_only AS password_change_only, s.scope AS scope, \
     s.password_at AS password_at, s.ended_at AS ended_at, \
     u.status AS user_status, CAST(r.permissions AS TEXT) AS role_permissions, r.bypass AS role_bypass, \
     (SELECT {profiles} FROM user_profiles up \
        JOIN profiles p ON p.id = up.profile_id AND p.practice_id = u.practice_id \
        WHERE up.user_id = u.id) AS profile_permissions \
     FROM sessions s \
     JOIN users u ON u.id = s.user_id AND u.practice_id = s.practice_id \
     JOIN roles r ON r.id = u.role_id AND r.practice_id = u.practice_id \
     WHERE s.token_hash = {hash}";

/// Reads what checking the session with this token hash needs, in one
/// statement, on `db` (a transaction, or the pool outside any).
pub(crate) async fn check_session<C: ConnectionTrait>(
    db: &C,
    hash: &TokenHash,
) -> Result<Option<SessionCheck>, StoreError> {
    let backend = db.get_database_backend();
    let (placeholder, profiles) = match backend {
        DbBackend::Postgres => ("$1", "CAST(coalesce(jsonb_agg(p.permissions), '[]'::jsonb) AS TEXT)"),
        _ => ("?", "json_group_array(json(p.permissions))"),
    };
    let sql = CHECK_SQL.replace("{profiles}", profiles).replace("{hash}", placeholder);
    let statement = Statement::from_sql_and_values(backend, sql, [hash.as_bytes().to_vec().into()]);
    let Some(found) = db.query_one_raw(statement).await.map_err(store_error)? else {
        return Ok(None);
    };
    let session = sessions::Model::from_query_result(&found, "").map_err(store_error)?.into_domain()?;
    let status: String = found.try_get("", "user_status").map_err(store_error)?;
    let user_status = UserStatus::parse(&status).ok_or_else(|| corrupt("users", "status"))?;
    let json = |column: &str| -> Result<serde_json::Value, StoreError> {
        let text: String = found.try_get("", column).map_err(store_error)?;
        serde_json::from_str(&text).map_err(|_| corrupt("roles", "permissions"))
    };
    let mut permissions = permissions_from_json("roles", &json("role_permissions")?)?;
    let profile_sets = json("profile_permissions")?;
    for set in profile_sets.as_array().ok_or_else(|| corrupt("profiles", "permissions"))? {
        permissions = permissions.union(permissions_from_json("profiles", set)?);
    }
    let bypass: bool = found.try_get("", "role_bypass").map_err(store_error)?;
    Ok(Some(SessionCheck { session, user_status, grants: Grants { permissions, bypass } }))
}

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
            .col_expr(sessions::Column::Scope, Expr::value(r.scope))
            .col_expr(sessions::Column::PasswordAt, Expr::value(r.password_at))
            .col_expr(sessions::Column::EndedAt, Expr::value(r.ended_at))
            .filter(sessions::Column::Id.eq(r.id))
            .filter(sessions::Column::PracticeId.eq(r.practice_id))
            .exec(&self.txn)
            .await
            .map_err(store_error)?;
        Ok(())
    }

    async fn check(&mut self, hash: &TokenHash) -> Result<Option<SessionCheck>, StoreError> {
        check_session(&self.txn, hash).await
    }

    async fn touch(
        &mut self,
        practice: PracticeId,
        id: SessionId,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let touched = sessions::Entity::update_many()
            .col_expr(sessions::Column::LastSeenAt, Expr::value(stored_time(at)))
            .filter(sessions::Column::Id.eq(id.as_uuid()))
            .filter(sessions::Column::PracticeId.eq(practice.as_uuid()))
            .filter(sessions::Column::EndedAt.is_null())
            .exec(&self.txn)
            .await
            .map_err(store_error)?;
        Ok(touched.rows_affected > 0)
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

    async fn set_ceremony(
        &mut self,
        practice: PracticeId,
        id: SessionId,
        ceremony: &Ceremony,
    ) -> Result<(), StoreError> {
        let backend = self.txn.get_database_backend();
        let sql = match backend {
            DbBackend::Postgres => {
                "INSERT INTO session_ceremonies (session_id, practice_id, ceremony) \
                 SELECT id, practice_id, $3 FROM sessions WHERE id = $1 AND practice_id = $2 \
                 ON CONFLICT (session_id) DO UPDATE SET ceremony = excluded.ceremony"
            }
            _ => {
                "INSERT INTO session_ceremonies (session_id, practice_id, ceremony) \
                 SELECT id, practice_id, ?3 FROM sessions WHERE id = ?1 AND practice_id = ?2 \
                 ON CONFLICT (session_id) DO UPDATE SET ceremony = excluded.ceremony"
            }
        };
        let values = [id.as_uuid().into(), practice.as_uuid().into(), ceremony.encode().into()];
        self.txn
            .execute_raw(Statement::from_sql_and_values(backend, sql, values))
            .await
            .map_err(store_error)?;
        Ok(())
    }

    async fn take_ceremony(
        &mut self,
        practice: PracticeId,
        id: SessionId,
    ) -> Result<Option<Ceremony>, StoreError> {
        let backend = self.txn.get_database_backend();
        let sql = match backend {
            DbBackend::Postgres => {
                "DELETE FROM session_ceremonies WHERE session_id = $1 AND practice_id = $2 RETURNING ceremony"
            }
            _ => {
                "DELETE FROM session_ceremonies WHERE session_id = ?1 AND practice_id = ?2 RETURNING ceremony"
            }
        };
        let values = [id.as_uuid().into(), practice.as_uuid().into()];
        let found = self
            .txn
            .query_one_raw(Statement::from_sql_and_values(backend, sql, values))
            .await
            .map_err(store_error)?;
        let Some(found) = found else {
            return Ok(None);
        };
        let text: String = found.try_get("", "ceremony").map_err(store_error)?;
        Ceremony::decode(&text).map(Some).ok_or_else(|| corrupt("session_ceremonies", "ceremony"))
    }
}
