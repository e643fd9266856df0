//! What travels over HTTP: request bodies (unknown fields refused, parsed
//! into validated domain types with every field at fault reported) and
//! response bodies. Domain types never derive HTTP or schema traits; these
//! do.

use crate::error::{ApiError, FieldProblem};
use chrono::{DateTime, Utc};
use identity_domain::*;
use serde::{Deserialize, Deserializer, Serialize};
use std::fmt::Display;
use uuid::Uuid;

/// Collects every field at fault before answering.
#[derive(Debug, Default)]
pub struct Fields {
    problems: Vec<FieldProblem>,
}

impl Fields {
    /// Parses one field; a failure is recorded and `None` returned.
    pub fn check<T, E: Display>(&mut self, field: &str, parsed: Result<T, E>) -> Option<T> {
        match parsed {
            Ok(value) => Some(value),
            Err(e) => {
                self.problems.push(FieldProblem { field: field.to_owned(), detail: e.to_string() });
                None
            }
        }
    }

    /// Parses an optional field.
    pub fn optional<T, E: Display>(
        &mut self,
        field: &str,
        raw: Option<&str>,
        parse: impl FnOnce(&str) -> Result<T, E>,
    ) -> Option<Option<T>> {
        match raw {
            None => Some(None),
            Some(text) => self.check(field, parse(text)).map(Some),
        }
    }

    /// Parses a field that may be absent (unchanged), null (cleared) or a value.
    pub fn patch<T, E: Display>(
        &mut self,
        field: &str,
        raw: Option<Option<&str>>,
        parse: impl FnOnce(&str) -> Result<T, E>,
    ) -> Option<Option<Option<T>>> {
        match raw {
            None => Some(None),
            Some(inner) => self.optional(field, inner, parse).map(Some),
        }
    }

    /// Records a problem found another way.
    pub fn fail(&mut self, field: &str, detail: impl Display) {
        self.problems.push(FieldProblem { field: field.to_owned(), detail: detail.to_string() });
    }

    /// The value built from the parsed fields, or every problem at once.
    ///
    /// # Errors
    /// A 422 listing every field at fault.
    pub fn finish<T>(self, built: Option<T>) -> Result<T, ApiError> {
        match built {
            Some(value) if self.problems.is_empty() => Ok(value),
            _ => Err(ApiError::validation(self.problems)),
        }
    }
}

/// Absent → `None`; `null` → `Some(None)`; a value → `Some(Some(v))`.
pub fn double_option<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

/// A user as the API shows it. `notes` appears only to callers allowed to
/// read admin-only notes.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct UserView {
    /// Id.
    pub id: Uuid,
    /// Sign-in email, as typed.
    pub email: String,
    /// Full name.
    pub name: String,
    /// The role's id.
    pub role: Uuid,
    /// The profiles' ids.
    pub profiles: Vec<Uuid>,
    /// BCP 47 language tag.
    pub language: String,
    /// IANA time zone.
    pub time_zone: String,
    /// Phone.
    pub phone: Option<String>,
    /// Job title.
    pub title: Option<String>,
    /// Admin-only notes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
    /// The sites' ids.
    pub sites: Vec<Uuid>,
    /// `invited`, `active` or `inactive`.
    pub status: String,
    /// Version, for `If-Match`.
    pub version: u64,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
}

impl From<User> for UserView {
    fn from(u: User) -> Self {
        Self {
            id: u.id.as_uuid(),
            email: u.email.as_str().to_owned(),
            name: u.name.as_str().to_owned(),
            role: u.role.as_uuid(),
            profiles: u.profiles.iter().map(ProfileId::as_uuid).collect(),
            language: u.language.as_str().to_owned(),
            time_zone: u.time_zone.name().to_owned(),
            phone: u.phone.map(String::from),
            title: u.title.map(String::from),
            notes: u.notes.map(String::from),
            sites: u.sites.iter().map(SiteId::as_uuid).collect(),
            status: u.status.as_str().to_owned(),
            version: u.version,
            created_at: u.created_at,
            updated_at: u.updated_at,
        }
    }
}

/// A row of the users list: its `id`, and either every field (no `columns`
/// chosen) or just the chosen columns. `role` is the role's id.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct UserListItem {
    /// Id.
    pub id: Uuid,
    /// Sign-in email, as typed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Full name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The role's id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<Uuid>,
    /// The profiles' ids (only without `columns`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub profiles: Option<Vec<Uuid>>,
    /// BCP 47 language tag.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    /// IANA time zone.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<String>,
    /// Phone (only without `columns`; `null` when none).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub phone: Option<Option<String>>,
    /// Job title (only without `columns`; `null` when none).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub title: Option<Option<String>>,
    /// Admin-only notes (only without `columns`, and only to callers allowed to read them).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
    /// The sites' ids (only without `columns`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sites: Option<Vec<Uuid>>,
    /// `invited`, `active` or `inactive`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// Version, for `If-Match` (only without `columns`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<u64>,
    /// Created.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_at: Option<DateTime<Utc>>,
    /// Last changed (only without `columns`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<DateTime<Utc>>,
}

impl UserListItem {
    /// `user` with the `columns` chosen, or whole when `None`.
    pub fn new(user: UserView, columns: Option<&ColumnChoice>) -> Self {
        let shown = |column: UserColumn| columns.is_none_or(|c| c.contains(column));
        let whole = columns.is_none();
        Self {
            id: user.id,
            email: shown(UserColumn::Email).then_some(user.email),
            name: shown(UserColumn::Name).then_some(user.name),
            role: shown(UserColumn::Role).then_some(user.role),
            profiles: whole.then_some(user.profiles),
            language: shown(UserColumn::Language).then_some(user.language),
            time_zone: shown(UserColumn::TimeZone).then_some(user.time_zone),
            phone: whole.then_some(user.phone),
            title: whole.then_some(user.title),
            notes: user.notes.filter(|_| whole),
            sites: whole.then_some(user.sites),
            status: shown(UserColumn::Status).then_some(user.status),
            version: whole.then_some(user.version),
            created_at: shown(UserColumn::CreatedAt).then_some(user.created_at),
            updated_at: whole.then_some(user.updated_at),
        }
    }
}

/// A page of results and the cursor of the next one.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PageOf<T> {
    /// The rows.
    pub items: Vec<T>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// Parses a list of ids.
pub fn ids<T: From<Uuid> + Ord>(raw: &[Uuid]) -> std::collections::BTreeSet<T> {
    raw.iter().copied().map(T::from).collect()
}

/// A case and its owner.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CaseView {
    /// Id.
    pub id: Uuid,
    /// Title or file reference.
    pub title: String,
    /// `open` or `closed`.
    pub status: String,
    /// The owner's id.
    pub owner: Uuid,
    /// Opened.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
}

impl From<Case> for CaseView {
    fn from(c: Case) -> Self {
        Self {
            id: c.id.as_uuid(),
            title: c.title.to_string(),
            status: c.status.as_str().to_owned(),
            owner: c.owner.as_uuid(),
            created_at: c.created_at,
            updated_at: c.updated_at,
        }
    }
}

/// Parses dotted permission names (`users.read`); each unknown name is
/// recorded against `field`.
pub fn permissions(f: &mut Fields, field: &str, names: &[String]) -> Option<PermissionSet> {
    let parsed: Vec<Option<Permission>> =
        names.iter().map(|name| f.check(field, name.parse::<Permission>())).collect();
    parsed.into_iter().collect()
}

/// Dotted permission names, in catalogue order.
pub fn permission_names(set: PermissionSet) -> Vec<String> {
    set.iter().map(|p| p.as_str().to_owned()).collect()
}
