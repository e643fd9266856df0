//! What guards every page: the security headers, the form tokens (CSRF)
//! and the same-origin check of form posts.
//!
//! - Signed-in forms carry an HMAC-SHA256 of the session token (keyed by
//!   the token, so only the holder of the session can know it, and it
//!   needs no server secret shared between processes).
//! - Forms shown before sign-in (sign-in, forgot password, link pages)
//!   carry a random token that must equal the `__Host-console-csrf`
//!   cookie (double submit).
//! - A post whose `Sec-Fetch-Site` is anything but `same-origin`, or whose
//!   `Origin` differs from the public origin, is refused whatever its token.

use axum::http::{HeaderMap, HeaderName, HeaderValue, header};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;
use tower_http::set_header::SetResponseHeaderLayer;

/// The double-submit cookie of forms shown before sign-in.
pub const ANONYMOUS_CSRF_COOKIE: &str = "__Host-console-csrf";

/// The Content-Security-Policy of every console page: nothing but this
/// origin's own files; no inline script or style; no framing.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
    img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'";

/// The headers every console answer carries.
pub fn headers() -> Vec<SetResponseHeaderLayer<HeaderValue>> {
    [
        (header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::REFERRER_POLICY, "same-origin"),
        (header::CACHE_CONTROL, "no-store"),
        (HeaderName::from_static("cross-origin-opener-policy"), "same-origin"),
    ]
    .into_iter()
    .map(|(name, value)| SetResponseHeaderLayer::overriding(name, HeaderValue::from_static(value)))
    .collect()
}

/// The form token of a signed-in session.
pub fn session_csrf(session_token: &str) -> String {
    match Hmac::<Sha256>::new_from_slice(session_token.as_bytes()) {
        Ok(mut mac) => {
            mac.update(b"identity-console form token");
            URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
        }
        // HMAC takes keys of any length; this arm cannot be reached.
        Err(_) => String::new(),
    }
}

/// Whether two tokens are equal, in constant time; empty never matches.
pub fn tokens_match(expected: &str, presented: &str) -> bool {
    !expected.is_empty() && bool::from(expected.as_bytes().ct_eq(presented.as_bytes()))
}

/// Whether a form post comes from this site: `Sec-Fetch-Site` says
/// `same-origin`, or (from browsers that do not send it) the `Origin` is
/// the public origin or the origin of the `Host` the request was sent to.
pub fn same_origin(headers: &HeaderMap, public_origin: Option<&str>) -> bool {
    let value = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    match (value("sec-fetch-site"), value(header::ORIGIN.as_str())) {
        (Some(site), _) => site == "same-origin",
        (None, Some(origin)) => {
            let public = public_origin.is_some_and(|p| p.trim_end_matches('/') == origin);
            let host = value(header::HOST.as_str()).is_some_and(|host| {
                origin.strip_prefix("http://").or_else(|| origin.strip_prefix("https://")) == Some(host)
            });
            public || host
        }
        (None, None) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_form_tokens_differ_by_session_and_match_only_themselves() {
        let a = session_csrf("token-a");
        assert_eq!(a, session_csrf("token-a"));
        assert_ne!(a, session_csrf("token-b"));
        assert!(tokens_match(&a, &a));
        assert!(!tokens_match(&a, &session_csrf("token-b")));
        assert!(!tokens_match("", ""));
    }

    #[test]
    fn posts_from_other_sites_are_not_same_origin() {
        let mut headers = HeaderMap::new();
        assert!(!same_origin(&headers, None));
        headers.insert("sec-fetch-site", HeaderValue::from_static("cross-site"));
        assert!(!same_origin(&headers, None));
        headers.insert("sec-fetch-site", HeaderValue::from_static("same-origin"));
        assert!(same_origin(&headers, None));
        let mut headers = HeaderMap::new();
        headers.insert(header::ORIGIN, HeaderValue::from_static("https://evil.example"));
        headers.insert(header::HOST, HeaderValue::from_static("id.example.org"));
        assert!(!same_origin(&headers, Some("https://id.example.org")));
        headers.insert(header::ORIGIN, HeaderValue::from_static("https://id.example.org"));
        assert!(same_origin(&headers, Some("https://id.example.org")));
    }
}
