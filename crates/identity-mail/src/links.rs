//! The links emails carry, built from the configured public base URL (never
//! from a request's `Host` header). A link's token goes in the URL
//! *fragment* (`#token=…`): browsers never send a fragment to a server, so
//! the token appears in no access log, proxy log or `Referer` header.

use serde::Deserialize;
use std::fmt;

/// The product's public address, e.g. `https://id.maple.example` or
/// `https://maple.example/identity`: `http` or `https`, a host, an optional
/// path, no query, no fragment. A trailing `/` is dropped.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub struct PublicBaseUrl(String);

/// Why a public base URL was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "the public base URL must look like https://host[/path], without query, fragment, user info or spaces"
)]
pub struct BaseUrlError;

impl PublicBaseUrl {
    /// Parses a base URL.
    ///
    /// # Errors
    /// [`BaseUrlError`] for anything but `http(s)://host[:port][/path]`.
    pub fn parse(input: &str) -> Result<Self, BaseUrlError> {
        let trimmed = input.trim().trim_end_matches('/');
        let rest = trimmed
            .strip_prefix("https://")
            .or_else(|| trimmed.strip_prefix("http://"))
            .ok_or(BaseUrlError)?;
        let host = rest.split('/').next().unwrap_or_default();
        let forbidden = |c: char| {
            c.is_whitespace() || c.is_control() || matches!(c, '?' | '#' | '"' | '<' | '>' | '\\' | '`')
        };
        if host.is_empty() || host.contains('@') || rest.chars().any(forbidden) {
            return Err(BaseUrlError);
        }
        Ok(Self(trimmed.to_owned()))
    }

    /// The base URL, without a trailing `/`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The sign-in page: `{base}/sign-in`.
    pub fn sign_in(&self) -> String {
        format!("{}/sign-in", self.0)
    }

    /// An invitation link: `{base}/join#token=…`.
    pub fn join(&self, token: &str) -> String {
        self.with_token("/join", token)
    }

    /// A recovery link: `{base}/recover#token=…`.
    pub fn recover(&self, token: &str) -> String {
        self.with_token("/recover", token)
    }

    /// The party portal's sign-in page: `{base}/portal/sign-in`.
    pub fn portal_sign_in(&self) -> String {
        format!("{}/portal/sign-in", self.0)
    }

    /// A party's portal invitation link: `{base}/portal/join#token=…`.
    pub fn portal_join(&self, token: &str) -> String {
        self.with_token("/portal/join", token)
    }

    /// A party's portal recovery link: `{base}/portal/recover#token=…`.
    pub fn portal_recover(&self, token: &str) -> String {
        self.with_token("/portal/recover", token)
    }

    fn with_token(&self, path: &str, token: &str) -> String {
        format!("{}{path}#token={}", self.0, percent_encode(token))
    }
}

impl TryFrom<String> for PublicBaseUrl {
    type Error = BaseUrlError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl fmt::Debug for PublicBaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PublicBaseUrl({})", self.0)
    }
}

impl fmt::Display for PublicBaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Percent-encodes everything but RFC 3986 unreserved characters. Tokens
/// are base64url, which is all unreserved: this only guards the URL.
fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for byte in s.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn tokens_go_in_the_fragment() {
        let base = PublicBaseUrl::parse("https://id.maple.example/").unwrap();
        assert_eq!(base.join("abc_-"), "https://id.maple.example/join#token=abc_-");
        assert_eq!(base.recover("a b"), "https://id.maple.example/recover#token=a%20b");
        assert_eq!(base.portal_join("x"), "https://id.maple.example/portal/join#token=x");
        assert_eq!(base.sign_in(), "https://id.maple.example/sign-in");
    }

    #[test]
    fn only_plain_http_base_urls_are_accepted() {
        assert!(PublicBaseUrl::parse("https://maple.example/identity").is_ok());
        assert!(PublicBaseUrl::parse("http://127.0.0.1:8080").is_ok());
        for bad in [
            "",
            "maple.example",
            "ftp://maple.example",
            "https://",
            "https://maple.example/?a=b",
            "https://maple.example/#x",
            "https://user@maple.example",
            "https://maple.example/a b",
            "javascript:alert(1)",
        ] {
            assert_eq!(PublicBaseUrl::parse(bad), Err(BaseUrlError), "{bad}");
        }
    }
}
