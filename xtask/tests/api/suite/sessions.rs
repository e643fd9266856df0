//! Sign-in, sessions, cookies and the password routes over HTTP.

use super::*;
use reqwest::{Method, StatusCode};
use serde_json::json;

#[tokio::test]
async fn a_sign_in_gives_a_bearer_token_and_a_host_only_secure_cookie() {
    let Some(app) = spawn_app().await else { return };
    let signed = app.sign_in("owner@maple.example", PASSWORD).await;
    assert_eq!(signed.status, StatusCode::CREATED);
    assert_eq!(signed.body["password_change_only"], false);
    let cookie = signed.headers.get("set-cookie").unwrap().to_str().unwrap();
    for part in ["__Host-session=", "Secure", "HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(cookie.contains(part), "{cookie}");
    }
    let me = app.get("/api/v1/me", signed.body["token"].as_str().unwrap()).await;
    assert_eq!(me.body["email"], "owner@maple.example");
}

#[tokio::test]
async fn every_sign_in_failure_gets_the_same_answer() {
    let Some(app) = spawn_app().await else { return };
    let answers = [
        app.sign_in("nobody@maple.example", PASSWORD).await,
        app.sign_in("owner@maple.example", "wrong password here").await,
        app.call(
            Method::POST,
            "/api/v1/sessions",
            None,
            Some(json!({"practice": "nope", "email": "owner@maple.example", "password": PASSWORD})),
        )
        .await,
    ];
    for a in &answers {
        a.assert_problem(401, "sign-in-failed");
        assert_eq!(a.body, answers[0].body, "byte-identical bodies");
    }
}

#[tokio::test]
async fn a_must_change_session_can_only_change_its_password() {
    let Some(app) = spawn_app().await else { return };
    let body = json!({
        "email": "pat@maple.example", "name": "Pat Person", "role": app.role("Paralegal").await,
        "language": "en", "time_zone": "UTC", "credential": { "mode": "password", "password": "temporary passphrase 1" },
    });
    assert_eq!(app.post("/api/v1/users", &app.admin, body).await.status, StatusCode::CREATED);
    let signed = app.sign_in("pat@maple.example", "temporary passphrase 1").await;
    assert_eq!(signed.body["password_change_only"], true);
    let token = signed.body["token"].as_str().unwrap();
    app.get("/api/v1/me", token).await.assert_problem(403, "password-change-required");
    app.get("/api/v1/users", token).await.assert_problem(403, "password-change-required");
    let kept =
        json!({ "current_password": "temporary passphrase 1", "new_password": "temporary passphrase 1" });
    let refused = app.call(Method::PUT, "/api/v1/me/password", Some(token), Some(kept)).await;
    refused.assert_problem(422, "password-rejected");
    assert_eq!(refused.body["reason"], "same_as_current");
    assert_eq!(refused.body["field"], "new_password");
    let change = json!({ "current_password": "temporary passphrase 1", "new_password": PASSWORD });
    assert_eq!(
        app.call(Method::PUT, "/api/v1/me/password", Some(token), Some(change)).await.status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(app.get("/api/v1/me", token).await.status, StatusCode::OK);
}

#[tokio::test]
async fn signing_out_ends_the_session() {
    let Some(app) = spawn_app().await else { return };
    let token = app.sign_in("owner@maple.example", PASSWORD).await.body["token"].as_str().unwrap().to_owned();
    assert_eq!(
        app.call(Method::DELETE, "/api/v1/sessions/current", Some(&token), None).await.status,
        StatusCode::NO_CONTENT
    );
    let after = app.get("/api/v1/me", &token).await;
    after.assert_problem(401, "unauthenticated");
    assert!(after.headers.get("www-authenticate").is_some());
}

#[tokio::test]
async fn a_cookie_write_from_another_site_is_refused_and_a_same_origin_one_works() {
    let Some(app) = spawn_app().await else { return };
    let token = app.sign_in("owner@maple.example", PASSWORD).await.body["token"].as_str().unwrap().to_owned();
    let cookie = format!("__Host-session={token}");
    let sign_out = |site: &'static str| {
        app.http
            .delete(format!("{}/api/v1/sessions/current", app.base))
            .header("cookie", cookie.clone())
            .header("sec-fetch-site", site)
    };
    answer(sign_out("cross-site").send().await.unwrap()).await.assert_problem(403, "cross-site-request");
    let read = app
        .http
        .get(format!("{}/api/v1/me", app.base))
        .header("cookie", cookie.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(read.status(), StatusCode::OK, "reads by cookie need no same-site proof");
    let signed_out = sign_out("same-origin").send().await.unwrap();
    assert_eq!(signed_out.status(), StatusCode::NO_CONTENT);
    // Browsers only honour the removal of a __Host- cookie set with the same attributes.
    let removal = signed_out.headers()["set-cookie"].to_str().unwrap();
    for part in ["__Host-session=;", "Secure", "HttpOnly", "Path=/", "Max-Age=0"] {
        assert!(removal.contains(part), "{part} in {removal}");
    }
}

#[tokio::test]
async fn forgot_password_answers_202_whatever_the_email_and_the_link_works_once() {
    let Some(app) = spawn_app().await else { return };
    for email in ["nobody@maple.example", "owner@maple.example"] {
        let body = json!({ "practice": "maple-law", "email": email });
        assert_eq!(
            app.call(Method::POST, "/api/v1/password/forgot", None, Some(body)).await.status,
            StatusCode::ACCEPTED
        );
    }
    let outbox = app.adapters.outbox().await;
    let identity_domain::Message::Recovery { token, .. } = &outbox.last().unwrap().message else { panic!() };
    let inspect =
        app.call(Method::POST, "/api/v1/links/inspect", None, Some(json!({ "token": token.expose() }))).await;
    assert_eq!(inspect.body["purpose"], "recovery");
    let body = json!({ "token": token.expose(), "new_password": "a fresh passphrase" });
    assert_eq!(
        app.call(Method::POST, "/api/v1/password/recover", None, Some(body.clone())).await.status,
        StatusCode::NO_CONTENT
    );
    app.call(Method::POST, "/api/v1/password/recover", None, Some(body))
        .await
        .assert_problem(400, "invalid-link");
}

#[tokio::test]
async fn sign_ins_are_rate_limited_per_client_address_and_a_forged_forwarded_for_changes_nothing() {
    let Some(app) = spawn_app().await else { return };
    let url = format!("{}/api/v1/sessions", app.base);
    let attempt = |n: usize| {
        app.http
            .post(&url)
            .header("x-forwarded-for", format!("198.51.100.{n}"))
            .json(&json!({ "practice": "maple-law", "email": "nobody@maple.example", "password": "wrong password" }))
    };
    // The fixture signed in once already; the default allows 30 a minute.
    let mut statuses = Vec::new();
    for n in 0..35 {
        statuses.push(answer(attempt(n).send().await.unwrap()).await);
    }
    let limited: Vec<&Answer> =
        statuses.iter().filter(|a| a.status == StatusCode::TOO_MANY_REQUESTS).collect();
    assert!(limited.len() >= 5, "{} of 35 limited", limited.len());
    limited[0].assert_problem(429, "rate-limited");
    assert!(limited[0].headers.get("retry-after").is_some());
}
