//! The second step of signing in: the password gave a session that waits
//! for its second factor (its token in the side's session cookie); a TOTP
//! code, a recovery code or a passkey turns it into a full one, in a new
//! cookie. Every failure answers the same way.

use super::{FactorPaths, Frame, Side, challenge_answer, unmounted};
use crate::ConsoleState;
use crate::i18n::{Lang, Text};
use crate::messages::Describe;
use crate::pages::{Chrome, Errors};
use crate::portal::{PortalChrome, PortalVisitor, PortalVisitorForm};
use crate::session::{Visitor, VisitorForm};
use askama::Template;
use axum::extract::{FromRequest, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::CookieJar;
use identity_domain::{
    FactorProof, IdentityService, RequestId, SecondStep, SecondStepError, SessionScope, Token,
};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use serde::de::DeserializeOwned;

/// Where a staff session of `scope` goes next.
pub(crate) fn next_for(scope: SessionScope) -> &'static str {
    use crate::paths;
    match scope {
        SessionScope::Full => paths::HOME,
        SessionScope::PasswordChange => paths::PASSWORD,
        SessionScope::SecondFactor => paths::SECOND_STEP,
        SessionScope::Enrolment => paths::SECURITY,
    }
}

/// Someone between their password and their second factor: a visitor's
/// form token and language, and the waiting session's token.
pub struct Waiting {
    side: Side,
    lang: Lang,
    csrf: String,
    /// The cookies to send back with the page (a new form token, the
    /// language chosen in the address).
    jar: CookieJar,
    token: Option<Token>,
}

fn waiting_token(side: Side, headers: &HeaderMap) -> Option<Token> {
    CookieJar::from_headers(headers).get(side.cookie()).map(|c| Token::presented(c.value()))
}

impl FromRequestParts<ConsoleState> for Waiting {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &ConsoleState) -> Result<Self, Self::Rejection> {
        let side = Side::of(&parts.extensions).ok_or_else(unmounted)?;
        let token = waiting_token(side, &parts.headers);
        let (visitor, jar) = match side {
            Side::Console => {
                let visitor = Visitor::from_request_parts(parts, state).await?;
                let jar = visitor.jar.clone();
                (visitor, jar)
            }
            Side::Portal => {
                let visitor = PortalVisitor::from_request_parts(parts, state).await?;
                let jar = visitor.jar();
                (visitor.visitor, jar)
            }
        };
        Ok(Self { side, lang: visitor.lang, csrf: visitor.csrf, jar, token })
    }
}

/// A form of the second step, its double-submit token and origin checked
/// as the side's sign-in form is.
pub struct WaitingForm<T> {
    waiting: Waiting,
    form: T,
    request_id: Option<RequestId>,
}

impl<T: DeserializeOwned + Send> FromRequest<ConsoleState> for WaitingForm<T> {
    type Rejection = Response;

    async fn from_request(req: Request, state: &ConsoleState) -> Result<Self, Self::Rejection> {
        let side = Side::of(req.extensions()).ok_or_else(unmounted)?;
        let token = waiting_token(side, req.headers());
        let (visitor, form, request_id) = match side {
            Side::Console => {
                let VisitorForm { visitor, form, request_id } = VisitorForm::from_request(req, state).await?;
                (visitor, form, request_id)
            }
            Side::Portal => {
                let PortalVisitorForm { visitor, form, request_id } =
                    PortalVisitorForm::from_request(req, state).await?;
                (visitor, form, request_id)
            }
        };
        let waiting = Waiting { side, lang: visitor.lang, csrf: visitor.csrf, jar: visitor.jar, token };
        Ok(Self { waiting, form, request_id })
    }
}

#[derive(Template)]
#[template(path = "factors/second_step.html")]
struct StepBody {
    t: &'static Text,
    paths: &'static FactorPaths,
    csrf: String,
    errors: Errors,
    /// Whether this server offers passkeys.
    passkeys: bool,
}

fn step_page(state: &ConsoleState, waiting: Waiting, errors: Errors, status: StatusCode) -> Response {
    let Waiting { side, lang, csrf, jar, .. } = waiting;
    let (t, paths) = (lang.text(), side.paths());
    let frame = match side {
        Side::Console => Frame::Console(Chrome::plain(lang, csrf.clone())),
        Side::Portal => Frame::Portal(PortalChrome::visitor(lang, csrf.clone(), paths.second_step)),
    };
    let body = StepBody { t, paths, csrf, errors, passkeys: state.service.passkeys_offered() };
    (jar, frame.render(t, status, t.second_step_title, &body)).into_response()
}

/// `GET …/sign-in/second-factor`: the code form, and the passkey's when
/// this server offers passkeys (the waiting session's token is in the
/// session cookie).
pub async fn page(State(state): State<ConsoleState>, waiting: Waiting) -> Response {
    step_page(&state, waiting, Errors::default(), StatusCode::OK)
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

/// The side's second step: the full session's token, and where it starts.
async fn second_step(
    side: Side,
    service: &IdentityService,
    step: SecondStep,
) -> Result<(Token, &'static str), SecondStepError> {
    match side {
        Side::Console => service.second_step(step).await.map(|p| (p.token, next_for(p.session.scope))),
        Side::Portal => service.portal_second_step(step).await.map(|p| (p.token, side.paths().home)),
    }
}

/// `POST …/sign-in/second-factor`: on success a new session cookie, then
/// the next step or the start; else the form again with the one message.
pub async fn pass(State(state): State<ConsoleState>, posted: WaitingForm<CodeForm>) -> Response {
    let WaitingForm { waiting, form, request_id } = posted;
    let outcome = match waiting.token.clone() {
        Some(token) => {
            let step = SecondStep { token, proof: proof_of(&form), request_id };
            second_step(waiting.side, &state.service, step).await
        }
        None => Err(SecondStepError::Failed),
    };
    match outcome {
        Ok((token, next)) => {
            let jar = CookieJar::new().add(waiting.side.session_cookie(token.expose()));
            (jar, Redirect::to(next)).into_response()
        }
        Err(e) => {
            let mut errors = Errors::default();
            let problem = e.describe(waiting.lang.text());
            let status = problem.status;
            errors.add(problem);
            step_page(&state, waiting, errors, status)
        }
    }
}

/// Nothing but the form token.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct EmptyForm {}

/// `POST …/sign-in/second-factor/passkey-challenge`: the challenge for the
/// waiting session in the cookie (JSON, for the page's script); one
/// refusal for every failure, a person with no passkey included.
pub async fn challenge(State(state): State<ConsoleState>, posted: WaitingForm<EmptyForm>) -> Response {
    let Waiting { side, lang, token, .. } = posted.waiting;
    let t = lang.text();
    let service = &state.service;
    let outcome = match (side, token) {
        (Side::Console, Some(token)) => service.start_passkey_step(&token).await,
        (Side::Portal, Some(token)) => service.portal_start_passkey_step(&token).await,
        (_, None) => Err(SecondStepError::Failed),
    };
    challenge_answer(outcome.map_err(|e| match e {
        SecondStepError::Failed => (StatusCode::UNAUTHORIZED, t.mfa_passkey_failed.to_owned()),
        other => {
            let problem = other.describe(t);
            (problem.status, problem.text)
        }
    }))
}

#[cfg(test)]
mod debug_tests {
    use super::*;

    #[test]
    fn no_debug_of_the_form_shows_the_code() {
        crate::assert_debug_hides::<CodeForm>(&["code"]);
    }
}
