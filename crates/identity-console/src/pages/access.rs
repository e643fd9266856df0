//! Getting in and out: sign-in, the must-change-password step (and
//! changing one's password later), sign-out, "forgot password", and the
//! pages the emailed links open (`/recover#token=…`, `/join#token=…`).

use super::users::encode;
use super::{Chrome, Errors, render};
use crate::i18n::{Lang, Text};
use crate::messages::Describe;
use crate::session::{self, Session, SessionForm, Visitor, VisitorForm};
use crate::{ConsoleState, paths};
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::CookieJar;
use identity_domain::{ForgotPassword, LinkError, Permission, RequestId, SignIn, SignInError, Token};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

/// A notice shown at the top of the sign-in page, and what to fill in
/// (after joining or a new password: the practice and email of the link).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Notice {
    notice: Option<String>,
    practice: String,
    email: String,
}

fn notice_text(t: &'static Text, key: Option<&str>) -> Option<&'static str> {
    match key? {
        "signed_out" => Some(t.signed_out),
        "ended" => Some(t.session_ended),
        "password_set" => Some(t.recover_done),
        "joined" => Some(t.join_done),
        _ => None,
    }
}

#[derive(Template)]
#[template(path = "sign_in.html")]
struct SignInPage {
    t: &'static Text,
    chrome: Chrome,
    notice: Option<&'static str>,
    errors: Errors,
    practice: String,
    email: String,
}

/// `GET /console/sign-in`.
pub async fn sign_in_page(visitor: Visitor, Query(notice): Query<Notice>) -> Response {
    let t = visitor.lang.text();
    let page = SignInPage {
        t,
        chrome: Chrome::plain(visitor.lang, visitor.csrf.clone()),
        notice: notice_text(t, notice.notice.as_deref()),
        errors: Errors::default(),
        practice: notice.practice,
        email: notice.email,
    };
    (visitor.jar, render(StatusCode::OK, &page)).into_response()
}

/// The sign-in form (the console's and the portal's).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SignInForm {
    practice: String,
    email: String,
    password: SecretString,
}

impl SignInForm {
    /// The attempt, and the practice and email to show again if it fails.
    pub(crate) fn into_attempt(self, request_id: Option<RequestId>) -> (SignIn, String, String) {
        let attempt = SignIn {
            practice: self.practice.trim().to_owned(),
            email: self.email.clone(),
            password: self.password,
            request_id,
        };
        (attempt, self.practice, self.email)
    }
}

/// What a refused sign-in shows: the one uniform message, or the reason
/// beside the password.
pub(crate) fn sign_in_refused(t: &'static Text, refused: SignInError) -> Errors {
    let mut errors = Errors::default();
    match refused {
        SignInError::Failed => errors.general = Some(t.sign_in_failed.to_owned()),
        SignInError::PasswordTooLong => errors.add(crate::messages::Problem::at("password", t.pw_too_long)),
        SignInError::Hash(e) => errors.add(e.describe(t)),
        SignInError::Store(e) => errors.add(e.describe(t)),
    }
    errors
}

/// `POST /console/sign-in`: a session cookie shared with the API, then the
/// password step or the console.
pub async fn sign_in(State(state): State<ConsoleState>, posted: VisitorForm<SignInForm>) -> Response {
    let VisitorForm { visitor, form, request_id } = posted;
    let t = visitor.lang.text();
    let (attempt, practice, email) = form.into_attempt(request_id);
    let errors = match state.service.sign_in(attempt).await {
        Ok(signed) => {
            let jar = CookieJar::new().add(session::session_cookie(signed.token.expose()));
            let next = crate::factors::next_for(signed.scope);
            return (jar, Redirect::to(next)).into_response();
        }
        Err(refused) => sign_in_refused(t, refused),
    };
    let page = SignInPage {
        t,
        chrome: Chrome::plain(visitor.lang, visitor.csrf.clone()),
        notice: None,
        errors,
        practice,
        email,
    };
    (visitor.jar, render(StatusCode::UNAUTHORIZED, &page)).into_response()
}

#[derive(Template)]
#[template(path = "password.html")]
struct PasswordPage {
    t: &'static Text,
    chrome: Chrome,
    must_change: bool,
    errors: Errors,
}

/// The language of a session's pages: the user's own once the session may
/// read it, the browser's during the must-change step.
async fn session_lang(state: &ConsoleState, session: &Session) -> Lang {
    if session.caller.password_change_only() {
        return session.lang;
    }
    match state.service.get_user(&session.caller, session.caller.user()).await {
        Ok(user) => Lang::of(&user.language),
        Err(_) => session.lang,
    }
}

async fn password_page(
    state: &ConsoleState,
    session: &Session,
    errors: Errors,
    status: StatusCode,
) -> Response {
    let lang = session_lang(state, session).await;
    let page = PasswordPage {
        t: lang.text(),
        chrome: Chrome::plain(lang, session.csrf.clone()),
        must_change: session.caller.password_change_only(),
        errors,
    };
    render(status, &page)
}

/// `GET /console/password`: the must-change step, or a change by choice.
pub async fn password_form(State(state): State<ConsoleState>, session: Session) -> Response {
    password_page(&state, &session, Errors::default(), StatusCode::OK).await
}

/// The password change form.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct PasswordForm {
    current_password: SecretString,
    new_password: SecretString,
}

/// `POST /console/password`.
pub async fn change_password(
    State(state): State<ConsoleState>,
    posted: SessionForm<PasswordForm>,
) -> Response {
    let SessionForm { session, form } = posted;
    let current = form.current_password;
    let new = form.new_password;
    match state.service.change_own_password(&session.caller, current, new).await {
        // The session is a full one now; the users table says it is done
        // (for those who may read it; the others land on the roles page).
        Ok(()) if session.caller.grants().allows(Permission::UsersRead) => {
            Redirect::to(&format!("{}?done=password", paths::USERS)).into_response()
        }
        Ok(()) => Redirect::to(paths::HOME).into_response(),
        Err(e) => {
            let mut errors = Errors::default();
            let problem = e.describe(session_lang(&state, &session).await.text());
            let status = problem.status;
            errors.add(problem);
            password_page(&state, &session, errors, status).await
        }
    }
}

/// An empty form (its token is all it carries).
#[derive(Debug, Deserialize)]
pub struct Empty {}

/// `POST /console/sign-out`: ends this session and removes the cookie.
pub async fn sign_out(State(state): State<ConsoleState>, posted: SessionForm<Empty>) -> Response {
    if let Err(e) = state.service.sign_out(&posted.session.caller).await {
        return super::failure(posted.session.lang, e);
    }
    (session::without_session(), Redirect::to(&format!("{}?notice=signed_out", paths::SIGN_IN)))
        .into_response()
}

#[derive(Template)]
#[template(path = "forgot.html")]
struct ForgotPage {
    t: &'static Text,
    chrome: Chrome,
    sent: bool,
    errors: Errors,
    practice: String,
    email: String,
}

/// Whether the forgot page says the request was taken (`?sent=1`, where
/// the form leads: post/redirect/get).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Sent {
    sent: String,
}

impl Sent {
    /// Whether the request was taken.
    pub fn is_sent(&self) -> bool {
        self.sent == "1"
    }
}

/// `GET /console/forgot`, and `?sent=1` once the request is taken.
pub async fn forgot_page(visitor: Visitor, Query(sent): Query<Sent>) -> Response {
    let page = ForgotPage {
        t: visitor.lang.text(),
        chrome: Chrome::plain(visitor.lang, visitor.csrf.clone()),
        sent: sent.is_sent(),
        errors: Errors::default(),
        practice: String::new(),
        email: String::new(),
    };
    (visitor.jar, render(StatusCode::OK, &page)).into_response()
}

/// The forgot-password form.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ForgotForm {
    pub(crate) practice: String,
    pub(crate) email: String,
}

impl ForgotForm {
    /// The request to queue, as typed (the practice trimmed).
    pub(crate) fn request(&self, request_id: Option<RequestId>) -> ForgotPassword {
        ForgotPassword { practice: self.practice.trim().to_owned(), email: self.email.clone(), request_id }
    }
}

/// `POST /console/forgot`: the same answer, in the same time, whether or
/// not the practice and the email exist: the request is queued and the
/// answer — to `?sent=1`, so that a reload sends nothing again — given
/// before anything is looked up.
pub async fn forgot(State(state): State<ConsoleState>, posted: VisitorForm<ForgotForm>) -> Response {
    let VisitorForm { visitor, form, request_id } = posted;
    state.forgot.submit(form.request(request_id));
    (visitor.jar, Redirect::to(&format!("{}?sent=1", paths::FORGOT))).into_response()
}

/// The sign-in page after a link was used (console or portal, by
/// `sign_in`): the notice, and the practice code and email filled in when
/// the link's holder is known.
pub(crate) fn sign_in_after_link(sign_in: &str, notice: &str, prefill: Option<(String, String)>) -> String {
    let mut next = format!("{sign_in}?notice={notice}");
    if let Some((practice, email)) = prefill {
        next.push_str(&format!("&practice={}&email={}", encode(&practice), encode(&email)));
    }
    next
}

/// What an emailed link is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkPage {
    /// `/recover#token=…`: choose a new password.
    Recover,
    /// `/join#token=…`: accept an invitation.
    Join,
}

#[derive(Template)]
#[template(path = "link.html")]
struct LinkForm {
    t: &'static Text,
    chrome: Chrome,
    title: &'static str,
    intro: &'static str,
    button: &'static str,
    action: &'static str,
    purpose: &'static str,
    token: String,
    errors: Errors,
    /// A dead link: no form, what happened and the next step instead.
    dead: Option<DeadLink>,
}

/// What a dead link's page says to do next, and where.
pub struct DeadLink {
    /// The next step.
    pub next: &'static str,
    /// Where it is taken, and the link's label.
    pub href: &'static str,
    /// The label of that link.
    pub label: &'static str,
    /// The sign-in page (for those who already set their password).
    pub sign_in: &'static str,
}

fn link_form(which: LinkPage, lang: Lang, csrf: String, token: String, errors: Errors) -> LinkForm {
    let t = lang.text();
    let (title, intro, button, action, purpose) = match which {
        LinkPage::Recover => (t.recover_title, t.recover_intro, t.save_password, paths::RECOVER, "recovery"),
        LinkPage::Join => (t.join_title, t.join_intro, t.join_button, paths::JOIN, "invitation"),
    };
    let chrome = Chrome::plain(lang, csrf);
    LinkForm { t, chrome, title, intro, button, action, purpose, token, errors, dead: None }
}

/// The page of a dead link (unknown, used, replaced or expired): no form;
/// what happened, and the next step.
fn dead_link(which: LinkPage, lang: Lang, csrf: String) -> LinkForm {
    let t = lang.text();
    let dead = match which {
        LinkPage::Recover => DeadLink {
            next: t.link_dead_recover_next,
            href: paths::FORGOT,
            label: t.request_new_link,
            sign_in: paths::SIGN_IN,
        },
        LinkPage::Join => {
            DeadLink { next: t.link_dead_join_next, href: paths::SIGN_IN, label: t.sign_in_link, sign_in: "" }
        }
    };
    let mut page = link_form(which, lang, csrf, String::new(), Errors::default());
    page.title = t.link_dead_title;
    page.intro = t.link_dead_text;
    page.dead = Some(dead);
    page
}

/// Which state of a link page the address asks for: `?link=dead` is where
/// the page's script goes when the API says the link is dead.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct LinkState {
    link: String,
}

impl LinkState {
    /// Whether the page of a dead link is asked for.
    pub fn is_dead(&self) -> bool {
        self.link == "dead"
    }
}

/// `GET /recover` and `GET /join`: the token stays in the URL fragment,
/// which browsers never send; the page's script copies it into the form,
/// and asks the API whether it still works (a dead one leads to
/// `?link=dead`: the page without a form).
pub async fn link_page(which: LinkPage, visitor: Visitor, Query(state): Query<LinkState>) -> Response {
    let (lang, csrf) = (visitor.lang, visitor.csrf.clone());
    let page = if state.is_dead() {
        dead_link(which, lang, csrf)
    } else {
        link_form(which, lang, csrf, String::new(), Errors::default())
    };
    (visitor.jar, render(StatusCode::OK, &page)).into_response()
}

/// The form of a link page.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct LinkFormData {
    token: SecretString,
    new_password: SecretString,
}

/// `POST /recover` and `POST /join`: sets the password, then sign-in.
pub async fn redeem_link(
    which: LinkPage,
    state: ConsoleState,
    posted: VisitorForm<LinkFormData>,
) -> Response {
    let VisitorForm { visitor, form, request_id } = posted;
    let token = Token::presented(form.token.expose_secret().trim());
    let password = form.new_password;
    // Whose link it is, to fill in the sign-in page afterwards.
    let holder = state.service.inspect_link(&token).await.ok().flatten();
    let (result, notice) = match which {
        LinkPage::Recover => {
            (state.service.recover_password(&token, password, request_id).await, "password_set")
        }
        LinkPage::Join => (state.service.accept_invitation(&token, password, request_id).await, "joined"),
    };
    match result {
        Ok(()) => {
            let prefill = holder.map(|h| (h.practice_slug.to_string(), h.email.to_string()));
            Redirect::to(&sign_in_after_link(paths::SIGN_IN, notice, prefill)).into_response()
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
            let page = link_form(
                which,
                visitor.lang,
                visitor.csrf.clone(),
                form.token.expose_secret().to_owned(),
                errors,
            );
            (visitor.jar, render(status, &page)).into_response()
        }
    }
}

#[cfg(test)]
mod debug_tests {
    use super::*;

    #[test]
    fn no_debug_of_a_form_shows_what_was_typed_as_a_secret() {
        crate::assert_debug_hides::<SignInForm>(&["password"]);
        crate::assert_debug_hides::<PasswordForm>(&["current_password", "new_password"]);
        crate::assert_debug_hides::<LinkFormData>(&["token", "new_password"]);
    }
}
