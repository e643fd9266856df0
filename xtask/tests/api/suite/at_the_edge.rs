//! What the edge shared with the console guarantees, each test named after
//! what a client author found: a 429 that broke keep-alive connections,
//! request ids echoed whatever they held, JSON syntax and shape errors
//! classified the wrong way round, and a forgot-password answer whose time
//! told whether the account exists.

use super::*;
use reqwest::{Method, StatusCode};
use serde_json::json;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// One answer read from a raw socket: its status and headers (lower-case).
struct RawAnswer {
    status: u16,
    head: String,
}

/// Reads one HTTP/1.1 answer (with a `Content-Length` body) from `socket`.
async fn read_answer(socket: &mut TcpStream, buffer: &mut Vec<u8>) -> RawAnswer {
    loop {
        if let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buffer[..end]).to_lowercase();
            let length: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .map_or(0, |v| v.trim().parse().unwrap());
            while buffer.len() < end + 4 + length {
                let mut chunk = [0u8; 4096];
                let n = socket.read(&mut chunk).await.unwrap();
                assert!(n > 0, "the connection closed inside an answer");
                buffer.extend_from_slice(&chunk[..n]);
            }
            let status = head.split_whitespace().nth(1).unwrap().parse().unwrap();
            buffer.drain(..end + 4 + length);
            return RawAnswer { status, head };
        }
        let mut chunk = [0u8; 4096];
        let n = socket.read(&mut chunk).await.unwrap();
        assert!(n > 0, "the connection closed before an answer: {}", String::from_utf8_lossy(buffer));
        buffer.extend_from_slice(&chunk[..n]);
    }
}

fn sign_in_request(host: &str) -> Vec<u8> {
    let body = r#"{"practice":"maple-law","email":"nobody@maple.example","password":"not the password"}"#;
    format!(
        "POST /api/v1/sessions HTTP/1.1\r\nhost: {host}\r\ncontent-type: application/json\r\n\
         content-length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

#[tokio::test]
async fn a_429_keeps_the_keep_alive_connection_usable() {
    // The owner's sign-in in `spawn_app` spends one of the two.
    let Some(app) = spawn_app_with(Options { anonymous_per_minute: 2, ..Options::default() }).await else { return };
    let host = app.base.trim_start_matches("http://").to_owned();
    let mut socket = TcpStream::connect(&host).await.unwrap();
    let mut buffer = Vec::new();
    socket.write_all(&sign_in_request(&host)).await.unwrap();
    let first = read_answer(&mut socket, &mut buffer).await;
    assert_eq!(first.status, 401, "{}", first.head);
    // Past the budget, twice more on the same connection: both answered.
    // The body follows its headers a moment later, as from a client that
    // writes them apart: the refusal must not leave it unread.
    for _ in 0..2 {
        let request = sign_in_request(&host);
        let split = request.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
        socket.write_all(&request[..split]).await.unwrap();
        tokio::time::sleep(Duration::from_millis(200)).await;
        socket.write_all(&request[split..]).await.unwrap();
        let limited = read_answer(&mut socket, &mut buffer).await;
        assert_eq!(limited.status, 429, "{}", limited.head);
        assert!(limited.head.contains("retry-after:"), "{}", limited.head);
        assert!(!limited.head.contains("connection: close"), "{}", limited.head);
    }
    // And a request that spends nothing still goes through.
    socket.write_all(format!("GET /healthz HTTP/1.1\r\nhost: {host}\r\n\r\n").as_bytes()).await.unwrap();
    assert_eq!(read_answer(&mut socket, &mut buffer).await.status, 200);
}

#[tokio::test]
async fn a_request_id_with_spaces_65_characters_or_markup_is_replaced() {
    let Some(app) = spawn_app().await else { return };
    let sixty_five = "a".repeat(65);
    for bad in ["bad id with spaces", sixty_five.as_str(), "<script>", "tab\tid"] {
        let answer = app
            .http
            .get(format!("{}/api/v1/me", app.base))
            .bearer_auth(&app.admin)
            .header("x-request-id", bad)
            .send()
            .await
            .unwrap();
        let echoed = answer.headers()["x-request-id"].to_str().unwrap().to_owned();
        assert_ne!(echoed, bad);
        assert!(uuid::Uuid::parse_str(&echoed).is_ok(), "{bad:?} became {echoed:?}");
    }
    let kept = app
        .http
        .get(format!("{}/api/v1/me", app.base))
        .bearer_auth(&app.admin)
        .header("x-request-id", "client-7:retry.2_b")
        .send()
        .await
        .unwrap();
    assert_eq!(kept.headers()["x-request-id"], "client-7:retry.2_b");
}

#[tokio::test]
async fn the_audit_log_keeps_the_request_id_the_answer_gave() {
    let Some(app) = spawn_app().await else { return };
    let answer = app
        .http
        .post(format!("{}/api/v1/password/forgot", app.base))
        .header("x-request-id", "<script>alert(1)</script>")
        .json(&json!({ "practice": "maple-law", "email": "owner@maple.example" }))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), StatusCode::ACCEPTED);
    let given = answer.headers()["x-request-id"].to_str().unwrap().to_owned();
    app.forgot.settled().await;
    let log = app.get("/api/v1/audit?limit=5", &app.admin).await;
    let items = log.body["items"].as_array().unwrap();
    let entry = items.iter().find(|e| e["action"] == "user.recovery_requested").expect("audited");
    assert_eq!(entry["request_id"], given.as_str(), "{entry:#}");
}

async fn post_raw(app: &App, body: &str) -> Answer {
    let response = app
        .http
        .post(format!("{}/api/v1/users", app.base))
        .bearer_auth(&app.admin)
        .header("content-type", "application/json")
        .body(body.to_owned())
        .send()
        .await
        .unwrap();
    answer(response).await
}

#[tokio::test]
async fn truncated_json_with_an_unknown_key_and_an_empty_body_are_malformed_json() {
    let Some(app) = spawn_app().await else { return };
    for body in [r#"{"a":"#, r#"{"email":"#, "", "   ", "{", r#"{"a":1,}"#, "nul"] {
        post_raw(&app, body).await.assert_problem(400, "malformed-json");
    }
}

#[tokio::test]
async fn json_of_the_wrong_shape_is_422_with_the_field_path() {
    let Some(app) = spawn_app().await else { return };
    let role = app.role("Paralegal").await;
    let queued = app.adapters.outbox().await.len();
    let top_level_array = post_raw(&app, r#"["not","an","object"]"#).await;
    top_level_array.assert_problem(422, "invalid-field");
    assert_eq!(top_level_array.body["field"], "body", "{:#}", top_level_array.body);
    for scalar in ["42", "\"text\"", "null", "true"] {
        post_raw(&app, scalar).await.assert_problem(422, "invalid-field");
    }
    let base = json!({
        "email": "pat@maple.example", "name": "Pat", "role": role,
        "language": "en", "time_zone": "UTC", "credential": { "mode": "invite" },
    });
    let cases = [
        (json!({ "name": 5 }), "name"),
        (json!({ "unknown": 1 }), "unknown"),
        (json!({ "credential": { "mode": "password" } }), "credential.password"),
        (json!({ "credential": { "mode": "generate", "show": false } }), "credential.show"),
    ];
    for (change, field) in cases {
        let mut body = base.clone();
        for (key, value) in change.as_object().unwrap() {
            body[key] = value.clone();
        }
        let answer = app.post("/api/v1/users", &app.admin, body).await;
        answer.assert_problem(422, "invalid-field");
        assert_eq!(answer.body["field"], field, "{:#}", answer.body);
    }
    let mut missing = base.clone();
    missing.as_object_mut().unwrap().remove("email");
    let answer = app.post("/api/v1/users", &app.admin, missing).await;
    answer.assert_problem(422, "invalid-field");
    assert_eq!(answer.body["field"], "email", "{:#}", answer.body);
    assert_eq!(app.adapters.outbox().await.len(), queued, "nothing was created");
}

#[tokio::test]
async fn a_body_over_the_limit_is_413_problem_json_and_closes_the_connection() {
    let Some(app) = spawn_app().await else { return };
    let huge = app
        .http
        .post(format!("{}/api/v1/users", app.base))
        .bearer_auth(&app.admin)
        .header("content-type", "application/json")
        .body(format!("{{\"name\":\"{}\"}}", "x".repeat(70_000)))
        .send()
        .await
        .unwrap();
    let answer = answer(huge).await;
    answer.assert_problem(413, "body-too-large");
    assert_eq!(answer.headers["connection"], "close");
}

#[tokio::test]
async fn forgot_password_answers_before_it_looks_anything_up() {
    let Some(app) = spawn_app().await else { return };
    // The store is held, as by a long write: the lookup cannot start (on
    // the in-memory store and PostgreSQL; see `hold_store`). The answer
    // comes well within PostgreSQL's 5 s lock timeout all the same.
    let Some(held) = app.adapters.hold_store().await else { return };
    let request = app
        .http
        .post(format!("{}/api/v1/password/forgot", app.base))
        .json(&json!({ "practice": "maple-law", "email": "owner@maple.example" }))
        .timeout(Duration::from_secs(3))
        .send();
    let answered = request.await.expect("answered while the store is held");
    assert_eq!(answered.status(), StatusCode::ACCEPTED);
    if BACKEND == Backend::Postgres {
        // The outbox is not locked: nothing is queued while the lookup waits.
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert!(app.adapters.outbox().await.iter().all(|e| e.message.kind() != "recovery"));
    }
    // (The in-memory outbox cannot be read while the store is held.)
    held.release().await;
    app.forgot.settled().await;
    let outbox = app.adapters.outbox().await;
    assert_eq!(outbox.last().unwrap().message.kind(), "recovery");
}

/// The queue forgot-password requests wait in is bounded: when it is
/// full a request is dropped (its sender got the same answer), and the
/// queue settles with the rest (on the in-memory store and PostgreSQL,
/// where a held store stops the queue's worker; see `hold_store`).
#[tokio::test]
async fn a_full_forgot_password_queue_drops_the_request_and_settles_with_the_rest() {
    use identity_http::forgot::ForgotQueue;
    use std::num::NonZeroUsize;
    let Some(app) = spawn_app().await else { return };
    let queue = ForgotQueue::start(app.service.clone(), NonZeroUsize::MIN, NonZeroUsize::MIN);
    let request = || identity_domain::ForgotPassword {
        practice: "maple-law".into(),
        email: "nobody@maple.example".into(),
        request_id: None,
    };
    // The store is held: the worker's first request waits on it.
    let Some(held) = app.adapters.hold_store().await else { return };
    assert!(queue.submit(request()));
    while queue.waiting() > 0 {
        tokio::task::yield_now().await;
    }
    assert!(queue.submit(request()), "one request waits");
    assert!(!queue.submit(request()), "the queue is full: dropped");
    assert_eq!(queue.waiting(), 1);
    held.release().await;
    queue.settled().await;
    assert_eq!(queue.waiting(), 0);
}

#[tokio::test]
async fn forgot_password_answers_the_same_bytes_for_every_kind_of_account() {
    let Some(app) = spawn_app_with(without_rate_limits()).await else { return };
    let (id, _) = app.add_user("inactive@maple.example", "Paralegal").await;
    let deactivated = app.post(&format!("/api/v1/users/{id}/deactivate"), &app.admin, json!({})).await;
    assert_eq!(deactivated.status, StatusCode::OK, "{:#}", deactivated.body);
    let mut answers = Vec::new();
    for (practice, email) in [
        ("maple-law", "owner@maple.example"),
        ("maple-law", "nobody@maple.example"),
        ("maple-law", "inactive@maple.example"),
        ("no-such-practice", "owner@maple.example"),
    ] {
        let answer = app
            .http
            .post(format!("{}/api/v1/password/forgot", app.base))
            .json(&json!({ "practice": practice, "email": email }))
            .send()
            .await
            .unwrap();
        let status = answer.status();
        let mut headers: Vec<(String, String)> = answer
            .headers()
            .iter()
            .filter(|(name, _)| !matches!(name.as_str(), "x-request-id" | "date"))
            .map(|(n, v)| (n.to_string(), v.to_str().unwrap().to_owned()))
            .collect();
        headers.sort();
        answers.push((status, headers, answer.bytes().await.unwrap()));
    }
    assert!(answers.windows(2).all(|w| w[0] == w[1]), "{answers:#?}");
    app.forgot.settled().await;
}

#[tokio::test]
async fn the_budget_fails_closed_when_it_cannot_be_counted() {
    // A count that fails, on the in-memory adapters (a database that goes
    // away is tested on the real binary).
    let Some(app) = spawn_app().await else { return };
    let Some(budgets) = app.adapters.budgets() else { return };
    budgets.fail(true);
    let refused = app.sign_in("owner@maple.example", PASSWORD).await;
    refused.assert_problem(503, "storage-unavailable");
    assert!(refused.headers.get("retry-after").is_some());
    // Routes that spend no budget are not touched.
    assert_eq!(app.get("/api/v1/me", &app.admin).await.status, StatusCode::OK);
    budgets.fail(false);
    assert_eq!(app.sign_in("owner@maple.example", PASSWORD).await.status, StatusCode::CREATED);
}

#[tokio::test]
async fn every_anonymous_route_spends_one_budget_per_address() {
    // The owner's sign-in in `spawn_app` spends one of the four.
    let Some(app) = spawn_app_with(Options { anonymous_per_minute: 4, ..Options::default() }).await else { return };
    let token = json!({ "token": "no-such-link" });
    let spent = [
        app.call(
            Method::POST,
            "/api/v1/password/forgot",
            None,
            Some(json!({ "practice": "x", "email": "a@b.example" })),
        )
        .await,
        app.call(Method::POST, "/api/v1/links/inspect", None, Some(token.clone())).await,
        app.sign_in("owner@maple.example", "wrong password here").await,
    ];
    assert!(spent.iter().all(|a| a.status != StatusCode::TOO_MANY_REQUESTS));
    let body = json!({ "token": "no-such-link", "new_password": "a fresh passphrase" });
    app.call(Method::POST, "/api/v1/password/recover", None, Some(body.clone()))
        .await
        .assert_problem(429, "rate-limited");
    app.call(Method::POST, "/api/v1/invitations/accept", None, Some(body))
        .await
        .assert_problem(429, "rate-limited");
    // A forged X-Forwarded-For from an untrusted peer changes nothing.
    let forged = app
        .http
        .post(format!("{}/api/v1/links/inspect", app.base))
        .header("x-forwarded-for", "198.51.100.77")
        .json(&token)
        .send()
        .await
        .unwrap();
    answer(forged).await.assert_problem(429, "rate-limited");
}

/// A control character (NUL, a line break, DEL) in any text parameter of
/// the query, on every route that reads one, is `422 invalid-field` naming
/// that parameter, before anything is read: never a 2xx that ignored it,
/// never a 5xx from the database. The routes and parameters are read from
/// the served document, so a new one is covered as soon as it is listed.
#[tokio::test]
async fn a_control_character_in_any_text_parameter_is_422_naming_it() {
    let Some(app) = spawn_app().await else { return };
    let doc = app.call(Method::GET, "/api/v1/openapi.json", None, None).await.body;
    let mut checked = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        let Some(op) = item.get("get") else { continue };
        let url_path = path.replace("{id}", &uuid::Uuid::nil().to_string());
        let portal = path.starts_with("/api/v1/portal");
        for param in op["parameters"].as_array().into_iter().flatten() {
            let schema = &param["schema"];
            let text = schema["type"] == "string"
                || schema["type"].as_array().is_some_and(|t| t.iter().any(|t| t == "string"));
            if param["in"] != "query" || !text || schema["format"] == "uuid" {
                continue;
            }
            let name = param["name"].as_str().unwrap();
            for bad in ["%00", "a%00b", "%0A", "%7F"] {
                let token = if portal { None } else { Some(app.admin.as_str()) };
                let answer = app.call(Method::GET, &format!("{url_path}?{name}={bad}"), token, None).await;
                if portal && answer.status == StatusCode::UNAUTHORIZED {
                    continue;
                }
                answer.assert_problem(422, "invalid-field");
                assert!(answer.body.to_string().contains(&format!("\"{name}\"")), "{path} {name}={bad}: {:#}", answer.body);
                checked += 1;
            }
        }
    }
    assert!(checked >= 40, "only {checked} parameters checked");
}
