//! Bad input never gets a 5xx: garbage bodies (wrong types, nulls, huge
//! strings, odd Unicode, deep nesting) sent to every POST, PUT and PATCH
//! route, whole and field by field, are refused with problem+json.

use crate::routes;
use super::*;
use serde_json::{Value, json};

/// Values of every JSON type, and strings that break naive code.
fn garbage_values() -> Vec<Value> {
    let mut deep = json!("bottom");
    for _ in 0..100 {
        deep = json!({ "a": [deep] });
    }
    vec![
        Value::Null,
        json!(true),
        json!(0),
        json!(-1),
        json!(1.5e300),
        json!(u64::MAX),
        json!(""),
        json!(" "),
        json!("x".repeat(20_000)),
        json!("\u{0000}\u{202e}\u{200b}\r\n\t"),
        json!("Zoë 🦀 تجربة ℌ𝔢𝔩𝔩𝔬 а@а.рф"),
        json!("=cmd|' /C calc'!A0"),
        json!("not-a-uuid"),
        json!("00000000-0000-0000-0000-000000000000"),
        json!("2026-13-45"),
        json!([]),
        json!([1, "two", null]),
        json!({}),
        json!({ "mode": "generate" }),
        deep,
    ]
}

/// Whole bodies that are not the expected object.
fn garbage_bodies() -> Vec<String> {
    let mut bodies: Vec<String> = garbage_values().iter().map(Value::to_string).collect();
    bodies.push("[".repeat(5_000) + &"]".repeat(5_000));
    bodies.push("{\"a\":".repeat(3_000) + "1" + &"}".repeat(3_000));
    bodies.push("{\"name\": \"\\ud800\"}".to_owned());
    bodies.push("{\"name\": \"x\", \"name\": 1}".to_owned());
    bodies.push("\u{feff}{}".to_owned());
    bodies.push(String::new());
    bodies
}

fn assert_refused_well(answer: &Answer, label: &str) {
    let status = answer.status.as_u16();
    assert!(status < 500, "{label}: {status} {:#}", answer.body);
    if status >= 400 {
        let content_type = answer.headers.get("content-type").map(|v| v.to_str().unwrap().to_owned());
        assert_eq!(content_type.as_deref(), Some("application/problem+json"), "{label}: {:#}", answer.body);
        assert!(answer.problem_type().starts_with("urn:practice-identity:problem:"), "{label}");
    }
}

async fn send_raw(app: &App, token: &str, method: reqwest::Method, url: &str, body: String) -> Answer {
    let request = app
        .http
        .request(method, format!("{}{url}", app.base))
        .bearer_auth(token)
        .header("content-type", "application/json")
        .body(body);
    answer(request.send().await.unwrap()).await
}

#[tokio::test]
async fn garbage_bodies_to_every_write_route_are_4xx_problems() {
    let Some(app) = spawn_app_with(without_rate_limits()).await else { return };
    let records = routes::records(&app).await;
    let table = routes::all();
    let writes: Vec<_> = table.iter().filter(|r| r.has_body()).collect();
    for route in &writes {
        let url = route.url(&records);
        // Portal routes are called with the portal member's token.
        let token = records.token_for(route, &app.admin);
        // Whole bodies.
        for body in garbage_bodies() {
            let label = format!("{} {} with {:.60}", route.method, route.path, body);
            assert_refused_well(&send_raw(&app, token, route.method(), &url, body).await, &label);
        }
        // Field by field: each field of a valid body set to each garbage
        // value, and an unknown field added.
        let Some(valid) = route.body.map(|b| b(&records)) else { continue };
        let fields: Vec<String> = valid.as_object().unwrap().keys().cloned().collect();
        for field in fields.iter().map(String::as_str).chain(["password_hash", "practice"]) {
            for value in garbage_values() {
                let mut body = valid.clone();
                body[field] = value.clone();
                let label =
                    format!("{} {} with {field} = {:.60}", route.method, route.path, value.to_string());
                let answer = app.call(route.method(), &url, Some(token), Some(body)).await;
                assert_refused_well(&answer, &label);
            }
        }
    }
}

#[tokio::test]
async fn garbage_ids_in_paths_are_4xx_problems() {
    let Some(app) = spawn_app_with(without_rate_limits()).await else { return };
    let records = routes::records(&app).await;
    for route in routes::all().iter().filter(|r| r.path.contains('{')) {
        for bad in ["not-a-uuid", "1", "%00", "%E2%80%AE", "..%2F..%2Fetc", &"9".repeat(300)] {
            let url = route.url(&records);
            let url =
                url.replacen(records.ids.values().find(|id| url.contains(id.as_str())).unwrap(), bad, 1);
            let body = route.body.map(|b| b(&records));
            let answer = app.call(route.method(), &url, Some(&app.admin), body).await;
            let label = format!("{} {url}", route.method);
            assert_refused_well(&answer, &label);
            assert!(answer.status.is_client_error(), "{label}: {:#}", answer.body);
        }
    }
}
