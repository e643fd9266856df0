//! Cases: open one for an owner, read it, give it to another owner, close
//! it. This system keeps only a case's identity, status and owner.

use crate::ApiState;
use crate::dto::{CaseView, Fields};
use crate::error::{Answers, ApiError};
use crate::extract::{AppJson, AppPath, Authenticated};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use identity_domain::*;
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

pub fn routes() -> OpenApiRouter<ApiState> {
    OpenApiRouter::new()
        .routes(routes!(create_case))
        .routes(routes!(get_case))
        .routes(routes!(assign_case))
        .routes(routes!(close_case))
}

/// A refused owner of a new case is the `owner` field's fault.
fn new_owner_error(e: CreateCaseError) -> ApiError {
    match e {
        CreateCaseError::Assignee(e) => ApiError::from(e).at("owner"),
        other => other.into(),
    }
}

/// A refused new owner is the `owner` field's fault.
fn owner_error(e: AssignCaseError) -> ApiError {
    match e {
        AssignCaseError::Assignee(e) => ApiError::from(e).at("owner"),
        other => other.into(),
    }
}

/// A case to open.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCaseBody {
    /// Title or file reference.
    #[schema(min_length = 1, max_length = 200)]
    pub title: String,
    /// The owner's id: an active user holding `cases.own`.
    pub owner: Uuid,
}

/// Opens a case owned by `owner`. Needs `cases.assign`, or `cases.own` to
/// open one for yourself.
#[utoipa::path(post, path = "/cases", tag = "cases", security(("bearer" = [])), request_body = NewCaseBody,
    responses(
        (status = 201, description = "Opened", body = CaseView),
        Answers<CreateCaseError>,
    ))]
async fn create_case(
    State(state): State<ApiState>,
    auth: Authenticated,
    AppJson(body): AppJson<NewCaseBody>,
) -> Result<impl IntoResponse, ApiError> {
    let mut f = Fields::default();
    let title = f.check("title", Label::parse(&body.title));
    let title = f.finish(title)?;
    let case = state
        .service
        .create_case(&auth.caller, title, UserId::from_uuid(body.owner))
        .await
        .map_err(new_owner_error)?;
    Ok((StatusCode::CREATED, AppJson(CaseView::from(case))))
}

/// One case (needs `cases.read`, or owning it).
#[utoipa::path(get, path = "/cases/{id}", tag = "cases", security(("bearer" = [])), params(("id" = Uuid, Path, description = "The case's id")),
    responses(
        (status = 200, description = "The case", body = CaseView),
        Answers<ReadCaseError>,
    ))]
async fn get_case(
    State(state): State<ApiState>,
    auth: Authenticated,
    AppPath(id): AppPath<CaseId>,
) -> Result<AppJson<CaseView>, ApiError> {
    Ok(AppJson(state.service.get_case(&auth.caller, id).await?.into()))
}

/// A new owner.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OwnerBody {
    /// The new owner's id: an active user holding `cases.own`.
    pub owner: Uuid,
}

/// Gives an open case to another owner (needs `cases.assign`). An inactive
/// user, or one without `cases.own`, can never be given a case.
#[utoipa::path(put, path = "/cases/{id}/owner", tag = "cases", security(("bearer" = [])), request_body = OwnerBody,
    params(("id" = Uuid, Path, description = "The case's id")),
    responses(
        (status = 200, description = "The case with its new owner", body = CaseView),
        Answers<AssignCaseError>,
    ))]
async fn assign_case(
    State(state): State<ApiState>,
    auth: Authenticated,
    AppPath(id): AppPath<CaseId>,
    AppJson(body): AppJson<OwnerBody>,
) -> Result<AppJson<CaseView>, ApiError> {
    let case = state
        .service
        .assign_case(&auth.caller, id, UserId::from_uuid(body.owner))
        .await
        .map_err(owner_error)?;
    Ok(AppJson(case.into()))
}

/// Closes a case (needs `cases.assign`, or owning it).
#[utoipa::path(post, path = "/cases/{id}/close", tag = "cases", security(("bearer" = [])), params(("id" = Uuid, Path, description = "The case's id")),
    responses(
        (status = 200, description = "The closed case", body = CaseView),
        Answers<CloseCaseError>,
    ))]
async fn close_case(
    State(state): State<ApiState>,
    auth: Authenticated,
    AppPath(id): AppPath<CaseId>,
) -> Result<AppJson<CaseView>, ApiError> {
    Ok(AppJson(state.service.close_case(&auth.caller, id).await?.into()))
}
