//! A party's own second factors under `/portal`: the second step of the
//! portal's sign-in, and TOTP authenticators, passkeys and recovery codes,
//! as staff have them under `/me` (the same bodies, answers and rules).
//!
//! With a factor enrolled, `POST /portal/sessions` answers a session with
//! `scope: "second_factor"`: its token is no caller of any portal route,
//! only of `POST /portal/sessions/second-factor` (and the passkey
//! challenge), within five minutes. Managing one's factors needs the
//! password typed within the last ten minutes: at sign-in, or through
//! `POST /portal/me/password-confirmation`.

use super::factors::{
    CodeBody, EnrolledView, FactorNameBody, FactorView, FactorsView, PasskeyChallengeView,
    PasskeyCredentialBody, PasswordConfirmationBody, RecoveryCodesView, SecondStepBody, TotpEnrolmentView,
};
use super::portal::PortalSessionView;
use crate::ApiState;
use crate::error::{Answers, ApiError};
use crate::extract::{AppJson, AppPath, PortalAuthenticated, PortalWaitingSession};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use identity_domain::*;
use secrecy::ExposeSecret;
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
}

/// Asks for the challenge a passkey signs in the portal's second step, for
/// a portal session waiting for its second factor (its bearer token).
/// Answer it within five minutes with `POST /portal/sessions/second-factor`
/// and `{"passkey": …}`; a new challenge replaces the last. A party with no
/// passkey, like every other failure, gets the second step's one 401.
#[utoipa::path(post, path = "/portal/sessions/second-factor/passkey-challenge", tag = "portal",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The challenge", body = PasskeyChallengeView),
        Answers<SecondStepError>,
    ))]
async fn passkey_challenge(
    State(state): State<ApiState>,
    waiting: PortalWaitingSession,
) -> Result<AppJson<PasskeyChallengeView>, ApiError> {
    let public_key = state.service.portal_start_passkey_step(&waiting.token).await?;
    Ok(AppJson(PasskeyChallengeView { public_key }))
}

/// Presents the second factor for a portal session waiting for it (the
/// token `POST /portal/sessions` gave with `scope: "second_factor"`). On
/// success that session ends and a full one begins: its token is in the
/// answer. Every failure (wrong, replayed or malformed code, unknown or
/// expired session, locked account) gets the same 401; wrong codes count
/// toward the portal account's lock as wrong passwords do.
#[utoipa::path(post, path = "/portal/sessions/second-factor", tag = "portal", security(("bearer" = [])),
    request_body = SecondStepBody,
    responses(
        (status = 201, description = "Signed in", body = PortalSessionView),
        Answers<SecondStepError>,
    ))]
async fn second_step(
    State(state): State<ApiState>,
    waiting: PortalWaitingSession,
    AppJson(body): AppJson<SecondStepBody>,
) -> Result<impl IntoResponse, ApiError> {
    let step = SecondStep { token: waiting.token, proof: body.proof(), request_id: waiting.request_id };
    let passed = state.service.portal_second_step(step).await?;
    Ok((StatusCode::CREATED, AppJson(PortalSessionView::of(&passed.token, &passed.session))))
}

/// Confirms the party's current password: for the next ten minutes the
/// portal session may manage its second factors. A wrong password counts
/// as a failed sign-in.
#[utoipa::path(post, path = "/portal/me/password-confirmation", tag = "portal", security(("bearer" = [])),
    request_body = PasswordConfirmationBody,
    responses(
        (status = 204, description = "Confirmed"),
        Answers<ConfirmPasswordError>,
    ))]
async fn confirm_password(
    State(state): State<ApiState>,
    auth: PortalAuthenticated,
    AppJson(body): AppJson<PasswordConfirmationBody>,
) -> Result<StatusCode, ApiError> {
    state.service.portal_confirm_password(&auth.caller, body.password).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Your second factors (needs a recent password). `required` is always
/// false: no practice requires one of a party.
#[utoipa::path(get, path = "/portal/me/factors", tag = "portal", security(("bearer" = [])),
    responses(
        (status = 200, description = "Your factors", body = FactorsView),
        Answers<OwnFactorsError>,
    ))]
async fn own_factors(
    State(state): State<ApiState>,
    auth: PortalAuthenticated,
) -> Result<AppJson<FactorsView>, ApiError> {
    Ok(AppJson(state.service.portal_factors(&auth.caller).await?.into()))
}

/// Begins enrolling a TOTP authenticator (needs a recent password). The
/// factor counts once confirmed with a code from the app
/// (`POST /portal/me/factors/{id}/confirmation`); an unconfirmed enrolment
/// begun earlier is replaced.
#[utoipa::path(post, path = "/portal/me/factors/totp", tag = "portal", security(("bearer" = [])),
    request_body = FactorNameBody,
    responses(
        (status = 201, description = "Begun: the secret, shown once", body = TotpEnrolmentView),
        Answers<StartEnrolmentError>,
    ))]
async fn start_totp(
    State(state): State<ApiState>,
    auth: PortalAuthenticated,
    AppJson(body): AppJson<FactorNameBody>,
) -> Result<impl IntoResponse, ApiError> {
    let begun = state.service.portal_start_totp(&auth.caller, &body.name).await?;
    let view =
        TotpEnrolmentView { factor: begun.factor.as_uuid(), secret: begun.secret.base32(), uri: begun.uri };
    Ok((StatusCode::CREATED, AppJson(view)))
}

/// Confirms a TOTP enrolment with the code the app shows. With your first
/// factor come ten recovery codes, shown once. You are emailed.
#[utoipa::path(post, path = "/portal/me/factors/{id}/confirmation", tag = "portal", security(("bearer" = [])),
    request_body = CodeBody,
    params(("id" = Uuid, Path, description = "The factor being enrolled")),
    responses(
        (status = 200, description = "Enrolled", body = EnrolledView),
        Answers<ConfirmEnrolmentError>,
    ))]
async fn confirm_totp(
    State(state): State<ApiState>,
    auth: PortalAuthenticated,
    AppPath(id): AppPath<Uuid>,
    AppJson(body): AppJson<CodeBody>,
) -> Result<AppJson<EnrolledView>, ApiError> {
    let factor = FactorId::from_uuid(id);
    let enrolled = state.service.portal_confirm_totp(&auth.caller, factor, body.code.expose_secret()).await?;
    Ok(AppJson(EnrolledView::of(enrolled)))
}

/// Begins enrolling a passkey (needs a recent password): the challenge for
/// `navigator.credentials.create()`, your passkeys excluded. Answer it
/// within five minutes with `POST /portal/me/factors/passkeys/confirmation`,
/// from the same session.
#[utoipa::path(post, path = "/portal/me/factors/passkeys", tag = "portal", security(("bearer" = [])),
    request_body = FactorNameBody,
    responses(
        (status = 201, description = "The challenge", body = PasskeyChallengeView),
        Answers<StartEnrolmentError>,
    ))]
async fn start_passkey(
    State(state): State<ApiState>,
    auth: PortalAuthenticated,
    AppJson(body): AppJson<FactorNameBody>,
) -> Result<impl IntoResponse, ApiError> {
    let public_key = state.service.portal_start_passkey(&auth.caller, &body.name).await?;
    Ok((StatusCode::CREATED, AppJson(PasskeyChallengeView { public_key })))
}

/// Finishes enrolling a passkey with the browser's answer. With your first
/// factor come ten recovery codes, shown once. You are emailed. A refused
/// answer uses the challenge up: start again.
#[utoipa::path(post, path = "/portal/me/factors/passkeys/confirmation", tag = "portal", security(("bearer" = [])),
    request_body = PasskeyCredentialBody,
    responses(
        (status = 200, description = "Enrolled", body = EnrolledView),
        Answers<ConfirmPasskeyError>,
    ))]
async fn confirm_passkey(
    State(state): State<ApiState>,
    auth: PortalAuthenticated,
    AppJson(body): AppJson<PasskeyCredentialBody>,
) -> Result<AppJson<EnrolledView>, ApiError> {
    let enrolled = state.service.portal_confirm_passkey(&auth.caller, &body.credential.to_string()).await?;
    Ok(AppJson(EnrolledView::of(enrolled)))
}

/// Renames one of your factors (needs a recent password).
#[utoipa::path(patch, path = "/portal/me/factors/{id}", tag = "portal", security(("bearer" = [])),
    request_body = FactorNameBody,
    params(("id" = Uuid, Path, description = "The factor")),
    responses(
        (status = 200, description = "Renamed", body = FactorView),
        Answers<RenameFactorError>,
    ))]
async fn rename_factor(
    State(state): State<ApiState>,
    auth: PortalAuthenticated,
    AppPath(id): AppPath<Uuid>,
    AppJson(body): AppJson<FactorNameBody>,
) -> Result<AppJson<FactorView>, ApiError> {
    let factor = FactorId::from_uuid(id);
    Ok(AppJson(state.service.portal_rename_factor(&auth.caller, factor, &body.name).await?.into()))
}

/// Removes one of your factors (needs a recent password); with the last go
/// the recovery codes. You are emailed.
#[utoipa::path(delete, path = "/portal/me/factors/{id}", tag = "portal", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The factor")),
    responses(
        (status = 204, description = "Removed"),
        Answers<RemoveFactorError>,
    ))]
async fn remove_factor(
    State(state): State<ApiState>,
    auth: PortalAuthenticated,
    AppPath(id): AppPath<Uuid>,
) -> Result<StatusCode, ApiError> {
    state.service.portal_remove_factor(&auth.caller, FactorId::from_uuid(id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Replaces your recovery codes with ten new ones (needs a recent password
/// and a factor).
#[utoipa::path(post, path = "/portal/me/recovery-codes", tag = "portal", security(("bearer" = [])),
    responses(
        (status = 201, description = "New codes, shown once", body = RecoveryCodesView),
        Answers<RegenerateCodesError>,
    ))]
async fn regenerate_recovery_codes(
    State(state): State<ApiState>,
    auth: PortalAuthenticated,
) -> Result<impl IntoResponse, ApiError> {
    let codes = state.service.portal_regenerate_recovery_codes(&auth.caller).await?;
    let view = RecoveryCodesView { recovery_codes: codes.iter().map(|c| c.expose().to_owned()).collect() };
    Ok((StatusCode::CREATED, AppJson(view)))
}
