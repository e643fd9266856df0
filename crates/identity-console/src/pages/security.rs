//! Second factors in the console: the second step of signing in, one's own
//! factors (add an authenticator app with a QR code or a passkey, rename,
//! remove, new recovery codes, after typing the password again), and the
//! enrolment a role or practice requires before anything else.
//!
//! A passkey needs the browser's `navigator.credentials` (`console.js`):
//! the script asks the challenge (`…/passkey-challenge`, JSON), lets the
//! authenticator answer, and posts the answer in the form's hidden field,
//! so the outcome is an ordinary page.

use super::{Chrome, Errors, render};
use crate::i18n::{Lang, Text, date_time, fill};
use crate::messages::Describe;
use crate::session::{self, Session, SessionForm, Viewer, VisitorForm};
use crate::{ConsoleState, paths};
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum_extra::extract::cookie::CookieJar;
use identity_domain::*;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use uuid::Uuid;

/// The routes of this module.
pub fn routes() -> Router<ConsoleState> {
    Router::new()
        .route(paths::SECOND_STEP, get(second_step_page).post(second_step))
        .route("/console/sign-in/second-factor/passkey-challenge", post(second_step_challenge))
        .route("/console/security/passkey/challenge", post(passkey_challenge))
        .route("/console/security/passkey", post(confirm_passkey))
        .route(paths::SECURITY, get(security_page))
        .route("/console/security/password", post(confirm_password))
        .route("/console/security/totp", post(start_totp))
        .route("/console/security/totp/confirm", post(confirm_totp))
        .route("/console/security/factors/{id}/rename", post(rename_factor))
        .route("/console/security/factors/{id}/remove", post(remove_factor))
        .route("/console/security/recovery-codes", post(regenerate_codes))
}

#[derive(Template)]
#[template(path = "second_step.html")]
struct SecondStepPage {
    t: &'static Text,
    chrome: Chrome,
    errors: Errors,
    /// Whether this server offers passkeys.
    passkeys: bool,
}

/// `GET /console/sign-in/second-factor`: the code form (the waiting
/// session's token is in the session cookie).
pub async fn second_step_page(State(state): State<ConsoleState>, visitor: session::Visitor) -> Response {
    let page = SecondStepPage {
        t: visitor.lang.text(),
        chrome: Chrome::plain(visitor.lang, visitor.csrf.clone()),
        errors: Errors::default(),
        passkeys: state.service.passkeys_offered(),
    };
    (visitor.jar, render(StatusCode::OK, &page)).into_response()
}

/// The second-step form: a TOTP code or a recovery code in one field, or
/// (from the passkey form) a passkey's answer.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct CodeForm {
    code: SecretString,
    passkey: String,
}

/// What was sent: a passkey's answer, or six digits (spaces aside) for a
/// TOTP code, or else a recovery code.
fn proof_of(form: &CodeForm) -> FactorProof {
    if !form.passkey.is_empty() {
        return FactorProof::Passkey(form.passkey.clone());
    }
    let typed = &form.code;
    let digits: String = typed.expose_secret().chars().filter(|c| !c.is_whitespace()).collect();
    if digits.len() == 6 && digits.bytes().all(|b| b.is_ascii_digit()) {
        FactorProof::Totp(typed.clone())
    } else {
        FactorProof::RecoveryCode(typed.clone())
    }
}

/// Where a session of `scope` goes next.
pub(crate) fn next_for(scope: SessionScope) -> &'static str {
    match scope {
        SessionScope::Full => paths::HOME,
        SessionScope::PasswordChange => paths::PASSWORD,
        SessionScope::SecondFactor => paths::SECOND_STEP,
        SessionScope::Enrolment => paths::SECURITY,
    }
}

/// `POST /console/sign-in/second-factor`: on success a new session cookie,
/// then the next step or the console.
pub async fn second_step(
    State(state): State<ConsoleState>,
    jar: CookieJar,
    posted: VisitorForm<CodeForm>,
) -> Response {
    let VisitorForm { visitor, form, request_id } = posted;
    let t = visitor.lang.text();
    let token = jar.get(session::SESSION_COOKIE).map(|c| Token::presented(c.value()));
    let outcome = match token {
        Some(token) => {
            state.service.second_step(SecondStep { token, proof: proof_of(&form), request_id }).await
        }
        None => Err(SecondStepError::Failed),
    };
    match outcome {
        Ok(passed) => {
            let jar = CookieJar::new().add(session::session_cookie(passed.token.expose()));
            (jar, Redirect::to(next_for(passed.session.scope))).into_response()
        }
        Err(e) => {
            let mut errors = Errors::default();
            let problem = e.describe(t);
            let status = problem.status;
            errors.add(problem);
            let page = SecondStepPage {
                t,
                chrome: Chrome::plain(visitor.lang, visitor.csrf.clone()),
                errors,
                passkeys: state.service.passkeys_offered(),
            };
            (visitor.jar, render(status, &page)).into_response()
        }
    }
}

/// A passkey challenge for the page's script: `{"publicKey": …}`, or
/// `{"error": …}` in the viewer's language with the refusal's status.
fn challenge_answer(outcome: Result<serde_json::Value, (StatusCode, String)>) -> Response {
    match outcome {
        Ok(options) => axum::Json(serde_json::json!({ "publicKey": options })).into_response(),
        Err((status, text)) => (status, axum::Json(serde_json::json!({ "error": text }))).into_response(),
    }
}

/// Nothing but the CSRF field.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct EmptyForm {}

/// `POST /console/sign-in/second-factor/passkey-challenge`: the challenge
/// for the waiting session in the cookie (JSON, for the page's script).
pub async fn second_step_challenge(
    State(state): State<ConsoleState>,
    jar: CookieJar,
    posted: VisitorForm<EmptyForm>,
) -> Response {
    let t = posted.visitor.lang.text();
    let token = jar.get(session::SESSION_COOKIE).map(|c| Token::presented(c.value()));
    let outcome = match token {
        Some(token) => state.service.start_passkey_step(&token).await,
        None => Err(SecondStepError::Failed),
    };
    challenge_answer(outcome.map_err(|e| match e {
        SecondStepError::Failed => (StatusCode::UNAUTHORIZED, t.mfa_passkey_failed.to_owned()),
        other => {
            let problem = other.describe(t);
            (problem.status, problem.text)
        }
    }))
}

/// The layout of a security page: the console's navigation for a full
/// session, none for a session that may only enrol.
async fn layout(state: &ConsoleState, session: &Session) -> (Lang, Chrome, Option<TimeZone>) {
    if session.caller.scope() == SessionScope::Full
        && let Ok(user) = state.service.get_user(&session.caller, session.caller.user()).await
    {
        let lang = Lang::of(&user.language);
        let zone = user.time_zone;
        let viewer = Viewer {
            caller: session.caller.clone(),
            user,
            csrf: session.csrf.clone(),
            lang,
            flash: session.flash.clone(),
        };
        return (lang, viewer.chrome("security"), Some(zone));
    }
    (session.lang, Chrome::plain(session.lang, session.csrf.clone()), None)
}

/// One factor as listed.
struct FactorRow {
    id: Uuid,
    name: String,
    /// What it is ("Passkey"), in the viewer's language.
    kind: &'static str,
    added: String,
    last_used: String,
}

#[derive(Template)]
#[template(path = "security.html")]
struct SecurityPage {
    t: &'static Text,
    chrome: Chrome,
    /// Whether the password must be typed again first.
    confirm: bool,
    enrolling: bool,
    notice: Option<&'static str>,
    errors: Errors,
    factors: Vec<FactorRow>,
    codes_left: String,
    required: bool,
    /// Whether this server offers passkeys.
    passkeys: bool,
}

/// A notice after a change.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Notice {
    done: Option<String>,
}

fn notice_text(t: &'static Text, done: Option<&str>) -> Option<&'static str> {
    match done? {
        "added" => Some(t.mfa_added_notice),
        "passkey" => Some(t.mfa_passkey_added_notice),
        "removed" => Some(t.mfa_removed_notice),
        "renamed" => Some(t.mfa_renamed_notice),
        _ => None,
    }
}

async fn security(
    state: &ConsoleState,
    session: &Session,
    notice: Option<&str>,
    errors: Errors,
    status: StatusCode,
) -> Response {
    let (lang, chrome, zone) = layout(state, session).await;
    let t = lang.text();
    let zone = zone.unwrap_or_else(TimeZone::utc);
    let enrolling = session.caller.scope() == SessionScope::Enrolment;
    let mut page = SecurityPage {
        t,
        chrome,
        confirm: false,
        enrolling,
        notice: notice_text(t, notice),
        errors,
        factors: Vec::new(),
        codes_left: String::new(),
        required: enrolling,
        passkeys: state.service.passkeys_offered(),
    };
    match state.service.own_factors(&session.caller).await {
        Ok(overview) => {
            page.factors = overview
                .factors
                .into_iter()
                .map(|f| FactorRow {
                    id: f.id.as_uuid(),
                    name: f.name.as_str().to_owned(),
                    kind: if f.kind == "passkey" { t.mfa_kind_passkey } else { t.mfa_kind_totp },
                    added: date_time(f.created_at, zone, lang),
                    last_used: f
                        .last_used_at
                        .map_or_else(|| t.mfa_never.to_owned(), |at| date_time(at, zone, lang)),
                })
                .collect();
            page.codes_left = fill(t.mfa_codes_left, &[("count", &overview.recovery_codes_left.to_string())]);
            page.required = overview.required;
        }
        Err(OwnFactorsError::PasswordConfirmationRequired) => page.confirm = true,
        Err(e) => return super::failure(lang, e),
    }
    render(status, &page)
}

/// The security page again, with a refusal beside its field or above the
/// forms, answered with the refusal's status.
async fn refused_on_security(state: &ConsoleState, session: &Session, refusal: impl Describe) -> Response {
    let (lang, _, _) = layout(state, session).await;
    let mut errors = Errors::default();
    let problem = refusal.describe(lang.text());
    let status = problem.status;
    errors.add(problem);
    security(state, session, None, errors, status).await
}

/// `GET /console/security`: one's second factors (after the password is
/// typed again, when it was not typed in the last ten minutes).
pub async fn security_page(
    State(state): State<ConsoleState>,
    session: Session,
    Query(notice): Query<Notice>,
) -> Response {
    if let Some(refused) = elsewhere(&session) {
        return refused;
    }
    security(&state, &session, notice.done.as_deref(), Errors::default(), StatusCode::OK).await
}

/// Only a full or an enrolment-only session manages factors; a session
/// that must change its password is sent there first (the redirect).
fn elsewhere(session: &Session) -> Option<Response> {
    match session.caller.scope() {
        SessionScope::Full | SessionScope::Enrolment => None,
        _ => Some(Redirect::to(paths::PASSWORD).into_response()),
    }
}

/// The password typed again.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct PasswordForm {
    password: SecretString,
}

/// `POST /console/security/password`.
pub async fn confirm_password(
    State(state): State<ConsoleState>,
    posted: SessionForm<PasswordForm>,
) -> Response {
    let SessionForm { session, form } = posted;
    if let Some(refused) = elsewhere(&session) {
        return refused;
    }
    match state.service.confirm_password(&session.caller, form.password).await {
        Ok(()) => Redirect::to(paths::SECURITY).into_response(),
        Err(e) => refused_on_security(&state, &session, e).await,
    }
}

#[derive(Template)]
#[template(path = "security_totp.html")]
struct TotpPage {
    t: &'static Text,
    chrome: Chrome,
    errors: Errors,
    factor: Uuid,
    name: String,
    key: String,
    qr: String,
}

/// The QR code of `uri` as an SVG image (drawn here: nothing leaves the
/// server), or nothing if it cannot be drawn (the key is shown as text
/// anyway).
fn qr_svg(uri: &str, label: &str) -> String {
    match qrcode::QrCode::new(uri.as_bytes()) {
        Ok(code) => {
            let svg = code
                .render::<qrcode::render::svg::Color<'_>>()
                .min_dimensions(200, 200)
                .quiet_zone(true)
                .build();
            // An image with a name for screen readers.
            svg.replacen("<svg ", &format!("<svg role=\"img\" aria-label=\"{}\" ", escape(label)), 1)
        }
        Err(e) => {
            tracing::warn!(error = %e, "a TOTP QR code could not be drawn");
            String::new()
        }
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('"', "&quot;").replace('<', "&lt;").replace('>', "&gt;")
}

/// Groups a Base32 key by four, for reading it out.
fn grouped(key: &str) -> String {
    key.as_bytes().chunks(4).map(|c| String::from_utf8_lossy(c).into_owned()).collect::<Vec<_>>().join(" ")
}

/// A name for a factor.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct NameForm {
    name: String,
}

/// `POST /console/security/totp`: a new key, its QR code, and the form for
/// the app's first code.
pub async fn start_totp(State(state): State<ConsoleState>, posted: SessionForm<NameForm>) -> Response {
    let SessionForm { session, form } = posted;
    if let Some(refused) = elsewhere(&session) {
        return refused;
    }
    let name = if form.name.trim().is_empty() { "Authenticator".to_owned() } else { form.name };
    match state.service.start_totp(&session.caller, &name).await {
        Ok(begun) => {
            let (lang, chrome, _) = layout(&state, &session).await;
            let t = lang.text();
            let page = TotpPage {
                t,
                chrome,
                errors: Errors::default(),
                factor: begun.factor.as_uuid(),
                name,
                key: grouped(&begun.secret.base32()),
                qr: qr_svg(&begun.uri, t.mfa_qr_label),
            };
            render(StatusCode::OK, &page)
        }
        Err(e) => refused_on_security(&state, &session, e).await,
    }
}

/// The first code from the app, for the factor being added.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ConfirmForm {
    factor: String,
    code: SecretString,
    /// Shown again if the code is wrong.
    name: String,
    /// The authenticator's key, shown again if the code is wrong: a secret,
    /// so that no `Debug` of the form prints it.
    key: SecretString,
}

/// `POST /console/security/passkey/challenge`: the challenge for enrolling
/// a passkey under the form's name (JSON, for the page's script).
pub async fn passkey_challenge(State(state): State<ConsoleState>, posted: SessionForm<NameForm>) -> Response {
    let SessionForm { session, form } = posted;
    let t = session.lang.text();
    if elsewhere(&session).is_some() {
        return challenge_answer(Err((StatusCode::FORBIDDEN, t.mfa_confirm_first.to_owned())));
    }
    let name = if form.name.trim().is_empty() { "Passkey".to_owned() } else { form.name };
    let outcome = state.service.start_passkey(&session.caller, &name).await;
    challenge_answer(outcome.map_err(|e| {
        let problem = e.describe(t);
        (problem.status, problem.text)
    }))
}

/// The passkey form's answer, which the script put in the hidden field
/// (the name went with the challenge).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct PasskeyForm {
    credential: String,
}

/// `POST /console/security/passkey`: the passkey counts from now on; with
/// the first factor come the recovery codes, shown once.
pub async fn confirm_passkey(
    State(state): State<ConsoleState>,
    posted: SessionForm<PasskeyForm>,
) -> Response {
    let SessionForm { session, form } = posted;
    if let Some(refused) = elsewhere(&session) {
        return refused;
    }
    if form.credential.is_empty() {
        let (lang, _, _) = layout(&state, &session).await;
        let mut errors = Errors::default();
        errors.add(crate::messages::Problem::general(
            StatusCode::UNPROCESSABLE_ENTITY,
            lang.text().mfa_passkey_script,
        ));
        return security(&state, &session, None, errors, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    match state.service.confirm_passkey(&session.caller, &form.credential).await {
        Ok(enrolled) => enrolled_page(&state, &session, &enrolled, "passkey").await,
        Err(e) => refused_on_security(&state, &session, e).await,
    }
}

/// After a factor is confirmed: the recovery codes (shown once) with the
/// first one, else the security page with a notice.
async fn enrolled_page(state: &ConsoleState, session: &Session, enrolled: &Enrolled, done: &str) -> Response {
    if enrolled.recovery_codes.is_empty() {
        return Redirect::to(&format!("{}?done={done}", paths::SECURITY)).into_response();
    }
    // An enrolment-only session is a full one from the next request.
    let (lang, chrome, _) = layout(state, session).await;
    let page = CodesPage {
        t: lang.text(),
        chrome,
        codes: enrolled.recovery_codes.iter().map(|c| c.expose().to_owned()).collect(),
        next: if enrolled.scope == SessionScope::Full { paths::HOME } else { paths::SECURITY },
    };
    render(StatusCode::OK, &page)
}

#[derive(Template)]
#[template(path = "security_codes.html")]
struct CodesPage {
    t: &'static Text,
    chrome: Chrome,
    codes: Vec<String>,
    next: &'static str,
}

/// `POST /console/security/totp/confirm`: the factor counts from now on;
/// with the first one come the recovery codes, shown once.
pub async fn confirm_totp(State(state): State<ConsoleState>, posted: SessionForm<ConfirmForm>) -> Response {
    let SessionForm { session, form } = posted;
    if let Some(refused) = elsewhere(&session) {
        return refused;
    }
    let Ok(factor) = form.factor.parse::<FactorId>() else {
        return super::refusal(session.lang, StatusCode::NOT_FOUND, session.lang.text().mfa_enrolment_gone);
    };
    match state.service.confirm_totp(&session.caller, factor, form.code.expose_secret()).await {
        Ok(enrolled) => enrolled_page(&state, &session, &enrolled, "added").await,
        Err(ConfirmEnrolmentError::WrongCode) => {
            let (lang, chrome, _) = layout(&state, &session).await;
            let t = lang.text();
            let mut errors = Errors::default();
            errors.add(ConfirmEnrolmentError::WrongCode.describe(t));
            // The same key again: the app already holds it.
            let page = TotpPage {
                t,
                chrome,
                errors,
                factor: factor.as_uuid(),
                qr: String::new(),
                name: form.name,
                key: form.key.expose_secret().to_owned(),
            };
            render(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(e) => {
            let (lang, _, _) = layout(&state, &session).await;
            super::failure(lang, e)
        }
    }
}

/// `POST /console/security/factors/{id}/rename`.
pub async fn rename_factor(
    State(state): State<ConsoleState>,
    Path(id): Path<String>,
    posted: SessionForm<NameForm>,
) -> Response {
    let SessionForm { session, form } = posted;
    let Ok(factor) = id.parse::<FactorId>() else {
        return super::refusal(session.lang, StatusCode::NOT_FOUND, session.lang.text().mfa_factor_gone);
    };
    match state.service.rename_factor(&session.caller, factor, &form.name).await {
        Ok(_) => Redirect::to(&format!("{}?done=renamed", paths::SECURITY)).into_response(),
        Err(e) => refused_on_security(&state, &session, e).await,
    }
}

/// An empty form (its token is all it carries).
#[derive(Debug, Default, Deserialize)]
pub struct Empty {}

/// `POST /console/security/factors/{id}/remove`.
pub async fn remove_factor(
    State(state): State<ConsoleState>,
    Path(id): Path<String>,
    posted: SessionForm<Empty>,
) -> Response {
    let session = posted.session;
    let Ok(factor) = id.parse::<FactorId>() else {
        return super::refusal(session.lang, StatusCode::NOT_FOUND, session.lang.text().mfa_factor_gone);
    };
    match state.service.remove_factor(&session.caller, factor).await {
        Ok(()) => Redirect::to(&format!("{}?done=removed", paths::SECURITY)).into_response(),
        Err(e) => {
            let (lang, _, _) = layout(&state, &session).await;
            super::failure(lang, e)
        }
    }
}

/// `POST /console/security/recovery-codes`: ten new codes, shown once.
pub async fn regenerate_codes(State(state): State<ConsoleState>, posted: SessionForm<Empty>) -> Response {
    let session = posted.session;
    match state.service.regenerate_recovery_codes(&session.caller).await {
        Ok(codes) => {
            let (lang, chrome, _) = layout(&state, &session).await;
            let page = CodesPage {
                t: lang.text(),
                chrome,
                codes: codes.iter().map(|c| c.expose().to_owned()).collect(),
                next: paths::SECURITY,
            };
            render(StatusCode::OK, &page)
        }
        Err(e) => {
            let (lang, _, _) = layout(&state, &session).await;
            super::failure(lang, e)
        }
    }
}

#[cfg(test)]
mod debug_tests {
    use super::*;

    #[test]
    fn no_debug_of_a_form_shows_what_was_typed_as_a_secret() {
        crate::assert_debug_hides::<CodeForm>(&["code"]);
        crate::assert_debug_hides::<PasswordForm>(&["password"]);
        crate::assert_debug_hides::<ConfirmForm>(&["code", "key"]);
    }
}
