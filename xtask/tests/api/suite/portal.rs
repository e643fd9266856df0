//! The party portal over HTTP: an invited party joins, signs in, reads
//! their record and cases, changes their contact details and password,
//! recovers it, and signs out; administrators see and change their portal
//! access and the parties of cases. Sign-in failures are uniform, 100 of
//! them lock the account, a link works once, deactivation ends the party's
//! sessions, and another practice's ids answer as missing.

use super::*;
use crate::routes::portal_member;
use chrono::Duration;
use identity_domain::{Message, NewPractice, OutboxEmail};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

const NEW_PASSWORD: &str = "a brand new portal passphrase";

async fn site(app: &App, name: &str) -> String {
    let created = app.post("/api/v1/sites", &app.admin, json!({ "name": name })).await;
    assert_eq!(created.status, StatusCode::CREATED, "{:#}", created.body);
    created.body["id"].as_str().unwrap().to_owned()
}

/// A case owned by a new consultant.
async fn case(app: &App, title: &str, owner_email: &str) -> String {
    let (owner, _) = app.add_user(owner_email, "RCIC Consultant").await;
    let created = app.post("/api/v1/cases", &app.admin, json!({ "title": title, "owner": owner })).await;
    assert_eq!(created.status, StatusCode::CREATED, "{:#}", created.body);
    created.body["id"].as_str().unwrap().to_owned()
}

async fn call(app: &App, method: Method, path: &str, token: Option<&str>, body: Option<Value>) -> Answer {
    app.call(method, path, token, body).await
}

async fn portal_status(app: &App, party: &str) -> Value {
    let answer = app.get(&format!("/api/v1/parties/{party}/portal"), &app.admin).await;
    assert_eq!(answer.status, StatusCode::OK, "{:#}", answer.body);
    answer.body
}

/// The newest email of `kind` to `to`, as JSON (secrets included).
async fn last_email(app: &App, to: &str, kind: &str) -> OutboxEmail {
    app.adapters
        .outbox()
        .await
        .into_iter()
        .rev()
        .find(|e| e.to.as_str() == to && e.message.kind() == kind)
        .unwrap_or_else(|| panic!("no {kind} email to {to}"))
}

async fn count_emails(app: &App, to: &str, kind: &str) -> usize {
    app.adapters.outbox().await.iter().filter(|e| e.to.as_str() == to && e.message.kind() == kind).count()
}

async fn audited(app: &App, action: &str) -> usize {
    let answer = app.get(&format!("/api/v1/audit?action={action}"), &app.admin).await;
    assert_eq!(answer.status, StatusCode::OK, "{:#}", answer.body);
    answer.body["items"].as_array().unwrap().len()
}

#[tokio::test]
async fn an_invited_party_joins_signs_in_sees_their_cases_edits_their_details_and_signs_out() {
    let Some(app) = spawn_app_with(without_rate_limits()).await else { return };
    let site = site(&app, "Northside High").await;
    let body = json!({ "kind": "student", "name": "Zoé Tremblay", "email": "zoe@student.example",
        "language": "fr-CA", "date_of_birth": "2010-04-02", "invite": true });
    let saved = app.post(&format!("/api/v1/sites/{site}/parties"), &app.admin, body).await;
    assert_eq!(saved.status, StatusCode::CREATED, "{:#}", saved.body);
    let party = saved.body["id"].as_str().unwrap().to_owned();

    // Invited: the status shows when it was sent and when the link expires.
    let status = portal_status(&app, &party).await;
    assert_eq!(status["status"], "invited", "{status:#}");
    assert_eq!(status["email"], "zoe@student.example");
    let sent: chrono::DateTime<chrono::Utc> = serde_json::from_value(status["sent_at"].clone()).unwrap();
    let expires: chrono::DateTime<chrono::Utc> = serde_json::from_value(status["expires_at"].clone()).unwrap();
    assert_eq!(expires - sent, Duration::days(7));

    // The invitation is in French, names the practice and the portal's sign-in.
    let invitation = last_email(&app, "zoe@student.example", "party_invitation").await;
    assert_eq!(invitation.language.as_str(), "fr-CA");
    assert!(matches!(&invitation.message, Message::PartyInvitation { practice_slug, .. } if practice_slug == "maple-law"));

    // Joining: the page can say where its holder will sign in first; the
    // password policy applies, then the link works once.
    let link = app.last_secret("zoe@student.example", "party_invitation").await;
    let inspect = |token: &str| json!({ "token": token });
    let seen = call(&app, Method::POST, "/api/v1/portal/links/inspect", None, Some(inspect(&link))).await;
    assert_eq!(seen.status, StatusCode::OK, "{:#}", seen.body);
    assert_eq!(seen.body, json!({ "purpose": "party_invitation", "practice": "maple-law", "email": "zoe@student.example" }));
    for bad in ["not-a-link", "x".repeat(43).as_str()] {
        call(&app, Method::POST, "/api/v1/portal/links/inspect", None, Some(inspect(bad)))
            .await
            .assert_problem(400, "invalid-link");
    }
    let weak = json!({ "token": link, "new_password": "password" });
    let refused = call(&app, Method::POST, "/api/v1/portal/invitations/accept", None, Some(weak)).await;
    refused.assert_problem(422, "password-rejected");
    assert_eq!(refused.body["field"], "new_password");
    let accept = json!({ "token": link, "new_password": PASSWORD });
    let accepted = call(&app, Method::POST, "/api/v1/portal/invitations/accept", None, Some(accept.clone())).await;
    assert_eq!(accepted.status, StatusCode::NO_CONTENT, "{:#}", accepted.body);
    call(&app, Method::POST, "/api/v1/portal/invitations/accept", None, Some(accept))
        .await
        .assert_problem(400, "invalid-link");
    call(&app, Method::POST, "/api/v1/portal/links/inspect", None, Some(inspect(&link)))
        .await
        .assert_problem(400, "invalid-link");
    assert_eq!(portal_status(&app, &party).await["status"], "active");
    assert_eq!(audited(&app, "party.portal_joined").await, 1);

    // Signing in gives a portal token; the own record shows every detail.
    let signed = app.portal_sign_in("maple-law", "ZOE@student.example", PASSWORD).await;
    assert_eq!(signed.status, StatusCode::CREATED, "{:#}", signed.body);
    assert_eq!(signed.body["party"], party.as_str());
    assert!(signed.headers.get("set-cookie").is_none(), "the portal API sets no cookie");
    let token = signed.body["token"].as_str().unwrap().to_owned();
    let me = app.get("/api/v1/portal/me", &token).await;
    assert_eq!(me.status, StatusCode::OK, "{:#}", me.body);
    assert_eq!(me.body["name"], "Zoé Tremblay");
    assert_eq!(me.body["email"], "zoe@student.example");
    assert_eq!(me.body["date_of_birth"], "2010-04-02");
    assert_eq!(me.body["language"], "fr-CA");
    assert_eq!(me.body["practice"], "maple-law");
    assert_eq!(me.body["site"], site.as_str());
    let time_zone = me.body["time_zone"].as_str().unwrap().to_owned();

    // No cases yet; an administrator adds them to one, with their part.
    assert_eq!(app.get("/api/v1/portal/me/cases", &token).await.body, json!([]));
    let case = case(&app, "Bullying report 2026-14", "carol@maple.example").await;
    let parties = format!("/api/v1/cases/{case}/parties");
    let added = app.post(&parties, &app.admin, json!({ "party": party, "part": "complainant" })).await;
    assert_eq!(added.status, StatusCode::CREATED, "{:#}", added.body);
    assert_eq!(added.body["part"], "complainant");
    app.post(&parties, &app.admin, json!({ "party": party, "part": "witness" }))
        .await
        .assert_problem(409, "already-on-case");
    let bad_part = app.post(&parties, &app.admin, json!({ "party": party, "part": "judge" })).await;
    bad_part.assert_problem(422, "invalid-field");
    assert_eq!(bad_part.body["field"], "part");
    let listed = app.get(&parties, &app.admin).await;
    assert_eq!(listed.body.as_array().unwrap().len(), 1);
    assert_eq!(listed.body[0]["party"], party.as_str());
    let cases = app.get("/api/v1/portal/me/cases", &token).await;
    assert_eq!(
        cases.body,
        json!([{ "id": case, "title": "Bullying report 2026-14", "status": "open", "part": "complainant",
                 "site": site, "site_name": "Northside High" }])
    );

    // Contact details: absent fields stay, null clears, a bad value changes nothing.
    let change = json!({ "phone": "+1 514 555 0199", "time_zone": "America/Montreal" });
    let changed = call(&app, Method::PATCH, "/api/v1/portal/me", Some(&token), Some(change)).await;
    assert_eq!(changed.status, StatusCode::OK, "{:#}", changed.body);
    assert_eq!(changed.body["phone"], "+1 514 555 0199");
    assert_eq!(changed.body["time_zone"], "America/Montreal");
    assert_eq!(changed.body["language"], "fr-CA", "left as it was");
    assert_ne!(time_zone, "America/Montreal");
    for refused in [
        json!({ "language": null }),
        json!({ "time_zone": "Mars/Olympus" }),
        json!({ "phone": "x" }),
        json!({ "name": "Someone Else" }),
        json!({ "email": "other@student.example" }),
    ] {
        let answer = call(&app, Method::PATCH, "/api/v1/portal/me", Some(&token), Some(refused.clone())).await;
        answer.assert_problem(422, "invalid-field");
    }
    let unchanged = app.get("/api/v1/portal/me", &token).await;
    assert_eq!(unchanged.body, changed.body, "a refused change changes nothing");
    let cleared = call(&app, Method::PATCH, "/api/v1/portal/me", Some(&token), Some(json!({ "phone": null }))).await;
    assert_eq!(cleared.body["phone"], Value::Null);
    assert_eq!(audited(&app, "party.portal_details_changed").await, 2);
    // The administrator sees the change on the party record.
    let record = app.get(&format!("/api/v1/parties/{party}"), &app.admin).await;
    assert_eq!(record.body["phone"], Value::Null);
    assert_eq!(record.body["language"], "fr-CA");

    // Changing the password: the current one is required; other sessions end.
    let other = app.portal_sign_in("maple-law", "zoe@student.example", PASSWORD).await;
    let other = other.body["token"].as_str().unwrap().to_owned();
    let wrong = json!({ "current_password": "not my password at all", "new_password": NEW_PASSWORD });
    let answer = call(&app, Method::PUT, "/api/v1/portal/me/password", Some(&token), Some(wrong)).await;
    answer.assert_problem(422, "invalid-field");
    assert_eq!(answer.body["field"], "current_password");
    let weak = json!({ "current_password": PASSWORD, "new_password": "maple-law" });
    let answer = call(&app, Method::PUT, "/api/v1/portal/me/password", Some(&token), Some(weak)).await;
    answer.assert_problem(422, "password-rejected");
    assert_eq!(answer.body["field"], "new_password");
    app.adapters.clock.advance(Duration::seconds(2));
    let good = json!({ "current_password": PASSWORD, "new_password": NEW_PASSWORD });
    let answer = call(&app, Method::PUT, "/api/v1/portal/me/password", Some(&token), Some(good)).await;
    assert_eq!(answer.status, StatusCode::NO_CONTENT, "{:#}", answer.body);
    assert_eq!(app.get("/api/v1/portal/me", &token).await.status, StatusCode::OK, "this session stays");
    app.get("/api/v1/portal/me", &other).await.assert_problem(401, "unauthenticated");
    let notice = last_email(&app, "zoe@student.example", "party_password_changed").await;
    assert_eq!(notice.language.as_str(), "fr-CA");
    assert_eq!(notice.time_zone.name(), "America/Montreal", "the party's time zone");
    app.portal_sign_in("maple-law", "zoe@student.example", PASSWORD)
        .await
        .assert_problem(401, "sign-in-failed");
    assert_eq!(
        app.portal_sign_in("maple-law", "zoe@student.example", NEW_PASSWORD).await.status,
        StatusCode::CREATED
    );

    // Taken off the case, it is no longer theirs.
    let removed =
        call(&app, Method::DELETE, &format!("{parties}/{party}"), Some(&app.admin), None).await;
    assert_eq!(removed.status, StatusCode::NO_CONTENT, "{:#}", removed.body);
    call(&app, Method::DELETE, &format!("{parties}/{party}"), Some(&app.admin), None)
        .await
        .assert_problem(404, "not-found");
    assert_eq!(app.get("/api/v1/portal/me/cases", &token).await.body, json!([]));
    assert_eq!(audited(&app, "case.party_added").await + audited(&app, "case.party_removed").await, 2);

    // Signing out ends the session.
    let out = call(&app, Method::POST, "/api/v1/portal/sign-out", Some(&token), None).await;
    assert_eq!(out.status, StatusCode::NO_CONTENT);
    app.get("/api/v1/portal/me", &token).await.assert_problem(401, "unauthenticated");
}

#[tokio::test]
async fn every_portal_sign_in_failure_gets_the_same_answer() {
    let Some(app) = spawn_app_with(without_rate_limits()).await else { return };
    let site = site(&app, "Main office").await;
    let (party, _) = portal_member(&app, &site, "pia@party.example").await;
    // An invited party who has not joined yet.
    let body = json!({ "kind": "witness", "name": "Ivan Invited", "email": "ivan@party.example", "invite": true });
    assert_eq!(app.post(&format!("/api/v1/sites/{site}/parties"), &app.admin, body).await.status, 201);
    // An inactive one.
    let (gone, _) = portal_member(&app, &site, "gina@party.example").await;
    let deactivated = call(
        &app,
        Method::POST,
        &format!("/api/v1/parties/{gone}/portal/deactivate"),
        Some(&app.admin),
        None,
    )
    .await;
    assert_eq!(deactivated.body["status"], "inactive", "{:#}", deactivated.body);

    let answers = [
        app.portal_sign_in("nope", "pia@party.example", PASSWORD).await,
        app.portal_sign_in("maple-law", "nobody@party.example", PASSWORD).await,
        app.portal_sign_in("maple-law", "pia@party.example", "the wrong passphrase").await,
        app.portal_sign_in("maple-law", "ivan@party.example", PASSWORD).await,
        app.portal_sign_in("maple-law", "gina@party.example", PASSWORD).await,
        // A staff account's credentials are not a portal account.
        app.portal_sign_in("maple-law", "owner@maple.example", PASSWORD).await,
    ];
    for a in &answers {
        a.assert_problem(401, "sign-in-failed");
        assert_eq!(a.body, answers[0].body, "byte-identical bodies");
    }
    // And a party's credentials do not open a staff session.
    app.sign_in("pia@party.example", PASSWORD).await.assert_problem(401, "sign-in-failed");
    assert!(audited(&app, "portal.sign_in_failed").await >= 4);
    assert_eq!(portal_status(&app, &party).await["status"], "active");
}

#[tokio::test]
async fn a_hundred_wrong_passwords_lock_the_portal_account_until_a_recovery_link_is_used() {
    let Some(app) = spawn_app_with(without_rate_limits()).await else { return };
    let site = site(&app, "Main office").await;
    let (party, token) = portal_member(&app, &site, "lou@party.example").await;
    for attempt in 1..=100 {
        // Past every delay, so each attempt is checked and counted.
        app.adapters.clock.advance(Duration::seconds(11));
        let answer = app.portal_sign_in("maple-law", "lou@party.example", "the wrong passphrase").await;
        answer.assert_problem(401, "sign-in-failed");
        if attempt == 99 {
            assert_eq!(portal_status(&app, &party).await["locked"], false);
        }
    }
    app.adapters.clock.advance(Duration::seconds(11));
    app.portal_sign_in("maple-law", "lou@party.example", PASSWORD)
        .await
        .assert_problem(401, "sign-in-failed");
    assert_eq!(portal_status(&app, &party).await["locked"], true);
    // A locked account's current password is not checked either.
    let change = json!({ "current_password": PASSWORD, "new_password": NEW_PASSWORD });
    let answer = call(&app, Method::PUT, "/api/v1/portal/me/password", Some(&token), Some(change)).await;
    answer.assert_problem(429, "too-many-attempts");
    assert_eq!(answer.body["locked"], true);
    // "Forgot password" sends nothing to a locked account; an administrator's link does.
    let forgot = json!({ "practice": "maple-law", "email": "lou@party.example" });
    let answer = call(&app, Method::POST, "/api/v1/portal/password/forgot", None, Some(forgot)).await;
    assert_eq!(answer.status, StatusCode::ACCEPTED);
    assert_eq!(count_emails(&app, "lou@party.example", "party_recovery").await, 0);
    let sent = call(
        &app,
        Method::POST,
        &format!("/api/v1/parties/{party}/portal/recovery"),
        Some(&app.admin),
        None,
    )
    .await;
    assert_eq!(sent.status, StatusCode::NO_CONTENT, "{:#}", sent.body);
    let link = app.last_secret("lou@party.example", "party_recovery").await;
    let recover = json!({ "token": link, "new_password": NEW_PASSWORD });
    let answer = call(&app, Method::POST, "/api/v1/portal/password/recover", None, Some(recover)).await;
    assert_eq!(answer.status, StatusCode::NO_CONTENT, "{:#}", answer.body);
    assert_eq!(portal_status(&app, &party).await["locked"], false);
    app.get("/api/v1/portal/me", &token).await.assert_problem(401, "unauthenticated");
    assert_eq!(
        app.portal_sign_in("maple-law", "lou@party.example", NEW_PASSWORD).await.status,
        StatusCode::CREATED
    );
}

#[tokio::test]
async fn forgot_password_answers_alike_and_its_link_works_once() {
    let Some(app) = spawn_app_with(without_rate_limits()).await else { return };
    let site = site(&app, "Main office").await;
    let (_, token) = portal_member(&app, &site, "rita@party.example").await;
    for email in ["rita@party.example", "nobody@party.example", "owner@maple.example"] {
        let body = json!({ "practice": "maple-law", "email": email });
        let answer = call(&app, Method::POST, "/api/v1/portal/password/forgot", None, Some(body)).await;
        assert_eq!(answer.status, StatusCode::ACCEPTED, "{email}");
        assert_eq!(answer.body, Value::Null, "{email}: no body");
    }
    // Only the party got a portal recovery email; the staff owner got none.
    assert_eq!(count_emails(&app, "rita@party.example", "party_recovery").await, 1);
    assert_eq!(count_emails(&app, "owner@maple.example", "recovery").await, 0);
    assert_eq!(count_emails(&app, "owner@maple.example", "party_recovery").await, 0);
    let unknown = json!({ "practice": "maple-law", "email": "rita@party.example", "extra": 1 });
    call(&app, Method::POST, "/api/v1/portal/password/forgot", None, Some(unknown))
        .await
        .assert_problem(422, "invalid-field");

    // A portal link is not a staff link, and the reverse.
    let link = app.last_secret("rita@party.example", "party_recovery").await;
    let body = json!({ "token": link, "new_password": NEW_PASSWORD });
    call(&app, Method::POST, "/api/v1/password/recover", None, Some(body.clone()))
        .await
        .assert_problem(400, "invalid-link");
    call(&app, Method::POST, "/api/v1/portal/invitations/accept", None, Some(body.clone()))
        .await
        .assert_problem(400, "invalid-link");
    let answer = call(&app, Method::POST, "/api/v1/portal/password/recover", None, Some(body.clone())).await;
    assert_eq!(answer.status, StatusCode::NO_CONTENT, "{:#}", answer.body);
    call(&app, Method::POST, "/api/v1/portal/password/recover", None, Some(body))
        .await
        .assert_problem(400, "invalid-link");
    app.get("/api/v1/portal/me", &token).await.assert_problem(401, "unauthenticated");
    assert_eq!(count_emails(&app, "rita@party.example", "party_password_changed").await, 1);
    assert_eq!(audited(&app, "party.portal_password_recovered").await, 1);
    assert_eq!(
        app.portal_sign_in("maple-law", "rita@party.example", NEW_PASSWORD).await.status,
        StatusCode::CREATED
    );
}

#[tokio::test]
async fn administrators_revoke_resend_end_sessions_deactivate_and_reactivate_portal_access() {
    let Some(app) = spawn_app_with(without_rate_limits()).await else { return };
    let site = site(&app, "Main office").await;
    let admin = app.admin.clone();
    let action = |method: Method, party: &str, path: &str| {
        let url = format!("/api/v1/parties/{party}{path}");
        let admin = admin.clone();
        let app = &app;
        async move { app.call(method, &url, Some(&admin), None).await }
    };

    // Saved without an email: not invited, and nothing to do but invite.
    let body = json!({ "kind": "witness", "name": "Nora Noemail", "invite": false });
    let saved = app.post(&format!("/api/v1/sites/{site}/parties"), &admin, body).await;
    let quiet = saved.body["id"].as_str().unwrap().to_owned();
    let status = portal_status(&app, &quiet).await;
    assert_eq!(status, json!({ "status": "not_invited", "email": null, "sent_at": null,
        "expires_at": null, "last_sign_in_at": null, "locked": false, "second_factors": null }));
    action(Method::DELETE, &quiet, "/invite").await.assert_problem(409, "no-portal-account");
    action(Method::POST, &quiet, "/portal/deactivate").await.assert_problem(409, "no-portal-account");
    action(Method::POST, &quiet, "/portal/recovery").await.assert_problem(409, "no-portal-account");

    // Revoking an invitation kills its link; resending kills the previous one.
    let body = json!({ "kind": "client", "name": "Ravi Revoked", "email": "ravi@party.example", "invite": true });
    let saved = app.post(&format!("/api/v1/sites/{site}/parties"), &admin, body).await;
    let ravi = saved.body["id"].as_str().unwrap().to_owned();
    let first = app.last_secret("ravi@party.example", "party_invitation").await;
    action(Method::POST, &ravi, "/portal/deactivate").await.assert_problem(409, "illegal-transition");
    action(Method::POST, &ravi, "/portal/recovery").await.assert_problem(409, "illegal-transition");
    let revoked = action(Method::DELETE, &ravi, "/invite").await;
    assert_eq!(revoked.status, StatusCode::OK, "{:#}", revoked.body);
    assert_eq!(revoked.body["status"], "not_invited");
    assert_eq!(app.get(&format!("/api/v1/parties/{ravi}"), &admin).await.body["portal"], "not_invited");
    let accept = |token: &str| json!({ "token": token, "new_password": PASSWORD });
    call(&app, Method::POST, "/api/v1/portal/invitations/accept", None, Some(accept(&first)))
        .await
        .assert_problem(400, "invalid-link");
    app.adapters.clock.advance(Duration::minutes(1));
    assert_eq!(action(Method::POST, &ravi, "/invite").await.status, StatusCode::OK);
    let second = app.last_secret("ravi@party.example", "party_invitation").await;
    assert_eq!(action(Method::POST, &ravi, "/invite").await.status, StatusCode::OK);
    let third = app.last_secret("ravi@party.example", "party_invitation").await;
    call(&app, Method::POST, "/api/v1/portal/invitations/accept", None, Some(accept(&second)))
        .await
        .assert_problem(400, "invalid-link");
    let status = portal_status(&app, &ravi).await;
    assert_eq!(status["status"], "invited");
    assert!(status["expires_at"].is_string());
    assert_eq!(audited(&app, "party.portal_invitation_revoked").await, 1);

    // Ending sessions, deactivating (which ends them too) and reactivating.
    let (mia, token) = portal_member(&app, &site, "mia@party.example").await;
    let (_, second_token) = {
        let signed = app.portal_sign_in("maple-law", "mia@party.example", PASSWORD).await;
        ((), signed.body["token"].as_str().unwrap().to_owned())
    };
    let active = portal_status(&app, &mia).await;
    assert_eq!(active["status"], "active");
    assert!(active["last_sign_in_at"].is_string());
    let ended = action(Method::DELETE, &mia, "/portal/sessions").await;
    assert_eq!(ended.body, json!({ "ended": 2 }));
    for t in [&token, &second_token] {
        app.get("/api/v1/portal/me", t).await.assert_problem(401, "unauthenticated");
    }
    let token = app.portal_sign_in("maple-law", "mia@party.example", PASSWORD).await.body["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let deactivated = action(Method::POST, &mia, "/portal/deactivate").await;
    assert_eq!(deactivated.body["status"], "inactive", "{:#}", deactivated.body);
    app.get("/api/v1/portal/me", &token).await.assert_problem(401, "unauthenticated");
    app.portal_sign_in("maple-law", "mia@party.example", PASSWORD)
        .await
        .assert_problem(401, "sign-in-failed");
    action(Method::POST, &mia, "/portal/deactivate").await.assert_problem(409, "illegal-transition");
    action(Method::POST, &mia, "/portal/recovery").await.assert_problem(409, "illegal-transition");
    action(Method::POST, &mia, "/invite").await.assert_problem(409, "illegal-transition");
    let reactivated = action(Method::POST, &mia, "/portal/reactivate").await;
    assert_eq!(reactivated.body["status"], "active", "{:#}", reactivated.body);
    // Ended sessions stay ended.
    app.get("/api/v1/portal/me", &token).await.assert_problem(401, "unauthenticated");
    assert_eq!(
        app.portal_sign_in("maple-law", "mia@party.example", PASSWORD).await.status,
        StatusCode::CREATED,
        "with the password they had"
    );
    action(Method::POST, &mia, "/portal/reactivate").await.assert_problem(409, "illegal-transition");
    for name in ["party.portal_sessions_ended", "party.portal_deactivated", "party.portal_reactivated"] {
        assert_eq!(audited(&app, name).await, 1, "{name}");
    }

    // An invitation left to expire shows no expiry (send it again), and
    // its link no longer works.
    app.adapters.clock.advance(Duration::days(8));
    let admin = app.sign_in("owner@maple.example", PASSWORD).await.body["token"].as_str().unwrap().to_owned();
    let status = app.get(&format!("/api/v1/parties/{ravi}/portal"), &admin).await;
    assert_eq!(status.body["status"], "invited", "{:#}", status.body);
    assert_eq!(status.body["expires_at"], Value::Null);
    assert!(status.body["sent_at"].is_string());
    call(&app, Method::POST, "/api/v1/portal/invitations/accept", None, Some(accept(&third)))
        .await
        .assert_problem(400, "invalid-link");
}

#[tokio::test]
async fn portal_and_staff_tokens_do_not_cross_and_another_practice_s_ids_answer_as_missing() {
    let Some(app) = spawn_app_with(without_rate_limits()).await else { return };
    let site = site(&app, "Main office").await;
    let (party, portal) = portal_member(&app, &site, "tess@party.example").await;
    let case = case(&app, "IMM-3001", "carol@maple.example").await;

    // Each kind of token is unknown to the other side: 401 as if none were sent.
    let no_session = app.call(Method::GET, "/api/v1/me", None, None).await;
    for path in ["/api/v1/me", "/api/v1/users", "/api/v1/sites", &format!("/api/v1/parties/{party}")] {
        let answer = app.get(path, &portal).await;
        answer.assert_problem(401, "unauthenticated");
        assert_eq!(answer.body, no_session.body, "{path}");
    }
    for path in ["/api/v1/portal/me", "/api/v1/portal/me/cases"] {
        app.get(path, &app.admin).await.assert_problem(401, "unauthenticated");
    }
    call(&app, Method::POST, "/api/v1/portal/sign-out", Some(&app.admin), None)
        .await
        .assert_problem(401, "unauthenticated");
    assert_eq!(app.get("/api/v1/me", &app.admin).await.status, StatusCode::OK, "the staff session lives on");
    // The staff session cookie does not open a portal route either.
    let cookie = format!("__Host-session={}", app.admin);
    let answer = app
        .http
        .get(format!("{}/api/v1/portal/me", app.base))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), StatusCode::UNAUTHORIZED);

    // Another practice's administrator sees none of it.
    let birch = app.service.create_practice(NewPractice::example_at("birch")).await.unwrap();
    let one_time = birch.admin_password.expose().to_owned();
    let signed = app.sign_in_at("birch", "owner@birch.example", &one_time).await;
    let birch_token = signed.body["token"].as_str().unwrap().to_owned();
    let change = json!({ "current_password": one_time, "new_password": PASSWORD });
    assert_eq!(app.put("/api/v1/me/password", &birch_token, change).await.status, StatusCode::NO_CONTENT);
    let missing = uuid::Uuid::now_v7().to_string();
    let pairs: [(Method, String, String); 6] = [
        (Method::GET, format!("/parties/{party}/portal"), format!("/parties/{missing}/portal")),
        (Method::POST, format!("/parties/{party}/portal/deactivate"), format!("/parties/{missing}/portal/deactivate")),
        (Method::DELETE, format!("/parties/{party}/portal/sessions"), format!("/parties/{missing}/portal/sessions")),
        (Method::POST, format!("/parties/{party}/portal/recovery"), format!("/parties/{missing}/portal/recovery")),
        (Method::DELETE, format!("/parties/{party}/invite"), format!("/parties/{missing}/invite")),
        (Method::GET, format!("/cases/{case}/parties"), format!("/cases/{missing}/parties")),
    ];
    for (method, theirs, absent) in pairs {
        let foreign = call(&app, method.clone(), &format!("/api/v1{theirs}"), Some(&birch_token), None).await;
        let nothing = call(&app, method, &format!("/api/v1{absent}"), Some(&birch_token), None).await;
        foreign.assert_problem(404, "not-found");
        assert_eq!(foreign.body, nothing.body, "{theirs}");
    }
    // Adding maple-law's party to a birch case, or a birch-unknown party to maple-law's case.
    let birch_owner = birch.admin.id.to_string();
    let birch_case = app
        .post("/api/v1/cases", &birch_token, json!({ "title": "B-1", "owner": birch_owner }))
        .await;
    assert_eq!(birch_case.status, StatusCode::CREATED, "{:#}", birch_case.body);
    let birch_case = birch_case.body["id"].as_str().unwrap();
    let foreign = app
        .post(&format!("/api/v1/cases/{birch_case}/parties"), &birch_token, json!({ "party": party, "part": "other" }))
        .await;
    let nothing = app
        .post(&format!("/api/v1/cases/{birch_case}/parties"), &birch_token, json!({ "party": missing, "part": "other" }))
        .await;
    foreign.assert_problem(422, "invalid-field");
    assert_eq!(foreign.body, nothing.body);
    // The member's portal account was not touched.
    assert_eq!(app.get("/api/v1/portal/me", &portal).await.status, StatusCode::OK);
    // The birch party portal knows no maple-law party.
    app.portal_sign_in("birch", "tess@party.example", PASSWORD).await.assert_problem(401, "sign-in-failed");
}

#[tokio::test]
async fn portal_forgot_password_answers_before_it_looks_anything_up() {
    let Some(app) = spawn_app().await else { return };
    let site = site(&app, "Main office").await;
    portal_member(&app, &site, "hana@party.example").await;
    // The store is held, as by a long write: the lookup cannot start (on
    // the in-memory store, where a write holds every other).
    let Some(held) = app.adapters.hold_store().await else { return };
    let answered = app
        .http
        .post(format!("{}/api/v1/portal/password/forgot", app.base))
        .json(&json!({ "practice": "maple-law", "email": "hana@party.example" }))
        .timeout(std::time::Duration::from_secs(20))
        .send()
        .await
        .expect("answered while the store is held");
    assert_eq!(answered.status(), StatusCode::ACCEPTED);
    drop(held);
    app.forgot.settled().await;
    assert_eq!(count_emails(&app, "hana@party.example", "party_recovery").await, 1);
}
