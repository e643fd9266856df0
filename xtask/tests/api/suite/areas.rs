//! Cases, roles and profiles, sites and parties, the audit log, the outbox
//! and settings over HTTP: what each route answers beyond the help pages.

use super::*;
use identity_domain::{Clock, EmailId, OutboxQueue, WorkerId};
use reqwest::{Method, StatusCode};
use serde_json::json;

fn fields(answer: &Answer) -> Vec<String> {
    answer.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn a_malformed_id_in_a_path_is_a_400_problem_naming_it() {
    let Some(app) = spawn_app().await else { return };
    for path in
        ["/api/v1/users/abc", "/api/v1/cases/abc", "/api/v1/parties/12/invite", "/api/v1/sites/x/parties"]
    {
        let method = if path.ends_with("invite") { Method::POST } else { Method::GET };
        let answer = app.call(method, path, Some(&app.admin), None).await;
        answer.assert_problem(400, "invalid-path");
        assert_eq!(answer.body["field"], "id", "{path}");
    }
}

#[tokio::test]
async fn a_bad_query_parameter_is_a_422_problem_not_plain_text() {
    let Some(app) = spawn_app().await else { return };
    for query in ["limit=abc", "role=not-a-uuid", "unknown=1"] {
        let answer = app.get(&format!("/api/v1/users?{query}"), &app.admin).await;
        answer.assert_problem(422, "invalid-field");
    }
    // An unknown filter value is refused, naming its parameter, never ignored.
    for (query, field) in [
        ("status=bogus", "status"),
        ("status=active,nope", "status"),
        ("language=french", "language"),
        ("sort=password", "sort"),
        ("direction=up", "direction"),
        ("columns=name,secret", "columns"),
    ] {
        let answer = app.get(&format!("/api/v1/users?{query}"), &app.admin).await;
        answer.assert_problem(422, "invalid-field");
        assert_eq!(answer.body["field"], field, "{query}: {:#}", answer.body);
    }
}

#[tokio::test]
async fn a_mistyped_field_is_named_even_when_nested() {
    let Some(app) = spawn_app().await else { return };
    let body = json!({
        "email": "pat@maple.example", "name": "Pat", "role": app.role("Paralegal").await,
        "language": "en", "time_zone": "UTC", "credential": { "mode": "password", "password": 5 },
    });
    let answer = app.post("/api/v1/users", &app.admin, body).await;
    answer.assert_problem(422, "invalid-field");
    assert!(answer.body["field"].as_str().unwrap().starts_with("credential"), "{:#}", answer.body);
    let settings = app
        .put("/api/v1/settings", &app.admin, json!({ "super_admin_cap": "two", "password_min_length": 15 }))
        .await;
    settings.assert_problem(422, "invalid-field");
    assert_eq!(settings.body["field"], "super_admin_cap");
    assert!(!settings.body["detail"].as_str().unwrap().contains("line"), "{:#}", settings.body);
}

#[tokio::test]
async fn cases_open_read_move_and_close() {
    let Some(app) = spawn_app().await else { return };
    let (carol, carol_token) = app.add_user("carol@maple.example", "RCIC Consultant").await;
    let (dan, _) = app.add_user("dan@maple.example", "RCIC Consultant").await;
    let (_, accountant) = app.add_user("acc@maple.example", "Accountant").await;
    // A consultant opens a case for herself (cases.own), not for others.
    let mine = app.post("/api/v1/cases", &carol_token, json!({ "title": "IMM-7", "owner": carol })).await;
    assert_eq!(mine.status, StatusCode::CREATED, "{:#}", mine.body);
    assert_eq!(
        (mine.body["owner"].as_str(), mine.body["status"].as_str()),
        (Some(carol.as_str()), Some("open"))
    );
    let case = mine.body["id"].as_str().unwrap().to_owned();
    app.post("/api/v1/cases", &carol_token, json!({ "title": "IMM-8", "owner": dan }))
        .await
        .assert_problem(403, "forbidden");
    // An accountant cannot own cases.
    let refused = app
        .put(
            &format!("/api/v1/cases/{case}/owner"),
            &app.admin,
            json!({ "owner": app.sign_in("acc@maple.example", PASSWORD).await.body["user"] }),
        )
        .await;
    refused.assert_problem(422, "assignee-cannot-own-cases");
    assert_eq!(refused.body["field"], "owner");
    assert_eq!(app.get(&format!("/api/v1/cases/{case}"), &accountant).await.status, StatusCode::OK);
    let moved = app.put(&format!("/api/v1/cases/{case}/owner"), &app.admin, json!({ "owner": dan })).await;
    assert_eq!(moved.body["owner"], dan.as_str());
    let closed = app.post(&format!("/api/v1/cases/{case}/close"), &app.admin, json!({})).await;
    assert_eq!(closed.body["status"], "closed");
    app.post(&format!("/api/v1/cases/{case}/close"), &app.admin, json!({}))
        .await
        .assert_problem(409, "case-closed");
    app.put(&format!("/api/v1/cases/{case}/owner"), &app.admin, json!({ "owner": carol }))
        .await
        .assert_problem(409, "case-closed");
    let bad = app.post("/api/v1/cases", &app.admin, json!({ "title": "  ", "owner": carol })).await;
    bad.assert_problem(422, "invalid-field");
    assert_eq!(bad.body["field"], "title");
    app.get(&format!("/api/v1/cases/{}", uuid::Uuid::now_v7()), &app.admin)
        .await
        .assert_problem(404, "not-found");
}

#[tokio::test]
async fn roles_and_profiles_take_dotted_permission_names_and_refuse_unknown_ones() {
    let Some(app) = spawn_app().await else { return };
    let bad = app
        .post(
            "/api/v1/roles",
            &app.admin,
            json!({ "name": "", "permissions": ["users.read", "users.delete", "root"] }),
        )
        .await;
    bad.assert_problem(422, "invalid-field");
    assert_eq!(fields(&bad), ["name", "permissions", "permissions"]);
    assert!(bad.body["detail"].as_str().unwrap().contains("users.delete"), "{:#}", bad.body);

    let created = app
        .post(
            "/api/v1/roles",
            &app.admin,
            json!({ "name": "Intake", "permissions": ["cases.own", "users.read"] }),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{:#}", created.body);
    assert_eq!(created.body["permissions"], json!(["users.read", "cases.own"]));
    assert_eq!(
        (created.body["builtin"].as_bool(), created.body["bypass"].as_bool()),
        (Some(false), Some(false))
    );
    let id = created.body["id"].as_str().unwrap().to_owned();
    app.post("/api/v1/roles", &app.admin, json!({ "name": "Intake", "permissions": [] }))
        .await
        .assert_problem(409, "name-taken");
    let renamed = app
        .put(
            &format!("/api/v1/roles/{id}"),
            &app.admin,
            json!({ "name": "Intake desk", "permissions": ["users.read"] }),
        )
        .await;
    assert_eq!(renamed.body["name"], "Intake desk");
    let builtin = app.role("Paralegal").await;
    app.put(&format!("/api/v1/roles/{builtin}"), &app.admin, json!({ "name": "P", "permissions": [] }))
        .await
        .assert_problem(409, "builtin");

    // A role manager cannot grant what they do not hold.
    let manager = json!({ "name": "Office manager", "permissions": ["users.read", "roles.manage"] });
    assert_eq!(app.post("/api/v1/roles", &app.admin, manager).await.status, StatusCode::CREATED);
    let (_, administrator) = app.add_user("alex@maple.example", "Office manager").await;
    let refused = app
        .post(
            "/api/v1/profiles",
            &administrator,
            json!({ "name": "Payer", "permissions": ["payments.write", "users.read"] }),
        )
        .await;
    refused.assert_problem(403, "cannot-grant");
    assert_eq!(refused.body["missing"], json!(["payments.write"]));
    let ok = app
        .post("/api/v1/profiles", &administrator, json!({ "name": "Reader", "permissions": ["users.read"] }))
        .await;
    assert_eq!(ok.status, StatusCode::CREATED);
    let listed = app.get("/api/v1/profiles", &administrator).await;
    let names: Vec<&str> =
        listed.body.as_array().unwrap().iter().map(|p| p["name"].as_str().unwrap()).collect();
    assert!(names.contains(&"Collections") && names.contains(&"Reader"), "{names:?}");
    let roles = app.get("/api/v1/roles", &administrator).await;
    let super_admin = roles.body.as_array().unwrap().iter().find(|r| r["name"] == "Super Admin").unwrap();
    assert_eq!(super_admin["bypass"], true);
}

#[tokio::test]
async fn sites_and_parties_report_every_bad_field_and_refuse_unknown_ones() {
    let Some(app) = spawn_app().await else { return };
    let site =
        app.post("/api/v1/sites", &app.admin, json!({ "name": "North", "address": "1 Pine Rd" })).await;
    assert_eq!(site.status, StatusCode::CREATED, "{:#}", site.body);
    let site = site.body["id"].as_str().unwrap().to_owned();
    app.post("/api/v1/sites", &app.admin, json!({ "name": "North" })).await.assert_problem(409, "name-taken");
    let updated =
        app.put(&format!("/api/v1/sites/{site}"), &app.admin, json!({ "name": "North campus" })).await;
    assert_eq!(
        (updated.body["name"].as_str(), updated.body["address"].as_str()),
        (Some("North campus"), None)
    );
    assert_eq!(updated.body["time_zone"], serde_json::Value::Null, "the practice's");
    let zoned = app
        .put(&format!("/api/v1/sites/{site}"), &app.admin, json!({ "name": "North campus", "time_zone": "America/Toronto" }))
        .await;
    assert_eq!(zoned.body["time_zone"], "America/Toronto");
    let bad_zone = app
        .put(&format!("/api/v1/sites/{site}"), &app.admin, json!({ "name": "Renamed", "time_zone": "Mars/Base" }))
        .await;
    bad_zone.assert_problem(422, "invalid-field");
    assert_eq!(bad_zone.body["field"], "time_zone");
    let listed = app.get("/api/v1/sites", &app.admin).await;
    assert_eq!(
        (listed.body[0]["name"].as_str(), listed.body[0]["time_zone"].as_str()),
        (Some("North campus"), Some("America/Toronto")),
        "a refused change changes nothing"
    );

    let bad = app
        .post(
            &format!("/api/v1/sites/{site}/parties"),
            &app.admin,
            json!({ "kind": "alien", "name": "", "email": "no", "date_of_birth": "31/12/2010", "language": "??", "invite": false }),
        )
        .await;
    bad.assert_problem(422, "invalid-field");
    assert_eq!(fields(&bad), ["kind", "name", "email", "date_of_birth", "language"]);
    let saved = app
        .post(
            &format!("/api/v1/sites/{site}/parties"),
            &app.admin,
            json!({ "kind": "student", "name": "Sam", "invite": false }),
        )
        .await;
    let party = saved.body["id"].as_str().unwrap().to_owned();
    let slipped = app
        .put(
            &format!("/api/v1/parties/{party}"),
            &app.admin,
            json!({ "kind": "student", "name": "Sam", "invite": true }),
        )
        .await;
    slipped.assert_problem(422, "invalid-field");
    assert_eq!(slipped.body["field"], "invite");
    let edited = app
        .put(
            &format!("/api/v1/parties/{party}"),
            &app.admin,
            json!({ "kind": "student", "name": "Sam", "email": "sam@school.example" }),
        )
        .await;
    assert_eq!(edited.body["email"], "sam@school.example");
    let invited = app.post(&format!("/api/v1/parties/{party}/invite"), &app.admin, json!({})).await;
    assert_eq!(invited.body["portal"], "invited");
    // A paralegal records parties but does not invite them.
    let (_, paralegal) = app.add_user("pat@maple.example", "Paralegal").await;
    let body = json!({ "kind": "witness", "name": "Wes", "email": "wes@x.example", "invite": true });
    app.post(&format!("/api/v1/sites/{site}/parties"), &paralegal, body)
        .await
        .assert_problem(403, "forbidden");
    app.get(&format!("/api/v1/sites/{}/parties", uuid::Uuid::now_v7()), &app.admin)
        .await
        .assert_problem(404, "not-found");
}

#[tokio::test]
async fn the_audit_log_filters_and_pages_newest_first() {
    let Some(app) = spawn_app().await else { return };
    for name in ["A", "B", "C", "D", "E"] {
        assert_eq!(
            app.post("/api/v1/sites", &app.admin, json!({ "name": name })).await.status,
            StatusCode::CREATED
        );
    }
    let mut seen = Vec::new();
    let mut path = "/api/v1/audit?action=site.created&limit=2".to_owned();
    loop {
        let page = app.get(&path, &app.admin).await;
        assert_eq!(page.status, StatusCode::OK, "{:#}", page.body);
        let items = page.body["items"].as_array().unwrap();
        assert!(items.len() <= 2);
        seen.extend(
            items
                .iter()
                .map(|e| (e["id"].as_str().unwrap().to_owned(), e["after"].as_str().unwrap().to_owned())),
        );
        match page.body["next_cursor"].as_str() {
            Some(cursor) => path = format!("/api/v1/audit?action=site.created&limit=2&cursor={cursor}"),
            None => break,
        }
    }
    let names: Vec<&str> = seen.iter().map(|(_, n)| n.as_str()).collect();
    assert_eq!(names, ["E", "D", "C", "B", "A"], "newest first, each once");

    let owner = app.owner;
    let by_owner = app.get(&format!("/api/v1/audit?actor={owner}&action=site.created"), &app.admin).await;
    assert_eq!(by_owner.body["items"].as_array().unwrap().len(), 5);
    let entry = &by_owner.body["items"][0];
    assert_eq!(entry["actor"], json!({ "kind": "user", "id": owner.to_string() }));
    assert_eq!(entry["target"]["kind"], "site");
    let site = entry["target"]["id"].as_str().unwrap();
    let about = app.get(&format!("/api/v1/audit?target_kind=site&target_id={site}"), &app.admin).await;
    assert_eq!(about.body["items"].as_array().unwrap().len(), 1);
    let future = app.get("/api/v1/audit?since=2999-01-01T00:00:00Z", &app.admin).await;
    assert!(future.body["items"].as_array().unwrap().is_empty());
    let past = app.get("/api/v1/audit?until=2000-01-01T00:00:00Z", &app.admin).await;
    assert!(past.body["items"].as_array().unwrap().is_empty());

    let bad = app
        .get(
            "/api/v1/audit?action=nope&actor=someone&target_kind=site&since=yesterday&cursor=x&limit=0",
            &app.admin,
        )
        .await;
    bad.assert_problem(422, "invalid-field");
    assert_eq!(fields(&bad), ["action", "actor", "target_id", "since", "cursor", "limit"]);
    app.get("/api/v1/audit?password=x", &app.admin).await.assert_problem(422, "invalid-field");
}

#[tokio::test]
async fn the_outbox_lists_emails_without_their_secrets() {
    let Some(app) = spawn_app().await else { return };
    let body = json!({
        "email": "inv@maple.example", "name": "Ivy Invitee", "role": app.role("Paralegal").await,
        "language": "fr", "time_zone": "UTC", "credential": { "mode": "invite" },
    });
    assert_eq!(app.post("/api/v1/users", &app.admin, body).await.status, StatusCode::CREATED);
    let token = app.last_secret("inv@maple.example", "invitation").await;
    let pending = app.get("/api/v1/outbox?status=pending&limit=10", &app.admin).await;
    assert_eq!(pending.status, StatusCode::OK, "{:#}", pending.body);
    let newest = &pending.body["items"][0];
    assert_eq!(
        (newest["to"].as_str(), newest["kind"].as_str()),
        (Some("inv@maple.example"), Some("invitation"))
    );
    assert_eq!(newest["language"], "fr");
    assert!(!pending.body.to_string().contains(&token), "the link never leaves the outbox");
    let sent = app.get("/api/v1/outbox?status=sent", &app.admin).await;
    let sent: Vec<_> = sent.body["items"].as_array().unwrap().iter().map(|e| e["kind"].clone()).collect();
    assert_eq!(sent, [json!("welcome")], "only the owner's welcome, delivered at the first start");
    let bad =
        app.get("/api/v1/outbox?status=lost&recipient=nobody&kind=fax&cursor=x&limit=9999", &app.admin).await;
    assert_eq!(fields(&bad), ["status", "recipient", "kind", "cursor", "limit"]);
}

#[tokio::test]
async fn administrators_count_page_filter_and_retry_failed_emails_over_http() {
    let Some(app) = spawn_app().await else { return }; // the owner's welcome, sent
    let body = json!({
        "email": "gen@maple.example", "name": "Gene Generated", "role": app.role("Paralegal").await,
        "language": "en", "time_zone": "UTC", "credential": { "mode": "generate" },
    });
    assert_eq!(app.post("/api/v1/users", &app.admin, body).await.status, StatusCode::CREATED); // a welcome
    for n in 0..3 {
        let body = json!({
            "email": format!("inv{n}@maple.example"), "name": "Ivy Invitee", "role": app.role("Paralegal").await,
            "language": "en", "time_zone": "UTC", "credential": { "mode": "invite" },
        });
        assert_eq!(app.post("/api/v1/users", &app.admin, body).await.status, StatusCode::CREATED);
    }
    // The mail server refused two emails for good: a welcome (retryable)
    // and an invitation (its link is gone).
    let queue: std::sync::Arc<dyn OutboxQueue> = app.adapters.queue();
    let worker = WorkerId::parse("test").unwrap();
    let now = app.adapters.clock.now();
    let claimed = queue.claim_due(&worker, now, 10, now + chrono::Duration::minutes(5)).await.unwrap();
    let welcome = claimed.iter().find(|c| c.email.message.kind() == "welcome").unwrap();
    let invitation = claimed.iter().find(|c| c.email.message.kind() == "invitation").unwrap();
    for c in [welcome, invitation] {
        assert!(queue.mark_failed(c.email.id, c.claim, "550 mailbox unavailable", None).await.unwrap());
    }
    for c in &claimed {
        queue.release(c.email.id, c.claim).await.unwrap();
    }

    let counts = app.get("/api/v1/outbox/counts", &app.admin).await;
    assert_eq!(counts.body, json!({ "pending": 2, "sent": 1, "failed": 2 }));

    // Pages of one, newest first, by cursor.
    let mut url = "/api/v1/outbox?limit=1".to_owned();
    let mut seen = Vec::new();
    loop {
        let page = app.get(&url, &app.admin).await;
        assert_eq!(page.status, StatusCode::OK, "{:#}", page.body);
        seen.push(page.body["items"][0]["id"].as_str().unwrap().to_owned());
        match page.body["next_cursor"].as_str() {
            Some(cursor) => url = format!("/api/v1/outbox?limit=1&cursor={cursor}"),
            None => break,
        }
    }
    assert_eq!(seen.len(), 5);
    let failed = app.get("/api/v1/outbox?status=failed", &app.admin).await;
    let items = failed.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert!(items.iter().all(|e| e["last_error"] == "550 mailbox unavailable" && e["attempts"] == 1));
    let retryable: Vec<bool> = items.iter().map(|e| e["retryable"].as_bool().unwrap()).collect();
    assert_eq!(retryable.iter().filter(|r| **r).count(), 1);
    let theirs = app.get("/api/v1/outbox?recipient=inv1%40maple.example&kind=invitation", &app.admin).await;
    assert_eq!(theirs.body["items"].as_array().unwrap().len(), 1);

    // One: refused with a reason for an email whose link is gone, and for
    // a pending one; done for the welcome, audited.
    let retry = |id: EmailId| format!("/api/v1/outbox/{id}/retry");
    app.call(Method::POST, &retry(invitation.email.id), Some(&app.admin), None)
        .await
        .assert_problem(409, "email-secret-removed");
    let pending =
        claimed.iter().find(|c| c.email.id != welcome.email.id && c.email.id != invitation.email.id).unwrap();
    app.call(Method::POST, &retry(pending.email.id), Some(&app.admin), None)
        .await
        .assert_problem(409, "email-not-failed");
    app.call(Method::POST, &retry(EmailId::from_uuid(uuid::Uuid::now_v7())), Some(&app.admin), None)
        .await
        .assert_problem(404, "not-found");
    let done = app.call(Method::POST, &retry(welcome.email.id), Some(&app.admin), None).await;
    assert_eq!(done.status, StatusCode::NO_CONTENT, "{:#}", done.body);
    let audit = app.get("/api/v1/audit?action=outbox.retried", &app.admin).await;
    assert_eq!(audit.body["items"].as_array().unwrap().len(), 1);

    // All: nothing more can be retried; the invitation is counted apart.
    let all = app.call(Method::POST, "/api/v1/outbox/retry", Some(&app.admin), None).await;
    assert_eq!(all.body, json!({ "retried": 0, "need_new_secret": 1 }));
    let counts = app.get("/api/v1/outbox/counts", &app.admin).await;
    assert_eq!(counts.body, json!({ "pending": 3, "sent": 1, "failed": 1 }));
}

#[tokio::test]
async fn settings_are_read_by_anyone_and_changed_within_range() {
    let Some(app) = spawn_app().await else { return };
    let (_, paralegal) = app.add_user("pat@maple.example", "Paralegal").await;
    let read = app.get("/api/v1/settings", &paralegal).await;
    assert_eq!(
        read.body,
        json!({ "practice": "maple-law", "name": "Maple Immigration Law", "super_admin_cap": 2, "password_min_length": 15,
                "time_zone": "America/Toronto", "second_factor_required": false }),
        "the practice's time zone is its first Super Admin's"
    );
    app.put("/api/v1/settings", &paralegal, json!({ "super_admin_cap": 3, "password_min_length": 15 }))
        .await
        .assert_problem(403, "forbidden");
    let changed = app
        .put("/api/v1/settings", &app.admin, json!({ "super_admin_cap": 3, "password_min_length": 20 }))
        .await;
    assert_eq!(
        (changed.body["super_admin_cap"].as_u64(), changed.body["password_min_length"].as_u64()),
        (Some(3), Some(20))
    );
    let low = app
        .put("/api/v1/settings", &app.admin, json!({ "super_admin_cap": 0, "password_min_length": 15 }))
        .await;
    low.assert_problem(422, "invalid-field");
    assert_eq!(low.body["field"], "super_admin_cap");
    let short = app
        .put("/api/v1/settings", &app.admin, json!({ "super_admin_cap": 2, "password_min_length": 7 }))
        .await;
    assert_eq!(short.body["field"], "password_min_length");
    app.put("/api/v1/settings", &app.admin, json!({ "super_admin_cap": 2 }))
        .await
        .assert_problem(422, "invalid-field");
    let slipped = app
        .put(
            "/api/v1/settings",
            &app.admin,
            json!({ "super_admin_cap": 2, "password_min_length": 15, "practice": "other" }),
        )
        .await;
    assert_eq!(slipped.body["field"], "practice");

    // The time zone: absent keeps it, a zone sets it, a bad one is refused
    // at its field and changes nothing.
    let zoned = app
        .put(
            "/api/v1/settings",
            &app.admin,
            json!({ "super_admin_cap": 3, "password_min_length": 20, "time_zone": "Europe/Paris" }),
        )
        .await;
    assert_eq!(zoned.body["time_zone"], "Europe/Paris");
    let kept =
        app.put("/api/v1/settings", &app.admin, json!({ "super_admin_cap": 3, "password_min_length": 20 })).await;
    assert_eq!(kept.body["time_zone"], "Europe/Paris", "absent keeps it");
    let refused = app
        .put(
            "/api/v1/settings",
            &app.admin,
            json!({ "super_admin_cap": 4, "password_min_length": 20, "time_zone": "Mars/Base" }),
        )
        .await;
    refused.assert_problem(422, "invalid-field");
    assert_eq!(refused.body["field"], "time_zone");
    assert_eq!(app.get("/api/v1/settings", &app.admin).await.body, kept.body, "nothing changed");
}

#[tokio::test]
async fn a_cookie_write_to_a_new_route_from_another_site_is_refused() {
    let Some(app) = spawn_app().await else { return };
    let token = app.sign_in("owner@maple.example", PASSWORD).await.body["token"].as_str().unwrap().to_owned();
    let request = app
        .http
        .post(format!("{}/api/v1/sites", app.base))
        .header("cookie", format!("__Host-session={token}"))
        .header("origin", "https://evil.example")
        .json(&json!({ "name": "Evil" }));
    answer(request.send().await.unwrap()).await.assert_problem(403, "cross-site-request");
    assert!(app.get("/api/v1/sites", &token).await.body.as_array().unwrap().is_empty());
}
