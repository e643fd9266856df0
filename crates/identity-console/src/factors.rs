//! Second factors, for staff in the console and for parties in the
//! portal: the second step of signing in, and one's own factors (add an
//! authenticator app with a QR code or a passkey, rename, remove, new
//! recovery codes, after typing the password again). A staff session a
//! role or practice sends to enrol first gets these pages alone.
//!
//! The same handlers and page bodies serve both sides; a [`Side`] says
//! whose session cookie, use cases, addresses and layout a request gets
//! ([`routes`] mounts the pages once per side, at the addresses of
//! [`Side::paths`]).
//!
//! A passkey needs the browser's `navigator.credentials` (`console.js`):
//! the script asks the challenge (`…/passkey-challenge`, JSON), lets the
//! authenticator answer, and posts the answer in the form's hidden field,
//! so the outcome is an ordinary page.

mod holder;
mod manage;
mod second_step;

use holder::{Holder, HolderForm};
pub(crate) use second_step::next_for;

use crate::ConsoleState;
use crate::i18n::Text;
use crate::pages::{Chrome, render};
use crate::portal::PortalChrome;
use askama::Template;
use axum::Router;
use axum::extract::Extension;
use axum::http::{Extensions, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum_extra::extract::cookie::Cookie;

/// Whose second factors the pages are about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// Staff, in the console (`/console/…`, the `__Host-session` cookie).
    Console,
    /// Parties, in the portal (`/portal/…`, the `__Host-portal-session`
    /// cookie).
    Portal,
}

/// The addresses of one side's second-factor pages.
#[derive(Debug)]
pub struct FactorPaths {
    /// The second step of signing in; its passkey challenge is below it.
    pub second_step: &'static str,
    /// Sign-in, to start again.
    pub sign_in: &'static str,
    /// Sign-out (a form post).
    pub sign_out: &'static str,
    /// One's second factors; their forms post below it.
    pub security: &'static str,
    /// Where a full session starts.
    pub home: &'static str,
}

const CONSOLE_PATHS: FactorPaths = FactorPaths {
    second_step: crate::paths::SECOND_STEP,
    sign_in: crate::paths::SIGN_IN,
    sign_out: "/console/sign-out",
    security: crate::paths::SECURITY,
    home: crate::paths::HOME,
};

const PORTAL_PATHS: FactorPaths = FactorPaths {
    second_step: crate::portal::paths::SECOND_STEP,
    sign_in: crate::portal::paths::SIGN_IN,
    sign_out: crate::portal::paths::SIGN_OUT,
    security: crate::portal::paths::SECURITY,
    home: crate::portal::paths::HOME,
};

impl Side {
    /// The addresses of this side's pages.
    pub fn paths(self) -> &'static FactorPaths {
        match self {
            Self::Console => &CONSOLE_PATHS,
            Self::Portal => &PORTAL_PATHS,
        }
    }

    /// The side of the route a request came to ([`routes`] marks it).
    fn of(extensions: &Extensions) -> Option<Self> {
        extensions.get::<Self>().copied()
    }

    /// The name of this side's session cookie.
    fn cookie(self) -> &'static str {
        match self {
            Self::Console => crate::session::SESSION_COOKIE,
            Self::Portal => crate::portal::PORTAL_SESSION_COOKIE,
        }
    }

    /// This side's session cookie for a new session.
    fn session_cookie(self, token: &str) -> Cookie<'static> {
        match self {
            Self::Console => crate::session::session_cookie(token),
            Self::Portal => crate::portal::session_cookie(token),
        }
    }
}

/// The second-factor pages of `side`, at [`Side::paths`]: the second step
/// of signing in (and its passkey challenge), and one's factors with their
/// forms below `security`.
pub fn routes(side: Side) -> Router<ConsoleState> {
    let paths = side.paths();
    let below = |rest: &str| format!("{}{rest}", paths.security);
    Router::new()
        .route(paths.second_step, get(second_step::page).post(second_step::pass))
        .route(&format!("{}/passkey-challenge", paths.second_step), post(second_step::challenge))
        .route(paths.security, get(manage::page))
        .route(&below("/password"), post(manage::confirm_password))
        .route(&below("/totp"), post(manage::start_totp))
        .route(&below("/totp/confirm"), post(manage::confirm_totp))
        .route(&below("/passkey/challenge"), post(manage::passkey_challenge))
        .route(&below("/passkey"), post(manage::confirm_passkey))
        .route(&below("/factors/{id}/rename"), post(manage::rename_factor))
        .route(&below("/factors/{id}/remove"), post(manage::remove_factor))
        .route(&below("/recovery-codes"), post(manage::regenerate_codes))
        .layer(Extension(side))
}

/// The answer of a second-factor route mounted without its side (only
/// [`routes`] mounts them).
fn unmounted() -> Response {
    tracing::error!("a second-factor page was mounted without its side");
    (StatusCode::INTERNAL_SERVER_ERROR, "the page could not be served").into_response()
}

/// The layout a page body is shown in: the console's or the portal's.
#[derive(Debug, Clone)]
pub(crate) enum Frame {
    Console(Chrome),
    Portal(PortalChrome),
}

#[derive(Template)]
#[template(path = "factors/console.html")]
struct ConsoleFrame<'a> {
    t: &'static Text,
    chrome: &'a Chrome,
    title: &'a str,
    body: &'a str,
}

#[derive(Template)]
#[template(path = "factors/portal.html")]
struct PortalFrame<'a> {
    t: &'static Text,
    chrome: &'a PortalChrome,
    title: &'a str,
    body: &'a str,
}

impl Frame {
    /// `body` under `title` in this layout, answered with `status`.
    fn render(&self, t: &'static Text, status: StatusCode, title: &str, body: &impl Template) -> Response {
        let body = match body.render() {
            Ok(html) => html,
            Err(e) => {
                tracing::error!(error = %e, "a second-factor page could not be rendered");
                return (StatusCode::INTERNAL_SERVER_ERROR, "the page could not be rendered").into_response();
            }
        };
        match self {
            Self::Console(chrome) => render(status, &ConsoleFrame { t, chrome, title, body: &body }),
            Self::Portal(chrome) => render(status, &PortalFrame { t, chrome, title, body: &body }),
        }
    }
}

/// A passkey challenge for the page's script: `{"publicKey": …}`, or
/// `{"error": …}` in the page's language with the refusal's status.
fn challenge_answer(outcome: Result<serde_json::Value, (StatusCode, String)>) -> Response {
    match outcome {
        Ok(options) => axum::Json(serde_json::json!({ "publicKey": options })).into_response(),
        Err((status, text)) => (status, axum::Json(serde_json::json!({ "error": text }))).into_response(),
    }
}
