//! Roles (one per user) and profiles (added on top): list them, create
//! custom ones, rename them or change their permissions. Permissions travel
//! as dotted names from the fixed catalogue (`users.read`).

use crate::ApiState;
use crate::dto::{Fields, permission_names, permissions};
use crate::error::{Answers, ApiError};
use crate::extract::{AppJson, AppPath, Authenticated};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use identity_domain::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

pub fn routes() -> OpenApiRouter<ApiState> {
    OpenApiRouter::new()
        .routes(routes!(list_roles, create_role))
        .routes(routes!(update_role))
        .routes(routes!(set_second_factor_requirement))
        .routes(routes!(list_profiles, create_profile))
        .routes(routes!(update_profile))
}

/// The name and permissions of a custom role or profile.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GrantBody {
    /// Its name, unique in the practice.
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    /// Dotted permission names from the catalogue (`users.read`, `cases.own`…).
    #[schema(schema_with = crate::dto::permission_names_schema)]
    pub permissions: Vec<String>,
}

impl GrantBody {
    fn into_draft(self) -> Result<GrantDraft, ApiError> {
        let mut f = Fields::default();
        let name = f.check("name", Label::parse(&self.name));
        let permissions = permissions(&mut f, "permissions", &self.permissions);
        let built = (|| Some(GrantDraft { name: name?, permissions: permissions? }))();
        f.finish(built)
    }
}

/// A role.
#[derive(Debug, Serialize, ToSchema)]
pub struct RoleView {
    /// Id.
    pub id: Uuid,
    /// Name.
    pub name: String,
    /// What it allows, as dotted names (empty for Super Admin, which passes every check).
    pub permissions: Vec<String>,
    /// Passes every permission check inside the practice (Super Admin).
    pub bypass: bool,
    /// Built in: cannot be renamed or changed.
    pub builtin: bool,
    /// Its holders must have a second factor (`PUT /roles/{id}/second-factor`).
    pub second_factor_required: bool,
}

impl From<Role> for RoleView {
    fn from(r: Role) -> Self {
        Self {
            id: r.id.as_uuid(),
            name: r.name.as_str().to_owned(),
            permissions: permission_names(r.permissions),
            bypass: r.bypass,
            builtin: r.builtin,
            second_factor_required: r.second_factor_required,
        }
    }
}

/// A profile.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProfileView {
    /// Id.
    pub id: Uuid,
    /// Name.
    pub name: String,
    /// What it adds, as dotted names.
    pub permissions: Vec<String>,
    /// Built in: cannot be renamed or changed.
    pub builtin: bool,
}

impl From<Profile> for ProfileView {
    fn from(p: Profile) -> Self {
        Self {
            id: p.id.as_uuid(),
            name: p.name.as_str().to_owned(),
            permissions: permission_names(p.permissions),
            builtin: p.builtin,
        }
    }
}

/// Every role of your practice.
#[utoipa::path(get, path = "/roles", tag = "roles", security(("bearer" = [])),
    responses(
        (status = 200, description = "The roles", body = Vec<RoleView>),
        Answers<ListRolesError>,
    ))]
async fn list_roles(
    State(state): State<ApiState>,
    auth: Authenticated,
) -> Result<AppJson<Vec<RoleView>>, ApiError> {
    let roles = state.service.list_roles(&auth.caller).await?;
    Ok(AppJson(roles.into_iter().map(RoleView::from).collect()))
}

/// Creates a custom role (needs `roles.manage`; you can only grant
/// permissions you hold, unless you are Super Admin).
#[utoipa::path(post, path = "/roles", tag = "roles", security(("bearer" = [])), request_body = GrantBody,
    responses(
        (status = 201, description = "Created", body = RoleView),
        Answers<CreateGrantError>,
    ))]
async fn create_role(
    State(state): State<ApiState>,
    auth: Authenticated,
    AppJson(body): AppJson<GrantBody>,
) -> Result<impl IntoResponse, ApiError> {
    let role = state.service.create_role(&auth.caller, body.into_draft()?).await?;
    Ok((StatusCode::CREATED, AppJson(RoleView::from(role))))
}

/// Renames a custom role or replaces its permissions; users holding it get
/// the change on their next request. Built-in roles cannot change.
#[utoipa::path(put, path = "/roles/{id}", tag = "roles", security(("bearer" = [])), request_body = GrantBody,
    params(("id" = Uuid, Path, description = "The role's id")),
    responses(
        (status = 200, description = "The role", body = RoleView),
        Answers<RoleError>,
    ))]
async fn update_role(
    State(state): State<ApiState>,
    auth: Authenticated,
    AppPath(id): AppPath<RoleId>,
    AppJson(body): AppJson<GrantBody>,
) -> Result<AppJson<RoleView>, ApiError> {
    Ok(AppJson(state.service.update_role(&auth.caller, id, body.into_draft()?).await?.into()))
}

/// Every profile of your practice.
#[utoipa::path(get, path = "/profiles", tag = "roles", security(("bearer" = [])),
    responses(
        (status = 200, description = "The profiles", body = Vec<ProfileView>),
        Answers<ListRolesError>,
    ))]
async fn list_profiles(
    State(state): State<ApiState>,
    auth: Authenticated,
) -> Result<AppJson<Vec<ProfileView>>, ApiError> {
    let profiles = state.service.list_profiles(&auth.caller).await?;
    Ok(AppJson(profiles.into_iter().map(ProfileView::from).collect()))
}

/// Creates a custom profile (needs `roles.manage`; you can only grant
/// permissions you hold, unless you are Super Admin).
#[utoipa::path(post, path = "/profiles", tag = "roles", security(("bearer" = [])), request_body = GrantBody,
    responses(
        (status = 201, description = "Created", body = ProfileView),
        Answers<CreateGrantError>,
    ))]
async fn create_profile(
    State(state): State<ApiState>,
    auth: Authenticated,
    AppJson(body): AppJson<GrantBody>,
) -> Result<impl IntoResponse, ApiError> {
    let profile = state.service.create_profile(&auth.caller, body.into_draft()?).await?;
    Ok((StatusCode::CREATED, AppJson(ProfileView::from(profile))))
}

/// Renames a custom profile or replaces its permissions. Built-in profiles
/// cannot change.
#[utoipa::path(put, path = "/profiles/{id}", tag = "roles", security(("bearer" = [])), request_body = GrantBody,
    params(("id" = Uuid, Path, description = "The profile's id")),
    responses(
        (status = 200, description = "The profile", body = ProfileView),
        Answers<RoleError>,
    ))]
async fn update_profile(
    State(state): State<ApiState>,
    auth: Authenticated,
    AppPath(id): AppPath<ProfileId>,
    AppJson(body): AppJson<GrantBody>,
) -> Result<AppJson<ProfileView>, ApiError> {
    Ok(AppJson(state.service.update_profile(&auth.caller, id, body.into_draft()?).await?.into()))
}

/// Whether a role requires a second factor of its holders.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SecondFactorRequirementBody {
    /// Required or not.
    pub required: bool,
}

/// Sets whether a role's holders must have a second factor (built-in roles
/// too). Needs `roles.manage`, and only on a role whose holders you may act
/// on: an Administrator cannot lift it from Super Admin. A holder without a
/// factor is asked to enrol one at their next sign-in.
#[utoipa::path(put, path = "/roles/{id}/second-factor", tag = "roles", security(("bearer" = [])),
    request_body = SecondFactorRequirementBody,
    params(("id" = Uuid, Path, description = "The role's id")),
    responses(
        (status = 200, description = "Set; the role", body = RoleView),
        Answers<FactorPolicyError>,
    ))]
async fn set_second_factor_requirement(
    State(state): State<ApiState>,
    auth: Authenticated,
    AppPath(id): AppPath<Uuid>,
    AppJson(body): AppJson<SecondFactorRequirementBody>,
) -> Result<AppJson<RoleView>, ApiError> {
    let role =
        state.service.set_role_factor_requirement(&auth.caller, RoleId::from_uuid(id), body.required).await?;
    Ok(AppJson(role.into()))
}
