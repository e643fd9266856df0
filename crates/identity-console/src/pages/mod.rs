//! The pages, one module per area, and what they share: the layout data,
//! rendering, and the pages that only say something (not found, refused,
//! failed).

pub mod access;
pub mod audit;
pub mod outbox;
pub mod party;
pub mod people;
pub mod roles;
pub mod sites;
pub mod user;
pub mod users;

use crate::i18n::{Lang, Text};
use crate::messages::{Describe, Problem};
use crate::paths;
use crate::session::Viewer;
use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use identity_domain::Permission;
use std::collections::BTreeMap;

/// What the layout of every page needs.
#[derive(Debug, Clone)]
pub struct Chrome {
    /// The page language's `lang` code.
    pub lang: &'static str,
    /// The form token of the session (or of the visitor).
    pub csrf: String,
    /// The navigation of a signed-in viewer.
    pub nav: Option<Nav>,
    /// Which area the page belongs to (`users`, `sites`, `roles`, `audit`).
    pub section: &'static str,
}

/// The navigation a signed-in viewer sees: only the areas they may use.
#[derive(Debug, Clone)]
pub struct Nav {
    /// The viewer's name.
    pub name: String,
    /// May read users.
    pub users: bool,
    /// May manage sites or parties.
    pub sites: bool,
    /// May see roles (everyone signed in) — always shown.
    pub roles: bool,
    /// May read the audit log.
    pub audit: bool,
    /// May manage the outbox.
    pub outbox: bool,
}

impl Chrome {
    /// The layout of a signed-in page.
    pub fn signed_in(viewer: &Viewer, section: &'static str) -> Self {
        let may = |p| viewer.caller.may(p);
        Self {
            lang: viewer.lang.code(),
            csrf: viewer.csrf.clone(),
            nav: Some(Nav {
                name: viewer.user.name.as_str().to_owned(),
                users: may(Permission::UsersRead),
                sites: may(Permission::SitesManage) || may(Permission::PartiesManage),
                roles: true,
                audit: may(Permission::AuditRead),
                outbox: may(Permission::SettingsManage),
            }),
            section,
        }
    }

    /// The layout of a page without navigation.
    pub fn plain(lang: Lang, csrf: String) -> Self {
        Self { lang: lang.code(), csrf, nav: None, section: "" }
    }
}

/// The problems of a form, by field, and one for the whole form.
#[derive(Debug, Clone, Default)]
pub struct Errors {
    fields: BTreeMap<&'static str, String>,
    /// A problem about the whole form.
    pub general: Option<String>,
}

impl Errors {
    /// Records a problem beside its field, or for the whole form.
    pub fn add(&mut self, problem: Problem) {
        match problem.field {
            Some(field) => {
                self.fields.entry(field).or_insert(problem.text);
            }
            None => self.general = Some(problem.text),
        }
    }

    /// Records the result of parsing a field, keeping the value.
    pub fn check<T>(&mut self, parsed: Result<T, Problem>) -> Option<T> {
        parsed.map_err(|p| self.add(p)).ok()
    }

    /// The problem beside `field`, if any.
    pub fn get(&self, field: &str) -> Option<&str> {
        self.fields.get(field).map(String::as_str)
    }

    /// Whether `field` has a problem (for `aria-invalid`).
    pub fn has(&self, field: &str) -> bool {
        self.fields.contains_key(field)
    }

    /// Whether there is no problem at all.
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty() && self.general.is_none()
    }

    /// Every field problem, for the summary at the top of the form.
    pub fn fields(&self) -> impl Iterator<Item = (&&'static str, &String)> {
        self.fields.iter()
    }
}

/// Renders a page with `status`.
pub fn render<T: Template>(status: StatusCode, page: &T) -> Response {
    match page.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "a console page could not be rendered");
            (StatusCode::INTERNAL_SERVER_ERROR, "the page could not be rendered").into_response()
        }
    }
}

/// A page that only says something.
#[derive(Template)]
#[template(path = "message.html")]
pub struct MessagePage {
    /// Texts.
    pub t: &'static Text,
    /// Layout.
    pub chrome: Chrome,
    /// The heading.
    pub title: String,
    /// What happened.
    pub text: String,
    /// Where to go next, and its label.
    pub next: Option<(String, &'static str)>,
}

/// A page that says why something was refused, with the answer's status.
pub fn refusal(lang: Lang, status: StatusCode, text: &str) -> Response {
    let t = lang.text();
    let page = MessagePage {
        t,
        chrome: Chrome::plain(lang, String::new()),
        title: refusal_title(t, status).to_owned(),
        text: text.to_owned(),
        next: Some((paths::HOME.to_owned(), t.back_to_console)),
    };
    render(status, &page)
}

/// A page that says why something was refused, in the console's own
/// layout with the signed-in viewer's navigation.
pub fn refusal_for(viewer: &Viewer, status: StatusCode, text: &str) -> Response {
    let t = viewer.lang.text();
    let page = MessagePage {
        t,
        chrome: viewer.chrome(""),
        title: refusal_title(t, status).to_owned(),
        text: text.to_owned(),
        next: Some((paths::HOME.to_owned(), t.back_to_console)),
    };
    render(status, &page)
}

/// The page for a refusal or failure of the domain, with the viewer's
/// navigation.
pub fn failure_for<E: Describe>(viewer: &Viewer, error: E) -> Response {
    let problem = error.describe(viewer.lang.text());
    refusal_for(viewer, problem.status, &problem.text)
}

/// The page for a refusal or failure of the domain.
pub fn failure<E: Describe>(lang: Lang, error: E) -> Response {
    let problem = error.describe(lang.text());
    refusal(lang, problem.status, &problem.text)
}

/// The browser's language, from `Accept-Language`.
pub fn browser_lang(headers: &axum::http::HeaderMap) -> Lang {
    Lang::from_accept_language(headers.get(axum::http::header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()))
}

/// The page for a form larger than the body limit (413).
pub fn too_large(lang: Lang) -> Response {
    refusal(lang, StatusCode::PAYLOAD_TOO_LARGE, lang.text().err_too_large)
}

/// The page for a form refused by the per-address budget: 429 with
/// `Retry-After` past the budget, 503 when it could not be counted.
pub fn refused_by_budget(
    refusal: identity_http::budget::Refusal,
    headers: &axum::http::HeaderMap,
) -> Response {
    let lang = browser_lang(headers);
    let (status, text, retry_after) = budget_refusal(lang.text(), refusal);
    let mut response = self::refusal(lang, status, &text);
    response
        .headers_mut()
        .insert(axum::http::header::RETRY_AFTER, axum::http::HeaderValue::from(retry_after));
    response
}

/// What a form refused by the per-address budget answers: its status,
/// message and `Retry-After` seconds.
pub fn budget_refusal(t: &Text, refusal: identity_http::budget::Refusal) -> (StatusCode, String, u64) {
    use identity_http::budget::Refusal;
    match refusal {
        Refusal::Spent { retry_after_secs } => (
            StatusCode::TOO_MANY_REQUESTS,
            crate::i18n::fill(t.err_rate_limited, &[("seconds", &retry_after_secs.to_string())]),
            retry_after_secs,
        ),
        Refusal::Uncounted => (StatusCode::SERVICE_UNAVAILABLE, t.err_busy.to_owned(), 1),
    }
}

/// The title of a page that says why something was refused.
pub fn refusal_title(t: &Text, status: StatusCode) -> &'static str {
    match status {
        StatusCode::NOT_FOUND => t.not_found_title,
        StatusCode::FORBIDDEN => t.forbidden_title,
        StatusCode::PAYLOAD_TOO_LARGE => t.too_large_title,
        StatusCode::TOO_MANY_REQUESTS => t.rate_limited_title,
        StatusCode::SERVICE_UNAVAILABLE => t.unavailable_title,
        StatusCode::INTERNAL_SERVER_ERROR => t.failed_title,
        _ => t.refused_title,
    }
}

/// The answer to an unknown console address: with the navigation for a
/// signed-in viewer.
pub async fn not_found(headers: axum::http::HeaderMap, viewer: Result<Viewer, Response>) -> Response {
    match viewer {
        Ok(viewer) => refusal_for(&viewer, StatusCode::NOT_FOUND, viewer.lang.text().err_not_found),
        Err(_) => {
            let lang = browser_lang(&headers);
            refusal(lang, StatusCode::NOT_FOUND, lang.text().err_not_found)
        }
    }
}
