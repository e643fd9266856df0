//! The edit page of one user: details, admin notes and sites, the
//! active/inactive toggle that offers to reassign open cases, and role and
//! profiles.

use super::*;
use crate::i18n::names::{self, SelectField};

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
    reassign_to_q: String,
    find: String,
    confirmed: String,
}

/// The role and profiles form as typed.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct AccessForm {
    version: u64,
    role: String,
    profiles: Vec<String>,
    confirmed: String,
}

/// The page that asks before a change that cannot be taken back quietly
/// (a deactivation, a Super Admin grant): it names the action and the
/// person, says what follows, and posts the same form again, confirmed.
#[derive(Template)]
#[template(path = "user_change_confirm.html")]
pub(super) struct ChangeConfirmPage {
    t: &'static Text,
    chrome: Chrome,
    head: Head,
    title: String,
    consequences: Vec<String>,
    action: String,
    fields: Vec<(&'static str, String)>,
    button: String,
    back: String,
}

/// The open cases `user` owns, when the viewer may read them.
async fn open_cases(state: &ConsoleState, viewer: &Viewer, user: UserId) -> Option<usize> {
    let cases = state.service.list_cases(&viewer.caller, user, None).await.ok()?;
    Some(cases.iter().filter(|c| c.status == CaseStatus::Open).count())
}

/// The edit form again, as hidden fields, with the person picked to take
/// the open cases.
fn edit_fields(form: &EditForm, reassign_to: Option<UserId>) -> Vec<(&'static str, String)> {
    let mut fields = vec![
        ("version", form.version.to_string()),
        ("name", form.name.clone()),
        ("language", form.language.clone()),
        ("time_zone", form.time_zone.clone()),
        ("phone", form.phone.clone()),
        ("title", form.title.clone()),
        ("notes", form.notes.clone()),
        ("status_shown", form.status_shown.clone()),
        ("reassign_to", reassign_to.map(|id| id.to_string()).unwrap_or_default()),
    ];
    fields.extend(form.sites.iter().map(|s| ("sites", s.clone())));
    fields.extend(form.active.iter().map(|a| ("active", a.clone())));
    fields
}

#[derive(Template)]
#[template(path = "user_edit.html")]
pub(super) struct EditPage {
    t: &'static Text,
    chrome: Chrome,
    head: Head,
    form: EditForm,
    errors: Errors,
    candidates: Option<Picker>,
    language: SelectField,
    time_zone: SelectField,
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
    invited: Option<String>,
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
        active: (user.status == UserStatus::Active).then(|| "on".to_owned()),
        status_shown: "1".into(),
        reassign_to: String::new(),
        reassign_to_q: String::new(),
        find: String::new(),
        confirmed: String::new(),
    }
}

pub(super) struct EditState {
    form: EditForm,
    errors: Errors,
    candidates: Option<Picker>,
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
            label: names::role(viewer.lang, r),
            selected: s.access.role == r.id.to_string(),
        })
        .collect();
    let profiles = catalogue
        .profiles
        .iter()
        .map(|p| Choice {
            value: p.id.to_string(),
            label: names::profile(viewer.lang, p),
            selected: s.access.profiles.contains(&p.id.to_string()),
        })
        .collect();
    let t = viewer.lang.text();
    EditPage {
        t,
        chrome: viewer.chrome("users"),
        head: Head::of(viewer, user, "edit"),
        language: SelectField::language(t.language, &s.form.language),
        time_zone: SelectField::time_zone(t.time_zone, &s.form.time_zone),
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
        invited: (user.status == UserStatus::Invited)
            .then(|| fill(viewer.lang.text().status_invited_note, &[("name", user.name.as_str())])),
    }
}

pub(super) fn access_form_of(user: &User) -> AccessForm {
    AccessForm {
        version: user.version,
        role: user.role.to_string(),
        profiles: user.profiles.iter().map(ToString::to_string).collect(),
        confirmed: String::new(),
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
    // "Find" in the reassignment offer searches and saves nothing.
    let submitted =
        Submitted { id: &form.reassign_to, term: &form.reassign_to_q, finding: form.find == "reassign_to" };
    let (picker, picked) =
        Picker::new("reassign_to", Purpose::Owner, Some(user.id)).read(&state, &viewer, submitted).await;
    if submitted.finding {
        if let Err(problem) = picked {
            errors.add(problem);
        }
        return page_with(&user, form, errors, Some(picker), StatusCode::OK);
    }
    let reassign_to = match picked {
        Ok(to) => to,
        Err(problem) => {
            errors.add(problem);
            None
        }
    };
    let Some(edit) = edit.filter(|_| errors.is_empty()) else {
        return page_with(&user, form, errors, None, StatusCode::UNPROCESSABLE_ENTITY);
    };
    // All or nothing: the details and the status change are one use case,
    // one unit of work; any refusal saves nothing.
    let wants_active = form.active.is_some();
    let is_active = user.status != UserStatus::Inactive;
    let status = (!form.status_shown.is_empty() && wants_active != is_active).then_some({
        if wants_active { StatusChange::Reactivate } else { StatusChange::Deactivate { reassign_to } }
    });
    let done = match status {
        Some(StatusChange::Reactivate) => "reactivated",
        Some(StatusChange::Deactivate { .. }) => "deactivated",
        None => "saved",
    };
    // A deactivation is confirmed on a page of its own first, unless the
    // domain is about to refuse it for open cases nobody takes (the refusal
    // offers the picker).
    if let Some(StatusChange::Deactivate { reassign_to }) = status
        && form.confirmed.is_empty()
    {
        let open = open_cases(&state, &viewer, user.id).await.unwrap_or(0);
        if open == 0 || reassign_to.is_some() {
            let name = user.name.as_str();
            let mut consequences = vec![fill(t.confirm_deactivate, &[("name", name)])];
            if let (Some(to), true) = (&picker.chosen, open > 0) {
                let count = open.to_string();
                consequences.push(fill(t.confirm_deactivate_cases, &[("count", &count), ("to", &to.label)]));
            }
            let page = ChangeConfirmPage {
                t,
                chrome: viewer.chrome("users"),
                head: Head::of(&viewer, &user, "edit"),
                title: fill(t.confirm_deactivate_title, &[("name", name)]),
                consequences,
                action: format!("{}/edit", user_href(user.id)),
                fields: edit_fields(&form, reassign_to),
                button: fill(t.deactivate_button, &[("name", name)]),
                back: format!("{}/edit", user_href(user.id)),
            };
            return render(StatusCode::OK, &page);
        }
    }
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
            let candidates = offer.then_some(picker);
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
    // Granting Super Admin is confirmed on a page of its own first.
    let grants_bypass = role
        .is_some_and(|role| role != user.role && catalogue.roles.iter().any(|r| r.id == role && r.bypass));
    if grants_bypass && form.confirmed.is_empty() {
        let name = user.name.as_str();
        let mut fields = vec![("version", form.version.to_string()), ("role", form.role.clone())];
        fields.extend(form.profiles.iter().map(|p| ("profiles", p.clone())));
        let page = ChangeConfirmPage {
            t,
            chrome: viewer.chrome("users"),
            head: Head::of(&viewer, &user, "edit"),
            title: fill(t.confirm_super_admin_title, &[("name", name)]),
            consequences: vec![fill(t.confirm_super_admin, &[("name", name)])],
            action: format!("{}/access", user_href(user.id)),
            fields,
            button: fill(t.super_admin_button, &[("name", name)]),
            back: format!("{}/edit", user_href(user.id)),
        };
        return render(StatusCode::OK, &page);
    }
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
