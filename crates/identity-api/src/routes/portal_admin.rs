//! Administering a party's portal access and the parties of cases (needs
//! `parties.manage`): portal status with the invitation's sent and expiry
//! times, revoking the invitation (resending is `POST
//! /parties/{id}/invite`), a recovery link, ending the party's portal
//! sessions, deactivating and reactivating access; listing, adding and
//! removing a case's parties. The domain audits every change.

use crate::ApiState;
use crate::dto::{case_part_schema, portal_access_schema};
use crate::error::{Answers, ApiError};
use crate::extract::{AppJson, AppPath, Authenticated};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use chrono::{DateTime, Utc};
use identity_domain::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

pub fn routes() -> OpenApiRouter<ApiState> {
    OpenApiRouter::new()
        .routes(routes!(portal_access))
        .routes(routes!(send_recovery_link))
        .routes(routes!(end_sessions))
        .routes(routes!(reset_factors))
        .routes(routes!(deactivate))
        .routes(routes!(reactivate))
        .routes(routes!(list_case_parties, add_case_party))
        .routes(routes!(remove_case_party))
}

/// A party's portal access.
#[derive(Debug, Serialize, ToSchema)]
pub struct PortalAccessView {
    /// `not_invited`, `invited`, `active` or `inactive`.
    #[schema(schema_with = portal_access_schema)]
    pub status: String,
    /// The portal account's email (absent when not invited).
    pub email: Option<String>,
    /// When the last invitation was sent (`invited` only).
    pub sent_at: Option<DateTime<Utc>>,
    /// When the invitation's link stops working (`invited` only; `null`
    /// once it expired unused: send it again).
    pub expires_at: Option<DateTime<Utc>>,
    /// The last portal sign-in (`active` only).
    pub last_sign_in_at: Option<DateTime<Utc>>,
    /// Password sign-in is locked after too many failures (`active`
    /// only): a recovery link unlocks it.
    pub locked: bool,
    /// How many second factors the party enrolled (`active` only; `null`
    /// otherwise); `POST /parties/{id}/portal/factors/reset` removes them.
    pub second_factors: Option<u32>,
}

impl From<PortalAccess> for PortalAccessView {
    fn from(access: PortalAccess) -> Self {
        let blank = |status: &str| Self {
            status: status.to_owned(),
            email: None,
            sent_at: None,
            expires_at: None,
            last_sign_in_at: None,
            locked: false,
            second_factors: None,
        };
        match access {
            PortalAccess::NotInvited => blank("not_invited"),
            PortalAccess::Invited { email, sent_at, expires_at } => {
                Self { email: Some(email.as_str().to_owned()), sent_at, expires_at, ..blank("invited") }
            }
            PortalAccess::Active { email, last_sign_in_at, locked, second_factors } => Self {
                email: Some(email.as_str().to_owned()),
                last_sign_in_at,
                locked,
                second_factors: Some(second_factors),
                ..blank("active")
            },
            PortalAccess::Inactive { email } => {
                Self { email: Some(email.as_str().to_owned()), ..blank("inactive") }
            }
        }
    }
}

async fn access_view(
    state: &ApiState,
    auth: &Authenticated,
    id: PartyId,
) -> Result<PortalAccessView, ApiError> {
    Ok(state.service.portal_access(&auth.caller, id).await?.into())
}

/// A party's portal status: not invited; invited, with when the invitation
/// was sent and when its link expires; active, with the last sign-in and
/// whether password sign-in is locked; or inactive.
#[utoipa::path(get, path = "/parties/{id}/portal", tag = "sites", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The party's id")),
    responses(
        (status = 200, description = "The party's portal access", body = PortalAccessView),
        Answers<ReadPortalAccessError>,
    ))]
async fn portal_access(
    State(state): State<ApiState>,
    auth: Authenticated,
    AppPath(id): AppPath<PartyId>,
) -> Result<AppJson<PortalAccessView>, ApiError> {
    Ok(AppJson(access_view(&state, &auth, id).await?))
}

/// Revokes a party's pending invitation: its link dies and the party is
/// not invited until invited again.
#[utoipa::path(delete, path = "/parties/{id}/invite", tag = "sites", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The party's id")),
    responses(
        (status = 200, description = "Revoked: the portal access after it", body = PortalAccessView),
        Answers<(RevokePartyInvitationError, ReadPortalAccessError)>,
    ))]
pub(super) async fn revoke_invitation(
    State(state): State<ApiState>,
    auth: Authenticated,
    AppPath(id): AppPath<PartyId>,
) -> Result<AppJson<PortalAccessView>, ApiError> {
    state.service.revoke_party_invitation(&auth.caller, id).await?;
    Ok(AppJson(access_view(&state, &auth, id).await?))
}

/// Emails an active party a portal recovery link (their earlier links die;
/// their password works until the link is used, which also clears a
/// sign-in lock).
#[utoipa::path(post, path = "/parties/{id}/portal/recovery", tag = "sites", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The party's id")),
    responses(
        (status = 204, description = "The recovery email is queued"),
        Answers<PartyRecoveryLinkError>,
    ))]
async fn send_recovery_link(
    State(state): State<ApiState>,
    auth: Authenticated,
    AppPath(id): AppPath<PartyId>,
) -> Result<StatusCode, ApiError> {
    state.service.send_party_recovery_link(&auth.caller, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// How many sessions were ended.
#[derive(Debug, Serialize, ToSchema)]
pub struct EndedView {
    /// Portal sessions that were live.
    pub ended: u64,
}

/// Ends every portal session of a party.
#[utoipa::path(delete, path = "/parties/{id}/portal/sessions", tag = "sites", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The party's id")),
    responses(
        (status = 200, description = "Ended", body = EndedView),
        Answers<EndPartySessionsError>,
    ))]
async fn end_sessions(
    State(state): State<ApiState>,
    auth: Authenticated,
    AppPath(id): AppPath<PartyId>,
) -> Result<AppJson<EndedView>, ApiError> {
    Ok(AppJson(EndedView { ended: state.service.end_party_sessions(&auth.caller, id).await? }))
}

/// How many second factors a reset removed.
#[derive(Debug, Serialize, ToSchema)]
pub struct PortalFactorsReset {
    /// Factors removed.
    pub removed: u64,
}

/// Resets a party's portal second factors: every factor and recovery code
/// goes, every portal session ends, and the party is emailed. Their next
/// sign-in takes the password alone.
#[utoipa::path(post, path = "/parties/{id}/portal/factors/reset", tag = "sites", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The party's id")),
    responses(
        (status = 200, description = "Reset", body = PortalFactorsReset),
        Answers<ResetPartyFactorsError>,
    ))]
async fn reset_factors(
    State(state): State<ApiState>,
    auth: Authenticated,
    AppPath(id): AppPath<PartyId>,
) -> Result<AppJson<PortalFactorsReset>, ApiError> {
    Ok(AppJson(PortalFactorsReset { removed: state.service.reset_party_factors(&auth.caller, id).await? }))
}

/// Withdraws a party's portal access: the account becomes inactive, every
/// portal session ends and every pending link dies. An invitation not yet
/// accepted is revoked instead (`DELETE /parties/{id}/invite`).
#[utoipa::path(post, path = "/parties/{id}/portal/deactivate", tag = "sites", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The party's id")),
    responses(
        (status = 200, description = "Deactivated: the portal access after it", body = PortalAccessView),
        Answers<(DeactivatePortalError, ReadPortalAccessError)>,
    ))]
async fn deactivate(
    State(state): State<ApiState>,
    auth: Authenticated,
    AppPath(id): AppPath<PartyId>,
) -> Result<AppJson<PortalAccessView>, ApiError> {
    state.service.deactivate_portal_access(&auth.caller, id).await?;
    Ok(AppJson(access_view(&state, &auth, id).await?))
}

/// Gives an inactive party their portal access back, with the password
/// they had.
#[utoipa::path(post, path = "/parties/{id}/portal/reactivate", tag = "sites", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The party's id")),
    responses(
        (status = 200, description = "Reactivated: the portal access after it", body = PortalAccessView),
        Answers<(ReactivatePortalError, ReadPortalAccessError)>,
    ))]
async fn reactivate(
    State(state): State<ApiState>,
    auth: Authenticated,
    AppPath(id): AppPath<PartyId>,
) -> Result<AppJson<PortalAccessView>, ApiError> {
    state.service.reactivate_portal_access(&auth.caller, id).await?;
    Ok(AppJson(access_view(&state, &auth, id).await?))
}

/// A party taking part in a case.
#[derive(Debug, Serialize, ToSchema)]
pub struct CasePartyView {
    /// The party's id.
    pub party: Uuid,
    /// Their part in the case.
    #[schema(schema_with = case_part_schema)]
    pub part: String,
    /// When they were added.
    pub added_at: DateTime<Utc>,
}

impl From<CaseParty> for CasePartyView {
    fn from(e: CaseParty) -> Self {
        Self { party: e.party.as_uuid(), part: e.part.as_str().to_owned(), added_at: e.added_at }
    }
}

/// The parties of a case with their parts, in the order they were added.
#[utoipa::path(get, path = "/cases/{id}/parties", tag = "cases", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The case's id")),
    responses(
        (status = 200, description = "The case's parties", body = Vec<CasePartyView>),
        Answers<ListCasePartiesError>,
    ))]
async fn list_case_parties(
    State(state): State<ApiState>,
    auth: Authenticated,
    AppPath(id): AppPath<CaseId>,
) -> Result<AppJson<Vec<CasePartyView>>, ApiError> {
    let entries = state.service.list_case_parties(&auth.caller, id).await?;
    Ok(AppJson(entries.into_iter().map(CasePartyView::from).collect()))
}

/// A party to add to a case.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CasePartyBody {
    /// The party's id (of your practice).
    pub party: Uuid,
    /// `student`, `complainant`, `witness`, `client` or `other`.
    #[schema(schema_with = case_part_schema)]
    pub part: String,
}

/// Adds a party to a case with their part. A party takes part in a case
/// once (`409 already-on-case`).
#[utoipa::path(post, path = "/cases/{id}/parties", tag = "cases", security(("bearer" = [])),
    request_body = CasePartyBody,
    params(("id" = Uuid, Path, description = "The case's id")),
    responses(
        (status = 201, description = "Added", body = CasePartyView),
        Answers<AddCasePartyError>,
    ))]
async fn add_case_party(
    State(state): State<ApiState>,
    auth: Authenticated,
    AppPath(id): AppPath<CaseId>,
    AppJson(body): AppJson<CasePartyBody>,
) -> Result<impl IntoResponse, ApiError> {
    let part = CasePart::parse(&body.part)
        .ok_or_else(|| ApiError::invalid("part", "use student, complainant, witness, client or other"))?;
    let entry = state.service.add_case_party(&auth.caller, id, PartyId::from_uuid(body.party), part).await?;
    Ok((StatusCode::CREATED, AppJson(CasePartyView::from(entry))))
}

/// Takes a party off a case.
#[utoipa::path(delete, path = "/cases/{id}/parties/{party}", tag = "cases", security(("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "The case's id"),
        ("party" = Uuid, Path, description = "The party's id"),
    ),
    responses(
        (status = 204, description = "Removed"),
        Answers<RemoveCasePartyError>,
    ))]
async fn remove_case_party(
    State(state): State<ApiState>,
    auth: Authenticated,
    AppPath((id, party)): AppPath<(CaseId, PartyId)>,
) -> Result<StatusCode, ApiError> {
    state.service.remove_case_party(&auth.caller, id, party).await?;
    Ok(StatusCode::NO_CONTENT)
}
