//! Second factors: the second step of signing in, one's own factors
//! (TOTP authenticators, passkeys and recovery codes), and an
//! administrator's view and reset of a user's.
//!
//! A passkey takes two calls each way: the server's challenge (the
//! `publicKey` options for `navigator.credentials.create()` or `.get()`,
//! binary fields in base64url), then the browser's answer (the
//! `PublicKeyCredential`, as `toJSON()` gives it).
//!
//! Managing one's factors needs a password typed within the last ten
//! minutes: at sign-in, or through `POST /me/password-confirmation`.

use crate::ApiState;
use crate::error::{Answers, ApiError};
use crate::extract::{AppJson, AppPath, Authenticated, WaitingSession};
use crate::routes::sessions::SessionView;
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
use uuid::Uuid;

pub fn routes() -> OpenApiRouter<ApiState> {
    OpenApiRouter::new()
        .routes(routes!(second_step))
        .routes(routes!(passkey_challenge))
        .routes(routes!(confirm_password))
        .routes(routes!(own_factors))
        .routes(routes!(start_totp))
        .routes(routes!(confirm_totp))
        .routes(routes!(start_passkey))
        .routes(routes!(confirm_passkey))
        .routes(routes!(rename_factor, remove_factor))
        .routes(routes!(regenerate_recovery_codes))
        .routes(routes!(user_factors))
        .routes(routes!(reset_factors))
}

/// The second step of signing in: one of the three. Its `Debug` never
/// shows the code.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum SecondStepBody {
    /// The 6-digit code of a TOTP authenticator (spaces ignored).
    #[schema(value_type = String, format = Password)]
    Totp(SecretString),
    /// One of the recovery codes (`k7m2q-x9tp4`; case, spaces and dashes
    /// ignored).
    #[schema(value_type = String, format = Password)]
    RecoveryCode(SecretString),
    /// A passkey's answer to the challenge of
    /// `POST /sessions/second-factor/passkey-challenge`: the
    /// `PublicKeyCredential` that `navigator.credentials.get()` gave, as
    /// its `toJSON()` writes it.
    #[schema(value_type = Object)]
    Passkey(serde_json::Value),
}

impl SecondStepBody {
    /// The factor presented.
    pub(crate) fn proof(self) -> FactorProof {
        match self {
            Self::Totp(code) => FactorProof::Totp(code),
            Self::RecoveryCode(code) => FactorProof::RecoveryCode(code),
            Self::Passkey(answer) => FactorProof::Passkey(answer.to_string()),
        }
    }
}

/// A passkey challenge: what the browser hands to
/// `navigator.credentials.create()` or `.get()` (after decoding the
/// base64url fields, or through `PublicKeyCredential.parseCreationOptionsFromJSON`
/// and `parseRequestOptionsFromJSON`).
#[derive(Debug, Serialize, ToSchema)]
pub struct PasskeyChallengeView {
    /// The `publicKey` options (WebAuthn's `PublicKeyCredentialCreationOptionsJSON`
    /// or `PublicKeyCredentialRequestOptionsJSON`).
    #[schema(value_type = Object)]
    pub public_key: serde_json::Value,
}

/// Asks for the challenge a passkey signs in the second step, for a session
/// waiting for its second factor. Answer it within five minutes with
/// `POST /sessions/second-factor` and `{"passkey": …}`, from the same
/// waiting session; a new challenge replaces the last. A user with no
/// passkey, like every other failure, gets the second step's one 401.
#[utoipa::path(post, path = "/sessions/second-factor/passkey-challenge", tag = "sessions", security(("bearer" = [])),
    responses(
        (status = 200, description = "The challenge", body = PasskeyChallengeView),
        Answers<SecondStepError>,
    ))]
async fn passkey_challenge(
    State(state): State<ApiState>,
    waiting: WaitingSession,
) -> Result<AppJson<PasskeyChallengeView>, ApiError> {
    let public_key = state.service.start_passkey_step(&waiting.token).await?;
    Ok(AppJson(PasskeyChallengeView { public_key }))
}

/// Presents the second factor for a session waiting for it (the token that
/// `POST /sessions` gave with `scope: "second_factor"`, as bearer or
/// cookie). On success that session ends and a new one begins: its token
/// is in the answer and the cookie. Every failure (wrong, replayed or
/// malformed code, unknown or expired session, locked account) gets the
/// same 401; wrong codes count toward the account's lock as wrong
/// passwords do.
#[utoipa::path(post, path = "/sessions/second-factor", tag = "sessions", security(("bearer" = [])),
    request_body = SecondStepBody,
    responses(
        (status = 201, description = "Signed in", body = SessionView),
        Answers<SecondStepError>,
    ))]
async fn second_step(
    State(state): State<ApiState>,
    waiting: WaitingSession,
    jar: CookieJar,
    AppJson(body): AppJson<SecondStepBody>,
) -> Result<impl IntoResponse, ApiError> {
    let proof = body.proof();
    let passed = state
        .service
        .second_step(SecondStep { token: waiting.token, proof, request_id: waiting.request_id })
        .await?;
    let jar = jar.add(session_cookie(passed.token.expose()));
    let view = SessionView::of(&passed.token, &passed.session);
    Ok((StatusCode::CREATED, jar, AppJson(view)))
}

/// The current password, typed again. Its `Debug` never shows it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordConfirmationBody {
    /// The current password.
    #[schema(value_type = String, format = Password, min_length = 1, max_length = 128)]
    pub password: SecretString,
}

/// Confirms the current password: for the next ten minutes the session may
/// manage its second factors. A wrong password counts as a failed sign-in.
#[utoipa::path(post, path = "/me/password-confirmation", tag = "second factors", security(("bearer" = [])),
    request_body = PasswordConfirmationBody,
    responses(
        (status = 204, description = "Confirmed"),
        Answers<ConfirmPasswordError>,
    ))]
async fn confirm_password(
    State(state): State<ApiState>,
    auth: Authenticated,
    AppJson(body): AppJson<PasswordConfirmationBody>,
) -> Result<StatusCode, ApiError> {
    state.service.confirm_password(&auth.caller, body.password).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A second factor as shown: never its secret.
#[derive(Debug, Serialize, ToSchema)]
pub struct FactorView {
    /// Id.
    pub id: Uuid,
    /// `totp` or `passkey`.
    #[schema(example = "totp")]
    pub kind: String,
    /// Its holder's name for it.
    pub name: String,
    /// When it was added.
    pub created_at: DateTime<Utc>,
    /// When it was last used to sign in.
    pub last_used_at: Option<DateTime<Utc>>,
}

impl From<FactorSummary> for FactorView {
    fn from(f: FactorSummary) -> Self {
        Self {
            id: f.id.as_uuid(),
            kind: f.kind.to_owned(),
            name: f.name.as_str().to_owned(),
            created_at: f.created_at,
            last_used_at: f.last_used_at,
        }
    }
}

/// A user's second factors.
#[derive(Debug, Serialize, ToSchema)]
pub struct FactorsView {
    /// Confirmed factors, oldest first.
    pub factors: Vec<FactorView>,
    /// Unused recovery codes.
    pub recovery_codes_left: u32,
    /// Whether the user's role or practice requires a second factor.
    pub required: bool,
}

impl From<FactorOverview> for FactorsView {
    fn from(o: FactorOverview) -> Self {
        Self {
            factors: o.factors.into_iter().map(Into::into).collect(),
            recovery_codes_left: o.recovery_codes_left,
            required: o.required,
        }
    }
}

/// Your second factors (needs a recent password).
#[utoipa::path(get, path = "/me/factors", tag = "second factors", security(("bearer" = [])),
    responses(
        (status = 200, description = "Your factors", body = FactorsView),
        Answers<OwnFactorsError>,
    ))]
async fn own_factors(
    State(state): State<ApiState>,
    auth: Authenticated,
) -> Result<AppJson<FactorsView>, ApiError> {
    Ok(AppJson(state.service.own_factors(&auth.caller).await?.into()))
}

/// A name for a factor.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FactorNameBody {
    /// 1 to 60 characters ("Phone").
    #[schema(min_length = 1, max_length = 60)]
    pub name: String,
}

/// A TOTP enrolment begun: give the secret to the authenticator app.
#[derive(Debug, Serialize, ToSchema)]
pub struct TotpEnrolmentView {
    /// The factor, to confirm with a code (`POST /me/factors/{id}/confirmation`).
    pub factor: Uuid,
    /// The secret in Base32 (32 characters), for typing into the app.
    pub secret: String,
    /// The `otpauth://` URI, for a QR code.
    pub uri: String,
}

/// Begins enrolling a TOTP authenticator (needs a recent password). The
/// factor counts once confirmed with a code from the app; an unconfirmed
/// enrolment begun earlier is replaced. An enrolment-only session may call
/// it too.
#[utoipa::path(post, path = "/me/factors/totp", tag = "second factors", security(("bearer" = [])),
    request_body = FactorNameBody,
    responses(
        (status = 201, description = "Begun: the secret, shown once", body = TotpEnrolmentView),
        Answers<StartEnrolmentError>,
    ))]
async fn start_totp(
    State(state): State<ApiState>,
    auth: Authenticated,
    AppJson(body): AppJson<FactorNameBody>,
) -> Result<impl IntoResponse, ApiError> {
    let begun = state.service.start_totp(&auth.caller, &body.name).await?;
    let view =
        TotpEnrolmentView { factor: begun.factor.as_uuid(), secret: begun.secret.base32(), uri: begun.uri };
    Ok((StatusCode::CREATED, AppJson(view)))
}

/// A code from the authenticator being enrolled.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CodeBody {
    /// The 6-digit code it shows now.
    #[schema(value_type = String, format = Password, min_length = 6, max_length = 20)]
    pub code: SecretString,
}

/// A factor confirmed.
#[derive(Debug, Serialize, ToSchema)]
pub struct EnrolledView {
    /// The factor.
    pub factor: FactorView,
    /// Recovery codes, shown once: with your first factor only (empty otherwise).
    pub recovery_codes: Vec<String>,
    /// What your session may do now (`full` once an enrolment-only session has enrolled).
    #[schema(example = "full")]
    pub scope: String,
}

impl EnrolledView {
    pub(crate) fn of(enrolled: Enrolled) -> Self {
        Self {
            factor: enrolled.factor.into(),
            recovery_codes: enrolled.recovery_codes.iter().map(|c| c.expose().to_owned()).collect(),
            scope: enrolled.scope.as_str().to_owned(),
        }
    }
}

/// Confirms a TOTP enrolment with the code the app shows. With your first
/// factor come ten recovery codes, shown once. You are emailed.
#[utoipa::path(post, path = "/me/factors/{id}/confirmation", tag = "second factors", security(("bearer" = [])),
    request_body = CodeBody,
    params(("id" = Uuid, Path, description = "The factor being enrolled")),
    responses(
        (status = 200, description = "Enrolled", body = EnrolledView),
        Answers<ConfirmEnrolmentError>,
    ))]
async fn confirm_totp(
    State(state): State<ApiState>,
    auth: Authenticated,
    AppPath(id): AppPath<Uuid>,
    AppJson(body): AppJson<CodeBody>,
) -> Result<AppJson<EnrolledView>, ApiError> {
    let enrolled =
        state.service.confirm_totp(&auth.caller, FactorId::from_uuid(id), body.code.expose_secret()).await?;
    Ok(AppJson(EnrolledView::of(enrolled)))
}

/// Begins enrolling a passkey (needs a recent password): the challenge for
/// `navigator.credentials.create()`, your passkeys excluded. Answer it
/// within five minutes with `POST /me/factors/passkeys/confirmation`, from
/// the same session. An enrolment-only session may call it too.
#[utoipa::path(post, path = "/me/factors/passkeys", tag = "second factors", security(("bearer" = [])),
    request_body = FactorNameBody,
    responses(
        (status = 201, description = "The challenge", body = PasskeyChallengeView),
        Answers<StartEnrolmentError>,
    ))]
async fn start_passkey(
    State(state): State<ApiState>,
    auth: Authenticated,
    AppJson(body): AppJson<FactorNameBody>,
) -> Result<impl IntoResponse, ApiError> {
    let public_key = state.service.start_passkey(&auth.caller, &body.name).await?;
    Ok((StatusCode::CREATED, AppJson(PasskeyChallengeView { public_key })))
}

/// The browser's answer to a passkey enrolment's challenge.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasskeyCredentialBody {
    /// The `PublicKeyCredential` that `navigator.credentials.create()`
    /// gave, as its `toJSON()` writes it.
    #[schema(value_type = Object)]
    pub credential: serde_json::Value,
}

/// Finishes enrolling a passkey with the browser's answer. With your first
/// factor come ten recovery codes, shown once. You are emailed. A refused
/// answer (`invalid-field` at `credential`) uses the challenge up: start
/// again.
#[utoipa::path(post, path = "/me/factors/passkeys/confirmation", tag = "second factors", security(("bearer" = [])),
    request_body = PasskeyCredentialBody,
    responses(
        (status = 200, description = "Enrolled", body = EnrolledView),
        Answers<ConfirmPasskeyError>,
    ))]
async fn confirm_passkey(
    State(state): State<ApiState>,
    auth: Authenticated,
    AppJson(body): AppJson<PasskeyCredentialBody>,
) -> Result<AppJson<EnrolledView>, ApiError> {
    let enrolled = state.service.confirm_passkey(&auth.caller, &body.credential.to_string()).await?;
    Ok(AppJson(EnrolledView::of(enrolled)))
}

/// Renames one of your factors (needs a recent password).
#[utoipa::path(patch, path = "/me/factors/{id}", tag = "second factors", security(("bearer" = [])),
    request_body = FactorNameBody,
    params(("id" = Uuid, Path, description = "The factor")),
    responses(
        (status = 200, description = "Renamed", body = FactorView),
        Answers<RenameFactorError>,
    ))]
async fn rename_factor(
    State(state): State<ApiState>,
    auth: Authenticated,
    AppPath(id): AppPath<Uuid>,
    AppJson(body): AppJson<FactorNameBody>,
) -> Result<AppJson<FactorView>, ApiError> {
    Ok(AppJson(state.service.rename_factor(&auth.caller, FactorId::from_uuid(id), &body.name).await?.into()))
}

/// Removes one of your factors (needs a recent password); with the last go
/// the recovery codes. You are emailed.
#[utoipa::path(delete, path = "/me/factors/{id}", tag = "second factors", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The factor")),
    responses(
        (status = 204, description = "Removed"),
        Answers<RemoveFactorError>,
    ))]
async fn remove_factor(
    State(state): State<ApiState>,
    auth: Authenticated,
    AppPath(id): AppPath<Uuid>,
) -> Result<StatusCode, ApiError> {
    state.service.remove_factor(&auth.caller, FactorId::from_uuid(id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// New recovery codes.
#[derive(Debug, Serialize, ToSchema)]
pub struct RecoveryCodesView {
    /// Ten codes, shown once; the earlier ones no longer work.
    pub recovery_codes: Vec<String>,
}

/// Replaces your recovery codes with ten new ones (needs a recent password
/// and a factor).
#[utoipa::path(post, path = "/me/recovery-codes", tag = "second factors", security(("bearer" = [])),
    responses(
        (status = 201, description = "New codes, shown once", body = RecoveryCodesView),
        Answers<RegenerateCodesError>,
    ))]
async fn regenerate_recovery_codes(
    State(state): State<ApiState>,
    auth: Authenticated,
) -> Result<impl IntoResponse, ApiError> {
    let codes = state.service.regenerate_recovery_codes(&auth.caller).await?;
    let view = RecoveryCodesView { recovery_codes: codes.iter().map(|c| c.expose().to_owned()).collect() };
    Ok((StatusCode::CREATED, AppJson(view)))
}

/// A user's second factors (needs `users.read`): names and dates, never
/// secrets, and whether one is required of them.
#[utoipa::path(get, path = "/users/{id}/factors", tag = "users", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The user's id")),
    responses(
        (status = 200, description = "Their factors", body = FactorsView),
        Answers<ReadUserFactorsError>,
    ))]
async fn user_factors(
    State(state): State<ApiState>,
    auth: Authenticated,
    AppPath(id): AppPath<Uuid>,
) -> Result<AppJson<FactorsView>, ApiError> {
    Ok(AppJson(state.service.user_factors(&auth.caller, UserId::from_uuid(id)).await?.into()))
}

/// How many factors a reset removed.
#[derive(Debug, Serialize, ToSchema)]
pub struct FactorsReset {
    /// Factors removed.
    pub removed: u64,
}

/// Resets a user's second factors (needs `users.reset_password`, on a user
/// you may act on): every factor and recovery code goes, every session
/// ends, and the user is emailed.
#[utoipa::path(post, path = "/users/{id}/factors/reset", tag = "users", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The user's id")),
    responses(
        (status = 200, description = "Reset", body = FactorsReset),
        Answers<ResetFactorsError>,
    ))]
async fn reset_factors(
    State(state): State<ApiState>,
    auth: Authenticated,
    AppPath(id): AppPath<Uuid>,
) -> Result<AppJson<FactorsReset>, ApiError> {
    let removed = state.service.reset_factors(&auth.caller, UserId::from_uuid(id)).await?;
    Ok(AppJson(FactorsReset { removed }))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "492039 correct horse";

    #[test]
    fn the_debug_of_a_factor_body_never_shows_a_code_or_password() {
        let totp: SecondStepBody = serde_json::from_value(serde_json::json!({ "totp": SECRET })).unwrap();
        let recovery: SecondStepBody =
            serde_json::from_value(serde_json::json!({ "recovery_code": SECRET })).unwrap();
        let code: CodeBody = serde_json::from_value(serde_json::json!({ "code": SECRET })).unwrap();
        let confirm: PasswordConfirmationBody =
            serde_json::from_value(serde_json::json!({ "password": SECRET })).unwrap();
        let portal: super::super::portal::PortalSignInBody = serde_json::from_value(serde_json::json!({
            "practice": "maple-law", "email": "pat@maple.example", "password": SECRET,
        }))
        .unwrap();
        for debug in [
            format!("{totp:?}"),
            format!("{recovery:?}"),
            format!("{code:?}"),
            format!("{confirm:?}"),
            format!("{portal:?}"),
        ] {
            assert!(!debug.contains("492039") && !debug.contains("horse"), "{debug}");
        }
    }
}
