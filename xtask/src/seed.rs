//! `seed`: fills an existing practice with realistic users, in bulk.
//!
//! Names come in several scripts (Latin, accented Latin, Cyrillic, Greek,
//! Arabic, Chinese, Japanese, Korean) with matching languages and time
//! zones; roles are the practice's own (never a Super Admin role, which is
//! capped); a handful of sites and custom profiles are created first when
//! missing. Statuses mix active, invited and inactive. Every active or
//! inactive seeded user shares one argon2id hash of one password (printed,
//! or given with `--password`), which is not one-time, so that load tests
//! can sign them in.
//!
//! Users are written through the store's bulk path (multi-row INSERTs, one
//! transaction per batch), with every stored row a create writes: email
//! reservation, user, profile and site links, credential; then PostgreSQL's
//! planner statistics are refreshed. No email is sent
//! and no invitation link is issued: seeded invited users wait for an
//! administrator to resend their invitation. One audit entry records the
//! run, and one each site or profile it created.

use crate::config::Settings;
use crate::serve;
use identity_domain::system::{Argon2Cost, Argon2idHasher, OsRandom, UuidV7Ids};
use identity_domain::*;
use identity_store::{BulkUser, SeaStore};
use indicatif::{ProgressBar, ProgressStyle};
use rand::rngs::SmallRng;
use rand::seq::IndexedRandom;
use rand::{RngExt, SeedableRng};
use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Instant;

/// `cargo xtask seed` options.
#[derive(Debug, Clone, clap::Args)]
pub struct SeedArgs {
    /// How many users to add.
    #[arg(long, default_value_t = 1000)]
    pub users: u64,
    /// The practice's slug (default: the configured first practice's).
    #[arg(long)]
    pub practice: Option<String>,
    /// The password of every active seeded user (default: generated, printed).
    #[arg(long)]
    pub password: Option<String>,
    /// Users per transaction.
    #[arg(long, default_value_t = 5000)]
    pub batch: usize,
    /// Seed of the generator, for a repeatable population.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
}

/// A group of names written in one script, with the languages and time
/// zones its people would likely choose. Each name is (as written, ASCII
/// form for the email address).
struct Script {
    weight: u32,
    given: &'static [(&'static str, &'static str)],
    family: &'static [(&'static str, &'static str)],
    /// Family name first, and the separator between the two parts.
    family_first: Option<&'static str>,
    languages: &'static [&'static str],
    time_zones: &'static [&'static str],
}

const SCRIPTS: &[Script] = &[
    Script {
        weight: 34,
        given: &[
            ("Olivia", "olivia"),
            ("Liam", "liam"),
            ("Emma", "emma"),
            ("Noah", "noah"),
            ("Charlotte", "charlotte"),
            ("James", "james"),
            ("Amelia", "amelia"),
            ("Benjamin", "benjamin"),
            ("Harper", "harper"),
            ("Ethan", "ethan"),
            ("Priya", "priya"),
            ("Oluwaseun", "oluwaseun"),
        ],
        family: &[
            ("Smith", "smith"),
            ("Johnson", "johnson"),
            ("Brown", "brown"),
            ("Taylor", "taylor"),
            ("Wilson", "wilson"),
            ("MacDonald", "macdonald"),
            ("O'Brien", "obrien"),
            ("Thompson", "thompson"),
            ("Singh", "singh"),
            ("Clarke", "clarke"),
            ("Walker", "walker"),
            ("Okafor", "okafor"),
        ],
        family_first: None,
        languages: &["en", "en-CA", "en-GB"],
        time_zones: &["America/Toronto", "America/Vancouver", "America/Edmonton", "Europe/London"],
    },
    Script {
        weight: 24,
        given: &[
            ("Élodie", "elodie"),
            ("Amélie", "amelie"),
            ("François", "francois"),
            ("Zoë", "zoe"),
            ("Jérôme", "jerome"),
            ("Hélène", "helene"),
            ("Gaëlle", "gaelle"),
            ("Benoît", "benoit"),
            ("Anaïs", "anais"),
            ("Léa", "lea"),
            ("Stéphane", "stephane"),
            ("Chloé", "chloe"),
        ],
        family: &[
            ("Tremblay", "tremblay"),
            ("Gagnon", "gagnon"),
            ("Côté", "cote"),
            ("Bélanger", "belanger"),
            ("Lévesque", "levesque"),
            ("Gauthier", "gauthier"),
            ("Bouchard", "bouchard"),
            ("Pelletier", "pelletier"),
            ("Ménard", "menard"),
            ("Lefèvre", "lefevre"),
            ("Bérubé", "berube"),
            ("St-Pierre", "stpierre"),
        ],
        family_first: None,
        languages: &["fr-CA", "fr", "fr-CA", "en-CA"],
        time_zones: &["America/Toronto", "America/Moncton", "Europe/Paris"],
    },
    Script {
        weight: 12,
        given: &[
            ("José", "jose"),
            ("María", "maria"),
            ("Sofía", "sofia"),
            ("Joaquín", "joaquin"),
            ("Łukasz", "lukasz"),
            ("Søren", "soren"),
            ("Björn", "bjorn"),
            ("Zoltán", "zoltan"),
            ("Małgorzata", "malgorzata"),
            ("João", "joao"),
        ],
        family: &[
            ("García", "garcia"),
            ("Rodríguez", "rodriguez"),
            ("Núñez", "nunez"),
            ("Muñoz", "munoz"),
            ("Kowalski", "kowalski"),
            ("Øverby", "overby"),
            ("Šimić", "simic"),
            ("Dvořák", "dvorak"),
            ("Gonçalves", "goncalves"),
            ("Nguyễn", "nguyen"),
        ],
        family_first: None,
        languages: &["es", "es-MX", "pl", "pt-BR", "da", "vi"],
        time_zones: &["America/Mexico_City", "Europe/Madrid", "Europe/Warsaw", "America/Sao_Paulo"],
    },
    Script {
        weight: 7,
        given: &[
            ("Анна", "anna"),
            ("Иван", "ivan"),
            ("Ольга", "olga"),
            ("Дмитрий", "dmitriy"),
            ("Наталья", "natalya"),
            ("Сергей", "sergey"),
            ("Екатерина", "ekaterina"),
            ("Олександр", "oleksandr"),
        ],
        family: &[
            ("Иванова", "ivanova"),
            ("Петров", "petrov"),
            ("Смирнова", "smirnova"),
            ("Кузнецов", "kuznetsov"),
            ("Попова", "popova"),
            ("Волков", "volkov"),
            ("Шевченко", "shevchenko"),
            ("Морозов", "morozov"),
        ],
        family_first: None,
        languages: &["ru", "uk", "en"],
        time_zones: &["Europe/Kyiv", "Europe/Moscow", "America/Toronto"],
    },
    Script {
        weight: 5,
        given: &[
            ("Γιώργος", "giorgos"),
            ("Μαρία", "maria"),
            ("Δημήτρης", "dimitris"),
            ("Ελένη", "eleni"),
            ("Νίκος", "nikos"),
            ("Αικατερίνη", "aikaterini"),
        ],
        family: &[
            ("Παπαδόπουλος", "papadopoulos"),
            ("Οικονόμου", "oikonomou"),
            ("Γεωργίου", "georgiou"),
            ("Νικολάου", "nikolaou"),
            ("Βασιλείου", "vasileiou"),
            ("Καραγιάννη", "karagianni"),
        ],
        family_first: None,
        languages: &["el", "en"],
        time_zones: &["Europe/Athens", "America/Toronto"],
    },
    Script {
        weight: 8,
        given: &[
            ("محمد", "mohammed"),
            ("فاطمة", "fatima"),
            ("أحمد", "ahmed"),
            ("ليلى", "layla"),
            ("يوسف", "youssef"),
            ("مريم", "maryam"),
            ("عمر", "omar"),
            ("نور", "nour"),
        ],
        family: &[
            ("الحسن", "alhassan"),
            ("منصور", "mansour"),
            ("حداد", "haddad"),
            ("خوري", "khoury"),
            ("السيد", "elsayed"),
            ("عبد الله", "abdallah"),
        ],
        family_first: None,
        languages: &["ar", "fr", "en"],
        time_zones: &["Asia/Dubai", "Africa/Cairo", "Africa/Casablanca", "America/Toronto"],
    },
    Script {
        weight: 4,
        given: &[("伟", "wei"), ("娜", "na"), ("静", "jing"), ("磊", "lei"), ("芳", "fang"), ("洋", "yang")],
        family: &[
            ("王", "wang"),
            ("李", "li"),
            ("张", "zhang"),
            ("刘", "liu"),
            ("陈", "chen"),
            ("杨", "yang"),
        ],
        family_first: Some(""),
        languages: &["zh-CN", "zh-TW", "en"],
        time_zones: &["Asia/Shanghai", "Asia/Taipei", "America/Vancouver"],
    },
    Script {
        weight: 3,
        given: &[
            ("花子", "hanako"),
            ("翔太", "shota"),
            ("美咲", "misaki"),
            ("大輝", "daiki"),
            ("結衣", "yui"),
            ("蓮", "ren"),
        ],
        family: &[
            ("佐藤", "sato"),
            ("鈴木", "suzuki"),
            ("高橋", "takahashi"),
            ("田中", "tanaka"),
            ("伊藤", "ito"),
            ("渡辺", "watanabe"),
        ],
        family_first: Some(" "),
        languages: &["ja", "en"],
        time_zones: &["Asia/Tokyo", "America/Vancouver"],
    },
    Script {
        weight: 3,
        given: &[
            ("민준", "minjun"),
            ("서연", "seoyeon"),
            ("지호", "jiho"),
            ("하은", "haeun"),
            ("도윤", "doyun"),
        ],
        family: &[("김", "kim"), ("이", "lee"), ("박", "park"), ("최", "choi"), ("정", "jung")],
        family_first: Some(""),
        languages: &["ko", "en"],
        time_zones: &["Asia/Seoul", "America/Toronto"],
    },
];

/// Search terms an administrator would type, drawn from the seeded names
/// (lower-case, as the list folds them): common and rare, in several
/// scripts. Used by the benchmark.
pub const SEARCH_TERMS: &[&str] =
    &["tremblay", "garc", "smith", "иван", "παπαδ", "حداد", "王", "佐藤", "lev", "okafor", "김", "an"];

/// Sites created when the practice has none of these names.
const SITES: &[(&str, &str)] = &[
    ("Montréal — Centre-ville", "1000 rue Sherbrooke Ouest\nMontréal QC H3A 3G4"),
    ("Toronto — Bay Street", "200 Bay Street\nToronto ON M5J 2J2"),
    ("Vancouver", "555 West Hastings Street\nVancouver BC V6B 4N6"),
    ("Ottawa", "50 O'Connor Street\nOttawa ON K1P 6L2"),
    ("Calgary", "255 5 Ave SW\nCalgary AB T2P 3G6"),
];

/// Custom profiles created when missing, beside the built-in ones.
const PROFILES: &[(&str, &[Permission])] = &[
    ("Intake", &[Permission::PartiesManage, Permission::PartiesInvite]),
    ("Case supervision", &[Permission::CasesRead, Permission::CasesAssign]),
    ("Reporting", &[Permission::AuditRead, Permission::UsersExport]),
];

/// Job titles by role name; other roles get a generic one.
fn titles(role: &str) -> &'static [&'static str] {
    match role {
        "RCIC Consultant" => {
            &["Regulated Canadian Immigration Consultant", "Senior consultant", "Consultant"]
        }
        "Paralegal" => &["Paralegal", "Senior paralegal", "Legal assistant"],
        "Accountant" => &["Accountant", "Bookkeeper", "Billing coordinator"],
        "Administrator" => &["Office manager", "Operations lead"],
        _ => &["Case officer", "Coordinator"],
    }
}

/// Everything the generator draws from, read or created once.
pub struct Population {
    practice: Practice,
    roles: Vec<(Role, u32)>,
    profiles: Vec<ProfileId>,
    sites: Vec<SiteId>,
    hash: PasswordHash,
    now: chrono::DateTime<chrono::Utc>,
    /// The number of the first generated user (users already in the
    /// practice), so that a second run never reuses an email.
    first: u64,
}

/// How many seeded users have each status.
#[derive(Debug, Default, Clone, Copy)]
pub struct Tally {
    /// Active users.
    pub active: u64,
    /// Invited users.
    pub invited: u64,
    /// Inactive users.
    pub inactive: u64,
}

impl Population {
    /// User number `n` (counted from the run's first).
    fn user(&self, rng: &mut SmallRng, n: u64) -> Result<BulkUser, String> {
        let total: u32 = SCRIPTS.iter().map(|s| s.weight).sum();
        let mut pick = rng.random_range(0..total);
        let script = SCRIPTS
            .iter()
            .find(|s| {
                if pick < s.weight {
                    true
                } else {
                    pick -= s.weight;
                    false
                }
            })
            .unwrap_or(&SCRIPTS[0]);
        let (given, given_ascii) = *script.given.choose(rng).unwrap_or(&("Alex", "alex"));
        let (family, family_ascii) = *script.family.choose(rng).unwrap_or(&("Morgan", "morgan"));
        let name = match script.family_first {
            Some(separator) => format!("{family}{separator}{given}"),
            None => format!("{given} {family}"),
        };
        let number = self.first + n;
        let email = format!("{given_ascii}.{family_ascii}.{number}@{}.example", self.practice.slug);

        let role = self.pick_role(rng);
        let mut profiles = BTreeSet::new();
        let extra = match rng.random_range(0..10) {
            0..=5 => 0,
            6..=8 => 1,
            _ => 2,
        };
        for _ in 0..extra {
            if let Some(p) = self.profiles.choose(rng) {
                profiles.insert(*p);
            }
        }
        let mut sites = BTreeSet::new();
        let places = match rng.random_range(0..10) {
            0 => 0,
            1..=7 => 1,
            _ => 2,
        };
        for _ in 0..places {
            if let Some(s) = self.sites.choose(rng) {
                sites.insert(*s);
            }
        }
        let status = match rng.random_range(0..100) {
            0..=79 => UserStatus::Active,
            80..=91 => UserStatus::Invited,
            _ => UserStatus::Inactive,
        };
        let age = chrono::Duration::seconds(rng.random_range(0..3 * 365 * 24 * 3600));
        let created_at = self.now - age;
        let phone = rng
            .random_bool(0.4)
            .then(|| format!("+1 514 555 {:04}", rng.random_range(0..10_000)))
            .map(|p| Phone::parse(&p))
            .transpose()
            .map_err(|e| e.to_string())?;
        let title = if rng.random_bool(0.6) {
            titles(role.name.as_str())
                .choose(rng)
                .map(|t| Label::parse(t))
                .transpose()
                .map_err(|e| e.to_string())?
        } else {
            None
        };
        let notes = rng
            .random_bool(0.05)
            .then(|| Note::parse("Prefers meetings in the morning; covers the front desk on Fridays."))
            .transpose()
            .map_err(|e| e.to_string())?;
        let language = script.languages.choose(rng).copied().unwrap_or("en");
        let time_zone = script.time_zones.choose(rng).copied().unwrap_or("UTC");

        let user = User {
            id: UserId::from(UuidV7Ids.next_id()),
            practice: self.practice.id,
            email: EmailAddress::parse(&email).map_err(|e| format!("{email}: {e}"))?,
            name: PersonName::parse(&name).map_err(|e| format!("{name}: {e}"))?,
            role: role.id,
            profiles,
            language: Language::parse(language).map_err(|e| format!("{language}: {e}"))?,
            time_zone: TimeZone::parse(time_zone).map_err(|e| format!("{time_zone}: {e}"))?,
            phone,
            title,
            notes,
            sites,
            status,
            version: 1,
            created_at,
            updated_at: created_at,
        };
        let mut credential = Credential::empty(self.practice.id, user.id);
        if status != UserStatus::Invited {
            credential.set_password(self.hash.clone(), created_at, None);
        }
        Ok(BulkUser { user, credential })
    }

    fn pick_role(&self, rng: &mut SmallRng) -> &Role {
        let total: u32 = self.roles.iter().map(|(_, w)| w).sum();
        let mut pick = rng.random_range(0..total.max(1));
        for (role, weight) in &self.roles {
            if pick < *weight {
                return role;
            }
            pick -= weight;
        }
        &self.roles[0].0
    }
}

/// How often each role is drawn.
fn role_weight(role: &Role) -> u32 {
    match role.name.as_str() {
        "Paralegal" => 35,
        "RCIC Consultant" => 30,
        "Accountant" => 15,
        "Administrator" => 4,
        _ => 8,
    }
}

/// Reads the practice and its roles, creates the missing sites and
/// profiles (each audited), and counts the users already there.
async fn prepare(store: &SeaStore, slug: &PracticeSlug, hash: PasswordHash) -> Result<Population, String> {
    let now = chrono::Utc::now();
    let mut uow = store.begin(Access::Write).await.map_err(|e| e.to_string())?;
    let practice = uow.practices().find_by_slug(slug).await.map_err(|e| e.to_string())?.ok_or_else(|| {
        format!(
            "no practice '{slug}': start the server once (`cargo xtask serve`) or create it \
             (`cargo xtask practice create`)"
        )
    })?;
    let audit = |action, target| AuditEntry {
        id: AuditId::from(UuidV7Ids.next_id()),
        practice: practice.id,
        at: now,
        actor: Actor::System,
        action,
        target: Some(target),
        request_id: None,
        before: None,
        after: None,
    };

    let all_roles = uow.roles().list_roles(practice.id).await.map_err(|e| e.to_string())?;
    let roles: Vec<(Role, u32)> =
        all_roles.iter().filter(|r| !r.bypass).map(|r| (r.clone(), role_weight(r))).collect();
    if roles.is_empty() {
        return Err(format!("practice '{slug}' has no role but Super Admin"));
    }

    let mut sites = uow.sites().list(practice.id).await.map_err(|e| e.to_string())?;
    for (name, address) in SITES {
        if sites.iter().any(|s| s.name.as_str() == *name) {
            continue;
        }
        let site = Site {
            id: SiteId::from(UuidV7Ids.next_id()),
            practice: practice.id,
            name: Label::parse(name).map_err(|e| e.to_string())?,
            address: Some(Note::parse(address).map_err(|e| e.to_string())?),
            time_zone: None,
            created_at: now,
        };
        uow.sites().insert(&site).await.map_err(|e| e.to_string())?;
        let mut entry = audit(AuditAction::SiteCreated, Target::Site(site.id));
        entry.after = Some(serde_json::json!(site.name));
        uow.audit().append(&entry).await.map_err(|e| e.to_string())?;
        sites.push(site);
    }

    let mut profiles = uow.roles().list_profiles(practice.id).await.map_err(|e| e.to_string())?;
    for (name, permissions) in PROFILES {
        if profiles.iter().any(|p| p.name.as_str() == *name) {
            continue;
        }
        let profile = Profile {
            id: ProfileId::from(UuidV7Ids.next_id()),
            practice: practice.id,
            name: Label::parse(name).map_err(|e| e.to_string())?,
            permissions: permissions.iter().copied().collect(),
            builtin: false,
        };
        uow.roles().insert_profile(&profile).await.map_err(|e| e.to_string())?;
        let mut entry = audit(AuditAction::ProfileCreated, Target::Profile(profile.id));
        entry.after = Some(serde_json::json!({ "name": profile.name, "permissions": profile.permissions }));
        uow.audit().append(&entry).await.map_err(|e| e.to_string())?;
        profiles.push(profile);
    }

    let role_ids: Vec<RoleId> = all_roles.iter().map(|r| r.id).collect();
    let statuses = [UserStatus::Invited, UserStatus::Active, UserStatus::Inactive];
    let first =
        uow.users().count_with_roles(practice.id, &role_ids, &statuses).await.map_err(|e| e.to_string())?;
    uow.commit().await.map_err(|e| e.to_string())?;
    Ok(Population {
        practice,
        roles,
        profiles: profiles.iter().map(|p| p.id).collect(),
        sites: sites.iter().map(|s| s.id).collect(),
        hash,
        now,
        first,
    })
}

/// A password that meets the default policy, for the seeded users.
fn generated_password() -> String {
    Token::generate(&OsRandom).expose().chars().take(20).collect()
}

/// Adds `args.users` users to the practice, in batches, with a progress bar.
///
/// # Errors
/// A readable message: unknown practice, database failure, email conflict.
pub async fn run(settings: &Settings, args: SeedArgs) -> Result<(), String> {
    let slug_text = args.practice.clone().unwrap_or_else(|| settings.first_practice.slug.clone());
    let slug = PracticeSlug::parse(&slug_text).map_err(|e| format!("--practice: {e}"))?;
    let password = args.password.clone().unwrap_or_else(generated_password);
    if password.chars().count() < 8 {
        return Err("--password: at least 8 characters".to_owned());
    }
    let store = serve::open_store(settings).await?.with_outbox_key(serve::outbox_key(settings)?);
    let started = Instant::now();
    let hasher = Argon2idHasher::new(Argon2Cost::default(), Arc::new(OsRandom)).map_err(|e| e.to_string())?;
    let hash = hasher.hash_now(&password).map_err(|e| e.to_string())?;
    let population = prepare(&store, &slug, hash).await?;
    let tally = insert(&store, &population, &args).await?;
    store.refresh_statistics().await.map_err(|e| e.to_string())?;
    let entry = AuditEntry {
        id: AuditId::from(UuidV7Ids.next_id()),
        practice: population.practice.id,
        at: chrono::Utc::now(),
        actor: Actor::System,
        action: AuditAction::UsersSeeded,
        target: Some(Target::Practice(population.practice.id)),
        request_id: None,
        before: None,
        after: Some(serde_json::json!({
            "seeded_users": args.users,
            "active": tally.active,
            "invited": tally.invited,
            "inactive": tally.inactive,
        })),
    };
    let mut uow = store.begin(Access::Write).await.map_err(|e| e.to_string())?;
    uow.audit().append(&entry).await.map_err(|e| e.to_string())?;
    uow.commit().await.map_err(|e| e.to_string())?;
    store.close().await.map_err(|e| e.to_string())?;

    println!(
        "Seeded {} users into practice '{}' in {:.1} s ({} active, {} invited, {} inactive).",
        args.users,
        slug,
        started.elapsed().as_secs_f64(),
        tally.active,
        tally.invited,
        tally.inactive
    );
    if args.password.is_none() {
        println!("  password of every active seeded user: {password}   (not one-time)");
    }
    Ok(())
}

/// Generates and inserts the users, batch by batch.
async fn insert(store: &SeaStore, population: &Population, args: &SeedArgs) -> Result<Tally, String> {
    let bar = ProgressBar::new(args.users);
    if let Ok(style) = ProgressStyle::with_template(
        "{spinner} [{elapsed_precise}] {bar:40} {human_pos}/{human_len} users ({per_sec}, eta {eta})",
    ) {
        bar.set_style(style);
    }
    let mut rng = SmallRng::seed_from_u64(args.seed ^ population.first);
    let mut tally = Tally::default();
    let batch = args.batch.max(1) as u64;
    let mut n = 0;
    while n < args.users {
        let size = batch.min(args.users - n);
        let users = (n..n + size).map(|i| population.user(&mut rng, i)).collect::<Result<Vec<_>, _>>()?;
        for u in &users {
            match u.user.status {
                UserStatus::Active => tally.active += 1,
                UserStatus::Invited => tally.invited += 1,
                UserStatus::Inactive => tally.inactive += 1,
            }
        }
        store.insert_users_in_bulk(&users).await.map_err(|e| e.to_string())?;
        n += size;
        bar.inc(size);
    }
    bar.finish_and_clear();
    Ok(tally)
}
