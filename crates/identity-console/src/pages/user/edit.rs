//! The edit page of one user: details, admin notes and sites, the
//! active/inactive toggle that offers to reassign open cases, and role and
//! profiles.

use super::*;

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
pub(super) struct EditPage {
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

pub(super) fn edit_form_of(user: &User) -> EditForm {
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
pub(super) async fn case_owners(
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

pub(super) struct EditState {
    form: EditForm,
    errors: Errors,
    candidates: Option<Vec<Choice>>,
    access: AccessForm,
    access_errors: Errors,
}

pub(super) fn edit_page(viewer: &Viewer, user: &User, catalogue: &Catalogue, s: EditState) -> EditPage {
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

pub(super) fn access_form_of(user: &User) -> AccessForm {
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
