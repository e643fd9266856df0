//! Several server processes of the real binary on one PostgreSQL database,
//! racing each other: one address asked for on every server at once goes
//! to exactly one user, and one invitation link submitted on every server
//! at once is accepted exactly once. The servers share the outbox key and
//! write their emails to one folder, as processes behind one name would.
//! Skipped (and passing) without `IDENTITY_TEST_POSTGRES_URL`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "common/binary.rs"]
mod binary;

use binary::{PASSWORD, Running, start, temp_dir};
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

    async fn stop(self) {
        for server in self.servers {
            assert!(server.stop().0, "a server did not stop cleanly");
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

/// The token of the newest emailed link to `to` in `folder`, waiting for a
/// worker to write it.
async fn emailed_token(folder: &Path, to: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let mut found: Vec<(std::time::SystemTime, String)> = std::fs::read_dir(folder)
            .map(|entries| {
                entries
                    .flatten()
                    .filter_map(|e| {
                        let raw = std::fs::read_to_string(e.path()).ok()?;
                        let text = raw.replace("=\r\n", "").replace("=\n", "").replace("=3D", "=");
                        let modified = e.metadata().ok()?.modified().ok()?;
                        (text.contains(&format!("<{to}>")) && text.contains("#token="))
                            .then_some((modified, text))
                    })
                    .collect()
            })
            .unwrap_or_default();
        found.sort();
        if let Some((_, text)) = found.pop() {
            let start = text.find("#token=").unwrap() + "#token=".len();
            return text[start..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || "-_".contains(*c))
                .collect();
        }
        assert!(Instant::now() < deadline, "no email with a link to {to} in {}", folder.display());
        tokio::time::sleep(Duration::from_millis(100)).await;
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
