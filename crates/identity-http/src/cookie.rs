//! The session cookie both front doors set and read, and the one rule for
//! writes authenticated by it.
//!
//! `__Host-session` makes browsers insist on `Secure`, `Path=/` and no
//! `Domain`; it is HttpOnly, SameSite=Strict, and a browser-session cookie
//! (no `Max-Age`): the server ends the session itself, idle or absolute,
//! whatever the browser keeps.
//!
//! A write (any method but GET, HEAD, OPTIONS, TRACE) authenticated by the
//! cookie must come from this site: `Sec-Fetch-Site: same-origin`, or,
//! from browsers that do not send it, an `Origin` equal to the configured
//! public origin. Nothing else — not an `Origin` equal to the `Host` the
//! request names, which the client chooses.

use axum::http::{HeaderMap, header};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};

/// The name of the session cookie.
pub const SESSION_COOKIE: &str = "__Host-session";

/// The session cookie for a new sign-in.
pub fn session_cookie(token: &str) -> Cookie<'static> {
    host_cookie(SESSION_COOKIE, token)
}

/// A `__Host-` cookie: Secure, HttpOnly, SameSite=Strict, `Path=/`.
pub fn host_cookie(name: &'static str, value: &str) -> Cookie<'static> {
    Cookie::build((name, value.to_owned()))
        .path("/")
        .secure(true)
        .http_only(true)
        .same_site(SameSite::Strict)
        .build()
}

/// Cookies that remove the session cookie. A `__Host-` cookie is only
/// replaced by one with the same prefix rules (Secure, `Path=/`), or
/// browsers ignore the removal.
pub fn without_session() -> CookieJar {
    let mut removal = session_cookie("");
    removal.make_removal();
    CookieJar::new().add(removal)
}

/// The session token in the cookie, if any.
pub fn session_token(headers: &HeaderMap) -> Option<String> {
    CookieJar::from_headers(headers).get(SESSION_COOKIE).map(|c| c.value().to_owned())
}

/// Whether a write comes from this site (see the module documentation).
pub fn same_origin(headers: &HeaderMap, public_origin: Option<&str>) -> bool {
    let value = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    match (value("sec-fetch-site"), value(header::ORIGIN.as_str())) {
        (Some(site), _) => site == "same-origin",
        (None, Some(origin)) => public_origin.is_some_and(|p| p.trim_end_matches('/') == origin),
        (None, None) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn writes_from_other_sites_are_not_same_origin() {
        let mut headers = HeaderMap::new();
        assert!(!same_origin(&headers, None));
        headers.insert("sec-fetch-site", HeaderValue::from_static("cross-site"));
        assert!(!same_origin(&headers, Some("https://id.example.org")));
        headers.insert("sec-fetch-site", HeaderValue::from_static("same-origin"));
        assert!(same_origin(&headers, None));
        let mut headers = HeaderMap::new();
        headers.insert(header::ORIGIN, HeaderValue::from_static("https://evil.example"));
        headers.insert(header::HOST, HeaderValue::from_static("evil.example"));
        assert!(!same_origin(&headers, Some("https://id.example.org")), "the Host is the client's to choose");
        headers.insert(header::ORIGIN, HeaderValue::from_static("https://id.example.org"));
        assert!(same_origin(&headers, Some("https://id.example.org/")));
    }

    #[test]
    fn the_session_cookie_is_host_only_secure_http_only_and_strict() {
        let text = session_cookie("t0ken").to_string();
        for part in ["__Host-session=t0ken", "HttpOnly", "SameSite=Strict", "Secure", "Path=/"] {
            assert!(text.contains(part), "{text}");
        }
        assert!(!text.contains("Domain") && !text.contains("Max-Age"), "{text}");
    }
}
