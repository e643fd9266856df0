//! The new-user page: the form, its refusals in place, and the page that
//! shows a generated password once.

use super::*;
use crate::i18n::names::{self, SelectField};

/// The "New user" form as typed.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct NewUserForm {
    name: String,
    email: String,
    role: String,
    profiles: Vec<String>,
    language: String,
    time_zone: String,
    phone: String,
    title: String,
    notes: String,
    sites: Vec<String>,
    password_mode: String,
    password: SecretString,
    submit: String,
}

#[derive(Template)]
#[template(path = "user_new.html")]
pub(super) struct NewUserPage {
    t: &'static Text,
    chrome: Chrome,
    form: NewUserForm,
    errors: Errors,
    holder: Option<(String, String)>,
    roles: Vec<Choice>,
    profiles: Vec<Choice>,
    sites: Vec<Choice>,
    language: SelectField,
    time_zone: SelectField,
    may_notes: bool,
}

pub(super) fn new_user_page(
    viewer: &Viewer,
    catalogue: &Catalogue,
    form: NewUserForm,
    errors: Errors,
    holder: Option<(String, String)>,
) -> NewUserPage {
    let roles = catalogue
        .roles
        .iter()
        .map(|r| Choice {
            value: r.id.to_string(),
            label: names::role(viewer.lang, r),
            selected: form.role == r.id.to_string(),
        })
        .collect();
    let profiles = catalogue
        .profiles
        .iter()
        .map(|p| Choice {
            value: p.id.to_string(),
            label: names::profile(viewer.lang, p),
            selected: form.profiles.contains(&p.id.to_string()),
        })
        .collect();
    let sites = catalogue
        .sites
        .iter()
        .map(|s| Choice {
            value: s.id.to_string(),
            label: s.name.to_string(),
            selected: form.sites.contains(&s.id.to_string()),
        })
        .collect();
    let t = viewer.lang.text();
    NewUserPage {
        t,
        language: SelectField::language(t.language, &form.language),
        time_zone: SelectField::time_zone(t.time_zone, &form.time_zone),
        chrome: viewer.chrome("users"),
        form,
        errors,
        holder,
        roles,
        profiles,
        sites,
        may_notes: viewer.caller.may(Permission::UsersNotes),
    }
}

/// `GET /console/users/new`.
pub async fn new_form(State(state): State<ConsoleState>, viewer: Viewer) -> Response {
    let catalogue = match Catalogue::read(&state, &viewer).await {
        Ok(c) => c,
        Err(page) => return page,
    };
    let form = NewUserForm {
        language: viewer.user.language.as_str().to_owned(),
        time_zone: viewer.user.time_zone.name().to_owned(),
        password_mode: "generate".into(),
        ..NewUserForm::default()
    };
    render(StatusCode::OK, &new_user_page(&viewer, &catalogue, form, Errors::default(), None))
}

#[derive(Template)]
#[template(path = "user_created.html")]
pub(super) struct CreatedPage {
    t: &'static Text,
    chrome: Chrome,
    message: String,
    /// `None` once shown (a reload, or another browser).
    password: Option<String>,
    href: String,
}

/// `GET /console/users/{id}/created`: where "Save" with a generated
/// password leads (post/redirect/get). The password comes once, in the
/// flash cookie this page removes; a reload says it was shown.
pub async fn created(
    State(state): State<ConsoleState>,
    viewer: Viewer,
    axum::extract::Path(id): axum::extract::Path<String>,
    jar: CookieJar,
) -> Response {
    let t = viewer.lang.text();
    let Ok(uuid) = uuid::Uuid::parse_str(&id) else {
        return crate::pages::refusal_for(&viewer, StatusCode::NOT_FOUND, t.err_not_found);
    };
    let user = match state.service.get_user(&viewer.caller, UserId::from_uuid(uuid)).await {
        Ok(user) => user,
        Err(e) => return crate::pages::failure_for(&viewer, e),
    };
    let subject = user.id.to_string();
    let (sealed, removal) = crate::flash::take_created(&jar);
    let password = sealed.and_then(|sealed| viewer.flash.open(&subject, &sealed));
    let message = match password {
        Some(_) => t.created_with_password,
        None => t.created_password_shown,
    };
    let page = CreatedPage {
        t,
        chrome: viewer.chrome("users"),
        message: crate::i18n::fill(message, &[("name", user.name.as_str())]),
        password,
        href: format!("{}/{subject}", paths::USERS),
    };
    (removal, render(StatusCode::OK, &page)).into_response()
}

/// `POST /console/users`: "Save" (with the generated or typed one-time
/// password) or "Send invite".
pub async fn create(State(state): State<ConsoleState>, posted: SignedForm<NewUserForm>) -> Response {
    let SignedForm { viewer, form } = posted;
    let t = viewer.lang.text();
    let catalogue = match Catalogue::read(&state, &viewer).await {
        Ok(c) => c,
        Err(page) => return page,
    };
    let mut errors = Errors::default();
    let email = errors.check(EmailAddress::parse(&form.email).map_err(|e| email_problem(t, "email", &e)));
    let person = PersonFields::parse(
        t,
        &mut errors,
        (&form.name, &form.language, &form.time_zone),
        (&form.phone, &form.title, &form.notes),
    );
    let role = errors.check(
        uuid::Uuid::parse_str(&form.role)
            .map(RoleId::from_uuid)
            .map_err(|_| Problem::at("role", t.err_choose)),
    );
    let credential = if form.submit == "invite" {
        Some(InitialCredential::Invite)
    } else if form.password_mode == "define" {
        if form.password.expose_secret().is_empty() {
            errors.add(Problem::at("password", t.err_required));
            None
        } else {
            Some(InitialCredential::SetPassword(form.password.clone()))
        }
    } else {
        Some(InitialCredential::GeneratePassword)
    };
    let new = (|| {
        Some(NewUser {
            email: email?,
            name: person.name?,
            role: role?,
            profiles: picked(&form.profiles),
            language: person.language?,
            time_zone: person.time_zone?,
            phone: person.phone?,
            title: person.title?,
            notes: person.notes?,
            sites: picked(&form.sites),
            credential: credential?,
        })
    })();
    let Some(new) = new.filter(|_| errors.is_empty()) else {
        let page = new_user_page(&viewer, &catalogue, form, errors, None);
        return render(StatusCode::UNPROCESSABLE_ENTITY, &page);
    };
    match state.service.create_user(&viewer.caller, new).await {
        Ok(created) => {
            let href = format!("{}/{}", paths::USERS, created.user.id);
            match created.generated_password {
                Some(password) => {
                    // Post/redirect/get: a reload shows the page, never
                    // posts again; the password waits in a sealed cookie.
                    let subject = created.user.id.to_string();
                    let jar = viewer
                        .flash
                        .seal(&subject, password.expose())
                        .map(|sealed| CookieJar::new().add(crate::flash::created_cookie(&sealed)));
                    (jar, Redirect::to(&format!("{href}/created"))).into_response()
                }
                None if created.user.status == UserStatus::Invited => {
                    Redirect::to(&format!("{href}?done=invited")).into_response()
                }
                None => Redirect::to(&format!("{href}?done=saved")).into_response(),
            }
        }
        Err(e) => {
            let mut problem = e.describe(t);
            let holder = holder_of(&state, &viewer, &mut problem).await;
            let status = problem.status;
            let mut form = form;
            form.password = SecretString::default();
            errors.add(problem);
            render(status, &new_user_page(&viewer, &catalogue, form, errors, holder))
        }
    }
}

#[cfg(test)]
mod debug_tests {
    use super::*;

    #[test]
    fn no_debug_of_a_form_shows_what_was_typed_as_a_secret() {
        crate::assert_debug_hides::<NewUserForm>(&["password"]);
    }
}
