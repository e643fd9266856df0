//! The fixture: a fresh, migrated database per test, and domain records.

use chrono::{DateTime, SubsecRound, Utc};
use identity_domain::*;
use identity_store::SeaStore;
use sea_orm::ConnectionTrait;
use std::collections::BTreeSet;
use std::future::Future;
use std::path::PathBuf;
use uuid::Uuid;

/// The PostgreSQL server to create test databases on.
pub const POSTGRES_ENV: &str = "IDENTITY_TEST_POSTGRES_URL";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The role the store connects as on PostgreSQL, as the server does in
/// production: not a superuser, owning nothing, holding only the rights
/// `SeaStore::grant_app_role` gives. Created when missing.
pub const APP_ROLE: &str = "identity_test_app";

/// What a test gets: a migrated store and how to reach its database again.
/// On PostgreSQL `store` connects as [`APP_ROLE`] and `owner` as the
/// server's administrator, who created the database and ran the migrations;
/// on SQLite both are the same file.
#[derive(Clone)]
pub struct Ctx {
    pub store: SeaStore,
    pub url: String,
    pub owner: SeaStore,
    pub backend: Backend,
}

enum Cleanup {
    Folder(PathBuf),
    Database { admin_url: String, name: String },
}

/// A fresh, migrated database on `backend`, and the future that removes
/// it; `None` when the backend is not configured (PostgreSQL without
/// `IDENTITY_TEST_POSTGRES_URL`).
pub async fn open(backend: Backend) -> Option<(Ctx, impl Future<Output = ()> + Send + 'static)> {
    let (owner_url, cleanup) = match backend {
        Backend::Sqlite => {
            let dir = std::env::temp_dir().join(format!("identity-store-test-{}", Uuid::now_v7().simple()));
            let path = dir.join("nested").join("identity.sqlite");
            (format!("sqlite://{}", path.display()), Cleanup::Folder(dir))
        }
        Backend::Postgres => {
            let Ok(admin_url) = std::env::var(POSTGRES_ENV) else {
                record_skip(NO_POSTGRES);
                return None;
            };
            let name = format!("identity_test_{}", Uuid::now_v7().simple());
            let admin = SeaStore::connect(&admin_url).await.expect("connect to the PostgreSQL server");
            admin.connection().execute_unprepared(&format!("CREATE DATABASE \"{name}\"")).await.unwrap();
            create_app_role(&admin).await;
            admin.close().await.unwrap();
            (database_url(&admin_url, &name), Cleanup::Database { admin_url, name })
        }
    };
    let owner = SeaStore::connect(&owner_url).await.expect("connect as the owner");
    owner.migrate().await.expect("migrate");
    let (store, url) = match backend {
        Backend::Sqlite => (owner.clone(), owner_url.clone()),
        Backend::Postgres => {
            owner.grant_app_role(APP_ROLE).await.expect("grant the app role its rights");
            let url = as_role(&owner_url, APP_ROLE);
            (SeaStore::connect(&url).await.expect("connect as the app role"), url)
        }
    };
    let ctx = Ctx { store: store.clone(), url, owner: owner.clone(), backend };
    let remove = async move {
        store.close().await.ok();
        owner.close().await.ok();
        match cleanup {
            Cleanup::Folder(dir) => {
                std::fs::remove_dir_all(dir).ok();
            }
            Cleanup::Database { admin_url, name } => {
                let admin = SeaStore::connect(&admin_url).await.expect("connect to the PostgreSQL server");
                admin
                    .connection()
                    .execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                    .await
                    .unwrap();
                admin.close().await.ok();
            }
        }
    };
    Some((ctx, remove))
}

/// Runs one test on one backend and removes its database afterwards, even
/// when the test fails.
pub async fn run<F, Fut>(backend: Backend, test: F)
where
    F: FnOnce(Ctx) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let Some((ctx, remove)) = open(backend).await else {
        return;
    };
    let outcome = tokio::spawn(test(ctx)).await;
    remove.await;
    if let Err(e) = outcome {
        std::panic::resume_unwind(e.into_panic());
    }
}

/// Creates [`APP_ROLE`] when missing (tests running side by side may race
/// to create it: the loser's error is ignored).
async fn create_app_role(admin: &SeaStore) {
    let create = format!(
        "DO $$ BEGIN CREATE ROLE {APP_ROLE} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT NOBYPASSRLS; \
         EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$"
    );
    admin.connection().execute_unprepared(&create).await.expect("create the app role");
}

/// `url` with its user replaced by `role` (no password: the test server
/// trusts loopback connections).
pub fn as_role(url: &str, role: &str) -> String {
    let (scheme, rest) = url.split_once("://").expect("a URL");
    let host = rest.rsplit_once('@').map_or(rest, |(_, host)| host);
    format!("{scheme}://{role}@{host}")
}

/// `url` with its database replaced by `name`.
fn database_url(url: &str, name: &str) -> String {
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

/// One test function per backend.
#[macro_export]
macro_rules! backend_tests {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn sqlite() {
                    $crate::support::run($crate::support::Backend::Sqlite, super::$name).await;
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn postgres() {
                    $crate::support::run($crate::support::Backend::Postgres, super::$name).await;
                }
            }
        )*
    };
}

/// Now, to the microsecond (what both databases keep).
pub fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}

pub fn id<T: From<Uuid>>() -> T {
    T::from(Uuid::now_v7())
}

pub fn label(s: &str) -> Label {
    Label::parse(s).unwrap()
}

pub fn email(s: &str) -> EmailAddress {
    EmailAddress::parse(s).unwrap()
}

pub fn practice() -> Practice {
    let slug = format!("p-{}", &Uuid::now_v7().simple().to_string()[16..]);
    Practice {
        id: id(),
        slug: PracticeSlug::parse(&slug).unwrap(),
        name: label("Maple Immigration Law"),
        settings: PracticeSettings::default(),
        created_at: now(),
    }
}

pub fn role(practice: PracticeId, name: &str) -> Role {
    Role {
        id: id(),
        practice,
        name: label(name),
        permissions: PermissionSet::from_iter([Permission::UsersRead, Permission::CasesOwn]),
        bypass: false,
        builtin: false,
        second_factor_required: false,
    }
}

pub fn profile(practice: PracticeId, name: &str) -> Profile {
    Profile {
        id: id(),
        practice,
        name: label(name),
        permissions: PermissionSet::from_iter([Permission::InvoicesRead]),
        builtin: false,
    }
}

pub fn site(practice: PracticeId, name: &str) -> Site {
    Site {
        id: id(),
        practice,
        name: label(name),
        address: Some(Note::parse("1 Main St\nMontréal").unwrap()),
        time_zone: Some(TimeZone::parse("America/Montreal").unwrap()),
        created_at: now(),
    }
}

pub fn user(practice: PracticeId, role: RoleId, address: &str, name: &str) -> User {
    let at = now();
    User {
        id: id(),
        practice,
        email: email(address),
        name: PersonName::parse(name).unwrap(),
        role,
        profiles: BTreeSet::new(),
        language: Language::parse("fr-CA").unwrap(),
        time_zone: TimeZone::parse("America/Toronto").unwrap(),
        phone: Some(Phone::parse("+1 (514) 555-0199").unwrap()),
        title: Some(label("Paralegal")),
        notes: Some(Note::parse("admin only").unwrap()),
        sites: BTreeSet::new(),
        status: UserStatus::Active,
        version: 1,
        created_at: at,
        updated_at: at,
    }
}

/// A practice with one role, one profile, one site, committed.
pub struct Seed {
    pub practice: Practice,
    pub role: Role,
    pub profile: Profile,
    pub site: Site,
}

pub async fn seed(store: &SeaStore) -> Seed {
    let practice = practice();
    let role = role(practice.id, "Paralegal");
    let profile = profile(practice.id, "Collections");
    let site = site(practice.id, "Montréal");
    let mut uow = store.begin(Access::Write).await.unwrap();
    uow.practices().insert(&practice).await.unwrap();
    uow.roles().insert_role(&role).await.unwrap();
    uow.roles().insert_profile(&profile).await.unwrap();
    uow.sites().insert(&site).await.unwrap();
    uow.commit().await.unwrap();
    Seed { practice, role, profile, site }
}

/// Stores a user the way the domain does: reserve the address, then insert.
pub async fn add_user(store: &SeaStore, user: &User) {
    let mut uow = store.begin(Access::Write).await.unwrap();
    uow.users().reserve_email(user.practice, &user.email, user.id, user.created_at).await.unwrap();
    uow.users().insert(user).await.unwrap();
    uow.commit().await.unwrap();
}

/// Says that the running test was skipped for want of `reason`, and
/// appends `reason TAB test` to the file `IDENTITY_TEST_SKIP_LOG` names,
/// if any: `cargo xtask ci` counts these lines (as `xtask::skips` does).
pub fn record_skip(reason: &str) {
    use std::io::Write as _;
    let test = std::thread::current().name().unwrap_or("a test").to_owned();
    println!("SKIPPED {test}: needs {reason}");
    if let Ok(path) = std::env::var("IDENTITY_TEST_SKIP_LOG") {
        let line = format!("{reason}\t{test}\n");
        let written = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .and_then(|mut f| f.write_all(line.as_bytes()));
        if let Err(e) = written {
            eprintln!("cannot append to the skip log {path}: {e}");
        }
    }
}

/// The reason for tests that need `IDENTITY_TEST_POSTGRES_URL`.
pub const NO_POSTGRES: &str = "PostgreSQL (IDENTITY_TEST_POSTGRES_URL is not set)";
