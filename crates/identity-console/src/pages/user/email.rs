//! Changing one user's email address, with its warning.

use super::*;

#[derive(Template)]
#[template(path = "user_email.html")]
pub(super) struct EmailPage {
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

#[cfg(test)]
mod debug_tests {
    use super::*;

    #[test]
    fn no_debug_of_a_form_shows_what_was_typed_as_a_secret() {
        crate::assert_debug_hides::<EmailForm>(&["current_password"]);
    }
}
