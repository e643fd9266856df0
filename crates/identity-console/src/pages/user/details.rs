//! The details page of one user, and its actions menu: the three password
//! resets, sign out all sessions, resend or revoke the invitation, each
//! confirmed on a page of its own first.

use super::*;

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
            .map(|p| crate::i18n::names::profile(viewer.lang, p))
            .collect(),
    );
    let sites = names(
        catalogue.sites.iter().filter(|s| user.sites.contains(&s.id)).map(|s| s.name.to_string()).collect(),
    );
    let facts = vec![
        (t.email, user.email.as_str().to_owned()),
        (t.status, status_name(t, user.status).to_owned()),
        (t.role, catalogue.role_label(viewer.lang, user.role)),
        (t.profiles, profiles),
        (t.language, user.language.as_str().to_owned()),
        (t.time_zone, user.time_zone.name().to_owned()),
        (t.phone, user.phone.as_ref().map_or_else(|| "—".to_owned(), |p| p.as_str().to_owned())),
        (t.job_title, user.title.as_ref().map_or_else(|| "—".to_owned(), |l| l.as_str().to_owned())),
        (t.sites, sites),
        (t.created_at, when(user.created_at)),
        (t.updated_at, when(user.updated_at)),
    ];
    let mut facts = facts;
    if let Ok(overview) = state.service.user_factors(&viewer.caller, user.id).await {
        let kind = |f: &FactorSummary| if f.kind == "passkey" { t.mfa_kind_passkey } else { t.mfa_kind_totp };
        let mut listed: Vec<String> =
            overview.factors.iter().map(|f| format!("{} ({})", f.name.as_str(), kind(f))).collect();
        if listed.is_empty() {
            listed.push(t.mfa_user_none.to_owned());
        }
        if overview.required {
            listed.push(t.mfa_user_required.to_owned());
        }
        facts.push((t.mfa_nav, listed.join(" · ")));
    }
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

#[derive(Template)]
#[template(path = "user_confirm.html")]
pub(super) struct ConfirmPage {
    t: &'static Text,
    chrome: Chrome,
    head: Head,
    label: &'static str,
    question: String,
    action: String,
    slug: &'static str,
    needs_password: bool,
    button: String,
    danger: bool,
    errors: Errors,
}

pub(super) fn confirm_page(viewer: &Viewer, user: &User, action: Action, errors: Errors) -> ConfirmPage {
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
        button: fill(action.button(t), &[("name", user.name.as_str())]),
        danger: action != Action::Resend,
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
        return crate::pages::refusal_for(&viewer, StatusCode::NOT_FOUND, viewer.lang.text().err_not_found);
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
        return crate::pages::refusal_for(&viewer, StatusCode::NOT_FOUND, t.err_not_found);
    };
    let service = &state.service;
    let caller = &viewer.caller;
    let reset = |mode| service.reset_password(caller, user.id, mode);
    let outcome: Result<&str, Problem> = match action {
        Action::ResetGenerate => {
            reset(ResetMode::GenerateAndEmail).await.map(|_| "reset_emailed").map_err(|e| e.describe(t))
        }
        Action::ResetLink => {
            reset(ResetMode::EmailRecoveryLink).await.map(|_| "reset_link").map_err(|e| e.describe(t))
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
        Action::ResetFactors => {
            service.reset_factors(caller, user.id).await.map(|_| "factors_reset").map_err(|e| e.describe(t))
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

#[cfg(test)]
mod debug_tests {
    use super::*;

    #[test]
    fn no_debug_of_a_form_shows_what_was_typed_as_a_secret() {
        crate::assert_debug_hides::<ActionForm>(&["password"]);
    }
}
