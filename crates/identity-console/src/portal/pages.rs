//! The portal's pages: sign-in, forgot password, the two emailed links'
//! pages (join, recover), the party's cases, their details and their
//! password, and sign-out. (The second step of signing in and the party's
//! second factors are [`crate::factors`]'s.)

use super::paths;
use super::session::{self, Party, PartyForm, PortalVisitor, PortalVisitorForm};
use crate::ConsoleState;
use crate::i18n::{Lang, Text, fill};
use crate::messages::{Describe, Problem, text_problem};
use crate::pages::access::{DeadLink, ForgotForm, LinkState, Sent, SignInForm, sign_in_refused};
use crate::pages::party::{case_status_label, part_label};
use crate::pages::{Errors, render};
use askama::Template;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use identity_domain::{Language, LinkError, Note, Phone, PortalContactChange, SessionScope, TimeZone, Token};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

/// What the portal's layout needs.
#[derive(Debug, Clone)]
pub struct PortalChrome {
    /// The page language's `lang` code.
    pub lang: &'static str,
    /// The form token.
    pub csrf: String,
    /// The signed-in party's name, with the navigation; `None` before
    /// sign-in (the language links show instead).
    pub party: Option<String>,
    /// Which page of the navigation this is (`cases`, `profile`,
    /// `password`, `security`).
    pub section: &'static str,
    /// This page's address, for the language links.
    pub here: &'static str,
}

impl PortalChrome {
    /// The layout of a page before sign-in.
    pub fn visitor(lang: Lang, csrf: String, here: &'static str) -> Self {
        Self { lang: lang.code(), csrf, party: None, section: "", here }
    }

    /// The layout of a signed-in party's page in `section`.
    pub fn party(party: &Party, section: &'static str, here: &'static str) -> Self {
        Self {
            lang: party.lang.code(),
            csrf: party.csrf.clone(),
            party: Some(party.profile.party.details.name.to_string()),
            section,
            here,
        }
    }
}

/// A notice shown at the top of the sign-in page, and what to fill in
/// (after joining or a new password: the practice and email of the link).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Notice {
    notice: String,
    practice: String,
    email: String,
}

fn notice_text(t: &'static Text, key: &str) -> Option<&'static str> {
    match key {
        "signed_out" => Some(t.signed_out),
        "ended" => Some(t.session_ended),
        "password_set" => Some(t.recover_done),
        "joined" => Some(t.portal_join_done),
        _ => None,
    }
}

#[derive(Template)]
#[template(path = "portal/sign_in.html")]
struct SignInPage {
    t: &'static Text,
    chrome: PortalChrome,
    notice: Option<&'static str>,
    errors: Errors,
    practice: String,
    email: String,
}

/// `GET /portal/sign-in`.
pub async fn sign_in_page(visitor: PortalVisitor, Query(notice): Query<Notice>) -> Response {
    let v = &visitor.visitor;
    let t = v.lang.text();
    let page = SignInPage {
        t,
        chrome: PortalChrome::visitor(v.lang, v.csrf.clone(), paths::SIGN_IN),
        notice: notice_text(t, &notice.notice),
        errors: Errors::default(),
        practice: notice.practice,
        email: notice.email,
    };
    (visitor.jar(), render(StatusCode::OK, &page)).into_response()
}

/// `POST /portal/sign-in`: the portal's own session cookie, then the
/// party's cases, or the second step for a party with a second factor (the
/// cookie then holds a session that opens no other page).
pub async fn sign_in(State(state): State<ConsoleState>, posted: PortalVisitorForm<SignInForm>) -> Response {
    let PortalVisitorForm { visitor, form, request_id } = posted;
    let t = visitor.lang.text();
    let (attempt, practice, email) = form.into_attempt(request_id);
    let errors = match state.service.portal_sign_in(attempt).await {
        Ok(signed) => {
            let jar = visitor.jar.add(session::session_cookie(signed.token.expose()));
            let next = if signed.session.scope == SessionScope::SecondFactor {
                paths::SECOND_STEP
            } else {
                paths::HOME
            };
            return (jar, Redirect::to(next)).into_response();
        }
        Err(refused) => sign_in_refused(t, refused),
    };
    let page = SignInPage {
        t,
        chrome: PortalChrome::visitor(visitor.lang, visitor.csrf.clone(), paths::SIGN_IN),
        notice: None,
        errors,
        practice,
        email,
    };
    (visitor.jar, render(StatusCode::UNAUTHORIZED, &page)).into_response()
}

/// An empty form (its token is all it carries).
#[derive(Debug, Deserialize)]
pub struct Empty {}

/// `POST /portal/sign-out`: ends this portal session and removes its cookie.
pub async fn sign_out(State(state): State<ConsoleState>, posted: PartyForm<Empty>) -> Response {
    let party = posted.party;
    if let Err(e) = state.service.portal_sign_out(&party.caller).await {
        return failure(party.lang, e);
    }
    (session::without_session(), Redirect::to(&format!("{}?notice=signed_out", paths::SIGN_IN)))
        .into_response()
}

#[derive(Template)]
#[template(path = "portal/forgot.html")]
struct ForgotPage {
    t: &'static Text,
    chrome: PortalChrome,
    sent: bool,
    errors: Errors,
    practice: String,
    email: String,
}

/// `GET /portal/forgot`, and `?sent=1` once the request is taken.
pub async fn forgot_page(visitor: PortalVisitor, Query(sent): Query<Sent>) -> Response {
    let v = &visitor.visitor;
    let page = ForgotPage {
        t: v.lang.text(),
        chrome: PortalChrome::visitor(v.lang, v.csrf.clone(), paths::FORGOT),
        sent: sent.is_sent(),
        errors: Errors::default(),
        practice: String::new(),
        email: String::new(),
    };
    (visitor.jar(), render(StatusCode::OK, &page)).into_response()
}

/// `POST /portal/forgot`: the same answer, in the same time, whatever the
/// practice and email: the request is queued, the answer (to `?sent=1`:
/// a reload sends nothing again) given first.
pub async fn forgot(State(state): State<ConsoleState>, posted: PortalVisitorForm<ForgotForm>) -> Response {
    let PortalVisitorForm { visitor, form, request_id } = posted;
    state.forgot.submit_portal(form.request(request_id));
    (visitor.jar, Redirect::to(&format!("{}?sent=1", paths::FORGOT))).into_response()
}

/// Which emailed link a page serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LinkUse {
    Join,
    Recover,
}

#[derive(Template)]
#[template(path = "portal/link.html")]
struct LinkPage {
    t: &'static Text,
    chrome: PortalChrome,
    title: &'static str,
    intro: &'static str,
    button: &'static str,
    /// What the link must be for (`party_invitation` or `recovery`): the
    /// page's script asks the API whose live link it is, or leads to the
    /// dead-link page before a password is typed.
    purpose: &'static str,
    token: String,
    errors: Errors,
    /// A dead link: no form, what happened and the next step instead.
    dead: Option<DeadLink>,
}

fn link_page(which: LinkUse, lang: Lang, csrf: String, token: String, errors: Errors) -> LinkPage {
    let t = lang.text();
    let (title, intro, button, here, purpose) = match which {
        LinkUse::Join => {
            (t.portal_join_title, t.portal_join_intro, t.join_button, paths::JOIN, "party_invitation")
        }
        LinkUse::Recover => (t.recover_title, t.recover_intro, t.save_password, paths::RECOVER, "recovery"),
    };
    let chrome = PortalChrome::visitor(lang, csrf, here);
    LinkPage { t, chrome, title, intro, button, purpose, token, errors, dead: None }
}

/// The page of a dead link (unknown, used, replaced or expired): no form;
/// what happened, and the next step.
fn dead_link(which: LinkUse, lang: Lang, csrf: String) -> LinkPage {
    let t = lang.text();
    let dead = match which {
        LinkUse::Join => DeadLink {
            next: t.link_dead_portal_join_next,
            href: paths::SIGN_IN,
            label: t.sign_in_link,
            sign_in: "",
        },
        LinkUse::Recover => DeadLink {
            next: t.link_dead_recover_next,
            href: paths::FORGOT,
            label: t.request_new_link,
            sign_in: paths::SIGN_IN,
        },
    };
    let mut page = link_page(which, lang, csrf, String::new(), Errors::default());
    page.title = t.link_dead_title;
    page.intro = t.link_dead_text;
    page.dead = Some(dead);
    page
}

async fn show_link(which: LinkUse, visitor: PortalVisitor, state: LinkState) -> Response {
    let v = &visitor.visitor;
    let page = if state.is_dead() {
        dead_link(which, v.lang, v.csrf.clone())
    } else {
        link_page(which, v.lang, v.csrf.clone(), String::new(), Errors::default())
    };
    (visitor.jar(), render(StatusCode::OK, &page)).into_response()
}

/// `GET /portal/join`: the token stays in the URL fragment, which browsers
/// never send; the page's script copies it into the form. `?link=dead`
/// shows the page of a dead link.
pub async fn join_page(visitor: PortalVisitor, Query(state): Query<LinkState>) -> Response {
    show_link(LinkUse::Join, visitor, state).await
}

/// `GET /portal/recover`: as the join page, for a recovery link.
pub async fn recover_page(visitor: PortalVisitor, Query(state): Query<LinkState>) -> Response {
    show_link(LinkUse::Recover, visitor, state).await
}

/// The form of a link page.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct LinkForm {
    token: SecretString,
    new_password: SecretString,
}

async fn redeem(which: LinkUse, state: ConsoleState, posted: PortalVisitorForm<LinkForm>) -> Response {
    let PortalVisitorForm { visitor, form, request_id } = posted;
    let token = Token::presented(form.token.expose_secret().trim());
    let password = form.new_password;
    // Whose link it is, to fill in the sign-in page afterwards.
    let holder = state.service.inspect_party_link(&token).await.ok().flatten();
    let (result, notice): (Result<(), LinkError>, &str) = match which {
        LinkUse::Join => {
            (state.service.accept_party_invitation(&token, password, request_id).await, "joined")
        }
        LinkUse::Recover => {
            (state.service.recover_portal_password(&token, password, request_id).await, "password_set")
        }
    };
    match result {
        Ok(()) => {
            let prefill = holder.map(|h| (h.practice_slug.to_string(), h.email.to_string()));
            Redirect::to(&crate::pages::access::sign_in_after_link(paths::SIGN_IN, notice, prefill))
                .into_response()
        }
        Err(LinkError::InvalidLink) => {
            let page = dead_link(which, visitor.lang, visitor.csrf.clone());
            (visitor.jar, render(StatusCode::GONE, &page)).into_response()
        }
        Err(e) => {
            let mut errors = Errors::default();
            let problem = e.describe(visitor.lang.text());
            let status = problem.status;
            errors.add(problem);
            let token = form.token.expose_secret().to_owned();
            let page = link_page(which, visitor.lang, visitor.csrf.clone(), token, errors);
            (visitor.jar, render(status, &page)).into_response()
        }
    }
}

/// `POST /portal/join`: sets the password; the account becomes active.
pub async fn join(State(state): State<ConsoleState>, posted: PortalVisitorForm<LinkForm>) -> Response {
    redeem(LinkUse::Join, state, posted).await
}

/// `POST /portal/recover`: sets a new password.
pub async fn recover(State(state): State<ConsoleState>, posted: PortalVisitorForm<LinkForm>) -> Response {
    redeem(LinkUse::Recover, state, posted).await
}

struct CaseRow {
    title: String,
    status: &'static str,
    part: &'static str,
    site: String,
}

#[derive(Template)]
#[template(path = "portal/home.html")]
struct HomePage {
    t: &'static Text,
    chrome: PortalChrome,
    welcome: String,
    practice: String,
    cases: Vec<CaseRow>,
}

/// `GET /portal`: the cases the party takes part in.
pub async fn home(State(state): State<ConsoleState>, party: Party) -> Response {
    let t = party.lang.text();
    let cases = match state.service.portal_cases(&party.caller).await {
        Ok(cases) => cases,
        Err(e) => return failure(party.lang, e),
    };
    let page = HomePage {
        t,
        chrome: PortalChrome::party(&party, "cases", paths::HOME),
        welcome: fill(t.portal_welcome, &[("name", party.profile.party.details.name.as_str())]),
        practice: party.profile.practice_name.to_string(),
        cases: cases
            .into_iter()
            .map(|c| CaseRow {
                title: c.title.to_string(),
                status: case_status_label(t, c.status),
                part: part_label(t, c.part),
                site: c.site_name.to_string(),
            })
            .collect(),
    };
    render(StatusCode::OK, &page)
}

/// The contact form as typed.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ProfileForm {
    phone: String,
    address: String,
    language: String,
    time_zone: String,
}

#[derive(Template)]
#[template(path = "portal/profile.html")]
struct ProfilePage {
    t: &'static Text,
    chrome: PortalChrome,
    done: bool,
    name: String,
    email: String,
    practice: String,
    record: Vec<(&'static str, String)>,
    form: ProfileForm,
    errors: Errors,
}

/// What else the practice recorded about the party, as far as it is there.
fn record(t: &'static Text, details: &identity_domain::PartyDetails) -> Vec<(&'static str, String)> {
    [
        (t.date_of_birth, details.date_of_birth.map(|d| d.format("%Y-%m-%d").to_string())),
        (t.gender, details.gender.as_ref().map(ToString::to_string)),
        (t.grade_or_position, details.grade_or_position.as_ref().map(ToString::to_string)),
    ]
    .into_iter()
    .filter_map(|(label, value)| Some((label, value?)))
    .collect()
}

fn profile_view(party: &Party, form: ProfileForm, errors: Errors, done: bool) -> ProfilePage {
    let t = party.lang.text();
    ProfilePage {
        t,
        chrome: PortalChrome::party(party, "profile", paths::PROFILE),
        done,
        name: party.profile.party.details.name.to_string(),
        email: party.profile.email.to_string(),
        practice: party.profile.practice_name.to_string(),
        record: record(t, &party.profile.party.details),
        form,
        errors,
    }
}

/// A notice in the address.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Done {
    done: String,
}

fn show_profile(party: Party, done: bool) -> Response {
    let details = &party.profile.party.details;
    let form = ProfileForm {
        phone: details.phone.as_ref().map(|p| p.as_str().to_owned()).unwrap_or_default(),
        address: details.address.as_ref().map(|a| a.as_str().to_owned()).unwrap_or_default(),
        language: details.language.as_ref().map_or_else(|| party.lang.code().to_owned(), |l| l.to_string()),
        time_zone: party.profile.time_zone.to_string(),
    };
    render(StatusCode::OK, &profile_view(&party, form, Errors::default(), done))
}

/// `GET /portal/profile`: contact details, language and time zone.
pub async fn profile_page(party: Party, Query(done): Query<Done>) -> Response {
    show_profile(party, done.done == "saved")
}

fn optional<T, E>(
    errors: &mut Errors,
    raw: &str,
    parse: impl Fn(&str) -> Result<T, E>,
    problem: impl Fn(E) -> Problem,
) -> Option<T> {
    if raw.trim().is_empty() {
        return None;
    }
    errors.check(parse(raw.trim()).map_err(problem))
}

/// `POST /portal/profile`: saves them; a refused field is shown beside
/// itself and nothing changes.
pub async fn update_profile(State(state): State<ConsoleState>, posted: PartyForm<ProfileForm>) -> Response {
    let PartyForm { party, form } = posted;
    let t = party.lang.text();
    let mut errors = Errors::default();
    let phone = optional(&mut errors, &form.phone, Phone::parse, |_| Problem::at("phone", t.err_phone));
    let address = optional(&mut errors, &form.address, Note::parse, |e| text_problem(t, "address", &e));
    let language = errors
        .check(Language::parse(form.language.trim()).map_err(|_| Problem::at("language", t.err_language)));
    let time_zone = errors
        .check(TimeZone::parse(form.time_zone.trim()).map_err(|_| Problem::at("time_zone", t.err_time_zone)));
    if let (Some(language), Some(time_zone), true) = (language, time_zone, errors.is_empty()) {
        let change = PortalContactChange { phone, address, language, time_zone };
        match state.service.update_portal_contact(&party.caller, change).await {
            Ok(_) => return Redirect::to(&format!("{}?done=saved", paths::PROFILE)).into_response(),
            Err(e) => errors.add(e.describe(t)),
        }
    }
    render(StatusCode::UNPROCESSABLE_ENTITY, &profile_view(&party, form, errors, false))
}

#[derive(Template)]
#[template(path = "portal/password.html")]
struct PasswordPage {
    t: &'static Text,
    chrome: PortalChrome,
    done: bool,
    errors: Errors,
}

/// `GET /portal/password`.
pub async fn password_page(party: Party, Query(done): Query<Done>) -> Response {
    let page = PasswordPage {
        t: party.lang.text(),
        chrome: PortalChrome::party(&party, "password", paths::PASSWORD),
        done: done.done == "password",
        errors: Errors::default(),
    };
    render(StatusCode::OK, &page)
}

/// The password change form.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct PasswordForm {
    current_password: SecretString,
    new_password: SecretString,
}

/// `POST /portal/password`: the current password is required; the other
/// sessions end.
pub async fn change_password(State(state): State<ConsoleState>, posted: PartyForm<PasswordForm>) -> Response {
    let PartyForm { party, form } = posted;
    let t = party.lang.text();
    match state.service.change_portal_password(&party.caller, form.current_password, form.new_password).await
    {
        Ok(()) => Redirect::to(&format!("{}?done=password", paths::PASSWORD)).into_response(),
        Err(e) => {
            let mut errors = Errors::default();
            let problem = e.describe(t);
            let status = problem.status;
            errors.add(problem);
            let page = PasswordPage {
                t,
                chrome: PortalChrome::party(&party, "password", paths::PASSWORD),
                done: false,
                errors,
            };
            render(status, &page)
        }
    }
}

#[derive(Template)]
#[template(path = "portal/message.html")]
struct MessagePage {
    t: &'static Text,
    chrome: PortalChrome,
    title: &'static str,
    text: String,
}

/// A portal page that says why something was refused, with the status.
pub fn refusal(lang: Lang, status: StatusCode, text: &str) -> Response {
    let t = lang.text();
    let page = MessagePage {
        t,
        chrome: PortalChrome::visitor(lang, String::new(), paths::SIGN_IN),
        title: crate::pages::refusal_title(t, status),
        text: text.to_owned(),
    };
    render(status, &page)
}

/// The page for a failure of the domain.
pub fn failure<E: Describe>(lang: Lang, error: E) -> Response {
    let problem = error.describe(lang.text());
    refusal(lang, problem.status, &problem.text)
}

/// A refusal the console's form readers answered (a form token or origin
/// refused, a body too large, a form that cannot be read, a failure), as a
/// portal page; anything else (a redirect to sign-in) as it is.
pub fn as_portal_page(lang: Lang, response: Response) -> Response {
    let t = lang.text();
    let text = match response.status() {
        StatusCode::FORBIDDEN | StatusCode::BAD_REQUEST => t.err_csrf,
        StatusCode::PAYLOAD_TOO_LARGE => t.err_too_large,
        StatusCode::INTERNAL_SERVER_ERROR => t.err_unexpected,
        _ => return response,
    };
    refusal(lang, response.status(), text)
}

/// The page for a portal form refused by the per-address budget: 429 with
/// `Retry-After` past the budget, 503 when it could not be counted.
pub fn refused_by_budget(refusal: identity_http::budget::Refusal, headers: &HeaderMap) -> Response {
    let lang = session::visitor_lang(headers, None);
    let (status, text, retry_after) = crate::pages::budget_refusal(lang.text(), refusal);
    let mut response = self::refusal(lang, status, &text);
    response
        .headers_mut()
        .insert(axum::http::header::RETRY_AFTER, axum::http::HeaderValue::from(retry_after));
    response
}

/// The answer to an unknown portal address.
pub async fn not_found(headers: HeaderMap) -> Response {
    let lang = session::visitor_lang(&headers, None);
    refusal(lang, StatusCode::NOT_FOUND, lang.text().err_not_found)
}

#[cfg(test)]
mod debug_tests {
    use super::*;

    #[test]
    fn no_debug_of_a_form_shows_what_was_typed_as_a_secret() {
        crate::assert_debug_hides::<LinkForm>(&["token", "new_password"]);
        crate::assert_debug_hides::<PasswordForm>(&["current_password", "new_password"]);
    }
}
