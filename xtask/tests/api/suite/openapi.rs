//! The OpenAPI document is OpenAPI 3.1 and matches the router: every
//! documented operation is answered, every route of the table is
//! documented, and a documented path refuses the methods it does not list.

use crate::routes;
use super::*;
use reqwest::Method;
use serde_json::{Value, json};
use std::collections::BTreeSet;

const METHODS: &[&str] = &["get", "post", "put", "patch", "delete"];

async fn document(app: &App) -> Value {
    let answer = app.call(Method::GET, "/api/v1/openapi.json", None, None).await;
    assert_eq!(answer.status, 200);
    answer.body
}

/// Every (METHOD, path) the document lists.
fn operations(doc: &Value) -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in METHODS {
            if item.get(*method).is_some() {
                out.insert((method.to_uppercase(), path.clone()));
            }
        }
    }
    out
}

/// The path with every `{param}` replaced by a fresh UUID.
fn concrete(path: &str) -> String {
    let mut out = String::new();
    let mut rest = path;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        out.push_str(&uuid::Uuid::now_v7().to_string());
        rest = &rest[rest[start..].find('}').unwrap() + start + 1..];
    }
    out.push_str(rest);
    out
}

#[tokio::test]
async fn the_document_is_openapi_3_1_with_every_path_under_api_v1() {
    let Some(app) = spawn_app().await else { return };
    let doc = document(&app).await;
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"), "{}", doc["openapi"]);
    assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
    for (_, path) in operations(&doc) {
        assert!(path.starts_with("/api/v1/"), "{path}");
    }
}

#[tokio::test]
async fn every_documented_operation_is_answered_and_every_route_is_documented() {
    let Some(app) = spawn_app_with(without_rate_limits()).await else { return };
    let doc = document(&app).await;
    let documented = operations(&doc);
    let table: BTreeSet<(String, String)> =
        routes::all().iter().map(|r| (r.method.to_owned(), r.documented_path())).collect();
    assert_eq!(documented, table, "the document and the route table list the same operations");

    // Every documented operation reaches a handler (not the fallbacks),
    // with and without a session.
    let token = app.sign_in("owner@maple.example", PASSWORD).await.body["token"].as_str().unwrap().to_owned();
    for (method, path) in &documented {
        let method = Method::from_bytes(method.as_bytes()).unwrap();
        let body = matches!(method, Method::POST | Method::PUT | Method::PATCH).then(|| json!({}));
        for session in [Some(token.as_str()), None] {
            let answer = app.call(method.clone(), &concrete(path), session, body.clone()).await;
            let kind = answer.problem_type().to_owned();
            assert!(
                !kind.ends_with(":no-route") && !kind.ends_with(":method-not-allowed"),
                "{method} {path} is documented but not routed: {:#}",
                answer.body
            );
            assert!(answer.status.as_u16() < 500, "{method} {path}: {:#}", answer.body);
        }
    }

    // A documented path answers 405 to every method it does not document.
    let paths: BTreeSet<&String> = documented.iter().map(|(_, p)| p).collect();
    for path in paths {
        for method in METHODS {
            if documented.contains(&(method.to_uppercase(), path.clone())) {
                continue;
            }
            let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let answer = app.call(method.clone(), &concrete(path), Some(&token), None).await;
            answer.assert_problem(405, "method-not-allowed");
        }
    }
}

#[tokio::test]
async fn every_operation_lists_its_responses_and_every_body_schema_resolves() {
    let Some(app) = spawn_app().await else { return };
    let doc = document(&app).await;
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in METHODS {
            let Some(op) = item.get(*method) else { continue };
            let responses = op["responses"].as_object().unwrap();
            assert!(responses.keys().any(|s| s.starts_with('2')), "{method} {path} lists no success");
            if op.get("security").is_some() {
                assert!(responses.contains_key("401"), "{method} {path} needs a session but lists no 401");
            }
            let text = op.to_string();
            for reference in text.split("\"$ref\":\"#/components/schemas/").skip(1) {
                let name = reference.split('"').next().unwrap();
                assert!(schemas.contains_key(name), "{method} {path} refers to a missing schema {name}");
            }
        }
    }
}

#[tokio::test]
async fn the_users_list_documents_its_new_columns_and_which_columns_sort() {
    let Some(app) = spawn_app().await else { return };
    let doc = document(&app).await;
    let schemas = &doc["components"]["schemas"];
    let item = &schemas["UserListItem"]["properties"];
    for field in ["last_sign_in_at", "invitation", "profiles", "sites"] {
        assert!(item.get(field).is_some(), "UserListItem lacks {field}: {item:#}");
    }
    let invitation = &schemas["InvitationView"]["properties"];
    for field in ["sent_at", "expires_at", "accepted_at", "withdrawn_at", "state"] {
        assert!(invitation.get(field).is_some(), "InvitationView lacks {field}: {invitation:#}");
    }
    let states: Vec<&str> =
        invitation["state"]["enum"].as_array().unwrap().iter().map(|s| s.as_str().unwrap()).collect();
    assert_eq!(states, ["pending", "accepted", "expired", "withdrawn"]);
    let parameters = doc["paths"]["/api/v1/users"]["get"]["parameters"].as_array().unwrap();
    let sort = parameters.iter().find(|p| p["name"] == "sort").unwrap();
    let sortable: Vec<&str> =
        sort["schema"]["enum"].as_array().unwrap().iter().map(|s| s.as_str().unwrap()).collect();
    assert!(sortable.contains(&"name") && !sortable.contains(&"invitation"), "{sort:#}");
}
