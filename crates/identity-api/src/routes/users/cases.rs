//! A user's cases: the cases they own, and handing them all to a colleague.

use super::*;

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
        Answers<ListCasesError>,
    ))]
pub(super) async fn user_cases(
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
        Answers<ReassignCasesError>,
    ))]
pub(super) async fn reassign_cases(
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
            ReassignCasesError::Assignee(e) => ApiError::from(e).at("to"),
            other => other.into(),
        })?;
    Ok(AppJson(Reassigned { cases: moved.into_iter().map(|c| c.as_uuid()).collect() }))
}
