//! Who may act on whom, over HTTP: the account-takeover paths of issue 11,
//! each as it was reported, now refused with a 403 that says why and
//! changes nothing; links that die with an email or password change;
//! forgot-password and wrong current passwords throttled.

use super::*;
use reqwest::StatusCode;
use serde_json::json;

const TAKEN_OVER: &str = "mallory's chosen passphrase";

/// Creates a custom role through the API and a signed-in user holding it.
async fn user_with_role(app: &App, email: &str, role: &str, permissions: &[&str]) -> (String, String) {
    let created =
        app.post("/api/v1/roles", &app.admin, json!({ "name": role, "permissions": permissions })).await;
    assert_eq!(created.status, StatusCode::CREATED, "{:#}", created.body);
    app.add_user(email, role).await
}

async fn forgot(app: &App, email: &str) {
    let answer = app
        .call(
            reqwest::Method::POST,
            "/api/v1/password/forgot",
            None,
            Some(json!({ "practice": "maple-law", "email": email })),
        )
        .await;
    assert_eq!(answer.status, StatusCode::ACCEPTED);
}

async fn recoveries_to(app: &App, to: &str) -> usize {
    app.adapters
        .outbox()
        .await
        .iter()
        .filter(|e| e.to.as_str() == to && e.message.kind() == "recovery")
        .count()
}

#[tokio::test]
async fn finding_1_an_administrator_cannot_take_over_a_super_admin_by_a_password_reset() {
    let Some(app) = spawn_app_with(without_rate_limits()).await else { return };
    let (_, administrator) = app.add_user("admin@maple.example", "Administrator").await;
    let owner = app.owner;
    let reset = app
        .post(
            &format!("/api/v1/users/{owner}/password-reset"),
            &administrator,
            json!({ "mode": "set_temporary", "password": TAKEN_OVER }),
        )
        .await;
    reset.assert_problem(403, "target-outranks-caller");
    assert_eq!(reset.body["super_admin"], true);
    for mode in [json!({ "mode": "generate_and_email" }), json!({ "mode": "email_recovery_link" })] {
        let answer = app.post(&format!("/api/v1/users/{owner}/password-reset"), &administrator, mode).await;
        answer.assert_problem(403, "target-outranks-caller");
    }
    assert_eq!(app.sign_in("owner@maple.example", TAKEN_OVER).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        app.sign_in("owner@maple.example", PASSWORD).await.status,
        StatusCode::CREATED,
        "nothing changed"
    );
}

#[tokio::test]
async fn finding_1_a_narrow_reset_role_cannot_take_over_an_administrator() {
    let Some(app) = spawn_app_with(without_rate_limits()).await else { return };
    let (_, desk) =
        user_with_role(&app, "desk@maple.example", "Reset desk", &["users.read", "users.reset_password"])
            .await;
    let (admin, _) = app.add_user("admin@maple.example", "Administrator").await;
    let reset = app
        .post(
            &format!("/api/v1/users/{admin}/password-reset"),
            &desk,
            json!({ "mode": "set_temporary", "password": TAKEN_OVER }),
        )
        .await;
    reset.assert_problem(403, "target-outranks-caller");
    assert_eq!(reset.body["super_admin"], false);
    let missing: Vec<&str> =
        reset.body["missing"].as_array().unwrap().iter().map(|p| p.as_str().unwrap()).collect();
    assert!(missing.contains(&"users.create") && !missing.contains(&"users.read"), "{missing:?}");
    assert_eq!(app.sign_in("admin@maple.example", TAKEN_OVER).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(app.sign_in("admin@maple.example", PASSWORD).await.status, StatusCode::CREATED);

    // Someone holding no more than the desk may still be reset by it.
    let (reader, _) = user_with_role(&app, "reader@maple.example", "Reader", &["users.read"]).await;
    let reset = app
        .post(
            &format!("/api/v1/users/{reader}/password-reset"),
            &desk,
            json!({ "mode": "generate_and_email" }),
        )
        .await;
    assert_eq!(reset.status, StatusCode::OK, "{:#}", reset.body);
}

#[tokio::test]
async fn finding_2_an_administrator_cannot_redirect_a_super_admins_email() {
    let Some(app) = spawn_app_with(without_rate_limits()).await else { return };
    let (_, administrator) = app.add_user("admin@maple.example", "Administrator").await;
    let owner = app.owner;
    let change = app
        .put(
            &format!("/api/v1/users/{owner}/email"),
            &administrator,
            json!({ "email": "mallory@attacker.example" }),
        )
        .await;
    change.assert_problem(403, "target-outranks-caller");
    forgot(&app, "mallory@attacker.example").await;
    assert!(
        app.adapters.outbox().await.iter().all(|e| e.to.as_str() != "mallory@attacker.example"),
        "nothing goes to the attacker"
    );
    let owner_now = app.get(&format!("/api/v1/users/{owner}"), &app.admin).await;
    assert_eq!(owner_now.body["email"], "owner@maple.example");
}

#[tokio::test]
async fn finding_3_ones_own_password_is_not_replaced_through_the_administrators_reset() {
    let Some(app) = spawn_app_with(without_rate_limits()).await else { return };
    let (me, administrator) = app.add_user("admin@maple.example", "Administrator").await;
    for (token, id) in [(&administrator, me.clone()), (&app.admin, app.owner.to_string())] {
        let reset = app
            .post(
                &format!("/api/v1/users/{id}/password-reset"),
                token,
                json!({ "mode": "set_temporary", "password": TAKEN_OVER }),
            )
            .await;
        reset.assert_problem(403, "use-self-service");
    }
    assert_eq!(app.sign_in("admin@maple.example", PASSWORD).await.status, StatusCode::CREATED);
    assert_eq!(app.sign_in("owner@maple.example", PASSWORD).await.status, StatusCode::CREATED);
    // The self-service path, with the current password, still works.
    let changed = app
        .put(
            "/api/v1/me/password",
            &administrator,
            json!({ "current_password": PASSWORD, "new_password": TAKEN_OVER }),
        )
        .await;
    assert_eq!(changed.status, StatusCode::NO_CONTENT, "{:#}", changed.body);
}

#[tokio::test]
async fn finding_4_an_invitation_to_a_mistyped_address_dies_when_the_address_is_corrected() {
    let Some(app) = spawn_app_with(without_rate_limits()).await else { return };
    let body = json!({
        "email": "ben@mapel.example", "name": "Ben Okafor", "role": app.role("Paralegal").await,
        "language": "en", "time_zone": "UTC", "credential": { "mode": "invite" },
    });
    let created = app.post("/api/v1/users", &app.admin, body).await;
    assert_eq!(created.status, StatusCode::CREATED, "{:#}", created.body);
    let ben = created.body["user"]["id"].as_str().unwrap().to_owned();
    let typo = app.last_secret("ben@mapel.example", "invitation").await;
    let fixed = app
        .put(&format!("/api/v1/users/{ben}/email"), &app.admin, json!({ "email": "ben@maple.example" }))
        .await;
    assert_eq!(fixed.status, StatusCode::OK, "{:#}", fixed.body);
    let accept = |token: String| {
        app.call(
            reqwest::Method::POST,
            "/api/v1/invitations/accept",
            None,
            Some(json!({ "token": token, "new_password": PASSWORD })),
        )
    };
    accept(typo).await.assert_problem(400, "invalid-link");
    let fresh = app.last_secret("ben@maple.example", "invitation").await;
    assert_eq!(
        accept(fresh).await.status,
        StatusCode::NO_CONTENT,
        "a new invitation went to the corrected address"
    );
}

#[tokio::test]
async fn finding_4_a_recovery_link_dies_with_an_email_change_and_with_a_password_change() {
    let Some(app) = spawn_app_with(without_rate_limits()).await else { return };
    let (ana, ana_token) = app.add_user("ana@maple.example", "Paralegal").await;
    let recover = |token: String| {
        app.call(
            reqwest::Method::POST,
            "/api/v1/password/recover",
            None,
            Some(json!({ "token": token, "new_password": TAKEN_OVER })),
        )
    };

    // Mailed to the old address, then the address changes.
    forgot(&app, "ana@maple.example").await;
    let old_link = app.last_secret("ana@maple.example", "recovery").await;
    let moved = app
        .put(&format!("/api/v1/users/{ana}/email"), &app.admin, json!({ "email": "ana.s@maple.example" }))
        .await;
    assert_eq!(moved.status, StatusCode::OK, "{:#}", moved.body);
    recover(old_link).await.assert_problem(400, "invalid-link");

    // Issued, then the user changes their own password.
    forgot(&app, "ana.s@maple.example").await;
    let link = app.last_secret("ana.s@maple.example", "recovery").await;
    let changed = app
        .put(
            "/api/v1/me/password",
            &ana_token,
            json!({ "current_password": PASSWORD, "new_password": "a brand new long passphrase" }),
        )
        .await;
    assert_eq!(changed.status, StatusCode::NO_CONTENT, "{:#}", changed.body);
    recover(link).await.assert_problem(400, "invalid-link");
    assert_eq!(app.sign_in("ana.s@maple.example", TAKEN_OVER).await.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn finding_7_wrong_current_passwords_are_throttled_counted_and_audited() {
    let Some(app) = spawn_app_with(without_rate_limits()).await else { return };
    let (ana, ana_token) = app.add_user("ana@maple.example", "Paralegal").await;
    let mut statuses = Vec::new();
    for _ in 0..30 {
        let wrong = app
            .put(
                "/api/v1/me/password",
                &ana_token,
                json!({ "current_password": "a guess at the password", "new_password": TAKEN_OVER }),
            )
            .await;
        statuses.push(wrong.status.as_u16());
    }
    assert_eq!(statuses[0], 422);
    assert!(statuses.contains(&429), "{statuses:?}");
    let right = app
        .put(
            "/api/v1/me/password",
            &ana_token,
            json!({ "current_password": PASSWORD, "new_password": TAKEN_OVER }),
        )
        .await;
    right.assert_problem(429, "too-many-attempts");
    assert!(right.headers.get("retry-after").is_some());
    assert_eq!(
        app.sign_in("ana@maple.example", PASSWORD).await.status,
        StatusCode::UNAUTHORIZED,
        "the same throttle"
    );

    let audit = app.get("/api/v1/audit?action=session.sign_in_failed&limit=100", &app.admin).await;
    assert_eq!(audit.status, StatusCode::OK, "{:#}", audit.body);
    let counted = audit.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["after"]["reason"] == "wrong_current_password" && e["target"]["id"] == ana.as_str())
        .count();
    assert_eq!(counted, 3, "{:#}", audit.body);

    app.adapters.clock.advance(chrono::Duration::seconds(2));
    let right = app
        .put(
            "/api/v1/me/password",
            &ana_token,
            json!({ "current_password": PASSWORD, "new_password": TAKEN_OVER }),
        )
        .await;
    assert_eq!(right.status, StatusCode::NO_CONTENT, "{:#}", right.body);
}

#[tokio::test]
async fn finding_7_forgot_password_sends_at_most_three_recovery_emails_an_hour() {
    let Some(app) = spawn_app_with(without_rate_limits()).await else { return };
    app.add_user("ana@maple.example", "Paralegal").await;
    for _ in 0..12 {
        forgot(&app, "ana@maple.example").await;
    }
    assert_eq!(recoveries_to(&app, "ana@maple.example").await, 3);
}

#[tokio::test]
async fn only_a_super_admin_changes_the_super_admin_cap() {
    let Some(app) = spawn_app_with(without_rate_limits()).await else { return };
    let (_, administrator) = app.add_user("admin@maple.example", "Administrator").await;
    let raised = json!({ "super_admin_cap": 5, "password_min_length": 15 });
    app.put("/api/v1/settings", &administrator, raised.clone()).await.assert_problem(403, "super-admin-only");
    let settings = app.get("/api/v1/settings", &app.admin).await;
    assert_eq!(settings.body["super_admin_cap"], 2);
    let done = app.put("/api/v1/settings", &app.admin, raised).await;
    assert_eq!(done.status, StatusCode::OK, "{:#}", done.body);
}

#[tokio::test]
async fn every_administrators_path_refuses_a_stronger_target_with_a_403_that_says_why() {
    let Some(app) = spawn_app_with(without_rate_limits()).await else { return };
    let (_, administrator) = app.add_user("admin@maple.example", "Administrator").await;
    let owner = app.owner;
    let paralegal = app.role("Paralegal").await;
    let attempts = [
        (reqwest::Method::PATCH, format!("/api/v1/users/{owner}"), Some(json!({ "title": "Hijacked" }))),
        (
            reqwest::Method::PUT,
            format!("/api/v1/users/{owner}/access"),
            Some(json!({ "role": paralegal, "profiles": [] })),
        ),
        (reqwest::Method::POST, format!("/api/v1/users/{owner}/deactivate"), Some(json!({}))),
        (reqwest::Method::DELETE, format!("/api/v1/users/{owner}/sessions"), None),
    ];
    for (method, path, body) in attempts {
        let answer = app.call(method.clone(), &path, Some(&administrator), body).await;
        answer.assert_problem(403, "target-outranks-caller");
    }
    let owner_now = app.get(&format!("/api/v1/users/{owner}"), &app.admin).await;
    assert_eq!(owner_now.body["status"], "active");
    assert!(owner_now.body["title"].is_null());
    assert_eq!(app.get("/api/v1/me", &app.admin).await.status, StatusCode::OK, "the owner's session lives");
}
