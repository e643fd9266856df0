//! Users over HTTP: create, list, read with ETag, edit with If-Match,
//! refusals of the product rules.

use super::*;
use identity_domain::*;
use reqwest::{Method, StatusCode};
use serde_json::json;

#[tokio::test]
async fn creating_with_a_reused_email_names_the_holder_and_its_status() {
    let Some(app) = spawn_app().await else { return };
    let (id, _) = app.add_user("pat@maple.example", "Paralegal").await;
    let body = json!({
        "email": " PAT@maple.example", "name": "Another", "role": app.role("Paralegal").await,
        "language": "en", "time_zone": "UTC", "credential": { "mode": "invite" },
    });
    let answer = app.post("/api/v1/users", &app.admin, body).await;
    answer.assert_problem(409, "email-previously-used");
    assert_eq!(answer.body["holder"], id);
    assert_eq!(answer.body["holder_status"], "active");
}

#[tokio::test]
async fn an_edit_with_a_stale_etag_is_412_and_a_fresh_one_applies() {
    let Some(app) = spawn_app().await else { return };
    let (id, _) = app.add_user("pat@maple.example", "Paralegal").await;
    let read = app.get(&format!("/api/v1/users/{id}"), &app.admin).await;
    let etag = read.headers.get("etag").unwrap().to_str().unwrap().to_owned();
    let patch = |body: serde_json::Value, tag: &str| {
        app.http
            .patch(format!("{}/api/v1/users/{id}", app.base))
            .bearer_auth(&app.admin)
            .header("if-match", tag.to_owned())
            .json(&body)
    };
    let first = answer(patch(json!({ "title": "Lead" }), &etag).send().await.unwrap()).await;
    assert_eq!(first.status, StatusCode::OK);
    assert_ne!(first.headers.get("etag").unwrap().to_str().unwrap(), etag);
    let stale = answer(patch(json!({ "title": null }), &etag).send().await.unwrap()).await;
    stale.assert_problem(412, "version-mismatch");
    assert_eq!(app.get(&format!("/api/v1/users/{id}"), &app.admin).await.body["title"], "Lead");
}

#[tokio::test]
async fn the_list_filters_sorts_and_pages_with_a_cursor() {
    let Some(app) = spawn_app().await else { return };
    for email in ["c@maple.example", "a@maple.example", "b@maple.example"] {
        app.add_user(email, "Paralegal").await;
    }
    let mut seen = Vec::new();
    let mut path = "/api/v1/users?sort=email&direction=desc&limit=2".to_owned();
    loop {
        let page = app.get(&path, &app.admin).await;
        assert_eq!(page.status, StatusCode::OK, "{:#}", page.body);
        seen.extend(
            page.body["items"].as_array().unwrap().iter().map(|u| u["email"].as_str().unwrap().to_owned()),
        );
        assert_eq!(page.body["total"], 4, "every page counts every match: {:#}", page.body);
        match page.body["next_cursor"].as_str() {
            Some(cursor) => path = format!("/api/v1/users?sort=email&direction=desc&limit=2&cursor={cursor}"),
            None => break,
        }
    }
    assert_eq!(seen, ["owner@maple.example", "c@maple.example", "b@maple.example", "a@maple.example"]);
    let bad = app.get("/api/v1/users?sort=password&limit=0", &app.admin).await;
    bad.assert_problem(422, "invalid-field");
    let searched = app.get("/api/v1/users?search=OWNER&status=active", &app.admin).await;
    assert_eq!(searched.body["items"].as_array().unwrap().len(), 1);
    assert_eq!(searched.body["total"], 1);
    let nobody = app.get("/api/v1/users?search=nobody%20at%20all", &app.admin).await;
    assert_eq!((nobody.body["items"].as_array().unwrap().len(), &nobody.body["total"]), (0, &json!(0)));
}

#[tokio::test]
async fn a_search_with_a_control_character_is_422_before_any_query_on_the_list_and_the_download() {
    let Some(app) = spawn_app().await else { return };
    for search in ["%00", "owner%00", "owner%0Amaple", "%7F"] {
        for path in ["/api/v1/users", "/api/v1/users/export"] {
            let refused = app.get(&format!("{path}?search={search}"), &app.admin).await;
            refused.assert_problem(422, "invalid-field");
            assert_eq!(refused.body["field"], "search", "{path}?search={search}: {:#}", refused.body);
        }
    }
    let audit = app.get("/api/v1/audit?action=users.exported", &app.admin).await;
    assert_eq!(audit.body["items"], json!([]), "a refused download is not audited");
    let found = app.get("/api/v1/users?search=%20OWNER%20", &app.admin).await;
    assert_eq!(found.body["items"].as_array().unwrap().len(), 1, "{:#}", found.body);
}

#[tokio::test]
async fn guessable_passwords_and_invisible_characters_are_422_with_their_reason() {
    let Some(app) = spawn_app().await else { return };
    let role = app.role("Paralegal").await;
    let user = |email: &str, name: &str, password: &str| {
        json!({
            "email": email, "name": name, "role": role, "language": "en", "time_zone": "UTC",
            "credential": { "mode": "password", "password": password },
        })
    };
    for (password, reason) in [
        ("hd764nw5d7e1vb1", "common"),
        ("tangerinetangerine", "repeated"),
        ("azertyuiopqsdfghj", "keyboard_row"),
        ("123456789012345", "sequence"),
    ] {
        let refused =
            app.post("/api/v1/users", &app.admin, user("sam@maple.example", "Sam Rivera", password)).await;
        refused.assert_problem(422, "password-rejected");
        assert_eq!(refused.body["reason"], reason, "{password}");
    }
    for (email, name, field) in [
        ("sam\u{200B}@maple.example", "Sam Rivera", "email"),
        ("sam@maple.example", "Sam\u{202E}avieR", "name"),
    ] {
        let refused =
            app.post("/api/v1/users", &app.admin, user(email, name, "a long and private passphrase")).await;
        refused.assert_problem(422, "invalid-field");
        assert_eq!(refused.body["field"], field, "{:#}", refused.body);
        assert!(refused.body["detail"].as_str().unwrap_or_default().contains("U+"), "{:#}", refused.body);
    }
}

#[tokio::test]
async fn deactivating_a_user_with_open_cases_is_409_with_the_count_then_works_with_reassign_to() {
    let Some(app) = spawn_app().await else { return };
    let (leaver, _) = app.add_user("leaver@maple.example", "RCIC Consultant").await;
    let (heir, _) = app.add_user("heir@maple.example", "RCIC Consultant").await;
    let caller = app.admin_caller().await;
    for title in ["A", "B"] {
        let owner = UserId::from_uuid(leaver.parse().unwrap());
        app.service.create_case(&caller, Label::parse(title).unwrap(), owner).await.unwrap();
    }
    let refused = app.post(&format!("/api/v1/users/{leaver}/deactivate"), &app.admin, json!({})).await;
    refused.assert_problem(409, "owns-open-cases");
    assert_eq!(refused.body["count"], 2);
    let done = app
        .post(&format!("/api/v1/users/{leaver}/deactivate"), &app.admin, json!({ "reassign_to": heir }))
        .await;
    assert_eq!(done.status, StatusCode::OK, "{:#}", done.body);
    assert_eq!(done.body["status"], "inactive");
    let cases = app.get(&format!("/api/v1/users/{heir}/cases?status=open"), &app.admin).await;
    assert_eq!(cases.body.as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn another_practices_user_is_404_like_a_missing_one() {
    let Some(app) = spawn_app().await else { return };
    let missing = app.get(&format!("/api/v1/users/{}", uuid::Uuid::now_v7()), &app.admin).await;
    missing.assert_problem(404, "not-found");
    let other = app
        .service
        .create_practice(NewPractice::example_at("birch"))
        .await
        .unwrap();
    let foreign = app.get(&format!("/api/v1/users/{}", other.admin.id), &app.admin).await;
    assert_eq!(foreign.status, missing.status);
    assert_eq!(foreign.body["type"], missing.body["type"]);
    assert_eq!(foreign.body["detail"], missing.body["detail"]);
}

#[tokio::test]
async fn sign_out_everywhere_ends_every_session_of_the_user() {
    let Some(app) = spawn_app().await else { return };
    let (id, token) = app.add_user("pat@maple.example", "Paralegal").await;
    let ended =
        app.call(Method::DELETE, &format!("/api/v1/users/{id}/sessions"), Some(&app.admin), None).await;
    assert!(ended.body["ended"].as_u64().unwrap() >= 1);
    app.get("/api/v1/me", &token).await.assert_problem(401, "unauthenticated");
}

#[tokio::test]
async fn the_list_shows_the_last_sign_in_profiles_sites_and_latest_invitation() {
    let Some(app) = spawn_app().await else { return };
    let (pat, _) = app.add_user("pat@maple.example", "Paralegal").await;
    let body = json!({
        "email": "ivy@maple.example", "name": "Ivy Invited", "role": app.role("Paralegal").await,
        "language": "en", "time_zone": "UTC", "credential": { "mode": "invite" },
    });
    let invited = app.post("/api/v1/users", &app.admin, body).await;
    assert_eq!(invited.status, StatusCode::CREATED, "{:#}", invited.body);
    let ivy = invited.body["user"]["id"].as_str().unwrap().to_owned();
    let row = |page: &Answer, id: &str| {
        page.body["items"].as_array().unwrap().iter().find(|u| u["id"] == id).cloned().unwrap()
    };

    let chosen = app.get("/api/v1/users?columns=name,last_sign_in_at,profiles,sites,invitation", &app.admin).await;
    assert_eq!(chosen.status, StatusCode::OK, "{:#}", chosen.body);
    let pat_row = row(&chosen, &pat);
    assert!(pat_row["last_sign_in_at"].is_string(), "{pat_row:#}");
    assert!(pat_row["invitation"].is_null(), "given a password, never invited: {pat_row:#}");
    assert_eq!((&pat_row["profiles"], &pat_row["sites"]), (&json!([]), &json!([])));
    assert!(pat_row.get("email").is_none(), "only the chosen columns: {pat_row:#}");
    let ivy_row = row(&chosen, &ivy);
    assert!(ivy_row["last_sign_in_at"].is_null(), "{ivy_row:#}");
    let invitation = &ivy_row["invitation"];
    assert_eq!(invitation["state"], "pending", "{ivy_row:#}");
    assert!(invitation["sent_at"].is_string() && invitation["expires_at"].is_string(), "{ivy_row:#}");
    assert!(invitation["accepted_at"].is_null() && invitation["withdrawn_at"].is_null(), "{ivy_row:#}");

    // Every field without `columns`; none of the new ones with others chosen.
    let whole = app.get("/api/v1/users", &app.admin).await;
    assert_eq!(row(&whole, &ivy)["invitation"]["state"], "pending");
    assert!(row(&whole, &pat)["last_sign_in_at"].is_string());
    let narrow = row(&app.get("/api/v1/users?columns=name", &app.admin).await, &ivy);
    assert!(narrow.get("invitation").is_none() && narrow.get("last_sign_in_at").is_none(), "{narrow:#}");

    // The new columns show, but do not sort.
    for column in ["last_sign_in_at", "profiles", "sites", "invitation"] {
        let refused = app.get(&format!("/api/v1/users?sort={column}"), &app.admin).await;
        refused.assert_problem(422, "invalid-field");
        assert_eq!(refused.body["field"], "sort", "{column}");
    }
}
