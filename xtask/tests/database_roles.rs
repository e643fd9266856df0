//! The operator's PostgreSQL set-up of docs/operations.md ("Database
//! roles"), run with the real binary: `migrate up` and `db grant` as the
//! owner, then `serve` connecting as a role that owns nothing (with and
//! without `database_owner_url`). Skipped without
//! `IDENTITY_TEST_POSTGRES_URL`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use identity_store::SeaStore;
use sea_orm::ConnectionTrait;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Output, Stdio};

const APP_ROLE: &str = "identity_test_app";

fn xtask(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(args)
        .envs(env.iter().copied())
        .current_dir(dir)
        .output()
        .unwrap()
}

/// Starts `serve`, waits until it listens or stops, then stops it with
/// SIGTERM; gives back whether it listened, and what it printed.
fn serve_once(dir: &Path, env: &[(&str, &str)]) -> (bool, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .arg("serve")
        .envs(env.iter().copied())
        .env("IDENTITY_LISTEN", "127.0.0.1:0")
        .current_dir(dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut printed = String::new();
    let mut listened = false;
    for line in BufReader::new(stdout).lines() {
        let line = line.unwrap();
        printed.push_str(&line);
        printed.push('\n');
        if line.starts_with("Listening on ") {
            listened = true;
            break;
        }
    }
    if listened {
        Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    }
    let output = child.wait_with_output().unwrap();
    printed.push_str(&String::from_utf8_lossy(&output.stderr));
    (listened, printed)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_runs_as_a_role_that_owns_nothing_after_the_owner_migrates_and_grants() {
    let Ok(server) = std::env::var("IDENTITY_TEST_POSTGRES_URL") else {
        xtask::skips::record(xtask::skips::POSTGRES, &xtask::skips::current_test());
        return;
    };
    let name = format!("identity_roles_test_{}", uuid::Uuid::now_v7().simple());
    let admin = SeaStore::connect(&server).await.unwrap();
    let db = admin.connection();
    db.execute_unprepared(&format!("CREATE DATABASE \"{name}\"")).await.unwrap();
    db.execute_unprepared(&format!(
        "DO $$ BEGIN CREATE ROLE {APP_ROLE} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT NOBYPASSRLS; \
         EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$"
    ))
    .await
    .unwrap();
    let host = server.split_once("://").map_or(server.as_str(), |(_, rest)| rest).split('/').next().unwrap();
    let owner_url = format!("postgres://{host}/{name}");
    let host = host.rsplit_once('@').map_or(host, |(_, h)| h);
    let app_url = format!("postgres://{APP_ROLE}@{host}/{name}");
    let dir = std::env::temp_dir().join(format!("identity-roles-{}", uuid::Uuid::now_v7().simple()));
    std::fs::create_dir_all(&dir).unwrap();

    let outcome = std::panic::catch_unwind(|| {
        let app = [("IDENTITY_DATABASE_URL", app_url.as_str())];
        // Before the owner migrates, the server's role cannot create tables.
        let (listened, printed) = serve_once(&dir, &app);
        assert!(!listened, "{printed}");
        assert!(printed.contains("permission denied"), "{printed}");

        let migrated = xtask(&dir, &["migrate", "up", "--database-url", &owner_url], &[]);
        assert!(migrated.status.success(), "{}", String::from_utf8_lossy(&migrated.stderr));
        let granted =
            xtask(&dir, &["db", "grant", "--role", APP_ROLE], &[("IDENTITY_DATABASE_OWNER_URL", &owner_url)]);
        assert!(granted.status.success(), "{}", String::from_utf8_lossy(&granted.stderr));
        let refused =
            xtask(&dir, &["db", "grant", "--role", "Not A Role"], &[("IDENTITY_DATABASE_URL", &owner_url)]);
        assert!(!refused.status.success());

        // Serving as the app role: the first start writes the first practice.
        let (listened, printed) = serve_once(&dir, &app);
        assert!(listened, "{printed}");
        assert!(printed.contains("First start: created practice"), "{printed}");
        // With the owner's URL too, as an upgrade would run.
        let (listened, printed) = serve_once(&dir, &[app[0], ("IDENTITY_DATABASE_OWNER_URL", &owner_url)]);
        assert!(listened, "{printed}");

        let status = xtask(&dir, &["migrate", "status"], &app);
        let listed = String::from_utf8_lossy(&status.stdout);
        assert!(status.status.success() && !listed.contains("pending"), "{listed}");
    });

    db.execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)")).await.unwrap();
    admin.close().await.unwrap();
    std::fs::remove_dir_all(dir).ok();
    if let Err(failure) = outcome {
        std::panic::resume_unwind(failure);
    }
}
