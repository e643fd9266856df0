//! Changing a user: name, language, time zone and sites (with
//! `If-Match`), the email address and its history, role and profiles.

use super::*;

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
pub(super) async fn update_user(
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
        Answers<ChangeEmailError>,
    ))]
pub(super) async fn change_email(
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
pub(super) async fn email_history(
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
        Answers<SetAccessError>,
    ))]
pub(super) async fn set_access(
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
