//! Users read with what belongs to them, in the statement that reads the
//! users: their profiles and sites (aggregated into one text each) and, for
//! the users list, their last sign-in (`credentials`) and their latest
//! invitation (`links`), as correlated subqueries on the primary key of
//! `credentials` and the `(practice_id, user_id)` index of `links`. A page
//! of the list is thus one statement however many rows it holds.

use super::SeaUnitOfWork;
use crate::entity::users;
use crate::error::store_error;
use chrono::{DateTime, Utc};
use identity_domain::{Invitation, ListedUser, ProfileId, SiteId, StoreError, User};
use sea_orm::sea_query::Expr;
use sea_orm::{ConnectionTrait, DbBackend, FromQueryResult, QueryResult, QuerySelect, QueryTrait, Select};
use std::collections::BTreeSet;
use uuid::Uuid;

/// The SQL of a user's profile ids (`user_profiles`) or site ids
/// (`user_sites`), aggregated into one comma-separated text (NULL when
/// none), for a select over `users`. SQLite keeps UUIDs as 16-byte blobs,
/// read back as hex.
fn memberships_sql(backend: DbBackend, table: &str, column: &str) -> String {
    let id = match backend {
        DbBackend::Postgres => format!("CAST({table}.{column} AS TEXT)"),
        _ => format!(
            "CASE WHEN typeof({table}.{column}) = 'blob' THEN hex({table}.{column}) ELSE {table}.{column} END"
        ),
    };
    let aggregate = match backend {
        DbBackend::Postgres => format!("string_agg({id}, ',')"),
        _ => format!("group_concat({id}, ',')"),
    };
    format!("(SELECT {aggregate} FROM {table} WHERE {table}.user_id = users.id)")
}

/// Reads an aggregate of [`memberships_sql`].
fn member_ids(found: &QueryResult, alias: &str) -> Result<Vec<Uuid>, StoreError> {
    let text: Option<String> = found.try_get("", alias).map_err(store_error)?;
    text.iter()
        .flat_map(|t| t.split(','))
        .filter(|id| !id.is_empty())
        .map(|id| Uuid::parse_str(id).map_err(|_| crate::entity::corrupt("users", alias)))
        .collect()
}

/// The user's last successful sign-in.
const LAST_SIGN_IN_SQL: &str =
    "(SELECT credentials.last_sign_in_at FROM credentials WHERE credentials.user_id = users.id)";

/// A column of the user's latest invitation link (issued last; ties by id).
fn invitation_sql(column: &str) -> String {
    format!(
        "(SELECT links.{column} FROM links WHERE links.practice_id = users.practice_id \
         AND links.user_id = users.id AND links.purpose = 'invitation' \
         ORDER BY links.created_at DESC, links.id DESC LIMIT 1)"
    )
}

/// The columns of the latest invitation read, with their aliases.
const INVITATION_COLUMNS: [(&str, &str); 4] = [
    ("created_at", "invitation_sent_at"),
    ("expires_at", "invitation_expires_at"),
    ("used_at", "invitation_accepted_at"),
    ("voided_at", "invitation_withdrawn_at"),
];

/// Whether to read the last sign-in and the latest invitation too.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Activity {
    /// Only the user, its profiles and sites.
    Skip,
    /// Also the last sign-in and the latest invitation (the users list).
    Read,
}

/// A stored user row with its profiles and sites, and what the list shows
/// beside it when it was read.
pub(super) struct Member {
    row: users::Model,
    profiles: BTreeSet<ProfileId>,
    sites: BTreeSet<SiteId>,
    last_sign_in_at: Option<DateTime<Utc>>,
    invitation: Option<Invitation>,
}

impl Member {
    /// The stored row.
    pub(super) fn row(&self) -> &users::Model {
        &self.row
    }

    /// The user.
    pub(super) fn into_domain(self) -> Result<User, StoreError> {
        self.row.into_domain(self.profiles, self.sites)
    }

    /// The row of the users list.
    pub(super) fn into_listed(self) -> Result<ListedUser, StoreError> {
        let last_sign_in_at = self.last_sign_in_at;
        let invitation = self.invitation;
        Ok(ListedUser { user: self.into_domain()?, last_sign_in_at, invitation })
    }
}

/// A time column of the select, by alias.
fn time(found: &QueryResult, alias: &str) -> Result<Option<DateTime<Utc>>, StoreError> {
    found.try_get("", alias).map_err(store_error)
}

/// The latest invitation of a row, when the user has one.
fn invitation(found: &QueryResult) -> Result<Option<Invitation>, StoreError> {
    let [sent, expires, accepted, withdrawn] = INVITATION_COLUMNS.map(|(_, alias)| alias);
    let (Some(sent_at), Some(expires_at)) = (time(found, sent)?, time(found, expires)?) else {
        return Ok(None);
    };
    Ok(Some(Invitation {
        sent_at,
        expires_at,
        accepted_at: time(found, accepted)?,
        withdrawn_at: time(found, withdrawn)?,
    }))
}

impl SeaUnitOfWork {
    /// The users `select` finds, in its order, each with its profiles and
    /// sites (and its `activity`) in the same statement (one round trip).
    pub(super) async fn members(
        &self,
        select: Select<users::Entity>,
        activity: Activity,
    ) -> Result<Vec<Member>, StoreError> {
        let backend = self.txn.get_database_backend();
        let mut select = select
            .expr_as(Expr::cust(memberships_sql(backend, "user_profiles", "profile_id")), "member_profiles")
            .expr_as(Expr::cust(memberships_sql(backend, "user_sites", "site_id")), "member_sites");
        if activity == Activity::Read {
            select = select.expr_as(Expr::cust(LAST_SIGN_IN_SQL), "last_sign_in_at");
            for (column, alias) in INVITATION_COLUMNS {
                select = select.expr_as(Expr::cust(invitation_sql(column)), alias);
            }
        }
        let found = self.txn.query_all(&QueryTrait::into_query(select)).await.map_err(store_error)?;
        found
            .iter()
            .map(|r| {
                let read = activity == Activity::Read;
                Ok(Member {
                    row: users::Model::from_query_result(r, "").map_err(store_error)?,
                    profiles: member_ids(r, "member_profiles")?
                        .into_iter()
                        .map(ProfileId::from_uuid)
                        .collect(),
                    sites: member_ids(r, "member_sites")?.into_iter().map(SiteId::from_uuid).collect(),
                    last_sign_in_at: if read { time(r, "last_sign_in_at")? } else { None },
                    invitation: if read { invitation(r)? } else { None },
                })
            })
            .collect()
    }

    /// The one user `select` finds, with its profiles and sites.
    pub(super) async fn member(&self, select: Select<users::Entity>) -> Result<Option<User>, StoreError> {
        let found = self.members(select.limit(1), Activity::Skip).await?.pop();
        if let Some(member) = &found {
            self.remember_user(super::users_read::ReadUser::of(&member.row, &member.profiles, &member.sites));
        }
        found.map(Member::into_domain).transpose()
    }
}
