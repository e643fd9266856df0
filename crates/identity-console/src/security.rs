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
//!   `Origin` differs from the public origin, is refused whatever its token
//!   (`identity_http::cookie::same_origin`, the API's rule too).

use axum::http::{HeaderName, HeaderValue, header};
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
    .map(|(name, value)| {
        let value = HeaderValue::from_static(value);
        if name == header::CACHE_CONTROL {
            // The hashed files set their own (kept a year).
            SetResponseHeaderLayer::if_not_present(name, value)
        } else {
            SetResponseHeaderLayer::overriding(name, value)
        }
    })
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
}
