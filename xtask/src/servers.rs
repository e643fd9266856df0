//! `bench --servers N`: several server processes (the real binary,
//! `serve`) on one PostgreSQL database, driven over HTTP from this
//! process. Two practices are made (the first start's, and one more by
//! `practice create`), each seeded with users to sign in as; then, with 1,
//! 2 … N servers running, users are created (by invitation) and users sign
//! in from `4 × cores` clients spread evenly over the servers, first all in
//! one practice, then across both. One table at the end: a figure per
//! (servers, practices), and the ratio to one server, with how many units
//! of work ran again because they raced another (counted from the servers'
//! debug log under [`bench::CONTENDED_TARGET`]) and every failed request by
//! status and problem type. Figures, not verdicts: on a small machine every
//! process shares the same cores.

use crate::bench::{self, ADMIN_PASSWORD, Api, BenchArgs, Place, SEEDED_PASSWORD, Server, expect};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Users seeded in each practice, to sign in as.
const SEEDED: u64 = 200;

/// One practice, as the load sees it.
#[derive(Clone)]
struct Practice {
    slug: String,
    admin: String,
    role: String,
    emails: Vec<String>,
}

/// Runs the multi-server measurement.
///
/// # Errors
/// A readable message when a step fails; every server is stopped and the
/// database dropped all the same.
pub async fn measure(args: &BenchArgs, binary: &Path, max: usize) -> Result<(), String> {
    if args.database_url.is_none() {
        return Err("--servers needs --database-url (a PostgreSQL server)".to_owned());
    }
    let max = max.clamp(1, 8);
    let load_before = bench::load_average();
    let place = Place::make(args).await?;
    let mut servers = Vec::new();
    let outcome = drive(args, binary, &place, &mut servers, max).await;
    for server in &mut servers {
        server.stop();
    }
    place.remove().await;
    let rows = outcome?;
    print(max, args.seconds, &rows);
    println!("Load average (1 min) before the run: {load_before}, after: {}", bench::load_average());
    Ok(())
}

/// One load: successes a second, units of work run again, and failed
/// requests by what they answered.
#[derive(Default)]
struct Load {
    rate: f64,
    reruns: u64,
    requests: u64,
    failures: BTreeMap<String, u64>,
}

/// One row of the table: creates and sign-ins with `servers` processes
/// over `practices` practices.
struct Figures {
    servers: usize,
    practices: usize,
    create: Load,
    sign_in: Load,
}

async fn drive(
    args: &BenchArgs,
    binary: &Path,
    place: &Place,
    servers: &mut Vec<Server>,
    max: usize,
) -> Result<Vec<Figures>, String> {
    servers.push(Server::start_numbered(binary, place, 1)?);
    let api = Api::new(&servers[0].base)?;
    let first = take_over(&api, "practice", "admin@practice.example", &servers[0].first_password).await?;
    let second_password = operator_practice(binary, place)?;
    let second = take_over(&api, "second", "admin@second.example", &second_password).await?;
    let mut practices = Vec::new();
    for (slug, admin) in [("practice", first), ("second", second)] {
        seed(binary, place, slug)?;
        practices.push(describe(&api, slug, admin).await?);
    }
    let mut rows = Vec::new();
    for n in 1..=max {
        while servers.len() < n {
            servers.push(Server::start_numbered(binary, place, servers.len() + 1)?);
        }
        let apis = servers.iter().map(|s| Api::new(&s.base)).collect::<Result<Vec<_>, _>>()?;
        for in_practices in [1, 2] {
            eprintln!("bench: {n} server(s), {in_practices} practice(s)");
            let chosen = &practices[..in_practices];
            let round = format!("s{n}p{in_practices}");
            let create = counted(place, load(&apis, chosen, args.seconds, Work::Create, &round)).await;
            let sign_in = counted(place, load(&apis, chosen, args.seconds, Work::SignIn, &round)).await;
            rows.push(Figures { servers: n, practices: in_practices, create, sign_in });
        }
    }
    Ok(rows)
}

/// Signs in with a one-time password, sets the bench's password, and
/// signs in again: the administrator's token.
async fn take_over(api: &Api, practice: &str, email: &str, one_time: &str) -> Result<String, String> {
    let first = api.sign_in_to(practice, email, one_time).await;
    expect(&first, StatusCode::CREATED, "first sign-in")?;
    let token = first.body["token"].as_str().unwrap_or_default().to_owned();
    let change = json!({ "current_password": one_time, "new_password": ADMIN_PASSWORD });
    let changed = api.send(Method::PUT, "/me/password", Some(&token), Some(change)).await;
    expect(&changed, StatusCode::NO_CONTENT, "changing the first password")?;
    let signed = api.sign_in_to(practice, email, ADMIN_PASSWORD).await;
    expect(&signed, StatusCode::CREATED, "sign-in")?;
    Ok(signed.body["token"].as_str().unwrap_or_default().to_owned())
}

/// `xtask practice create` for the second practice; its one-time password.
fn operator_practice(binary: &Path, place: &Place) -> Result<String, String> {
    let output = Command::new(binary)
        .args(["practice", "create", "--slug", "second", "--name", "Second Practice"])
        .args(["--admin-email", "admin@second.example", "--admin-name", "Second Admin"])
        .arg("--admins-without-second-factor")
        .current_dir(&place.folder)
        .env("IDENTITY_DATABASE_URL", &place.database_url)
        .env("RUST_LOG", "warn")
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("cannot run practice create: {e}"))?;
    if !output.status.success() {
        return Err(format!("practice create failed ({})", output.status));
    }
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .find_map(|l| l.trim().strip_prefix("password:").and_then(|p| p.split_whitespace().next()))
        .map(str::to_owned)
        .ok_or_else(|| "practice create printed no password".to_owned())
}

fn seed(binary: &Path, place: &Place, slug: &str) -> Result<(), String> {
    let seeded = Command::new(binary)
        .args(["seed", "--users", &SEEDED.to_string(), "--practice", slug, "--password", SEEDED_PASSWORD])
        .current_dir(&place.folder)
        .env("IDENTITY_DATABASE_URL", &place.database_url)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .status()
        .map_err(|e| format!("cannot run seed: {e}"))?;
    if seeded.success() { Ok(()) } else { Err(format!("seeding {slug} failed ({seeded})")) }
}

/// The practice's Paralegal role and active users, for the load.
async fn describe(api: &Api, slug: &str, admin: String) -> Result<Practice, String> {
    let roles = api.send(Method::GET, "/roles", Some(&admin), None).await;
    expect(&roles, StatusCode::OK, "listing roles")?;
    let role = roles
        .body
        .as_array()
        .and_then(|all| all.iter().find(|r| r["name"] == "Paralegal"))
        .and_then(|r| r["id"].as_str())
        .ok_or("no Paralegal role")?
        .to_owned();
    let page = api.send(Method::GET, "/users?status=active&limit=500&sort=email", Some(&admin), None).await;
    expect(&page, StatusCode::OK, "listing active users")?;
    let emails: Vec<String> = page.body["items"]
        .as_array()
        .map(|items| {
            items
                .iter()
                .filter_map(|u| u["email"].as_str())
                .filter(|e| !e.starts_with("admin@"))
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    if emails.is_empty() {
        return Err(format!("no seeded active user in {slug}"));
    }
    Ok(Practice { slug: slug.to_owned(), admin, role, emails })
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Work {
    Create,
    SignIn,
}

/// The units of work the servers ran again during `load`: the lines their
/// logs (`server*.log` in the place's folder) gained meanwhile.
async fn counted(place: &Place, load: impl Future<Output = Load>) -> Load {
    let before = reruns(&place.folder);
    let mut figures = load.await;
    figures.reruns = reruns(&place.folder).saturating_sub(before);
    figures
}

/// Lines of the servers' logs that say a unit of work ran again.
fn reruns(folder: &Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(folder) else { return 0 };
    entries
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with("server"))
        .filter_map(|e| std::fs::read_to_string(e.path()).ok())
        .map(|log| log.lines().filter(|l| l.contains(bench::CONTENDED_TARGET)).count() as u64)
        .sum()
}

/// What a failed request answered, for the table's footnotes: its status
/// and problem type, or the transport's error.
fn failure(status: StatusCode, body: &Value) -> String {
    match body {
        Value::Object(problem) => {
            let kind = problem.get("type").and_then(Value::as_str).unwrap_or("no problem type");
            format!("{} {}", status.as_u16(), kind.rsplit('/').next().unwrap_or(kind))
        }
        Value::String(error) => format!("no answer: {}", error.chars().take(80).collect::<String>()),
        _ => format!("{} (no problem body)", status.as_u16()),
    }
}

/// `4 × cores` clients for `seconds`, client `c` on server `c mod servers`
/// and practice `c mod practices`: successes a second, and failures.
async fn load(apis: &[Api], practices: &[Practice], seconds: u64, work: Work, round: &str) -> Load {
    let clients = bench::cores() * 4;
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let mut tasks = Vec::new();
    for c in 0..clients {
        let api = apis[c % apis.len()].clone();
        let practice = practices[c % practices.len()].clone();
        let round = round.to_owned();
        tasks.push(tokio::spawn(async move {
            let (mut ok, mut failed, mut n) = (0u64, BTreeMap::<String, u64>::new(), 0usize);
            while Instant::now() < deadline {
                let answer = match work {
                    Work::Create => {
                        let body = json!({
                            "email": format!("load.{round}.{c}.{n}@{}.example", practice.slug),
                            "name": format!("Charge Parallèle {c}-{n}"),
                            "role": practice.role,
                            "language": "fr-CA",
                            "time_zone": "America/Toronto",
                            "credential": { "mode": "invite" },
                        });
                        api.send(Method::POST, "/users", Some(&practice.admin), Some(body)).await
                    }
                    Work::SignIn => {
                        let email = &practice.emails[(c * 7 + n) % practice.emails.len()];
                        api.sign_in_to(&practice.slug, email, SEEDED_PASSWORD).await
                    }
                };
                if answer.status == StatusCode::CREATED {
                    ok += 1;
                } else {
                    *failed.entry(failure(answer.status, &answer.body)).or_default() += 1;
                }
                n += 1;
            }
            (ok, failed, n as u64)
        }));
    }
    let started = Instant::now();
    let mut figures = Load::default();
    let mut ok = 0;
    for task in tasks {
        if let Ok((o, failed, n)) = task.await {
            ok += o;
            figures.requests += n;
            for (what, count) in failed {
                *figures.failures.entry(what).or_default() += count;
            }
        }
    }
    figures.rate = ok as f64 / started.elapsed().as_secs_f64().max(f64::EPSILON);
    figures
}

fn print(max: usize, seconds: u64, rows: &[Figures]) {
    println!();
    println!(
        "Practice identity bench — PostgreSQL, 1 to {max} server processes on one database, {} clients, {seconds} s a figure, {} cores",
        bench::cores() * 4,
        bench::cores()
    );
    println!(
        "| servers | practices | users created/s | vs 1 server | run again | sign-ins/s | vs 1 server | run again | failed |"
    );
    println!(
        "|---------|-----------|-----------------|-------------|-----------|------------|-------------|-----------|--------|"
    );
    for row in rows {
        let base = rows.iter().find(|r| r.servers == 1 && r.practices == row.practices);
        let ratio = |value: f64, of: fn(&Figures) -> f64| {
            base.map(of).filter(|b| *b > 0.0).map_or("n/a".to_owned(), |b| format!("{:.2}×", value / b))
        };
        let rerun = |load: &Load| format!("{} ({:.1}%)", load.reruns, percent(load.reruns, load.requests));
        let failed: u64 = row.create.failures.values().chain(row.sign_in.failures.values()).sum();
        println!(
            "| {:>7} | {:>9} | {:>15.1} | {:>11} | {:>9} | {:>10.1} | {:>11} | {:>9} | {failed:>6} |",
            row.servers,
            row.practices,
            row.create.rate,
            ratio(row.create.rate, |r| r.create.rate),
            rerun(&row.create),
            row.sign_in.rate,
            ratio(row.sign_in.rate, |r| r.sign_in.rate),
            rerun(&row.sign_in),
        );
    }
    println!("\"run again\": units of work a server ran again after they raced another (and % of requests).");
    for row in rows {
        for (work, load) in [("creates", &row.create), ("sign-ins", &row.sign_in)] {
            for (what, count) in &load.failures {
                println!(
                    "failed: {} server(s), {} practice(s), {work}: {what} × {count}",
                    row.servers, row.practices
                );
            }
        }
    }
}

fn percent(part: u64, whole: u64) -> f64 {
    if whole == 0 { 0.0 } else { part as f64 * 100.0 / whole as f64 }
}
