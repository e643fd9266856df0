//! `xtask bench` end to end with tiny sizes: it starts the real server,
//! seeds it through `xtask seed`, drives it, prints its table and cleans
//! up after itself. On SQLite always; on PostgreSQL when
//! `IDENTITY_TEST_POSTGRES_URL` is set. Nothing here asserts on a time.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use sea_orm::{ConnectionTrait, Statement};
use std::process::Command;

/// Runs the bench; its stdout and process id.
fn bench(database_url: Option<&str>) -> (String, u32) {
    let binary = env!("CARGO_BIN_EXE_xtask");
    let mut command = Command::new(binary);
    command.args(["bench", "--binary", binary, "--users", "300", "--seconds", "1", "--requests", "20"]);
    if let Some(url) = database_url {
        command.args(["--database-url", url]);
    }
    command.stdout(std::process::Stdio::piped()).stderr(std::process::Stdio::piped());
    let child = command.spawn().expect("run xtask bench");
    let pid = child.id();
    let output = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "xtask bench failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let folder = std::env::temp_dir().join(format!("identity-bench-{pid}"));
    assert!(!folder.exists(), "the bench removed its folder {}", folder.display());
    (stdout, pid)
}

fn assert_table(stdout: &str, database: &str) {
    assert!(stdout.contains(&format!("Practice identity bench — {database}, 300 seeded users")), "{stdout}");
    for figure in [
        "seed 300 users",
        "users page, 50 rows, no search: p99",
        "users page, 50 rows, search",
        "CSV download of every user",
        "one argon2id hash",
        "sign-ins/s",
        "flood: authenticated read GET /me: p99",
        "flood: refused sign-ins (503)",
        "users created/s by invitation",
    ] {
        assert!(stdout.contains(figure), "no `{figure}` row:\n{stdout}");
    }
    // Every sign-in and creation answered as the API promises.
    assert!(stdout.contains("busy, 0 other"), "{stdout}");
    assert!(stdout.contains("clients; 0 failed)"), "{stdout}");
}

#[test]
fn bench_runs_end_to_end_on_sqlite() {
    let (stdout, _) = bench(None);
    assert_table(&stdout, "SQLite");
}

#[test]
fn bench_runs_end_to_end_on_postgres() {
    let Ok(server) = std::env::var("IDENTITY_TEST_POSTGRES_URL") else {
        xtask::skips::record(xtask::skips::POSTGRES, &xtask::skips::current_test());
        return;
    };
    let (stdout, pid) = bench(Some(&server));
    assert_table(&stdout, "PostgreSQL");
    let sql = format!("SELECT count(*) AS n FROM pg_database WHERE datname = 'identity_bench_{pid}'");
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let left: i64 = runtime.block_on(async {
        let admin = identity_store::SeaStore::connect(&server).await.unwrap();
        let db = admin.connection();
        let row =
            db.query_one_raw(Statement::from_string(db.get_database_backend(), sql)).await.unwrap().unwrap();
        let n = row.try_get("", "n").unwrap();
        admin.close().await.ok();
        n
    });
    assert_eq!(left, 0, "the bench dropped its database");
}

/// `bench --forgot` with a few samples: it prints a median for every case
/// and removes its folder.
#[test]
fn the_forgot_password_bench_prints_every_case() {
    let binary = env!("CARGO_BIN_EXE_xtask");
    let output = Command::new(binary)
        .args(["bench", "--forgot", "--samples", "3", "--binary", binary])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&output.stderr));
    for case in
        ["known active address", "unknown address", "inactive account", "locked account", "unknown practice"]
    {
        assert!(stdout.contains(case), "{case} in {stdout}");
    }
    assert!(stdout.contains("Spread of the medians"), "{stdout}");
}
