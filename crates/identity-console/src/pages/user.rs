//! One user: the details page with its actions menu (the three password
//! resets, sign out all sessions, invitations, each confirmed first), the
//! edit page (details, admin notes, sites, the active/inactive toggle that
//! offers to reassign open cases, role and profiles), the email change with
//! its warning, and the assigned-cases tab with select-all and
//! "Reassign to…".

use super::users::{Catalogue, PersonFields, done_text, holder_of, picked};
use super::{Chrome, Errors, render};
use crate::i18n::{Text, date_time, fill};
use crate::messages::{Describe, Problem, email_problem, status_name};
use crate::session::{SignedForm, Viewer};
use crate::{ConsoleState, paths};
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use identity_domain::*;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

/// The routes of this module.
pub fn routes() -> Router<ConsoleState> {
    Router::new()
        .route("/console/users/{id}", get(details))
        .route("/console/users/{id}/edit", get(edit_form).post(edit))
        .route("/console/users/{id}/access", post(set_access))
        .route("/console/users/{id}/email", get(email_form).post(change_email))
        .route("/console/users/{id}/confirm/{action}", get(confirm))
        .route("/console/users/{id}/actions/{action}", post(act))
        .route("/console/users/{id}/cases", get(cases))
        .route("/console/users/{id}/cases/reassign", post(reassign))
}

fn user_href(id: UserId) -> String {
    format!("{}/{id}", paths::USERS)
}

async fn load(state: &ConsoleState, viewer: &Viewer, raw: &str) -> Result<User, Response> {
    let Ok(id) = raw.parse::<UserId>() else {
        return Err(super::refusal(viewer.lang, StatusCode::NOT_FOUND, viewer.lang.text().err_not_found));
    };
    state.service.get_user(&viewer.caller, id).await.map_err(|e| super::failure(viewer.lang, e))
}

/// An action of the actions menu.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Action {
    ResetGenerate,
    ResetLink,
    ResetTemporary,
    SignOutAll,
    Resend,
    Revoke,
}

impl Action {
    const ALL: [Self; 6] = [
        Self::ResetGenerate,
        Self::ResetLink,
        Self::ResetTemporary,
        Self::SignOutAll,
        Self::Resend,
        Self::Revoke,
    ];

    fn slug(self) -> &'static str {
        match self {
            Self::ResetGenerate => "reset-generate",
            Self::ResetLink => "reset-link",
            Self::ResetTemporary => "reset-temporary",
            Self::SignOutAll => "sign-out-all",
            Self::Resend => "resend-invitation",
            Self::Revoke => "revoke-invitation",
        }
    }

    fn parse(slug: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.slug() == slug)
    }

    fn label(self, t: &'static Text) -> &'static str {
        match self {
            Self::ResetGenerate => t.reset_generate,
            Self::ResetLink => t.reset_link,
            Self::ResetTemporary => t.reset_temporary,
            Self::SignOutAll => t.sign_out_all,
            Self::Resend => t.resend_invitation,
            Self::Revoke => t.revoke_invitation,
        }
    }

    fn question(self, t: &'static Text) -> &'static str {
        match self {
            Self::ResetGenerate => t.confirm_reset_generate,
            Self::ResetLink => t.confirm_reset_link,
            Self::ResetTemporary => t.confirm_reset_temporary,
            Self::SignOutAll => t.confirm_sign_out_all,
            Self::Resend => t.confirm_resend,
            Self::Revoke => t.confirm_revoke,
        }
    }

    /// Whether the viewer may take it on this user now.
    fn offered(self, viewer: &Viewer, user: &User) -> bool {
        let may = |p| viewer.caller.may(p);
        match self {
            Self::ResetGenerate | Self::ResetLink | Self::ResetTemporary => {
                user.status == UserStatus::Active && may(Permission::UsersResetPassword)
            }
            Self::SignOutAll => user.status == UserStatus::Active && may(Permission::UsersSignOut),
            Self::Resend | Self::Revoke => user.status == UserStatus::Invited && may(Permission::UsersCreate),
        }
    }
}

/// The heading, tabs and actions menu of every page about one user.
struct Head {
    id: String,
    name: String,
    status: &'static str,
    status_label: &'static str,
    tab: &'static str,
    may_edit: bool,
    may_cases: bool,
    actions: Vec<(String, &'static str, &'static str)>,
}

impl Head {
    fn of(viewer: &Viewer, user: &User, tab: &'static str) -> Self {
        let t = viewer.lang.text();
        let may = |p| viewer.caller.may(p);
        Self {
            id: user.id.to_string(),
            name: user.name.as_str().to_owned(),
            status: user.status.as_str(),
            status_label: status_name(t, user.status),
            tab,
            may_edit: may(Permission::UsersUpdate)
                || may(Permission::UsersAssignRoles)
                || may(Permission::UsersDeactivate),
            may_cases: may(Permission::CasesRead),
            actions: Action::ALL
                .into_iter()
                .filter(|a| a.offered(viewer, user))
                .map(|a| (format!("{}/confirm/{}", user_href(user.id), a.slug()), a.label(t), a.slug()))
                .collect(),
        }
    }
}

#[derive(Template)]
#[template(path = "user.html")]
struct DetailsPage {
    t: &'static Text,
    chrome: Chrome,
    head: Head,
    done: Option<&'static str>,
    facts: Vec<(&'static str, String)>,
    notes: Option<String>,
    emails: Vec<(String, String)>,
    may_email: bool,
    may_audit: bool,
}

/// A notice in the address.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Done {
    done: String,
}

/// `GET /console/users/{id}`.
pub async fn details(
    State(state): State<ConsoleState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Query(done): Query<Done>,
) -> Response {
    let user = match load(&state, &viewer, &id).await {
        Ok(u) => u,
        Err(page) => return page,
    };
    let catalogue = match Catalogue::read(&state, &viewer).await {
        Ok(c) => c,
        Err(page) => return page,
    };
    let t = viewer.lang.text();
    let when = |at| date_time(at, viewer.user.time_zone, viewer.lang);
    let names = |ids: Vec<String>| if ids.is_empty() { "—".to_owned() } else { ids.join(", ") };
    let profiles = names(
        catalogue
            .profiles
            .iter()
            .filter(|p| user.profiles.contains(&p.id))
            .map(|p| p.name.to_string())
            .collect(),
    );
    let sites = names(
        catalogue.sites.iter().filter(|s| user.sites.contains(&s.id)).map(|s| s.name.to_string()).collect(),
    );
    let facts = vec![
        (t.email, user.email.as_str().to_owned()),
        (t.status, status_name(t, user.status).to_owned()),
        (t.role, catalogue.role_name(user.role)),
        (t.profiles, profiles),
        (t.language, user.language.as_str().to_owned()),
        (t.time_zone, user.time_zone.name().to_owned()),
        (t.phone, user.phone.as_ref().map_or_else(|| "—".to_owned(), |p| p.as_str().to_owned())),
        (t.job_title, user.title.as_ref().map_or_else(|| "—".to_owned(), |l| l.as_str().to_owned())),
        (t.sites, sites),
        (t.created_at, when(user.created_at)),
        (t.updated_at, when(user.updated_at)),
    ];
    let emails = state
        .service
        .email_history(&viewer.caller, user.id)
        .await
        .map(|list| list.into_iter().map(|(e, at)| (e.as_str().to_owned(), when(at))).collect())
        .unwrap_or_default();
    let page = DetailsPage {
        t,
        chrome: viewer.chrome("users"),
        head: Head::of(&viewer, &user, "details"),
        done: done_text(t, &done.done),
        facts,
        notes: user.notes.as_ref().map(|n| n.as_str().to_owned()),
        emails,
        may_email: viewer.caller.may(Permission::UsersUpdateEmail),
        may_audit: viewer.caller.may(Permission::AuditRead),
    };
    render(StatusCode::OK, &page)
}

/// A choice in a list.
struct Choice {
    value: String,
    label: String,
    selected: bool,
}

/// The edit form as typed.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct EditForm {
    version: u64,
    name: String,
    language: String,
    time_zone: String,
    phone: String,
    title: String,
    notes: String,
    sites: Vec<String>,
    active: Option<String>,
    status_shown: String,
    reassign_to: String,
}

/// The role and profiles form as typed.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct AccessForm {
    version: u64,
    role: String,
    profiles: Vec<String>,
}

#[derive(Template)]
#[template(path = "user_edit.html")]
struct EditPage {
    t: &'static Text,
    chrome: Chrome,
    head: Head,
    form: EditForm,
    errors: Errors,
    candidates: Option<Vec<Choice>>,
    sites: Vec<Choice>,
    roles: Vec<Choice>,
    profiles: Vec<Choice>,
    access_errors: Errors,
    access_version: u64,
    may_update: bool,
    may_notes: bool,
    may_status: bool,
    may_access: bool,
    may_email: bool,
}

fn edit_form_of(user: &User) -> EditForm {
    EditForm {
        version: user.version,
        name: user.name.as_str().to_owned(),
        language: user.language.as_str().to_owned(),
        time_zone: user.time_zone.name().to_owned(),
        phone: user.phone.as_ref().map(|p| p.as_str().to_owned()).unwrap_or_default(),
        title: user.title.as_ref().map(|l| l.as_str().to_owned()).unwrap_or_default(),
        notes: user.notes.as_ref().map(|n| n.as_str().to_owned()).unwrap_or_default(),
        sites: user.sites.iter().map(ToString::to_string).collect(),
        active: (user.status != UserStatus::Inactive).then(|| "on".to_owned()),
        status_shown: "1".into(),
        reassign_to: String::new(),
    }
}

/// Active users other than `except` who may own cases.
async fn case_owners(
    state: &ConsoleState,
    viewer: &Viewer,
    catalogue: &Catalogue,
    except: UserId,
    selected: &str,
) -> Vec<Choice> {
    let query = UserQuery {
        filter: UserFilter { statuses: vec![UserStatus::Active], ..UserFilter::default() },
        limit: identity_domain::listing::MAX_PAGE_SIZE,
        ..UserQuery::default()
    };
    let users = state.service.list_users(&viewer.caller, &query).await.map(|p| p.items).unwrap_or_default();
    users
        .into_iter()
        .filter(|u| u.id != except)
        .filter(|u| {
            let Some(role) = catalogue.roles.iter().find(|r| r.id == u.role) else { return false };
            let profiles = catalogue.profiles.iter().filter(|p| u.profiles.contains(&p.id));
            Grants::of(role, profiles).allows(Permission::CasesOwn)
        })
        .map(|u| Choice {
            selected: u.id.to_string() == selected,
            value: u.id.to_string(),
            label: format!("{} ({})", u.name, u.email),
        })
        .collect()
}

struct EditState {
    form: EditForm,
    errors: Errors,
    candidates: Option<Vec<Choice>>,
    access: AccessForm,
    access_errors: Errors,
}

fn edit_page(viewer: &Viewer, user: &User, catalogue: &Catalogue, s: EditState) -> EditPage {
    let may = |p| viewer.caller.may(p);
    let sites = catalogue
        .sites
        .iter()
        .map(|site| Choice {
            value: site.id.to_string(),
            label: site.name.to_string(),
            selected: s.form.sites.contains(&site.id.to_string()),
        })
        .collect();
    let roles = catalogue
        .roles
        .iter()
        .map(|r| Choice {
            value: r.id.to_string(),
            label: r.name.to_string(),
            selected: s.access.role == r.id.to_string(),
        })
        .collect();
    let profiles = catalogue
        .profiles
        .iter()
        .map(|p| Choice {
            value: p.id.to_string(),
            label: p.name.to_string(),
            selected: s.access.profiles.contains(&p.id.to_string()),
        })
        .collect();
    EditPage {
        t: viewer.lang.text(),
        chrome: viewer.chrome("users"),
        head: Head::of(viewer, user, "edit"),
        access_version: s.access.version,
        form: s.form,
        errors: s.errors,
        candidates: s.candidates,
        sites,
        roles,
        profiles,
        access_errors: s.access_errors,
        may_update: may(Permission::UsersUpdate),
        may_notes: may(Permission::UsersNotes),
        may_status: may(Permission::UsersDeactivate) && user.id != viewer.user.id,
        may_access: may(Permission::UsersAssignRoles),
        may_email: may(Permission::UsersUpdateEmail),
    }
}

fn access_form_of(user: &User) -> AccessForm {
    AccessForm {
        version: user.version,
        role: user.role.to_string(),
        profiles: user.profiles.iter().map(ToString::to_string).collect(),
    }
}

/// `GET /console/users/{id}/edit`.
pub async fn edit_form(
    State(state): State<ConsoleState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Response {
    let user = match load(&state, &viewer, &id).await {
        Ok(u) => u,
        Err(page) => return page,
    };
    let catalogue = match Catalogue::read(&state, &viewer).await {
        Ok(c) => c,
        Err(page) => return page,
    };
    let s = EditState {
        form: edit_form_of(&user),
        errors: Errors::default(),
        candidates: None,
        access: access_form_of(&user),
        access_errors: Errors::default(),
    };
    render(StatusCode::OK, &edit_page(&viewer, &user, &catalogue, s))
}

/// `POST /console/users/{id}/edit`: "Update" — the details, then the
/// status toggle (deactivating with reassignment when asked).
pub async fn edit(
    State(state): State<ConsoleState>,
    Path(id): Path<String>,
    posted: SignedForm<EditForm>,
) -> Response {
    let SignedForm { viewer, form } = posted;
    let t = viewer.lang.text();
    let user = match load(&state, &viewer, &id).await {
        Ok(u) => u,
        Err(page) => return page,
    };
    let catalogue = match Catalogue::read(&state, &viewer).await {
        Ok(c) => c,
        Err(page) => return page,
    };
    let may = |p| viewer.caller.may(p);
    let mut errors = Errors::default();
    let person = PersonFields::parse(
        t,
        &mut errors,
        (&form.name, &form.language, &form.time_zone),
        (&form.phone, &form.title, &form.notes),
    );
    // Only the fields that differ from the stored user are sent: a viewer
    // who may change the status but not the details can still toggle it.
    let differs = |old: &str, new: &str| old != new;
    let edit = (|| {
        let name = person.name?;
        let language = person.language?;
        let time_zone = person.time_zone?;
        let phone = person.phone?;
        let title = person.title?;
        let notes = if may(Permission::UsersNotes) { Some(person.notes?) } else { None };
        let sites = may(Permission::UsersUpdate).then(|| picked(&form.sites)).filter(|s| *s != user.sites);
        Some(UserEdit {
            name: differs(user.name.as_str(), name.as_str()).then_some(name),
            language: differs(user.language.as_str(), language.as_str()).then_some(language),
            time_zone: differs(user.time_zone.name(), time_zone.name()).then_some(time_zone),
            phone: (phone != user.phone).then_some(phone),
            title: (title != user.title).then_some(title),
            notes: notes.filter(|n| *n != user.notes),
            sites,
        })
    })();
    let page_with = |user: &User, form: EditForm, errors: Errors, candidates, status| {
        let s = EditState {
            form,
            errors,
            candidates,
            access: access_form_of(user),
            access_errors: Errors::default(),
        };
        render(status, &edit_page(&viewer, user, &catalogue, s))
    };
    let Some(edit) = edit.filter(|_| errors.is_empty()) else {
        return page_with(&user, form, errors, None, StatusCode::UNPROCESSABLE_ENTITY);
    };
    // All or nothing: the details and the status change are one use case,
    // one unit of work; any refusal saves nothing.
    let wants_active = form.active.is_some();
    let is_active = user.status != UserStatus::Inactive;
    let status = (!form.status_shown.is_empty() && wants_active != is_active).then(|| {
        if wants_active {
            StatusChange::Reactivate
        } else {
            StatusChange::Deactivate { reassign_to: form.reassign_to.parse::<UserId>().ok() }
        }
    });
    let done = match status {
        Some(StatusChange::Reactivate) => "reactivated",
        Some(StatusChange::Deactivate { .. }) => "deactivated",
        None => "saved",
    };
    match state.service.edit_user(&viewer.caller, user.id, edit, status, Some(form.version)).await {
        Ok(_) => Redirect::to(&format!("{}?done={done}", user_href(user.id))).into_response(),
        Err(e) => {
            let mut problem = e.describe(t);
            let offer = matches!(
                e,
                EditUserError::Deactivate(
                    DeactivateError::OwnsOpenCases { .. } | DeactivateError::Assignee(_)
                )
            );
            if offer {
                problem.text = fill(&problem.text, &[("name", user.name.as_str())]);
            }
            let candidates = if offer {
                Some(case_owners(&state, &viewer, &catalogue, user.id, &form.reassign_to).await)
            } else {
                None
            };
            let status = problem.status;
            errors.add(problem);
            page_with(&user, form, errors, candidates, status)
        }
    }
}

/// `POST /console/users/{id}/access`: role and profiles.
pub async fn set_access(
    State(state): State<ConsoleState>,
    Path(id): Path<String>,
    posted: SignedForm<AccessForm>,
) -> Response {
    let SignedForm { viewer, form } = posted;
    let t = viewer.lang.text();
    let user = match load(&state, &viewer, &id).await {
        Ok(u) => u,
        Err(page) => return page,
    };
    let catalogue = match Catalogue::read(&state, &viewer).await {
        Ok(c) => c,
        Err(page) => return page,
    };
    let mut errors = Errors::default();
    let role = errors.check(form.role.parse::<RoleId>().map_err(|_| Problem::at("role", t.err_choose)));
    let status = match role {
        Some(role) => {
            match state
                .service
                .set_access(&viewer.caller, user.id, role, picked(&form.profiles), Some(form.version))
                .await
            {
                Ok(_) => return Redirect::to(&format!("{}?done=saved", user_href(user.id))).into_response(),
                Err(e) => {
                    let problem = e.describe(t);
                    let status = problem.status;
                    errors.add(problem);
                    status
                }
            }
        }
        None => StatusCode::UNPROCESSABLE_ENTITY,
    };
    let s = EditState {
        form: edit_form_of(&user),
        errors: Errors::default(),
        candidates: None,
        access: form,
        access_errors: errors,
    };
    render(status, &edit_page(&viewer, &user, &catalogue, s))
}

#[derive(Template)]
#[template(path = "user_email.html")]
struct EmailPage {
    t: &'static Text,
    chrome: Chrome,
    head: Head,
    current: String,
    email: String,
    version: u64,
    is_self: bool,
    errors: Errors,
    holder: Option<(String, String)>,
}

/// `GET /console/users/{id}/email`.
pub async fn email_form(
    State(state): State<ConsoleState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Response {
    let user = match load(&state, &viewer, &id).await {
        Ok(u) => u,
        Err(page) => return page,
    };
    let page = EmailPage {
        t: viewer.lang.text(),
        chrome: viewer.chrome("users"),
        head: Head::of(&viewer, &user, "edit"),
        current: user.email.as_str().to_owned(),
        email: String::new(),
        version: user.version,
        is_self: user.id == viewer.user.id,
        errors: Errors::default(),
        holder: None,
    };
    render(StatusCode::OK, &page)
}

/// The email change form.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct EmailForm {
    email: String,
    version: u64,
    current_password: SecretString,
}

/// `POST /console/users/{id}/email`.
pub async fn change_email(
    State(state): State<ConsoleState>,
    Path(id): Path<String>,
    posted: SignedForm<EmailForm>,
) -> Response {
    let SignedForm { viewer, form } = posted;
    let t = viewer.lang.text();
    let user = match load(&state, &viewer, &id).await {
        Ok(u) => u,
        Err(page) => return page,
    };
    let mut errors = Errors::default();
    let mut holder = None;
    let mut status = StatusCode::UNPROCESSABLE_ENTITY;
    if let Some(email) =
        errors.check(EmailAddress::parse(&form.email).map_err(|e| email_problem(t, "email", &e)))
    {
        let change = ChangeEmail {
            email,
            expected_version: Some(form.version),
            current_password: (!form.current_password.expose_secret().is_empty())
                .then(|| form.current_password.clone()),
        };
        match state.service.change_email(&viewer.caller, user.id, change).await {
            Ok(_) => return Redirect::to(&format!("{}?done=email", user_href(user.id))).into_response(),
            Err(e) => {
                let mut problem = e.describe(t);
                holder = holder_of(&state, &viewer, &mut problem).await;
                status = problem.status;
                errors.add(problem);
            }
        }
    }
    let page = EmailPage {
        t,
        chrome: viewer.chrome("users"),
        head: Head::of(&viewer, &user, "edit"),
        current: user.email.as_str().to_owned(),
        email: form.email,
        version: user.version,
        is_self: user.id == viewer.user.id,
        errors,
        holder,
    };
    render(status, &page)
}

#[derive(Template)]
#[template(path = "user_confirm.html")]
struct ConfirmPage {
    t: &'static Text,
    chrome: Chrome,
    head: Head,
    label: &'static str,
    question: String,
    action: String,
    slug: &'static str,
    needs_password: bool,
    errors: Errors,
}

fn confirm_page(viewer: &Viewer, user: &User, action: Action, errors: Errors) -> ConfirmPage {
    let t = viewer.lang.text();
    ConfirmPage {
        t,
        chrome: viewer.chrome("users"),
        head: Head::of(viewer, user, "details"),
        label: action.label(t),
        question: fill(action.question(t), &[("name", user.name.as_str())]),
        action: format!("{}/actions/{}", user_href(user.id), action.slug()),
        slug: action.slug(),
        needs_password: action == Action::ResetTemporary,
        errors,
    }
}

/// `GET /console/users/{id}/confirm/{action}`: asks before acting.
pub async fn confirm(
    State(state): State<ConsoleState>,
    viewer: Viewer,
    Path((id, action)): Path<(String, String)>,
) -> Response {
    let user = match load(&state, &viewer, &id).await {
        Ok(u) => u,
        Err(page) => return page,
    };
    let Some(action) = Action::parse(&action) else {
        return super::refusal(viewer.lang, StatusCode::NOT_FOUND, viewer.lang.text().err_not_found);
    };
    render(StatusCode::OK, &confirm_page(&viewer, &user, action, Errors::default()))
}

/// A confirmed action.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ActionForm {
    password: SecretString,
}

/// `POST /console/users/{id}/actions/{action}`.
pub async fn act(
    State(state): State<ConsoleState>,
    Path((id, action)): Path<(String, String)>,
    posted: SignedForm<ActionForm>,
) -> Response {
    let SignedForm { viewer, form } = posted;
    let t = viewer.lang.text();
    let user = match load(&state, &viewer, &id).await {
        Ok(u) => u,
        Err(page) => return page,
    };
    let Some(action) = Action::parse(&action) else {
        return super::refusal(viewer.lang, StatusCode::NOT_FOUND, t.err_not_found);
    };
    let service = &state.service;
    let caller = &viewer.caller;
    let reset = |mode| service.reset_password(caller, user.id, mode);
    let outcome: Result<&str, Problem> = match action {
        Action::ResetGenerate => {
            reset(ResetMode::GenerateAndEmail).await.map(|_| "reset").map_err(|e| e.describe(t))
        }
        Action::ResetLink => {
            reset(ResetMode::EmailRecoveryLink).await.map(|_| "reset").map_err(|e| e.describe(t))
        }
        Action::ResetTemporary if form.password.expose_secret().is_empty() => {
            Err(Problem::at("password", t.err_required))
        }
        Action::ResetTemporary => {
            reset(ResetMode::SetTemporary(form.password)).await.map(|_| "reset").map_err(|e| e.describe(t))
        }
        Action::SignOutAll => service
            .sign_out_everywhere(caller, user.id)
            .await
            .map(|_| "signed_out")
            .map_err(|e| e.describe(t)),
        Action::Resend => {
            service.resend_invitation(caller, user.id).await.map(|_| "resent").map_err(|e| e.describe(t))
        }
        Action::Revoke => {
            service.revoke_invitation(caller, user.id).await.map(|_| "revoked").map_err(|e| e.describe(t))
        }
    };
    match outcome {
        Ok(done) => Redirect::to(&format!("{}?done={done}", user_href(user.id))).into_response(),
        Err(problem) => {
            let status = problem.status;
            let mut errors = Errors::default();
            errors.add(problem);
            render(status, &confirm_page(&viewer, &user, action, errors))
        }
    }
}

struct CaseRow {
    id: String,
    title: String,
    updated: String,
}

#[derive(Template)]
#[template(path = "user_cases.html")]
struct CasesPage {
    t: &'static Text,
    chrome: Chrome,
    head: Head,
    done: Option<&'static str>,
    intro: String,
    open: Vec<CaseRow>,
    closed: Vec<CaseRow>,
    candidates: Vec<Choice>,
    may_assign: bool,
    errors: Errors,
}

async fn cases_page(
    state: &ConsoleState,
    viewer: &Viewer,
    user: &User,
    done: Option<&'static str>,
    selected_to: &str,
    errors: Errors,
) -> Response {
    let t = viewer.lang.text();
    let all = match state.service.list_cases(&viewer.caller, user.id, None).await {
        Ok(cases) => cases,
        Err(e) => return super::failure(viewer.lang, e),
    };
    let catalogue = match Catalogue::read(state, viewer).await {
        Ok(c) => c,
        Err(page) => return page,
    };
    let row = |c: &Case| CaseRow {
        id: c.id.to_string(),
        title: c.title.as_str().to_owned(),
        updated: date_time(c.updated_at, viewer.user.time_zone, viewer.lang),
    };
    let open = all.iter().filter(|c| c.status == CaseStatus::Open).map(row).collect();
    let closed = all.iter().filter(|c| c.status == CaseStatus::Closed).map(row).collect();
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let page = CasesPage {
        t,
        chrome: viewer.chrome("users"),
        head: Head::of(viewer, user, "cases"),
        done,
        intro: fill(t.cases_intro, &[("name", user.name.as_str())]),
        open,
        closed,
        candidates: case_owners(state, viewer, &catalogue, user.id, selected_to).await,
        may_assign: viewer.caller.may(Permission::CasesAssign),
        errors,
    };
    render(status, &page)
}

/// `GET /console/users/{id}/cases`: the assigned-cases tab.
pub async fn cases(
    State(state): State<ConsoleState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Query(done): Query<Done>,
) -> Response {
    let user = match load(&state, &viewer, &id).await {
        Ok(u) => u,
        Err(page) => return page,
    };
    let done = done_text(viewer.lang.text(), &done.done);
    cases_page(&state, &viewer, &user, done, "", Errors::default()).await
}

/// The reassign form: every selected case (or all open ones) and who takes them.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ReassignForm {
    all: Option<String>,
    cases: Vec<String>,
    to: String,
}

/// `POST /console/users/{id}/cases/reassign`.
pub async fn reassign(
    State(state): State<ConsoleState>,
    Path(id): Path<String>,
    posted: SignedForm<ReassignForm>,
) -> Response {
    let SignedForm { viewer, form } = posted;
    let t = viewer.lang.text();
    let user = match load(&state, &viewer, &id).await {
        Ok(u) => u,
        Err(page) => return page,
    };
    let mut errors = Errors::default();
    let to = errors.check(form.to.parse::<UserId>().map_err(|_| Problem::at("reassign_to", t.err_choose)));
    let selection = if form.all.is_some() {
        Some(CaseSelection::AllOpen)
    } else {
        let ids: Vec<CaseId> = form.cases.iter().filter_map(|c| c.parse().ok()).collect();
        if ids.is_empty() {
            errors.add(Problem::at("cases", t.choose_cases));
            None
        } else {
            Some(CaseSelection::Only(ids))
        }
    };
    if let (Some(to), Some(selection)) = (to, selection) {
        match state.service.reassign_cases(&viewer.caller, user.id, to, selection).await {
            Ok(_) => {
                return Redirect::to(&format!("{}/cases?done=reassigned", user_href(user.id)))
                    .into_response();
            }
            Err(e) => errors.add(e.describe(t)),
        }
    }
    cases_page(&state, &viewer, &user, None, &form.to, errors).await
}
