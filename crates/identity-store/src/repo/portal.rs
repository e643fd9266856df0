//! [`PortalRepository`] over `portal_accounts`, `portal_email_history` and
//! `portal_sessions` (with the passkey ceremony each session waits on);
//! [`CasePartyRepository`] over `case_parties`.

use super::{SeaUnitOfWork, all, one, row, settle};
use crate::entity::{
    case_parties, corrupt, portal_accounts, portal_email_history, portal_sessions, stored_time,
};
use crate::error::store_error;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use identity_domain::ports::{CasePartyRepository, PortalRepository};
use identity_domain::{
    CaseId, CaseParty, Ceremony, Conflict, EmailAddress, PartyId, PortalAccount, PortalSession, PracticeId,
    SessionId, StoreError, TokenHash,
};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, QueryOrder, Statement};

#[async_trait]
impl PortalRepository for SeaUnitOfWork {
    async fn insert_account(&mut self, account: &PortalAccount) -> Result<(), StoreError> {
        // The key decides before the email index (which SQLite may check first).
        if self.get_account(account.practice, account.party).await?.is_some() {
            return Err(Conflict::Stale.into());
        }
        let savepoint = self.savepoint().await?;
        let result = portal_accounts::Entity::insert(row(portal_accounts::Model::from_domain(account)))
            .exec_without_returning(&savepoint)
            .await;
        settle(savepoint, result).await.map_err(store_error)?;
        Ok(())
    }

    async fn get_account(
        &mut self,
        practice: PracticeId,
        party: PartyId,
    ) -> Result<Option<PortalAccount>, StoreError> {
        one(
            portal_accounts::Entity::find_by_id(party.as_uuid())
                .filter(portal_accounts::Column::PracticeId.eq(practice.as_uuid())),
            &self.txn,
        )
        .await
    }

    async fn find_account_by_email(
        &mut self,
        practice: PracticeId,
        email: &EmailAddress,
    ) -> Result<Option<PortalAccount>, StoreError> {
        one(
            portal_accounts::Entity::find()
                .filter(portal_accounts::Column::PracticeId.eq(practice.as_uuid()))
                .filter(portal_accounts::Column::EmailNormalized.eq(email.normalized())),
            &self.txn,
        )
        .await
    }

    async fn update_account(&mut self, account: &PortalAccount) -> Result<(), StoreError> {
        use portal_accounts::Column as C;
        let r = portal_accounts::Model::from_domain(account);
        let savepoint = self.savepoint().await?;
        let result = portal_accounts::Entity::update_many()
            .col_expr(C::Email, Expr::value(r.email))
            .col_expr(C::EmailNormalized, Expr::value(r.email_normalized))
            .col_expr(C::Status, Expr::value(r.status))
            .col_expr(C::PasswordHash, Expr::value(r.password_hash))
            .col_expr(C::FailedAttempts, Expr::value(r.failed_attempts))
            .col_expr(C::LastFailureAt, Expr::value(r.last_failure_at))
            .col_expr(C::Locked, Expr::value(r.locked))
            .col_expr(C::TimeZone, Expr::value(r.time_zone))
            .col_expr(C::InvitedAt, Expr::value(r.invited_at))
            .col_expr(C::PasswordChangedAt, Expr::value(r.password_changed_at))
            .col_expr(C::LastSignInAt, Expr::value(r.last_sign_in_at))
            .col_expr(C::UpdatedAt, Expr::value(r.updated_at))
            .filter(C::PartyId.eq(r.party_id))
            .filter(C::PracticeId.eq(r.practice_id))
            .exec(&savepoint)
            .await;
        settle(savepoint, result).await.map_err(store_error)?;
        Ok(())
    }

    async fn email_holder(
        &mut self,
        practice: PracticeId,
        email: &EmailAddress,
    ) -> Result<Option<PartyId>, StoreError> {
        let found = portal_email_history::Entity::find()
            .filter(portal_email_history::Column::PracticeId.eq(practice.as_uuid()))
            .filter(portal_email_history::Column::NormalizedEmail.eq(email.normalized()))
            .one(&self.txn)
            .await
            .map_err(store_error)?;
        Ok(found.map(|r| PartyId::from_uuid(r.party_id)))
    }

    async fn reserve_email(
        &mut self,
        practice: PracticeId,
        email: &EmailAddress,
        party: PartyId,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        match self.email_holder(practice, email).await? {
            Some(holder) if holder == party => return Ok(()),
            Some(_) => return Err(Conflict::EmailTaken.into()),
            None => {}
        }
        let reservation = portal_email_history::Model::reservation(practice, email, party, at);
        let savepoint = self.savepoint().await?;
        let result =
            portal_email_history::Entity::insert(row(reservation)).exec_without_returning(&savepoint).await;
        settle(savepoint, result).await.map_err(store_error)?;
        Ok(())
    }

    async fn insert_session(&mut self, session: &PortalSession) -> Result<(), StoreError> {
        portal_sessions::Entity::insert(row(portal_sessions::Model::from_domain(session)))
            .exec_without_returning(&self.txn)
            .await
            .map_err(store_error)?;
        Ok(())
    }

    async fn find_session_by_hash(&mut self, hash: &TokenHash) -> Result<Option<PortalSession>, StoreError> {
        one(
            portal_sessions::Entity::find()
                .filter(portal_sessions::Column::TokenHash.eq(hash.as_bytes().to_vec())),
            &self.txn,
        )
        .await
    }

    async fn get_session(
        &mut self,
        practice: PracticeId,
        id: SessionId,
    ) -> Result<Option<PortalSession>, StoreError> {
        one(
            portal_sessions::Entity::find_by_id(id.as_uuid())
                .filter(portal_sessions::Column::PracticeId.eq(practice.as_uuid())),
            &self.txn,
        )
        .await
    }

    async fn update_session(&mut self, session: &PortalSession) -> Result<(), StoreError> {
        use portal_sessions::Column as C;
        let r = portal_sessions::Model::from_domain(session);
        portal_sessions::Entity::update_many()
            .col_expr(C::LastSeenAt, Expr::value(r.last_seen_at))
            .col_expr(C::ExpiresAt, Expr::value(r.expires_at))
            .col_expr(C::EndedAt, Expr::value(r.ended_at))
            .col_expr(C::Scope, Expr::value(r.scope))
            .col_expr(C::PasswordAt, Expr::value(r.password_at))
            .filter(C::Id.eq(r.id))
            .filter(C::PracticeId.eq(r.practice_id))
            .exec(&self.txn)
            .await
            .map_err(store_error)?;
        Ok(())
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
                "UPDATE portal_sessions SET ceremony = $3 WHERE id = $1 AND practice_id = $2"
            }
            _ => "UPDATE portal_sessions SET ceremony = ?3 WHERE id = ?1 AND practice_id = ?2",
        };
        let values = [id.as_uuid().into(), practice.as_uuid().into(), ceremony.encode().into()];
        self.txn
            .execute_raw(Statement::from_sql_and_values(backend, sql, values))
            .await
            .map_err(store_error)?;
        Ok(())
    }

    /// Reads the ceremony, then clears it only if it is still the one read:
    /// of two concurrent takers, the second's update finds it changed
    /// (PostgreSQL re-reads the row once the first commits; SQLite runs
    /// one writer at a time) and gets nothing.
    async fn take_ceremony(
        &mut self,
        practice: PracticeId,
        id: SessionId,
    ) -> Result<Option<Ceremony>, StoreError> {
        let backend = self.txn.get_database_backend();
        let (read, clear) = match backend {
            DbBackend::Postgres => (
                "SELECT ceremony FROM portal_sessions WHERE id = $1 AND practice_id = $2",
                "UPDATE portal_sessions SET ceremony = NULL WHERE id = $1 AND practice_id = $2 AND ceremony = $3",
            ),
            _ => (
                "SELECT ceremony FROM portal_sessions WHERE id = ?1 AND practice_id = ?2",
                "UPDATE portal_sessions SET ceremony = NULL WHERE id = ?1 AND practice_id = ?2 AND ceremony = ?3",
            ),
        };
        let key = [id.as_uuid().into(), practice.as_uuid().into()];
        let found = self
            .txn
            .query_one_raw(Statement::from_sql_and_values(backend, read, key))
            .await
            .map_err(store_error)?;
        let text: Option<String> = match found {
            Some(row) => row.try_get("", "ceremony").map_err(store_error)?,
            None => None,
        };
        let Some(text) = text else {
            return Ok(None);
        };
        let values = [id.as_uuid().into(), practice.as_uuid().into(), text.clone().into()];
        let done = self
            .txn
            .execute_raw(Statement::from_sql_and_values(backend, clear, values))
            .await
            .map_err(store_error)?;
        if done.rows_affected() != 1 {
            return Ok(None);
        }
        Ceremony::decode(&text).map(Some).ok_or_else(|| corrupt("portal_sessions", "ceremony"))
    }

    async fn end_sessions(
        &mut self,
        practice: PracticeId,
        party: PartyId,
        except: Option<SessionId>,
        at: DateTime<Utc>,
    ) -> Result<u64, StoreError> {
        use portal_sessions::Column as C;
        let mut update = portal_sessions::Entity::update_many()
            .col_expr(C::EndedAt, Expr::value(stored_time(at)))
            .filter(C::PracticeId.eq(practice.as_uuid()))
            .filter(C::PartyId.eq(party.as_uuid()))
            .filter(C::EndedAt.is_null());
        if let Some(except) = except {
            update = update.filter(C::Id.ne(except.as_uuid()));
        }
        Ok(update.exec(&self.txn).await.map_err(store_error)?.rows_affected)
    }
}

#[async_trait]
impl CasePartyRepository for SeaUnitOfWork {
    async fn add(&mut self, entry: &CaseParty) -> Result<(), StoreError> {
        let savepoint = self.savepoint().await?;
        let result = case_parties::Entity::insert(row(case_parties::Model::from_domain(entry)))
            .exec_without_returning(&savepoint)
            .await;
        settle(savepoint, result).await.map_err(store_error)?;
        Ok(())
    }

    async fn take_off(
        &mut self,
        practice: PracticeId,
        case: CaseId,
        party: PartyId,
    ) -> Result<bool, StoreError> {
        let deleted = case_parties::Entity::delete_many()
            .filter(case_parties::Column::PracticeId.eq(practice.as_uuid()))
            .filter(case_parties::Column::CaseId.eq(case.as_uuid()))
            .filter(case_parties::Column::PartyId.eq(party.as_uuid()))
            .exec(&self.txn)
            .await
            .map_err(store_error)?;
        Ok(deleted.rows_affected > 0)
    }

    async fn list_for_case(
        &mut self,
        practice: PracticeId,
        case: CaseId,
    ) -> Result<Vec<CaseParty>, StoreError> {
        all(
            case_parties::Entity::find()
                .filter(case_parties::Column::PracticeId.eq(practice.as_uuid()))
                .filter(case_parties::Column::CaseId.eq(case.as_uuid()))
                .order_by_asc(case_parties::Column::AddedAt)
                .order_by_asc(case_parties::Column::PartyId),
            &self.txn,
        )
        .await
    }

    async fn list_for_party(
        &mut self,
        practice: PracticeId,
        party: PartyId,
    ) -> Result<Vec<CaseParty>, StoreError> {
        all(
            case_parties::Entity::find()
                .filter(case_parties::Column::PracticeId.eq(practice.as_uuid()))
                .filter(case_parties::Column::PartyId.eq(party.as_uuid()))
                .order_by_asc(case_parties::Column::AddedAt)
                .order_by_asc(case_parties::Column::CaseId),
            &self.txn,
        )
        .await
    }
}
