//! Users: create (with a password or by invitation), list, read, edit,
//! change email, role and profiles, deactivate (optionally reassigning open
//! cases), reactivate, the three password resets, sign out everywhere,
//! invitations, assigned cases and bulk reassign.

use crate::ApiState;
use crate::dto::{CaseView, Fields, OptionalJson, PageOf, UserListItem, UserView, double_option, ids};
use crate::error::{Answers, ApiError};
use crate::extract::{AppJson, AppPath, AppQuery, Authenticated};
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::IntoResponse;
use chrono::{DateTime, Utc};
use identity_domain::*;
use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

pub fn routes() -> OpenApiRouter<ApiState> {
    OpenApiRouter::new()
        .routes(routes!(list_users, create_user))
        .routes(routes!(export_users))
        .routes(routes!(get_user, update_user))
        .routes(routes!(change_email))
        .routes(routes!(email_history))
        .routes(routes!(set_access))
        .routes(routes!(deactivate))
        .routes(routes!(reactivate))
        .routes(routes!(reset_password))
        .routes(routes!(sign_out_everywhere))
        .routes(routes!(resend_invitation, revoke_invitation))
        .routes(routes!(user_cases))
        .routes(routes!(reassign_cases))
}

fn user_id(id: Uuid) -> UserId {
    UserId::from_uuid(id)
}

/// How a new user gets in. Every mode refuses fields it does not name
/// (the modes without fields are empty struct variants: serde lets a unit
/// variant of a tagged enum take any field). Its `Debug` never shows the
/// password.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(tag = "mode", rename_all = "snake_case", deny_unknown_fields)]
pub enum CredentialBody {
    /// The system generates a one-time password, returned once.
    Generate {},
    /// The admin types a one-time password.
    Password {
        /// The password.
        #[schema(value_type = String, format = Password, min_length = 1, max_length = 128)]
        password: SecretString,
    },
    /// An invitation email with a join link.
    Invite {},
}

/// A user to create.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateUserBody {
    /// Sign-in email, unique in the practice for ever.
    #[schema(min_length = 3, max_length = 254)]
    pub email: String,
    /// Full name.
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    /// The role's id.
    pub role: Uuid,
    /// Extra profiles' ids.
    #[serde(default)]
    pub profiles: Vec<Uuid>,
    /// BCP 47 language tag.
    #[schema(min_length = 1, max_length = 64)]
    pub language: String,
    /// IANA time zone.
    #[schema(min_length = 1, max_length = 64)]
    pub time_zone: String,
    /// Phone.
    #[schema(min_length = 4, max_length = 40)]
    pub phone: Option<String>,
    /// Job title.
    #[schema(min_length = 1, max_length = 200)]
    pub title: Option<String>,
    /// Admin-only notes (needs `users.notes`).
    #[schema(min_length = 1, max_length = 5000)]
    pub notes: Option<String>,
    /// Sites' ids.
    #[serde(default)]
    pub sites: Vec<Uuid>,
    /// Password or invitation.
    pub credential: CredentialBody,
}

impl CreateUserBody {
    fn into_domain(self) -> Result<NewUser, ApiError> {
        let mut f = Fields::default();
        let email = f.check("email", EmailAddress::parse(&self.email));
        let name = f.check("name", PersonName::parse(&self.name));
        let language = f.check("language", Language::parse(&self.language));
        let time_zone = f.check("time_zone", TimeZone::parse(&self.time_zone));
        let phone = f.optional("phone", self.phone.as_deref(), Phone::parse);
        let title = f.optional("title", self.title.as_deref(), Label::parse);
        let notes = f.optional("notes", self.notes.as_deref(), Note::parse);
        let credential = match self.credential {
            CredentialBody::Generate {} => InitialCredential::GeneratePassword,
            CredentialBody::Password { password } => InitialCredential::SetPassword(password),
            CredentialBody::Invite {} => InitialCredential::Invite,
        };
        let built = (|| {
            Some(NewUser {
                email: email?,
                name: name?,
                role: RoleId::from_uuid(self.role),
                profiles: ids(&self.profiles),
                language: language?,
                time_zone: time_zone?,
                phone: phone?,
                title: title?,
                notes: notes?,
                sites: ids(&self.sites),
                credential,
            })
        })();
        f.finish(built)
    }
}

/// A user just created.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedUserView {
    /// The user.
    pub user: UserView,
    /// The generated one-time password, shown this once (mode `generate`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub generated_password: Option<String>,
}

fn etag(version: u64) -> HeaderValue {
    HeaderValue::from_str(&format!("\"{version}\"")).unwrap_or_else(|_| HeaderValue::from_static("\"0\""))
}

/// The version in `If-Match`, if any (`*` matches any version).
fn if_match(headers: &HeaderMap) -> Result<Option<u64>, ApiError> {
    let Some(value) = headers.get(header::IF_MATCH) else { return Ok(None) };
    let text = value.to_str().unwrap_or_default().trim();
    if text == "*" {
        return Ok(None);
    }
    text.trim_start_matches("W/").trim_matches('"').parse().map(Some).map_err(|_| {
        ApiError::new(
            crate::error::ProblemKind::InvalidIfMatch,
            "If-Match must be an ETag from a read of this user",
        )
    })
}

fn with_etag(user: User) -> impl IntoResponse {
    let tag = etag(user.version);
    ([(header::ETAG, tag)], AppJson(UserView::from(user)))
}

/// Creates a user: with a one-time password (generated or typed; a welcome
/// email is queued) or by invitation (status `invited`; an email with a
/// single-use join link is queued).
#[utoipa::path(post, path = "/users", tag = "users", security(("bearer" = [])), request_body = CreateUserBody,
    responses(
        (status = 201, description = "Created", body = CreatedUserView),
        Answers<CreateUserError>,
    ))]
async fn create_user(
    State(state): State<ApiState>,
    auth: Authenticated,
    AppJson(body): AppJson<CreateUserBody>,
) -> Result<impl IntoResponse, ApiError> {
    let created = state.service.create_user(&auth.caller, body.into_domain()?).await?;
    let view = CreatedUserView {
        user: created.user.into(),
        generated_password: created.generated_password.map(|p| p.expose().to_owned()),
    };
    Ok((StatusCode::CREATED, AppJson(view)))
}

/// Filters, search, sort and paging of the users list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListUsersParams {
    /// Comma-separated statuses (`invited,active,inactive`).
    #[param(min_length = 1, max_length = 200)]
    pub status: Option<String>,
    /// A role's id.
    pub role: Option<Uuid>,
    /// A profile's id.
    pub profile: Option<Uuid>,
    /// A site's id.
    pub site: Option<Uuid>,
    /// A BCP 47 language tag.
    #[param(min_length = 1, max_length = 64)]
    pub language: Option<String>,
    /// Case-insensitive text in the name or email (no control characters).
    #[param(max_length = 200)]
    pub search: Option<String>,
    /// The column to sort by (default `name`).
    #[param(schema_with = crate::dto::column_schema)]
    pub sort: Option<String>,
    /// `asc` (default) or `desc`.
    #[param(schema_with = crate::dto::direction_schema)]
    pub direction: Option<String>,
    /// The `next_cursor` of the previous page.
    #[param(min_length = 1, max_length = 1000)]
    pub cursor: Option<String>,
    /// Rows per page, 1 to 500 (default 50).
    #[param(schema_with = crate::dto::limit_schema)]
    pub limit: Option<u32>,
    /// The columns to return, comma-separated, e.g. `name,email,role`
    /// (default: every field). Each row then holds its `id` and those columns.
    #[param(min_length = 1, max_length = 200)]
    pub columns: Option<String>,
}

impl ListUsersParams {
    /// The whole list asked for, and its columns (default: every column).
    fn into_download(mut self) -> Result<(UserQuery, ColumnChoice), ApiError> {
        let mut f = Fields::default();
        if self.limit.take().is_some() {
            f.fail("limit", "a download holds every matching user: leave limit out");
        }
        let (query, columns) = self.into_query()?;
        f.finish(Some((query, columns.unwrap_or_default())))
    }

    /// The page or download asked for, and the columns chosen (`None`: every field).
    fn into_query(self) -> Result<(UserQuery, Option<ColumnChoice>), ApiError> {
        let mut f = Fields::default();
        f.length("status", self.status.as_deref(), 1, 200);
        f.length("search", self.search.as_deref(), 0, 200);
        f.length("cursor", self.cursor.as_deref(), 1, 1000);
        f.length("columns", self.columns.as_deref(), 1, 200);
        let columns = f.optional("columns", self.columns.as_deref(), ColumnChoice::parse);
        let statuses: Option<Vec<UserStatus>> = match self.status.as_deref() {
            None => Some(Vec::new()),
            Some(list) => list
                .split(',')
                .map(|s| {
                    f.check("status", UserStatus::parse(s.trim()).ok_or("use invited, active or inactive"))
                })
                .collect(),
        };
        let language = f.optional("language", self.language.as_deref(), Language::parse);
        let sort =
            f.optional("sort", self.sort.as_deref(), |s| UserColumn::parse(s).ok_or("not a sortable column"));
        let direction = f.optional("direction", self.direction.as_deref(), |d| match d {
            "asc" => Ok(Direction::Asc),
            "desc" => Ok(Direction::Desc),
            _ => Err("use asc or desc"),
        });
        let after = f.optional("cursor", self.cursor.as_deref(), UserCursor::decode);
        let search = f.optional("search", self.search.as_deref(), SearchTerm::parse);
        let limit = self.limit.unwrap_or(50);
        if !(1..=500).contains(&limit) {
            f.fail("limit", "must be 1 to 500");
        }
        let built = (|| {
            let filter = UserFilter {
                statuses: statuses?,
                role: self.role.map(RoleId::from_uuid),
                profile: self.profile.map(ProfileId::from_uuid),
                site: self.site.map(SiteId::from_uuid),
                language: language?,
                search: None,
            }
            .with_search_term(search?.flatten());
            let query = UserQuery {
                filter,
                sort: sort?.unwrap_or(UserColumn::Name),
                direction: direction?.unwrap_or_default(),
                after: after?,
                limit,
            };
            Some((query, columns?))
        })();
        f.finish(built)
    }
}

/// One page of the users list.
#[utoipa::path(get, path = "/users", tag = "users", security(("bearer" = [])), params(ListUsersParams),
    responses(
        (status = 200, description = "A page of users", body = PageOf<UserListItem>),
        Answers<ReadUsersError>,
    ))]
async fn list_users(
    State(state): State<ApiState>,
    auth: Authenticated,
    AppQuery(params): AppQuery<ListUsersParams>,
) -> Result<AppJson<PageOf<UserListItem>>, ApiError> {
    let (query, columns) = params.into_query()?;
    let page = state.service.list_users(&auth.caller, &query).await?;
    // Reading the list needs a full session, as reading the roles does.
    let roles = state.service.list_roles(&auth.caller).await?;
    let role_name = |id: RoleId| roles.iter().find(|r| r.id == id).map_or("", |r| r.name.as_str());
    Ok(AppJson(PageOf {
        items: page
            .items
            .into_iter()
            .map(|u| {
                let name = role_name(u.role);
                UserListItem::new(u.into(), name, columns.as_ref())
            })
            .collect(),
        next_cursor: page.next.map(|c| c.encode()),
    }))
}

/// The whole filtered users list as a CSV download (RFC 4180, UTF-8 with a
/// byte-order mark, CRLF line ends), streamed as it is read. Takes the
/// list's filters, sort and `columns` (default: every column); the role
/// column holds the role's name. Cells that a spreadsheet would run as a
/// formula start with `'`. Needs `users.export`; every download is audited.
#[utoipa::path(get, path = "/users/export", tag = "users", security(("bearer" = [])), params(ListUsersParams),
    responses(
        (status = 200, description = "The users, one row each, after a header row", body = String, content_type = "text/csv"),
        Answers<ExportUsersError>,
    ))]
async fn export_users(
    State(state): State<ApiState>,
    auth: Authenticated,
    AppQuery(params): AppQuery<ListUsersParams>,
) -> Result<impl IntoResponse, ApiError> {
    let (query, columns) = params.into_download()?;
    let export = state.service.export_users(&auth.caller, &query, columns).await?;
    let chunks = futures_util::stream::try_unfold(export, |mut export| async move {
        let chunk = export.next_chunk().await.inspect_err(|e| {
            tracing::error!(error = %e, rows = export.rows(), "the users download stopped part-way");
        })?;
        Ok::<_, StoreError>(chunk.map(|chunk| (chunk, export)))
    });
    let headers = [
        (header::CONTENT_TYPE, HeaderValue::from_static("text/csv; charset=utf-8")),
        (header::CONTENT_DISPOSITION, HeaderValue::from_static("attachment; filename=\"users.csv\"")),
    ];
    Ok((headers, axum::body::Body::from_stream(chunks)))
}

/// One user, with its version as `ETag`.
#[utoipa::path(get, path = "/users/{id}", tag = "users", security(("bearer" = [])), params(("id" = Uuid, Path, description = "The user's id")),
    responses(
        (status = 200, description = "The user", body = UserView, headers(("ETag" = String, description = "The version, for If-Match"))),
        Answers<ReadUsersError>,
    ))]
async fn get_user(
    State(state): State<ApiState>,
    auth: Authenticated,
    AppPath(id): AppPath<Uuid>,
) -> Result<impl IntoResponse, ApiError> {
    Ok(with_etag(state.service.get_user(&auth.caller, user_id(id)).await?))
}

/// Fields to change; absent fields stay, `null` clears an optional one.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateUserBody {
    /// Full name (cannot be cleared: `null` is refused).
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = String, min_length = 1, max_length = 200)]
    pub name: Option<Option<String>>,
    /// BCP 47 language tag (cannot be cleared).
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = String, min_length = 1, max_length = 64)]
    pub language: Option<Option<String>>,
    /// IANA time zone (cannot be cleared).
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = String, min_length = 1, max_length = 64)]
    pub time_zone: Option<Option<String>>,
    /// Phone (`null` clears).
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, min_length = 4, max_length = 40)]
    pub phone: Option<Option<String>>,
    /// Job title (`null` clears).
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, min_length = 1, max_length = 200)]
    pub title: Option<Option<String>>,
    /// Admin-only notes (`null` clears; needs `users.notes`).
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, min_length = 1, max_length = 5000)]
    pub notes: Option<Option<String>>,
    /// Sites' ids (cannot be `null`: send `[]` for none).
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Vec<Uuid>)]
    pub sites: Option<Option<Vec<Uuid>>>,
}

impl UpdateUserBody {
    fn into_domain(self) -> Result<UserEdit, ApiError> {
        let mut f = Fields::default();
        let name = f.required("name", self.name.as_ref().map(Option::as_deref), PersonName::parse);
        let language = f.required("language", self.language.as_ref().map(Option::as_deref), Language::parse);
        let time_zone =
            f.required("time_zone", self.time_zone.as_ref().map(Option::as_deref), TimeZone::parse);
        let sites = f.required("sites", self.sites.as_ref().map(Option::as_deref), |s| Ok::<_, &str>(ids(s)));
        let phone = f.patch("phone", self.phone.as_ref().map(Option::as_deref), Phone::parse);
        let title = f.patch("title", self.title.as_ref().map(Option::as_deref), Label::parse);
        let notes = f.patch("notes", self.notes.as_ref().map(Option::as_deref), Note::parse);
        let built = (|| {
            Some(UserEdit {
                name: name?,
                language: language?,
                time_zone: time_zone?,
                phone: phone?,
                title: title?,
                notes: notes?,
                sites: sites?,
            })
        })();
        f.finish(built)
    }
}

/// Edits a user. Send `If-Match` with the `ETag` you read to refuse the
/// edit (412) if someone changed the user since.
#[utoipa::path(patch, path = "/users/{id}", tag = "users", security(("bearer" = [])), request_body = UpdateUserBody,
    params(("id" = Uuid, Path, description = "The user's id"), ("If-Match" = Option<String>, Header, description = "The ETag you read")),
    responses(
        (status = 200, description = "The edited user", body = UserView, headers(("ETag" = String, description = "The version, for If-Match"))),
        Answers<UpdateUserError>,
    ))]
async fn update_user(
    State(state): State<ApiState>,
    auth: Authenticated,
    AppPath(id): AppPath<Uuid>,
    headers: HeaderMap,
    AppJson(body): AppJson<UpdateUserBody>,
) -> Result<impl IntoResponse, ApiError> {
    let version = if_match(&headers)?;
    Ok(with_etag(state.service.update_user(&auth.caller, user_id(id), body.into_domain()?, version).await?))
}

/// A new email. Its `Debug` never shows the password.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangeEmailBody {
    /// The new address.
    #[schema(min_length = 3, max_length = 254)]
    pub email: String,
    /// Your current password, when changing your own email.
    #[schema(value_type = Option<String>, format = Password, min_length = 1, max_length = 128)]
    pub current_password: Option<SecretString>,
}

/// Changes a user's email. The old address stays reserved and gets a notice.
#[utoipa::path(put, path = "/users/{id}/email", tag = "users", security(("bearer" = [])), request_body = ChangeEmailBody,
    params(("id" = Uuid, Path, description = "The user's id"), ("If-Match" = Option<String>, Header, description = "The ETag you read")),
    responses(
        (status = 200, description = "The user with the new email", body = UserView, headers(("ETag" = String, description = "The version, for If-Match"))),
        Answers<UpdateUserError>,
    ))]
async fn change_email(
    State(state): State<ApiState>,
    auth: Authenticated,
    AppPath(id): AppPath<Uuid>,
    headers: HeaderMap,
    AppJson(body): AppJson<ChangeEmailBody>,
) -> Result<impl IntoResponse, ApiError> {
    let expected_version = if_match(&headers)?;
    let email = EmailAddress::parse(&body.email).map_err(|e| ApiError::invalid("email", e))?;
    let change = ChangeEmail { email, expected_version, current_password: body.current_password };
    Ok(with_etag(state.service.change_email(&auth.caller, user_id(id), change).await?))
}

/// One email a user held.
#[derive(Debug, Serialize, ToSchema)]
pub struct EmailHistoryEntry {
    /// The address.
    pub email: String,
    /// Held since.
    pub since: DateTime<Utc>,
}

/// Every email a user held, oldest first.
#[utoipa::path(get, path = "/users/{id}/emails", tag = "users", security(("bearer" = [])), params(("id" = Uuid, Path, description = "The user's id")),
    responses(
        (status = 200, description = "The email history", body = Vec<EmailHistoryEntry>),
        Answers<ReadUsersError>,
    ))]
async fn email_history(
    State(state): State<ApiState>,
    auth: Authenticated,
    AppPath(id): AppPath<Uuid>,
) -> Result<AppJson<Vec<EmailHistoryEntry>>, ApiError> {
    let history = state.service.email_history(&auth.caller, user_id(id)).await?;
    Ok(AppJson(
        history
            .into_iter()
            .map(|(e, since)| EmailHistoryEntry { email: e.as_str().to_owned(), since })
            .collect(),
    ))
}

/// A role and profiles.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AccessBody {
    /// The role's id.
    pub role: Uuid,
    /// The profiles' ids.
    #[serde(default)]
    pub profiles: Vec<Uuid>,
}

/// Gives a user a role and profiles; takes effect on their next request.
#[utoipa::path(put, path = "/users/{id}/access", tag = "users", security(("bearer" = [])), request_body = AccessBody,
    params(("id" = Uuid, Path, description = "The user's id"), ("If-Match" = Option<String>, Header, description = "The ETag you read")),
    responses(
        (status = 200, description = "The user", body = UserView, headers(("ETag" = String, description = "The version, for If-Match"))),
        Answers<UpdateUserError>,
    ))]
async fn set_access(
    State(state): State<ApiState>,
    auth: Authenticated,
    AppPath(id): AppPath<Uuid>,
    headers: HeaderMap,
    AppJson(body): AppJson<AccessBody>,
) -> Result<impl IntoResponse, ApiError> {
    let version = if_match(&headers)?;
    let user = state
        .service
        .set_access(&auth.caller, user_id(id), RoleId::from_uuid(body.role), ids(&body.profiles), version)
        .await?;
    Ok(with_etag(user))
}

/// Deactivation options.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeactivateBody {
    /// Who takes the user's open cases, in the same step.
    pub reassign_to: Option<Uuid>,
}

/// Deactivates a user (never deletes): sessions end, links die. Refused
/// (409 with the count) while they own open cases, unless `reassign_to`
/// names who takes them. The body may be left out (no reassignment).
#[utoipa::path(post, path = "/users/{id}/deactivate", tag = "users", security(("bearer" = [])), request_body = Option<DeactivateBody>,
    params(("id" = Uuid, Path, description = "The user's id")),
    responses(
        (status = 200, description = "The deactivated user", body = UserView, headers(("ETag" = String, description = "The version, for If-Match"))),
        Answers<DeactivateError>,
    ))]
async fn deactivate(
    State(state): State<ApiState>,
    auth: Authenticated,
    AppPath(id): AppPath<Uuid>,
    OptionalJson(body): OptionalJson<DeactivateBody>,
) -> Result<impl IntoResponse, ApiError> {
    let to = body.reassign_to.map(UserId::from_uuid);
    Ok(with_etag(state.service.deactivate_user(&auth.caller, user_id(id), to).await?))
}

/// Reactivates an inactive user (invited again if they never set a password).
#[utoipa::path(post, path = "/users/{id}/reactivate", tag = "users", security(("bearer" = [])), params(("id" = Uuid, Path, description = "The user's id")),
    responses(
        (status = 200, description = "The reactivated user", body = UserView, headers(("ETag" = String, description = "The version, for If-Match"))),
        Answers<ReactivateError>,
    ))]
async fn reactivate(
    State(state): State<ApiState>,
    auth: Authenticated,
    AppPath(id): AppPath<Uuid>,
) -> Result<impl IntoResponse, ApiError> {
    Ok(with_etag(state.service.reactivate_user(&auth.caller, user_id(id)).await?))
}

/// An admin password reset. Every mode refuses fields it does not name
/// (emails go to the stored address: there is no `to`). Its `Debug` never
/// shows the password.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(tag = "mode", rename_all = "snake_case", deny_unknown_fields)]
pub enum ResetBody {
    /// Generate a one-time password and email it.
    GenerateAndEmail {},
    /// Email a recovery link.
    EmailRecoveryLink {},
    /// Set a temporary one-time password.
    SetTemporary {
        /// The temporary password.
        #[schema(value_type = String, format = Password, min_length = 1, max_length = 128)]
        password: SecretString,
    },
}

/// Resets a user's password (three modes). Every mode ends the user's
/// sessions and voids earlier links. Answers the user, as every action on
/// a user does.
#[utoipa::path(post, path = "/users/{id}/password-reset", tag = "users", security(("bearer" = [])), request_body = ResetBody,
    params(("id" = Uuid, Path, description = "The user's id")),
    responses(
        (status = 200, description = "Reset; the user", body = UserView, headers(("ETag" = String, description = "The version, for If-Match"))),
        Answers<ResetPasswordError>,
    ))]
async fn reset_password(
    State(state): State<ApiState>,
    auth: Authenticated,
    AppPath(id): AppPath<Uuid>,
    AppJson(body): AppJson<ResetBody>,
) -> Result<impl IntoResponse, ApiError> {
    let mode = match body {
        ResetBody::GenerateAndEmail {} => ResetMode::GenerateAndEmail,
        ResetBody::EmailRecoveryLink {} => ResetMode::EmailRecoveryLink,
        ResetBody::SetTemporary { password } => ResetMode::SetTemporary(password),
    };
    Ok(with_etag(state.service.reset_password(&auth.caller, user_id(id), mode).await?))
}

/// How many sessions ended.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionsEnded {
    /// Sessions that were live.
    pub ended: u64,
}

/// Signs a user out of every session at once.
#[utoipa::path(delete, path = "/users/{id}/sessions", tag = "users", security(("bearer" = [])), params(("id" = Uuid, Path, description = "The user's id")),
    responses(
        (status = 200, description = "Signed out everywhere", body = SessionsEnded),
        Answers<SignOutError>,
    ))]
async fn sign_out_everywhere(
    State(state): State<ApiState>,
    auth: Authenticated,
    AppPath(id): AppPath<Uuid>,
) -> Result<AppJson<SessionsEnded>, ApiError> {
    let ended = state.service.sign_out_everywhere(&auth.caller, user_id(id)).await?;
    Ok(AppJson(SessionsEnded { ended }))
}

/// Sends a new invitation (the old link dies). Answers the user, as every
/// action on a user does.
#[utoipa::path(post, path = "/users/{id}/invitation", tag = "users", security(("bearer" = [])), params(("id" = Uuid, Path, description = "The user's id")),
    responses(
        (status = 200, description = "Sent; the user", body = UserView, headers(("ETag" = String, description = "The version, for If-Match"))),
        Answers<InvitationError>,
    ))]
async fn resend_invitation(
    State(state): State<ApiState>,
    auth: Authenticated,
    AppPath(id): AppPath<Uuid>,
) -> Result<impl IntoResponse, ApiError> {
    Ok(with_etag(state.service.resend_invitation(&auth.caller, user_id(id)).await?))
}

/// Revokes an invitation: the link dies, the user becomes inactive.
#[utoipa::path(delete, path = "/users/{id}/invitation", tag = "users", security(("bearer" = [])), params(("id" = Uuid, Path, description = "The user's id")),
    responses(
        (status = 200, description = "Revoked", body = UserView, headers(("ETag" = String, description = "The version, for If-Match"))),
        Answers<InvitationError>,
    ))]
async fn revoke_invitation(
    State(state): State<ApiState>,
    auth: Authenticated,
    AppPath(id): AppPath<Uuid>,
) -> Result<impl IntoResponse, ApiError> {
    Ok(with_etag(state.service.revoke_invitation(&auth.caller, user_id(id)).await?))
}

/// Which cases.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct CasesParams {
    /// `open` or `closed` (all when absent).
    #[param(schema_with = crate::dto::case_status_schema)]
    pub status: Option<String>,
}

/// A user's cases (the "Assigned cases" tab).
#[utoipa::path(get, path = "/users/{id}/cases", tag = "users", security(("bearer" = [])), params(("id" = Uuid, Path, description = "The user's id"), CasesParams),
    responses(
        (status = 200, description = "The user's cases", body = Vec<CaseView>),
        Answers<CaseError>,
    ))]
async fn user_cases(
    State(state): State<ApiState>,
    auth: Authenticated,
    AppPath(id): AppPath<Uuid>,
    AppQuery(params): AppQuery<CasesParams>,
) -> Result<AppJson<Vec<CaseView>>, ApiError> {
    let status = match params.status.as_deref() {
        None => None,
        Some(s) => {
            Some(CaseStatus::parse(s).ok_or_else(|| ApiError::invalid("status", "use open or closed"))?)
        }
    };
    let cases = state.service.list_cases(&auth.caller, user_id(id), status).await?;
    Ok(AppJson(cases.into_iter().map(CaseView::from).collect()))
}

/// Cases to move.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReassignBody {
    /// Who takes them.
    pub to: Uuid,
    /// Which open cases (all open cases when absent).
    #[schema(min_items = 1)]
    pub cases: Option<Vec<Uuid>>,
}

/// The cases moved.
#[derive(Debug, Serialize, ToSchema)]
pub struct Reassigned {
    /// Their ids.
    pub cases: Vec<Uuid>,
}

/// Moves some or all of a user's open cases to another user, all at once
/// or not at all.
#[utoipa::path(post, path = "/users/{id}/cases/reassign", tag = "users", security(("bearer" = [])), request_body = ReassignBody,
    params(("id" = Uuid, Path, description = "The user whose cases move")),
    responses(
        (status = 200, description = "Moved", body = Reassigned),
        Answers<CaseError>,
    ))]
async fn reassign_cases(
    State(state): State<ApiState>,
    auth: Authenticated,
    AppPath(id): AppPath<Uuid>,
    AppJson(body): AppJson<ReassignBody>,
) -> Result<AppJson<Reassigned>, ApiError> {
    let selection = match body.cases {
        None => CaseSelection::AllOpen,
        Some(cases) => CaseSelection::Only(cases.into_iter().map(CaseId::from_uuid).collect()),
    };
    let moved = state
        .service
        .reassign_cases(&auth.caller, user_id(id), UserId::from_uuid(body.to), selection)
        .await
        .map_err(|e| match e {
            CaseError::Assignee(e) => ApiError::from(e).at("to"),
            other => other.into(),
        })?;
    Ok(AppJson(Reassigned { cases: moved.into_iter().map(|c| c.as_uuid()).collect() }))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "correct horse battery staple";

    #[test]
    fn the_debug_of_a_create_user_or_reset_body_never_shows_the_password() {
        let create: CreateUserBody = serde_json::from_value(serde_json::json!({
            "email": "ana@maple.example", "name": "Ana Silva", "role": Uuid::nil(), "language": "en",
            "time_zone": "UTC", "credential": { "mode": "password", "password": SECRET },
        }))
        .unwrap();
        let reset: ResetBody =
            serde_json::from_value(serde_json::json!({ "mode": "set_temporary", "password": SECRET }))
                .unwrap();
        let email: ChangeEmailBody = serde_json::from_value(serde_json::json!({
            "email": "ana@maple.example", "current_password": SECRET,
        }))
        .unwrap();
        for debug in [format!("{create:?}"), format!("{reset:?}"), format!("{email:?}")] {
            assert!(!debug.contains(SECRET) && !debug.contains("horse"), "{debug}");
        }
        assert!(format!("{create:?}").contains("Ana Silva"), "the rest still shows");
    }
}
