//! Signing in and out, the caller's own account, and the anonymous
//! password routes (forgot, recover, accept an invitation).

use crate::ApiState;
use crate::dto::{Fields, UserView};
use crate::error::{Answers, ApiError, ProblemKind, Problems};
use crate::extract::{AppJson, Authenticated, RequestMeta};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum_extra::extract::cookie::CookieJar;
use chrono::{DateTime, Utc};
use identity_domain::*;
use identity_http::cookie::session_cookie;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<ApiState> {
    OpenApiRouter::new()
        .routes(routes!(sign_in))
        .routes(routes!(sign_out))
        .routes(routes!(me))
        .routes(routes!(change_password))
        .routes(routes!(forgot_password))
        .routes(routes!(recover_password))
        .routes(routes!(accept_invitation))
        .routes(routes!(inspect_link))
}

/// A sign-in attempt. Its `Debug` never shows the password.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignInBody {
    /// The practice's slug.
    #[schema(min_length = 1, max_length = 63)]
    pub practice: String,
    /// The email.
    #[schema(min_length = 1, max_length = 254)]
    pub email: String,
    /// The password, exactly as typed.
    #[schema(value_type = String, format = Password, min_length = 1, max_length = 128)]
    pub password: SecretString,
}

/// A new session.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionView {
    /// The bearer token; also set as the `__Host-session` cookie. Shown once.
    pub token: String,
    /// The signed-in user.
    pub user: uuid::Uuid,
    /// When the session ends whatever its use.
    pub expires_at: DateTime<Utc>,
    /// The session may only change the password (`PUT /me/password`):
    /// `scope` is `password_change`.
    pub password_change_only: bool,
    /// What the session may do: `full`; or only the next step of signing
    /// in — `second_factor` (`POST /sessions/second-factor`, within five
    /// minutes), `password_change` (`PUT /me/password`) or `enrolment`
    /// (`POST /me/factors/totp`).
    #[schema(example = "full")]
    pub scope: String,
}

impl SessionView {
    /// The view of a new session and its token.
    pub fn of(token: &Token, session: &Session) -> Self {
        Self {
            token: token.expose().to_owned(),
            user: session.user.as_uuid(),
            expires_at: session.expires_at,
            password_change_only: session.scope == SessionScope::PasswordChange,
            scope: session.scope.as_str().to_owned(),
        }
    }
}

/// Signs in by practice slug, email and password.
///
/// Every failure (unknown practice or email, wrong password, inactive or
/// locked account) gets the same 401 answer. A session's `scope` says
/// whether it is a full one or may only take the next step: with a second
/// factor enrolled, `second_factor` (present it at
/// `POST /sessions/second-factor` within five minutes).
#[utoipa::path(post, path = "/sessions", tag = "sessions", request_body = SignInBody,
    responses(
        (status = 201, description = "Signed in", body = SessionView),
        Answers<SignInError>,
    ))]
async fn sign_in(
    State(state): State<ApiState>,
    meta: RequestMeta,
    jar: CookieJar,
    AppJson(body): AppJson<SignInBody>,
) -> Result<impl IntoResponse, ApiError> {
    let signed = state
        .service
        .sign_in(SignIn {
            practice: body.practice,
            email: body.email,
            password: body.password,
            request_id: meta.request_id,
        })
        .await?;
    let jar = jar.add(session_cookie(signed.token.expose()));
    let view = SessionView::of(&signed.token, &signed.session);
    Ok((StatusCode::CREATED, jar, AppJson(view)))
}

/// Signs out: ends the session in use and clears the cookie.
#[utoipa::path(delete, path = "/sessions/current", tag = "sessions", security(("bearer" = [])),
    responses(
        (status = 204, description = "Signed out"),
        Answers<StoreError>,
    ))]
async fn sign_out(
    State(state): State<ApiState>,
    auth: Authenticated,
    jar: CookieJar,
) -> Result<impl IntoResponse, ApiError> {
    state.service.sign_out(&auth.caller).await?;
    // A `__Host-` cookie is replaced only by one with the same attributes
    // (Secure included): otherwise browsers ignore the removal.
    let jar = jar.remove(session_cookie(""));
    Ok((StatusCode::NO_CONTENT, jar))
}

/// The signed-in user.
#[utoipa::path(get, path = "/me", tag = "sessions", security(("bearer" = [])),
    responses(
        (status = 200, description = "The signed-in user", body = UserView),
        Answers<ReadUsersError>,
    ))]
async fn me(State(state): State<ApiState>, auth: Authenticated) -> Result<AppJson<UserView>, ApiError> {
    let user = state.service.get_user(&auth.caller, auth.caller.user()).await?;
    Ok(AppJson(user.into()))
}

/// A change of one's own password. Its `Debug` never shows either.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangePasswordBody {
    /// The current password.
    #[schema(value_type = String, format = Password, min_length = 1, max_length = 128)]
    pub current_password: SecretString,
    /// The new password.
    #[schema(value_type = String, format = Password, min_length = 1, max_length = 128)]
    pub new_password: SecretString,
}

/// Changes the caller's password (the one thing a must-change session may
/// do). Other sessions of the user end.
#[utoipa::path(put, path = "/me/password", tag = "sessions", security(("bearer" = [])), request_body = ChangePasswordBody,
    responses(
        (status = 204, description = "Changed"),
        Answers<ChangePasswordError>,
    ))]
async fn change_password(
    State(state): State<ApiState>,
    auth: Authenticated,
    AppJson(body): AppJson<ChangePasswordBody>,
) -> Result<StatusCode, ApiError> {
    state.service.change_own_password(&auth.caller, body.current_password, body.new_password).await.map_err(
        |e| match e {
            ChangePasswordError::Password(e) => ApiError::from(e).at("new_password"),
            other => other.into(),
        },
    )?;
    Ok(StatusCode::NO_CONTENT)
}

/// A forgot-password request.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ForgotBody {
    /// The practice's slug.
    #[schema(min_length = 1, max_length = 63)]
    pub practice: String,
    /// The email.
    #[schema(min_length = 1, max_length = 254)]
    pub email: String,
}

/// What "forgot password" can answer besides 202: only a malformed
/// request (the work runs after the answer, so no storage failure).
pub struct ForgotProblems;

impl Problems for ForgotProblems {
    fn kinds() -> Vec<ProblemKind> {
        vec![ProblemKind::InvalidField]
    }
}

/// "Forgot password": always 202 for a well-formed request, whether or not
/// the practice and the email exist, in the same time: the request is
/// queued and answered before anything is looked up. A recovery link is
/// then emailed to the stored address if the account exists and is active.
#[utoipa::path(post, path = "/password/forgot", tag = "sessions", request_body = ForgotBody,
    responses((status = 202, description = "Accepted (whatever the email)"), Answers<ForgotProblems>))]
async fn forgot_password(
    State(state): State<ApiState>,
    meta: RequestMeta,
    AppJson(body): AppJson<ForgotBody>,
) -> Result<StatusCode, ApiError> {
    // Malformed input is refused; a well-formed address is always 202.
    let mut f = Fields::default();
    f.length("practice", Some(&body.practice), 1, 63);
    f.length("email", Some(&body.email), 1, 254);
    f.finish(Some(()))?;
    let request = ForgotPassword { practice: body.practice, email: body.email, request_id: meta.request_id };
    state.forgot.submit(request);
    Ok(StatusCode::ACCEPTED)
}

/// A link token and the password to set with it. Its `Debug` shows
/// neither.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RedeemBody {
    /// The token from the emailed link (the part after `#token=`).
    #[schema(value_type = String, format = Password, min_length = 1, max_length = 256)]
    pub token: SecretString,
    /// The new password.
    #[schema(value_type = String, format = Password, min_length = 1, max_length = 128)]
    pub new_password: SecretString,
}

/// A link's refusal, its password's reason placed at `new_password`.
pub(super) fn link_error(e: LinkError) -> ApiError {
    match e {
        LinkError::Password(e) => ApiError::from(e).at("new_password"),
        other => other.into(),
    }
}

/// Sets a new password through a recovery link. Every session of the user ends.
#[utoipa::path(post, path = "/password/recover", tag = "sessions", request_body = RedeemBody,
    responses(
        (status = 204, description = "Password set"),
        Answers<LinkError>,
    ))]
async fn recover_password(
    State(state): State<ApiState>,
    meta: RequestMeta,
    AppJson(body): AppJson<RedeemBody>,
) -> Result<StatusCode, ApiError> {
    let token = presented(&body.token)?;
    state.service.recover_password(&token, body.new_password, meta.request_id).await.map_err(link_error)?;
    Ok(StatusCode::NO_CONTENT)
}

/// Accepts an invitation: sets the first password; the user becomes active.
#[utoipa::path(post, path = "/invitations/accept", tag = "sessions", request_body = RedeemBody,
    responses(
        (status = 204, description = "Accepted; sign in with the new password"),
        Answers<LinkError>,
    ))]
async fn accept_invitation(
    State(state): State<ApiState>,
    meta: RequestMeta,
    AppJson(body): AppJson<RedeemBody>,
) -> Result<StatusCode, ApiError> {
    let token = presented(&body.token)?;
    state.service.accept_invitation(&token, body.new_password, meta.request_id).await.map_err(link_error)?;
    Ok(StatusCode::NO_CONTENT)
}

/// A link token to look at. Its `Debug` does not show it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InspectBody {
    /// The token from the emailed link.
    #[schema(value_type = String, format = Password, min_length = 1, max_length = 256)]
    pub token: SecretString,
}

/// The longest link token read: tokens this server gives are 43 characters.
const MAX_TOKEN_LENGTH: usize = 256;

/// The token of a link, refused (422) when empty or longer than any token.
pub(super) fn presented(token: &SecretString) -> Result<Token, ApiError> {
    let text = token.expose_secret();
    let mut fields = Fields::default();
    if text.is_empty() {
        fields.fail("token", "must not be empty");
    } else if text.chars().count() > MAX_TOKEN_LENGTH {
        fields.fail("token", format!("must be at most {MAX_TOKEN_LENGTH} characters"));
    }
    fields.finish(Some(Token::presented(text)))
}

/// What inspecting a link can answer besides a view of it.
pub struct InspectProblems;

impl Problems for InspectProblems {
    fn kinds() -> Vec<ProblemKind> {
        let mut kinds = vec![ProblemKind::InvalidLink];
        kinds.extend(StoreError::kinds());
        kinds
    }
}

/// What a live link is for.
#[derive(Debug, Serialize, ToSchema)]
pub struct LinkView {
    /// `invitation` or `recovery`.
    pub purpose: String,
    /// The practice's slug.
    pub practice: String,
    /// The user's email.
    pub email: String,
    /// The user's name.
    pub name: String,
    /// When the link stops working.
    pub expires_at: DateTime<Utc>,
}

/// What a link is for, so a page can greet its holder; 400 for a link that
/// cannot be used. The token travels in the body, never in a URL.
#[utoipa::path(post, path = "/links/inspect", tag = "sessions", request_body = InspectBody,
    responses(
        (status = 200, description = "A live link", body = LinkView),
        Answers<InspectProblems>,
    ))]
async fn inspect_link(
    State(state): State<ApiState>,
    AppJson(body): AppJson<InspectBody>,
) -> Result<AppJson<LinkView>, ApiError> {
    let token = presented(&body.token)?;
    let info = state.service.inspect_link(&token).await?.ok_or(LinkError::InvalidLink)?;
    Ok(AppJson(LinkView {
        purpose: info.purpose.as_str().to_owned(),
        practice: info.practice_slug.as_str().to_owned(),
        email: info.email.as_str().to_owned(),
        name: info.name,
        expires_at: info.expires_at,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "correct horse battery staple";

    #[test]
    fn the_debug_of_a_body_never_shows_a_password_or_token() {
        let sign_in: SignInBody = serde_json::from_value(serde_json::json!({
            "practice": "maple-law", "email": "pat@maple.example", "password": SECRET,
        }))
        .unwrap();
        let change: ChangePasswordBody = serde_json::from_value(serde_json::json!({
            "current_password": SECRET, "new_password": SECRET,
        }))
        .unwrap();
        let redeem: RedeemBody =
            serde_json::from_value(serde_json::json!({ "token": SECRET, "new_password": SECRET })).unwrap();
        let inspect: InspectBody = serde_json::from_value(serde_json::json!({ "token": SECRET })).unwrap();
        for debug in
            [format!("{sign_in:?}"), format!("{change:?}"), format!("{redeem:?}"), format!("{inspect:?}")]
        {
            assert!(!debug.contains(SECRET) && !debug.contains("horse"), "{debug}");
        }
        assert!(format!("{sign_in:?}").contains("pat@maple.example"), "the rest still shows");
    }
}
