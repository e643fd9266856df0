//! `bench`: the real server under load, on loopback, with one table of
//! figures at the end.
//!
//! `cargo xtask bench` runs as a debug binary through the cargo alias, so it
//! first builds the release binary and hands over to it (`bench --binary
//! <release xtask>`). That run starts `xtask serve` on `127.0.0.1:0` over a
//! fresh SQLite file in a temporary folder, or over a fresh PostgreSQL
//! database `identity_bench_<pid>` (created and dropped) when given
//! `--database-url`; signs in as the first Super Admin; seeds the practice
//! with `xtask seed`; and drives the server over HTTP from this process:
//!
//! - users list pages (50 rows) one request at a time: p50 and p99 without
//!   a search (following cursors, two sorts) and with one;
//! - the CSV download of every user: wall time, and the server's peak
//!   resident memory growth (`VmHWM`, reset through `clear_refs`);
//! - sign-ins per second from more clients than cores, next to the limit:
//!   cores ÷ the time of one argon2id hash measured here;
//! - the p99 of authenticated reads while sign-ins arrive at three times
//!   that limit, and how fast the excess is refused (503);
//! - the server's resident memory after those sign-ins (the hashing threads
//!   each keep one argon2 block; nothing else should stay);
//! - users created per second (by invitation) from concurrent clients.
//!
//! Every loop is bounded in time and count; only loopback is contacted.
//!
//! `bench --forgot` measures instead the answer time of "forgot password"
//! for each kind of account ([`forgot`]).

mod forgot;

use identity_domain::system::{Argon2Cost, Argon2idHasher, OsRandom};
use reqwest::{Method, StatusCode};
use sea_orm::ConnectionTrait as _;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// `cargo xtask bench` options.
#[derive(Debug, Clone, clap::Args)]
pub struct BenchArgs {
    /// A PostgreSQL server (e.g. postgres://postgres@127.0.0.1:5432): a
    /// database is created on it for the run and dropped afterwards.
    /// Without it, a SQLite file in a temporary folder.
    #[arg(long)]
    pub database_url: Option<String>,
    /// How many users to seed.
    #[arg(long, default_value_t = 100_000)]
    pub users: u64,
    /// Seconds each throughput or flood measurement lasts.
    #[arg(long, default_value_t = 10)]
    pub seconds: u64,
    /// Requests for each list-page latency measurement.
    #[arg(long, default_value_t = 400)]
    pub requests: usize,
    /// Measure the answer time of "forgot password" for each kind of
    /// account instead (active, unknown, inactive, locked, unknown
    /// practice).
    #[arg(long)]
    pub forgot: bool,
    /// Forgot-password requests per case (with `--forgot`).
    #[arg(long, default_value_t = 200)]
    pub samples: usize,
    /// The xtask binary to run the server and the seeding with; without it
    /// the release binary is built and the bench runs from it.
    #[arg(long)]
    pub binary: Option<PathBuf>,
    /// Instead of the load: count the statements and round trips to the
    /// database of the hot use cases, one call each, in this process.
    #[arg(long)]
    pub statements: bool,
    /// Instead of the single-server load: start this many server processes
    /// on one PostgreSQL database (needs `--database-url`) and measure
    /// users created and sign-ins per second over HTTP, in one practice and
    /// in two, with 1 up to this many servers.
    #[arg(long)]
    pub servers: Option<usize>,
}

/// The practice the server creates on first start.
const PRACTICE: &str = "practice";
const ADMIN_EMAIL: &str = "admin@practice.example";
pub(crate) const ADMIN_PASSWORD: &str = "quiet harbour lantern at dusk";
pub(crate) const SEEDED_PASSWORD: &str = "seeded staff passphrase for the bench";

/// Runs the benchmark: builds the release binary and hands over to it,
/// unless `--binary` names the one to use.
///
/// # Errors
/// A readable message when a step fails; the server is stopped and the
/// PostgreSQL database dropped all the same.
pub fn run(args: BenchArgs) -> Result<(), String> {
    if args.statements {
        let runtime =
            tokio::runtime::Builder::new_multi_thread().enable_all().build().map_err(|e| e.to_string())?;
        return runtime.block_on(count_statements(&args));
    }
    let Some(binary) = args.binary.clone() else {
        let release = build_release()?;
        let mut command = Command::new(&release);
        command.arg("bench").arg("--binary").arg(&release);
        command.args(["--users", &args.users.to_string(), "--seconds", &args.seconds.to_string()]);
        command.args(["--requests", &args.requests.to_string()]);
        if args.forgot {
            command.args(["--forgot", "--samples", &args.samples.to_string()]);
        }
        if let Some(url) = &args.database_url {
            command.args(["--database-url", url]);
        }
        if let Some(servers) = args.servers {
            command.args(["--servers", &servers.to_string()]);
        }
        let status = command.status().map_err(|e| format!("cannot start {}: {e}", release.display()))?;
        return if status.success() { Ok(()) } else { Err(format!("the release bench failed ({status})")) };
    };
    let runtime =
        tokio::runtime::Builder::new_multi_thread().enable_all().build().map_err(|e| e.to_string())?;
    if args.forgot {
        return runtime.block_on(forgot::measure(&args, &binary));
    }
    if let Some(servers) = args.servers {
        return runtime.block_on(crate::servers::measure(&args, &binary, servers));
    }
    runtime.block_on(measure(&args, &binary))
}

/// `--statements`: the counts on a fresh database, removed afterwards.
async fn count_statements(args: &BenchArgs) -> Result<(), String> {
    let place = Place::make(args).await?;
    let counted = crate::statements::count(&place.database_url).await;
    let kind = place.kind();
    place.remove().await;
    crate::statements::print(kind, &counted?);
    Ok(())
}

/// `cargo build --release -p xtask`, and the path of the binary it made.
fn build_release() -> Result<PathBuf, String> {
    eprintln!("bench: building the release binary (cargo build --release -p xtask)");
    let output = Command::new(env!("CARGO"))
        .args(["build", "--release", "-p", "xtask", "--message-format=json-render-diagnostics"])
        .current_dir(crate::tidy::workspace_root())
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if !output.status.success() {
        return Err(format!("cargo build --release failed ({})", output.status));
    }
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .filter(|m| m["reason"] == "compiler-artifact" && m["target"]["name"] == "xtask")
        .find_map(|m| m["executable"].as_str().map(PathBuf::from))
        .ok_or_else(|| "cargo did not report the xtask binary".to_owned())
}

/// Where the run's data lives, removed at the end.
pub(crate) struct Place {
    pub(crate) folder: PathBuf,
    pub(crate) database_url: String,
    /// The PostgreSQL server and the database made for the run.
    postgres: Option<(String, String)>,
}

impl Place {
    pub(crate) async fn make(args: &BenchArgs) -> Result<Self, String> {
        let folder = std::env::temp_dir().join(format!("identity-bench-{}", std::process::id()));
        std::fs::create_dir_all(&folder).map_err(|e| format!("{}: {e}", folder.display()))?;
        let Some(server) = &args.database_url else {
            let database_url = format!("sqlite://{}", folder.join("identity.db").display());
            return Ok(Self { folder, database_url, postgres: None });
        };
        let name = format!("identity_bench_{}", std::process::id());
        let admin = identity_store::SeaStore::connect(server).await.map_err(|e| e.to_string())?;
        admin
            .connection()
            .execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
            .await
            .map_err(|e| e.to_string())?;
        admin
            .connection()
            .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
            .await
            .map_err(|e| e.to_string())?;
        admin.close().await.map_err(|e| e.to_string())?;
        Ok(Self {
            folder,
            database_url: with_database(server, &name),
            postgres: Some((server.clone(), name)),
        })
    }

    pub(crate) async fn remove(self) {
        if let Some((server, name)) = &self.postgres
            && let Ok(admin) = identity_store::SeaStore::connect(server).await
        {
            let drop = format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
            if let Err(e) = admin.connection().execute_unprepared(&drop).await {
                eprintln!("bench: could not drop the database {name}: {e}");
            }
            admin.close().await.ok();
        }
        std::fs::remove_dir_all(&self.folder).ok();
    }

    fn kind(&self) -> &'static str {
        if self.postgres.is_some() { "PostgreSQL" } else { "SQLite" }
    }
}

/// `url` with its database replaced by `name`.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = url.split_once('?').map_or((url, None), |(b, q)| (b, Some(q)));
    let after_scheme = base.find("://").map_or(0, |i| i + 3);
    let base = match base[after_scheme..].find('/') {
        Some(slash) => &base[..after_scheme + slash],
        None => base,
    };
    match query {
        Some(q) => format!("{base}/{name}?{q}"),
        None => format!("{base}/{name}"),
    }
}

/// The log target under which the store says a unit of work raced another
/// and runs again.
pub(crate) const CONTENDED_TARGET: &str = "identity_store::contended";

/// The server process.
pub(crate) struct Server {
    child: Child,
    pub(crate) base: String,
    pub(crate) first_password: String,
}

impl Server {
    fn start(binary: &Path, place: &Place) -> Result<Self, String> {
        Self::start_numbered(binary, place, 1)
    }

    /// Server process number `number` on the place's database: the first
    /// creates the practice (and must print its one-time password); each
    /// has its own log file and mail worker id.
    pub(crate) fn start_numbered(binary: &Path, place: &Place, number: usize) -> Result<Self, String> {
        let log_name = if number == 1 { "server.log".to_owned() } else { format!("server-{number}.log") };
        let log = std::fs::File::create(place.folder.join(&log_name)).map_err(|e| e.to_string())?;
        let mut child = Command::new(binary)
            .arg("serve")
            .current_dir(&place.folder)
            .env("IDENTITY_LISTEN", "127.0.0.1:0")
            .env("IDENTITY_DATABASE_URL", &place.database_url)
            .env("IDENTITY_MAIL__WORKER__WORKER_ID", format!("bench-{number}"))
            // One client address sends every sign-in of the bench.
            .env("IDENTITY_SECURITY__ANONYMOUS_PER_MINUTE", "1000000000")
            // The bench acts as the first Super Admin through the API, in
            // one step: measured sign-ins are the seeded users'.
            .env("IDENTITY_FIRST_PRACTICE__SECOND_FACTOR_FOR_ADMINS", "false")
            // Warnings, and each unit of work run again after it raced
            // another (counted by `bench --servers`).
            .env("RUST_LOG", format!("warn,{CONTENDED_TARGET}=debug"))
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", binary.display()))?;
        let stdout = child.stdout.take().ok_or("no server output")?;
        let mut lines = BufReader::new(stdout).lines();
        let mut first_password = None;
        let mut base = None;
        for line in lines.by_ref() {
            let line = line.map_err(|e| e.to_string())?;
            if let Some(rest) = line.trim().strip_prefix("password:") {
                first_password = rest.split_whitespace().next().map(str::to_owned);
            }
            if let Some(address) = line.strip_prefix("Listening on ") {
                base = address.split_whitespace().next().map(str::to_owned);
                break;
            }
        }
        // Keep reading so the server never blocks on a full pipe.
        std::thread::spawn(move || lines.for_each(drop));
        let mut server = Self { child, base: String::new(), first_password: String::new() };
        match (base, first_password.or_else(|| (number > 1).then(String::new))) {
            (Some(base), Some(password)) => {
                server.base = base;
                server.first_password = password;
                Ok(server)
            }
            _ => {
                server.stop();
                let log = std::fs::read_to_string(place.folder.join(&log_name)).unwrap_or_default();
                Err(format!("the server did not start:\n{log}"))
            }
        }
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }

    /// SIGTERM, then waits.
    pub(crate) fn stop(&mut self) {
        let terminated = Command::new("kill").args(["-TERM", &self.pid().to_string()]).status();
        if !terminated.is_ok_and(|s| s.success()) {
            self.child.kill().ok();
        }
        self.child.wait().ok();
    }
}

/// Resident memory of a process, from `/proc/<pid>/status`, in KiB:
/// (current, peak).
fn memory_kib(pid: u32) -> Option<(u64, u64)> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|v| v.parse::<u64>().ok())
    };
    Some((field("VmRSS:")?, field("VmHWM:")?))
}

/// CPU time (user + system) a process used so far, from
/// `/proc/<pid>/stat`, counted in the usual 100 ticks a second.
fn cpu_seconds(pid: &str) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name, which is in parentheses and may hold spaces.
    let rest = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some(ticks as f64 / 100.0)
}

/// Resets the peak resident size the kernel keeps for `pid`.
fn reset_peak(pid: u32) -> bool {
    std::fs::write(format!("/proc/{pid}/clear_refs"), "5").is_ok()
}

/// The HTTP client, keeping connections alive.
#[derive(Clone)]
pub(crate) struct Api {
    http: reqwest::Client,
    base: String,
}

/// One answer: status, time taken, body.
pub(crate) struct Answer {
    pub(crate) status: StatusCode,
    took: Duration,
    pub(crate) body: Value,
}

impl Api {
    pub(crate) fn new(base: &str) -> Result<Self, String> {
        let http = reqwest::Client::builder()
            .pool_max_idle_per_host(256)
            .timeout(Duration::from_secs(120))
            .build()
            .map_err(|e| e.to_string())?;
        Ok(Self { http, base: format!("{base}/api/v1") })
    }

    pub(crate) async fn send(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Answer {
        let started = Instant::now();
        let mut request = self.http.request(method, format!("{}{path}", self.base));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        match request.send().await {
            Ok(response) => {
                let status = response.status();
                let bytes = response.bytes().await.unwrap_or_default();
                let took = started.elapsed();
                Answer { status, took, body: serde_json::from_slice(&bytes).unwrap_or(Value::Null) }
            }
            Err(e) => Answer {
                status: StatusCode::BAD_GATEWAY,
                took: started.elapsed(),
                body: Value::String(e.to_string()),
            },
        }
    }

    pub(crate) async fn sign_in_to(&self, practice: &str, email: &str, password: &str) -> Answer {
        let body = json!({ "practice": practice, "email": email, "password": password });
        self.send(Method::POST, "/sessions", None, Some(body)).await
    }

    async fn sign_in(&self, email: &str, password: &str) -> Answer {
        let body = json!({ "practice": PRACTICE, "email": email, "password": password });
        self.send(Method::POST, "/sessions", None, Some(body)).await
    }
}

/// Latencies, sorted.
struct Latencies(Vec<Duration>);

impl Latencies {
    fn new(mut samples: Vec<Duration>) -> Self {
        samples.sort_unstable();
        Self(samples)
    }

    /// The nearest-rank percentile `p` (0–100).
    fn percentile(&self, p: f64) -> Option<Duration> {
        if self.0.is_empty() {
            return None;
        }
        let rank = ((p / 100.0) * self.0.len() as f64).ceil() as usize;
        self.0.get(rank.clamp(1, self.0.len()) - 1).copied()
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// One line of the final table.
struct Row {
    figure: String,
    measured: String,
    target: String,
    verdict: &'static str,
}

fn row(figure: impl Into<String>, measured: impl Into<String>, target: &str, met: Option<bool>) -> Row {
    Row {
        figure: figure.into(),
        measured: measured.into(),
        target: target.to_owned(),
        verdict: match met {
            Some(true) => "met",
            Some(false) => "MISSED",
            None => "—",
        },
    }
}

/// Checks an answer's status.
pub(crate) fn expect(answer: &Answer, status: StatusCode, what: &str) -> Result<(), String> {
    if answer.status == status {
        Ok(())
    } else {
        Err(format!("{what}: expected {status}, got {} {}", answer.status, answer.body))
    }
}

/// The whole run, with clean-up whatever happens.
async fn measure(args: &BenchArgs, binary: &Path) -> Result<(), String> {
    let load_before = load_average();
    let place = Place::make(args).await?;
    let outcome = match Server::start(binary, &place) {
        Ok(mut server) => {
            let outcome = drive(args, binary, &place, &server).await;
            server.stop();
            outcome
        }
        Err(e) => Err(e),
    };
    let kind = place.kind();
    if outcome.is_err() {
        let log = std::fs::read_to_string(place.folder.join("server.log")).unwrap_or_default();
        let tail: Vec<&str> = log.lines().rev().take(20).collect();
        eprintln!("bench: the server's last log lines:");
        for line in tail.into_iter().rev() {
            eprintln!("  {line}");
        }
    }
    place.remove().await;
    let rows = outcome?;
    print_table(kind, args.users, &rows);
    println!("Load average (1 min) before the run: {load_before}, after: {}", load_average());
    Ok(())
}

/// The machine's 1-minute load average: other work skews every figure.
pub(crate) fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| l.split_whitespace().next().map(str::to_owned))
        .unwrap_or_else(|| "n/a".to_owned())
}

fn print_table(database: &str, users: u64, rows: &[Row]) {
    let cores = cores();
    println!();
    println!("Practice identity bench — {database}, {users} seeded users, {cores} cores");
    let widths = [
        rows.iter().map(|r| r.figure.chars().count()).max().unwrap_or(0).max(6),
        rows.iter().map(|r| r.measured.chars().count()).max().unwrap_or(0).max(8),
        rows.iter().map(|r| r.target.chars().count()).max().unwrap_or(0).max(6),
    ];
    let line = |a: &str, b: &str, c: &str, d: &str| {
        println!(
            "| {a:<w0$} | {b:>w1$} | {c:<w2$} | {d:<7} |",
            w0 = widths[0],
            w1 = widths[1],
            w2 = widths[2]
        );
    };
    line("figure", "measured", "target", "verdict");
    println!(
        "|{}|{}|{}|---------|",
        "-".repeat(widths[0] + 2),
        "-".repeat(widths[1] + 2),
        "-".repeat(widths[2] + 2)
    );
    for r in rows {
        line(&r.figure, &r.measured, &r.target, r.verdict);
    }
}

pub(crate) fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
}

/// Signs the administrator in (changing the one-time password), seeds,
/// and takes every measurement.
async fn drive(args: &BenchArgs, binary: &Path, place: &Place, server: &Server) -> Result<Vec<Row>, String> {
    let api = Api::new(&server.base)?;
    let first = api.sign_in(ADMIN_EMAIL, &server.first_password).await;
    expect(&first, StatusCode::CREATED, "first sign-in")?;
    let one_time = first.body["token"].as_str().unwrap_or_default().to_owned();
    let change = json!({ "current_password": server.first_password, "new_password": ADMIN_PASSWORD });
    let changed = api.send(Method::PUT, "/me/password", Some(&one_time), Some(change)).await;
    expect(&changed, StatusCode::NO_CONTENT, "changing the first password")?;
    let signed = api.sign_in(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    expect(&signed, StatusCode::CREATED, "sign-in")?;
    let admin = signed.body["token"].as_str().unwrap_or_default().to_owned();

    let mut rows = Vec::new();
    eprintln!("bench: seeding {} users", args.users);
    let started = Instant::now();
    let seeded = Command::new(binary)
        .args(["seed", "--users", &args.users.to_string(), "--password", SEEDED_PASSWORD])
        .current_dir(&place.folder)
        .env("IDENTITY_DATABASE_URL", &place.database_url)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .status()
        .map_err(|e| format!("cannot run seed: {e}"))?;
    if !seeded.success() {
        return Err(format!("seeding failed ({seeded})"));
    }
    let took = started.elapsed();
    rows.push(row(
        format!("seed {} users (bulk, separate process)", args.users),
        format!("{:.1} s", took.as_secs_f64()),
        "",
        None,
    ));

    eprintln!("bench: list pages");
    rows.extend(list_pages(&api, &admin, args.requests).await?);
    eprintln!("bench: CSV download");
    rows.extend(export(&api, &admin, server.pid(), args.users).await);

    let emails = active_emails(&api, &admin).await?;
    eprintln!("bench: argon2id hashes, then sign-in throughput, then hashes again");
    let mut hashes = hash_times()?;
    let cpu_before = (cpu_seconds("self"), cpu_seconds(&server.pid().to_string()));
    let (ok, busy, other, elapsed) = sign_ins(&api, &emails, args.seconds).await;
    let cpu_after = (cpu_seconds("self"), cpu_seconds(&server.pid().to_string()));
    hashes.extend(hash_times()?);
    let hash_time = Latencies::new(hashes).percentile(50.0).ok_or("no hash timed")?;
    let limit = cores() as f64 / hash_time.as_secs_f64();
    rows.push(row(
        "one argon2id hash (m=19456, t=2, p=1), median of 30 around the sign-ins",
        format!("{:.1} ms", ms(hash_time)),
        "",
        None,
    ));
    let rate = ok as f64 / elapsed.as_secs_f64().max(f64::EPSILON);
    let share = rate / limit * 100.0;
    rows.push(row(
        format!("sign-ins/s ({} clients; limit {limit:.1}/s = cores ÷ one hash)", cores() * 4),
        format!("{rate:.1}/s = {share:.0}%"),
        "≥ 85% of the limit",
        Some(share >= 85.0),
    ));
    if let ((Some(driver_before), Some(server_before)), (Some(driver_after), Some(server_after))) =
        (cpu_before, cpu_after)
    {
        let available = elapsed.as_secs_f64() * cores() as f64;
        let hashing = ok as f64 * hash_time.as_secs_f64();
        rows.push(row(
            "CPU during the sign-ins: hashing (est.) / server in all / load driver, of cores × time",
            format!(
                "{:.0}% / {:.0}% / {:.0}%",
                hashing / available * 100.0,
                (server_after - server_before) / available * 100.0,
                (driver_after - driver_before) / available * 100.0
            ),
            "",
            None,
        ));
    }
    rows.push(row(
        "sign-ins refused busy (503) or failed meanwhile",
        format!("{busy} busy, {other} other"),
        "",
        (other > 0).then_some(false),
    ));
    eprintln!("bench: reads during a sign-in flood");
    rows.extend(flood(&api, &admin, &emails, limit, args.seconds).await);
    rows.push(match memory_kib(server.pid()) {
        Some((rss, _)) => {
            let mib = rss as f64 / 1024.0;
            row(
                "server resident memory after the sign-ins and the flood (VmRSS)",
                format!("{mib:.0} MiB"),
                "≤ 100 MiB",
                Some(mib <= 100.0),
            )
        }
        None => row("server resident memory after the flood", "n/a (no /proc)", "≤ 100 MiB", None),
    });
    eprintln!("bench: user creation");
    rows.extend(creations(&api, &admin, args.seconds).await?);
    Ok(rows)
}

/// Emails of seeded active users, to sign in with.
async fn active_emails(api: &Api, admin: &str) -> Result<Vec<String>, String> {
    let page = api.send(Method::GET, "/users?status=active&limit=500&sort=email", Some(admin), None).await;
    expect(&page, StatusCode::OK, "listing active users")?;
    let emails: Vec<String> = page.body["items"]
        .as_array()
        .map(|items| {
            items
                .iter()
                .filter_map(|u| u["email"].as_str())
                .filter(|e| *e != ADMIN_EMAIL)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    if emails.is_empty() {
        return Err("no seeded active user to sign in with".to_owned());
    }
    Ok(emails)
}

/// The times of 15 argon2id hashes, in this process.
fn hash_times() -> Result<Vec<Duration>, String> {
    let hasher = Argon2idHasher::new(Argon2Cost::default(), Arc::new(OsRandom)).map_err(|e| e.to_string())?;
    let mut times = Vec::new();
    for _ in 0..15 {
        let started = Instant::now();
        hasher.hash_now(SEEDED_PASSWORD).map_err(|e| e.to_string())?;
        times.push(started.elapsed());
    }
    Ok(times)
}

/// List pages, one request at a time.
async fn list_pages(api: &Api, admin: &str, requests: usize) -> Result<Vec<Row>, String> {
    let mut rows = Vec::new();
    // Without a search: follow cursors 10 pages deep, by name then newest first.
    let mut plain = Vec::with_capacity(requests);
    let mut by_variant: BTreeMap<String, Vec<Duration>> = BTreeMap::new();
    let sorts = ["sort=name", "sort=created_at&direction=desc"];
    let mut cursor: Option<String> = None;
    for i in 0..requests {
        let sort = sorts[(i / 10) % sorts.len()];
        if i.is_multiple_of(10) {
            cursor = None;
        }
        let path = match &cursor {
            Some(c) => format!("/users?limit=50&{sort}&cursor={c}"),
            None => format!("/users?limit=50&{sort}"),
        };
        let answer = api.send(Method::GET, &path, Some(admin), None).await;
        expect(&answer, StatusCode::OK, "a users page")?;
        cursor = answer.body["next_cursor"].as_str().map(encode);
        plain.push(answer.took);
        by_variant.entry(sort.to_owned()).or_default().push(answer.took);
    }
    rows.extend(latency_rows("users page, 50 rows, no search", &Latencies::new(plain), 10.0));
    rows.extend(slowest("no search: slowest sort", by_variant));

    let mut searched = Vec::with_capacity(requests);
    let mut by_term: BTreeMap<String, Vec<Duration>> = BTreeMap::new();
    let mut matched = 0usize;
    let terms = crate::seed::SEARCH_TERMS;
    for i in 0..requests {
        let term = terms[i % terms.len()];
        let sort = if (i / terms.len()).is_multiple_of(2) { "name" } else { "email" };
        let path = format!("/users?limit=50&sort={sort}&search={}", encode(term));
        let answer = api.send(Method::GET, &path, Some(admin), None).await;
        expect(&answer, StatusCode::OK, "a searched users page")?;
        matched += answer.body["items"].as_array().map_or(0, Vec::len);
        searched.push(answer.took);
        by_term.entry(format!("'{term}' by {sort}")).or_default().push(answer.took);
    }
    let label = format!(
        "users page, 50 rows, search ({} terms, {:.0} rows/page)",
        terms.len(),
        matched as f64 / requests.max(1) as f64
    );
    rows.extend(latency_rows(&label, &Latencies::new(searched), 10.0));
    rows.extend(slowest("search: slowest term", by_term.clone()));
    // Each term and sort: p50 / p99, so short terms (1–2 characters, the
    // n-gram path) and longer ones can be told apart.
    for (variant, times) in by_term {
        let times = Latencies::new(times);
        let (p50, p99) =
            (times.percentile(50.0).unwrap_or_default(), times.percentile(99.0).unwrap_or_default());
        let measured = format!("{:.2} / {:.2} ms", ms(p50), ms(p99));
        rows.push(row(format!("search {variant}: p50 / p99"), measured, "", None));
    }
    Ok(rows)
}

/// The variant with the highest median, as a row without a target.
fn slowest(what: &str, variants: BTreeMap<String, Vec<Duration>>) -> Option<Row> {
    variants
        .into_iter()
        .filter_map(|(name, times)| Latencies::new(times).percentile(50.0).map(|p50| (p50, name)))
        .max()
        .map(|(p50, name)| row(format!("{what}: {name}, p50"), format!("{:.2} ms", ms(p50)), "", None))
}

fn latency_rows(what: &str, latencies: &Latencies, p99_target_ms: f64) -> Vec<Row> {
    let p50 = latencies.percentile(50.0).unwrap_or_default();
    let p99 = latencies.percentile(99.0).unwrap_or_default();
    vec![
        row(format!("{what}: p50"), format!("{:.2} ms", ms(p50)), "", None),
        row(
            format!("{what}: p99"),
            format!("{:.2} ms", ms(p99)),
            &format!("≤ {p99_target_ms} ms"),
            Some(ms(p99) <= p99_target_ms),
        ),
    ]
}

/// Percent-encodes a query value.
fn encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len() * 3);
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The CSV download of every user: wall time and the server's peak memory
/// growth.
async fn export(api: &Api, admin: &str, pid: u32, users: u64) -> Vec<Row> {
    let before = memory_kib(pid);
    let peak_reset = reset_peak(pid);
    let started = Instant::now();
    let response = api.http.get(format!("{}/users/export", api.base)).bearer_auth(admin).send().await;
    let mut response = match response {
        Ok(r) if r.status() == StatusCode::OK => r,
        Ok(r) => {
            let why = format!("n/a (answered {})", r.status());
            return vec![row("CSV download of every user: wall time", why, "≤ 1.5 s", None)];
        }
        Err(e) => {
            return vec![row("CSV download of every user: wall time", format!("n/a ({e})"), "≤ 1.5 s", None)];
        }
    };
    let mut bytes = 0usize;
    let mut lines = 0usize;
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                bytes += chunk.len();
                lines += chunk.iter().filter(|b| **b == b'\n').count();
            }
            Ok(None) => break,
            Err(e) => {
                let why = format!("n/a (stopped after {bytes} bytes: {e})");
                return vec![row("CSV download of every user: wall time", why, "≤ 1.5 s", None)];
            }
        }
    }
    let took = started.elapsed();
    let after = memory_kib(pid);
    let mut rows = vec![row(
        format!(
            "CSV download of every user ({} rows, {:.1} MiB): wall time",
            lines.saturating_sub(1),
            bytes as f64 / 1_048_576.0
        ),
        format!("{:.2} s", took.as_secs_f64()),
        "≤ 1.5 s",
        Some(took.as_secs_f64() <= 1.5),
    )];
    if lines.saturating_sub(1) < usize::try_from(users).unwrap_or(usize::MAX) {
        rows.push(row("CSV rows fewer than the seeded users", lines.to_string(), "", Some(false)));
    }
    rows.push(match (before, after, peak_reset) {
        (Some((rss_before, _)), Some((_, peak)), true) => {
            let growth = peak.saturating_sub(rss_before) as f64 / 1024.0;
            row(
                "CSV download: server peak memory growth (VmHWM − VmRSS before)",
                format!("{growth:.1} MiB"),
                "≤ 30 MiB",
                Some(growth <= 30.0),
            )
        }
        _ => row("CSV download: server peak memory growth", "n/a (no /proc)", "≤ 30 MiB", None),
    });
    rows
}

/// Sign-ins from `4 × cores` clients for `seconds`: (signed in, refused
/// busy, other answers, time taken).
async fn sign_ins(api: &Api, emails: &[String], seconds: u64) -> (u64, u64, u64, Duration) {
    let clients = cores() * 4;
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let emails = Arc::new(emails.to_vec());
    let mut tasks = Vec::new();
    for c in 0..clients {
        let (api, emails) = (api.clone(), emails.clone());
        tasks.push(tokio::spawn(async move {
            let (mut ok, mut busy, mut other) = (0u64, 0u64, 0u64);
            let mut i = c;
            while Instant::now() < deadline {
                let answer = api.sign_in(&emails[i % emails.len()], SEEDED_PASSWORD).await;
                match answer.status {
                    StatusCode::CREATED => ok += 1,
                    StatusCode::SERVICE_UNAVAILABLE => busy += 1,
                    _ => other += 1,
                }
                i += clients;
            }
            (ok, busy, other)
        }));
    }
    let started = Instant::now();
    let (mut ok, mut busy, mut other) = (0, 0, 0);
    for task in tasks {
        if let Ok((o, b, x)) = task.await {
            ok += o;
            busy += b;
            other += x;
        }
    }
    (ok, busy, other, started.elapsed())
}

/// Sign-ins arriving at three times the limit for `seconds`, while one
/// client reads `/me` and users pages one after another.
async fn flood(api: &Api, admin: &str, emails: &[String], limit: f64, seconds: u64) -> Vec<Row> {
    let rate = (limit * 3.0).max(1.0);
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let emails = Arc::new(emails.to_vec());
    let flooder = {
        let (api, emails) = (api.clone(), emails.clone());
        tokio::spawn(async move {
            let mut ticks = tokio::time::interval(Duration::from_secs_f64(1.0 / rate));
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
            let mut attempts = Vec::new();
            let mut i = 0usize;
            while Instant::now() < deadline {
                ticks.tick().await;
                let (api, email) = (api.clone(), emails[i % emails.len()].clone());
                attempts.push(tokio::spawn(async move { api.sign_in(&email, SEEDED_PASSWORD).await }));
                i += 1;
            }
            let mut answers = Vec::with_capacity(attempts.len());
            for attempt in attempts {
                if let Ok(answer) = attempt.await {
                    answers.push((answer.status, answer.took));
                }
            }
            answers
        })
    };
    let (mut me, mut pages) = (Vec::new(), Vec::new());
    let mut failures = 0u64;
    while Instant::now() < deadline {
        let answer = api.send(Method::GET, "/me", Some(admin), None).await;
        failures += u64::from(answer.status != StatusCode::OK);
        me.push(answer.took);
        let answer = api.send(Method::GET, "/users?limit=50", Some(admin), None).await;
        failures += u64::from(answer.status != StatusCode::OK);
        pages.push(answer.took);
    }
    let answers = flooder.await.unwrap_or_default();
    let refused: Vec<Duration> =
        answers.iter().filter(|(s, _)| *s == StatusCode::SERVICE_UNAVAILABLE).map(|(_, t)| *t).collect();
    let served = answers.iter().filter(|(s, _)| *s == StatusCode::CREATED).count();
    let other = answers.len() - served - refused.len();
    let refused_count = refused.len();
    let refused = Latencies::new(refused);
    let me = Latencies::new(me);
    let pages = Latencies::new(pages);
    let p99 = |l: &Latencies| l.percentile(99.0).map_or(f64::NAN, ms);
    vec![
        row(
            format!("flood: {} sign-ins at {rate:.0}/s; served / refused 503 / other", answers.len()),
            format!("{served} / {refused_count} / {other}"),
            "",
            (other > 0).then_some(false),
        ),
        row(
            "flood: authenticated read GET /me: p99",
            format!("{:.2} ms", p99(&me)),
            "≤ 25 ms",
            Some(p99(&me) <= 25.0 && failures == 0),
        ),
        row(
            "flood: users page, 50 rows: p99",
            format!("{:.2} ms", p99(&pages)),
            "≤ 25 ms",
            Some(p99(&pages) <= 25.0 && failures == 0),
        ),
        row(
            "flood: refused sign-ins (503): p99",
            if refused_count == 0 { "none refused".to_owned() } else { format!("{:.2} ms", p99(&refused)) },
            "fast: ≤ 25 ms",
            (refused_count > 0).then(|| p99(&refused) <= 25.0),
        ),
    ]
}

/// Users created a second by invitation from `2 × cores` clients, and the
/// time each create took (p50, p99): waiting writers show in the p99.
async fn creations(api: &Api, admin: &str, seconds: u64) -> Result<Vec<Row>, String> {
    let roles = api.send(Method::GET, "/roles", Some(admin), None).await;
    expect(&roles, StatusCode::OK, "listing roles")?;
    let role = roles.body.as_array().and_then(|all| {
        all.iter().find(|r| r["name"] == "Paralegal").and_then(|r| r["id"].as_str()).map(str::to_owned)
    });
    let role = role.ok_or("no Paralegal role")?;
    let clients = cores() * 2;
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let mut tasks = Vec::new();
    for c in 0..clients {
        let (api, admin, role) = (api.clone(), admin.to_owned(), role.clone());
        tasks.push(tokio::spawn(async move {
            let (mut ok, mut failed) = (0u64, 0u64);
            let mut n = 0u64;
            let mut took = Vec::new();
            while Instant::now() < deadline {
                let body = json!({
                    "email": format!("bench.created.{c}.{n}@practice.example"),
                    "name": format!("Créée Parbanc {c}-{n}"),
                    "role": role,
                    "language": "fr-CA",
                    "time_zone": "America/Toronto",
                    "credential": { "mode": "invite" },
                });
                let sent = Instant::now();
                let answer = api.send(Method::POST, "/users", Some(&admin), Some(body)).await;
                if answer.status == StatusCode::CREATED {
                    ok += 1;
                    took.push(sent.elapsed());
                } else {
                    failed += 1
                }
                n += 1;
            }
            (ok, failed, took)
        }));
    }
    let started = Instant::now();
    let (mut ok, mut failed, mut took) = (0, 0, Vec::new());
    for task in tasks {
        if let Ok((o, f, t)) = task.await {
            ok += o;
            failed += f;
            took.extend(t);
        }
    }
    let rate = ok as f64 / started.elapsed().as_secs_f64().max(f64::EPSILON);
    let took = Latencies::new(took);
    let at = |p: f64| took.percentile(p).map_or(f64::NAN, ms);
    Ok(vec![
        row(
            format!("users created/s by invitation ({clients} clients; {failed} failed)"),
            format!("{rate:.1}/s"),
            "",
            (failed > 0).then_some(false),
        ),
        row(
            format!("create user ({clients} clients): p50 / p99"),
            format!("{:.1} / {:.1} ms", at(50.0), at(99.0)),
            "p99 ≤ 20 ms",
            Some(at(99.0) <= 20.0),
        ),
    ])
}
