//! The API contract a client author relies on: every problem kind is in
//! `docs/api.md` (and only those), the OpenAPI document names every status
//! and problem kind each route answers and carries the validation's
//! limits, body variants refuse fields they do not name, field paths are
//! the documented ones, and sibling actions answer alike.

use super::*;
use identity_api::error::{KINDS_EXTENSION, ProblemKind};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};

fn api_md() -> String {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/api.md");
    std::fs::read_to_string(path).unwrap()
}

/// `(status, kind)` of every row of the kinds tables of `docs/api.md`: a
/// row starts with a status and names its kinds in backticks.
fn documented_kinds(doc: &str) -> BTreeSet<(u16, String)> {
    let start = doc.find("### The kinds").expect("docs/api.md has a section on the kinds");
    let section = &doc[start..];
    let section = &section[..section.find("\n## ").unwrap_or(section.len())];
    let mut out = BTreeSet::new();
    for line in section.lines() {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        let (Some(status), Some(kinds)) = (cells.get(1), cells.get(2)) else { continue };
        let Ok(status) = status.parse::<u16>() else { continue };
        // `a`, `b` lists kinds; `a` at `field` names one kind and its field.
        for item in kinds.split(", ") {
            if let Some(kind) = item.split('`').nth(1) {
                out.insert((status, kind.to_owned()));
            }
        }
    }
    out
}

#[test]
fn every_problem_kind_is_in_the_guide_and_the_guide_lists_no_other() {
    let documented = documented_kinds(&api_md());
    let kinds: BTreeSet<(u16, String)> =
        ProblemKind::ALL.iter().map(|k| (k.status().as_u16(), k.slug().to_owned())).collect();
    let missing: Vec<_> = kinds.difference(&documented).collect();
    let unknown: Vec<_> = documented.difference(&kinds).collect();
    assert!(missing.is_empty(), "kinds the API answers but docs/api.md does not list: {missing:?}");
    assert!(unknown.is_empty(), "kinds docs/api.md lists but the API never answers: {unknown:?}");
    let slugs: BTreeSet<&str> = ProblemKind::ALL.iter().map(|k| k.slug()).collect();
    assert_eq!(slugs.len(), ProblemKind::ALL.len(), "two kinds share a slug");
}

async fn document(app: &App) -> Value {
    let answer = app.call(Method::GET, "/api/v1/openapi.json", None, None).await;
    assert_eq!(answer.status, 200);
    answer.body
}

/// status → problem kinds the document lists for one operation.
fn listed_kinds(doc: &Value, method: &str, path: &str) -> BTreeMap<String, BTreeSet<String>> {
    let op = &doc["paths"][path][method];
    assert!(op.is_object(), "{method} {path} is not in the document");
    let mut out = BTreeMap::new();
    for (status, response) in op["responses"].as_object().unwrap() {
        if status.starts_with('2') {
            continue;
        }
        let kinds: BTreeSet<String> = response[KINDS_EXTENSION]
            .as_array()
            .unwrap_or_else(|| panic!("{method} {path} {status} lists no problem kinds"))
            .iter()
            .map(|k| k.as_str().unwrap().to_owned())
            .collect();
        let types: BTreeSet<String> = response["content"]["application/problem+json"]["schema"]["allOf"][1]
            ["properties"]["type"]["enum"]
            .as_array()
            .unwrap_or_else(|| panic!("{method} {path} {status} has no type enum"))
            .iter()
            .map(|t| t.as_str().unwrap().trim_start_matches("urn:practice-identity:problem:").to_owned())
            .collect();
        assert_eq!(kinds, types, "{method} {path} {status}");
        out.insert(status.clone(), kinds);
    }
    out
}

fn has(listed: &BTreeMap<String, BTreeSet<String>>, status: u16, kind: &str) -> bool {
    listed.get(&status.to_string()).is_some_and(|k| k.contains(kind))
}

#[tokio::test]
async fn every_failure_the_document_lists_names_its_problem_kinds() {
    let Some(app) = spawn_app().await else { return };
    let doc = document(&app).await;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            let listed = listed_kinds(&doc, method, path);
            for (status, kinds) in &listed {
                for kind in kinds {
                    let known = ProblemKind::ALL.iter().find(|k| k.slug() == kind);
                    let known = known.unwrap_or_else(|| panic!("{method} {path} lists unknown kind {kind}"));
                    assert_eq!(known.status().as_u16().to_string(), *status, "{method} {path} {kind}");
                }
            }
            assert!(has(&listed, 503, "timeout"), "{method} {path} does not list the time-out");
        }
    }
}

#[tokio::test]
async fn the_http_layer_s_problems_are_listed_on_every_route_they_apply_to() {
    let Some(app) = spawn_app().await else { return };
    let doc = document(&app).await;
    let create = listed_kinds(&doc, "post", "/api/v1/users");
    for (status, kind) in [
        (400, "malformed-json"),
        (401, "unauthenticated"),
        (403, "cross-site-request"),
        (413, "body-too-large"),
        (415, "unsupported-media-type"),
        (422, "invalid-field"),
        (422, "password-rejected"),
        (409, "email-previously-used"),
    ] {
        assert!(has(&create, status, kind), "POST /users lacks {status} {kind}: {create:?}");
    }
    let get = listed_kinds(&doc, "get", "/api/v1/users/{id}");
    assert!(has(&get, 400, "invalid-path") && has(&get, 404, "not-found"), "{get:?}");
    assert!(!get.contains_key("415"), "a GET reads no body: {get:?}");
    let patch = listed_kinds(&doc, "patch", "/api/v1/users/{id}");
    assert!(has(&patch, 400, "invalid-if-match") && has(&patch, 412, "version-mismatch"), "{patch:?}");
    let sign_in = listed_kinds(&doc, "post", "/api/v1/sessions");
    assert!(has(&sign_in, 429, "rate-limited") && has(&sign_in, 401, "sign-in-failed"), "{sign_in:?}");
    assert!(!has(&sign_in, 401, "unauthenticated"), "signing in needs no session: {sign_in:?}");
    let inspect = listed_kinds(&doc, "post", "/api/v1/links/inspect");
    assert!(has(&inspect, 422, "invalid-field") && has(&inspect, 400, "invalid-link"), "{inspect:?}");
}

/// Each party route lists the refusals of its own operation and no other
/// (one error enum per operation): reading a party cannot answer an
/// illegal transition, recording one cannot meet an account already open,
/// ending sessions changes no status.
#[tokio::test]
async fn each_party_route_lists_only_what_its_operation_can_answer() {
    let Some(app) = spawn_app().await else { return };
    let doc = document(&app).await;
    let listed = |method: &str, path: &str| listed_kinds(&doc, method, &format!("/api/v1{path}"));
    for (method, path) in [("get", "/parties/{id}"), ("put", "/parties/{id}"), ("get", "/sites/{id}/parties")] {
        let kinds = listed(method, path);
        assert!(has(&kinds, 404, "not-found"), "{method} {path}: {kinds:?}");
        for (status, kind) in [(409, "illegal-transition"), (409, "email-previously-used")] {
            assert!(!has(&kinds, status, kind), "{method} {path} lists {kind}: {kinds:?}");
        }
    }
    let save = listed("post", "/sites/{id}/parties");
    assert!(has(&save, 409, "email-previously-used"), "{save:?}");
    assert!(!has(&save, 409, "illegal-transition"), "a party recorded now has no account: {save:?}");
    let invite = listed("post", "/parties/{id}/invite");
    assert!(has(&invite, 409, "email-previously-used") && has(&invite, 409, "illegal-transition"), "{invite:?}");
    let portal = listed("get", "/parties/{id}/portal");
    assert!(!has(&portal, 409, "no-portal-account"), "not invited is an answer, not a refusal: {portal:?}");
    let sessions = listed("delete", "/parties/{id}/portal/sessions");
    assert!(has(&sessions, 409, "no-portal-account"), "{sessions:?}");
    assert!(!has(&sessions, 409, "illegal-transition"), "{sessions:?}");
    for path in ["/parties/{id}/portal/recovery", "/parties/{id}/portal/deactivate"] {
        let kinds = listed("post", path);
        assert!(has(&kinds, 409, "no-portal-account") && has(&kinds, 409, "illegal-transition"), "{path}: {kinds:?}");
    }
    let add = listed("post", "/cases/{id}/parties");
    assert!(has(&add, 409, "already-on-case") && has(&add, 422, "invalid-field"), "{add:?}");
    let remove = listed("delete", "/cases/{id}/parties/{party}");
    assert!(has(&remove, 404, "not-found") && !has(&remove, 409, "already-on-case"), "{remove:?}");
}

/// Creating a site cannot miss one, listing them refuses nothing of
/// theirs, and retrying every failed email has no single email to miss.
#[tokio::test]
async fn site_and_outbox_routes_list_only_what_their_operation_can_answer() {
    let Some(app) = spawn_app().await else { return };
    let doc = document(&app).await;
    let listed = |method: &str, path: &str| listed_kinds(&doc, method, &format!("/api/v1{path}"));
    let create = listed("post", "/sites");
    assert!(has(&create, 409, "name-taken") && !has(&create, 404, "not-found"), "{create:?}");
    let update = listed("put", "/sites/{id}");
    assert!(has(&update, 409, "name-taken") && has(&update, 404, "not-found"), "{update:?}");
    let list = listed("get", "/sites");
    assert!(!has(&list, 409, "name-taken") && !has(&list, 404, "not-found"), "{list:?}");
    let one = listed("post", "/outbox/{id}/retry");
    assert!(has(&one, 409, "email-not-failed") && has(&one, 404, "not-found"), "{one:?}");
    let all = listed("post", "/outbox/retry");
    assert!(!has(&all, 409, "email-not-failed") && !has(&all, 404, "not-found"), "{all:?}");
}

/// Only the routes that act on a user's account can meet "who may act on
/// whom" (a user or role that outranks the caller, one's own account on an
/// administrator's path); each Super Admin rule is listed where it can
/// refuse: the cap where a Super Admin is added, the last one where one is
/// taken away.
#[tokio::test]
async fn user_case_and_role_routes_list_only_what_their_operation_can_answer() {
    let Some(app) = spawn_app().await else { return };
    let doc = document(&app).await;
    let listed = |method: &str, path: &str| listed_kinds(&doc, method, &format!("/api/v1{path}"));
    let acting_on_an_account = [
        ("patch", "/users/{id}"),
        ("put", "/users/{id}/email"),
        ("put", "/users/{id}/access"),
        ("post", "/users/{id}/deactivate"),
        ("post", "/users/{id}/reactivate"),
        ("post", "/users/{id}/password-reset"),
        ("delete", "/users/{id}/sessions"),
        ("post", "/users/{id}/invitation"),
        ("delete", "/users/{id}/invitation"),
        ("post", "/users/{id}/factors/reset"),
    ];
    for (method, path) in acting_on_an_account {
        let kinds = listed(method, path);
        for kind in ["target-outranks-caller", "use-self-service"] {
            assert!(has(&kinds, 403, kind), "{method} {path} does not list {kind}: {kinds:?}");
        }
    }
    let acting_on_no_account = [
        ("get", "/users"),
        ("post", "/users"),
        ("get", "/users/{id}"),
        ("get", "/users/{id}/factors"),
        ("get", "/users/{id}/cases"),
        ("post", "/users/{id}/cases/reassign"),
        ("get", "/roles"),
        ("post", "/roles"),
        ("put", "/roles/{id}"),
        ("get", "/profiles"),
        ("post", "/cases"),
        ("get", "/cases/{id}"),
        ("put", "/cases/{id}/owner"),
        ("post", "/cases/{id}/close"),
    ];
    for (method, path) in acting_on_no_account {
        let kinds = listed(method, path);
        for kind in ["target-outranks-caller", "use-self-service"] {
            assert!(!has(&kinds, 403, kind), "{method} {path} lists {kind}: {kinds:?}");
        }
    }
    let role_policy = listed("put", "/roles/{id}/second-factor");
    assert!(has(&role_policy, 403, "target-outranks-caller"), "{role_policy:?}");
    assert!(!has(&role_policy, 403, "use-self-service"), "a role is nobody's own account: {role_policy:?}");

    let create = listed("post", "/users");
    assert!(has(&create, 409, "super-admin-cap-reached") && !has(&create, 409, "last-super-admin"), "{create:?}");
    let access = listed("put", "/users/{id}/access");
    assert!(has(&access, 409, "super-admin-cap-reached") && has(&access, 409, "last-super-admin"), "{access:?}");
    let deactivate = listed("post", "/users/{id}/deactivate");
    assert!(has(&deactivate, 409, "last-super-admin"), "{deactivate:?}");
    for (status, kind) in [(409, "super-admin-cap-reached"), (403, "cannot-grant"), (403, "super-admin-only")] {
        assert!(!has(&deactivate, status, kind), "deactivating grants nothing: {deactivate:?}");
    }
    let reactivate = listed("post", "/users/{id}/reactivate");
    assert!(has(&reactivate, 409, "super-admin-cap-reached"), "{reactivate:?}");
    for (status, kind) in [(409, "last-super-admin"), (403, "cannot-grant"), (422, "invalid-field")] {
        assert!(!has(&reactivate, status, kind), "reactivating takes nothing away and has no body: {reactivate:?}");
    }
    let case_kinds = listed("get", "/cases/{id}");
    assert!(!has(&case_kinds, 409, "case-closed"), "reading a closed case is no refusal: {case_kinds:?}");
}

#[tokio::test]
async fn schemas_carry_the_limits_of_the_validation() {
    let Some(app) = spawn_app().await else { return };
    let doc = document(&app).await;
    let schemas = &doc["components"]["schemas"];
    let create = &schemas["CreateUserBody"]["properties"];
    assert_eq!(create["name"]["minLength"], 1, "{create:#}");
    assert_eq!(create["name"]["maxLength"], 200);
    assert_eq!(create["email"]["maxLength"], 254);
    let grant = &schemas["GrantBody"]["properties"]["permissions"];
    let names = grant["items"]["enum"].as_array().unwrap();
    assert!(names.iter().any(|n| n == "users.read") && !names.iter().any(|n| n == ""), "{grant:#}");
    let settings = &schemas["SettingsBody"]["properties"];
    assert_eq!(settings["super_admin_cap"]["minimum"], 1, "{settings:#}");
    assert_eq!(settings["super_admin_cap"]["maximum"], 2_147_483_647_u32);
    assert_eq!(settings["password_min_length"]["minimum"], 8);
    assert_eq!(settings["password_min_length"]["maximum"], 128);
    let limit = doc["paths"]["/api/v1/users"]["get"]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "limit")
        .unwrap()
        .clone();
    assert_eq!(limit["schema"]["minimum"], 1, "{limit:#}");
    assert_eq!(limit["schema"]["maximum"], 500, "{limit:#}");
    let modes = schemas["CredentialBody"].to_string();
    for mode in ["generate", "password", "invite"] {
        assert!(modes.contains(&format!("\"{mode}\"")), "{modes}");
    }
}

async fn user_count(app: &App) -> usize {
    app.get("/api/v1/users?limit=500", &app.admin).await.body["items"].as_array().unwrap().len()
}

fn new_user(app_role: &identity_domain::RoleId, email: &str, credential: Value) -> Value {
    json!({
        "email": email, "name": "Nia Field", "role": app_role, "language": "en",
        "time_zone": "UTC", "credential": credential,
    })
}

#[tokio::test]
async fn credential_modes_without_fields_refuse_every_field() {
    let Some(app) = spawn_app().await else { return };
    let role = app.role("RCIC Consultant").await;
    let before = user_count(&app).await;
    let outbox = app.adapters.outbox().await.len();
    for (credential, field) in [
        (json!({"mode": "generate", "show": false}), "credential.show"),
        (json!({"mode": "invite", "to": "evil@evil.example"}), "credential.to"),
        (json!({"mode": "password", "password": PASSWORD, "role": "x"}), "credential.role"),
    ] {
        let body = new_user(&role, "nia@maple.example", credential.clone());
        let answer = app.post("/api/v1/users", &app.admin, body).await;
        answer.assert_problem(422, "invalid-field");
        assert_eq!(answer.body["field"], field, "{credential}: {:#}", answer.body);
    }
    assert_eq!(user_count(&app).await, before, "a refused body created a user");
    assert_eq!(app.adapters.outbox().await.len(), outbox, "a refused body queued an email");
}

#[tokio::test]
async fn reset_modes_without_fields_refuse_every_field() {
    let Some(app) = spawn_app().await else { return };
    let (id, _) = app.add_user("ren@maple.example", "RCIC Consultant").await;
    let outbox = app.adapters.outbox().await.len();
    for (body, field) in [
        (json!({"mode": "generate_and_email", "to": "evil@evil.example"}), "to"),
        (json!({"mode": "email_recovery_link", "to": "evil@evil.example"}), "to"),
        (json!({"mode": "set_temporary", "password": "a quite temporary phrase", "show": true}), "show"),
    ] {
        let answer = app.post(&format!("/api/v1/users/{id}/password-reset"), &app.admin, body.clone()).await;
        answer.assert_problem(422, "invalid-field");
        assert_eq!(answer.body["field"], field, "{body}: {:#}", answer.body);
    }
    assert_eq!(app.adapters.outbox().await.len(), outbox, "a refused reset queued an email");
    // The user can still sign in with their password: nothing was reset.
    assert_eq!(app.sign_in("ren@maple.example", PASSWORD).await.status, StatusCode::CREATED);
}

#[tokio::test]
async fn a_refused_typed_password_is_reported_at_credential_password() {
    let Some(app) = spawn_app().await else { return };
    let role = app.role("RCIC Consultant").await;
    let body = new_user(&role, "pia@maple.example", json!({"mode": "password", "password": "short"}));
    let answer = app.post("/api/v1/users", &app.admin, body).await;
    answer.assert_problem(422, "password-rejected");
    assert_eq!(answer.body["field"], "credential.password", "{:#}", answer.body);
}

#[tokio::test]
async fn a_patch_cannot_clear_a_name_language_time_zone_or_sites() {
    let Some(app) = spawn_app().await else { return };
    let (id, _) = app.add_user("noa@maple.example", "RCIC Consultant").await;
    let path = format!("/api/v1/users/{id}");
    let before = app.get(&path, &app.admin).await.body;
    for field in ["name", "language", "time_zone", "sites"] {
        let answer = app.call(Method::PATCH, &path, Some(&app.admin), Some(json!({ field: null }))).await;
        answer.assert_problem(422, "invalid-field");
        assert_eq!(answer.body["field"], field, "{:#}", answer.body);
    }
    assert_eq!(app.get(&path, &app.admin).await.body, before, "a refused edit changed the user");
    // Optional fields still clear with null.
    let cleared = app.call(Method::PATCH, &path, Some(&app.admin), Some(json!({"title": null}))).await;
    assert_eq!(cleared.status, StatusCode::OK, "{:#}", cleared.body);
}

#[tokio::test]
async fn actions_on_a_user_answer_the_user_with_its_etag() {
    let Some(app) = spawn_app().await else { return };
    let role = app.role("RCIC Consultant").await;
    let invited = app
        .post("/api/v1/users", &app.admin, new_user(&role, "ivy@maple.example", json!({"mode": "invite"})))
        .await;
    assert_eq!(invited.status, StatusCode::CREATED, "{:#}", invited.body);
    let ivy = invited.body["user"]["id"].as_str().unwrap().to_owned();
    let (ren, _) = app.add_user("ren@maple.example", "RCIC Consultant").await;

    let resent =
        app.call(Method::POST, &format!("/api/v1/users/{ivy}/invitation"), Some(&app.admin), None).await;
    let reset = app
        .post(
            &format!("/api/v1/users/{ren}/password-reset"),
            &app.admin,
            json!({"mode": "email_recovery_link"}),
        )
        .await;
    // Deactivation's options may be left out, body and all.
    let deactivated =
        app.call(Method::POST, &format!("/api/v1/users/{ren}/deactivate"), Some(&app.admin), None).await;
    let reactivated =
        app.call(Method::POST, &format!("/api/v1/users/{ren}/reactivate"), Some(&app.admin), None).await;
    let revoked =
        app.call(Method::DELETE, &format!("/api/v1/users/{ivy}/invitation"), Some(&app.admin), None).await;
    for (label, answer, id, status) in [
        ("resend", &resent, &ivy, "invited"),
        ("reset", &reset, &ren, "active"),
        ("deactivate", &deactivated, &ren, "inactive"),
        ("reactivate", &reactivated, &ren, "active"),
        ("revoke", &revoked, &ivy, "inactive"),
    ] {
        assert_eq!(answer.status, StatusCode::OK, "{label}: {:#}", answer.body);
        assert_eq!(answer.body["id"], id.as_str(), "{label}");
        assert_eq!(answer.body["status"], status, "{label}");
        let etag = answer.headers.get("etag").unwrap_or_else(|| panic!("{label} sends no ETag"));
        assert_eq!(etag.to_str().unwrap(), format!("\"{}\"", answer.body["version"]), "{label}");
    }
}

#[tokio::test]
async fn a_deactivation_body_sent_without_json_content_type_is_415() {
    let Some(app) = spawn_app().await else { return };
    let (ren, _) = app.add_user("ren@maple.example", "RCIC Consultant").await;
    let request = app
        .http
        .post(format!("{}/api/v1/users/{ren}/deactivate", app.base))
        .bearer_auth(&app.admin)
        .body("{}");
    let answer = answer(request.send().await.unwrap()).await;
    answer.assert_problem(415, "unsupported-media-type");
    let user = app.get(&format!("/api/v1/users/{ren}"), &app.admin).await;
    assert_eq!(user.body["status"], "active", "a refused deactivation deactivated");
}

#[tokio::test]
async fn list_rows_name_the_role_as_the_download_does() {
    let Some(app) = spawn_app().await else { return };
    app.add_user("ren@maple.example", "RCIC Consultant").await;
    let role = app.role("RCIC Consultant").await;
    for query in ["", "?columns=name,role"] {
        let list = app.get(&format!("/api/v1/users{query}"), &app.admin).await;
        let ren = list.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] != app.owner.to_string() && r.get("role").is_some())
            .cloned()
            .unwrap_or_else(|| panic!("{query}: {:#}", list.body));
        assert_eq!(ren["role"], role.to_string(), "{query}: {ren}");
        assert_eq!(ren["role_name"], "RCIC Consultant", "{query}: {ren}");
    }
    let download = app
        .http
        .get(format!("{}/api/v1/users/export?columns=email,role&sort=email", app.base))
        .bearer_auth(&app.admin)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(download.contains("ren@maple.example,RCIC Consultant"), "{download}");
}

#[tokio::test]
async fn a_super_admin_cap_beyond_the_documented_int32_is_refused() {
    let Some(app) = spawn_app().await else { return };
    let before = app.get("/api/v1/settings", &app.admin).await.body;
    for cap in [0_u64, 2_147_483_648, 4_294_967_295] {
        let body = json!({ "super_admin_cap": cap, "password_min_length": 15 });
        let answer = app.put("/api/v1/settings", &app.admin, body).await;
        answer.assert_problem(422, "invalid-field");
        assert_eq!(answer.body["field"], "super_admin_cap", "{cap}: {:#}", answer.body);
    }
    assert_eq!(
        app.get("/api/v1/settings", &app.admin).await.body,
        before,
        "a refused cap changed the settings"
    );
    let top = json!({ "super_admin_cap": 2_147_483_647_u32, "password_min_length": 15 });
    assert_eq!(app.put("/api/v1/settings", &app.admin, top).await.status, StatusCode::OK);
}
