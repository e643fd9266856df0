//! Second factors over HTTP: enrolling an authenticator, signing in with a
//! TOTP code and with a recovery code, the lock that wrong codes reach,
//! the enrolment a role requires, and an administrator's reset within
//! "who may act on whom".

use super::*;
use identity_domain::factor::totp_step;
use identity_domain::ports::Clock;
use reqwest::{Method, StatusCode};
use serde_json::json;

/// The code an authenticator holding `secret` (Base32) shows now, by the
/// server's clock.
fn code(app: &App, secret: &str) -> String {
        let secret = identity_domain::TotpSecret::from_base32(secret).expect("a 160-bit Base32 secret");
    format!("{:06}", secret.code_at_step(totp_step(app.adapters.clock.now())))
}

/// Moves the server's clock a TOTP step on (past any throttle delay).
fn next_step(app: &App) {
    app.adapters.clock.advance(chrono::Duration::seconds(30));
}

/// Enrols an authenticator for the session `token`: its secret and the
/// recovery codes.
async fn enrol(app: &App, token: &str) -> (String, Vec<String>) {
    let begun = app.post("/api/v1/me/factors/totp", token, json!({ "name": "Phone" })).await;
    assert_eq!(begun.status, StatusCode::CREATED, "{:#}", begun.body);
    let secret = begun.body["secret"].as_str().unwrap().to_owned();
    assert!(begun.body["uri"].as_str().unwrap().starts_with("otpauth://totp/"));
    let factor = begun.body["factor"].as_str().unwrap();
    let path = format!("/api/v1/me/factors/{factor}/confirmation");
    let confirmed = app.post(&path, token, json!({ "code": code(app, &secret) })).await;
    assert_eq!(confirmed.status, StatusCode::OK, "{:#}", confirmed.body);
    let codes = confirmed.body["recovery_codes"].as_array().unwrap();
    let codes = codes.iter().map(|c| c.as_str().unwrap().to_owned()).collect();
    next_step(app);
    (secret, codes)
}

async fn second_step(app: &App, waiting: &str, body: serde_json::Value) -> Answer {
    app.call(Method::POST, "/api/v1/sessions/second-factor", Some(waiting), Some(body)).await
}

#[tokio::test]
async fn an_enrolled_user_signs_in_with_a_totp_code_then_with_a_recovery_code() {
    let Some(app) = spawn_app_with(without_rate_limits()).await else { return };
    let (_, token) = app.add_user("pat@maple.example", "Paralegal").await;
    let (secret, codes) = enrol(&app, &token).await;
    assert_eq!(codes.len(), 10);

    let signed = app.sign_in("pat@maple.example", PASSWORD).await;
    assert_eq!(signed.status, StatusCode::CREATED);
    assert_eq!(signed.body["scope"], "second_factor");
    let waiting = signed.body["token"].as_str().unwrap();
    app.get("/api/v1/me", waiting).await.assert_problem(401, "unauthenticated");
    let passed = second_step(&app, waiting, json!({ "totp": code(&app, &secret) })).await;
    assert_eq!(passed.status, StatusCode::CREATED, "{:#}", passed.body);
    assert_eq!(passed.body["scope"], "full");
    assert!(passed.headers.get("set-cookie").unwrap().to_str().unwrap().contains("__Host-session="));
    let full = passed.body["token"].as_str().unwrap();
    assert_eq!(app.get("/api/v1/me", full).await.body["email"], "pat@maple.example");
    // The waiting token ended with the step.
    next_step(&app);
    second_step(&app, waiting, json!({ "totp": code(&app, &secret) })).await.assert_problem(401, "second-factor-failed");

    let signed = app.sign_in("pat@maple.example", PASSWORD).await;
    let waiting = signed.body["token"].as_str().unwrap();
    let passed = second_step(&app, waiting, json!({ "recovery_code": codes[0].to_uppercase() })).await;
    assert_eq!(passed.status, StatusCode::CREATED, "{:#}", passed.body);
    // Used once.
    let signed = app.sign_in("pat@maple.example", PASSWORD).await;
    let waiting = signed.body["token"].as_str().unwrap();
    let again = second_step(&app, waiting, json!({ "recovery_code": codes[0] })).await;
    again.assert_problem(401, "second-factor-failed");
    let full = passed.body["token"].as_str().unwrap();
    let mine = app.get("/api/v1/me/factors", full).await;
    assert_eq!(mine.status, StatusCode::OK, "{:#}", mine.body);
    assert_eq!(mine.body["recovery_codes_left"], 9);
    assert_eq!(mine.body["factors"][0]["kind"], "totp");
    assert!(mine.body["factors"][0].get("secret").is_none(), "never a secret");
}

#[tokio::test]
async fn every_second_step_failure_answers_alike_and_wrong_codes_lock_the_account() {
    let Some(app) = spawn_app_with(without_rate_limits()).await else { return };
    let (_, token) = app.add_user("pat@maple.example", "Paralegal").await;
    let (secret, _) = enrol(&app, &token).await;
    let signed = app.sign_in("pat@maple.example", PASSWORD).await;
    let waiting = signed.body["token"].as_str().unwrap().to_owned();
    let answers = [
        second_step(&app, &waiting, json!({ "totp": "000000" })).await,
        second_step(&app, "not-a-token", json!({ "totp": code(&app, &secret) })).await,
        second_step(&app, &waiting, json!({ "recovery_code": "aaaaa-bbbbb" })).await,
    ];
    for a in &answers {
        a.assert_problem(401, "second-factor-failed");
        assert_eq!(a.body, answers[0].body, "byte-identical bodies");
    }
    // Malformed bodies are the document's 4xx, not a step.
    let unknown = second_step(&app, &waiting, json!({ "totp": "123456", "extra": 1 })).await;
    assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);

    // 100 wrong codes in all (two so far) lock password sign-in.
    for _ in 0..98 {
        app.adapters.clock.advance(chrono::Duration::minutes(1));
        let signed = app.sign_in("pat@maple.example", PASSWORD).await;
        assert_eq!(signed.status, StatusCode::CREATED, "{:#}", signed.body);
        let waiting = signed.body["token"].as_str().unwrap();
        second_step(&app, waiting, json!({ "totp": "000000" })).await.assert_problem(401, "second-factor-failed");
    }
    app.adapters.clock.advance(chrono::Duration::minutes(1));
    app.sign_in("pat@maple.example", PASSWORD).await.assert_problem(401, "sign-in-failed");
}

#[tokio::test]
async fn a_role_that_requires_a_factor_gives_a_session_that_can_only_enrol() {
    let Some(app) = spawn_app_with(without_rate_limits()).await else { return };
    let paralegal = app.role("Paralegal").await;
    let path = format!("/api/v1/roles/{paralegal}/second-factor");
    let set = app.put(&path, &app.admin, json!({ "required": true })).await;
    assert_eq!(set.status, StatusCode::OK, "{:#}", set.body);
    assert_eq!(set.body["second_factor_required"], true);

    let (_, token) = app.add_user("pat@maple.example", "Paralegal").await;
    app.get("/api/v1/me", &token).await.assert_problem(403, "second-factor-enrolment-required");
    app.get("/api/v1/users", &token).await.assert_problem(403, "second-factor-enrolment-required");
    enrol(&app, &token).await;
    assert_eq!(app.get("/api/v1/me", &token).await.status, StatusCode::OK, "the same token is a full session now");

    // An Administrator may not lift it from Super Admin.
    let (_, administrator) = app.add_user("ada@maple.example", "Administrator").await;
    let super_admin = app.role("Super Admin").await;
    let path = format!("/api/v1/roles/{super_admin}/second-factor");
    app.put(&path, &administrator, json!({ "required": false })).await.assert_problem(403, "target-outranks-caller");
}

#[tokio::test]
async fn managing_factors_needs_a_recent_password() {
    let Some(app) = spawn_app_with(without_rate_limits()).await else { return };
    let (_, token) = app.add_user("pat@maple.example", "Paralegal").await;
    enrol(&app, &token).await;
    app.adapters.clock.advance(chrono::Duration::minutes(11));
    app.get("/api/v1/me/factors", &token).await.assert_problem(403, "password-confirmation-required");
    let wrong = app.post("/api/v1/me/password-confirmation", &token, json!({ "password": "not it at all" })).await;
    wrong.assert_problem(422, "invalid-field");
    let right = app.post("/api/v1/me/password-confirmation", &token, json!({ "password": PASSWORD })).await;
    assert_eq!(right.status, StatusCode::NO_CONTENT);
    let mine = app.get("/api/v1/me/factors", &token).await;
    let id = mine.body["factors"][0]["id"].as_str().unwrap().to_owned();
    let renamed =
        app.call(Method::PATCH, &format!("/api/v1/me/factors/{id}"), Some(&token), Some(json!({ "name": "Work" }))).await;
    assert_eq!(renamed.body["name"], "Work");
    let codes = app.call(Method::POST, "/api/v1/me/recovery-codes", Some(&token), None).await;
    assert_eq!(codes.status, StatusCode::CREATED);
    assert_eq!(codes.body["recovery_codes"].as_array().unwrap().len(), 10);
    let removed = app.call(Method::DELETE, &format!("/api/v1/me/factors/{id}"), Some(&token), None).await;
    assert_eq!(removed.status, StatusCode::NO_CONTENT);
    let signed = app.sign_in("pat@maple.example", PASSWORD).await;
    assert_eq!(signed.body["scope"], "full", "no factor, no second step");
}

#[tokio::test]
async fn an_administrator_resets_a_user_s_factors_within_who_may_act_on_whom() {
    let Some(app) = spawn_app_with(without_rate_limits()).await else { return };
    let (pat, pat_token) = app.add_user("pat@maple.example", "Paralegal").await;
    enrol(&app, &pat_token).await;
    let (ada, administrator) = app.add_user("ada@maple.example", "Administrator").await;

    let seen = app.get(&format!("/api/v1/users/{pat}/factors"), &administrator).await;
    assert_eq!(seen.body["factors"].as_array().unwrap().len(), 1);
    let reset = app.call(Method::POST, &format!("/api/v1/users/{pat}/factors/reset"), Some(&administrator), None).await;
    assert_eq!(reset.status, StatusCode::OK, "{:#}", reset.body);
    assert_eq!(reset.body["removed"], 1);
    app.get("/api/v1/me", &pat_token).await.assert_problem(401, "unauthenticated");
    assert_eq!(app.sign_in("pat@maple.example", PASSWORD).await.body["scope"], "full");
    let emails = app.adapters.outbox().await;
    assert!(emails.iter().any(|e| e.to.as_str() == "pat@maple.example" && e.message.kind() == "second_factor_changed"));

    // Not a Super Admin's, by an Administrator; not one's own.
    let owner = app.owner;
    let path = format!("/api/v1/users/{owner}/factors/reset");
    app.call(Method::POST, &path, Some(&administrator), None).await.assert_problem(403, "target-outranks-caller");
    let path = format!("/api/v1/users/{ada}/factors/reset");
    app.call(Method::POST, &path, Some(&administrator), None).await.assert_problem(403, "use-self-service");
}

/// The users list and its CSV download filter on having a second factor:
/// an enrolment not finished does not count; a value that is not `true` or
/// `false` is refused, not ignored.
#[tokio::test]
async fn the_users_list_and_its_download_filter_on_having_a_second_factor() {
    let Some(app) = spawn_app_with(without_rate_limits()).await else { return };
    let (pat, pat_token) = app.add_user("pat@maple.example", "Paralegal").await;
    enrol(&app, &pat_token).await;
    let (sam, sam_token) = app.add_user("sam@maple.example", "Paralegal").await;
    let begun = app.post("/api/v1/me/factors/totp", &sam_token, json!({ "name": "Phone" })).await;
    assert_eq!(begun.status, StatusCode::CREATED, "{:#}", begun.body);

    let ids = |answer: &Answer| -> Vec<String> {
        let items = answer.body["items"].as_array().unwrap();
        items.iter().map(|u| u["id"].as_str().unwrap().to_owned()).collect()
    };
    let with = app.get("/api/v1/users?second_factor=true", &app.admin).await;
    assert_eq!(with.status, StatusCode::OK, "{:#}", with.body);
    assert_eq!(ids(&with), vec![pat.to_string()]);
    assert_eq!(with.body["total"], 1);
    let without = app.get("/api/v1/users?second_factor=false&columns=name", &app.admin).await;
    let without = ids(&without);
    assert!(without.contains(&sam.to_string()), "an enrolment not finished is no factor");
    assert!(without.contains(&app.owner.to_string()));
    assert!(!without.contains(&pat.to_string()));

    let csv = app
        .http
        .get(format!("{}/api/v1/users/export?second_factor=true&columns=name,email", app.base))
        .bearer_auth(&app.admin)
        .send()
        .await
        .unwrap();
    assert_eq!(csv.status(), StatusCode::OK);
    let text = csv.text().await.unwrap();
    assert!(text.contains("pat@maple.example") && !text.contains("sam@maple.example"), "{text}");

    let refused = app.get("/api/v1/users?second_factor=yes", &app.admin).await;
    refused.assert_problem(422, "invalid-field");
    assert!(refused.body.to_string().contains("second_factor"), "{:#}", refused.body);
}

/// Passkeys over HTTP where the server has no relying party (its public URL
/// is 127.0.0.1, as the suite's servers' are): enrolling one is refused as
/// unavailable, and the second step's passkey challenge answers
/// like every other second-step failure. (The ceremonies themselves are
/// walked in Chromium with a virtual authenticator: `console.rs`.)
#[tokio::test]
async fn a_server_without_a_relying_party_says_passkeys_are_unavailable() {
    let Some(app) = spawn_app_with(without_rate_limits()).await else { return };
    let (_, token) = app.add_user("pat@maple.example", "Paralegal").await;
    let refused = app.post("/api/v1/me/factors/passkeys", &token, json!({ "name": "Key" })).await;
    refused.assert_problem(409, "passkeys-unavailable");
    let answer = app.post("/api/v1/me/factors/passkeys/confirmation", &token, json!({ "credential": {} })).await;
    answer.assert_problem(404, "not-found");
    let (_secret, _) = enrol(&app, &token).await;
    let signed = app.sign_in("pat@maple.example", PASSWORD).await;
    let waiting = signed.body["token"].as_str().unwrap();
    let path = "/api/v1/sessions/second-factor/passkey-challenge";
    let challenge = app.call(Method::POST, path, Some(waiting), None).await;
    challenge.assert_problem(401, "second-factor-failed");
    let answer = second_step(&app, waiting, json!({ "passkey": { "id": "x" } })).await;
    answer.assert_problem(401, "second-factor-failed");
    // A full session is no waiting one.
    app.call(Method::POST, path, Some(&token), None).await.assert_problem(401, "second-factor-failed");
}

/// A server whose public URL is a domain name offers passkeys: the
/// enrolment's challenge names it as the relying party, asks for no
/// attestation and prefers user verification; an answer that is not a
/// WebAuthn credential is refused at `credential` and uses the challenge up.
#[tokio::test]
async fn a_server_on_a_domain_name_offers_passkeys_and_refuses_a_forged_answer() {
    let options = Options { public_url: Some("http://localhost"), ..without_rate_limits() };
    let Some(app) = spawn_app_with(options).await else { return };
    let (_, token) = app.add_user("pat@maple.example", "Paralegal").await;
    let begun = app.post("/api/v1/me/factors/passkeys", &token, json!({ "name": "Key" })).await;
    assert_eq!(begun.status, StatusCode::CREATED, "{:#}", begun.body);
    let options = &begun.body["public_key"];
    assert_eq!(options["rp"]["id"], "localhost");
    assert_eq!(options["attestation"], "none");
    assert_eq!(options["authenticatorSelection"]["userVerification"], "preferred");
    assert_eq!(options["user"]["name"], "pat@maple.example");
    let forged = json!({ "credential": { "id": "AAAA", "rawId": "AAAA", "type": "public-key",
        "response": { "clientDataJSON": "e30", "attestationObject": "oA" } } });
    let path = "/api/v1/me/factors/passkeys/confirmation";
    app.post(path, &token, forged.clone()).await.assert_problem(422, "invalid-field");
    app.post(path, &token, forged).await.assert_problem(404, "not-found");
    assert!(app.get("/api/v1/me/factors", &token).await.body["factors"].as_array().unwrap().is_empty());
}
