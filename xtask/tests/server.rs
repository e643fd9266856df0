//! The one binary, end to end: `xtask serve` started as an operator would,
//! on SQLite and on PostgreSQL, driven over HTTP on a loopback port; mail
//! read back from the file outbox; stopped with SIGTERM and started again.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use identity_store::SeaStore;
use reqwest::StatusCode;
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

const PASSWORD: &str = "a long and private passphrase";

#[path = "common/binary.rs"]
mod binary;

use binary::{Running as Server, emailed_token};

/// Starts `xtask serve` in `dir` (the SQLite file and the mail outbox land
/// there unless `database_url` says otherwise) and waits until it listens.
fn start(dir: &Path, database_url: Option<&str>) -> Server {
    start_with(dir, database_url, &[])
}

/// [`start`] with more environment variables.
fn start_with(dir: &Path, database_url: Option<&str>, env: &[(&str, &str)]) -> Server {
    let mut env = env.to_vec();
    if let Some(url) = database_url {
        env.push(("IDENTITY_DATABASE_URL", url));
    }
    binary::start(dir, &env)
}

struct Client {
    http: reqwest::Client,
    base: String,
}

impl Client {
    async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut request = self.http.request(method, format!("{}{path}", self.base));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        let text = response.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
    }

    async fn sign_in(&self, email: &str, password: &str) -> (StatusCode, Value) {
        let body = json!({ "practice": "practice", "email": email, "password": password });
        self.send(reqwest::Method::POST, "/api/v1/sessions", None, Some(body)).await
    }
}

/// The immigration page over the real server: first sign-in, create and
/// invite, accept from the emailed link, cases, deactivate refused then
/// done with reassignment, sign out everywhere; then a restart keeps it all.
async fn walk(dir: &Path, database_url: Option<&str>) {
    use reqwest::Method;
    let server = start(dir, database_url);
    let client = Client { http: binary::http(), base: server.base.clone() };
    let one_time = server.first_password.clone().expect("first start printed a password");

    let (status, signed) = client.sign_in("admin@practice.example", &one_time).await;
    assert_eq!(status, StatusCode::CREATED, "{signed}");
    assert_eq!(signed["password_change_only"], true);
    let admin = signed["token"].as_str().unwrap().to_owned();
    let change = json!({ "current_password": one_time, "new_password": PASSWORD });
    assert_eq!(
        client.send(Method::PUT, "/api/v1/me/password", Some(&admin), Some(change)).await.0,
        StatusCode::NO_CONTENT
    );

    let (_, roles) = client.send(Method::GET, "/api/v1/roles", Some(&admin), None).await;
    let rcic =
        roles.as_array().unwrap().iter().find(|r| r["name"] == "RCIC Consultant").unwrap()["id"].clone();
    let new = |email: &str, mode: &str| {
        json!({ "email": email, "name": "Staff Member", "role": rcic, "language": "fr-CA",
                "time_zone": "America/Toronto", "credential": { "mode": mode } })
    };
    let (status, leaver) = client
        .send(Method::POST, "/api/v1/users", Some(&admin), Some(new("leaver@practice.example", "generate")))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{leaver}");
    let leaver_id = leaver["user"]["id"].as_str().unwrap().to_owned();
    let (status, heir) = client
        .send(Method::POST, "/api/v1/users", Some(&admin), Some(new("heir@practice.example", "invite")))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{heir}");
    let heir_id = heir["user"]["id"].as_str().unwrap().to_owned();

    let outbox = dir.join("data/mail-outbox");
    let token = emailed_token(&outbox, "heir@practice.example").await;
    let accept = json!({ "token": token, "new_password": PASSWORD });
    let (status, body) =
        client.send(Method::POST, "/api/v1/invitations/accept", None, Some(accept.clone())).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    assert_eq!(
        client.send(Method::POST, "/api/v1/invitations/accept", None, Some(accept)).await.0,
        StatusCode::BAD_REQUEST
    );
    let (status, heir_session) = client.sign_in("heir@practice.example", PASSWORD).await;
    assert_eq!(status, StatusCode::CREATED);
    let heir_token = heir_session["token"].as_str().unwrap().to_owned();

    for title in ["Study permit", "Work permit"] {
        let case = json!({ "title": title, "owner": leaver_id });
        assert_eq!(
            client.send(Method::POST, "/api/v1/cases", Some(&admin), Some(case)).await.0,
            StatusCode::CREATED
        );
    }
    let deactivate = format!("/api/v1/users/{leaver_id}/deactivate");
    let (status, refused) = client.send(Method::POST, &deactivate, Some(&admin), Some(json!({}))).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(refused["count"], 2);
    let (status, done) =
        client.send(Method::POST, &deactivate, Some(&admin), Some(json!({ "reassign_to": heir_id }))).await;
    assert_eq!(status, StatusCode::OK, "{done}");
    let (_, cases) = client
        .send(Method::GET, &format!("/api/v1/users/{heir_id}/cases?status=open"), Some(&admin), None)
        .await;
    assert_eq!(cases.as_array().unwrap().len(), 2);

    let (status, _) =
        client.send(Method::DELETE, &format!("/api/v1/users/{heir_id}/sessions"), Some(&admin), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        client.send(Method::GET, "/api/v1/me", Some(&heir_token), None).await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(client.send(Method::GET, "/readyz", None, None).await.0, StatusCode::OK);

    let (stopped, logs) = server.stop();
    assert!(stopped, "SIGTERM ends the server cleanly:\n{logs}");
    assert!(logs.contains("outbox worker stopped"), "{logs}");
    // Served on 127.0.0.1 with no public_url: WebAuthn has no domain name.
    assert!(logs.contains("passkeys are off"), "{logs}");
    for secret in [PASSWORD, one_time.as_str(), token.as_str(), admin.as_str()] {
        assert!(!logs.contains(secret), "a secret reached the logs");
    }

    // A restart keeps users, sessions and cases; no second first start.
    let again = start(dir, database_url);
    assert!(again.first_password.is_none());
    let client = Client { http: binary::http(), base: again.base.clone() };
    let (status, me) = client.send(Method::GET, "/api/v1/me", Some(&admin), None).await;
    assert_eq!(status, StatusCode::OK, "the session survived the restart: {me}");
    let (_, cases) =
        client.send(Method::GET, &format!("/api/v1/users/{heir_id}/cases"), Some(&admin), None).await;
    assert_eq!(cases.as_array().unwrap().len(), 2);
    assert!(again.stop().0);
}

fn temp_dir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("identity-server-{tag}-{}", uuid::Uuid::now_v7().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_walks_the_immigration_page_on_sqlite_and_survives_a_restart() {
    let dir = temp_dir("sqlite");
    walk(&dir, None).await;
    assert!(dir.join("data/identity.db").exists(), "the default database is a SQLite file in data/");
    std::fs::remove_dir_all(dir).ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_walks_the_immigration_page_on_postgresql() {
    let Ok(server) = std::env::var("IDENTITY_TEST_POSTGRES_URL") else {
        xtask::skips::record(xtask::skips::POSTGRES, &xtask::skips::current_test());
        return;
    };
    let name = format!("identity_server_test_{}", uuid::Uuid::now_v7().simple());
    let admin = SeaStore::connect(&server).await.unwrap();
    admin.connection().execute_unprepared(&format!("CREATE DATABASE \"{name}\"")).await.unwrap();
    let host = server
        .split_once("://")
        .map_or(server.as_str(), |(_, rest)| rest)
        .split('/')
        .next()
        .unwrap_or_default();
    let url = format!("postgres://{host}/{name}");
    let dir = temp_dir("postgres");
    let walked = tokio::spawn({
        let dir = dir.clone();
        async move { walk(&dir, Some(&url)).await }
    })
    .await;
    admin
        .connection()
        .execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
        .await
        .unwrap();
    admin.close().await.unwrap();
    std::fs::remove_dir_all(dir).ok();
    if let Err(failure) = walked {
        std::panic::resume_unwind(failure.into_panic());
    }
}

/// A practice of 100,000 users downloads whole: `xtask seed` fills it next
/// to the running server, and the CSV read back holds a header and exactly
/// one row per user. It counts rows; it does not time them (`xtask bench`
/// does).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_csv_download_of_a_practice_of_100000_users_holds_every_user_once() {
    const SEEDED: usize = 100_000;
    let dir = temp_dir("export");
    let server = start(&dir, None);
    let seeded = binary::xtask(&dir).args(["seed", "--users", &SEEDED.to_string()]).output().unwrap();
    assert!(seeded.status.success(), "{}", String::from_utf8_lossy(&seeded.stderr));

    let client = Client { http: binary::http(), base: server.base.clone() };
    let one_time = server.first_password.clone().unwrap();
    let (_, signed) = client.sign_in("admin@practice.example", &one_time).await;
    let admin = signed["token"].as_str().unwrap().to_owned();
    let change = json!({ "current_password": one_time, "new_password": PASSWORD });
    client.send(reqwest::Method::PUT, "/api/v1/me/password", Some(&admin), Some(change)).await;

    let response = client
        .http
        .get(format!("{}/api/v1/users/export?columns=email,name,status&sort=email", server.base))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let body = response.bytes().await.unwrap();
    let mut reader = csv::Reader::from_reader(body.as_ref());
    assert_eq!(reader.headers().unwrap(), vec!["email", "name", "status"]);
    let mut emails = Vec::with_capacity(SEEDED + 1);
    for record in reader.records() {
        emails.push(record.unwrap()[0].to_owned());
    }
    assert_eq!(emails.len(), SEEDED + 1, "every seeded user and the first Super Admin");
    assert!(emails.is_sorted(), "in email order");
    emails.dedup();
    assert_eq!(emails.len(), SEEDED + 1, "no user twice");

    assert!(server.stop().0);
    std::fs::remove_dir_all(dir).ok();
}

/// The console's sign-in and password forms spend the same per-address
/// budget as the API's anonymous routes: past it they answer 429 before
/// any password check, and so does the API.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_console_and_the_api_spend_one_budget_per_address() {
    let dir = temp_dir("limits");
    let server = start_with(&dir, None, &[("IDENTITY_SECURITY__ANONYMOUS_PER_MINUTE", "2")]);
    let http = binary::http();
    let mut statuses = Vec::new();
    for path in
        ["/console/sign-in", "/console/sign-in", "/console/sign-in", "/console/forgot", "/recover", "/join"]
    {
        let form = [("practice", "practice"), ("email", "nobody@practice.example"), ("password", "x")];
        let response = http.post(format!("{}{path}", server.base)).form(&form).send().await.unwrap();
        statuses.push(response.status().as_u16());
    }
    // One budget per address across the forms: two posts, then 429 for each.
    assert!(statuses[..2].iter().all(|s| *s != 429), "{statuses:?}");
    assert_eq!(statuses[2..], [429; 4], "{statuses:?}");
    // The API's routes spend the same budget: no second allowance.
    let (status, _) =
        Client { http, base: server.base.clone() }.sign_in("nobody@practice.example", "x").await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert!(server.stop().0);
    std::fs::remove_dir_all(dir).ok();
}

/// The lifetimes an operator sets (here through the environment) are the
/// ones the server hands out: a session's end, an invitation's and a
/// recovery link's expiry, and the one-time password's note in the banner.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn configured_lifetimes_are_the_ones_the_server_hands_out() {
    use chrono::{DateTime, Duration, Utc};
    use reqwest::Method;
    let dir = temp_dir("lifetimes");
    let mail = dir.join("mail");
    let env = [
        ("IDENTITY_SESSIONS__IDLE_MINUTES", "20"),
        ("IDENTITY_SESSIONS__ABSOLUTE_HOURS", "3"),
        ("IDENTITY_LINKS__INVITATION_DAYS", "2"),
        ("IDENTITY_LINKS__RECOVERY_MINUTES", "15"),
        ("IDENTITY_LINKS__ONE_TIME_PASSWORD_HOURS", "5"),
        ("IDENTITY_MAIL__TRANSPORT__KIND", "file"),
        ("IDENTITY_MAIL__TRANSPORT__FOLDER", mail.to_str().unwrap()),
        ("IDENTITY_MAIL__WORKER__POLL_INTERVAL_MS", "100"),
    ];
    let server = start_with(&dir, None, &env);
    assert!(server.banner.iter().any(|l| l.contains("within 5 hours")), "{:?}", server.banner);
    let client = server.client();
    let at = |value: &Value| value.as_str().unwrap().parse::<DateTime<Utc>>().unwrap();
    let within = |value: &Value, from: DateTime<Utc>, lifetime: Duration| {
        let when = at(value);
        // Stored times may drop what is finer than a millisecond.
        let earliest = from + lifetime - Duration::seconds(1);
        assert!(when >= earliest && when <= Utc::now() + lifetime, "{when} is not {lifetime} after {from}");
    };

    let started = Utc::now();
    client.first_admin(&server.first_password.clone().unwrap()).await;
    let body = json!({ "practice": "practice", "email": "admin@practice.example", "password": PASSWORD });
    let (status, signed) = client.send(Method::POST, "/api/v1/sessions", None, Some(body)).await;
    assert_eq!(status, StatusCode::CREATED, "{signed}");
    within(&signed["expires_at"], started, Duration::hours(3));
    let admin = signed["token"].as_str().unwrap().to_owned();

    let role = client.role(&admin, "Paralegal").await;
    let invited = Utc::now();
    let (status, body) = client.invite(&admin, &role, "ivy@practice.example").await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let token = emailed_token(&mail, "ivy@practice.example").await;
    let (status, link) =
        client.send(Method::POST, "/api/v1/links/inspect", None, Some(json!({ "token": token }))).await;
    assert_eq!(status, StatusCode::OK, "{link}");
    within(&link["expires_at"], invited, Duration::days(2));

    let asked = Utc::now();
    let body = json!({ "practice": "practice", "email": "admin@practice.example" });
    let (status, _) = client.send(Method::POST, "/api/v1/password/forgot", None, Some(body)).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let token = emailed_token(&mail, "admin@practice.example").await;
    let (status, link) =
        client.send(Method::POST, "/api/v1/links/inspect", None, Some(json!({ "token": token }))).await;
    assert_eq!(status, StatusCode::OK, "{link}");
    assert_eq!(link["purpose"], "recovery", "{link}");
    within(&link["expires_at"], asked, Duration::minutes(15));
    assert!(server.stop().0);
    std::fs::remove_dir_all(&dir).ok();
}
