//! Several server processes of the real binary on one PostgreSQL database,
//! racing each other: one address asked for on every server at once goes
//! to exactly one user, one invitation link submitted on every server at
//! once is accepted exactly once, a session made on one works on all and
//! ends on all at once, failed sign-ins spread over the servers reach the
//! lock together, concurrent edits of one version have one winner, the
//! outbox is drained exactly once by three workers, and a frozen server
//! holding a write stops nobody for longer than the configured timeout.
//! The servers share the outbox key and
//! write their emails to one folder, as processes behind one name would.
//! Skipped (and passing) without `IDENTITY_TEST_POSTGRES_URL`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "common/binary.rs"]
mod binary;

use binary::{PASSWORD, Running, emailed_token, start, temp_dir};
use identity_store::SeaStore;
use reqwest::{Method, StatusCode};
use sea_orm::{ConnectionTrait, Statement};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Server processes in each test.
const SERVERS: usize = 3;
/// Requests each server gets in a race.
const PER_SERVER: usize = 2;

/// The servers, their shared database and mail folder.
struct Cluster {
    servers: Vec<Running>,
    dirs: Vec<PathBuf>,
    mail: PathBuf,
    pg: String,
    name: String,
    url: String,
}

impl Cluster {
    /// `SERVERS` servers on a fresh database, or `None` without PostgreSQL.
    async fn start() -> Option<Self> {
        Self::start_with(&[]).await
    }

    /// [`Cluster::start`] with more settings for every server.
    async fn start_with(extra: &[(&str, &str)]) -> Option<Self> {
        let Ok(pg) = std::env::var("IDENTITY_TEST_POSTGRES_URL") else {
            println!("PostgreSQL run skipped: IDENTITY_TEST_POSTGRES_URL is not set");
            return None;
        };
        let name = format!("identity_many_{}", uuid::Uuid::now_v7().simple());
        let admin = SeaStore::connect(&pg).await.unwrap();
        admin.connection().execute_unprepared(&format!("CREATE DATABASE \"{name}\"")).await.unwrap();
        admin.close().await.unwrap();
        let host = pg.split_once("://").map_or(pg.as_str(), |(_, rest)| rest).split('/').next().unwrap();
        let url = format!("postgres://{host}/{name}");
        let mail = temp_dir("many-mail");
        let mut servers = Vec::new();
        let mut dirs = Vec::new();
        for n in 0..SERVERS {
            let dir = temp_dir("many");
            let worker = format!("server-{n}");
            let env = [
                ("IDENTITY_DATABASE_URL", url.as_str()),
                ("IDENTITY_OUTBOX_KEY", "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="),
                ("IDENTITY_MAIL__TRANSPORT__KIND", "file"),
                ("IDENTITY_MAIL__TRANSPORT__FOLDER", mail.to_str().unwrap()),
                ("IDENTITY_MAIL__WORKER__WORKER_ID", worker.as_str()),
                ("IDENTITY_MAIL__WORKER__POLL_INTERVAL_MS", "100"),
                ("IDENTITY_SECURITY__ANONYMOUS_PER_MINUTE", "100000"),
            ];
            let env: Vec<(&str, &str)> = env.iter().chain(extra).copied().collect();
            servers.push(start(&dir, &env));
            dirs.push(dir);
        }
        Some(Self { servers, dirs, mail, pg, name, url })
    }

    /// The first Super Admin's token, signed in through the first server.
    async fn admin(&self) -> String {
        let one_time = self.servers[0].first_password.clone().expect("the first server made the practice");
        self.servers[0].client().first_admin(&one_time).await
    }

    /// Sends `requests(server, i)` to every server `PER_SERVER` times, all
    /// at once; the statuses.
    async fn race(&self, request: impl Fn(usize, usize) -> (Method, String, Value)) -> Vec<StatusCode> {
        let mut tasks = Vec::new();
        for (s, server) in self.servers.iter().enumerate() {
            for i in 0..PER_SERVER {
                let client = server.client();
                let (method, path, body) = request(s, i);
                tasks.push(tokio::spawn(async move { client.send(method, &path, None, Some(body)).await }));
            }
        }
        let mut statuses = Vec::new();
        for task in tasks {
            statuses.push(task.await.unwrap().0);
        }
        statuses
    }

    async fn scalar(&self, sql: &str) -> i64 {
        let store = SeaStore::connect(&self.url).await.unwrap();
        let db = store.connection();
        let row = db.query_one_raw(Statement::from_string(db.get_database_backend(), sql)).await.unwrap();
        let n = row.unwrap().try_get_by_index::<i64>(0).unwrap();
        store.close().await.unwrap();
        n
    }

    async fn execute(&self, sql: &str) {
        let store = SeaStore::connect(&self.url).await.unwrap();
        store.connection().execute_unprepared(sql).await.unwrap();
        store.close().await.unwrap();
    }

    async fn stop(self) {
        for server in self.servers {
            let (clean, log) = server.stop();
            assert!(clean, "a server did not stop cleanly:\n{log}");
        }
        let admin = SeaStore::connect(&self.pg).await.unwrap();
        let drop = format!("DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)", self.name);
        admin.connection().execute_unprepared(&drop).await.unwrap();
        admin.close().await.unwrap();
        for dir in self.dirs.iter().chain([&self.mail]) {
            std::fs::remove_dir_all(dir).ok();
        }
    }
}

/// One address asked for on every server at once (in several cases and
/// spacings): exactly one user gets it, every other request is a conflict
/// naming the address as used, and the database holds one user and one
/// reservation for it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn servers_racing_for_one_address_give_it_to_exactly_one_user() {
    let Some(cluster) = Cluster::start().await else { return };
    let admin = cluster.admin().await;
    let role = cluster.servers[0].client().role(&admin, "Paralegal").await;
    let mut tasks = Vec::new();
    for (s, server) in cluster.servers.iter().enumerate() {
        for i in 0..PER_SERVER {
            let client = server.client();
            let (admin, role) = (admin.clone(), role.clone());
            let email = if (s + i) % 2 == 0 {
                "Race.Winner@Practice.Example"
            } else {
                " race.winner@practice.example"
            };
            tasks.push(tokio::spawn(async move { client.invite(&admin, &role, email).await }));
        }
    }
    let mut created = 0;
    for task in tasks {
        let (status, body) = task.await.unwrap();
        match status {
            StatusCode::CREATED => created += 1,
            StatusCode::CONFLICT => assert!(
                body["type"].as_str().unwrap_or_default().ends_with("email-previously-used"),
                "{body}"
            ),
            other => panic!("unexpected {other}: {body}"),
        }
    }
    let users = cluster
        .scalar("SELECT count(*) FROM users WHERE email_normalized = 'race.winner@practice.example'")
        .await;
    let reservations = cluster
        .scalar("SELECT count(*) FROM email_history WHERE normalized_email = 'race.winner@practice.example'")
        .await;
    cluster.stop().await;
    assert_eq!(created, 1, "exactly one create wins");
    assert_eq!((users, reservations), (1, 1));
}

/// One invitation link submitted on every server at once, each with its
/// own password: accepted exactly once, refused as an invalid link every
/// other time, and the winner's password is the one that signs in.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn servers_racing_for_one_link_accept_it_exactly_once() {
    let Some(cluster) = Cluster::start().await else { return };
    let admin = cluster.admin().await;
    let client = cluster.servers[0].client();
    let role = client.role(&admin, "Paralegal").await;
    let (status, body) = client.invite(&admin, &role, "joiner@practice.example").await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let token = emailed_token(&cluster.mail, "joiner@practice.example").await;
    let password = |s: usize, i: usize| format!("{PASSWORD} from server {s} try {i}");
    let statuses = cluster
        .race(|s, i| {
            let body = json!({ "token": token, "new_password": password(s, i) });
            (Method::POST, "/api/v1/invitations/accept".to_owned(), body)
        })
        .await;
    let accepted: Vec<usize> =
        statuses.iter().enumerate().filter(|(_, s)| s.is_success()).map(|(k, _)| k).collect();
    assert_eq!(accepted.len(), 1, "exactly one acceptance: {statuses:?}");
    assert!(
        statuses.iter().filter(|s| !s.is_success()).all(|s| *s == StatusCode::BAD_REQUEST),
        "every other submission is an invalid link: {statuses:?}"
    );
    let winner = accepted[0];
    let body = json!({ "practice": "practice", "email": "joiner@practice.example",
                       "password": password(winner / PER_SERVER, winner % PER_SERVER) });
    let (status, signed) =
        cluster.servers[SERVERS - 1].client().send(Method::POST, "/api/v1/sessions", None, Some(body)).await;
    let used = cluster.scalar("SELECT count(*) FROM links WHERE used_at IS NOT NULL").await;
    cluster.stop().await;
    assert_eq!(status, StatusCode::CREATED, "the winner's password signs in: {signed}");
    assert_eq!(used, 1);
}

/// The emails in `folder` addressed to `to`.
fn emails_to(folder: &Path, to: &str) -> usize {
    std::fs::read_dir(folder)
        .map(|entries| {
            entries
                .flatten()
                .filter(|e| {
                    std::fs::read_to_string(e.path()).is_ok_and(|text| text.contains(&format!("<{to}>")))
                })
                .count()
        })
        .unwrap_or(0)
}

/// Invites `email` through `client` and accepts the emailed link with
/// [`PASSWORD`]: an active user who can sign in; their id.
async fn active_user(
    cluster: &Cluster,
    client: &binary::Client,
    admin: &str,
    role: &Value,
    email: &str,
) -> String {
    let (status, user) = client.invite(admin, role, email).await;
    assert_eq!(status, StatusCode::CREATED, "{user}");
    let token = emailed_token(&cluster.mail, email).await;
    let body = json!({ "token": token, "new_password": PASSWORD });
    let (status, body) = client.send(Method::POST, "/api/v1/invitations/accept", None, Some(body)).await;
    assert!(status.is_success(), "{body}");
    user["user"]["id"].as_str().unwrap().to_owned()
}

/// Signs `email` in with `password` through `client`: the status and body.
async fn sign_in(client: &binary::Client, email: &str, password: &str) -> (StatusCode, Value) {
    let body = json!({ "practice": "practice", "email": email, "password": password });
    client.send(Method::POST, "/api/v1/sessions", None, Some(body)).await
}

/// What every server shares through the database: sessions (made on one,
/// used on all, ended on all by a sign-out-all on one), the failure count
/// and its throttle (failures alternating between servers reach the lock
/// at 100), the version of a user (one of three concurrent edits of one
/// version wins), and the outbox (30 invitations made on three servers at
/// once are each delivered exactly once by the three workers).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_failures_versions_and_the_outbox_are_shared_by_every_server() {
    let Some(cluster) = Cluster::start().await else { return };
    let admin = cluster.admin().await;
    let clients: Vec<binary::Client> = cluster.servers.iter().map(Running::client).collect();
    let role = clients[0].role(&admin, "Paralegal").await;

    // The outbox: 30 invitations, 10 made on each server at once.
    let mut tasks = Vec::new();
    for (s, client) in clients.iter().enumerate() {
        for i in 0..10 {
            let (client, admin, role) = (client.clone(), admin.clone(), role.clone());
            tasks.push(tokio::spawn(async move {
                client.invite(&admin, &role, &format!("queued-{s}-{i}@practice.example")).await
            }));
        }
    }
    for task in tasks {
        let (status, body) = task.await.unwrap();
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }
    let recipients: Vec<String> =
        (0..3).flat_map(|s| (0..10).map(move |i| format!("queued-{s}-{i}@practice.example"))).collect();
    binary::eventually("all 30 invitations delivered", Duration::from_secs(60), || {
        recipients.iter().all(|to| emails_to(&cluster.mail, to) >= 1)
    })
    .await;
    // Several poll intervals more: a second delivery would show by now.
    tokio::time::sleep(Duration::from_secs(1)).await;
    for to in &recipients {
        assert_eq!(emails_to(&cluster.mail, to), 1, "{to} got one email, not several");
    }
    let resent = cluster
        .scalar("SELECT count(*) FROM outbox WHERE to_email LIKE 'queued-%' AND (status <> 'sent' OR attempts <> 1)")
        .await;
    assert_eq!(resent, 0, "every invitation sent at the first attempt, once");

    // Sessions: made on each server, each used on every server.
    let id = active_user(&cluster, &clients[0], &admin, &role, "roaming@practice.example").await;
    let mut tokens = Vec::new();
    for client in &clients {
        let (status, signed) = sign_in(client, "roaming@practice.example", PASSWORD).await;
        assert_eq!(status, StatusCode::CREATED, "{signed}");
        tokens.push(signed["token"].as_str().unwrap().to_owned());
    }
    for token in &tokens {
        for client in &clients {
            let (status, me) = client.send(Method::GET, "/api/v1/me", Some(token), None).await;
            assert_eq!(status, StatusCode::OK, "a session made on one server works on every one: {me}");
        }
    }
    // Signed out everywhere through the second server: no server accepts
    // any of the three sessions from the next request on.
    let (status, body) =
        clients[1].send(Method::DELETE, &format!("/api/v1/users/{id}/sessions"), Some(&admin), None).await;
    assert!(status.is_success(), "{body}");
    for token in &tokens {
        for client in &clients {
            let (status, _) = client.send(Method::GET, "/api/v1/me", Some(token), None).await;
            assert_eq!(status, StatusCode::UNAUTHORIZED, "ended on every server at once");
        }
    }

    // Failures: 98 counted long ago, then wrong passwords on alternating
    // servers. An attempt within the throttle's delay on another server is
    // refused unchecked and not counted; the hundredth locks the account
    // for every server, the right password included.
    let failures = |sql: &str| sql.replace("{id}", &id);
    cluster.execute(&failures(
        "UPDATE credentials SET failed_attempts = 98, last_failure_at = now() - interval '1 hour' WHERE user_id = '{id}'",
    ))
    .await;
    let (status, _) = sign_in(&clients[0], "roaming@practice.example", "wrong on the first server").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = sign_in(&clients[1], "roaming@practice.example", "wrong on the second, too soon").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let counted =
        cluster.scalar(&failures("SELECT failed_attempts FROM credentials WHERE user_id = '{id}'")).await;
    assert_eq!(counted, 99, "the second server saw the first's failure and its delay");
    // The delay (10 s after 50 failures) passes.
    cluster
        .execute(&failures(
            "UPDATE credentials SET last_failure_at = now() - interval '1 minute' WHERE user_id = '{id}'",
        ))
        .await;
    let (status, _) = sign_in(&clients[1], "roaming@practice.example", "wrong on the second server").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    cluster
        .execute(&failures(
            "UPDATE credentials SET last_failure_at = now() - interval '1 minute' WHERE user_id = '{id}'",
        ))
        .await;
    let (status, _) = sign_in(&clients[2], "roaming@practice.example", PASSWORD).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "locked on every server, the right password too");
    let locked =
        cluster.scalar(&failures("SELECT count(*) FROM credentials WHERE user_id = '{id}' AND locked")).await;
    assert_eq!(locked, 1);

    // Versions: three edits of one version, one per server, at once.
    let http = binary::http();
    let (status, user) =
        clients[0].send(Method::GET, &format!("/api/v1/users/{id}"), Some(&admin), None).await;
    assert_eq!(status, StatusCode::OK);
    let version = user["version"].as_i64().unwrap();
    let mut edits = Vec::new();
    for (s, server) in cluster.servers.iter().enumerate() {
        let request = http
            .patch(format!("{}/api/v1/users/{id}", server.base))
            .bearer_auth(&admin)
            .header("If-Match", format!("\"{version}\""))
            .json(&json!({ "title": format!("Edited on server {s}") }));
        edits.push(tokio::spawn(async move { request.send().await.unwrap().status() }));
    }
    let mut statuses = Vec::new();
    for edit in edits {
        statuses.push(edit.await.unwrap());
    }
    assert_eq!(statuses.iter().filter(|s| **s == StatusCode::OK).count(), 1, "one winner: {statuses:?}");
    assert_eq!(
        statuses.iter().filter(|s| **s == StatusCode::PRECONDITION_FAILED).count(),
        2,
        "the others are told the version moved: {statuses:?}"
    );
    let (_, user) = clients[2].send(Method::GET, &format!("/api/v1/users/{id}"), Some(&admin), None).await;
    assert_eq!(user["version"].as_i64().unwrap(), version + 1, "written once");
    cluster.stop().await;
}

/// A server frozen (SIGSTOP) in the middle of a write holds its
/// transaction and the row it wrote; PostgreSQL ends that transaction after
/// `database.idle_in_transaction_timeout_secs`, so another server's edit
/// of the same user goes through once it has passed, an edit of another
/// user is not held up at all, and the frozen server, let go, serves again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_frozen_server_holding_a_write_holds_the_others_up_no_longer_than_the_timeout() {
    const IDLE_SECS: u64 = 3;
    let idle = IDLE_SECS.to_string();
    let extra = [("IDENTITY_DATABASE__IDLE_IN_TRANSACTION_TIMEOUT_SECS", idle.as_str())];
    let Some(cluster) = Cluster::start_with(&extra).await else { return };
    let admin = cluster.admin().await;
    let clients: Vec<binary::Client> = cluster.servers.iter().map(Running::client).collect();
    let role = clients[0].role(&admin, "Paralegal").await;
    let mut ids = Vec::new();
    for email in ["contended@practice.example", "bystander@practice.example"] {
        let (status, body) = clients[0].invite(&admin, &role, email).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        ids.push(body["user"]["id"].as_str().unwrap().to_owned());
    }
    let (contended, bystander) = (ids[0].clone(), ids[1].clone());
    let pid = cluster.servers[0].child.as_ref().unwrap().id().to_string();
    let signal = |name: &str| {
        assert!(std::process::Command::new("kill").args([name, &pid]).status().unwrap().success());
    };
    let held = format!(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = '{}' AND state = 'idle in transaction' \
         AND backend_xid IS NOT NULL",
        cluster.name
    );

    // Edits of one user on the first server, without pause, until it is
    // frozen while one of them is inside its transaction and has written
    // (it holds a transaction id: its first write is the user's row, which
    // it keeps locked).
    let mut writers = tokio::task::JoinSet::new();
    for w in 0..4 {
        let (client, admin, id) = (clients[0].clone(), admin.clone(), contended.clone());
        writers.spawn(async move {
            for n in 0.. {
                let body = json!({ "title": format!("writer {w} edit {n}") });
                client.send(Method::PATCH, &format!("/api/v1/users/{id}"), Some(&admin), Some(body)).await;
            }
        });
    }
    let mut frozen_holding = false;
    for _ in 0..40 {
        tokio::time::sleep(Duration::from_millis(150)).await;
        signal("-STOP");
        tokio::time::sleep(Duration::from_millis(100)).await;
        if cluster.scalar(&held).await > 0 {
            frozen_holding = true;
            break;
        }
        signal("-CONT");
    }
    assert!(frozen_holding, "the first server was never frozen inside a transaction");

    // Another user's edit on another server: not held up.
    let started = Instant::now();
    let body = json!({ "title": "Edited while a server is frozen" });
    let (status, answer) =
        clients[2].send(Method::PATCH, &format!("/api/v1/users/{bystander}"), Some(&admin), Some(body)).await;
    let bystander_took = started.elapsed();
    assert_eq!(status, StatusCode::OK, "{answer}");
    // The frozen transaction's user, on another server: through once the
    // frozen transaction has been ended.
    let started = Instant::now();
    let body = json!({ "title": "Edited after the frozen server's transaction ended" });
    let (status, answer) =
        clients[1].send(Method::PATCH, &format!("/api/v1/users/{contended}"), Some(&admin), Some(body)).await;
    let contended_took = started.elapsed();
    println!(
        "with a server frozen in a transaction: another user's edit took {bystander_took:?}, \
         the held user's {contended_took:?} (idle-in-transaction timeout {IDLE_SECS} s)"
    );
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert!(
        contended_took < Duration::from_secs(IDLE_SECS + 10),
        "held up {contended_took:?}, far beyond the {IDLE_SECS} s timeout"
    );
    let deadline = Instant::now() + Duration::from_secs(IDLE_SECS + 10);
    while cluster.scalar(&held).await > 0 {
        assert!(Instant::now() < deadline, "the frozen transaction was never ended");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    // Let go, the first server serves writes again.
    signal("-CONT");
    writers.abort_all();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let body = json!({ "title": "Edited on the first server again" });
        let (status, answer) = clients[0]
            .send(Method::PATCH, &format!("/api/v1/users/{contended}"), Some(&admin), Some(body))
            .await;
        if status == StatusCode::OK {
            break;
        }
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{answer}");
        assert!(Instant::now() < deadline, "the first server did not serve again: {answer}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    cluster.stop().await;
}
