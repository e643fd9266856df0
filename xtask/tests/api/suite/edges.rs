//! Bad input at the edges: every refusal is problem+json, never a 5xx.

use super::*;
use reqwest::{Method, StatusCode};
use serde_json::json;

#[tokio::test]
async fn malformed_json_wrong_type_oversize_unknown_route_and_wrong_method_are_problems() {
    let Some(app) = spawn_app().await else { return };
    let url = format!("{}/api/v1/sessions", app.base);
    let malformed = app
        .http
        .post(&url)
        .header("content-type", "application/json")
        .body("{\"practice\":")
        .send()
        .await
        .unwrap();
    answer(malformed).await.assert_problem(400, "malformed-json");
    let text = app.http.post(&url).header("content-type", "text/plain").body("hello").send().await.unwrap();
    answer(text).await.assert_problem(415, "unsupported-media-type");
    let huge = app
        .http
        .post(&url)
        .header("content-type", "application/json")
        .body(format!("\"{}\"", "x".repeat(100_000)))
        .send()
        .await
        .unwrap();
    answer(huge).await.assert_problem(413, "body-too-large");
    app.get("/api/v1/no-such-thing", &app.admin).await.assert_problem(404, "no-route");
    app.call(Method::PUT, "/api/v1/sessions", None, None).await.assert_problem(405, "method-not-allowed");
}

#[tokio::test]
async fn unknown_and_read_only_fields_are_refused_and_change_nothing() {
    let Some(app) = spawn_app().await else { return };
    let (id, _) = app.add_user("pat@maple.example", "Paralegal").await;
    for field in ["role", "status", "practice", "password_hash", "email"] {
        let body = json!({ "name": "Renamed", field: "x" });
        let answer =
            app.call(Method::PATCH, &format!("/api/v1/users/{id}"), Some(&app.admin), Some(body)).await;
        answer.assert_problem(422, "invalid-field");
        assert_eq!(answer.body["field"], field, "{:#}", answer.body);
    }
    assert_eq!(app.get(&format!("/api/v1/users/{id}"), &app.admin).await.body["name"], "Some Person");
}

#[tokio::test]
async fn every_answer_is_no_store_with_a_request_id() {
    let Some(app) = spawn_app().await else { return };
    for answer in [app.get("/api/v1/me", &app.admin).await, app.get("/api/v1/nowhere", &app.admin).await] {
        assert_eq!(answer.headers.get("cache-control").unwrap(), "no-store");
        assert!(answer.headers.get("x-request-id").is_some());
    }
}

#[tokio::test]
async fn requests_without_a_session_are_401_with_www_authenticate() {
    let Some(app) = spawn_app().await else { return };
    let answer = app.call(Method::GET, "/api/v1/users", None, None).await;
    answer.assert_problem(401, "unauthenticated");
    assert!(answer.headers.get("www-authenticate").unwrap().to_str().unwrap().starts_with("Bearer"));
    app.get("/api/v1/users", "forged-token").await.assert_problem(401, "unauthenticated");
}

#[tokio::test]
async fn invalid_fields_are_all_reported_with_their_names() {
    let Some(app) = spawn_app().await else { return };
    let emails = app.adapters.outbox().await.len();
    let body = json!({
        "email": "not an email", "name": "", "role": app.role("Paralegal").await,
        "language": "??", "time_zone": "Mars/Base", "credential": { "mode": "invite" },
    });
    let answer = app.post("/api/v1/users", &app.admin, body).await;
    answer.assert_problem(422, "invalid-field");
    let fields: Vec<&str> =
        answer.body["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["email", "name", "language", "time_zone"]);
    assert_eq!(app.adapters.outbox().await.len(), emails, "no email: nothing was created");
}

#[tokio::test]
async fn a_password_longer_than_128_characters_is_a_4xx() {
    let Some(app) = spawn_app().await else { return };
    let long: String = "ab cd ef ".chars().cycle().take(129).collect();
    let answer = app.sign_in("owner@maple.example", &long).await;
    answer.assert_problem(422, "invalid-field");
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn health_and_readiness_answer_without_a_session() {
    let Some(app) = spawn_app().await else { return };
    for path in ["/healthz", "/readyz"] {
        let answer = app.http.get(format!("{}{path}", app.base)).send().await.unwrap();
        assert_eq!(answer.status(), StatusCode::OK, "{path}");
    }
}
