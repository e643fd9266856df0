//! The real binary under faults: a full SQLite file, the database gone,
//! clients that never finish their headers, SIGTERM with them connected,
//! several processes starting at once on one empty PostgreSQL database,
//! and kill -9 in the middle of writes. Rows the server cannot read are
//! in `unreadable_rows.rs`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "common/binary.rs"]
mod binary;
#[path = "common/postgres.rs"]
mod postgres;

use binary::{Running, start, temp_dir};
use identity_store::SeaStore;
use postgres::{create_database, drop_database, postgres};
use reqwest::StatusCode;
use sea_orm::{ConnectionTrait, Statement};
use std::collections::BTreeSet;
use std::io::{Read, Write};
use std::path::Path;
use std::time::{Duration, Instant};

async fn sqlite(dir: &Path) -> SeaStore {
    SeaStore::connect(&format!("sqlite://{}", dir.join("data/identity.db").display())).await.unwrap()
}

async fn scalar(store: &SeaStore, sql: &str) -> i64 {
    let backend = store.connection().get_database_backend();
    let row = store.connection().query_one_raw(Statement::from_string(backend, sql)).await.unwrap().unwrap();
    row.try_get_by_index::<i64>(0).unwrap()
}

async fn emails(store: &SeaStore) -> BTreeSet<String> {
    let backend = store.connection().get_database_backend();
    let rows = store
        .connection()
        .query_all_raw(Statement::from_string(backend, "SELECT email FROM users"))
        .await
        .unwrap();
    rows.iter().map(|r| r.try_get_by_index::<String>(0).unwrap()).collect()
}

/// A full disk, simulated with SQLite's page cap: creates answer 503 (never
/// 201 for a user the file does not keep), `/readyz` says 503 while full,
/// and once room returns writes succeed again without a restart.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_sqlite_file_answers_503_keeps_every_answered_write_and_recovers_by_itself() {
    let dir = temp_dir("full");
    let server = start(&dir, &[]);
    let client = server.client();
    let admin = client.first_admin(server.first_password.as_deref().unwrap()).await;
    let role = client.role(&admin, "Paralegal").await;
    assert!(server.stop().0);

    // Ballast the test can give back later: about 150 pages.
    let store = sqlite(&dir).await;
    let db = store.connection();
    db.execute_unprepared("CREATE TABLE ballast (b BLOB)").await.unwrap();
    for _ in 0..150 {
        db.execute_unprepared("INSERT INTO ballast VALUES (zeroblob(4000))").await.unwrap();
    }
    let pages = scalar(&store, "PRAGMA page_count").await;
    store.close().await.unwrap();
    let cap = (pages + 40).to_string();

    let server = start(&dir, &[("IDENTITY_DATABASE__SQLITE_MAX_PAGES", &cap)]);
    let client = server.client();
    let mut answered = Vec::new();
    let mut refused = 0;
    for n in 0..3000 {
        let email = format!("staff{n}@practice.example");
        let (status, body) = client.invite(&admin, &role, &email).await;
        match status {
            StatusCode::CREATED => answered.push(email),
            StatusCode::SERVICE_UNAVAILABLE => {
                assert_eq!(body["type"], "urn:practice-identity:problem:storage-unavailable", "{body}");
                refused += 1;
                if refused == 5 {
                    break;
                }
            }
            other => panic!("a create on a full disk answered {other}: {body}"),
        }
    }
    println!("full after {} creates", answered.len());
    assert!(!answered.is_empty() && refused == 5, "the cap was reached: {} answered", answered.len());
    let (status, body) = client.send(reqwest::Method::GET, "/readyz", None, None).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "not ready while full: {body}");
    let (status, _) = client.send(reqwest::Method::GET, "/api/v1/users?limit=5", Some(&admin), None).await;
    assert_eq!(status, StatusCode::OK, "reads go on while full");

    // Room returns: the ballast's pages go back to the file's free list.
    let store = sqlite(&dir).await;
    store.connection().execute_unprepared("DROP TABLE ballast").await.unwrap();
    store.close().await.unwrap();
    let started = Instant::now();
    loop {
        let (status, _) = client.send(reqwest::Method::GET, "/readyz", None, None).await;
        if status == StatusCode::OK {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(15), "/readyz stayed {status} after room returned");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let (status, body) = client.invite(&admin, &role, "after@practice.example").await;
    assert_eq!(status, StatusCode::CREATED, "writes succeed again without a restart: {body}");
    answered.push("after@practice.example".to_owned());
    assert!(server.stop().0);

    // Every answered create is in the file after the restart.
    let store = sqlite(&dir).await;
    let kept = emails(&store).await;
    let lost: Vec<&String> = answered.iter().filter(|e| !kept.contains(*e)).collect();
    assert!(lost.is_empty(), "answered 201 but not in the file: {lost:?}");
    store.close().await.unwrap();
    let again = start(&dir, &[]);
    let (status, _) = again.client().send(reqwest::Method::GET, "/readyz", None, None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(again.stop().0);
    std::fs::remove_dir_all(dir).ok();
}

/// A client that sends half its headers is disconnected after the header
/// timeout, and holds nothing at shutdown: SIGTERM still ends the process,
/// with exit status 0, within the grace period.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_never_finishes_its_headers_is_closed_and_does_not_hold_shutdown() {
    let dir = temp_dir("slowloris");
    let server = start(
        &dir,
        &[("IDENTITY_HTTP__HEADER_READ_TIMEOUT_SECS", "2"), ("IDENTITY_HTTP__SHUTDOWN_GRACE_SECS", "5")],
    );
    let address = server.base.trim_start_matches("http://").to_owned();
    let half = |address: &str| {
        let mut stream = std::net::TcpStream::connect(address).unwrap();
        stream.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n").unwrap();
        stream.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
        stream
    };
    let mut stream = half(&address);
    let started = Instant::now();
    let mut rest = Vec::new();
    let _ = stream.read_to_end(&mut rest);
    let closed_after = started.elapsed();
    println!("a half-sent request was closed after {closed_after:?}");
    assert!(closed_after < Duration::from_secs(15), "still open after {closed_after:?}");

    // Connected and silent while SIGTERM arrives.
    let _held = half(&address);
    let _idle = std::net::TcpStream::connect(&address).unwrap();
    let started = Instant::now();
    let (stopped, logs) = server.stop();
    let took = started.elapsed();
    println!("SIGTERM with a half-sent request open: exited after {took:?}");
    assert!(stopped, "{logs}");
    assert!(took < Duration::from_secs(15), "{took:?}");
    std::fs::remove_dir_all(dir).ok();
}

/// Three servers started at once on one empty PostgreSQL database: all
/// three serve, and there is one practice.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_servers_started_at_once_on_an_empty_postgresql_database_all_serve() {
    let Some(pg) = postgres() else { return };
    let (url, name) = create_database(&pg, "startup").await;
    let dirs: Vec<_> = (0..3).map(|_| temp_dir("startup")).collect();
    let started: Vec<Result<Running, String>> = std::thread::scope(|scope| {
        let handles: Vec<_> = dirs
            .iter()
            .map(|dir| {
                let url = url.clone();
                scope.spawn(move || binary::try_start(dir, &[("IDENTITY_DATABASE_URL", url.as_str())]))
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let mut servers = Vec::new();
    for outcome in started {
        match outcome {
            Ok(server) => servers.push(server),
            Err(stderr) => {
                drop_database(&pg, &name).await;
                panic!("a server did not start: {stderr}");
            }
        }
    }
    let printed = servers.iter().filter(|s| s.first_password.is_some()).count();
    for server in &servers {
        let (status, _) = server.client().send(reqwest::Method::GET, "/readyz", None, None).await;
        assert_eq!(status, StatusCode::OK);
    }
    let store = SeaStore::connect(&url).await.unwrap();
    let practices = scalar(&store, "SELECT count(*) FROM practices").await;
    store.close().await.unwrap();
    for server in servers {
        assert!(server.stop().0);
    }
    drop_database(&pg, &name).await;
    assert_eq!(practices, 1);
    assert_eq!(printed, 1, "one process created the first practice and printed its password");
    for dir in dirs {
        std::fs::remove_dir_all(dir).ok();
    }
}

/// A TCP relay to PostgreSQL that the test can take away: the database
/// "gone" for the server while the test's own PostgreSQL runs on.
struct Relay {
    port: u16,
    stop: tokio::sync::watch::Sender<bool>,
}

async fn relay(to: String, port: u16) -> Relay {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let (stop, mut stopped) = tokio::sync::watch::channel(false);
    tokio::spawn(async move {
        loop {
            tokio::select! {
                accepted = listener.accept() => {
                    let Ok((mut client, _)) = accepted else { continue };
                    let to = to.clone();
                    let mut stopped = stopped.clone();
                    tokio::spawn(async move {
                        let Ok(mut server) = tokio::net::TcpStream::connect(&to).await else { return };
                        tokio::select! {
                            _ = tokio::io::copy_bidirectional(&mut client, &mut server) => {}
                            _ = stopped.changed() => {}
                        }
                    });
                }
                _ = stopped.changed() => return,
            }
        }
    });
    Relay { port, stop }
}

/// With the database gone (its listener closed), a request that needs it
/// answers 503 within the pool's acquire timeout, not the request timeout,
/// over the API and on the console's pages; once it is back, requests
/// succeed again without a restart.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_the_database_gone_a_request_answers_503_without_waiting_for_the_request_timeout() {
    let Some(pg) = postgres() else { return };
    let (url, name) = create_database(&pg, "gone").await;
    let target =
        url.split_once("://").unwrap().1.split('/').next().unwrap().rsplit('@').next().unwrap().to_owned();
    let first = relay(target.clone(), 0).await;
    let relayed = format!("postgres://postgres@127.0.0.1:{}/{name}", first.port);
    let dir = temp_dir("gone");
    let server = start(&dir, &[("IDENTITY_DATABASE_URL", relayed.as_str())]);
    let client = server.client();
    let admin = client.first_admin(server.first_password.as_deref().unwrap()).await;
    first.stop.send(true).unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    for path in ["/api/v1/me", "/readyz"] {
        let started = Instant::now();
        let (status, body) = client.send(reqwest::Method::GET, path, Some(&admin), None).await;
        let took = started.elapsed();
        println!("database gone: {path} answered {status} after {took:?}");
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
        assert!(took < Duration::from_secs(15), "{took:?}");
    }
    // The console's pages say the same: try again in a moment, no cause.
    let page = binary::http()
        .get(format!("{}/console/users", server.base))
        .header("cookie", format!("__Host-session={admin}"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::SERVICE_UNAVAILABLE);
    let html = page.text().await.unwrap();
    assert!(html.contains("Try again in a moment") && !html.contains(&first.port.to_string()), "{html}");
    // The database is back: requests succeed again without a restart.
    let _back = relay(target, first.port).await;
    let started = Instant::now();
    loop {
        let (status, _) = client.send(reqwest::Method::GET, "/api/v1/me", Some(&admin), None).await;
        if status == StatusCode::OK {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(15), "still {status} with the database back");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(client.send(reqwest::Method::GET, "/readyz", None, None).await.0, StatusCode::OK);
    assert!(server.stop().0);
    drop_database(&pg, &name).await;
    std::fs::remove_dir_all(dir).ok();
}

/// kill -9 in the middle of a bounded mixed write load (creates by
/// invitation and with a password, cases, deactivations with their cases
/// handed over), then a restart: every change is whole or absent.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_during_writes_leaves_every_change_whole_or_absent() {
    use serde_json::json;
    let dir = temp_dir("kill9");
    let server = start(&dir, &[]);
    let client = server.client();
    let admin = client.first_admin(server.first_password.as_deref().unwrap()).await;
    let (_, me) = client.send(reqwest::Method::GET, "/api/v1/me", Some(&admin), None).await;
    let admin_id = me["id"].clone();
    let role = client.role(&admin, "RCIC Consultant").await;
    let load: Vec<_> = (0..4)
        .map(|worker| {
            let client = server.client();
            let (admin, role, admin_id) = (admin.clone(), role.clone(), admin_id.clone());
            tokio::spawn(async move {
                for n in 0..200 {
                    let mode = if n % 2 == 0 { "generate" } else { "invite" };
                    let body = json!({ "email": format!("w{worker}-{n}@practice.example"), "name": "Load Test",
                        "role": role, "language": "en", "time_zone": "UTC", "credential": { "mode": mode } });
                    // Once the server is killed every request fails: the load ends.
                    let send = |path: String, body: serde_json::Value| {
                        let request = client.http.post(format!("{}{path}", client.base)).bearer_auth(&admin);
                        async move { request.json(&body).send().await.ok() }
                    };
                    let Some(created) = send("/api/v1/users".to_owned(), body).await else { return };
                    if created.status() != StatusCode::CREATED || mode == "invite" {
                        continue;
                    }
                    let Ok(created) = created.json::<serde_json::Value>().await else { return };
                    let id = created["user"]["id"].clone();
                    let case = json!({ "title": format!("Case {worker}-{n}"), "owner": id });
                    if send("/api/v1/cases".to_owned(), case).await.is_none() {
                        return;
                    }
                    let path = format!("/api/v1/users/{}/deactivate", id.as_str().unwrap_or_default());
                    if send(path, json!({ "reassign_to": admin_id })).await.is_none() {
                        return;
                    }
                }
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(2500)).await;
    server.kill();
    for task in load {
        let _ = task.await;
    }

    let again = start(&dir, &[]);
    assert!(again.first_password.is_none());
    let (status, _) = again.client().send(reqwest::Method::GET, "/readyz", None, None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(again.stop().0);
    let store = sqlite(&dir).await;
    assert_eq!(
        scalar(&store, "SELECT count(*) FROM pragma_integrity_check WHERE integrity_check <> 'ok'").await,
        0
    );
    let users = scalar(&store, "SELECT count(*) FROM users WHERE email LIKE 'w%'").await;
    println!("kill -9 after {users} users were created");
    assert!(users > 0, "the load ran before the kill");
    let unaudited = "SELECT count(*) FROM users u WHERE u.email LIKE 'w%' AND NOT EXISTS \
        (SELECT 1 FROM audit_log a WHERE a.target_id = u.id AND a.action IN ('user.created', 'user.invited'))";
    assert_eq!(scalar(&store, unaudited).await, 0, "a user without its audit entry");
    let orphaned = "SELECT count(*) FROM cases c JOIN users u ON u.id = c.owner_id \
        WHERE c.status = 'open' AND u.status = 'inactive'";
    assert_eq!(scalar(&store, orphaned).await, 0, "an open case owned by an inactive user");
    let unaudited_deactivation = "SELECT count(*) FROM users u WHERE u.status = 'inactive' AND NOT EXISTS \
        (SELECT 1 FROM audit_log a WHERE a.target_id = u.id AND a.action = 'user.deactivated')";
    assert_eq!(scalar(&store, unaudited_deactivation).await, 0, "a deactivation without its audit entry");
    let not_one_email = "SELECT count(*) FROM users u WHERE u.email LIKE 'w%' AND \
        (SELECT count(*) FROM outbox o WHERE o.to_email = u.email) <> 1";
    assert_eq!(scalar(&store, not_one_email).await, 0, "a created user without exactly one email");
    store.close().await.unwrap();
    std::fs::remove_dir_all(dir).ok();
}

/// An in-process server from the composition root (`serve::build`, with
/// settings read by the real loader from `toml`), serving until the
/// returned sender is dropped or fired.
async fn serve_in_process(dir: &Path, toml: &str) -> (String, xtask::serve::ServerHandle) {
    let file = dir.join(format!("identity-{}.toml", uuid::Uuid::now_v7().simple()));
    std::fs::write(&file, toml).unwrap();
    let settings = xtask::config::load(&file).unwrap();
    let server = xtask::serve::build(settings).await.unwrap();
    let base = format!("http://{}", server.local_addr().unwrap());
    (base, server.spawn())
}

/// Waits, if needed, so that the next few seconds stay inside one budget
/// window (they are whole minutes).
async fn away_from_a_window_edge() {
    let second = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() % 60;
    if second > 40 {
        tokio::time::sleep(Duration::from_secs(61 - second)).await;
    }
}

async fn sign_in_status(http: &reqwest::Client, base: &str) -> u16 {
    let body = serde_json::json!({ "practice": "practice", "email": "nobody@practice.example", "password": "wrong" });
    http.post(format!("{base}/api/v1/sessions")).json(&body).send().await.unwrap().status().as_u16()
}

async fn console_sign_in_status(http: &reqwest::Client, base: &str) -> u16 {
    let form = [("practice", "practice"), ("email", "nobody@practice.example"), ("password", "wrong")];
    http.post(format!("{base}/console/sign-in")).form(&form).send().await.unwrap().status().as_u16()
}

/// One budget per client address across the API, the console and every
/// server process on one database, kept across a restart: two servers on
/// one PostgreSQL database spend it together, and a server started again
/// finds it spent.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_servers_on_one_postgresql_spend_one_address_budget_that_survives_a_restart() {
    let Some(pg) = postgres() else { return };
    let (url, name) = create_database(&pg, "budget").await;
    let dir = temp_dir("budget");
    let toml = format!(
        "listen = \"127.0.0.1:0\"\ndatabase_url = \"{url}\"\noutbox_key_file = \"{key}\"\n\
         [security]\nanonymous_per_minute = 4\n[mail.transport]\nkind = \"file\"\nfolder = \"{mail}\"\n",
        key = dir.join("outbox.key").display(),
        mail = dir.join("outbox").display(),
    );
    let (a, server_a) = serve_in_process(&dir, &toml).await;
    let (b, server_b) = serve_in_process(&dir, &toml).await;
    away_from_a_window_edge().await;
    let http = binary::http();
    let spent = [
        sign_in_status(&http, &a).await,
        sign_in_status(&http, &b).await,
        console_sign_in_status(&http, &a).await,
        console_sign_in_status(&http, &b).await,
    ];
    assert!(spent.iter().all(|s| *s != 429), "four within the budget: {spent:?}");
    assert_eq!(sign_in_status(&http, &a).await, 429, "the fifth, whichever server and front door");
    assert_eq!(console_sign_in_status(&http, &b).await, 429);
    server_a.stop().await.unwrap();
    let (again, server_again) = serve_in_process(&dir, &toml).await;
    assert_eq!(sign_in_status(&http, &again).await, 429, "a restart does not reset the budget");
    server_again.stop().await.unwrap();
    server_b.stop().await.unwrap();
    let store = SeaStore::connect(&url).await.unwrap();
    let rows = scalar(&store, "SELECT count(*) FROM address_budgets").await;
    store.close().await.unwrap();
    drop_database(&pg, &name).await;
    assert_eq!(rows, 1, "one row: the loopback address in this window");
    std::fs::remove_dir_all(dir).ok();
}

/// On SQLite too the budget is in the database: a restart keeps it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_address_budget_survives_a_restart_on_sqlite() {
    let dir = temp_dir("budget-sqlite");
    let toml = format!(
        "listen = \"127.0.0.1:0\"\ndatabase_url = \"sqlite://{db}\"\n\
         [security]\nanonymous_per_minute = 2\n[mail.transport]\nkind = \"file\"\nfolder = \"{mail}\"\n",
        db = dir.join("identity.db").display(),
        mail = dir.join("outbox").display(),
    );
    away_from_a_window_edge().await;
    let http = binary::http();
    let (first, server) = serve_in_process(&dir, &toml).await;
    assert_eq!(sign_in_status(&http, &first).await, 401);
    assert_eq!(
        console_sign_in_status(&http, &first).await,
        403,
        "spent, then refused for its missing form token"
    );
    assert_eq!(sign_in_status(&http, &first).await, 429);
    server.stop().await.unwrap();
    let (again, server) = serve_in_process(&dir, &toml).await;
    assert_eq!(sign_in_status(&http, &again).await, 429);
    server.stop().await.unwrap();
    std::fs::remove_dir_all(dir).ok();
}

/// A mail server that accepts connections and then says nothing: each
/// accepted connection is held open, silent, until the test ends.
struct SilentMailServer {
    port: u16,
    accepted: std::sync::Arc<std::sync::atomic::AtomicUsize>,
}

impl SilentMailServer {
    fn start() -> Self {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let accepted = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let counter = accepted.clone();
        std::thread::spawn(move || {
            let mut held = Vec::new();
            for stream in listener.incoming().flatten() {
                counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                held.push(stream);
            }
        });
        Self { port, accepted }
    }

    fn accepted(&self) -> usize {
        self.accepted.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// The settings that send mail through it, with a send timeout far
    /// longer than the shutdown grace period (and a lease longer still).
    fn settings(&self) -> Vec<(&'static str, String)> {
        vec![
            ("IDENTITY_MAIL__WORKER__LEASE_SECS", "300".to_owned()),
            ("IDENTITY_MAIL__TRANSPORT__KIND", "smtp".to_owned()),
            ("IDENTITY_MAIL__TRANSPORT__HOST", "127.0.0.1".to_owned()),
            ("IDENTITY_MAIL__TRANSPORT__PORT", self.port.to_string()),
            ("IDENTITY_MAIL__TRANSPORT__SECURITY", "plain".to_owned()),
            ("IDENTITY_MAIL__WORKER__SEND_TIMEOUT_SECS", "120".to_owned()),
            ("IDENTITY_MAIL__WORKER__POLL_INTERVAL_MS", "200".to_owned()),
            ("IDENTITY_HTTP__SHUTDOWN_GRACE_SECS", "3".to_owned()),
        ]
    }
}

/// Starts the binary on `dir` with the silent mail server, creates the
/// first Super Admin's session and two invitations, and waits until their
/// sends are stuck on the silent server.
async fn with_sends_stuck(dir: &Path, silent: &SilentMailServer) -> Running {
    with_sends_stuck_and(dir, silent, &[]).await
}

/// [`with_sends_stuck`] with `more` settings over the silent server's.
async fn with_sends_stuck_and(
    dir: &Path,
    silent: &SilentMailServer,
    more: &[(&'static str, &str)],
) -> Running {
    let mut settings = silent.settings();
    settings.extend(more.iter().map(|(k, v)| (*k, (*v).to_owned())));
    let env: Vec<(&str, &str)> = settings.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let server = start(dir, &env);
    let client = server.client();
    let admin = client.first_admin(server.first_password.as_deref().unwrap()).await;
    let role = client.role(&admin, "Paralegal").await;
    for email in ["one@practice.example", "two@practice.example"] {
        assert_eq!(client.invite(&admin, &role, email).await.0, StatusCode::CREATED);
    }
    binary::eventually("the sends to reach the silent server", Duration::from_secs(30), || {
        silent.accepted() >= 1
    })
    .await;
    server
}

/// The emails the file transport wrote into `dir`'s default mail folder.
fn delivered(dir: &Path) -> usize {
    std::fs::read_dir(dir.join("data/mail-outbox")).map(|entries| entries.count()).unwrap_or(0)
}

/// SIGTERM while sends wait on a mail server that accepted and went
/// silent: the process exits 0 within its grace period (not after the
/// send timeout), the claimed emails are released, and a restart delivers
/// every one at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_with_sends_stuck_on_a_silent_mail_server_exits_in_time_and_loses_no_email() {
    let dir = temp_dir("silent-smtp");
    let silent = SilentMailServer::start();
    let server = with_sends_stuck(&dir, &silent).await;
    let started = Instant::now();
    let (stopped, logs) = server.stop();
    let took = started.elapsed();
    println!("SIGTERM with sends stuck on a silent mail server: exited after {took:?}");
    assert!(stopped, "{logs}");
    assert!(took < Duration::from_secs(60), "shutdown waited for the 120 s send timeout: {took:?}");

    let store = sqlite(&dir).await;
    assert_eq!(scalar(&store, "SELECT count(*) FROM outbox WHERE status <> 'pending'").await, 0);
    assert_eq!(
        scalar(&store, "SELECT count(*) FROM outbox WHERE claimed_by IS NOT NULL").await,
        0,
        "released"
    );
    let queued = scalar(&store, "SELECT count(*) FROM outbox").await;
    store.close().await.unwrap();

    let started = Instant::now();
    let again = start(&dir, &[]);
    let expected = usize::try_from(queued).unwrap();
    binary::eventually("every email after the restart", Duration::from_secs(30), || {
        delivered(&dir) == expected
    })
    .await;
    println!("{expected} released emails delivered {:?} after the restart", started.elapsed());
    let (stopped, logs) = again.stop();
    assert!(stopped, "{logs}");
    std::fs::remove_dir_all(dir).ok();
}

/// kill -9 while sends wait on a silent mail server: the emails stay
/// claimed by the dead process, and the restarted process (the same worker
/// identity) takes them back at once instead of waiting out the lease.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_kill_9_with_emails_claimed_a_restart_delivers_them_within_a_minute() {
    let dir = temp_dir("kill9-mail");
    let silent = SilentMailServer::start();
    let server = with_sends_stuck(&dir, &silent).await;
    server.kill();

    let store = sqlite(&dir).await;
    let claimed = scalar(&store, "SELECT count(*) FROM outbox WHERE claimed_by IS NOT NULL").await;
    let queued = scalar(&store, "SELECT count(*) FROM outbox").await;
    store.close().await.unwrap();
    assert!(claimed >= 1, "the dead process held claims");

    let started = Instant::now();
    let again = start(&dir, &[]);
    let expected = usize::try_from(queued).unwrap();
    binary::eventually("every email after the restart", Duration::from_secs(60), || {
        delivered(&dir) == expected
    })
    .await;
    println!(
        "after kill -9, {expected} emails ({claimed} claimed) delivered {:?} after the restart",
        started.elapsed()
    );
    assert!(again.stop().0);
    std::fs::remove_dir_all(dir).ok();
}

/// kill -9 of a server whose host never comes back, while its sends wait
/// on a silent mail server: another server (another worker identity) on
/// the same database leaves the dead one's claims alone while their lease
/// lives, and delivers every email once it ends — within a minute with the
/// default lease; here the lease is 8 s to keep the test short.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_kill_9_of_a_host_that_never_returns_another_server_delivers_its_emails_when_the_lease_ends() {
    let dir = temp_dir("kill9-other-host");
    let silent = SilentMailServer::start();
    let lease = [
        ("IDENTITY_MAIL__WORKER__LEASE_SECS", "8"),
        ("IDENTITY_MAIL__WORKER__SEND_TIMEOUT_SECS", "6"),
        ("IDENTITY_MAIL__WORKER__WORKER_ID", "host-a"),
    ];
    let server = with_sends_stuck_and(&dir, &silent, &lease).await;
    server.kill();
    let killed = Instant::now();

    let store = sqlite(&dir).await;
    let claimed = scalar(&store, "SELECT count(*) FROM outbox WHERE claimed_by = 'host-a'").await;
    let queued = scalar(&store, "SELECT count(*) FROM outbox").await;
    store.close().await.unwrap();
    assert!(claimed >= 1, "the dead process held claims");

    let other = start(
        &dir,
        &[("IDENTITY_MAIL__WORKER__WORKER_ID", "host-b"), ("IDENTITY_MAIL__WORKER__POLL_INTERVAL_MS", "200")],
    );
    let expected = usize::try_from(queued).unwrap();
    let claimed_files = usize::try_from(claimed).unwrap();
    // Unclaimed emails (if any) go out at once; the dead host's wait.
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert!(delivered(&dir) <= expected - claimed_files, "another worker took emails under a live lease");
    binary::eventually("every email once the lease ended", Duration::from_secs(60), || {
        delivered(&dir) == expected
    })
    .await;
    let took = killed.elapsed();
    println!(
        "after kill -9, {claimed} claimed emails delivered by another server {took:?} after the kill (lease 8 s)"
    );
    assert!(took >= Duration::from_secs(5), "delivered before the lease could have ended: {took:?}");
    assert!(other.stop().0);
    std::fs::remove_dir_all(dir).ok();
}

/// The database file made immutable under a running server (an I/O error
/// on every write): writes answer 503 promptly and change nothing, and once
/// the file is writable again writes succeed and reads are current, without
/// a restart. Needs `chattr` on a file system that honours it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unwritable_database_file_answers_503_and_recovers_without_a_restart() {
    let dir = temp_dir("immutable");
    let server = start(&dir, &[]);
    let client = server.client();
    let admin = client.first_admin(server.first_password.as_deref().unwrap()).await;
    let role = client.role(&admin, "Paralegal").await;
    assert_eq!(client.invite(&admin, &role, "before@practice.example").await.0, StatusCode::CREATED);

    // Not the `-shm` file: SQLite maps it into memory, and a mapped page
    // that cannot be written kills the process (SIGBUS), as a failing disk
    // under it would.
    let files: Vec<String> = ["identity.db", "identity.db-wal"]
        .iter()
        .map(|f| dir.join("data").join(f))
        .filter(|p| p.exists())
        .map(|p| p.display().to_string())
        .collect();
    let chattr = |flag: &str| {
        std::process::Command::new("chattr")
            .arg(flag)
            .args(&files)
            .status()
            .map(|s| s.success())
            .unwrap_or(false)
    };
    /// Makes the files writable again even when an assertion fails.
    struct Writable<'a>(&'a dyn Fn(&str) -> bool);
    impl Drop for Writable<'_> {
        fn drop(&mut self) {
            (self.0)("-i");
        }
    }
    let _writable = Writable(&chattr);
    if !chattr("+i") {
        println!(
            "skipped: chattr +i is not available here (it needs root and a file system with the immutable flag)"
        );
        std::fs::remove_dir_all(dir).ok();
        return;
    }
    let started = Instant::now();
    let (status, body) = client.invite(&admin, &role, "during@practice.example").await;
    let took = started.elapsed();
    let (ready, _) = client.send(reqwest::Method::GET, "/readyz", None, None).await;
    // Reads at once, so that the pool opens connections while the file
    // cannot be written. They are served (by connections opened before)
    // or refused for now, never a server error.
    let mut reads = tokio::task::JoinSet::new();
    for _ in 0..8 {
        let (client, admin) = (client.clone(), admin.clone());
        reads.spawn(async move {
            client.send(reqwest::Method::GET, "/api/v1/users?search=before", Some(&admin), None).await
        });
    }
    for (status, body) in reads.join_all().await {
        assert!(
            status == StatusCode::OK || status == StatusCode::SERVICE_UNAVAILABLE,
            "a read while the file cannot be written: {status} {body}"
        );
    }
    chattr("-i");
    println!("a write on an immutable database file answered {status} after {took:?}");
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert!(took < Duration::from_secs(15), "{took:?}");
    assert_eq!(ready, StatusCode::SERVICE_UNAVAILABLE, "not ready while the file cannot be written");

    // Writable again: every write and every readiness probe succeeds at
    // once, whichever pooled connection serves it. A connection opened
    // while the file was immutable would have been opened read-only by
    // SQLite and failed writes until restart; the pool refuses those.
    let (status, body) = client.invite(&admin, &role, "after@practice.example").await;
    assert_eq!(status, StatusCode::CREATED, "the first write after the file came back: {body}");
    for i in 0..8 {
        let (status, page) = client
            .send(reqwest::Method::GET, "/api/v1/users?search=after%40practice", Some(&admin), None)
            .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(page["items"].as_array().unwrap().len(), 1, "a stale read: {page}");
        let (ready, body) = client.send(reqwest::Method::GET, "/readyz", None, None).await;
        assert_eq!(ready, StatusCode::OK, "probe {i} after the file came back: {body}");
        let (status, body) = client.invite(&admin, &role, &format!("after{i}@practice.example")).await;
        assert_eq!(status, StatusCode::CREATED, "write {i} after the file came back: {body}");
    }
    let (stopped, log) = server.stop();
    for line in log.lines().filter(|l| l.contains("WARN") || l.contains("ERROR")) {
        println!("server: {line}");
    }
    assert!(stopped);

    let store = sqlite(&dir).await;
    let kept = emails(&store).await;
    assert!(kept.contains("before@practice.example") && kept.contains("after@practice.example"));
    assert!(!kept.contains("during@practice.example"), "a write answered 503 was kept");
    store.close().await.unwrap();
    std::fs::remove_dir_all(dir).ok();
}

/// SIGTERM the moment the server says it listens (as an orchestrator that
/// rolls a deployment may): it stops cleanly every time, never killed by
/// the signal's default action before its handler is in place.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_right_after_listening_stops_cleanly() {
    let dir = temp_dir("early-sigterm");
    for round in 0..10 {
        let server = start(&dir, &[]);
        let (stopped, logs) = server.stop();
        assert!(stopped, "round {round}: the server did not exit 0 on SIGTERM\n{logs}");
    }
    std::fs::remove_dir_all(dir).ok();
}
