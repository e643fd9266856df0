//! Bad input at the edges: every refusal is problem+json, never a 5xx.

use crate::support::*;
use reqwest::{Method, StatusCode};
use serde_json::json;

#[tokio::test]
async fn malformed_json_wrong_type_oversize_unknown_route_and_wrong_method_are_problems() {
    let app = spawn_app().await;
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
    let app = spawn_app().await;
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
    let app = spawn_app().await;
    for answer in [app.get("/api/v1/me", &app.admin).await, app.get("/api/v1/nowhere", &app.admin).await] {
        assert_eq!(answer.headers.get("cache-control").unwrap(), "no-store");
        assert!(answer.headers.get("x-request-id").is_some());
    }
}

#[tokio::test]
async fn requests_without_a_session_are_401_with_www_authenticate() {
    let app = spawn_app().await;
    let answer = app.call(Method::GET, "/api/v1/users", None, None).await;
    answer.assert_problem(401, "unauthenticated");
    assert!(answer.headers.get("www-authenticate").unwrap().to_str().unwrap().starts_with("Bearer"));
    app.get("/api/v1/users", "forged-token").await.assert_problem(401, "unauthenticated");
}

#[tokio::test]
async fn invalid_fields_are_all_reported_with_their_names() {
    let app = spawn_app().await;
    let body = json!({
        "email": "not an email", "name": "", "role": app.role("Paralegal").await,
        "language": "??", "time_zone": "Mars/Base", "credential": { "mode": "invite" },
    });
    let answer = app.post("/api/v1/users", &app.admin, body).await;
    answer.assert_problem(422, "invalid-field");
    let fields: Vec<&str> =
        answer.body["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["email", "name", "language", "time_zone"]);
    assert_eq!(app.adapters.outbox().await.len(), 1, "only the owner's welcome: nothing was created");
}

#[tokio::test]
async fn a_password_longer_than_128_characters_is_a_4xx() {
    let app = spawn_app().await;
    let long: String = "ab cd ef ".chars().cycle().take(129).collect();
    let answer = app.sign_in("owner@maple.example", &long).await;
    answer.assert_problem(422, "invalid-field");
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn health_and_readiness_answer_without_a_session() {
    let app = spawn_app().await;
    for path in ["/healthz", "/readyz"] {
        let answer = app.http.get(format!("{}{path}", app.base)).send().await.unwrap();
        assert_eq!(answer.status(), StatusCode::OK, "{path}");
    }
}

#[tokio::test]
async fn a_request_that_takes_too_long_is_a_503_problem() {
    use identity_api::hashing::BoundedHasher;
    use identity_domain::system::{Argon2Cost, Argon2idHasher, OsRandom};
    use std::sync::Arc;
    let adapters = identity_memory::MemoryAdapters::new();
    let mut ports = adapters.ports();
    let argon2 = Argon2idHasher::new(Argon2Cost::default(), Arc::new(OsRandom)).unwrap();
    ports.hasher = Arc::new(BoundedHasher::new(argon2, 1, 4).unwrap());
    let service = identity_domain::IdentityService::new(ports, identity_domain::Config::default());
    let settings = identity_api::ApiSettings {
        request_timeout: std::time::Duration::from_millis(1),
        ..identity_api::ApiSettings::default()
    };
    let forgot = identity_http::forgot::ForgotQueue::start(
        service.clone(),
        1.try_into().unwrap(),
        1.try_into().unwrap(),
    );
    let state = identity_api::ApiState { service, settings: Arc::new(settings), forgot };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/api/v1/sessions", listener.local_addr().unwrap());
    let app = identity_api::router(state);
    tokio::spawn(async move {
        axum::serve(listener, app.into_make_service_with_connect_info::<std::net::SocketAddr>())
            .await
            .unwrap();
    });
    // Verifying a password on the hashing pool takes far longer than 1 ms.
    let body = json!({ "practice": "nowhere", "email": "a@b.example", "password": "whatever it is" });
    let slow = reqwest::Client::new().post(url).json(&body).send().await.unwrap();
    let answer = answer(slow).await;
    answer.assert_problem(503, "timeout");
    assert!(answer.headers.get("retry-after").is_some());
}
