//! One HTTP policy for both front doors, checked from both sides of one
//! server: what the trust review found differing between the console and
//! the API — a same-origin rule that trusted the `Host` the client names
//! on one side only, a per-address budget each had of its own, and a body
//! limit thirty times larger on the console — is the same on both.

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
