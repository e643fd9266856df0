//! Parties' second factors over HTTP: a party enrols an authenticator in
//! the portal, signs in with the password then a TOTP code, then a
//! recovery code; every failure of the step answers alike and wrong codes
//! lock the portal account; an administrator with `parties.manage` resets
//! the factors, which ends the party's sessions.

use super::*;
use crate::routes::portal_member;
use identity_domain::factor::totp_step;
use identity_domain::ports::Clock;
use reqwest::{Method, StatusCode};
use serde_json::json;

const EMAIL: &str = "jordan@party.example";

fn code(app: &App, secret: &str) -> String {
    let secret = identity_domain::TotpSecret::from_base32(secret).expect("a 160-bit Base32 secret");
    format!("{:06}", secret.code_at_step(totp_step(app.adapters.clock.now())))
}

/// A party who joined the portal and enrolled an authenticator: their id,
/// their full portal token, the secret and the recovery codes.
async fn enrolled_party(app: &App) -> (String, String, String, Vec<String>) {
    let site = app.post("/api/v1/sites", &app.admin, json!({ "name": "Northside High" })).await;
    let site = site.body["id"].as_str().unwrap().to_owned();
    let (party, token) = portal_member(app, &site, EMAIL).await;
    let begun = app.post("/api/v1/portal/me/factors/totp", &token, json!({ "name": "Phone" })).await;
    assert_eq!(begun.status, StatusCode::CREATED, "{:#}", begun.body);
    assert!(begun.body["uri"].as_str().unwrap().contains("jordan@party.example"));
    let secret = begun.body["secret"].as_str().unwrap().to_owned();
    let factor = begun.body["factor"].as_str().unwrap();
    let path = format!("/api/v1/portal/me/factors/{factor}/confirmation");
    app.post(&path, &token, json!({ "code": "000000" })).await.assert_problem(422, "invalid-field");
    let confirmed = app.post(&path, &token, json!({ "code": code(app, &secret) })).await;
    assert_eq!(confirmed.status, StatusCode::OK, "{:#}", confirmed.body);
    let codes = confirmed.body["recovery_codes"].as_array().unwrap();
    let codes = codes.iter().map(|c| c.as_str().unwrap().to_owned()).collect();
    app.adapters.clock.advance(chrono::Duration::seconds(30));
    (party, token, secret, codes)
}

async fn second_step(app: &App, waiting: &str, body: serde_json::Value) -> Answer {
    app.call(Method::POST, "/api/v1/portal/sessions/second-factor", Some(waiting), Some(body)).await
}

#[tokio::test]
async fn a_party_enrols_in_the_portal_and_signs_in_with_a_code_then_a_recovery_code() {
    let Some(app) = spawn_app_with(without_rate_limits()).await else { return };
    let (_, token, secret, codes) = enrolled_party(&app).await;
    assert_eq!(codes.len(), 10);
    let confirm = "/api/v1/portal/me/password-confirmation";
    let wrong = app.post(confirm, &token, json!({ "password": "not the password at all" })).await;
    wrong.assert_problem(422, "invalid-field");
    assert_eq!(wrong.body["field"], "password", "{:#}", wrong.body);
    let right = app.post(confirm, &token, json!({ "password": PASSWORD })).await;
    assert_eq!(right.status, StatusCode::NO_CONTENT, "{:#}", right.body);
    let mine = app.get("/api/v1/portal/me/factors", &token).await;
    assert_eq!(mine.status, StatusCode::OK, "{:#}", mine.body);
    assert_eq!((mine.body["factors"][0]["kind"].as_str(), mine.body["required"].as_bool()), (Some("totp"), Some(false)));
    assert!(mine.body["factors"][0].get("secret").is_none(), "never a secret");

    let signed = app.portal_sign_in("maple-law", EMAIL, PASSWORD).await;
    assert_eq!(signed.status, StatusCode::CREATED, "{:#}", signed.body);
    assert_eq!(signed.body["scope"], "second_factor");
    let waiting = signed.body["token"].as_str().unwrap().to_owned();
    app.get("/api/v1/portal/me", &waiting).await.assert_problem(401, "unauthenticated");
    app.get("/api/v1/me", &waiting).await.assert_problem(401, "unauthenticated");
    // The staff second step knows no portal session.
    let staff = app.call(Method::POST, "/api/v1/sessions/second-factor", Some(&waiting), Some(json!({ "totp": code(&app, &secret) }))).await;
    staff.assert_problem(401, "second-factor-failed");
    let passed = second_step(&app, &waiting, json!({ "totp": code(&app, &secret) })).await;
    assert_eq!(passed.status, StatusCode::CREATED, "{:#}", passed.body);
    assert_eq!(passed.body["scope"], "full");
    assert!(passed.headers.get("set-cookie").is_none(), "the portal API sets no cookie");
    let full = passed.body["token"].as_str().unwrap();
    assert_eq!(app.get("/api/v1/portal/me", full).await.body["email"], EMAIL);
    second_step(&app, &waiting, json!({ "totp": code(&app, &secret) })).await.assert_problem(401, "second-factor-failed");

    let signed = app.portal_sign_in("maple-law", EMAIL, PASSWORD).await;
    let waiting = signed.body["token"].as_str().unwrap();
    let passed = second_step(&app, waiting, json!({ "recovery_code": codes[0].to_uppercase() })).await;
    assert_eq!(passed.status, StatusCode::CREATED, "{:#}", passed.body);
    let signed = app.portal_sign_in("maple-law", EMAIL, PASSWORD).await;
    let waiting = signed.body["token"].as_str().unwrap();
    second_step(&app, waiting, json!({ "recovery_code": codes[0] })).await.assert_problem(401, "second-factor-failed");
    let full = passed.body["token"].as_str().unwrap();
    assert_eq!(app.get("/api/v1/portal/me/factors", full).await.body["recovery_codes_left"], 9);
    let email = app
        .adapters
        .outbox()
        .await
        .into_iter()
        .rev()
        .find(|e| e.to.as_str() == EMAIL && e.message.kind() == "party_second_factor_changed");
    assert!(email.is_some(), "the party is told of the new factor");
}

#[tokio::test]
async fn every_portal_second_step_failure_answers_alike_and_wrong_codes_lock_the_account() {
    let Some(app) = spawn_app_with(without_rate_limits()).await else { return };
    let (_, _, secret, _) = enrolled_party(&app).await;
    let signed = app.portal_sign_in("maple-law", EMAIL, PASSWORD).await;
    let waiting = signed.body["token"].as_str().unwrap().to_owned();
    let answers = [
        second_step(&app, &waiting, json!({ "totp": "000000" })).await,
        second_step(&app, "not-a-token", json!({ "totp": code(&app, &secret) })).await,
        second_step(&app, &waiting, json!({ "recovery_code": "aaaaa-bbbbb" })).await,
        second_step(&app, &app.admin, json!({ "totp": code(&app, &secret) })).await,
    ];
    for a in &answers {
        a.assert_problem(401, "second-factor-failed");
        assert_eq!(a.body, answers[0].body, "byte-identical bodies");
    }
    let unknown = second_step(&app, &waiting, json!({ "totp": "123456", "extra": 1 })).await;
    assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);

    // 100 wrong codes in all (two so far) lock the portal account.
    for _ in 0..98 {
        app.adapters.clock.advance(chrono::Duration::minutes(1));
        let signed = app.portal_sign_in("maple-law", EMAIL, PASSWORD).await;
        assert_eq!(signed.status, StatusCode::CREATED, "{:#}", signed.body);
        let waiting = signed.body["token"].as_str().unwrap();
        second_step(&app, waiting, json!({ "totp": "000000" })).await.assert_problem(401, "second-factor-failed");
    }
    app.adapters.clock.advance(chrono::Duration::minutes(1));
    app.portal_sign_in("maple-law", EMAIL, PASSWORD).await.assert_problem(401, "sign-in-failed");
}

#[tokio::test]
async fn an_administrator_resets_a_party_s_factors_and_signs_them_out() {
    let Some(app) = spawn_app_with(without_rate_limits()).await else { return };
    let (party, token, _, _) = enrolled_party(&app).await;
    let status = format!("/api/v1/parties/{party}/portal");
    assert_eq!(app.get(&status, &app.admin).await.body["second_factors"], 1, "the page shows they have one");
    let reset = format!("/api/v1/parties/{party}/portal/factors/reset");
    let (_, accountant) = app.add_user("sam@maple.example", "Accountant").await;
    let refused = app.call(Method::POST, &reset, Some(&accountant), None).await;
    refused.assert_problem(403, "forbidden");
    assert_eq!(refused.body["permission"], "parties.manage");
    let (_, paralegal) = app.add_user("pat@maple.example", "Paralegal").await;
    let done = app.call(Method::POST, &reset, Some(&paralegal), None).await;
    assert_eq!(done.status, StatusCode::OK, "{:#}", done.body);
    assert_eq!(done.body["removed"], 1);
    assert_eq!(app.get(&status, &app.admin).await.body["second_factors"], 0);
    app.get("/api/v1/portal/me", &token).await.assert_problem(401, "unauthenticated");
    let signed = app.portal_sign_in("maple-law", EMAIL, PASSWORD).await;
    assert_eq!(signed.body["scope"], "full", "the password alone again");
    let audit = app.get("/api/v1/audit?action=party.portal_factors_reset", &app.admin).await;
    assert_eq!(audit.body["items"].as_array().unwrap().len(), 1, "{:#}", audit.body);
    let missing = format!("/api/v1/parties/{}/portal/factors/reset", uuid::Uuid::now_v7());
    app.call(Method::POST, &missing, Some(&app.admin), None).await.assert_problem(404, "not-found");
}
