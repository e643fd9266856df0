//! The console's router over the in-memory adapters, without a browser:
//! security headers, form tokens and origins, where each kind of session
//! is sent, and the pages emailed links open.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use identity_console::{ConsoleSettings, ConsoleState, router};
use identity_domain::*;
use identity_memory::MemoryAdapters;
use secrecy::SecretString;
use std::sync::Arc;
use tower::ServiceExt;

struct Fixture {
    app: axum::Router,
    service: IdentityService,
    one_time: String,
    queue: Arc<dyn OutboxQueue>,
    clock: identity_memory::ManualClock,
    store: identity_memory::MemoryStore,
    forgot: identity_http::forgot::ForgotQueue,
}

async fn fixture() -> Fixture {
    fixture_with(ConsoleSettings {
        public_origin: Some("https://id.maple.example".into()),
        ..ConsoleSettings::default()
    })
    .await
}

async fn fixture_with(settings: ConsoleSettings) -> Fixture {
    let adapters = MemoryAdapters::with_fast_hasher();
    let service = IdentityService::new(adapters.ports(), Config::default());
    let created = service
        .create_practice(NewPractice {
            admin_language: Language::parse("fr-CA").unwrap(),
            admin_time_zone: TimeZone::parse("America/Montreal").unwrap(),
            ..NewPractice::example()
        })
        .await
        .unwrap();
    let forgot = identity_http::forgot::ForgotQueue::start(
        service.clone(),
        8.try_into().unwrap(),
        1.try_into().unwrap(),
    );
    let app = router(ConsoleState {
        service: service.clone(),
        settings: Arc::new(settings),
        forgot: forgot.clone(),
    });
    Fixture {
        app,
        service,
        one_time: created.admin_password.expose().to_owned(),
        queue: Arc::new(adapters.store.clone()),
        clock: adapters.clock.clone(),
        store: adapters.store.clone(),
        forgot,
    }
}

impl Fixture {
    async fn send(&self, request: Request<Body>) -> (StatusCode, axum::http::HeaderMap, String) {
        let response = self.app.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let body = axum::body::to_bytes(response.into_body(), 1 << 20).await.unwrap();
        (status, headers, String::from_utf8_lossy(&body).into_owned())
    }

    async fn session(&self, password: &str) -> Token {
        let signed = self
            .service
            .sign_in(SignIn {
                practice: "maple-law".into(),
                email: "owner@maple.example".into(),
                password: SecretString::from(password.to_owned()),
                request_id: None,
            })
            .await
            .unwrap();
        signed.token
    }
}

fn get(path: &str, cookie: Option<&str>) -> Request<Body> {
    let mut request = Request::get(path);
    if let Some(cookie) = cookie {
        request = request.header(header::COOKIE, cookie);
    }
    request.body(Body::empty()).unwrap()
}

fn post(path: &str, cookie: &str, site: &str, body: &str) -> Request<Body> {
    Request::post(path)
        .header(header::COOKIE, cookie)
        .header("sec-fetch-site", site)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(body.to_owned()))
        .unwrap()
}

fn form_token(html: &str) -> String {
    let start = html.find("name=\"csrf\" value=\"").expect("a form token") + "name=\"csrf\" value=\"".len();
    html[start..].split('"').next().unwrap().to_owned()
}

#[tokio::test]
async fn every_page_carries_the_security_headers_and_a_form_token_cookie() {
    let f = fixture().await;
    let (status, headers, html) = f.send(get("/console/sign-in", None)).await;
    assert_eq!(status, StatusCode::OK);
    let csp = headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
    assert!(csp.contains("default-src 'self'") && csp.contains("frame-ancestors 'none'"), "{csp}");
    assert!(!csp.contains("unsafe-inline"));
    assert_eq!(headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
    assert_eq!(headers[header::REFERRER_POLICY], "same-origin");
    assert_eq!(headers[header::CACHE_CONTROL], "no-store");
    assert_eq!(headers["x-request-id"].len(), 36, "each request gets an id for the audit log");
    let cookie = headers[header::SET_COOKIE].to_str().unwrap();
    assert!(
        cookie.starts_with("__Host-console-csrf=")
            && cookie.contains("Secure")
            && cookie.contains("HttpOnly")
    );
    assert!(cookie.contains(&form_token(&html)), "the cookie and the form carry the same token");
    assert!(html.contains("<label for=\"f-email\">"), "labelled fields");
}

#[tokio::test]
async fn a_post_without_its_token_or_from_another_site_is_refused() {
    let f = fixture().await;
    let (_, headers, html) = f.send(get("/console/sign-in", None)).await;
    let cookie = headers[header::SET_COOKIE].to_str().unwrap().split(';').next().unwrap().to_owned();
    let token = form_token(&html);
    let body = |csrf: &str| {
        format!("csrf={csrf}&practice=maple-law&email=owner%40maple.example&password={}", f.one_time)
    };

    let (status, _, page) = f.send(post("/console/sign-in", &cookie, "same-origin", &body("forged"))).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(page.contains("This form expired"), "{page}");
    let (status, _, _) = f.send(post("/console/sign-in", &cookie, "cross-site", &body(&token))).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    let (status, headers, _) = f.send(post("/console/sign-in", &cookie, "same-origin", &body(&token))).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(headers[header::LOCATION], "/console/password", "a one-time password leads to the change");
    let session = headers[header::SET_COOKIE].to_str().unwrap();
    assert!(session.starts_with("__Host-session=") && session.contains("SameSite=Strict"), "{session}");
}

#[tokio::test]
async fn each_kind_of_session_is_sent_where_it_may_go() {
    let f = fixture().await;
    let (status, headers, _) = f.send(get("/console/users", None)).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(headers[header::LOCATION], "/console/sign-in");

    let (status, headers, _) = f.send(get("/console/users", Some("__Host-session=not-a-live-session"))).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(headers[header::LOCATION], "/console/sign-in?notice=ended");
    assert!(headers[header::SET_COOKIE].to_str().unwrap().contains("Max-Age=0"));

    let token = f.session(&f.one_time).await;
    let cookie = format!("__Host-session={}", token.expose());
    let (_, headers, _) = f.send(get("/console/users", Some(&cookie))).await;
    assert_eq!(headers[header::LOCATION], "/console/password", "a must-change session may only change it");

    let caller = f.service.authenticate(&token).await.unwrap();
    let new = SecretString::from("a long and private passphrase".to_owned());
    f.service.change_own_password(&caller, SecretString::from(f.one_time.clone()), new).await.unwrap();
    let (status, _, html) = f.send(get("/console/users", Some(&cookie))).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("<html lang=\"fr\">") && html.contains("Utilisateurs"), "in the user's language");
    assert!(html.contains("Olivia Owner"));
}

#[tokio::test]
async fn emailed_links_open_pages_that_read_the_token_from_the_fragment() {
    let f = fixture().await;
    for path in ["/join", "/recover"] {
        let (status, _, html) = f.send(get(path, None)).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert!(html.contains("data-from-fragment=\"token\""), "{path}");
        assert!(html.contains("src=\"/console/assets/console.js\""));
    }
    let (status, headers, _) = f.send(get("/sign-in", None)).await;
    assert_eq!(
        (status, &headers[header::LOCATION]),
        (StatusCode::SEE_OTHER, &"/console/sign-in".parse().unwrap())
    );
    let (status, headers, _) = f.send(get("/console/assets/console.js", None)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(headers[header::CONTENT_TYPE].to_str().unwrap().starts_with("text/javascript"));
    let (status, _, html) = f.send(get("/console/no-such-page", None)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(html.contains("<h1>Not found</h1>"));
}

/// Signs in with a one-time password and changes it: a full session.
async fn full_session(f: &Fixture, email: &str, one_time: &str) -> String {
    let signed = f
        .service
        .sign_in(SignIn {
            practice: "maple-law".into(),
            email: email.into(),
            password: SecretString::from(one_time.to_owned()),
            request_id: None,
        })
        .await
        .unwrap();
    let caller = f.service.authenticate(&signed.token).await.unwrap();
    let new = SecretString::from("a long and private passphrase".to_owned());
    f.service.change_own_password(&caller, SecretString::from(one_time.to_owned()), new).await.unwrap();
    format!("__Host-session={}", signed.token.expose())
}

#[tokio::test]
async fn signed_in_forms_need_the_session_s_token_and_pages_show_only_what_one_may_do() {
    let f = fixture().await;
    let admin = full_session(&f, "owner@maple.example", &f.one_time).await;
    let (_, _, html) = f.send(get("/console/users", Some(&admin))).await;
    assert!(html.contains("id=\"new-user\"") && html.contains("id=\"download\""));
    let token = form_token(&html);

    let columns = "columns=email&columns=time_zone&back=sort%3Dname";
    let (status, _, _) =
        f.send(post("/console/users/columns", &admin, "same-origin", &format!("csrf=x&{columns}"))).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, headers, _) = f
        .send(post("/console/users/columns", &admin, "same-origin", &format!("csrf={token}&{columns}")))
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(headers[header::LOCATION], "/console/users?sort=name");
    let remembered = headers[header::SET_COOKIE].to_str().unwrap().split(';').next().unwrap().to_owned();
    let (_, _, html) = f.send(get("/console/users", Some(&format!("{admin}; {remembered}")))).await;
    assert!(html.contains("data-column=\"time_zone\"") && !html.contains("data-column=\"status\""));

    // A paralegal reads users but creates nobody and resets nothing.
    let owner = f.service.authenticate(&Token::presented(admin.trim_start_matches("__Host-session="))).await;
    let owner = owner.unwrap();
    let roles = f.service.list_roles(&owner).await.unwrap();
    let paralegal = roles.iter().find(|r| r.name.as_str() == "Paralegal").unwrap().id;
    let one_time = "a temporary passphrase of ours";
    f.service
        .create_user(
            &owner,
            NewUser {
                email: EmailAddress::parse("pat@maple.example").unwrap(),
                name: PersonName::parse("Pat Paralegal").unwrap(),
                role: paralegal,
                profiles: Default::default(),
                language: Language::parse("en").unwrap(),
                time_zone: TimeZone::parse("America/Toronto").unwrap(),
                phone: None,
                title: None,
                notes: None,
                sites: Default::default(),
                credential: InitialCredential::SetPassword(SecretString::from(one_time.to_owned())),
            },
        )
        .await
        .unwrap();
    let pat = full_session(&f, "pat@maple.example", one_time).await;
    let (status, _, html) = f.send(get("/console/users", Some(&pat))).await;
    assert_eq!(status, StatusCode::OK);
    assert!(!html.contains("id=\"new-user\"") && !html.contains("id=\"download\""));
    assert!(!html.contains("/console/audit"), "no audit log in the menu");
    let (_, _, page) = f.send(get(&format!("/console/users/{}", owner.user()), Some(&pat))).await;
    assert!(page.contains("Olivia Owner") && !page.contains("id=\"actions-menu\""));
    let token = form_token(&page);
    let body =
        format!("csrf={token}&name=X&email=x%40maple.example&role={paralegal}&language=en&time_zone=UTC");
    let (status, _, page) = f.send(post("/console/users", &pat, "same-origin", &body)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(page.contains("You need the users.create permission"), "{page}");
}

/// Creates an active user with `role` and a full console session for them.
async fn user_with_session(
    f: &Fixture,
    owner: &Caller,
    email: &str,
    name: &str,
    role: RoleId,
) -> (User, String) {
    let one_time = "a temporary passphrase of ours";
    let created = f
        .service
        .create_user(
            owner,
            NewUser {
                email: EmailAddress::parse(email).unwrap(),
                name: PersonName::parse(name).unwrap(),
                role,
                profiles: Default::default(),
                language: Language::parse("en").unwrap(),
                time_zone: TimeZone::parse("America/Toronto").unwrap(),
                phone: None,
                title: None,
                notes: None,
                sites: Default::default(),
                credential: InitialCredential::SetPassword(SecretString::from(one_time.to_owned())),
            },
        )
        .await
        .unwrap();
    let session = full_session(f, email, one_time).await;
    (created.user, session)
}

#[tokio::test]
async fn a_refused_edit_form_changes_nothing_not_even_the_status() {
    let f = fixture().await;
    let admin = full_session(&f, "owner@maple.example", &f.one_time).await;
    let owner = f.service.authenticate(&Token::presented(admin.trim_start_matches("__Host-session="))).await;
    let owner = owner.unwrap();
    let roles = f.service.list_roles(&owner).await.unwrap();
    let paralegal = roles.iter().find(|r| r.name.as_str() == "Paralegal").unwrap();
    let (pat, _) = user_with_session(&f, &owner, "pat@maple.example", "Pat Paralegal", paralegal.id).await;
    // Holds everything a Paralegal holds and may deactivate, but not edit details.
    let mut leavers = paralegal.permissions;
    leavers.insert(Permission::UsersDeactivate);
    let draft = GrantDraft { name: Label::parse("Leavers desk").unwrap(), permissions: leavers };
    let desk_role = f.service.create_role(&owner, draft).await.unwrap().id;
    let (_, desk) = user_with_session(&f, &owner, "lee@maple.example", "Lee Leavers", desk_role).await;

    let edit_path = format!("/console/users/{}/edit", pat.id);
    let form = |token: &str, name: &str, sites: &str| {
        format!(
            "csrf={token}&version={}&name={name}&language=en&time_zone=America%2FToronto&status_shown=1{sites}",
            pat.version
        )
    };
    let unchanged = || async { f.service.get_user(&owner, pat.id).await.unwrap() };

    // An unknown site: 422, and Pat stays active and unrenamed.
    let (_, _, page) = f.send(get(&edit_path, Some(&admin))).await;
    let token = form_token(&page);
    let unknown_site = format!("&sites={}", uuid::Uuid::now_v7());
    let (status, _, _) =
        f.send(post(&edit_path, &admin, "same-origin", &form(&token, "Pat+Renamed", &unknown_site))).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let now = unchanged().await;
    assert_eq!((now.status, now.name.as_str()), (UserStatus::Active, "Pat Paralegal"));

    // A viewer who may deactivate but not edit, renaming too: 403, nothing changes.
    let (_, _, page) = f.send(get(&edit_path, Some(&desk))).await;
    let token = form_token(&page);
    let (status, _, _) =
        f.send(post(&edit_path, &desk, "same-origin", &form(&token, "Pat+Renamed", ""))).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let now = unchanged().await;
    assert_eq!((now.status, now.name.as_str()), (UserStatus::Active, "Pat Paralegal"));

    // The same viewer leaving the details as they are: the deactivation alone goes through.
    let (status, _, _) =
        f.send(post(&edit_path, &desk, "same-origin", &form(&token, "Pat+Paralegal", ""))).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(unchanged().await.status, UserStatus::Inactive);
}

#[tokio::test]
async fn the_outbox_page_shows_failures_retries_them_and_the_users_page_warns_meanwhile() {
    let f = fixture().await;
    let admin = full_session(&f, "owner@maple.example", &f.one_time).await;
    let (_, _, html) = f.send(get("/console/users", Some(&admin))).await;
    assert!(!html.contains("id=\"outbox-banner\""), "nothing failed yet");

    // The owner's welcome is refused for good by the mail server.
    let worker = WorkerId::parse("test").unwrap();
    let now = f.clock.now();
    let claimed = f.queue.claim_due(&worker, now, 10, now + chrono::Duration::minutes(5)).await.unwrap();
    let welcome = &claimed[0];
    assert!(
        f.queue.mark_failed(welcome.email.id, welcome.claim, "550 mailbox unavailable", None).await.unwrap()
    );

    // The owner reads French: the users page warns, the outbox shows it.
    let (_, _, html) = f.send(get("/console/users", Some(&admin))).await;
    assert!(html.contains("id=\"outbox-banner\""), "{html}");
    assert!(
        html.contains("1 courriels n&#39;ont pas pu être remis")
            || html.contains("1 courriels n'ont pas pu être remis")
    );
    let (status, _, html) = f.send(get("/console/outbox?status=failed", Some(&admin))).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("<dd id=\"count-failed\">1</dd>"), "{html}");
    assert!(html.contains("550 mailbox unavailable") && html.contains("Courriels sortants"));
    let token = form_token(&html);
    let retry = format!("/console/outbox/{}/retry", welcome.email.id);
    let (status, _, _) = f.send(post(&retry, &admin, "same-origin", "csrf=x")).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "the form token is checked");
    let (status, headers, _) = f.send(post(&retry, &admin, "same-origin", &format!("csrf={token}"))).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(headers[header::LOCATION], "/console/outbox?status=pending&retried=1&left=0");
    let (_, _, html) = f.send(get("/console/outbox", Some(&admin))).await;
    assert!(
        html.contains("<dd id=\"count-failed\">0</dd>") && html.contains("<dd id=\"count-pending\">1</dd>")
    );
    let (_, _, html) = f.send(get("/console/users", Some(&admin))).await;
    assert!(!html.contains("id=\"outbox-banner\""), "the banner goes once nothing fails");
}

/// The console's edge is the API's: a form over the body limit is a 413
/// page, and past the per-address budget the anonymous forms answer a 429
/// page with `Retry-After`, in the browser's language, with the console's
/// security headers.
#[tokio::test]
async fn too_large_and_too_many_are_console_pages_in_english_and_french() {
    let f = fixture_with(ConsoleSettings {
        public_origin: Some("https://id.maple.example".into()),
        // The oversized forgot form and one sign-in.
        anonymous_per_minute: 2.try_into().unwrap(),
        body_limit: 4096,
        ..ConsoleSettings::default()
    })
    .await;
    let (_, headers, html) = f.send(get("/console/sign-in", None)).await;
    let cookie = headers[header::SET_COOKIE].to_str().unwrap().split(';').next().unwrap().to_owned();
    let token = form_token(&html);
    let with_language = |mut request: Request<Body>, language: &str| {
        request.headers_mut().insert(header::ACCEPT_LANGUAGE, language.parse().unwrap());
        request
    };

    let huge = format!("csrf={token}&practice=maple-law&email={}&password=x", "a".repeat(5000));
    let (status, headers, page) =
        f.send(with_language(post("/console/forgot", &cookie, "same-origin", &huge), "fr-CA")).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{page}");
    assert!(headers[header::CONTENT_TYPE].to_str().unwrap().starts_with("text/html"));
    assert!(page.contains("Trop volumineux") && page.contains("<html"), "{page}");

    let body = format!("csrf={token}&practice=maple-law&email=owner%40maple.example&password=wrong");
    let (status, _, _) = f.send(post("/console/sign-in", &cookie, "same-origin", &body)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    for (language, words) in
        [("en", "Too many attempts from your address"), ("fr", "Trop de tentatives depuis votre adresse")]
    {
        let (status, headers, page) =
            f.send(with_language(post("/console/sign-in", &cookie, "same-origin", &body), language)).await;
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
        assert!(headers.get(header::RETRY_AFTER).is_some());
        assert!(headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap().contains("default-src 'self'"));
        assert!(page.contains(words), "{page}");
    }
}

/// "Forgot password" in the console answers its page before the lookup.
#[tokio::test]
async fn the_forgot_form_answers_before_it_looks_anything_up() {
    let f = fixture().await;
    let (_, headers, html) = f.send(get("/console/forgot", None)).await;
    let cookie = headers[header::SET_COOKIE].to_str().unwrap().split(';').next().unwrap().to_owned();
    let body = format!("csrf={}&practice=maple-law&email=owner%40maple.example", form_token(&html));
    let held = f.store.begin(Access::Write).await.unwrap();
    let (status, _, page) = f.send(post("/console/forgot", &cookie, "same-origin", &body)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("If the practice and email match an account"), "{page}");
    drop(held);
    f.forgot.settled().await;
    let outbox = f.store.committed_outbox().await;
    assert_eq!(outbox.last().unwrap().message.kind(), "recovery", "worked after the answer");
}

#[tokio::test]
async fn a_bad_filter_value_is_refused_not_ignored() {
    let f = fixture().await;
    let admin = full_session(&f, "owner@maple.example", &f.one_time).await;
    let (status, _, html) = f.send(get("/console/users?status=active&language=fr", Some(&admin))).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("owner@maple.example"), "a valid filter lists: {html}");
    assert!(!html.contains("role=\"alert\""), "{html}");
    for bad in [
        "status=bogus",
        "language=french",
        "role=not-an-id",
        "site=42",
        "search=ana%00",
        "status=active,nope",
    ] {
        let (status, _, html) = f.send(get(&format!("/console/users?{bad}"), Some(&admin))).await;
        assert_eq!(status, StatusCode::OK, "{bad}");
        assert!(
            html.contains("role=\"alert\"") && html.contains("Un filtre ou la recherche"),
            "{bad}: {html}"
        );
        assert!(!html.contains("owner@maple.example"), "{bad} listed users: {html}");
    }
}
