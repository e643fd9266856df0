//! What one page hands to the next across a redirect (post/redirect/get):
//! the one-time password of a user just created, shown once on the page
//! the form redirects to, and never in an address.
//!
//! It travels in the `__Host-console-created` cookie (Secure, HttpOnly,
//! SameSite=Strict), encrypted with XChaCha20-Poly1305 under a key only the
//! creator's session yields ([`FlashKey`], an HMAC of the session token, so
//! no server secret is shared between processes), bound to the new user's
//! id. The page that shows it removes it: a reload shows it no more.

use axum_extra::extract::cookie::{Cookie, CookieJar};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chacha20poly1305::aead::{Aead, Generate, KeyInit, Payload};
use chacha20poly1305::{Key, XChaCha20Poly1305, XNonce};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::fmt;

/// The cookie carrying a created user's one-time password to the next page.
pub const CREATED_COOKIE: &str = "__Host-console-created";

/// Bytes of a nonce.
const NONCE_LEN: usize = 24;

/// The key of one session's flash cookies. Its `Debug` shows nothing.
#[derive(Clone)]
pub struct FlashKey(Key);

impl fmt::Debug for FlashKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("FlashKey(..)")
    }
}

impl FlashKey {
    /// The key of the session whose token is `session_token`.
    pub fn of_session(session_token: &str) -> Self {
        let bytes = match <Hmac<Sha256> as hmac::KeyInit>::new_from_slice(session_token.as_bytes()) {
            Ok(mut mac) => {
                mac.update(b"identity-console flash key");
                mac.finalize().into_bytes().into()
            }
            // HMAC takes keys of any length; this arm cannot be reached.
            Err(_) => [0; 32],
        };
        Self(Key::from(bytes))
    }

    /// Encrypts `secret` for the page about `subject`: base64url of
    /// nonce ‖ ciphertext.
    pub fn seal(&self, subject: &str, secret: &str) -> Option<String> {
        let nonce = XNonce::generate();
        let cipher = XChaCha20Poly1305::new(&self.0);
        let sealed =
            cipher.encrypt(&nonce, Payload { msg: secret.as_bytes(), aad: subject.as_bytes() }).ok()?;
        let mut out = nonce.to_vec();
        out.extend_from_slice(&sealed);
        Some(URL_SAFE_NO_PAD.encode(out))
    }

    /// The secret sealed for `subject`, if `sealed` is one of this key's.
    pub fn open(&self, subject: &str, sealed: &str) -> Option<String> {
        let bytes = URL_SAFE_NO_PAD.decode(sealed).ok()?;
        if bytes.len() <= NONCE_LEN {
            return None;
        }
        let (nonce, ciphertext) = bytes.split_at(NONCE_LEN);
        let nonce = XNonce::try_from(nonce).ok()?;
        let plain = XChaCha20Poly1305::new(&self.0)
            .decrypt(&nonce, Payload { msg: ciphertext, aad: subject.as_bytes() })
            .ok()?;
        String::from_utf8(plain).ok()
    }
}

/// The cookie handing `sealed` to the next page (a browser-session cookie:
/// the page reads it at once).
pub fn created_cookie(sealed: &str) -> Cookie<'static> {
    identity_http::cookie::host_cookie(CREATED_COOKIE, sealed)
}

/// The flash cookie's value and the jar that removes it, once read.
pub fn take_created(jar: &CookieJar) -> (Option<String>, CookieJar) {
    let value = jar.get(CREATED_COOKIE).map(|c| c.value().to_owned());
    let mut removal = created_cookie("");
    removal.make_removal();
    (value, CookieJar::new().add(removal))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_secret_opens_only_with_its_session_and_subject() {
        let key = FlashKey::of_session("session-a");
        let sealed = key.seal("user-1", "s3cret one-time").unwrap();
        assert!(!sealed.contains("s3cret"));
        assert_eq!(key.open("user-1", &sealed).as_deref(), Some("s3cret one-time"));
        assert_eq!(
            FlashKey::of_session("session-a").open("user-1", &sealed).as_deref(),
            Some("s3cret one-time")
        );
        assert_eq!(FlashKey::of_session("session-b").open("user-1", &sealed), None, "another session");
        assert_eq!(key.open("user-2", &sealed), None, "another user's page");
        assert_eq!(key.open("user-1", "not base64 !"), None);
        assert_eq!(key.open("user-1", ""), None);
        assert_ne!(sealed, key.seal("user-1", "s3cret one-time").unwrap(), "a fresh nonce each time");
        assert_eq!(format!("{key:?}"), "FlashKey(..)");
    }
}
