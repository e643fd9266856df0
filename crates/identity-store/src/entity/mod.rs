//! The tables, as SeaORM entities, and the mapping between their rows and
//! the domain's types. Written by hand to match `migrations`; rows never
//! leave this crate.

pub mod audit_log;
pub mod case_parties;
pub mod cases;
pub mod credentials;
pub mod email_history;
pub mod links;
pub mod outbox;
pub mod parties;
pub mod portal_accounts;
pub mod portal_email_history;
pub mod portal_sessions;
pub mod practices;
pub mod profiles;
pub mod roles;
pub mod sessions;
pub mod sites;
pub mod user_factors;
pub mod user_grams;
pub mod user_profiles;
pub mod user_sites;
pub mod users;

use chrono::{DateTime, SubsecRound, Utc};
use identity_domain::{
    AuditEntry, Case, CaseParty, Credential, Link, OutboxEmail, Party, PortalAccount, PortalSession,
    Practice, Profile, Role, Session, Site,
};
use identity_domain::{Permission, PermissionSet, StoreError};

/// A stored value the domain refuses: the database holds something no
/// version of this adapter wrote ([`StoreError::Internal`]: reading it
/// again cannot help).
pub(crate) fn corrupt(table: &str, column: &str) -> StoreError {
    StoreError::Internal(format!("unreadable value in {table}.{column}"))
}

/// Parses a stored value with a domain parser.
pub(crate) fn parse<T, E>(
    table: &str,
    column: &str,
    value: &str,
    parser: impl Fn(&str) -> Result<T, E>,
) -> Result<T, StoreError> {
    parser(value).map_err(|_| corrupt(table, column))
}

/// Parses an optional stored value with a domain parser.
pub(crate) fn parse_opt<T, E>(
    table: &str,
    column: &str,
    value: Option<&str>,
    parser: impl Fn(&str) -> Result<T, E>,
) -> Result<Option<T>, StoreError> {
    value.map(|v| parse(table, column, v, parser)).transpose()
}

/// Times are stored to the microsecond (PostgreSQL's precision), on both
/// backends alike.
pub(crate) fn stored_time(t: DateTime<Utc>) -> DateTime<Utc> {
    t.trunc_subsecs(6)
}

/// A permission set as stored: a JSON array of dotted names, so that the
/// catalogue's order can change without touching stored roles.
pub(crate) fn permissions_json(set: PermissionSet) -> serde_json::Value {
    serde_json::Value::Array(set.iter().map(|p| serde_json::Value::String(p.as_str().to_owned())).collect())
}

/// Reads a stored permission set. Names no longer in the catalogue are
/// dropped: a retired permission grants nothing.
pub(crate) fn permissions_from_json(
    table: &str,
    value: &serde_json::Value,
) -> Result<PermissionSet, StoreError> {
    let names = value.as_array().ok_or_else(|| corrupt(table, "permissions"))?;
    Ok(names.iter().filter_map(|n| n.as_str()).filter_map(|n| n.parse::<Permission>().ok()).collect())
}

/// A non-negative count or version as stored (SQL has no unsigned 64-bit).
pub(crate) fn to_i64(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

/// A stored count or version back as unsigned.
pub(crate) fn to_u64(table: &str, column: &str, value: i64) -> Result<u64, StoreError> {
    u64::try_from(value).map_err(|_| corrupt(table, column))
}

/// A stored small count back as `u32`.
pub(crate) fn to_u32(table: &str, column: &str, value: i64) -> Result<u32, StoreError> {
    u32::try_from(value).map_err(|_| corrupt(table, column))
}

/// A stored row that reads back as one domain record.
pub(crate) trait Row {
    /// The domain record.
    type Domain;
    /// Reads the record.
    ///
    /// # Errors
    /// [`StoreError::Internal`] when a stored value is unreadable.
    fn read(self) -> Result<Self::Domain, StoreError>;
}

macro_rules! rows {
    ($($table:ident => $domain:ty),* $(,)?) => {
        $(
            impl Row for $table::Model {
                type Domain = $domain;
                fn read(self) -> Result<$domain, StoreError> {
                    self.into_domain()
                }
            }
        )*
    };
}

rows! {
    audit_log => AuditEntry,
    case_parties => CaseParty,
    cases => Case,
    credentials => Credential,
    links => Link,
    outbox => OutboxEmail,
    parties => Party,
    portal_accounts => PortalAccount,
    portal_sessions => PortalSession,
    practices => Practice,
    profiles => Profile,
    roles => Role,
    sessions => Session,
    sites => Site,
}
