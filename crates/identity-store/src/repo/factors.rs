//! [`FactorRepository`] over `user_factors` and `recovery_codes` for a
//! user's factors, and over `portal_factors` and `portal_recovery_codes`
//! for a party's: the two pairs of tables have the same columns but the
//! holder's (`user_id` or `party_id`), so one set of statements serves
//! both, its tables picked by the holder. A TOTP secret, and what the
//! relying party keeps of a passkey, is sealed with the server's key
//! before it is written, with the factor's id as associated data, so it
//! cannot be moved to another row (nor a passkey's public key swapped for
//! one's own) and no database file or backup holds a TOTP secret in clear.

use super::SeaUnitOfWork;
use crate::entity::{corrupt, parse, stored_time, to_i64, user_factors};
use crate::error::store_error;
use crate::seal::OutboxKey;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use identity_domain::factor::TOTP_SECRET_BYTES;
use identity_domain::ports::FactorRepository;
use identity_domain::{
    CredentialId, Factor, FactorHolder, FactorId, FactorKind, FactorName, PartyId, PasskeyFactor, PracticeId,
    RecoveryCodeHash, StoreError, StoredPasskey, TotpFactor, TotpSecret, UserId,
};
use sea_orm::sea_query::{Alias, Asterisk, Expr, ExprTrait, Order, Query, SelectStatement};
use sea_orm::{ConnectionTrait, FromQueryResult};

const TABLE: &str = "user_factors";

/// Where a holder's factors and recovery codes are kept.
struct Tables {
    factors: &'static str,
    codes: &'static str,
    holder: &'static str,
}

const USERS: Tables = Tables { factors: "user_factors", codes: "recovery_codes", holder: "user_id" };
const PARTIES: Tables =
    Tables { factors: "portal_factors", codes: "portal_recovery_codes", holder: "party_id" };

fn tables(holder: FactorHolder) -> &'static Tables {
    match holder {
        FactorHolder::User(_) => &USERS,
        FactorHolder::Party(_) => &PARTIES,
    }
}

fn name(name: &str) -> Alias {
    Alias::new(name)
}

fn col(column: &str) -> Expr {
    Expr::col(name(column))
}

/// The columns of a factors table, the holder's read as `user_id` (what
/// [`user_factors::Model`] calls it).
const FACTOR_COLUMNS: [&str; 10] = [
    "id",
    "practice_id",
    "kind",
    "name",
    "secret",
    "confirmed",
    "last_step",
    "created_at",
    "last_used_at",
    "credential_id",
];

/// Every factor row of a holder.
fn factors_of(practice: PracticeId, holder: FactorHolder) -> SelectStatement {
    let t = tables(holder);
    Query::select()
        .columns(FACTOR_COLUMNS.map(name))
        .expr_as(col(t.holder), name("user_id"))
        .from(name(t.factors))
        .and_where(col("practice_id").eq(practice.as_uuid()))
        .and_where(col(t.holder).eq(holder.as_uuid()))
        .to_owned()
}

/// The conditions that pick a holder's recovery codes.
fn codes_of(practice: PracticeId, holder: FactorHolder) -> [Expr; 2] {
    [col("practice_id").eq(practice.as_uuid()), col(tables(holder).holder).eq(holder.as_uuid())]
}

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
        user_id: factor.holder.as_uuid(),
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

fn from_row(row: user_factors::Model, holder: FactorHolder, key: &OutboxKey) -> Result<Factor, StoreError> {
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
        holder: match holder {
            FactorHolder::User(_) => FactorHolder::User(UserId::from_uuid(row.user_id)),
            FactorHolder::Party(_) => FactorHolder::Party(PartyId::from_uuid(row.user_id)),
        },
        name: parse(TABLE, "name", &row.name, FactorName::parse)?,
        kind,
        confirmed: row.confirmed,
        created_at: row.created_at,
        last_used_at: row.last_used_at,
    })
}

#[async_trait]
impl FactorRepository for SeaUnitOfWork {
    async fn list(&mut self, practice: PracticeId, holder: FactorHolder) -> Result<Vec<Factor>, StoreError> {
        let select = factors_of(practice, holder)
            .order_by(name("created_at"), Order::Asc)
            .order_by(name("id"), Order::Asc)
            .to_owned();
        let rows = self.txn.query_all(&select).await.map_err(store_error)?;
        rows.iter()
            .map(|row| {
                let row = user_factors::Model::from_query_result(row, "").map_err(store_error)?;
                from_row(row, holder, &self.outbox_key)
            })
            .collect()
    }

    async fn has_confirmed(
        &mut self,
        practice: PracticeId,
        holder: FactorHolder,
    ) -> Result<bool, StoreError> {
        let t = tables(holder);
        let select = Query::select()
            .column(name("id"))
            .from(name(t.factors))
            .and_where(col("practice_id").eq(practice.as_uuid()))
            .and_where(col(t.holder).eq(holder.as_uuid()))
            .and_where(col("confirmed").eq(true))
            .limit(1)
            .to_owned();
        Ok(self.txn.query_one(&select).await.map_err(store_error)?.is_some())
    }

    async fn insert(&mut self, factor: &Factor) -> Result<(), StoreError> {
        let t = tables(factor.holder);
        let row = to_row(factor, &self.outbox_key)?;
        let columns = FACTOR_COLUMNS.iter().chain([&t.holder]).map(|c| name(c));
        let insert = Query::insert()
            .into_table(name(t.factors))
            .columns(columns)
            .values_panic([
                Expr::val(row.id),
                Expr::val(row.practice_id),
                Expr::val(row.kind),
                Expr::val(row.name),
                Expr::val(row.secret),
                Expr::val(row.confirmed),
                Expr::val(row.last_step),
                Expr::val(row.created_at),
                Expr::val(row.last_used_at),
                Expr::val(row.credential_id),
                Expr::val(row.user_id),
            ])
            .to_owned();
        self.txn.execute(&insert).await.map_err(store_error)?;
        Ok(())
    }

    async fn update(&mut self, factor: &Factor) -> Result<(), StoreError> {
        let update = Query::update()
            .table(name(tables(factor.holder).factors))
            .value(name("name"), factor.name.as_str())
            .value(name("confirmed"), factor.confirmed)
            .value(name("last_used_at"), factor.last_used_at.map(stored_time))
            .and_where(col("id").eq(factor.id.as_uuid()))
            .and_where(col("practice_id").eq(factor.practice.as_uuid()))
            .to_owned();
        self.txn.execute(&update).await.map_err(store_error)?;
        Ok(())
    }

    async fn advance_totp(
        &mut self,
        practice: PracticeId,
        holder: FactorHolder,
        id: FactorId,
        step: u64,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let step = to_i64(step);
        let update = Query::update()
            .table(name(tables(holder).factors))
            .value(name("last_step"), step)
            .value(name("last_used_at"), stored_time(at))
            .and_where(col("id").eq(id.as_uuid()))
            .and_where(col("practice_id").eq(practice.as_uuid()))
            .and_where(col(tables(holder).holder).eq(holder.as_uuid()))
            .and_where(col("last_step").is_null().or(col("last_step").lt(step)))
            .to_owned();
        Ok(self.txn.execute(&update).await.map_err(store_error)?.rows_affected() == 1)
    }

    async fn save_passkey(
        &mut self,
        practice: PracticeId,
        holder: FactorHolder,
        id: FactorId,
        credential: &StoredPasskey,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let secret = self
            .outbox_key
            .seal(id.as_uuid(), credential.as_str().as_bytes())
            .ok_or_else(|| StoreError::Internal("a second factor's secret could not be sealed".to_owned()))?;
        let update = Query::update()
            .table(name(tables(holder).factors))
            .value(name("secret"), secret)
            .value(name("last_used_at"), stored_time(at))
            .and_where(col("id").eq(id.as_uuid()))
            .and_where(col("practice_id").eq(practice.as_uuid()))
            .and_where(col(tables(holder).holder).eq(holder.as_uuid()))
            .and_where(col("kind").eq("passkey"))
            .to_owned();
        self.txn.execute(&update).await.map_err(store_error)?;
        Ok(())
    }

    async fn remove(
        &mut self,
        practice: PracticeId,
        holder: FactorHolder,
        id: FactorId,
    ) -> Result<bool, StoreError> {
        let t = tables(holder);
        let delete = Query::delete()
            .from_table(name(t.factors))
            .and_where(col("id").eq(id.as_uuid()))
            .and_where(col("practice_id").eq(practice.as_uuid()))
            .and_where(col(t.holder).eq(holder.as_uuid()))
            .to_owned();
        Ok(self.txn.execute(&delete).await.map_err(store_error)?.rows_affected() == 1)
    }

    async fn remove_all(&mut self, practice: PracticeId, holder: FactorHolder) -> Result<u64, StoreError> {
        let t = tables(holder);
        let factors = Query::delete()
            .from_table(name(t.factors))
            .and_where(col("practice_id").eq(practice.as_uuid()))
            .and_where(col(t.holder).eq(holder.as_uuid()))
            .to_owned();
        let removed = self.txn.execute(&factors).await.map_err(store_error)?.rows_affected();
        let [in_practice, of_holder] = codes_of(practice, holder);
        let codes =
            Query::delete().from_table(name(t.codes)).and_where(in_practice).and_where(of_holder).to_owned();
        self.txn.execute(&codes).await.map_err(store_error)?;
        Ok(removed)
    }

    async fn replace_recovery_codes(
        &mut self,
        practice: PracticeId,
        holder: FactorHolder,
        codes: &[RecoveryCodeHash],
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let t = tables(holder);
        let [in_practice, of_holder] = codes_of(practice, holder);
        let delete =
            Query::delete().from_table(name(t.codes)).and_where(in_practice).and_where(of_holder).to_owned();
        self.txn.execute(&delete).await.map_err(store_error)?;
        if codes.is_empty() {
            return Ok(());
        }
        let mut insert = Query::insert()
            .into_table(name(t.codes))
            .columns([
                name("practice_id"),
                name(t.holder),
                name("code_hash"),
                name("created_at"),
                name("used_at"),
            ])
            .to_owned();
        for code in codes {
            insert.values_panic([
                Expr::val(practice.as_uuid()),
                Expr::val(holder.as_uuid()),
                Expr::val(code.as_bytes().to_vec()),
                Expr::val(stored_time(at)),
                Expr::val(None::<DateTime<Utc>>),
            ]);
        }
        self.txn.execute(&insert).await.map_err(store_error)?;
        Ok(())
    }

    async fn use_recovery_code(
        &mut self,
        practice: PracticeId,
        holder: FactorHolder,
        code: &RecoveryCodeHash,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let [in_practice, of_holder] = codes_of(practice, holder);
        let update = Query::update()
            .table(name(tables(holder).codes))
            .value(name("used_at"), Some(stored_time(at)))
            .and_where(in_practice)
            .and_where(of_holder)
            .and_where(col("code_hash").eq(code.as_bytes().to_vec()))
            .and_where(col("used_at").is_null())
            .to_owned();
        Ok(self.txn.execute(&update).await.map_err(store_error)?.rows_affected() == 1)
    }

    async fn recovery_codes_left(
        &mut self,
        practice: PracticeId,
        holder: FactorHolder,
    ) -> Result<u32, StoreError> {
        let [in_practice, of_holder] = codes_of(practice, holder);
        let select = Query::select()
            .expr_as(Expr::col(Asterisk).count(), name("left"))
            .from(name(tables(holder).codes))
            .and_where(in_practice)
            .and_where(of_holder)
            .and_where(col("used_at").is_null())
            .to_owned();
        let left: i64 = match self.txn.query_one(&select).await.map_err(store_error)? {
            Some(row) => row.try_get("", "left").map_err(store_error)?,
            None => 0,
        };
        Ok(u32::try_from(left).unwrap_or(u32::MAX))
    }
}
