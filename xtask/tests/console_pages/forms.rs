//! Talking to the console as a browser would, without one: pages fetched
//! and forms posted with their cookies and `Sec-Fetch-Site`, redirects
//! not followed, and the users and sessions the tests need.

#![allow(dead_code)]

use crate::support::{App, Options, PASSWORD};
use identity_domain::*;
use reqwest::StatusCode;
use reqwest::header::{self, HeaderMap};
use secrecy::SecretString;

/// The console's public URL in these tests (`public_url`): the origin a
/// browser's `Origin` header names.
pub const PUBLIC_URL: &str = "https://id.maple.example";

/// The settings of the console's tests: the public URL above, and a first
/// Super Admin who reads French (in Montreal).
pub fn console_options() -> Options {
    Options {
        public_url: Some(PUBLIC_URL),
        owner_language: Some(("fr-CA", "America/Montreal")),
        ..Options::default()
    }
}

/// [`console_options`] with `per_minute` anonymous requests per address.
pub fn console_options_with_budget(per_minute: u32) -> Options {
    Options { anonymous_per_minute: per_minute, ..console_options() }
}

/// One answer: status, headers, and the body as text.
pub struct Page {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub html: String,
}

/// A client of `app` that does not follow redirects (the tests read them).
pub fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(60))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// Sends `request` and reads the whole answer.
pub async fn send(request: reqwest::RequestBuilder) -> Page {
    let response = request.send().await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let html = response.text().await.unwrap_or_default();
    Page { status, headers, html }
}

/// A GET of `path`, with the `cookie` header when given.
pub fn get(app: &App, path: &str, cookie: Option<&str>) -> reqwest::RequestBuilder {
    let mut request = browser().get(format!("{}{path}", app.base));
    if let Some(cookie) = cookie {
        request = request.header(header::COOKIE, cookie);
    }
    request
}

/// A form post of `body` to `path` with `cookie`, as a browser sends it
/// from a page whose relation to this site is `site` (`Sec-Fetch-Site`).
pub fn post(app: &App, path: &str, cookie: &str, site: &str, body: &str) -> reqwest::RequestBuilder {
    browser()
        .post(format!("{}{path}", app.base))
        .header(header::COOKIE, cookie)
        .header("sec-fetch-site", site)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(body.to_owned())
}

/// The form token of the first form of `html`.
pub fn form_token(html: &str) -> String {
    let start = html.find("name=\"csrf\" value=\"").expect("a form token") + "name=\"csrf\" value=\"".len();
    html[start..].split('"').next().unwrap().to_owned()
}

/// The first cookie an answer sets, as `name=value`.
pub fn first_cookie(headers: &HeaderMap) -> String {
    headers[header::SET_COOKIE].to_str().unwrap().split(';').next().unwrap().to_owned()
}

/// Signs in through the domain with `password`; when it was a one-time
/// password, changes it to [`PASSWORD`]. Returns the session cookie of a
/// full session.
pub async fn full_session(app: &App, email: &str, password: &str) -> String {
    let signed = app
        .service
        .sign_in(SignIn {
            practice: "maple-law".into(),
            email: email.into(),
            password: SecretString::from(password.to_owned()),
            request_id: None,
        })
        .await
        .unwrap();
    if signed.password_change_only() {
        let caller = app.service.authenticate(&signed.token).await.unwrap();
        let new = SecretString::from(PASSWORD.to_owned());
        app.service.change_own_password(&caller, SecretString::from(password.to_owned()), new).await.unwrap();
    }
    format!("__Host-session={}", signed.token.expose())
}

/// The first Super Admin's full console session.
pub async fn owner_session(app: &App) -> String {
    full_session(app, "owner@maple.example", PASSWORD).await
}

/// The one-time password every user made by [`new_user`] is given.
pub const ONE_TIME: &str = "a temporary passphrase of ours";

/// Makes an active user with `role`, speaking `language`, whose password
/// is [`ONE_TIME`] (to be changed at first sign-in).
pub async fn new_user(app: &App, email: &str, name: &str, role: RoleId, language: &str) -> User {
    let owner = app.admin_caller().await;
    app.service
        .create_user(
            &owner,
            NewUser {
                email: EmailAddress::parse(email).unwrap(),
                name: PersonName::parse(name).unwrap(),
                role,
                profiles: Default::default(),
                language: Language::parse(language).unwrap(),
                time_zone: TimeZone::parse("America/Toronto").unwrap(),
                phone: None,
                title: None,
                notes: None,
                sites: Default::default(),
                credential: InitialCredential::SetPassword(SecretString::from(ONE_TIME.to_owned())),
            },
        )
        .await
        .unwrap()
        .user
}

/// Makes an active user with `role` and a full console session for them.
pub async fn user_with_session(app: &App, email: &str, name: &str, role: RoleId) -> (User, String) {
    let user = new_user(app, email, name, role, "en").await;
    let session = full_session(app, email, ONE_TIME).await;
    (user, session)
}
