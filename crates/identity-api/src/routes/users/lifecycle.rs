//! A user's lifecycle and credentials: deactivate (optionally reassigning
//! open cases), reactivate, the three password resets, sign out everywhere,
//! and resending or revoking an invitation.

use super::*;

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
pub(super) async fn deactivate(
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
pub(super) async fn reactivate(
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
pub(super) async fn reset_password(
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
pub(super) async fn sign_out_everywhere(
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
pub(super) async fn resend_invitation(
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
pub(super) async fn revoke_invitation(
    State(state): State<ApiState>,
    auth: Authenticated,
    AppPath(id): AppPath<Uuid>,
) -> Result<impl IntoResponse, ApiError> {
    Ok(with_etag(state.service.revoke_invitation(&auth.caller, user_id(id)).await?))
}
