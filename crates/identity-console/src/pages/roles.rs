//! Roles and profiles with their permissions: every one listed; custom
//! ones created and edited by those who may manage roles (never granting a
//! permission the editor does not hold, unless Super Admin).

use super::{Chrome, Errors, render};
use crate::ConsoleState;
use crate::i18n::Text;
use crate::messages::{Describe, text_problem};
use crate::session::{SignedForm, Viewer};
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use identity_domain::*;
use serde::Deserialize;

/// The routes of this module.
pub fn routes() -> Router<ConsoleState> {
    Router::new()
        .route("/console/roles", get(list).post(create))
        .route("/console/roles/{kind}/{id}", get(edit_form).post(update))
        .route("/console/roles/role/{id}/second-factor", post(set_second_factor))
}

/// A notice in the address.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Done {
    done: String,
}

/// The role or profile form as typed.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct GrantForm {
    kind: String,
    name: String,
    permissions: Vec<String>,
}

struct GrantRow {
    kind: &'static str,
    id: String,
    name: String,
    builtin: bool,
    bypass: bool,
    permissions: Vec<&'static str>,
    /// Whether its holders must have a second factor (roles only).
    second_factor: Option<bool>,
}

struct PermissionChoice {
    name: &'static str,
    checked: bool,
}

fn choices(form: &GrantForm) -> Vec<PermissionChoice> {
    Permission::ALL
        .iter()
        .map(|p| PermissionChoice {
            name: p.as_str(),
            checked: form.permissions.iter().any(|c| c == p.as_str()),
        })
        .collect()
}

fn permission_set(form: &GrantForm) -> PermissionSet {
    form.permissions.iter().filter_map(|p| p.parse::<Permission>().ok()).collect()
}

#[derive(Template)]
#[template(path = "roles.html")]
struct RolesPage {
    t: &'static Text,
    chrome: Chrome,
    done: bool,
    roles: Vec<GrantRow>,
    profiles: Vec<GrantRow>,
    may_manage: bool,
    form: GrantForm,
    permissions: Vec<PermissionChoice>,
    errors: Errors,
}

async fn roles_page(
    state: &ConsoleState,
    viewer: &Viewer,
    done: bool,
    form: GrantForm,
    errors: Errors,
) -> Response {
    let roles = match state.service.list_roles(&viewer.caller).await {
        Ok(r) => r,
        Err(e) => return super::failure_for(viewer, e),
    };
    let profiles = match state.service.list_profiles(&viewer.caller).await {
        Ok(p) => p,
        Err(e) => return super::failure_for(viewer, e),
    };
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let page = RolesPage {
        t: viewer.lang.text(),
        chrome: viewer.chrome("roles"),
        done,
        roles: roles
            .into_iter()
            .map(|r| GrantRow {
                kind: "role",
                id: r.id.to_string(),
                name: crate::i18n::names::role(viewer.lang, &r),
                builtin: r.builtin,
                bypass: r.bypass,
                permissions: r.permissions.iter().map(Permission::as_str).collect(),
                second_factor: Some(r.second_factor_required),
            })
            .collect(),
        profiles: profiles
            .into_iter()
            .map(|p| GrantRow {
                kind: "profile",
                id: p.id.to_string(),
                name: crate::i18n::names::profile(viewer.lang, &p),
                builtin: p.builtin,
                bypass: false,
                permissions: p.permissions.iter().map(Permission::as_str).collect(),
                second_factor: None,
            })
            .collect(),
        may_manage: viewer.caller.may(Permission::RolesManage),
        permissions: choices(&form),
        form,
        errors,
    };
    render(status, &page)
}

/// `GET /console/roles`.
pub async fn list(State(state): State<ConsoleState>, viewer: Viewer, Query(done): Query<Done>) -> Response {
    let form = GrantForm { kind: "role".into(), ..GrantForm::default() };
    roles_page(&state, &viewer, done.done == "saved", form, Errors::default()).await
}

/// `POST /console/roles`: a new role or profile.
pub async fn create(State(state): State<ConsoleState>, posted: SignedForm<GrantForm>) -> Response {
    let SignedForm { viewer, form } = posted;
    let t = viewer.lang.text();
    let mut errors = Errors::default();
    if let Some(name) = errors.check(Label::parse(&form.name).map_err(|e| text_problem(t, "name", &e))) {
        let draft = GrantDraft { name, permissions: permission_set(&form) };
        let created = if form.kind == "profile" {
            state.service.create_profile(&viewer.caller, draft).await.map(|_| ())
        } else {
            state.service.create_role(&viewer.caller, draft).await.map(|_| ())
        };
        match created {
            Ok(()) => return Redirect::to("/console/roles?done=saved").into_response(),
            Err(e) => errors.add(e.describe(t)),
        }
    }
    roles_page(&state, &viewer, false, form, errors).await
}

#[derive(Template)]
#[template(path = "role_edit.html")]
struct EditPage {
    t: &'static Text,
    chrome: Chrome,
    action: String,
    form: GrantForm,
    permissions: Vec<PermissionChoice>,
    errors: Errors,
}

async fn find(state: &ConsoleState, viewer: &Viewer, kind: &str, id: &str) -> Result<GrantForm, Response> {
    let not_found = || super::refusal_for(viewer, StatusCode::NOT_FOUND, viewer.lang.text().err_not_found);
    let found = match kind {
        "role" => state
            .service
            .list_roles(&viewer.caller)
            .await
            .map_err(|e| super::failure_for(viewer, e))?
            .into_iter()
            .find(|r| r.id.to_string() == id && !r.builtin)
            .map(|r| (r.name, r.permissions)),
        "profile" => state
            .service
            .list_profiles(&viewer.caller)
            .await
            .map_err(|e| super::failure_for(viewer, e))?
            .into_iter()
            .find(|p| p.id.to_string() == id && !p.builtin)
            .map(|p| (p.name, p.permissions)),
        _ => None,
    };
    let (name, permissions) = found.ok_or_else(not_found)?;
    Ok(GrantForm {
        kind: kind.to_owned(),
        name: name.to_string(),
        permissions: permissions.iter().map(|p| p.as_str().to_owned()).collect(),
    })
}

fn edit_page(viewer: &Viewer, kind: &str, id: &str, form: GrantForm, errors: Errors) -> Response {
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let page = EditPage {
        t: viewer.lang.text(),
        chrome: viewer.chrome("roles"),
        action: format!("/console/roles/{kind}/{id}"),
        permissions: choices(&form),
        form,
        errors,
    };
    render(status, &page)
}

/// `GET /console/roles/{kind}/{id}`: a custom role or profile to edit.
pub async fn edit_form(
    State(state): State<ConsoleState>,
    viewer: Viewer,
    Path((kind, id)): Path<(String, String)>,
) -> Response {
    match find(&state, &viewer, &kind, &id).await {
        Ok(form) => edit_page(&viewer, &kind, &id, form, Errors::default()),
        Err(page) => page,
    }
}

/// `POST /console/roles/{kind}/{id}`.
pub async fn update(
    State(state): State<ConsoleState>,
    Path((kind, id)): Path<(String, String)>,
    posted: SignedForm<GrantForm>,
) -> Response {
    let SignedForm { viewer, mut form } = posted;
    let t = viewer.lang.text();
    form.kind.clone_from(&kind);
    let mut errors = Errors::default();
    let parsed = errors.check(Label::parse(&form.name).map_err(|e| text_problem(t, "name", &e)));
    let uuid = uuid::Uuid::parse_str(&id).ok();
    if let (Some(name), Some(uuid)) = (parsed, uuid) {
        let draft = GrantDraft { name, permissions: permission_set(&form) };
        let updated = match kind.as_str() {
            "profile" => state
                .service
                .update_profile(&viewer.caller, ProfileId::from_uuid(uuid), draft)
                .await
                .map(|_| ()),
            _ => state.service.update_role(&viewer.caller, RoleId::from_uuid(uuid), draft).await.map(|_| ()),
        };
        match updated {
            Ok(()) => return Redirect::to("/console/roles?done=saved").into_response(),
            Err(e) => errors.add(e.describe(t)),
        }
    }
    edit_page(&viewer, &kind, &id, form, errors)
}

/// Whether a role requires a second factor, as ticked.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SecondFactorForm {
    required: String,
}

/// `POST /console/roles/role/{id}/second-factor`.
pub async fn set_second_factor(
    State(state): State<ConsoleState>,
    Path(id): Path<String>,
    posted: SignedForm<SecondFactorForm>,
) -> Response {
    let SignedForm { viewer, form } = posted;
    let Ok(role) = id.parse::<RoleId>() else {
        return super::refusal_for(&viewer, StatusCode::NOT_FOUND, viewer.lang.text().err_not_found);
    };
    let required = !form.required.is_empty();
    match state.service.set_role_factor_requirement(&viewer.caller, role, required).await {
        Ok(_) => Redirect::to("/console/roles?done=saved").into_response(),
        Err(e) => super::failure_for(&viewer, e),
    }
}
