//! The console's and the portal's own files (style sheet and script),
//! built into the binary and served under names that carry a hash of their
//! content (`/console/assets/console.1a2b3c4d5e6f7a8b.css`), so that a
//! browser may keep them for a year: a new release changes the name of a
//! file whose content changed. Pages point at the hashed names
//! ([`href`]); the plain names of earlier releases redirect to the current
//! file; anything else is a plain 404. Compression (gzip, brotli) is the
//! console router's, for these files and the pages alike.

use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use sha2::{Digest, Sha256};
use std::sync::LazyLock;

/// Where the files are served.
pub const PREFIX: &str = "/console/assets/";

/// How long a browser may keep a file whose name carries its hash.
pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// One file: its plain name, type and content, and its hashed name.
struct Asset {
    plain: &'static str,
    content_type: &'static str,
    body: &'static [u8],
    hashed: String,
}

/// The hashed form of `plain`: the first 16 hex digits of the SHA-256 of
/// `body` before the extension (`console.css` → `console.<hash>.css`).
fn hashed_name(plain: &str, body: &[u8]) -> String {
    let digest = Sha256::digest(body);
    let hash: String = digest.iter().take(8).map(|b| format!("{b:02x}")).collect();
    match plain.rsplit_once('.') {
        Some((stem, extension)) => format!("{stem}.{hash}.{extension}"),
        None => format!("{plain}.{hash}"),
    }
}

static ASSETS: LazyLock<Vec<Asset>> = LazyLock::new(|| {
    let files: [(&str, &str, &'static [u8]); 2] = [
        ("console.css", "text/css; charset=utf-8", include_bytes!("../static/console.css")),
        ("console.js", "text/javascript; charset=utf-8", include_bytes!("../static/console.js")),
    ];
    files
        .into_iter()
        .map(|(plain, content_type, body)| Asset {
            plain,
            content_type,
            body,
            hashed: hashed_name(plain, body),
        })
        .collect()
});

/// The address pages use for the file named `plain` (`console.css`): its
/// hashed name under [`PREFIX`], or the plain one for an unknown file.
pub fn href(plain: &str) -> String {
    let name = ASSETS.iter().find(|a| a.plain == plain).map_or(plain, |a| a.hashed.as_str());
    format!("{PREFIX}{name}")
}

/// `GET /console/assets/{file}`: a hashed name is the file, to be kept
/// for a year; a plain name redirects (307, not kept) to the current
/// hashed one; any other name, a stale hash included, is 404.
pub async fn serve(Path(file): Path<String>) -> Response {
    if let Some(asset) = ASSETS.iter().find(|a| a.hashed == file) {
        let headers = [
            (header::CONTENT_TYPE, HeaderValue::from_static(asset.content_type)),
            (header::CACHE_CONTROL, HeaderValue::from_static(IMMUTABLE)),
        ];
        return (headers, asset.body).into_response();
    }
    if let Some(asset) = ASSETS.iter().find(|a| a.plain == file) {
        return Redirect::temporary(&format!("{PREFIX}{}", asset.hashed)).into_response();
    }
    StatusCode::NOT_FOUND.into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hashed_name_changes_with_the_content_and_keeps_the_extension() {
        let one = hashed_name("console.css", b"body { color: red }");
        assert!(
            one.starts_with("console.") && one.ends_with(".css") && one.len() == "console..css".len() + 16
        );
        assert_ne!(one, hashed_name("console.css", b"body { color: blue }"));
        assert_eq!(href("console.js"), format!("{PREFIX}{}", hashed_name("console.js", ASSETS[1].body)));
    }
}
