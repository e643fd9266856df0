//! One HTTP policy for both front doors, checked from both sides of one
//! server: what the trust review found differing between the console and
//! the API — a same-origin rule that trusted the `Host` the client names
//! on one side only, a per-address budget each had of its own, and a body
//! limit thirty times larger on the console — is the same on both; and the
//! console's forgot-password form keeps the API's promises: one answer
//! whatever the account, at most three recovery emails an hour.

use super::*;
use reqwest::StatusCode;
use reqwest::header;

/// A cookie-authenticated write from a browser that sends no
/// `Sec-Fetch-Site`: its `Origin` must be the configured public origin. An
/// `Origin` equal to the `Host` the request names (which the client
/// chooses) is refused by the console and by the API alike; the public
/// origin is accepted by both.
#[tokio::test]
async fn an_origin_equal_to_the_host_is_refused_by_both_front_doors_and_the_public_origin_passes_both() {
    let Some(app) = spawn_app().await else { return };
    let admin = owner_session(&app).await;
    let page = send(get(&app, "/console/users", Some(&admin))).await;
    let columns = format!("csrf={}&columns=email&columns=time_zone&back=sort%3Dname", form_token(&page.html));
    let console_write = |host: &str, origin: &str| {
        browser()
            .post(format!("{}/console/users/columns", app.base))
            .header(header::COOKIE, admin.clone())
            .header(header::HOST, host.to_owned())
            .header(header::ORIGIN, origin.to_owned())
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(columns.clone())
    };
    let api_write = |host: &str, origin: &str| {
        browser()
            .delete(format!("{}/api/v1/sessions/current", app.base))
            .header(header::COOKIE, admin.clone())
            .header(header::HOST, host.to_owned())
            .header(header::ORIGIN, origin.to_owned())
    };

    for (host, origin) in [("evil.example", "http://evil.example"), ("evil.example", "https://evil.example")] {
        let refused = send(console_write(host, origin)).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "console, Origin {origin}: {}", refused.html);
        assert!(refused.headers.get(header::SET_COOKIE).is_none(), "nothing remembered");
        let refused = answer(api_write(host, origin).send().await.unwrap()).await;
        refused.assert_problem(403, "cross-site-request");
    }
    assert!(app.get("/api/v1/me", admin.trim_start_matches("__Host-session=")).await.status.is_success());

    let host = PUBLIC_URL.trim_start_matches("https://");
    let saved = send(console_write(host, PUBLIC_URL)).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.html);
    assert_eq!(saved.headers[header::LOCATION], "/console/users?sort=name");
    let signed_out = api_write(host, PUBLIC_URL).send().await.unwrap();
    assert_eq!(signed_out.status(), StatusCode::NO_CONTENT);
    let after = app.get("/api/v1/me", admin.trim_start_matches("__Host-session=")).await;
    after.assert_problem(401, "unauthenticated");
}

/// The console's and the API's sign-in forms spend one per-address budget:
/// an address gets the same number of guesses whichever door it knocks on.
#[tokio::test]
async fn the_console_and_the_api_sign_ins_spend_one_budget_per_address() {
    // `spawn` signs the owner in through the API: one of the three.
    let Some(app) = spawn_app_with(console_options_with_budget(3)).await else { return };
    let page = send(get(&app, "/console/sign-in", None)).await;
    let cookie = first_cookie(&page.headers);
    let body = format!(
        "csrf={}&practice=maple-law&email=owner%40maple.example&password=wrong",
        form_token(&page.html)
    );
    let console_sign_in = || post(&app, "/console/sign-in", &cookie, "same-origin", &body);

    assert_eq!(send(console_sign_in()).await.status, StatusCode::UNAUTHORIZED);
    app.sign_in("owner@maple.example", "wrong password here").await.assert_problem(401, "sign-in-failed");
    // Three spent, whichever door: the console has no allowance of its own…
    let refused = send(console_sign_in()).await;
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS, "{}", refused.html);
    // …and neither has the API, even with the right password.
    app.sign_in("owner@maple.example", PASSWORD).await.assert_problem(429, "rate-limited");
}

/// The console reads forms within the API's body limit (64 KiB by
/// default), not a larger one of its own: the same oversized body is a 413
/// on both doors, and a form under the limit is read.
#[tokio::test]
async fn the_console_s_body_limit_is_the_api_s() {
    let Some(app) = spawn_app().await else { return };
    let admin = owner_session(&app).await;
    let page = send(get(&app, "/console/users", Some(&admin))).await;
    let token = form_token(&page.html);
    let padded = |size: usize| {
        let form = format!("csrf={token}&columns=email&back=sort%3Dname&padding=");
        let pad = size - form.len();
        format!("{form}{}", "x".repeat(pad))
    };

    let under = send(post(&app, "/console/users/columns", &admin, "same-origin", &padded(60 * 1024))).await;
    assert_ne!(under.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", under.html);
    let over = send(post(&app, "/console/users/columns", &admin, "same-origin", &padded(70_000))).await;
    assert_eq!(over.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", over.html);
    assert!(over.html.contains("<html"), "a page: {}", over.html);

    let api = app
        .http
        .post(format!("{}/api/v1/users", app.base))
        .bearer_auth(&app.admin)
        .header("content-type", "application/json")
        .body(format!("{{\"name\":\"{}\"}}", "x".repeat(70_000 - 11)))
        .send()
        .await
        .unwrap();
    answer(api).await.assert_problem(413, "body-too-large");
}

/// Posts the console's forgot-password form for `practice` and `email`,
/// waits until the queue has worked it, and opens the page the answer
/// leads to (post/redirect/get).
async fn forgot_through_the_console(app: &App, practice: &str, email: &str) -> Page {
    let page = send(get(app, "/console/forgot", None)).await;
    let cookie = first_cookie(&page.headers);
    let body = format!(
        "csrf={}&practice={practice}&email={}",
        form_token(&page.html),
        email.replace('@', "%40")
    );
    let answered = send(post(app, "/console/forgot", &cookie, "same-origin", &body)).await;
    app.forgot.settled().await;
    assert_eq!(answered.status, StatusCode::SEE_OTHER, "{}", answered.html);
    let next = answered.headers[header::LOCATION].to_str().unwrap().to_owned();
    send(get(app, &next, Some(&cookie))).await
}

/// The console's forgot-password page tells nothing about the account:
/// the same status and page for an active account, an unknown email, an
/// inactive account and an unknown practice (form tokens aside, which are
/// new on every page).
#[tokio::test]
async fn the_console_s_forgot_page_is_the_same_for_every_kind_of_account() {
    let Some(app) = spawn_app_with(console_options_with_budget(100_000)).await else { return };
    let paralegal = app.role("Paralegal").await;
    let inactive = new_user(&app, "inactive@maple.example", "Ina Inactive", paralegal, "en").await;
    let deactivated =
        app.post(&format!("/api/v1/users/{}/deactivate", inactive.id), &app.admin, serde_json::json!({})).await;
    assert_eq!(deactivated.status, StatusCode::OK, "{:#}", deactivated.body);
    let without_tokens = |html: &str| {
        html.split("name=\"csrf\" value=\"")
            .enumerate()
            .map(|(n, part)| if n == 0 { part } else { part.split_once('"').map_or(part, |(_, rest)| rest) })
            .collect::<Vec<_>>()
            .join("name=\"csrf\" value=\"…")
    };
    let mut answers = Vec::new();
    for (practice, email) in [
        ("maple-law", "owner@maple.example"),
        ("maple-law", "nobody@maple.example"),
        ("maple-law", "inactive@maple.example"),
        ("no-such-practice", "owner@maple.example"),
    ] {
        let page = forgot_through_the_console(&app, practice, email).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.html);
        let content_type = page.headers[header::CONTENT_TYPE].to_str().unwrap().to_owned();
        answers.push((page.status, content_type, without_tokens(&page.html)));
    }
    assert!(answers.windows(2).all(|w| w[0] == w[1]), "{answers:#?}");
    let outbox = app.adapters.outbox().await;
    let recoveries: Vec<_> = outbox.iter().filter(|e| e.message.kind() == "recovery").map(|e| e.to.as_str()).collect();
    assert_eq!(recoveries, ["owner@maple.example"], "only the active account is mailed");
}

/// However often the console's form is sent for one account, it mails at
/// most three recovery links an hour, as the API does: the cap is the
/// domain's, whichever door the request came through.
#[tokio::test]
async fn the_console_s_forgot_form_mails_at_most_three_recovery_links_an_hour() {
    let Some(app) = spawn_app_with(console_options_with_budget(100_000)).await else { return };
    new_user(&app, "ana@maple.example", "Ana Lima", app.role("Paralegal").await, "en").await;
    for _ in 0..6 {
        forgot_through_the_console(&app, "maple-law", "ana@maple.example").await;
    }
    let outbox = app.adapters.outbox().await;
    let recoveries = outbox.iter().filter(|e| e.to.as_str() == "ana@maple.example" && e.message.kind() == "recovery");
    assert_eq!(recoveries.count(), 3);
}
