//! The party portal under `/portal`: accepting an invitation, signing in
//! and out, "forgot password" and recovery, and what a signed-in party may
//! do — read their own record and cases, change their contact details,
//! language, time zone and password.
//!
//! Portal routes take a portal session's bearer token
//! ([`PortalAuthenticated`]); a staff token is unknown to them (401), as a
//! portal token is to every staff route. No party id travels in a portal
//! route: a party only ever reaches their own record.

use super::sessions::{
    ChangePasswordBody, ForgotBody, ForgotProblems, InspectBody, InspectProblems, RedeemBody, link_error,
    presented,
};
use crate::ApiState;
use crate::dto::{Fields, case_part_schema, case_status_schema, double_option, party_kind_schema};
use crate::error::{Answers, ApiError};
use crate::extract::{AppJson, PortalAuthenticated, RequestMeta};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use chrono::{DateTime, NaiveDate, Utc};
use identity_domain::*;
use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

pub fn routes() -> OpenApiRouter<ApiState> {
    OpenApiRouter::new()
        .routes(routes!(accept_invitation))
        .routes(routes!(inspect_link))
        .routes(routes!(sign_in))
        .routes(routes!(forgot_password))
        .routes(routes!(recover_password))
        .routes(routes!(me, update_me))
        .routes(routes!(change_password))
        .routes(routes!(my_cases))
        .routes(routes!(sign_out))
}

/// What a party's live link is for.
#[derive(Debug, Serialize, ToSchema)]
pub struct PartyLinkView {
    /// `party_invitation` or `recovery`.
    pub purpose: String,
    /// The practice's slug (what the portal's sign-in asks for).
    pub practice: String,
    /// The portal account's email.
    pub email: String,
}

/// What a party's link is for, so the portal's page can say where its
/// holder will sign in before a password is typed; 400 `invalid-link` for
/// any link that cannot be used (unknown, used, replaced, expired, a staff
/// link, or an account no longer waiting for it). The token travels in the
/// body, never in a URL.
#[utoipa::path(post, path = "/portal/links/inspect", tag = "portal", request_body = InspectBody,
    responses(
        (status = 200, description = "A live link", body = PartyLinkView),
        Answers<InspectProblems>,
    ))]
async fn inspect_link(
    State(state): State<ApiState>,
    AppJson(body): AppJson<InspectBody>,
) -> Result<AppJson<PartyLinkView>, ApiError> {
    let token = presented(&body.token)?;
    let info = state.service.inspect_party_link(&token).await?.ok_or(LinkError::InvalidLink)?;
    Ok(AppJson(PartyLinkView {
        purpose: info.purpose.as_str().to_owned(),
        practice: info.practice_slug.as_str().to_owned(),
        email: info.email.as_str().to_owned(),
    }))
}

/// Accepts a party's invitation: sets their portal password; the portal
/// account becomes active. Then sign in with `POST /portal/sessions`.
#[utoipa::path(post, path = "/portal/invitations/accept", tag = "portal", request_body = RedeemBody,
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
    state
        .service
        .accept_party_invitation(&token, body.new_password, meta.request_id)
        .await
        .map_err(link_error)?;
    Ok(StatusCode::NO_CONTENT)
}

/// A portal sign-in attempt. Its `Debug` never shows the password.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PortalSignInBody {
    /// The practice's slug.
    #[schema(min_length = 1, max_length = 63)]
    pub practice: String,
    /// The email the invitation went to.
    #[schema(min_length = 1, max_length = 254)]
    pub email: String,
    /// The password, exactly as typed.
    #[schema(value_type = String, format = Password, min_length = 1, max_length = 128)]
    pub password: SecretString,
}

/// A new portal session.
#[derive(Debug, Serialize, ToSchema)]
pub struct PortalSessionView {
    /// The bearer token for the portal routes. Shown once.
    pub token: String,
    /// The signed-in party.
    pub party: Uuid,
    /// When the session ends whatever its use.
    pub expires_at: DateTime<Utc>,
    /// What the session may do: `full`, or `second_factor` when the party
    /// enrolled a second factor: then its token only presents it
    /// (`POST /portal/sessions/second-factor`), within five minutes.
    #[schema(example = "full")]
    pub scope: String,
}

impl PortalSessionView {
    pub(crate) fn of(token: &Token, session: &PortalSession) -> Self {
        Self {
            token: token.expose().to_owned(),
            party: session.party.as_uuid(),
            expires_at: session.expires_at,
            scope: session.scope.as_str().to_owned(),
        }
    }
}

/// Signs a party in to the portal by practice slug, email and password.
///
/// Every failure (unknown practice or email, wrong password, an invitation
/// not accepted yet, inactive or locked portal access) gets the same 401
/// answer. The token works on the portal routes only. A party who enrolled
/// a second factor gets a session with `scope: "second_factor"`, whose
/// token only presents it (`POST /portal/sessions/second-factor`).
#[utoipa::path(post, path = "/portal/sessions", tag = "portal", request_body = PortalSignInBody,
    responses(
        (status = 201, description = "Signed in", body = PortalSessionView),
        Answers<SignInError>,
    ))]
async fn sign_in(
    State(state): State<ApiState>,
    meta: RequestMeta,
    AppJson(body): AppJson<PortalSignInBody>,
) -> Result<impl IntoResponse, ApiError> {
    let signed = state
        .service
        .portal_sign_in(SignIn {
            practice: body.practice,
            email: body.email,
            password: body.password,
            request_id: meta.request_id,
        })
        .await?;
    Ok((StatusCode::CREATED, AppJson(PortalSessionView::of(&signed.token, &signed.session))))
}

/// Portal "forgot password": always 202 for a well-formed request, whether
/// or not the practice and the email exist, in the same time: the request
/// is queued and answered before anything is looked up. A portal recovery
/// link is then emailed to the stored address if the portal account exists,
/// is active and not locked (a locked one gets its link from an
/// administrator), at most 3 an hour.
#[utoipa::path(post, path = "/portal/password/forgot", tag = "portal", request_body = ForgotBody,
    responses((status = 202, description = "Accepted (whatever the email)"), Answers<ForgotProblems>))]
async fn forgot_password(
    State(state): State<ApiState>,
    meta: RequestMeta,
    AppJson(body): AppJson<ForgotBody>,
) -> Result<StatusCode, ApiError> {
    let mut f = Fields::default();
    f.length("practice", Some(&body.practice), 1, 63);
    f.length("email", Some(&body.email), 1, 254);
    f.finish(Some(()))?;
    let request = ForgotPassword { practice: body.practice, email: body.email, request_id: meta.request_id };
    state.forgot.submit_portal(request);
    Ok(StatusCode::ACCEPTED)
}

/// Sets a new portal password through a portal recovery link. Clears a
/// sign-in lock; every portal session of the party ends.
#[utoipa::path(post, path = "/portal/password/recover", tag = "portal", request_body = RedeemBody,
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
    state
        .service
        .recover_portal_password(&token, body.new_password, meta.request_id)
        .await
        .map_err(link_error)?;
    Ok(StatusCode::NO_CONTENT)
}

/// What a signed-in party sees of their own record.
#[derive(Debug, Serialize, ToSchema)]
pub struct PortalProfileView {
    /// The party's id.
    pub id: Uuid,
    /// The site they are recorded at.
    pub site: Uuid,
    /// `student`, `witness`, `faculty`, `staff`, `client` or `other`.
    #[schema(schema_with = party_kind_schema)]
    pub kind: String,
    /// Full name.
    pub name: String,
    /// The sign-in email.
    pub email: String,
    /// Phone.
    pub phone: Option<String>,
    /// Postal address.
    pub address: Option<String>,
    /// Date of birth.
    pub date_of_birth: Option<NaiveDate>,
    /// Gender.
    pub gender: Option<String>,
    /// Grade or position.
    pub grade_or_position: Option<String>,
    /// Preferred language (BCP 47); `null` when none was recorded
    /// (emails are then written in English).
    pub language: Option<String>,
    /// The IANA time zone of emails and pages.
    pub time_zone: String,
    /// The practice's slug.
    pub practice: String,
    /// The practice's name.
    pub practice_name: String,
}

impl From<PortalProfile> for PortalProfileView {
    fn from(p: PortalProfile) -> Self {
        let d = p.party.details;
        Self {
            id: p.party.id.as_uuid(),
            site: p.party.site.as_uuid(),
            kind: d.kind.as_str().to_owned(),
            name: d.name.as_str().to_owned(),
            email: p.email.as_str().to_owned(),
            phone: d.phone.map(String::from),
            address: d.address.map(String::from),
            date_of_birth: d.date_of_birth,
            gender: d.gender.map(String::from),
            grade_or_position: d.grade_or_position.map(String::from),
            language: d.language.map(|l| l.as_str().to_owned()),
            time_zone: p.time_zone.name().to_owned(),
            practice: p.practice_slug.as_str().to_owned(),
            practice_name: p.practice_name.as_str().to_owned(),
        }
    }
}

/// The signed-in party's own record.
#[utoipa::path(get, path = "/portal/me", tag = "portal", security(("portal" = [])),
    responses(
        (status = 200, description = "The signed-in party", body = PortalProfileView),
        Answers<PortalError>,
    ))]
async fn me(
    State(state): State<ApiState>,
    auth: PortalAuthenticated,
) -> Result<AppJson<PortalProfileView>, ApiError> {
    Ok(AppJson(state.service.portal_profile(&auth.caller).await?.into()))
}

/// A change of the party's own contact details: an absent field is left
/// as it is; `null` clears `phone` or `address`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PortalContactBody {
    /// Phone (`null` clears).
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, min_length = 4, max_length = 40)]
    pub phone: Option<Option<String>>,
    /// Postal address (`null` clears).
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, min_length = 1, max_length = 5000)]
    pub address: Option<Option<String>>,
    /// Preferred language, BCP 47 (cannot be cleared).
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = String, min_length = 1, max_length = 64)]
    pub language: Option<Option<String>>,
    /// IANA time zone (cannot be cleared).
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = String, min_length = 1, max_length = 64)]
    pub time_zone: Option<Option<String>>,
}

/// Changes the signed-in party's phone, address, language or time zone.
/// Audited. A party with no language recorded who leaves `language` out
/// gets `en`, the language their emails were written in.
#[utoipa::path(patch, path = "/portal/me", tag = "portal", security(("portal" = [])),
    request_body = PortalContactBody,
    responses(
        (status = 200, description = "The party after the change", body = PortalProfileView),
        Answers<PortalError>,
    ))]
async fn update_me(
    State(state): State<ApiState>,
    auth: PortalAuthenticated,
    AppJson(body): AppJson<PortalContactBody>,
) -> Result<AppJson<PortalProfileView>, ApiError> {
    let mut f = Fields::default();
    let phone = f.patch("phone", body.phone.as_ref().map(Option::as_deref), Phone::parse);
    let address = f.patch("address", body.address.as_ref().map(Option::as_deref), Note::parse);
    let language = f.required("language", body.language.as_ref().map(Option::as_deref), Language::parse);
    let time_zone = f.required("time_zone", body.time_zone.as_ref().map(Option::as_deref), TimeZone::parse);
    let (phone, address, language, time_zone) =
        f.finish((|| Some((phone?, address?, language?, time_zone?)))())?;
    let current = state.service.portal_profile(&auth.caller).await?;
    let details = &current.party.details;
    let change = PortalContactChange {
        phone: phone.unwrap_or_else(|| details.phone.clone()),
        address: address.unwrap_or_else(|| details.address.clone()),
        language: language.or_else(|| details.language.clone()).unwrap_or_else(Language::english),
        time_zone: time_zone.unwrap_or(current.time_zone),
    };
    Ok(AppJson(state.service.update_portal_contact(&auth.caller, change).await?.into()))
}

/// Changes the signed-in party's password: the current one is required (a
/// wrong one counts as a failed sign-in). Their other portal sessions end,
/// and they are emailed that it changed.
#[utoipa::path(put, path = "/portal/me/password", tag = "portal", security(("portal" = [])),
    request_body = ChangePasswordBody,
    responses(
        (status = 204, description = "Changed"),
        Answers<PortalPasswordError>,
    ))]
async fn change_password(
    State(state): State<ApiState>,
    auth: PortalAuthenticated,
    AppJson(body): AppJson<ChangePasswordBody>,
) -> Result<StatusCode, ApiError> {
    state.service.change_portal_password(&auth.caller, body.current_password, body.new_password).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A case the party takes part in.
#[derive(Debug, Serialize, ToSchema)]
pub struct PortalCaseView {
    /// The case's id.
    pub id: Uuid,
    /// Its title.
    pub title: String,
    /// `open` or `closed`.
    #[schema(schema_with = case_status_schema)]
    pub status: String,
    /// The party's part in it.
    #[schema(schema_with = case_part_schema)]
    pub part: String,
    /// The site the party is recorded at.
    pub site: Uuid,
    /// That site's name.
    pub site_name: String,
}

impl From<PortalCase> for PortalCaseView {
    fn from(c: PortalCase) -> Self {
        Self {
            id: c.id.as_uuid(),
            title: c.title.as_str().to_owned(),
            status: c.status.as_str().to_owned(),
            part: c.part.as_str().to_owned(),
            site: c.site.as_uuid(),
            site_name: c.site_name.as_str().to_owned(),
        }
    }
}

/// The cases the signed-in party takes part in, in the order they were
/// added to them.
#[utoipa::path(get, path = "/portal/me/cases", tag = "portal", security(("portal" = [])),
    responses(
        (status = 200, description = "Their cases", body = Vec<PortalCaseView>),
        Answers<PortalError>,
    ))]
async fn my_cases(
    State(state): State<ApiState>,
    auth: PortalAuthenticated,
) -> Result<AppJson<Vec<PortalCaseView>>, ApiError> {
    let cases = state.service.portal_cases(&auth.caller).await?;
    Ok(AppJson(cases.into_iter().map(PortalCaseView::from).collect()))
}

/// Signs the party out: ends the portal session in use.
#[utoipa::path(post, path = "/portal/sign-out", tag = "portal", security(("portal" = [])),
    responses(
        (status = 204, description = "Signed out"),
        Answers<StoreError>,
    ))]
async fn sign_out(State(state): State<ApiState>, auth: PortalAuthenticated) -> Result<StatusCode, ApiError> {
    state.service.portal_sign_out(&auth.caller).await?;
    Ok(StatusCode::NO_CONTENT)
}
