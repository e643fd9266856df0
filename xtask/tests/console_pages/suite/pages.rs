//! The console's pages: security headers, form tokens and origins, where
//! each kind of session is sent, the pages emailed links open, what a
//! viewer sees and may post, the outbox page, the edge's refusals as pages,
//! and filters that are not valid.

use super::*;
use identity_domain::*;
use reqwest::StatusCode;
use reqwest::header;
use secrecy::SecretString;

#[tokio::test]
async fn every_page_carries_the_security_headers_and_a_form_token_cookie() {
    let Some(app) = spawn_app().await else { return };
    let page = send(get(&app, "/console/sign-in", None)).await;
    assert_eq!(page.status, StatusCode::OK);
    let headers = &page.headers;
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
    assert!(cookie.contains(&form_token(&page.html)), "the cookie and the form carry the same token");
    assert!(page.html.contains("<label for=\"f-email\">"), "labelled fields");
}

#[tokio::test]
async fn a_post_without_its_token_or_from_another_site_is_refused() {
    let Some(app) = spawn_app().await else { return };
    new_user(&app, "sam@maple.example", "Sam Someone", app.role("Paralegal").await, "en").await;
    let page = send(get(&app, "/console/sign-in", None)).await;
    let cookie = first_cookie(&page.headers);
    let token = form_token(&page.html);
    let body = |csrf: &str| {
        format!("csrf={csrf}&practice=maple-law&email=sam%40maple.example&password={}", ONE_TIME.replace(' ', "+"))
    };

    let refused = send(post(&app, "/console/sign-in", &cookie, "same-origin", &body("forged"))).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(refused.html.contains("This form expired"), "{}", refused.html);
    let refused = send(post(&app, "/console/sign-in", &cookie, "cross-site", &body(&token))).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);

    let signed = send(post(&app, "/console/sign-in", &cookie, "same-origin", &body(&token))).await;
    assert_eq!(signed.status, StatusCode::SEE_OTHER);
    assert_eq!(signed.headers[header::LOCATION], "/console/password", "a one-time password leads to the change");
    let session = signed.headers[header::SET_COOKIE].to_str().unwrap();
    assert!(session.starts_with("__Host-session=") && session.contains("SameSite=Strict"), "{session}");
}

#[tokio::test]
async fn each_kind_of_session_is_sent_where_it_may_go() {
    let Some(app) = spawn_app().await else { return };
    let page = send(get(&app, "/console/users", None)).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(page.headers[header::LOCATION], "/console/sign-in");

    let page = send(get(&app, "/console/users", Some("__Host-session=not-a-live-session"))).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(page.headers[header::LOCATION], "/console/sign-in?notice=ended");
    assert!(page.headers[header::SET_COOKIE].to_str().unwrap().contains("Max-Age=0"));

    // An Administrator who reads French, signed in with a one-time password.
    let administrator = app.role("Administrator").await;
    new_user(&app, "ada@maple.example", "Ada Admin", administrator, "fr-CA").await;
    let signed = app
        .service
        .sign_in(SignIn {
            practice: "maple-law".into(),
            email: "ada@maple.example".into(),
            password: SecretString::from(ONE_TIME.to_owned()),
            request_id: None,
        })
        .await
        .unwrap();
    let cookie = format!("__Host-session={}", signed.token.expose());
    let page = send(get(&app, "/console/users", Some(&cookie))).await;
    assert_eq!(page.headers[header::LOCATION], "/console/password", "a must-change session may only change it");

    let caller = app.service.authenticate(&signed.token).await.unwrap();
    let new = SecretString::from(PASSWORD.to_owned());
    app.service.change_own_password(&caller, SecretString::from(ONE_TIME.to_owned()), new).await.unwrap();
    let page = send(get(&app, "/console/users", Some(&cookie))).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.html.contains("<html lang=\"fr\">") && page.html.contains("Utilisateurs"),
        "in the user's language"
    );
    assert!(page.html.contains("Olivia Owner"));
}

#[tokio::test]
async fn emailed_links_open_pages_that_read_the_token_from_the_fragment() {
    let Some(app) = spawn_app().await else { return };
    for path in ["/join", "/recover"] {
        let page = send(get(&app, path, None)).await;
        assert_eq!(page.status, StatusCode::OK, "{path}");
        assert!(page.html.contains("data-from-fragment=\"token\""), "{path}");
        assert!(page.html.contains(&format!("src=\"{}\"", identity_console::assets::href("console.js"))));
    }
    let page = send(get(&app, "/sign-in", None)).await;
    assert_eq!((page.status, page.headers[header::LOCATION].to_str().unwrap()), (StatusCode::SEE_OTHER, "/console/sign-in"));
    let page = send(get(&app, &identity_console::assets::href("console.js"), None)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.headers[header::CONTENT_TYPE].to_str().unwrap().starts_with("text/javascript"));
    let page = send(get(&app, "/console/no-such-page", None)).await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert!(page.html.contains("<h1>Not found</h1>"));
}

#[tokio::test]
async fn signed_in_forms_need_the_session_s_token_and_pages_show_only_what_one_may_do() {
    let Some(app) = spawn_app().await else { return };
    let admin = owner_session(&app).await;
    let page = send(get(&app, "/console/users", Some(&admin))).await;
    assert!(page.html.contains("id=\"new-user\"") && page.html.contains("id=\"download\""));
    let token = form_token(&page.html);

    let columns = "columns=email&columns=time_zone&back=sort%3Dname";
    let refused = send(post(&app, "/console/users/columns", &admin, "same-origin", &format!("csrf=x&{columns}"))).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let saved = send(post(&app, "/console/users/columns", &admin, "same-origin", &format!("csrf={token}&{columns}")))
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);
    assert_eq!(saved.headers[header::LOCATION], "/console/users?sort=name");
    let remembered = first_cookie(&saved.headers);
    let page = send(get(&app, "/console/users", Some(&format!("{admin}; {remembered}")))).await;
    assert!(page.html.contains("data-column=\"time_zone\"") && !page.html.contains("data-column=\"status\""));

    // A paralegal reads users but creates nobody and resets nothing.
    let owner = app.admin_caller().await;
    let paralegal = app.role("Paralegal").await;
    let (_, pat) = user_with_session(&app, "pat@maple.example", "Pat Paralegal", paralegal).await;
    let page = send(get(&app, "/console/users", Some(&pat))).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.html.contains("id=\"new-user\"") && !page.html.contains("id=\"download\""));
    assert!(!page.html.contains("/console/audit"), "no audit log in the menu");
    let page = send(get(&app, &format!("/console/users/{}", owner.user()), Some(&pat))).await;
    assert!(page.html.contains("Olivia Owner") && !page.html.contains("id=\"actions-menu\""));
    let token = form_token(&page.html);
    let body =
        format!("csrf={token}&name=X&email=x%40maple.example&role={paralegal}&language=en&time_zone=UTC");
    let users_before = app.service.list_users(&owner, &UserQuery::default()).await.unwrap().items.len();
    let refused = send(post(&app, "/console/users", &pat, "same-origin", &body)).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(refused.html.contains("You need the users.create permission"), "{}", refused.html);
    let users_after = app.service.list_users(&owner, &UserQuery::default()).await.unwrap().items.len();
    assert_eq!(users_after, users_before, "nobody was created");
}

/// Finding 6 of the trust review: a refused edit form deactivated the user
/// all the same. Refused, it changes nothing in the store: not the user
/// (status, name, version), not their sessions, not the audit log.
#[tokio::test]
async fn a_refused_edit_form_changes_nothing_not_even_the_status() {
    let Some(app) = spawn_app().await else { return };
    let admin = owner_session(&app).await;
    let owner = app.admin_caller().await;
    let roles = app.service.list_roles(&owner).await.unwrap();
    let paralegal = roles.iter().find(|r| r.name.as_str() == "Paralegal").unwrap();
    let (pat, pat_session) = user_with_session(&app, "pat@maple.example", "Pat Paralegal", paralegal.id).await;
    // Holds everything a Paralegal holds and may deactivate, but not edit details.
    let mut leavers = paralegal.permissions;
    leavers.insert(Permission::UsersDeactivate);
    let draft = GrantDraft { name: Label::parse("Leavers desk").unwrap(), permissions: leavers };
    let desk_role = app.service.create_role(&owner, draft).await.unwrap().id;
    let (_, desk) = user_with_session(&app, "lee@maple.example", "Lee Leavers", desk_role).await;

    let edit_path = format!("/console/users/{}/edit", pat.id);
    let form = |token: &str, name: &str, sites: &str| {
        format!(
            "csrf={token}&version={}&name={name}&language=en&time_zone=America%2FToronto&status_shown=1&confirmed=1{sites}",
            pat.version
        )
    };
    let pat_token = Token::presented(pat_session.trim_start_matches("__Host-session="));
    let audit = || async {
        let query = AuditQuery { limit: 500, ..AuditQuery::default() };
        let entries = app.service.read_audit(&owner, &query).await.unwrap();
        entries.items.into_iter().map(|e| e.id).collect::<Vec<_>>()
    };
    let before = app.service.get_user(&owner, pat.id).await.unwrap();
    let audit_before = audit().await;
    let unchanged = || async {
        let now = app.service.get_user(&owner, pat.id).await.unwrap();
        assert_eq!((now.status, now.name.as_str()), (UserStatus::Active, "Pat Paralegal"));
        assert_eq!(now, before, "the whole user, version included");
        assert!(app.service.authenticate(&pat_token).await.is_ok(), "Pat's session lives on");
        assert_eq!(audit().await, audit_before, "nothing audited");
    };

    // An unknown site: 422, and Pat stays active and unrenamed.
    let page = send(get(&app, &edit_path, Some(&admin))).await;
    let token = form_token(&page.html);
    let unknown_site = format!("&sites={}", uuid::Uuid::now_v7());
    let refused =
        send(post(&app, &edit_path, &admin, "same-origin", &form(&token, "Pat+Renamed", &unknown_site))).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    unchanged().await;

    // A viewer who may deactivate but not edit, renaming too: 403, nothing changes.
    let page = send(get(&app, &edit_path, Some(&desk))).await;
    let token = form_token(&page.html);
    let refused = send(post(&app, &edit_path, &desk, "same-origin", &form(&token, "Pat+Renamed", ""))).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    unchanged().await;

    // The same viewer leaving the details as they are: the deactivation alone goes through.
    let done = send(post(&app, &edit_path, &desk, "same-origin", &form(&token, "Pat+Paralegal", ""))).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    assert_eq!(app.service.get_user(&owner, pat.id).await.unwrap().status, UserStatus::Inactive);
}

#[tokio::test]
async fn the_outbox_page_shows_failures_retries_them_and_the_users_page_warns_meanwhile() {
    let Some(app) = spawn_app().await else { return };
    let admin = owner_session(&app).await;
    let page = send(get(&app, "/console/users", Some(&admin))).await;
    assert!(!page.html.contains("id=\"outbox-banner\""), "nothing failed yet");

    // A new user's welcome (it carries no secret) is refused for good by
    // the mail server.
    new_user(&app, "wes@maple.example", "Wes Welcome", app.role("Paralegal").await, "en").await;
    let queue = app.adapters.queue();
    let worker = WorkerId::parse("test").unwrap();
    let now = app.adapters.clock.now();
    let claimed = queue.claim_due(&worker, now, 10, now + chrono::Duration::minutes(5)).await.unwrap();
    assert_eq!(claimed.len(), 1, "the welcome alone is due");
    let welcome = &claimed[0];
    assert_eq!(welcome.email.message.kind(), "welcome");
    assert!(queue.mark_failed(welcome.email.id, welcome.claim, "550 mailbox unavailable", None).await.unwrap());

    // The owner reads French: the users page warns, the outbox shows it.
    let page = send(get(&app, "/console/users", Some(&admin))).await;
    assert!(page.html.contains("id=\"outbox-banner\""), "{}", page.html);
    assert!(
        page.html.contains("1 courriels n&#39;ont pas pu être remis")
            || page.html.contains("1 courriels n'ont pas pu être remis")
    );
    let page = send(get(&app, "/console/outbox?status=failed", Some(&admin))).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.html.contains("<dd id=\"count-failed\">1</dd>"), "{}", page.html);
    assert!(page.html.contains("550 mailbox unavailable") && page.html.contains("Courriels sortants"));
    let token = form_token(&page.html);
    let retry = format!("/console/outbox/{}/retry", welcome.email.id);
    let refused = send(post(&app, &retry, &admin, "same-origin", "csrf=x")).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "the form token is checked");
    let retried = send(post(&app, &retry, &admin, "same-origin", &format!("csrf={token}"))).await;
    assert_eq!(retried.status, StatusCode::SEE_OTHER);
    assert_eq!(retried.headers[header::LOCATION], "/console/outbox?status=pending&retried=1&left=0");
    let page = send(get(&app, "/console/outbox", Some(&admin))).await;
    assert!(
        page.html.contains("<dd id=\"count-failed\">0</dd>")
            && page.html.contains("<dd id=\"count-pending\">1</dd>"),
        "{}",
        page.html
    );
    let page = send(get(&app, "/console/users", Some(&admin))).await;
    assert!(!page.html.contains("id=\"outbox-banner\""), "the banner goes once nothing fails");
}

/// The console's edge is the API's: a form over the body limit (the API's,
/// 64 KiB) is a 413 page, and past the per-address budget the anonymous
/// forms answer a 429 page with `Retry-After`, in the browser's language,
/// with the console's security headers.
#[tokio::test]
async fn too_large_and_too_many_are_console_pages_in_english_and_french() {
    // The first sign-in of `spawn`, the oversized forgot form and one sign-in.
    let Some(app) = spawn_app_with(console_options_with_budget(3)).await else { return };
    let page = send(get(&app, "/console/sign-in", None)).await;
    let cookie = first_cookie(&page.headers);
    let token = form_token(&page.html);

    let huge = format!("csrf={token}&practice=maple-law&email={}&password=x", "a".repeat(70_000));
    let refused = send(
        post(&app, "/console/forgot", &cookie, "same-origin", &huge).header(header::ACCEPT_LANGUAGE, "fr-CA"),
    )
    .await;
    assert_eq!(refused.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", refused.html);
    assert!(refused.headers[header::CONTENT_TYPE].to_str().unwrap().starts_with("text/html"));
    assert!(refused.html.contains("Trop volumineux") && refused.html.contains("<html"), "{}", refused.html);

    let body = format!("csrf={token}&practice=maple-law&email=owner%40maple.example&password=wrong");
    let wrong = send(post(&app, "/console/sign-in", &cookie, "same-origin", &body)).await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    for (language, words) in
        [("en", "Too many attempts from your address"), ("fr", "Trop de tentatives depuis votre adresse")]
    {
        let refused = send(
            post(&app, "/console/sign-in", &cookie, "same-origin", &body).header(header::ACCEPT_LANGUAGE, language),
        )
        .await;
        assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
        assert!(refused.headers.get(header::RETRY_AFTER).is_some());
        assert!(
            refused.headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap().contains("default-src 'self'")
        );
        assert!(refused.html.contains(words), "{}", refused.html);
    }
}

/// "Forgot password" in the console answers its page before the lookup:
/// with the store held (on the in-memory store and PostgreSQL; see
/// `hold_store`) the page comes at once, well within PostgreSQL's 5 s lock
/// timeout, and the recovery email is queued once the store is free.
#[tokio::test]
async fn the_forgot_form_answers_before_it_looks_anything_up() {
    let Some(app) = spawn_app().await else { return };
    let page = send(get(&app, "/console/forgot", None)).await;
    let cookie = first_cookie(&page.headers);
    let body = format!("csrf={}&practice=maple-law&email=owner%40maple.example", form_token(&page.html));
    let Some(held) = app.adapters.hold_store().await else { return };
    let answered = send(
        post(&app, "/console/forgot", &cookie, "same-origin", &body).timeout(std::time::Duration::from_secs(3)),
    )
    .await;
    // Post/redirect/get: a reload of the answer sends nothing again.
    assert_eq!(answered.status, StatusCode::SEE_OTHER);
    assert_eq!(answered.headers[header::LOCATION], "/console/forgot?sent=1");
    let shown = send(get(&app, "/console/forgot?sent=1", None)).await;
    assert!(shown.html.contains("If the practice and email match an account"), "{}", shown.html);
    assert!(!shown.html.contains("name=\"email\""), "no form once sent");
    if BACKEND == Backend::Postgres {
        // The outbox is not locked: nothing is queued while the lookup waits.
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        assert!(app.adapters.outbox().await.iter().all(|e| e.message.kind() != "recovery"));
    }
    held.release().await;
    app.forgot.settled().await;
    let outbox = app.adapters.outbox().await;
    assert_eq!(outbox.last().unwrap().message.kind(), "recovery", "worked after the answer");
}

#[tokio::test]
async fn a_bad_filter_value_is_refused_not_ignored() {
    let Some(app) = spawn_app().await else { return };
    let admin = owner_session(&app).await;
    let page = send(get(&app, "/console/users?status=active&language=fr", Some(&admin))).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.html.contains("owner@maple.example"), "a valid filter lists: {}", page.html);
    assert!(!page.html.contains("role=\"alert\""), "{}", page.html);
    for bad in [
        "status=bogus",
        "language=french",
        "role=not-an-id",
        "site=42",
        "search=ana%00",
        "status=active,nope",
    ] {
        let page = send(get(&app, &format!("/console/users?{bad}"), Some(&admin))).await;
        assert_eq!(page.status, StatusCode::OK, "{bad}");
        assert!(
            page.html.contains("role=\"alert\"") && page.html.contains("Un filtre ou la recherche"),
            "{bad}: {}",
            page.html
        );
        assert!(!page.html.contains("owner@maple.example"), "{bad} listed users: {}", page.html);
    }
}

/// The href of the link with this id on a page, as the browser follows it.
fn link(html: &str, id: &str) -> Option<String> {
    let at = html.find(&format!("id=\"{id}\""))?;
    let start = html[..at].rfind("href=\"")? + "href=\"".len();
    let end = start + html[start..].find('"')?;
    Some(html[start..end].replace("&#38;", "&").replace("&amp;", "&"))
}

/// The "1–25 of 27" above the users table ("1–25 sur 27" for the owner,
/// who reads French).
fn range(html: &str) -> Option<&str> {
    let start = html.find("id=\"users-range\">")? + "id=\"users-range\">".len();
    Some(&html[start..start + html[start..].find('<')?])
}

#[tokio::test]
async fn the_users_table_says_which_rows_of_how_many_it_shows() {
    let Some(app) = spawn_app().await else { return };
    let admin = owner_session(&app).await;
    let owner = app.admin_caller().await;
    let paralegal = app.role("Paralegal").await;
    for n in 0..26 {
        let new = NewUser {
            email: EmailAddress::parse(&format!("member{n:02}@maple.example")).unwrap(),
            name: PersonName::parse(&format!("Member {n:02}")).unwrap(),
            role: paralegal,
            profiles: Default::default(),
            language: Language::english(),
            time_zone: TimeZone::utc(),
            phone: None,
            title: None,
            notes: None,
            sites: Default::default(),
            credential: InitialCredential::Invite,
        };
        app.service.create_user(&owner, new).await.unwrap();
    }
    let first = send(get(&app, "/console/users", Some(&admin))).await;
    assert_eq!(range(&first.html), Some("1–25 sur 27"), "{}", first.html);
    let next = link(&first.html, "next-page").expect("a next page");
    let second = send(get(&app, &next, Some(&admin))).await;
    assert_eq!(range(&second.html), Some("26–27 sur 27"), "{}", second.html);
    let previous = link(&second.html, "previous-page").expect("a previous page");
    let back = send(get(&app, &previous, Some(&admin))).await;
    assert_eq!(range(&back.html), Some("1–25 sur 27"), "{}", back.html);

    let searched = send(get(&app, "/console/users?search=member%200", Some(&admin))).await;
    assert_eq!(range(&searched.html), Some("1–10 sur 10"), "{}", searched.html);
    let nobody = send(get(&app, "/console/users?search=nobody%20at%20all", Some(&admin))).await;
    assert_eq!(range(&nobody.html), None, "no count over an empty table: {}", nobody.html);
}

/// A site's time zone: optional on the new-site and site forms, shown in
/// the list ("The practice's" when empty); a zone that is not one is
/// refused beside its field and nothing is saved.
#[tokio::test]
async fn a_site_gets_a_time_zone_of_its_own_or_follows_the_practice() {
    let Some(app) = spawn_app().await else { return };
    let admin = owner_session(&app).await;
    let page = send(get(&app, "/console/sites", Some(&admin))).await;
    assert!(page.html.contains("name=\"time_zone\""), "the new-site form asks for it");
    let token = form_token(&page.html);
    let create = |body: String| post(&app, "/console/sites", &admin, "same-origin", &body);

    let refused = send(create(format!("csrf={token}&name=North&address=&time_zone=Mars%2FBase"))).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.html.contains("f-time_zone-error"), "{}", refused.html);
    let owner = app.admin_caller().await;
    assert!(app.service.list_sites(&owner).await.unwrap().is_empty(), "nothing saved");

    let saved = send(create(format!("csrf={token}&name=North&address=&time_zone=America%2FToronto"))).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);
    let plain = send(create(format!("csrf={token}&name=South&address=&time_zone="))).await;
    assert_eq!(plain.status, StatusCode::SEE_OTHER);
    let sites = app.service.list_sites(&owner).await.unwrap();
    let zone_of = |name: &str| sites.iter().find(|s| s.name.as_str() == name).unwrap().time_zone;
    assert_eq!(zone_of("North"), Some(TimeZone::parse("America/Toronto").unwrap()));
    assert_eq!(zone_of("South"), None, "empty: the practice's");
    let list = send(get(&app, "/console/sites", Some(&admin))).await;
    let practice_s = ["The practice&#x27;s", "The practice's", "Celui du cabinet"];
    assert!(list.html.contains("America/Toronto"), "{}", list.html);
    assert!(practice_s.iter().any(|label| list.html.contains(label)), "South follows the practice: {}", list.html);

    // The site's page edits it; emptied, the site follows the practice again.
    let north = sites.iter().find(|s| s.name.as_str() == "North").unwrap().id;
    let page = send(get(&app, &format!("/console/sites/{north}"), Some(&admin))).await;
    assert!(page.html.contains("value=\"America/Toronto\""), "prefilled");
    let edited = send(post(
        &app,
        &format!("/console/sites/{north}"),
        &admin,
        "same-origin",
        &format!("csrf={}&name=North&address=&time_zone=", form_token(&page.html)),
    ))
    .await;
    assert_eq!(edited.status, StatusCode::SEE_OTHER);
    let sites = app.service.list_sites(&owner).await.unwrap();
    assert_eq!(sites.iter().find(|s| s.id == north).unwrap().time_zone, None);
}

/// "Add to a case" on an individual's page: the case is found by a part of
/// its title (any case, with or without accents) and picked from the list;
/// a search with a control character is refused beside its field.
#[tokio::test]
async fn an_individual_is_added_to_a_case_found_by_its_title() {
    let Some(app) = spawn_app().await else { return };
    let admin = owner_session(&app).await;
    let owner = app.admin_caller().await;
    let site = app.service.create_site(&owner, SiteDetails::named(Label::parse("North").unwrap())).await.unwrap();
    let details = PartyDetails {
        kind: PartyKind::Witness,
        name: PersonName::parse("Jordan Lee").unwrap(),
        email: None,
        phone: None,
        address: None,
        date_of_birth: None,
        gender: None,
        grade_or_position: None,
        language: None,
    };
    let party = app.service.save_party(&owner, site.id, details, false).await.unwrap();
    let wanted = app.service.create_case(&owner, Label::parse("Bélanger — study permit").unwrap(), owner.user()).await.unwrap();
    app.service.create_case(&owner, Label::parse("Olsen file").unwrap(), owner.user()).await.unwrap();
    let path = format!("/console/parties/{}", party.id);

    let page = send(get(&app, &path, Some(&admin))).await;
    assert!(page.html.contains("id=\"case-search-form\"") && !page.html.contains("id=\"found-cases\""));
    let found = send(get(&app, &format!("{path}?case_search=BELANGER"), Some(&admin))).await;
    assert_eq!(found.status, StatusCode::OK);
    assert!(found.html.contains(&format!("value=\"{}\"", wanted.id)), "{}", found.html);
    assert!(!found.html.contains("Olsen file"), "only the matches");
    let none = send(get(&app, &format!("{path}?case_search=nothing+like+it"), Some(&admin))).await;
    assert!(none.html.contains("id=\"no-found-cases\""));
    let refused = send(get(&app, &format!("{path}?case_search=a%07b"), Some(&admin))).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.html.contains("f-case_search-error"), "{}", refused.html);

    let body = format!("csrf={}&case_search=BELANGER&part=witness", form_token(&found.html));
    let unpicked = send(post(&app, &format!("{path}/cases"), &admin, "same-origin", &body)).await;
    assert_eq!(unpicked.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(unpicked.html.contains("id=\"found-cases\""), "the list is shown again with the error");
    let body = format!("csrf={}&case_search=BELANGER&part=witness&case={}", form_token(&found.html), wanted.id);
    let added = send(post(&app, &format!("{path}/cases"), &admin, "same-origin", &body)).await;
    assert_eq!(added.status, StatusCode::SEE_OTHER);
    let cases = app.service.list_party_cases(&owner, party.id).await.unwrap();
    assert_eq!(cases.iter().map(|c| (c.case.id, c.part)).collect::<Vec<_>>(), [(wanted.id, CasePart::Witness)]);
}
