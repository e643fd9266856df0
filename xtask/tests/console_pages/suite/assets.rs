//! The console's and the portal's style sheet and script over HTTP: hashed
//! names that pages point at, kept a year; plain names that redirect;
//! unknown names that are 404; pages and files compressed as the browser
//! accepts.

use super::*;
use reqwest::StatusCode;
use reqwest::header;

/// The `href` or `src` of the first tag of `html` whose value ends with
/// `extension` under `/console/assets/`.
fn asset_address(html: &str, extension: &str) -> String {
    let start = html.find("\"/console/assets/").expect("a file of the console") + 1;
    let mut rest = &html[start..];
    loop {
        let end = rest.find('"').unwrap();
        if rest[..end].ends_with(extension) {
            return rest[..end].to_owned();
        }
        let next = rest.find("\"/console/assets/").expect("the file") + 1;
        rest = &rest[next..];
    }
}

/// Whether `name` is `stem.<16 hex digits>.extension`.
fn hashed(name: &str, stem: &str, extension: &str) -> bool {
    let Some(hash) = name.strip_prefix(&format!("{stem}.")).and_then(|r| r.strip_suffix(&format!(".{extension}")))
    else {
        return false;
    };
    hash.len() == 16 && hash.chars().all(|c| c.is_ascii_hexdigit())
}

#[tokio::test]
async fn pages_point_at_hashed_files_kept_a_year() {
    let Some(app) = spawn_app().await else { return };
    let console = send(get(&app, "/console/sign-in", None)).await;
    let portal = send(get(&app, "/portal/sign-in", None)).await;
    for extension in [".css", ".js"] {
        let address = asset_address(&console.html, extension);
        let name = address.strip_prefix("/console/assets/").unwrap();
        assert!(hashed(name, "console", &extension[1..]), "{address}");
        assert_eq!(asset_address(&portal.html, extension), address, "the portal uses the same file");
        let file = send(get(&app, &address, None)).await;
        assert_eq!(file.status, StatusCode::OK, "{address}");
        assert_eq!(file.headers[header::CACHE_CONTROL], "public, max-age=31536000, immutable", "{address}");
        let kind = file.headers[header::CONTENT_TYPE].to_str().unwrap();
        assert!(kind.starts_with(if extension == ".css" { "text/css" } else { "text/javascript" }), "{kind}");
        assert_eq!(file.headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
    }
    assert_eq!(console.headers[header::CACHE_CONTROL], "no-store", "pages are not kept");
}

#[tokio::test]
async fn plain_names_redirect_to_the_current_file_and_other_names_are_404() {
    let Some(app) = spawn_app().await else { return };
    for plain in ["console.css", "console.js"] {
        let answer = send(get(&app, &format!("/console/assets/{plain}"), None)).await;
        assert_eq!(answer.status, StatusCode::TEMPORARY_REDIRECT, "{plain}");
        assert_eq!(answer.headers[header::LOCATION], identity_console::assets::href(plain).as_str());
        assert_eq!(answer.headers[header::CACHE_CONTROL], "no-store", "a redirect that follows releases");
    }
    for unknown in ["console.0123456789abcdef.css", "nope.js", "console.css.map", "..%2Fconsole.css"] {
        let answer = send(get(&app, &format!("/console/assets/{unknown}"), None)).await;
        assert_eq!(answer.status, StatusCode::NOT_FOUND, "{unknown}");
        assert_eq!(answer.headers[header::CACHE_CONTROL], "no-store", "{unknown}");
    }
}

#[tokio::test]
async fn pages_and_files_are_compressed_as_the_browser_accepts() {
    let Some(app) = spawn_app().await else { return };
    let css = identity_console::assets::href("console.css");
    let fetch = |path: String, encoding: Option<&'static str>| {
        let mut request = browser().get(format!("{}{path}", app.base));
        if let Some(encoding) = encoding {
            request = request.header(header::ACCEPT_ENCODING, encoding);
        }
        async move {
            let response = request.send().await.unwrap();
            let headers = response.headers().clone();
            (headers, response.bytes().await.unwrap())
        }
    };
    let (plain_headers, plain) = fetch(css.clone(), None).await;
    assert!(plain_headers.get(header::CONTENT_ENCODING).is_none());
    assert!(plain.starts_with(b":root") || plain.len() > 1000, "the style sheet as it is");

    let (headers, gzip) = fetch(css.clone(), Some("gzip")).await;
    assert_eq!(headers[header::CONTENT_ENCODING], "gzip");
    assert!(gzip.starts_with(&[0x1f, 0x8b]) && gzip.len() < plain.len() / 2, "{} of {}", gzip.len(), plain.len());
    assert_eq!(headers[header::CACHE_CONTROL], "public, max-age=31536000, immutable");
    assert!(headers[header::VARY].to_str().unwrap().to_ascii_lowercase().contains("accept-encoding"));

    let (headers, brotli) = fetch(css.clone(), Some("br")).await;
    assert_eq!(headers[header::CONTENT_ENCODING], "br");
    assert!(brotli.len() < plain.len() / 2, "{} of {}", brotli.len(), plain.len());

    let (headers, page) = fetch("/console/sign-in".to_owned(), Some("gzip, deflate, br")).await;
    assert!(["br", "gzip"].contains(&headers[header::CONTENT_ENCODING].to_str().unwrap()), "{headers:?}");
    assert!(!page.starts_with(b"<!doctype"), "the page is compressed");
    let (headers, page) = fetch("/console/sign-in".to_owned(), None).await;
    assert!(headers.get(header::CONTENT_ENCODING).is_none() && page.starts_with(b"<!doctype"));
}
