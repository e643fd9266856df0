//! # identity-console
//!
//! The administrators' web console: server-rendered pages (askama) over
//! [`identity_domain::IdentityService`], mounted under `/console` beside
//! the API in the same binary, so a practice can run without writing a
//! client.
//!
//! - Sign-in uses the API's own `__Host-session` cookie: a console sign-in
//!   also authenticates the API calls the pages link to (the CSV download).
//! - Every form carries a token (an HMAC of the session token, or a
//!   double-submit cookie before sign-in) and must come from this origin.
//! - Every answer carries a strict Content-Security-Policy (this origin's
//!   own script and style files only, no framing), `nosniff`,
//!   `Referrer-Policy` and `Cache-Control: no-store`, but the style sheet
//!   and script, served under hashed names and kept a year ([`assets`]).
//!   Pages and files are compressed (gzip or brotli) when the browser
//!   accepts it; the session cookie being SameSite=Strict, a page another
//!   site makes the browser fetch holds no form token to guess by size.
//! - Pages speak the signed-in user's language (English or French) and
//!   show times in their time zone.
//! - The pages emailed links open are served at the paths the mail adapter
//!   builds: `/sign-in`, `/join#token=…` and `/recover#token=…`.
//! - The party portal's pages are served here too, at `/portal` ([`portal`]),
//!   with their own session cookie and the same guards.
//! - Second factors ([`factors`]): the second step of signing in and one's
//!   own factors, the same pages for staff (`/console/security`) and for
//!   parties (`/portal/security`).
//! - The edge is `identity-http`'s, as for the API: each request gets a
//!   valid `x-request-id` (kept in the audit log) and is logged by method
//!   and path only; the body limit is the API's (413 page); the anonymous
//!   forms spend the same per-address budget as the API's anonymous routes
//!   (429 page); one that takes longer than the request time limit
//!   answers 503; "forgot password" is worked after the answer, on the
//!   shared queue.

pub mod assets;
pub mod factors;
pub mod flash;
pub mod i18n;
pub mod messages;
pub mod pages;
pub mod portal;
pub mod security;
pub mod session;

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Redirect;
use axum::routing::{any, get, post};
use identity_domain::{IdentityService, Permission};
use identity_http::budget::AddressLimit;
use identity_http::forgot::ForgotQueue;
use pages::access::{self, LinkPage};
use std::sync::Arc;
use tower_http::compression::CompressionLayer;
use tower_http::timeout::TimeoutLayer;

/// The console's addresses that code elsewhere in the crate points to.
pub mod paths {
    /// The console's start.
    pub const HOME: &str = "/console";
    /// The sign-in page.
    pub const SIGN_IN: &str = "/console/sign-in";
    /// The sign-in page, after a session ended.
    pub const SIGN_IN_AGAIN: &str = "/console/sign-in?notice=ended";
    /// The password page (the must-change step).
    pub const PASSWORD: &str = "/console/password";
    /// The users table.
    pub const USERS: &str = "/console/users";
    /// The recovery link's page.
    pub const RECOVER: &str = "/recover";
    /// The invitation link's page.
    pub const JOIN: &str = "/join";
    /// Forgot password.
    pub const FORGOT: &str = "/console/forgot";
    /// The second step of signing in.
    pub const SECOND_STEP: &str = "/console/sign-in/second-factor";
    /// One's second factors (and the enrolment a role may require).
    pub const SECURITY: &str = "/console/security";
}

/// Settings of the console: the edge's, shared with the API (the public
/// origin accepted as the `Origin` of form posts from browsers that send
/// no `Sec-Fetch-Site`, the body limit, the per-address budget, trusted
/// proxies, the request time limit).
pub type ConsoleSettings = identity_http::EdgeSettings;

/// The forms anyone may post without a session, which check a password
/// or send an email, the console's and the party portal's: to be rate
/// limited per client address (method, path).
pub const ANONYMOUS_FORMS: &[(&str, &str)] = &[
    ("POST", paths::SIGN_IN),
    ("POST", paths::FORGOT),
    ("POST", paths::SECOND_STEP),
    ("POST", paths::RECOVER),
    ("POST", paths::JOIN),
    ("POST", portal::paths::SIGN_IN),
    ("POST", portal::paths::SECOND_STEP),
    ("POST", portal::paths::FORGOT),
    ("POST", portal::paths::JOIN),
    ("POST", portal::paths::RECOVER),
];

/// What every page handler can reach.
#[derive(Clone)]
pub struct ConsoleState {
    /// The use cases.
    pub service: IdentityService,
    /// The console's settings.
    pub settings: Arc<ConsoleSettings>,
    /// Where "forgot password" requests wait for their work, after the
    /// answer (owned by the composition root, shared with the API).
    pub forgot: ForgotQueue,
}

/// The console's routes: `/console/…`, the pages emailed links open
/// (`/sign-in`, `/join`, `/recover`), `/` leading to the console, and the
/// party portal's pages (`/portal/…`, [`portal`]).
/// It sets no fallback, so it merges with the API's router.
pub fn router(state: ConsoleState) -> Router {
    let mut router = Router::new()
        .route("/", get(|| async { Redirect::to(paths::HOME) }))
        .route("/sign-in", get(|| async { Redirect::to(paths::SIGN_IN) }))
        .route(
            paths::RECOVER,
            get(|v, q| access::link_page(LinkPage::Recover, v, q))
                .post(|State(s), f| access::redeem_link(LinkPage::Recover, s, f)),
        )
        .route(
            paths::JOIN,
            get(|v, q| access::link_page(LinkPage::Join, v, q))
                .post(|State(s), f| access::redeem_link(LinkPage::Join, s, f)),
        )
        .route(paths::HOME, get(home))
        .route("/console/", get(home))
        .route(paths::SIGN_IN, get(access::sign_in_page).post(access::sign_in))
        .route(paths::PASSWORD, get(access::password_form).post(access::change_password))
        .route("/console/sign-out", post(access::sign_out))
        .route(paths::FORGOT, get(access::forgot_page).post(access::forgot))
        .route("/console/assets/{file}", get(assets::serve))
        .merge(pages::users::routes())
        .merge(pages::user::routes())
        .merge(pages::sites::routes())
        .merge(pages::party::routes())
        .merge(pages::roles::routes())
        .merge(factors::routes(factors::Side::Console))
        .merge(pages::audit::routes())
        .merge(pages::outbox::routes())
        .merge(pages::people::routes())
        .merge(portal::routes())
        .route("/console/{*rest}", any(pages::not_found));
    let settings = state.settings.clone();
    let refuse: identity_http::budget::RenderRefusal =
        Arc::new(|refusal, parts: &axum::http::request::Parts| {
            if parts.uri.path().starts_with("/portal") {
                portal::refused_by_budget(refusal, &parts.headers)
            } else {
                pages::refused_by_budget(refusal, &parts.headers)
            }
        });
    let limit = AddressLimit::new(state.service.clone(), &settings, ANONYMOUS_FORMS, refuse);
    router = router.layer(axum::middleware::from_fn_with_state(limit, identity_http::budget::limit));
    // Outside the budget, so that its pages carry them too.
    for layer in security::headers() {
        router = router.layer(layer);
    }
    // Pages and files, compressed as the browser accepts (gzip, brotli).
    router = router.layer(CompressionLayer::new().gzip(true).br(true));
    let router = router
        .layer(TimeoutLayer::with_status_code(StatusCode::SERVICE_UNAVAILABLE, settings.request_timeout));
    identity_http::edge::around(router, &settings).with_state(state)
}

/// `/console`: the users table for those who may read it, else the roles.
async fn home(viewer: session::Viewer) -> Redirect {
    if viewer.caller.may(Permission::UsersRead) {
        Redirect::to(paths::USERS)
    } else {
        Redirect::to("/console/roles")
    }
}

/// Checks that no `Debug` of a form prints what was typed into `fields`:
/// each is given a secret, the form is read as a request's body would be,
/// and its `Debug` must not hold the secret.
#[cfg(test)]
pub(crate) fn assert_debug_hides<T: serde::de::DeserializeOwned + std::fmt::Debug>(fields: &[&str]) {
    const SECRET: &str = "492039 correct horse";
    let body: serde_json::Map<String, serde_json::Value> =
        fields.iter().map(|f| ((*f).to_owned(), serde_json::Value::from(SECRET))).collect();
    let form: T = serde_json::from_value(serde_json::Value::Object(body)).expect("the form reads");
    let debug = format!("{form:?}");
    assert!(!debug.contains("492039") && !debug.contains("horse"), "{debug}");
}
