//! `cargo xtask`: the one binary of practice identity, and the project's
//! checks. The composition root: the only crate that knows every adapter.
//!
//! - `serve` — the server (database, mail worker, HTTP API).
//! - `config check` — the settings in force, secrets masked.
//! - `migrate up|down|status` — the database schema (as its owner).
//! - `db grant --role NAME` — the server's own PostgreSQL role's rights.
//! - `practice create`, `admin create` — operator tasks.
//! - `seed` — fill a practice with realistic users, in bulk.
//! - `bench` — the real server under load, and a table of figures
//!   (`--statements`: statements per use case; `--servers N`: several
//!   server processes on one PostgreSQL database).
//! - `openapi` — print the OpenAPI document.
//! - `ci`, `tidy` — what CI runs; the architecture check.

mod bench;
mod seed;
mod servers;
mod statements;
mod tidy;

use xtask::{config, serve};

use clap::{Parser, Subcommand};
use identity_domain::*;
use std::path::PathBuf;
use std::process::{Command, ExitCode};

#[derive(Parser)]
#[command(name = "xtask", about = "Practice identity: the server binary and the project's checks")]
struct Cli {
    /// The configuration file (read if present; IDENTITY_* variables override it).
    #[arg(long, global = true, default_value = "identity.toml")]
    config: PathBuf,
    #[command(subcommand)]
    command: Task,
}

#[derive(Subcommand)]
enum Task {
    /// Run the server: migrations, first-start practice, mail worker, HTTP API.
    Serve,
    /// Read the configuration.
    Config {
        #[command(subcommand)]
        action: ConfigTask,
    },
    /// Apply, roll back or list database migrations.
    Migrate {
        #[command(subcommand)]
        action: Migration,
        /// The database, as its owner (default: `database_owner_url`, else `database_url`).
        #[arg(long, global = true)]
        database_url: Option<String>,
    },
    /// Database tasks for operators (PostgreSQL roles).
    Db {
        #[command(subcommand)]
        action: DbTask,
        /// The database, as its owner (default: `database_owner_url`, else `database_url`).
        #[arg(long, global = true)]
        database_url: Option<String>,
    },
    /// Operator tasks on practices.
    Practice {
        #[command(subcommand)]
        action: PracticeTask,
    },
    /// Operator tasks on Super Admins.
    Admin {
        #[command(subcommand)]
        action: AdminTask,
    },
    /// Fill a practice with realistic users, in bulk (a progress bar shows how far).
    Seed(seed::SeedArgs),
    /// Start the real server on loopback, seed it, load it, and print the figures.
    Bench(bench::BenchArgs),
    /// Print the OpenAPI 3.1 document.
    Openapi,
    /// Formatting, clippy, every test and the architecture check, as CI runs them.
    Ci,
    /// The architecture invariants: the domain's dependencies, adapters never on each other, module docs, no delete path.
    Tidy,
}

#[derive(Subcommand)]
enum ConfigTask {
    /// Load the configuration as `serve` does and print the settings in force, secrets masked.
    Check,
}

#[derive(Subcommand)]
enum Migration {
    /// Apply every pending migration.
    Up,
    /// Roll back migrations (the last one, or `--steps N`).
    Down {
        /// How many.
        #[arg(long, default_value_t = 1)]
        steps: u32,
    },
    /// List migrations and whether each is applied.
    Status,
}

#[derive(Subcommand)]
enum DbTask {
    /// Give the server's own PostgreSQL role exactly its rights on every table (run after `migrate up`).
    Grant {
        /// The role `database_url` connects as (it must exist: see docs/operations.md).
        #[arg(long)]
        role: String,
    },
}

#[derive(clap::Args)]
struct Person {
    /// Email of the Super Admin.
    #[arg(long)]
    admin_email: String,
    /// Name of the Super Admin.
    #[arg(long)]
    admin_name: String,
    /// Their language (BCP 47).
    #[arg(long, default_value = "en")]
    language: String,
    /// Their time zone (IANA), and the practice's.
    #[arg(long, default_value = "UTC")]
    time_zone: String,
}

#[derive(Subcommand)]
enum PracticeTask {
    /// Create a practice with its first Super Admin; prints their one-time password.
    Create {
        /// The practice's slug.
        #[arg(long)]
        slug: String,
        /// The practice's name.
        #[arg(long)]
        name: String,
        #[command(flatten)]
        person: Person,
        /// Let Super Admins and Administrators sign in without a second
        /// factor (by default those roles require one).
        #[arg(long)]
        admins_without_second_factor: bool,
    },
}

#[derive(Subcommand)]
enum AdminTask {
    /// Add a Super Admin to a practice (within its cap); prints their one-time password.
    Create {
        /// The practice's slug.
        #[arg(long)]
        practice: String,
        #[command(flatten)]
        person: Person,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let outcome = match cli.command {
        Task::Ci => return ci(),
        Task::Tidy => return report(tidy::check(&tidy::workspace_root())),
        Task::Bench(args) => bench::run(args),
        Task::Openapi => serde_json::to_string_pretty(&identity_api::openapi_document())
            .map(|doc| println!("{doc}"))
            .map_err(|e| e.to_string()),
        task => runtime().and_then(|rt| rt.block_on(operate(task, cli.config))),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

fn runtime() -> Result<tokio::runtime::Runtime, String> {
    tokio::runtime::Builder::new_multi_thread().enable_all().build().map_err(|e| e.to_string())
}

fn init_logs() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn,sea_orm=warn"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    if std::env::var("IDENTITY_LOG_FORMAT").is_ok_and(|f| f == "json") {
        builder.json().init();
    } else {
        builder.init();
    }
}

async fn operate(task: Task, config_file: PathBuf) -> Result<(), String> {
    init_logs();
    let settings = config::load(&config_file)?;
    match task {
        Task::Serve => serve::run(settings).await,
        Task::Config { action: ConfigTask::Check } => {
            println!("{}", config::effective(&settings));
            Ok(())
        }
        Task::Seed(args) => seed::run(&settings, args).await,
        Task::Migrate { action, database_url } => {
            let url = database_url.or(settings.database_owner_url).unwrap_or(settings.database_url);
            migrate(&url, action).await
        }
        Task::Db { action: DbTask::Grant { role }, database_url } => {
            let url = database_url.or(settings.database_owner_url).unwrap_or(settings.database_url);
            let store = identity_store::SeaStore::connect(&url)
                .await
                .map_err(|e| format!("cannot open the database {}: {e}", serve::redact(&url)))?;
            store.grant_app_role(&role).await.map_err(|e| e.to_string())?;
            println!("granted {role} its rights on every table of {}", serve::redact(&url));
            store.close().await.map_err(|e| e.to_string())
        }
        Task::Practice {
            action: PracticeTask::Create { slug, name, person, admins_without_second_factor },
        } => {
            let store = serve::open_store(&settings).await?.with_outbox_key(serve::outbox_key(&settings)?);
            let service = serve::service(&store, &settings)?;
            let time_zone = TimeZone::parse(&person.time_zone).map_err(|e| format!("--time-zone: {e}"))?;
            let new = NewPractice {
                slug: PracticeSlug::parse(&slug).map_err(|e| format!("--slug: {e}"))?,
                name: Label::parse(&name).map_err(|e| format!("--name: {e}"))?,
                settings: PracticeSettings { time_zone, ..PracticeSettings::default() },
                admin_email: EmailAddress::parse(&person.admin_email)
                    .map_err(|e| format!("--admin-email: {e}"))?,
                admin_name: PersonName::parse(&person.admin_name)
                    .map_err(|e| format!("--admin-name: {e}"))?,
                admin_language: Language::parse(&person.language).map_err(|e| format!("--language: {e}"))?,
                admin_time_zone: time_zone,
                second_factor_for_admins: !admins_without_second_factor,
            };
            let created = service.create_practice(new).await.map_err(|e| e.to_string())?;
            print_credentials(
                &settings,
                created.practice.slug.as_str(),
                &created.admin.email,
                &created.admin_password,
            );
            Ok(())
        }
        Task::Admin { action: AdminTask::Create { practice, person } } => {
            let store = serve::open_store(&settings).await?.with_outbox_key(serve::outbox_key(&settings)?);
            let service = serve::service(&store, &settings)?;
            let slug = PracticeSlug::parse(&practice).map_err(|e| format!("--practice: {e}"))?;
            let who = SuperAdminPerson {
                email: EmailAddress::parse(&person.admin_email).map_err(|e| format!("--admin-email: {e}"))?,
                name: PersonName::parse(&person.admin_name).map_err(|e| format!("--admin-name: {e}"))?,
                language: Language::parse(&person.language).map_err(|e| format!("--language: {e}"))?,
                time_zone: TimeZone::parse(&person.time_zone).map_err(|e| format!("--time-zone: {e}"))?,
            };
            let (admin, password) =
                service.create_super_admin(&slug, who).await.map_err(|e| e.to_string())?;
            print_credentials(&settings, slug.as_str(), &admin.email, &password);
            Ok(())
        }
        Task::Ci | Task::Tidy | Task::Openapi | Task::Bench(_) => Ok(()),
    }
}

fn print_credentials(settings: &config::Settings, practice: &str, email: &EmailAddress, password: &Password) {
    println!("practice: {practice}");
    println!("email:    {email}");
    println!("password: {}   {}", password.expose(), serve::one_time_note(settings));
}

async fn migrate(url: &str, action: Migration) -> Result<(), String> {
    let store = identity_store::SeaStore::connect(url)
        .await
        .map_err(|e| format!("cannot open the database {}: {e}", serve::redact(url)))?;
    match action {
        Migration::Up => store.migrate().await.map_err(|e| e.to_string())?,
        Migration::Down { steps } => store.rollback(Some(steps)).await.map_err(|e| e.to_string())?,
        Migration::Status => {}
    }
    for state in store.migration_status().await.map_err(|e| e.to_string())? {
        println!("{} {}", if state.applied { "applied" } else { "pending" }, state.name);
    }
    store.close().await.map_err(|e| e.to_string())
}

fn report(problems: Vec<String>) -> ExitCode {
    if problems.is_empty() {
        println!("tidy: ok");
        return ExitCode::SUCCESS;
    }
    for problem in &problems {
        eprintln!("tidy: {problem}");
    }
    ExitCode::FAILURE
}

/// axe-core for the browser tests' accessibility checks: `npm ci` in
/// `xtask/axe` (the version pinned by its lock file). Without npm the
/// checks are skipped, except under `CI=true`, where the tests fail.
fn install_axe() -> Result<(), ExitCode> {
    let dir = tidy::workspace_root().join("xtask").join("axe");
    println!("== axe-core: npm ci in {}", dir.display());
    match Command::new("npm").args(["ci", "--no-audit", "--no-fund"]).current_dir(&dir).status() {
        Ok(s) if s.success() => Ok(()),
        Ok(s) => {
            eprintln!("== axe-core: npm ci failed ({s})");
            Err(ExitCode::FAILURE)
        }
        Err(e) => {
            println!(
                "== axe-core: SKIPPED — npm could not start ({e}); the browser tests check no accessibility"
            );
            Ok(())
        }
    }
}

fn ci() -> ExitCode {
    match std::env::var("IDENTITY_TEST_POSTGRES_URL") {
        Ok(_) => println!("== PostgreSQL: the adapter tests run on IDENTITY_TEST_POSTGRES_URL"),
        Err(_) => println!(
            "== PostgreSQL: SKIPPED — IDENTITY_TEST_POSTGRES_URL is not set, so the PostgreSQL tests pass without running \
             (set it to e.g. postgres://postgres@127.0.0.1:5432 to run them)"
        ),
    }
    // Every test skipped for want of PostgreSQL, Chromium or a command
    // appends a line here; the count closes the run.
    let skip_log = tidy::workspace_root().join("target").join("test-skips.log");
    if let Some(dir) = skip_log.parent() {
        std::fs::create_dir_all(dir).ok();
    }
    if let Err(e) = std::fs::write(&skip_log, "") {
        eprintln!("== cannot reset the skip log {}: {e}", skip_log.display());
    }
    if let Err(code) = install_axe() {
        return code;
    }
    let steps: &[(&str, &[&str])] = &[
        ("format", &["fmt", "--all", "--", "--check"]),
        ("lints", &["clippy", "--workspace", "--all-targets", "--", "-D", "warnings"]),
        ("tests", &["test", "--workspace"]),
    ];
    for (name, args) in steps {
        println!("== {name}: cargo {}", args.join(" "));
        match Command::new(env!("CARGO")).args(*args).env(xtask::skips::LOG_ENV, &skip_log).status() {
            Ok(s) if s.success() => {}
            Ok(s) => {
                eprintln!("== {name} failed ({s})");
                println!("{}", xtask::skips::summary(&skip_log));
                return ExitCode::FAILURE;
            }
            Err(e) => {
                eprintln!("== {name} could not start cargo: {e}");
                return ExitCode::FAILURE;
            }
        }
    }
    println!("== tidy");
    let tidy = report(tidy::check(&tidy::workspace_root()));
    println!("{}", xtask::skips::summary(&skip_log));
    tidy
}
