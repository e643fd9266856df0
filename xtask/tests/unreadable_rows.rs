//! Rows the real binary cannot read: a value no version of the server
//! writes (a hand edit, a faulty migration) is a fault that retrying cannot
//! mend. The API answers 500 problem+json `internal`, the console its own
//! 500 page with the viewer's navigation; neither sends the cause, the log
//! names it (table and column), and what does not read the row still
//! answers. On SQLite and on PostgreSQL.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "common/binary.rs"]
mod binary;
#[path = "common/postgres.rs"]
mod postgres;

use binary::{Client, start, temp_dir};
use identity_store::SeaStore;
use postgres::{create_database, drop_database, postgres};
use reqwest::StatusCode;
use sea_orm::{ConnectionTrait, Statement};
use std::path::Path;

/// Writes `value` into `column` of the user `email`'s row with SQL of its
/// own, as a faulty migration or a hand edit would.
async fn corrupt(database_url: &str, email: &str, column: &str, value: &str) {
    let store = SeaStore::connect(database_url).await.unwrap();
    let backend = store.connection().get_database_backend();
    let sql = format!("UPDATE users SET {column} = $1 WHERE email = $2");
    let sql =
        if backend == sea_orm::DbBackend::Sqlite { sql.replace("$1", "?").replace("$2", "?") } else { sql };
    let updated = store
        .connection()
        .execute_raw(Statement::from_sql_and_values(backend, &sql, [value.into(), email.into()]))
        .await
        .unwrap();
    assert_eq!(updated.rows_affected(), 1);
    store.close().await.unwrap();
}

/// The API's answer to reading the damaged row: 500 `internal`, no
/// `Retry-After`, none of `leaks` in the body.
async fn assert_api_internal(client: &Client, admin: &str, path: &str, leaks: &[&str]) {
    let response = client.http.get(format!("{}{path}", client.base)).bearer_auth(admin).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR, "{path}");
    assert!(response.headers().get("retry-after").is_none(), "{path}: {:?}", response.headers());
    assert_eq!(response.headers()["content-type"], "application/problem+json", "{path}");
    let text = response.text().await.unwrap();
    let body: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(body["type"], "urn:practice-identity:problem:internal", "{path}: {body}");
    assert_eq!(body["status"], 500, "{path}: {body}");
    for cause in leaks {
        assert!(!text.contains(cause), "{path}: the cause travelled ({cause}): {text}");
    }
}

/// The console's answer to a page reading the damaged row, for a viewer
/// signed in with the session `admin` (the console's cookie holds the same
/// session as the API's bearer token): its own 500 page, in its layout
/// with the navigation, none of `leaks` in it.
async fn assert_console_failed(client: &Client, admin: &str, path: &str, leaks: &[&str]) {
    let response = client
        .http
        .get(format!("{}{path}", client.base))
        .header("cookie", format!("__Host-session={admin}"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR, "{path}");
    assert!(response.headers().get("retry-after").is_none(), "{path}: {:?}", response.headers());
    assert!(response.headers()["content-type"].to_str().unwrap().starts_with("text/html"), "{path}");
    let html = response.text().await.unwrap();
    assert!(
        html.contains("<h1>Something went wrong</h1>"),
        "{path}: not the console's failure page:\n{html}"
    );
    assert!(html.contains("Something went wrong on our side."), "{path}:\n{html}");
    assert!(
        html.contains("/console/assets/console.") && html.contains(".css\""),
        "{path}: not in the console's style:\n{html}"
    );
    assert!(
        html.contains("<nav") && html.contains("href=\"/console/users\""),
        "{path}: no navigation:\n{html}"
    );
    for cause in leaks {
        assert!(!html.contains(cause), "{path}: the cause travelled ({cause}):\n{html}");
    }
}

/// A user whose `column` holds `value`: the API and the console pages that
/// read that user fail with 500 and the cause in the log only; the
/// viewer's own pages still answer.
async fn an_unreadable_user_fails_with_500_and_its_cause_in_the_log(
    dir: &Path,
    env: &[(&str, &str)],
    column: &str,
    value: &str,
) {
    let server = start(dir, env);
    let client = server.client();
    let admin = client.first_admin(server.first_password.as_deref().unwrap()).await;
    let role = client.role(&admin, "Paralegal").await;
    let email = "garbled@practice.example";
    let (status, created) = client.invite(&admin, &role, email).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = created["user"]["id"].as_str().unwrap().to_owned();

    let url = match env.iter().find(|(name, _)| *name == "IDENTITY_DATABASE_URL") {
        Some((_, url)) => (*url).to_owned(),
        None => format!("sqlite://{}", dir.join("data/identity.db").display()),
    };
    corrupt(&url, email, column, value).await;

    let place = format!("users.{column}");
    let leaks = [value, place.as_str(), "unreadable"];
    assert_api_internal(&client, &admin, &format!("/api/v1/users/{id}"), &leaks).await;
    // The list reads every row of the page, this one too: the same answer.
    assert_api_internal(&client, &admin, "/api/v1/users", &leaks).await;
    assert_console_failed(&client, &admin, &format!("/console/users/{id}"), &leaks).await;
    assert_console_failed(&client, &admin, "/console/users", &leaks).await;

    // What does not read that row still answers.
    let (status, body) = client.send(reqwest::Method::GET, "/api/v1/me", Some(&admin), None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let roles = client
        .http
        .get(format!("{}/console/roles", client.base))
        .header("cookie", format!("__Host-session={admin}"))
        .send()
        .await
        .unwrap();
    assert_eq!(roles.status(), StatusCode::OK);

    let (stopped, log) = server.stop();
    assert!(stopped, "{log}");
    let cause = format!("unreadable value in users.{column}");
    assert!(log.contains(&cause), "the log does not name the cause ({cause}):\n{log}");
    assert!(
        log.lines().any(|l| l.contains(&cause) && l.contains("the console could not complete a request")),
        "the console's failure is not logged with its cause:\n{log}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreadable_row_on_sqlite_answers_500_internal_not_503() {
    let dir = temp_dir("garbled");
    an_unreadable_user_fails_with_500_and_its_cause_in_the_log(&dir, &[], "time_zone", "Mars/Olympus_Mons")
        .await;
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreadable_row_on_postgresql_answers_500_internal_not_503() {
    let Some(pg) = postgres() else { return };
    let (url, name) = create_database(&pg, "garbled").await;
    let dir = temp_dir("garbled");
    an_unreadable_user_fails_with_500_and_its_cause_in_the_log(
        &dir,
        &[("IDENTITY_DATABASE_URL", &url)],
        "time_zone",
        "Mars/Olympus_Mons",
    )
    .await;
    std::fs::remove_dir_all(&dir).ok();
    drop_database(&pg, &name).await;
}

/// A status no version writes: the console's user page and list answer
/// the console's 500 page, the API 500 `internal`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_with_an_unknown_status_fails_the_console_page_with_its_500_page() {
    let dir = temp_dir("garbled-status");
    an_unreadable_user_fails_with_500_and_its_cause_in_the_log(&dir, &[], "status", "suspended").await;
    std::fs::remove_dir_all(&dir).ok();
}

/// An email the domain refuses, written by hand.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_with_an_invalid_email_fails_the_console_page_with_its_500_page() {
    let dir = temp_dir("garbled-email");
    an_unreadable_user_fails_with_500_and_its_cause_in_the_log(&dir, &[], "email", "not an email").await;
    std::fs::remove_dir_all(&dir).ok();
}
