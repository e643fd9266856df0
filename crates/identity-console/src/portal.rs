//! The party portal's pages, at `/portal`: an invited individual joins
//! (`/portal/join#token=…`, the invitation email's link), signs in with
//! practice, email and password (then their second factor, when they
//! enrolled one), sees the cases they take part in, changes their contact
//! details, language, time zone and password, manages their second factors
//! (`/portal/security`), and signs out; "forgot password" and the recovery
//! link's page (`/portal/recover#token=…`) bring them back in.
//!
//! - The portal's session cookie is its own, `__Host-portal-session`: the
//!   console's `__Host-session` opens no portal page and the portal's opens
//!   no console page (the domain knows the two kinds of token apart too).
//! - The console's guards hold here: its security headers, the same-origin
//!   rule of every post, form tokens (an HMAC of the portal session token;
//!   before sign-in the double-submit cookie), the per-address budget of
//!   the anonymous forms, and "forgot password" answered before any lookup.
//! - The second-factor pages are the console's ([`crate::factors`]), at the
//!   portal's addresses, with the portal's cookie, layout and use cases.
//! - Pages speak the party's language once signed in; before, the one
//!   chosen with the page's language links (`?lang=fr`, kept in the
//!   `__Host-portal-lang` cookie), else the browser's.

mod pages;
mod session;

pub use pages::refused_by_budget;
pub(crate) use pages::{PortalChrome, refusal};
pub(crate) use session::{Party, PartyForm, PortalVisitor, PortalVisitorForm, session_cookie};

use crate::ConsoleState;
use crate::factors::{self, Side};
use axum::Router;
use axum::routing::{any, get, post};

/// The portal's addresses.
pub mod paths {
    /// The portal's home: the party's cases.
    pub const HOME: &str = "/portal";
    /// Sign-in.
    pub const SIGN_IN: &str = "/portal/sign-in";
    /// The second step of signing in, for a party with a second factor.
    pub const SECOND_STEP: &str = "/portal/sign-in/second-factor";
    /// Sign-out (a form post).
    pub const SIGN_OUT: &str = "/portal/sign-out";
    /// Forgot password.
    pub const FORGOT: &str = "/portal/forgot";
    /// The invitation link's page.
    pub const JOIN: &str = "/portal/join";
    /// The recovery link's page.
    pub const RECOVER: &str = "/portal/recover";
    /// Contact details, language and time zone.
    pub const PROFILE: &str = "/portal/profile";
    /// Password change.
    pub const PASSWORD: &str = "/portal/password";
    /// One's second factors.
    pub const SECURITY: &str = "/portal/security";
}

/// The portal's session cookie, apart from the staff one.
pub const PORTAL_SESSION_COOKIE: &str = "__Host-portal-session";

/// The cookie keeping the language chosen before sign-in.
pub const PORTAL_LANG_COOKIE: &str = "__Host-portal-lang";

/// The portal's routes (merged into the console's router, under its edge,
/// headers and budget).
pub fn routes() -> Router<ConsoleState> {
    Router::new()
        .route(paths::HOME, get(pages::home))
        .route("/portal/", get(pages::home))
        .route(paths::SIGN_IN, get(pages::sign_in_page).post(pages::sign_in))
        .route(paths::SIGN_OUT, post(pages::sign_out))
        .route(paths::FORGOT, get(pages::forgot_page).post(pages::forgot))
        .route(paths::JOIN, get(pages::join_page).post(pages::join))
        .route(paths::RECOVER, get(pages::recover_page).post(pages::recover))
        .route(paths::PROFILE, get(pages::profile_page).post(pages::update_profile))
        .route(paths::PASSWORD, get(pages::password_page).post(pages::change_password))
        .merge(factors::routes(Side::Portal))
        .route("/portal/{*rest}", any(pages::not_found))
}
