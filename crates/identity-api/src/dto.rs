//! What travels over HTTP: request bodies (unknown fields refused, parsed
//! into validated domain types with every field at fault reported) and
//! response bodies. Domain types never derive HTTP or schema traits; these
//! do.

use crate::error::{ApiError, FieldProblem, ProblemKind};
use crate::extract::AppJson;
use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::{StatusCode, header};
use chrono::{DateTime, Utc};
use identity_domain::*;
use serde::de::DeserializeOwned;
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

    /// Parses a `PATCH` field that may be absent (unchanged) but not `null`:
    /// a value that cannot be cleared.
    pub fn required<R: ?Sized, T, E: Display>(
        &mut self,
        field: &str,
        raw: Option<Option<&R>>,
        parse: impl FnOnce(&R) -> Result<T, E>,
    ) -> Option<Option<T>> {
        match raw {
            None => Some(None),
            Some(None) => {
                self.fail(field, "cannot be cleared: leave it out to keep it");
                None
            }
            Some(Some(value)) => self.check(field, parse(value)).map(Some),
        }
    }

    /// Checks that `value` has `min` to `max` characters, as the document
    /// says of the field.
    pub fn length(&mut self, field: &str, value: Option<&str>, min: usize, max: usize) {
        let Some(value) = value else { return };
        let length = value.chars().count();
        if length < min {
            self.fail(field, format!("must have at least {min} characters"));
        } else if length > max {
            self.fail(field, format!("must have at most {max} characters"));
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

/// The body of an action whose options are all optional: a JSON object, or
/// no body at all (no `Content-Type`, nothing sent), which is the same as
/// `{}`. A body sent without `Content-Type: application/json` is 415.
#[derive(Debug, Clone, Copy, Default)]
pub struct OptionalJson<T>(pub T);

impl<T: DeserializeOwned + Default, S: Send + Sync> FromRequest<S> for OptionalJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        if req.headers().contains_key(header::CONTENT_TYPE) {
            let AppJson(value) = AppJson::<T>::from_request(req, state).await?;
            return Ok(Self(value));
        }
        match Bytes::from_request(req, state).await {
            Ok(bytes) if bytes.is_empty() => Ok(Self(T::default())),
            Ok(_) => Err(ApiError::new(
                ProblemKind::UnsupportedMediaType,
                "the body must be sent with Content-Type: application/json",
            )),
            Err(rejection) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => Err(ApiError::new(
                ProblemKind::BodyTooLarge,
                "the request body is larger than the server accepts",
            )),
            Err(rejection) => Err(ApiError::new(ProblemKind::UnreadableBody, rejection.body_text())),
        }
    }
}

/// The schema of a list of permission names: each one of the catalogue's.
pub fn permission_names_schema() -> utoipa::openapi::schema::Array {
    use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, Type};
    let names: Vec<&str> = Permission::ALL.iter().map(|p| p.as_str()).collect();
    ArrayBuilder::new().items(ObjectBuilder::new().schema_type(Type::String).enum_values(Some(names))).build()
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
    #[schema(schema_with = user_status_schema)]
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
/// chosen) or just the chosen columns. The `role` column gives the role's
/// id in `role` and its name in `role_name` (the name is what the CSV
/// download's `role` column holds); the `profiles` and `sites` columns give
/// ids (the download gives names).
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
    /// The role's name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role_name: Option<String>,
    /// The profiles' ids.
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
    /// The sites' ids.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sites: Option<Vec<Uuid>>,
    /// `invited`, `active` or `inactive`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(schema_with = user_status_schema)]
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
    /// The last successful sign-in (`null` when never; column
    /// `last_sign_in_at`).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<DateTime<Utc>>)]
    pub last_sign_in_at: Option<Option<DateTime<Utc>>>,
    /// The latest invitation to join (`null` when never invited; column
    /// `invitation`).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<InvitationView>)]
    pub invitation: Option<Option<InvitationView>>,
}

/// A user's latest invitation to join.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct InvitationView {
    /// When it was sent.
    pub sent_at: DateTime<Utc>,
    /// When its link stops working.
    pub expires_at: DateTime<Utc>,
    /// When it was accepted (`null` until then).
    pub accepted_at: Option<DateTime<Utc>>,
    /// When it was withdrawn: a newer invitation, a revocation or a
    /// deactivation (`null` when it was not).
    pub withdrawn_at: Option<DateTime<Utc>>,
    /// Where it stands now: `pending`, `accepted`, `expired` or `withdrawn`.
    #[schema(schema_with = invitation_state_schema)]
    pub state: String,
}

impl InvitationView {
    /// `invitation` as it stands at `now`.
    pub fn new(invitation: &Invitation, now: DateTime<Utc>) -> Self {
        Self {
            sent_at: invitation.sent_at,
            expires_at: invitation.expires_at,
            accepted_at: invitation.accepted_at,
            withdrawn_at: invitation.withdrawn_at,
            state: invitation.state(now).as_str().to_owned(),
        }
    }
}

impl UserListItem {
    /// `row`, whose user's role is named `role_name`, with the `columns`
    /// chosen, or whole when `None`; its invitation as it stands at `now`.
    pub fn new(row: ListedUser, role_name: &str, columns: Option<&ColumnChoice>, now: DateTime<Utc>) -> Self {
        let shown = |column: UserColumn| columns.is_none_or(|c| c.contains(column));
        let whole = columns.is_none();
        let invitation = row.invitation.as_ref().map(|i| InvitationView::new(i, now));
        let last_sign_in_at = row.last_sign_in_at;
        let user = UserView::from(row.user);
        Self {
            last_sign_in_at: shown(UserColumn::LastSignIn).then_some(last_sign_in_at),
            invitation: shown(UserColumn::Invitation).then_some(invitation),
            id: user.id,
            email: shown(UserColumn::Email).then_some(user.email),
            name: shown(UserColumn::Name).then_some(user.name),
            role: shown(UserColumn::Role).then_some(user.role),
            role_name: shown(UserColumn::Role).then(|| role_name.to_owned()),
            profiles: shown(UserColumn::Profiles).then_some(user.profiles),
            language: shown(UserColumn::Language).then_some(user.language),
            time_zone: shown(UserColumn::TimeZone).then_some(user.time_zone),
            phone: whole.then_some(user.phone),
            title: whole.then_some(user.title),
            notes: user.notes.filter(|_| whole),
            sites: shown(UserColumn::Sites).then_some(user.sites),
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

/// A page of the users list, the cursor of the next one, and how many
/// users match.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct UserPage {
    /// The rows.
    pub items: Vec<UserListItem>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
    /// How many users match the filters and search, on every page
    /// together (the same on each page of one listing).
    pub total: u64,
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
    #[schema(schema_with = case_status_schema)]
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

/// A string that is one of `values`.
fn one_of(values: Vec<String>) -> utoipa::openapi::schema::Object {
    use utoipa::openapi::schema::{ObjectBuilder, Type};
    ObjectBuilder::new().schema_type(Type::String).enum_values(Some(values)).build()
}

/// `limit`: rows per page, 1 to the largest page.
pub fn limit_schema() -> utoipa::openapi::schema::Object {
    use utoipa::openapi::schema::{ObjectBuilder, Type};
    ObjectBuilder::new()
        .schema_type(Type::Integer)
        .minimum(Some(1))
        .maximum(Some(listing::MAX_PAGE_SIZE))
        .build()
}

/// A column of the users list, to sort by.
pub fn column_schema() -> utoipa::openapi::schema::Object {
    one_of(UserColumn::SORTABLE.iter().map(|c| c.as_str().to_owned()).collect())
}

/// Where an invitation stands.
pub fn invitation_state_schema() -> utoipa::openapi::schema::Object {
    let states = [
        InvitationState::Pending,
        InvitationState::Accepted,
        InvitationState::Expired,
        InvitationState::Withdrawn,
    ];
    one_of(states.iter().map(|s| s.as_str().to_owned()).collect())
}

/// `asc` or `desc`.
pub fn direction_schema() -> utoipa::openapi::schema::Object {
    one_of(vec!["asc".to_owned(), "desc".to_owned()])
}

/// An audit action's name.
pub fn audit_action_schema() -> utoipa::openapi::schema::Object {
    one_of(AuditAction::ALL.iter().map(|a| a.as_str().to_owned()).collect())
}

/// The kinds of audit targets.
pub fn target_kind_schema() -> utoipa::openapi::schema::Object {
    one_of(["practice", "user", "role", "profile", "site", "party", "case"].map(str::to_owned).to_vec())
}

/// A delivery status of an email.
pub fn delivery_status_schema() -> utoipa::openapi::schema::Object {
    one_of(
        [DeliveryStatus::Pending, DeliveryStatus::Sent, DeliveryStatus::Failed]
            .iter()
            .map(|s| s.as_str().to_owned())
            .collect(),
    )
}

/// A case's status.
pub fn case_status_schema() -> utoipa::openapi::schema::Object {
    one_of([CaseStatus::Open, CaseStatus::Closed].iter().map(|s| s.as_str().to_owned()).collect())
}

/// A user's status.
pub fn user_status_schema() -> utoipa::openapi::schema::Object {
    one_of(
        [UserStatus::Invited, UserStatus::Active, UserStatus::Inactive]
            .iter()
            .map(|s| s.as_str().to_owned())
            .collect(),
    )
}

/// The kind of a party.
pub fn party_kind_schema() -> utoipa::openapi::schema::Object {
    one_of(
        [
            PartyKind::Student,
            PartyKind::Witness,
            PartyKind::Faculty,
            PartyKind::Staff,
            PartyKind::Client,
            PartyKind::Other,
        ]
        .iter()
        .map(|k| k.as_str().to_owned())
        .collect(),
    )
}

/// A party's part in a case.
pub fn case_part_schema() -> utoipa::openapi::schema::Object {
    one_of(CasePart::ALL.iter().map(|p| p.as_str().to_owned()).collect())
}

/// Where a party's portal access stands.
pub fn portal_access_schema() -> utoipa::openapi::schema::Object {
    one_of(["not_invited", "invited", "active", "inactive"].iter().map(|s| (*s).to_owned()).collect())
}
