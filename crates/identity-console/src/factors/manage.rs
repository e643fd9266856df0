//! One's own second factors (`…/security`): after the password is typed
//! again, the list (name, kind, added, last used; never a secret), an
//! authenticator app added with a QR code and its key, a passkey added,
//! the recovery codes shown once, rename, remove, new recovery codes.

use super::{FactorPaths, Holder, HolderForm, challenge_answer};
use crate::ConsoleState;
use crate::i18n::{Text, date_time, fill};
use crate::messages::{Describe, Problem};
use crate::pages::Errors;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use identity_domain::{ConfirmEnrolmentError, Enrolled, FactorId, OwnFactorsError, SessionScope};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use uuid::Uuid;

/// One factor as listed.
struct FactorRow {
    id: Uuid,
    name: String,
    /// What it is ("Passkey"), in the holder's language.
    kind: &'static str,
    added: String,
    last_used: String,
}

#[derive(Template)]
#[template(path = "factors/security.html")]
struct SecurityBody {
    t: &'static Text,
    paths: &'static FactorPaths,
    csrf: String,
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
    holder: &Holder,
    notice: Option<&str>,
    errors: Errors,
    status: StatusCode,
) -> Response {
    let (t, lang) = (holder.text(), holder.lang);
    let enrolling = holder.enrolling();
    let mut page = SecurityBody {
        t,
        paths: holder.side().paths(),
        csrf: holder.csrf.clone(),
        // A refused password stands beside its field: the form again,
        // whether it was asked for or not.
        confirm: errors.has("password"),
        enrolling,
        notice: notice_text(t, notice),
        errors,
        factors: Vec::new(),
        codes_left: String::new(),
        required: enrolling,
        passkeys: state.service.passkeys_offered(),
    };
    match holder.factors(&state.service).await {
        Ok(overview) => {
            page.factors = overview
                .factors
                .into_iter()
                .map(|f| FactorRow {
                    id: f.id.as_uuid(),
                    name: f.name.as_str().to_owned(),
                    kind: if f.kind == "passkey" { t.mfa_kind_passkey } else { t.mfa_kind_totp },
                    added: date_time(f.created_at, holder.zone, lang),
                    last_used: f
                        .last_used_at
                        .map_or_else(|| t.mfa_never.to_owned(), |at| date_time(at, holder.zone, lang)),
                })
                .collect();
            page.codes_left = fill(t.mfa_codes_left, &[("count", &overview.recovery_codes_left.to_string())]);
            page.required = overview.required;
        }
        Err(OwnFactorsError::PasswordConfirmationRequired) => page.confirm = true,
        Err(e) => return holder.failure(e),
    }
    holder.show(status, t.mfa_nav, &page)
}

/// The security page again, with a refusal beside its field or above the
/// forms, answered with the refusal's status.
async fn refused_on_security(state: &ConsoleState, holder: &Holder, problem: Problem) -> Response {
    let mut errors = Errors::default();
    let status = problem.status;
    errors.add(problem);
    security(state, holder, None, errors, status).await
}

/// `GET …/security`: one's second factors (after the password is typed
/// again, when it was not typed in the last ten minutes).
pub async fn page(
    State(state): State<ConsoleState>,
    holder: Holder,
    Query(notice): Query<Notice>,
) -> Response {
    if let Some(refused) = holder.elsewhere() {
        return refused;
    }
    security(&state, &holder, notice.done.as_deref(), Errors::default(), StatusCode::OK).await
}

/// The password typed again.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct PasswordForm {
    password: SecretString,
}

/// `POST …/security/password`.
pub async fn confirm_password(
    State(state): State<ConsoleState>,
    posted: HolderForm<PasswordForm>,
) -> Response {
    let HolderForm { holder, form } = posted;
    if let Some(refused) = holder.elsewhere() {
        return refused;
    }
    match holder.confirm_password(&state.service, form.password).await {
        Ok(()) => Redirect::to(holder.side().paths().security).into_response(),
        Err(e) => refused_on_security(&state, &holder, e.describe(holder.text())).await,
    }
}

#[derive(Template)]
#[template(path = "factors/totp.html")]
struct TotpBody {
    t: &'static Text,
    paths: &'static FactorPaths,
    csrf: String,
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

/// The page of an authenticator being added: its QR code (none when the
/// app already holds the key), its key, and the form for the app's code.
fn totp_page(
    holder: &Holder,
    status: StatusCode,
    errors: Errors,
    factor: FactorId,
    name: String,
    key: String,
    qr: String,
) -> Response {
    let t = holder.text();
    let body = TotpBody {
        t,
        paths: holder.side().paths(),
        csrf: holder.csrf.clone(),
        errors,
        factor: factor.as_uuid(),
        name,
        key,
        qr,
    };
    holder.show(status, t.mfa_add_totp, &body)
}

/// `POST …/security/totp`: a new key, its QR code, and the form for the
/// app's first code.
pub async fn start_totp(State(state): State<ConsoleState>, posted: HolderForm<NameForm>) -> Response {
    let HolderForm { holder, form } = posted;
    if let Some(refused) = holder.elsewhere() {
        return refused;
    }
    let name = if form.name.trim().is_empty() { "Authenticator".to_owned() } else { form.name };
    match holder.start_totp(&state.service, &name).await {
        Ok(begun) => {
            let key = grouped(&begun.secret.base32());
            let qr = qr_svg(&begun.uri, holder.text().mfa_qr_label);
            totp_page(&holder, StatusCode::OK, Errors::default(), begun.factor, name, key, qr)
        }
        Err(e) => refused_on_security(&state, &holder, e.describe(holder.text())).await,
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

/// `POST …/security/totp/confirm`: the factor counts from now on; with
/// the first one come the recovery codes, shown once.
pub async fn confirm_totp(State(state): State<ConsoleState>, posted: HolderForm<ConfirmForm>) -> Response {
    let HolderForm { holder, form } = posted;
    if let Some(refused) = holder.elsewhere() {
        return refused;
    }
    let Ok(factor) = form.factor.parse::<FactorId>() else {
        return holder.refusal(StatusCode::NOT_FOUND, holder.text().mfa_enrolment_gone);
    };
    match holder.confirm_totp(&state.service, factor, form.code.expose_secret()).await {
        Ok(enrolled) => enrolled_page(&holder, &enrolled, "added"),
        Err(ConfirmEnrolmentError::WrongCode) => {
            let mut errors = Errors::default();
            errors.add(ConfirmEnrolmentError::WrongCode.describe(holder.text()));
            // The same key again: the app already holds it.
            let key = form.key.expose_secret().to_owned();
            totp_page(
                &holder,
                StatusCode::UNPROCESSABLE_ENTITY,
                errors,
                factor,
                form.name,
                key,
                String::new(),
            )
        }
        Err(e) => holder.failure(e),
    }
}

/// `POST …/security/passkey/challenge`: the challenge for enrolling a
/// passkey under the form's name (JSON, for the page's script).
pub async fn passkey_challenge(State(state): State<ConsoleState>, posted: HolderForm<NameForm>) -> Response {
    let HolderForm { holder, form } = posted;
    let t = holder.text();
    if holder.elsewhere().is_some() {
        return challenge_answer(Err((StatusCode::FORBIDDEN, t.mfa_confirm_first.to_owned())));
    }
    let name = if form.name.trim().is_empty() { "Passkey".to_owned() } else { form.name };
    let outcome = holder.start_passkey(&state.service, &name).await;
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

/// `POST …/security/passkey`: the passkey counts from now on; with the
/// first factor come the recovery codes, shown once.
pub async fn confirm_passkey(State(state): State<ConsoleState>, posted: HolderForm<PasskeyForm>) -> Response {
    let HolderForm { holder, form } = posted;
    if let Some(refused) = holder.elsewhere() {
        return refused;
    }
    if form.credential.is_empty() {
        let problem = Problem::general(StatusCode::UNPROCESSABLE_ENTITY, holder.text().mfa_passkey_script);
        return refused_on_security(&state, &holder, problem).await;
    }
    match holder.confirm_passkey(&state.service, &form.credential).await {
        Ok(enrolled) => enrolled_page(&holder, &enrolled, "passkey"),
        Err(e) => refused_on_security(&state, &holder, e.describe(holder.text())).await,
    }
}

#[derive(Template)]
#[template(path = "factors/codes.html")]
struct CodesBody {
    t: &'static Text,
    codes: Vec<String>,
    next: &'static str,
}

/// The recovery codes, shown once, and where to go after.
fn codes_page(holder: &Holder, codes: Vec<String>, next: &'static str) -> Response {
    let t = holder.text();
    holder.show(StatusCode::OK, t.mfa_codes_title, &CodesBody { t, codes, next })
}

/// After a factor is confirmed: the recovery codes (shown once) with the
/// first one, else the security page with a notice.
fn enrolled_page(holder: &Holder, enrolled: &Enrolled, done: &str) -> Response {
    let paths = holder.side().paths();
    if enrolled.recovery_codes.is_empty() {
        return Redirect::to(&format!("{}?done={done}", paths.security)).into_response();
    }
    // An enrolment-only session is a full one from the next request.
    let next = if enrolled.scope == SessionScope::Full { paths.home } else { paths.security };
    codes_page(holder, enrolled.recovery_codes.iter().map(|c| c.expose().to_owned()).collect(), next)
}

/// `POST …/security/factors/{id}/rename`.
pub async fn rename_factor(
    State(state): State<ConsoleState>,
    Path(id): Path<String>,
    posted: HolderForm<NameForm>,
) -> Response {
    let HolderForm { holder, form } = posted;
    let Ok(factor) = id.parse::<FactorId>() else {
        return holder.refusal(StatusCode::NOT_FOUND, holder.text().mfa_factor_gone);
    };
    match holder.rename_factor(&state.service, factor, &form.name).await {
        Ok(_) => Redirect::to(&format!("{}?done=renamed", holder.side().paths().security)).into_response(),
        Err(e) => refused_on_security(&state, &holder, e.describe(holder.text())).await,
    }
}

/// An empty form (its token is all it carries).
#[derive(Debug, Default, Deserialize)]
pub struct Empty {}

/// `POST …/security/factors/{id}/remove`.
pub async fn remove_factor(
    State(state): State<ConsoleState>,
    Path(id): Path<String>,
    posted: HolderForm<Empty>,
) -> Response {
    let holder = posted.holder;
    let Ok(factor) = id.parse::<FactorId>() else {
        return holder.refusal(StatusCode::NOT_FOUND, holder.text().mfa_factor_gone);
    };
    match holder.remove_factor(&state.service, factor).await {
        Ok(()) => Redirect::to(&format!("{}?done=removed", holder.side().paths().security)).into_response(),
        Err(e) => holder.failure(e),
    }
}

/// `POST …/security/recovery-codes`: ten new codes, shown once.
pub async fn regenerate_codes(State(state): State<ConsoleState>, posted: HolderForm<Empty>) -> Response {
    let holder = posted.holder;
    match holder.regenerate_recovery_codes(&state.service).await {
        Ok(codes) => {
            let codes = codes.iter().map(|c| c.expose().to_owned()).collect();
            codes_page(&holder, codes, holder.side().paths().security)
        }
        Err(e) => holder.failure(e),
    }
}

#[cfg(test)]
mod debug_tests {
    use super::*;

    #[test]
    fn no_debug_of_a_form_shows_what_was_typed_as_a_secret() {
        crate::assert_debug_hides::<PasswordForm>(&["password"]);
        crate::assert_debug_hides::<ConfirmForm>(&["code", "key"]);
    }
}
