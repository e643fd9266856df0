//! The two help pages the product grew from (`seeds/`), each walked end to
//! end over HTTP, with the refusals the product rules add: reused emails,
//! open cases, inactive assignees, the Super Admin cap and the last Super
//! Admin, expired and used links, ended sessions, must-change sessions, and
//! another practice's records.

use super::*;
use chrono::Duration;
use identity_domain::*;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

fn id(answer: &Answer) -> String {
    assert!(answer.status.is_success(), "{:#}", answer.body);
    answer.body["id"].as_str().or(answer.body["user"]["id"].as_str()).unwrap().to_owned()
}

fn token(answer: &Answer) -> String {
    assert_eq!(answer.status, StatusCode::CREATED, "{:#}", answer.body);
    answer.body["token"].as_str().unwrap().to_owned()
}

fn ids_of(answer: &Answer) -> Vec<String> {
    let items = answer.body.get("items").unwrap_or(&answer.body);
    items.as_array().unwrap().iter().map(|v| v["id"].as_str().unwrap().to_owned()).collect()
}

async fn role_id(app: &App, name: &str) -> String {
    app.role(name).await.to_string()
}

/// Lets the sign-in delays of earlier failures pass.
fn wait_a_little(app: &App) {
    app.adapters.clock.advance(Duration::seconds(15));
}

async fn delete(app: &App, path: &str, token: &str) -> Answer {
    app.call(Method::DELETE, path, Some(token), None).await
}

async fn patch(app: &App, path: &str, token: &str, etag: Option<&str>, body: Value) -> Answer {
    let mut request = app.http.patch(format!("{}{path}", app.base)).bearer_auth(token).json(&body);
    if let Some(etag) = etag {
        request = request.header("if-match", etag);
    }
    answer(request.send().await.unwrap()).await
}

fn etag(answer: &Answer) -> String {
    answer.headers.get("etag").unwrap().to_str().unwrap().to_owned()
}

fn new_user(email: &str, name: &str, role: &str, credential: Value) -> Value {
    json!({ "email": email, "name": name, "role": role, "language": "en", "time_zone": "UTC", "credential": credential })
}

/// ImmCase "Users": create, role and profiles, reassign then deactivate,
/// don't reuse emails, the three password resets, sign out all sessions,
/// Super Admins.
#[tokio::test]
#[allow(clippy::too_many_lines)]
async fn immigration_users_page_over_http() {
    let Some(app) = spawn_app_with(without_rate_limits()).await else { return };
    let admin = app.admin.clone();
    let rcic = role_id(&app, "RCIC Consultant").await;
    let profiles = app.get("/api/v1/profiles", &admin).await;
    let collections = profiles.body.as_array().unwrap().iter().find(|p| p["name"] == "Collections").unwrap()
        ["id"]
        .as_str()
        .unwrap()
        .to_owned();

    // --- Create a new user with a generated password; a welcome email goes out.
    let mut body =
        new_user("Nadia.Haddad@maple-law.example", "Nadia Haddad", &rcic, json!({ "mode": "generate" }));
    body["language"] = json!("fr-CA");
    body["time_zone"] = json!("America/Montreal");
    let created = app.post("/api/v1/users", &admin, body).await;
    assert_eq!(created.status, StatusCode::CREATED, "{:#}", created.body);
    let nadia = id(&created);
    let generated = created.body["generated_password"].as_str().unwrap().to_owned();
    assert_eq!(created.body["user"]["status"], "active");
    assert_eq!(created.body["user"]["language"], "fr-CA");
    let welcome = app.adapters.outbox().await.last().unwrap().clone();
    assert_eq!(welcome.to.as_str(), "Nadia.Haddad@maple-law.example");
    assert_eq!(welcome.message.kind(), "welcome");
    assert_eq!(welcome.language.as_str(), "fr-CA");

    // --- She must change it at first sign-in; the session can do nothing else.
    let first = app.sign_in("nadia.haddad@MAPLE-LAW.example", &generated).await;
    assert_eq!(first.body["password_change_only"], true);
    let nadia_token = token(&first);
    for path in [format!("/api/v1/users/{nadia}/cases"), "/api/v1/me".to_owned(), "/api/v1/roles".to_owned()]
    {
        app.get(&path, &nadia_token).await.assert_problem(403, "password-change-required");
    }
    app.post("/api/v1/cases", &nadia_token, json!({ "title": "Mine", "owner": nadia }))
        .await
        .assert_problem(403, "password-change-required");
    let keep = json!({ "current_password": generated, "new_password": generated });
    let kept = app.put("/api/v1/me/password", &nadia_token, keep).await;
    kept.assert_problem(422, "password-rejected");
    assert_eq!(kept.body["reason"], "same_as_current");
    let change = json!({ "current_password": generated, "new_password": PASSWORD });
    assert_eq!(app.put("/api/v1/me/password", &nadia_token, change).await.status, StatusCode::NO_CONTENT);
    assert_eq!(app.get("/api/v1/me", &nadia_token).await.body["id"], nadia.as_str());

    // --- Role and profiles: Collections on top of the role, with If-Match.
    let read = app.get(&format!("/api/v1/users/{nadia}"), &admin).await;
    let access = json!({ "role": rcic, "profiles": [collections] });
    let set = app
        .http
        .put(format!("{}/api/v1/users/{nadia}/access", app.base))
        .bearer_auth(&admin)
        .header("if-match", etag(&read))
        .json(&access)
        .send()
        .await
        .unwrap();
    let set = answer(set).await;
    assert_eq!(set.status, StatusCode::OK, "{:#}", set.body);
    assert_eq!(set.body["profiles"], json!([collections]));
    assert_eq!(app.get("/api/v1/me", &nadia_token).await.body["profiles"], json!([collections]));

    // --- Reassign her open cases before deactivating her.
    let (omar, _) = app.add_user("omar@maple-law.example", "RCIC Consultant").await;
    let mut cases = Vec::new();
    for title in ["IMM-1001 Study permit", "IMM-1002 Work permit", "IMM-1003 PR application"] {
        cases.push(id(&app.post("/api/v1/cases", &admin, json!({ "title": title, "owner": nadia })).await));
    }
    let closed = app.post(&format!("/api/v1/cases/{}/close", cases[2]), &nadia_token, json!({})).await;
    assert_eq!(closed.body["status"], "closed", "{:#}", closed.body);
    let refused = app.post(&format!("/api/v1/users/{nadia}/deactivate"), &admin, json!({})).await;
    refused.assert_problem(409, "owns-open-cases");
    assert_eq!(refused.body["count"], 2);
    let open = app.get(&format!("/api/v1/users/{nadia}/cases?status=open"), &admin).await;
    assert_eq!(ids_of(&open).len(), 2);
    let moved = app
        .post(
            &format!("/api/v1/users/{nadia}/cases/reassign"),
            &admin,
            json!({ "to": omar, "cases": [cases[0], cases[1]] }),
        )
        .await;
    assert_eq!(moved.body["cases"].as_array().unwrap().len(), 2, "{:#}", moved.body);
    assert_eq!(ids_of(&app.get(&format!("/api/v1/users/{omar}/cases?status=open"), &admin).await).len(), 2);

    // --- Deactivate (don't delete): sessions end, sign-in fails, records stay.
    let gone = app.post(&format!("/api/v1/users/{nadia}/deactivate"), &admin, json!({})).await;
    assert_eq!(gone.body["status"], "inactive", "{:#}", gone.body);
    app.get("/api/v1/me", &nadia_token).await.assert_problem(401, "unauthenticated");
    app.sign_in("nadia.haddad@maple-law.example", PASSWORD).await.assert_problem(401, "sign-in-failed");
    wait_a_little(&app);
    assert_eq!(app.get(&format!("/api/v1/cases/{}", cases[2]), &admin).await.body["owner"], nadia.as_str());
    let history = app.get(&format!("/api/v1/audit?target_kind=user&target_id={nadia}"), &admin).await;
    let actions: Vec<&str> =
        history.body["items"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    for action in ["user.created", "user.access_changed", "user.deactivated"] {
        assert!(actions.contains(&action), "{actions:?}");
    }
    // An inactive user can never be given a case.
    let assign =
        app.put(&format!("/api/v1/cases/{}/owner", cases[0]), &admin, json!({ "owner": nadia })).await;
    assign.assert_problem(422, "assignee-not-active");
    assert_eq!(assign.body["field"], "owner");

    // --- Don't reuse emails: not hers (inactive), not Omar's (active).
    let again =
        new_user("  NADIA.haddad@Maple-Law.example ", "Nadia Haddad", &rcic, json!({ "mode": "invite" }));
    let reused = app.post("/api/v1/users", &admin, again).await;
    reused.assert_problem(409, "email-previously-used");
    assert_eq!(
        (reused.body["holder"].as_str(), reused.body["holder_status"].as_str()),
        (Some(nadia.as_str()), Some("inactive"))
    );
    let duplicate = new_user("OMAR@maple-law.example", "Omar Two", &rcic, json!({ "mode": "invite" }));
    let duplicate = app.post("/api/v1/users", &admin, duplicate).await;
    duplicate.assert_problem(409, "email-previously-used");
    assert_eq!(duplicate.body["holder_status"], "active");
    app.put(
        &format!("/api/v1/users/{omar}/email"),
        &admin,
        json!({ "email": "nadia.haddad@maple-law.example" }),
    )
    .await
    .assert_problem(409, "email-previously-used");
    let back = app.post(&format!("/api/v1/users/{nadia}/reactivate"), &admin, json!({})).await;
    assert_eq!(back.body["status"], "active");

    // --- Force a password change (a): a generated password, emailed.
    let omar_token = token(&app.sign_in("omar@maple-law.example", PASSWORD).await);
    let reset_path = format!("/api/v1/users/{omar}/password-reset");
    let reset = |mode: Value| app.post(&reset_path, &admin, mode);
    assert_eq!(reset(json!({ "mode": "generate_and_email" })).await.status, StatusCode::OK);
    app.get("/api/v1/me", &omar_token).await.assert_problem(401, "unauthenticated");
    let emailed = app.last_secret("omar@maple-law.example", "generated_password").await;
    let signed = app.sign_in("omar@maple-law.example", &emailed).await;
    assert_eq!(signed.body["password_change_only"], true);
    let restricted = token(&signed);
    app.get("/api/v1/users", &restricted).await.assert_problem(403, "password-change-required");
    let change = json!({ "current_password": emailed, "new_password": "violet harbour lantern 8841" });
    assert_eq!(app.put("/api/v1/me/password", &restricted, change).await.status, StatusCode::NO_CONTENT);

    // (b): a recovery link; it works once.
    assert_eq!(reset(json!({ "mode": "email_recovery_link" })).await.status, StatusCode::OK);
    let link = app.last_secret("omar@maple-law.example", "recovery").await;
    let inspect = app.call(Method::POST, "/api/v1/links/inspect", None, Some(json!({ "token": link }))).await;
    assert_eq!(inspect.body["purpose"], "recovery");
    assert_eq!(inspect.body["email"], "omar@maple-law.example");
    let redeem = json!({ "token": link, "new_password": "quiet meadow compass 5523" });
    let recovered = app.call(Method::POST, "/api/v1/password/recover", None, Some(redeem.clone())).await;
    assert_eq!(recovered.status, StatusCode::NO_CONTENT);
    app.call(Method::POST, "/api/v1/password/recover", None, Some(redeem))
        .await
        .assert_problem(400, "invalid-link");
    assert_eq!(
        app.sign_in("omar@maple-law.example", "quiet meadow compass 5523").await.status,
        StatusCode::CREATED
    );

    // (c): a temporary password, changed at first sign-in.
    let temporary = "temporary harbour key 3141";
    assert_eq!(reset(json!({ "mode": "set_temporary", "password": temporary })).await.status, StatusCode::OK);
    let signed = app.sign_in("omar@maple-law.example", temporary).await;
    assert_eq!(signed.body["password_change_only"], true);
    let restricted = token(&signed);
    app.get(&format!("/api/v1/users/{omar}"), &restricted)
        .await
        .assert_problem(403, "password-change-required");
    let change = json!({ "current_password": temporary, "new_password": PASSWORD });
    assert_eq!(app.put("/api/v1/me/password", &restricted, change).await.status, StatusCode::NO_CONTENT);

    // --- Sign out all sessions: every device, at once.
    let laptop = token(&app.sign_in("omar@maple-law.example", PASSWORD).await);
    let phone = token(&app.sign_in("omar@maple-law.example", PASSWORD).await);
    let ended = delete(&app, &format!("/api/v1/users/{omar}/sessions"), &admin).await;
    assert!(ended.body["ended"].as_u64().unwrap() >= 2, "{:#}", ended.body);
    for t in [&laptop, &phone, &restricted] {
        app.get("/api/v1/me", t).await.assert_problem(401, "unauthenticated");
    }
    assert_eq!(app.sign_in("omar@maple-law.example", PASSWORD).await.status, StatusCode::CREATED);

    // --- Super Admins: the cap of 2, only a Super Admin grants it, the last one stays.
    let super_admin = role_id(&app, "Super Admin").await;
    let (ines, _) = app.add_user("ines@maple-law.example", "Super Admin").await;
    let third = new_user("third@maple-law.example", "Theo Third", &super_admin, json!({ "mode": "invite" }));
    let capped = app.post("/api/v1/users", &admin, third).await;
    capped.assert_problem(409, "super-admin-cap-reached");
    assert_eq!(capped.body["cap"], 2);
    app.put(&format!("/api/v1/users/{omar}/access"), &admin, json!({ "role": super_admin }))
        .await
        .assert_problem(409, "super-admin-cap-reached");
    let (_, boss) = app.add_user("alex@maple-law.example", "Administrator").await;
    assert_eq!(
        app.post(&format!("/api/v1/users/{ines}/deactivate"), &admin, json!({})).await.status,
        StatusCode::OK
    );
    app.put(&format!("/api/v1/users/{omar}/access"), &boss, json!({ "role": super_admin }))
        .await
        .assert_problem(403, "super-admin-only");
    let owner = app.owner.to_string();
    // Only a Super Admin acts on a Super Admin; and nobody demotes themself.
    app.post(&format!("/api/v1/users/{owner}/deactivate"), &boss, json!({}))
        .await
        .assert_problem(403, "target-outranks-caller");
    let administrator = role_id(&app, "Administrator").await;
    app.put(&format!("/api/v1/users/{owner}/access"), &admin, json!({ "role": administrator }))
        .await
        .assert_problem(403, "use-self-service");
    app.post(&format!("/api/v1/users/{owner}/deactivate"), &admin, json!({}))
        .await
        .assert_problem(409, "self-deactivation");
    let promoted =
        app.put(&format!("/api/v1/users/{omar}/access"), &admin, json!({ "role": super_admin })).await;
    assert_eq!(promoted.body["role"], super_admin.as_str(), "{:#}", promoted.body);
    app.post(&format!("/api/v1/users/{ines}/reactivate"), &admin, json!({}))
        .await
        .assert_problem(409, "super-admin-cap-reached");

    // --- Links expire: a recovery link after an hour.
    assert_eq!(
        app.post(
            &format!("/api/v1/users/{nadia}/password-reset"),
            &admin,
            json!({ "mode": "email_recovery_link" })
        )
        .await
        .status,
        StatusCode::OK
    );
    let link = app.last_secret("Nadia.Haddad@maple-law.example", "recovery").await;
    app.adapters.clock.advance(Duration::hours(1) + Duration::minutes(1));
    let late = json!({ "token": link, "new_password": "too late for this link 42" });
    app.call(Method::POST, "/api/v1/password/recover", None, Some(late))
        .await
        .assert_problem(400, "invalid-link");
}

/// Case Tracker "Manage and Invite Users": the users table, inviting with
/// admin-only notes, editing, deactivating, sites and their parties — and
/// another practice's records.
#[tokio::test]
#[allow(clippy::too_many_lines)]
async fn case_tracker_page_over_http() {
    let Some(app) = spawn_app_with(without_rate_limits()).await else { return };
    let admin = app.admin.clone();
    let paralegal = role_id(&app, "Paralegal").await;
    let rcic = role_id(&app, "RCIC Consultant").await;

    let mut zoe =
        new_user("zoe.quinn@district.example", "Zoë Quinn", &paralegal, json!({ "mode": "generate" }));
    zoe["language"] = json!("fr");
    let zoe = app.post("/api/v1/users", &admin, zoe).await;
    let zoe_password = zoe.body["generated_password"].as_str().unwrap().to_owned();
    let zoe = id(&zoe);
    let zoe_token = app.first_sign_in("zoe.quinn@district.example", &zoe_password).await;
    let (adam, _) = app.add_user("adam.brooks@district.example", "RCIC Consultant").await;
    let (maya, _) = app.add_user("maya.ortiz@district.example", "Accountant").await;
    let liam = id(&app
        .post(
            "/api/v1/users",
            &admin,
            new_user("liam.chen@district.example", "Liam Chen", &paralegal, json!({ "mode": "invite" })),
        )
        .await);
    let (bea, _) = app.add_user("bea.zimmer@district.example", "RCIC Consultant").await;
    assert_eq!(
        app.post(&format!("/api/v1/users/{bea}/deactivate"), &admin, json!({})).await.status,
        StatusCode::OK
    );

    // --- The table: everyone, by name; filters, search, sort, pages.
    let all = app.get("/api/v1/users", &admin).await;
    assert_eq!(ids_of(&all).len(), 6);
    let names: Vec<String> = all.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["name"].as_str().unwrap().to_lowercase())
        .collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted);
    let list = |query: String| {
        let app = &app;
        let admin = admin.clone();
        async move {
            let mut ids = ids_of(&app.get(&format!("/api/v1/users?{query}"), &admin).await);
            ids.sort();
            ids
        }
    };
    let sorted_ids = |mut v: Vec<String>| {
        v.sort();
        v
    };
    assert_eq!(list("status=invited".into()).await, vec![liam.clone()]);
    assert_eq!(list("status=invited,inactive".into()).await, sorted_ids(vec![liam.clone(), bea.clone()]));
    assert_eq!(list(format!("role={paralegal}")).await, sorted_ids(vec![zoe.clone(), liam.clone()]));
    assert_eq!(list("language=fr".into()).await, vec![zoe.clone()]);
    assert_eq!(list("search=QUINN".into()).await, vec![zoe.clone()]);
    assert_eq!(list("search=brooks%40DISTRICT".into()).await, vec![adam.clone()]);
    let desc = app.get("/api/v1/users?sort=email&direction=desc", &admin).await;
    let emails: Vec<&str> =
        desc.body["items"].as_array().unwrap().iter().map(|u| u["email"].as_str().unwrap()).collect();
    let mut expected = emails.clone();
    expected.sort_by(|a, b| b.cmp(a));
    assert_eq!(emails, expected);
    let mut paged = Vec::new();
    let mut path = "/api/v1/users?limit=2".to_owned();
    loop {
        let page = app.get(&path, &admin).await;
        paged.extend(ids_of(&page));
        match page.body["next_cursor"].as_str() {
            Some(cursor) => path = format!("/api/v1/users?limit=2&cursor={cursor}"),
            None => break,
        }
    }
    assert_eq!(paged, ids_of(&all));

    // --- Add a user by invitation, with notes only admins see.
    let mut pat =
        new_user("pat.rivera@district.example", "Pat Rivera", &paralegal, json!({ "mode": "invite" }));
    pat["notes"] = json!("Covers the east campus on Fridays.");
    let pat = app.post("/api/v1/users", &admin, pat).await;
    assert_eq!(pat.body["user"]["status"], "invited");
    let pat = id(&pat);
    assert_eq!(
        app.get(&format!("/api/v1/users/{pat}"), &admin).await.body["notes"],
        "Covers the east campus on Fridays."
    );
    let seen_by_zoe = app.get(&format!("/api/v1/users/{pat}"), &zoe_token).await;
    assert_eq!(seen_by_zoe.status, StatusCode::OK);
    assert!(seen_by_zoe.body.get("notes").is_none(), "{:#}", seen_by_zoe.body);
    let audit = app.get("/api/v1/audit?limit=500", &admin).await;
    assert!(!audit.body.to_string().contains("east campus"), "notes stay out of the audit log");

    // They receive a link to join; it works once.
    let join = app.last_secret("pat.rivera@district.example", "invitation").await;
    let accept = json!({ "token": join, "new_password": "sunlit orchard ladder 7305" });
    let accepted = app.call(Method::POST, "/api/v1/invitations/accept", None, Some(accept.clone())).await;
    assert_eq!(accepted.status, StatusCode::NO_CONTENT);
    app.call(Method::POST, "/api/v1/invitations/accept", None, Some(accept))
        .await
        .assert_problem(400, "invalid-link");
    assert_eq!(app.get(&format!("/api/v1/users/{pat}"), &admin).await.body["status"], "active");

    // --- Edit contact details (If-Match), role and email.
    let read = app.get(&format!("/api/v1/users/{pat}"), &admin).await;
    let tag = etag(&read);
    let edited = patch(
        &app,
        &format!("/api/v1/users/{pat}"),
        &admin,
        Some(&tag),
        json!({ "phone": "514-555-0142", "title": "Case officer" }),
    )
    .await;
    assert_eq!(edited.body["title"], "Case officer", "{:#}", edited.body);
    patch(&app, &format!("/api/v1/users/{pat}"), &admin, Some(&tag), json!({ "name": "Pat Stale" }))
        .await
        .assert_problem(412, "version-mismatch");
    assert_eq!(
        app.put(&format!("/api/v1/users/{pat}/access"), &admin, json!({ "role": rcic })).await.body["role"],
        rcic.as_str()
    );
    let changed = app
        .put(&format!("/api/v1/users/{pat}/email"), &admin, json!({ "email": "p.rivera@district.example" }))
        .await;
    assert_eq!(changed.body["email"], "p.rivera@district.example", "{:#}", changed.body);
    let notice = app.adapters.outbox().await.last().unwrap().clone();
    assert_eq!((notice.to.as_str(), notice.message.kind()), ("pat.rivera@district.example", "email_changed"));
    let history = app.get(&format!("/api/v1/users/{pat}/emails"), &admin).await;
    assert_eq!(history.body.as_array().unwrap().len(), 2);
    app.sign_in("pat.rivera@district.example", "sunlit orchard ladder 7305")
        .await
        .assert_problem(401, "sign-in-failed");
    assert_eq!(
        app.sign_in("p.rivera@district.example", "sunlit orchard ladder 7305").await.status,
        StatusCode::CREATED
    );
    let reuse =
        new_user("pat.rivera@district.example", "Another Pat", &paralegal, json!({ "mode": "invite" }));
    let reuse = app.post("/api/v1/users", &admin, reuse).await;
    reuse.assert_problem(409, "email-previously-used");
    assert_eq!(reuse.body["holder"], pat.as_str());

    // --- A user assigned to open cases cannot be deactivated.
    let mut k = Vec::new();
    for title in ["Incident 2026-014", "Incident 2026-015"] {
        k.push(id(&app.post("/api/v1/cases", &admin, json!({ "title": title, "owner": adam })).await));
    }
    let refused = app.post(&format!("/api/v1/users/{adam}/deactivate"), &admin, json!({})).await;
    refused.assert_problem(409, "owns-open-cases");
    assert_eq!(refused.body["count"], 2);
    let to_accountant =
        app.post(&format!("/api/v1/users/{adam}/deactivate"), &admin, json!({ "reassign_to": maya })).await;
    to_accountant.assert_problem(422, "assignee-cannot-own-cases");
    assert_eq!(to_accountant.body["field"], "reassign_to");
    assert_eq!(app.get(&format!("/api/v1/users/{adam}"), &admin).await.body["status"], "active");
    let gone =
        app.post(&format!("/api/v1/users/{adam}/deactivate"), &admin, json!({ "reassign_to": zoe })).await;
    assert_eq!(gone.body["status"], "inactive", "{:#}", gone.body);
    for case in &k {
        assert_eq!(app.get(&format!("/api/v1/cases/{case}"), &admin).await.body["owner"], zoe.as_str());
    }
    // Once inactive, no case can be given to them, by any route.
    for inactive in [&adam, &bea] {
        app.put(&format!("/api/v1/cases/{}/owner", k[0]), &admin, json!({ "owner": inactive }))
            .await
            .assert_problem(422, "assignee-not-active");
        app.post("/api/v1/cases", &admin, json!({ "title": "Incident 2026-016", "owner": inactive }))
            .await
            .assert_problem(422, "assignee-not-active");
        app.post(&format!("/api/v1/users/{zoe}/cases/reassign"), &admin, json!({ "to": inactive }))
            .await
            .assert_problem(422, "assignee-not-active");
    }
    app.put(&format!("/api/v1/cases/{}/owner", k[0]), &admin, json!({ "owner": liam }))
        .await
        .assert_problem(422, "assignee-not-active");

    // --- Case parties: a site, "Save" and "Send invite".
    let site = app
        .post("/api/v1/sites", &admin, json!({ "name": "Lincoln High School", "address": "12 Elm St" }))
        .await;
    let site = id(&site);
    assert!(ids_of(&app.get("/api/v1/sites", &admin).await).contains(&site));
    let parties = format!("/api/v1/sites/{site}/parties");
    let party = |kind: &str, name: &str, email: Option<&str>, invite: bool| {
        json!({
            "kind": kind, "name": name, "email": email, "phone": "555-0100", "date_of_birth": "2010-04-02",
            "gender": "non-binary", "grade_or_position": "Grade 10", "language": "es", "invite": invite,
        })
    };
    let emails_before = app.adapters.outbox().await.len();
    let student = app.post(&parties, &admin, party("student", "Sofia Student", None, false)).await;
    assert_eq!(student.body["portal"], "not_invited", "{:#}", student.body);
    assert_eq!(student.body["grade_or_position"], "Grade 10");
    let student = id(&student);
    let staff = id(&app
        .post(&parties, &admin, party("staff", "Stan Staff", Some("stan@lincoln.example"), false))
        .await);
    assert_eq!(app.adapters.outbox().await.len(), emails_before, "Save sends no email");
    let no_email = app.post(&parties, &admin, party("witness", "Walt Witness", None, true)).await;
    no_email.assert_problem(422, "invalid-field");
    assert_eq!(no_email.body["field"], "email");
    assert_eq!(ids_of(&app.get(&parties, &admin).await).len(), 2, "a refused invite records nothing");
    let faculty =
        app.post(&parties, &admin, party("faculty", "Fay Faculty", Some("fay@lincoln.example"), true)).await;
    assert_eq!(faculty.body["portal"], "invited");
    let faculty = id(&faculty);
    let outbox = app.adapters.outbox().await;
    assert_eq!(outbox.len(), emails_before + 1);
    let invitation = outbox.last().unwrap();
    assert_eq!((invitation.to.as_str(), invitation.language.as_str()), ("fay@lincoln.example", "es"));
    match &invitation.message {
        Message::PartyInvitation { site_name, .. } => assert_eq!(site_name, "Lincoln High School"),
        other => panic!("expected a party invitation, got {}", other.kind()),
    }
    let invited = app.post(&format!("/api/v1/parties/{staff}/invite"), &admin, json!({})).await;
    assert_eq!(invited.body["portal"], "invited");
    app.post(&format!("/api/v1/parties/{student}/invite"), &admin, json!({}))
        .await
        .assert_problem(422, "invalid-field");
    let mut listed = ids_of(&app.get(&parties, &admin).await);
    listed.sort();
    assert_eq!(listed, sorted_ids(vec![student.clone(), staff.clone(), faculty.clone()]));
    let created = app.get("/api/v1/audit?action=party.created", &admin).await;
    assert_eq!(ids_of(&created).len(), 3);
    let invites = app.get("/api/v1/audit?action=party.invited", &admin).await;
    assert_eq!(ids_of(&invites).len(), 2);

    // --- Another practice's records answer exactly like missing ones.
    let birch = app
        .service
        .create_practice(NewPractice::example_at("birch"))
        .await
        .unwrap();
    let one_time = birch.admin_password.expose().to_owned();
    let birch_token = token(&app.sign_in_at("birch", "owner@birch.example", &one_time).await);
    let change = json!({ "current_password": one_time, "new_password": PASSWORD });
    assert_eq!(app.put("/api/v1/me/password", &birch_token, change).await.status, StatusCode::NO_CONTENT);
    let missing = uuid::Uuid::now_v7();
    for (path, theirs) in [("users", &pat), ("cases", &k[0]), ("parties", &faculty), ("sites", &site)] {
        let sub = if path == "sites" { "/parties" } else { "" };
        let foreign = app.get(&format!("/api/v1/{path}/{theirs}{sub}"), &birch_token).await;
        let absent = app.get(&format!("/api/v1/{path}/{missing}{sub}"), &birch_token).await;
        foreign.assert_problem(404, "not-found");
        assert_eq!(foreign.body, absent.body, "{path}");
    }
    let rename = json!({ "name": "Taken over", "permissions": [] });
    let their_role = app.role("Paralegal").await;
    let foreign = app.put(&format!("/api/v1/roles/{their_role}"), &birch_token, rename.clone()).await;
    let absent = app.put(&format!("/api/v1/roles/{missing}"), &birch_token, rename).await;
    foreign.assert_problem(404, "not-found");
    assert_eq!(foreign.body, absent.body);
    app.get(&format!("/api/v1/users/{}", birch.admin.id), &admin).await.assert_problem(404, "not-found");
    assert!(!ids_of(&app.get("/api/v1/users", &birch_token).await).contains(&pat));

    // --- An invitation link expires after 7 days.
    let liam_link = app.last_secret("liam.chen@district.example", "invitation").await;
    app.adapters.clock.advance(Duration::days(7) + Duration::minutes(1));
    let late = json!({ "token": liam_link, "new_password": "too late for this link 42" });
    app.call(Method::POST, "/api/v1/invitations/accept", None, Some(late))
        .await
        .assert_problem(400, "invalid-link");
}
