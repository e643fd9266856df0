//! [`FactorRepository`] over `user_factors` and `recovery_codes`. A TOTP
//! secret, and what the relying party keeps of a passkey, is sealed with
//! the server's key before it is written, with the factor's id as
//! associated data, so it cannot be moved to another row (nor a passkey's
//! public key swapped for one's own) and no database file or backup holds
//! a TOTP secret in clear.

use super::SeaUnitOfWork;
use crate::entity::{corrupt, parse, recovery_codes, stored_time, to_i64, user_factors};
use crate::error::store_error;
use crate::seal::OutboxKey;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use identity_domain::factor::TOTP_SECRET_BYTES;
use identity_domain::ports::FactorRepository;
use identity_domain::{
    CredentialId, Factor, FactorId, FactorKind, FactorName, PasskeyFactor, PracticeId, RecoveryCodeHash,
    StoreError, StoredPasskey, TotpFactor, TotpSecret, UserId,
};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect};

const TABLE: &str = "user_factors";

fn to_row(factor: &Factor, key: &OutboxKey) -> Result<user_factors::Model, StoreError> {
    let (plain, last_step, credential_id): (&[u8], _, _) = match &factor.kind {
        FactorKind::Totp(totp) => (totp.secret.expose_bytes(), totp.last_step.map(to_i64), None),
        FactorKind::Passkey(passkey) => {
            (passkey.credential.as_str().as_bytes(), None, Some(passkey.credential_id.as_bytes().to_vec()))
        }
    };
    let secret = key
        .seal(factor.id.as_uuid(), plain)
        .ok_or_else(|| StoreError::Internal("a second factor's secret could not be sealed".to_owned()))?;
    Ok(user_factors::Model {
        id: factor.id.as_uuid(),
        practice_id: factor.practice.as_uuid(),
        user_id: factor.user.as_uuid(),
        kind: factor.kind.name().to_owned(),
        name: factor.name.as_str().to_owned(),
        secret,
        confirmed: factor.confirmed,
        last_step,
        created_at: stored_time(factor.created_at),
        last_used_at: factor.last_used_at.map(stored_time),
        credential_id,
    })
}

fn unopened() -> StoreError {
    StoreError::Internal("a second factor's secret cannot be opened: was the server key changed?".to_owned())
}

fn from_row(row: user_factors::Model, key: &OutboxKey) -> Result<Factor, StoreError> {
    let plain = key.open(row.id, &row.secret).ok_or_else(unopened)?;
    let kind = match row.kind.as_str() {
        "totp" => {
            let bytes: [u8; TOTP_SECRET_BYTES] = plain.try_into().map_err(|_| unopened())?;
            let last_step = row
                .last_step
                .map(|s| u64::try_from(s).map_err(|_| corrupt(TABLE, "last_step")))
                .transpose()?;
            FactorKind::Totp(TotpFactor { secret: TotpSecret::from_bytes(bytes), last_step })
        }
        "passkey" => {
            let credential_id = row
                .credential_id
                .and_then(CredentialId::new)
                .ok_or_else(|| corrupt(TABLE, "credential_id"))?;
            let credential = String::from_utf8(plain).map_err(|_| unopened())?;
            FactorKind::Passkey(PasskeyFactor { credential_id, credential: StoredPasskey::new(credential) })
        }
        _ => return Err(corrupt(TABLE, "kind")),
    };
    Ok(Factor {
        id: FactorId::from_uuid(row.id),
        practice: PracticeId::from_uuid(row.practice_id),
        user: UserId::from_uuid(row.user_id),
        name: parse(TABLE, "name", &row.name, FactorName::parse)?,
        kind,
        confirmed: row.confirmed,
        created_at: row.created_at,
        last_used_at: row.last_used_at,
    })
}

fn of_user(practice: PracticeId, user: UserId) -> sea_orm::Select<user_factors::Entity> {
    user_factors::Entity::find()
        .filter(user_factors::Column::PracticeId.eq(practice.as_uuid()))
        .filter(user_factors::Column::UserId.eq(user.as_uuid()))
}

fn codes_of(practice: PracticeId, user: UserId) -> sea_orm::Select<recovery_codes::Entity> {
    recovery_codes::Entity::find()
        .filter(recovery_codes::Column::PracticeId.eq(practice.as_uuid()))
        .filter(recovery_codes::Column::UserId.eq(user.as_uuid()))
}

#[async_trait]
impl FactorRepository for SeaUnitOfWork {
    async fn list(&mut self, practice: PracticeId, user: UserId) -> Result<Vec<Factor>, StoreError> {
        let rows = of_user(practice, user)
            .order_by_asc(user_factors::Column::CreatedAt)
            .order_by_asc(user_factors::Column::Id)
            .all(&self.txn)
            .await
            .map_err(store_error)?;
        rows.into_iter().map(|row| from_row(row, &self.outbox_key)).collect()
    }

    async fn has_confirmed(&mut self, practice: PracticeId, user: UserId) -> Result<bool, StoreError> {
        let found = of_user(practice, user)
            .filter(user_factors::Column::Confirmed.eq(true))
            .select_only()
            .column(user_factors::Column::Id)
            .limit(1)
            .into_tuple::<uuid::Uuid>()
            .one(&self.txn)
            .await
            .map_err(store_error)?;
        Ok(found.is_some())
    }

    async fn insert(&mut self, factor: &Factor) -> Result<(), StoreError> {
        let row = to_row(factor, &self.outbox_key)?;
        user_factors::Entity::insert(super::row(row))
            .exec_without_returning(&self.txn)
            .await
            .map_err(store_error)?;
        Ok(())
    }

    async fn update(&mut self, factor: &Factor) -> Result<(), StoreError> {
        use user_factors::Column as C;
        user_factors::Entity::update_many()
            .col_expr(C::Name, Expr::value(factor.name.as_str().to_owned()))
            .col_expr(C::Confirmed, Expr::value(factor.confirmed))
            .col_expr(C::LastUsedAt, Expr::value(factor.last_used_at.map(stored_time)))
            .filter(C::Id.eq(factor.id.as_uuid()))
            .filter(C::PracticeId.eq(factor.practice.as_uuid()))
            .exec(&self.txn)
            .await
            .map_err(store_error)?;
        Ok(())
    }

    async fn advance_totp(
        &mut self,
        practice: PracticeId,
        id: FactorId,
        step: u64,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        use user_factors::Column as C;
        let step = to_i64(step);
        let done = user_factors::Entity::update_many()
            .col_expr(C::LastStep, Expr::value(step))
            .col_expr(C::LastUsedAt, Expr::value(stored_time(at)))
            .filter(C::Id.eq(id.as_uuid()))
            .filter(C::PracticeId.eq(practice.as_uuid()))
            .filter(Expr::col(C::LastStep).is_null().or(Expr::col(C::LastStep).lt(step)))
            .exec(&self.txn)
            .await
            .map_err(store_error)?;
        Ok(done.rows_affected == 1)
    }

    async fn save_passkey(
        &mut self,
        practice: PracticeId,
        id: FactorId,
        credential: &StoredPasskey,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        use user_factors::Column as C;
        let secret = self
            .outbox_key
            .seal(id.as_uuid(), credential.as_str().as_bytes())
            .ok_or_else(|| StoreError::Internal("a second factor's secret could not be sealed".to_owned()))?;
        user_factors::Entity::update_many()
            .col_expr(C::Secret, Expr::value(secret))
            .col_expr(C::LastUsedAt, Expr::value(stored_time(at)))
            .filter(C::Id.eq(id.as_uuid()))
            .filter(C::PracticeId.eq(practice.as_uuid()))
            .filter(C::Kind.eq("passkey"))
            .exec(&self.txn)
            .await
            .map_err(store_error)?;
        Ok(())
    }

    async fn remove(&mut self, practice: PracticeId, user: UserId, id: FactorId) -> Result<bool, StoreError> {
        use user_factors::Column as C;
        let done = user_factors::Entity::delete_many()
            .filter(C::Id.eq(id.as_uuid()))
            .filter(C::PracticeId.eq(practice.as_uuid()))
            .filter(C::UserId.eq(user.as_uuid()))
            .exec(&self.txn)
            .await
            .map_err(store_error)?;
        Ok(done.rows_affected == 1)
    }

    async fn remove_all(&mut self, practice: PracticeId, user: UserId) -> Result<u64, StoreError> {
        use user_factors::Column as C;
        let done = user_factors::Entity::delete_many()
            .filter(C::PracticeId.eq(practice.as_uuid()))
            .filter(C::UserId.eq(user.as_uuid()))
            .exec(&self.txn)
            .await
            .map_err(store_error)?;
        recovery_codes::Entity::delete_many()
            .filter(recovery_codes::Column::PracticeId.eq(practice.as_uuid()))
            .filter(recovery_codes::Column::UserId.eq(user.as_uuid()))
            .exec(&self.txn)
            .await
            .map_err(store_error)?;
        Ok(done.rows_affected)
    }

    async fn replace_recovery_codes(
        &mut self,
        practice: PracticeId,
        user: UserId,
        codes: &[RecoveryCodeHash],
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        recovery_codes::Entity::delete_many()
            .filter(recovery_codes::Column::PracticeId.eq(practice.as_uuid()))
            .filter(recovery_codes::Column::UserId.eq(user.as_uuid()))
            .exec(&self.txn)
            .await
            .map_err(store_error)?;
        if codes.is_empty() {
            return Ok(());
        }
        let rows = codes.iter().map(|code| {
            super::row(recovery_codes::Model {
                practice_id: practice.as_uuid(),
                user_id: user.as_uuid(),
                code_hash: code.as_bytes().to_vec(),
                created_at: stored_time(at),
                used_at: None,
            })
        });
        recovery_codes::Entity::insert_many(rows)
            .exec_without_returning(&self.txn)
            .await
            .map_err(store_error)?;
        Ok(())
    }

    async fn use_recovery_code(
        &mut self,
        practice: PracticeId,
        user: UserId,
        code: &RecoveryCodeHash,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        use recovery_codes::Column as C;
        let done = recovery_codes::Entity::update_many()
            .col_expr(C::UsedAt, Expr::value(Some(stored_time(at))))
            .filter(C::PracticeId.eq(practice.as_uuid()))
            .filter(C::UserId.eq(user.as_uuid()))
            .filter(C::CodeHash.eq(code.as_bytes().to_vec()))
            .filter(C::UsedAt.is_null())
            .exec(&self.txn)
            .await
            .map_err(store_error)?;
        Ok(done.rows_affected == 1)
    }

    async fn recovery_codes_left(&mut self, practice: PracticeId, user: UserId) -> Result<u32, StoreError> {
        let left = codes_of(practice, user)
            .filter(recovery_codes::Column::UsedAt.is_null())
            .count(&self.txn)
            .await
            .map_err(store_error)?;
        Ok(u32::try_from(left).unwrap_or(u32::MAX))
    }
}
