//! A property of the users list, checked on every adapter: for random users
//! (names with ties, mixed case and non-ASCII letters; statuses, roles,
//! profiles, sites, languages, time zones; creation times with ties), a
//! random filter, sort column, direction and page size, walking every page
//! of [`UserRepository::list`](identity_domain::ports::UserRepository::list)
//! by its `next` cursors gives every matching user exactly once, in the
//! order [`SortValue::of`] then id say, as [`UserFilter::matches`] selects
//! them. Users added between pages show up when they sort after the page
//! just read and never otherwise; no user is ever listed twice.
//!
//! Each case writes its own practice straight through the ports, so many
//! cases share one database. Failing cases are shrunk to a minimal one,
//! which the panic message shows.

use chrono::{DateTime, Duration, Utc};
use identity_domain::*;
use proptest::collection::vec;
use proptest::option::weighted;
use proptest::prelude::*;
use proptest::sample::{select, subsequence};
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config as RunnerConfig, TestRunner};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::sync::Arc;
use uuid::Uuid;

/// How many random cases [`users_list_paging_walks_every_match_once_in_order`]
/// runs when the adapter's suite does not say (`PROPTEST_CASES` overrides).
pub const PAGING_CASES: u32 = 64;

/// Shrinking steps at most, after a failure (each one runs a whole case).
const MAX_SHRINK_STEPS: u32 = 256;

/// Names that tie once folded, differ only in case, or fold differently
/// than ASCII does; the last one has LIKE's special characters.
const NAMES: &[&str] = &[
    "Ana Silva",
    "ana silva",
    "ANA SILVA",
    "Åsa Berg",
    "åsa berg",
    "Zoë Adams",
    "Zoe\u{308} Adams",
    "Zoe Adams",
    "Émile Zola",
    "émile zola",
    "王秀英",
    "王小明",
    "小明王",
    "Жанна Иванова",
    "ЙОСИФ Йовић",
    "İlkay Şahin",
    "ılkay şahin",
    "Straße",
    "STRASSE",
    "Ωmega",
    "ωmega",
    "ǅemal",
    "Bob",
    "bob",
    "O'Brien",
    "50%_off \\ Sale",
];

/// Letters random names and searches are made of: Latin with accents,
/// Greek, Cyrillic (`Й` loses its breve when folded), Han, and LIKE's
/// special characters.
const LETTERS: &[char] = &[
    'a', 'A', 'b', 'z', 'Z', 'é', 'É', 'ß', 'İ', 'ı', 'i', 'Ω', 'ω', 'Ж', 'ж', 'Й', 'и', '王', '小', '明',
    '_', '%', '\\', '\'',
];
/// The same, and a space (never first: names are trimmed).
const LETTERS_OR_SPACE: &[char] = &[
    'a', 'A', 'b', 'z', 'Z', 'é', 'É', 'ß', 'İ', 'ı', 'i', 'Ω', 'ω', 'Ж', 'ж', 'Й', 'и', '王', '小', '明',
    '_', '%', '\\', '\'', ' ',
];
/// Every status.
const STATUSES: &[UserStatus] = &[UserStatus::Invited, UserStatus::Active, UserStatus::Inactive];
/// Both directions.
const DIRECTIONS: &[Direction] = &[Direction::Asc, Direction::Desc];

/// Local parts of addresses (a unique `.n` follows each).
const LOCALS: &[&str] = &["ana", "Ana", "ANA", "zoe", "a_b", "a%b", "o'brien", "bob", "BOB"];
/// Domains of addresses.
const DOMAINS: &[&str] = &["example.com", "Example.COM", "maple.ca"];
/// Preferred languages.
const LANGUAGES: &[&str] = &["en", "en-GB", "fr", "fr-CA", "nb", "zh-Hant"];
/// Time zones, with `/`, `_`, `-` and `+` in their names.
const TIME_ZONES: &[&str] = &[
    "UTC",
    "America/Toronto",
    "America/Port_of_Spain",
    "America/Port-au-Prince",
    "Europe/Paris",
    "Etc/GMT+5",
    "Etc/GMT-5",
];
/// Creation times, in microseconds after the first (repeats give ties).
const CREATED: &[i64] = &[0, 1, 999_999, 1_000_000, 1_500_000, 60_000_000, 86_400_000_000];
/// Role names, unique as typed but tying once folded.
const ROLE_NAMES: &[&str] = &["Paralegal", "paralegal", "PARALEGAL", "Éditeur", "éditeur", "Zeta", "Ωmega"];
/// Names a role may be renamed to between walks.
const RENAMES: &[&str] = &["Aardvark", "zzz", "PARALEGAL", "Ébène", "paralegal"];
/// Profile and site names.
const GROUP_NAMES: &[&str] = &["Collections", "Audit", "Montréal", "Laval"];
/// Searched text: substrings, case variants, LIKE's special characters.
const NEEDLES: &[&str] = &[
    "a", "an", "ana", "ANA", "silva", "e", "o", ".", "@", "example", "é", "É", "e\u{301}", "ß", "ss", "%",
    "_", "\\", "'", ".1", "@example", "i", "ı", "i\u{307}", "ω", "Ω", "王", "小明", "王小", "жан", "й", "и",
    "ив", "1", "nobody", "a%b", "a_b", " ", "",
];

/// A user to add: each field picks from the pools above.
#[derive(Debug, Clone)]
struct Person {
    /// Orders the user's id among the case's users (ties broken by position).
    rank: u16,
    name: String,
    local: &'static str,
    domain: &'static str,
    status: UserStatus,
    role: usize,
    profiles: u8,
    sites: u8,
    language: &'static str,
    time_zone: &'static str,
    created: i64,
    /// A second factor: none, confirmed, or an enrolment not finished
    /// (which does not count).
    factor: FactorState,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FactorState {
    None,
    Confirmed,
    Unconfirmed,
}

/// Which users one walk asks for.
#[derive(Debug, Clone)]
struct FilterSpec {
    statuses: Vec<UserStatus>,
    role: Option<usize>,
    profile: Option<usize>,
    site: Option<usize>,
    language: Option<&'static str>,
    /// The text, and whether it goes through `with_search` (folded) or is
    /// set as it is.
    search: Option<(String, bool)>,
    second_factor: Option<bool>,
    /// Holders of the roles and profiles whose bits are set.
    holders: Option<(u8, u8)>,
}

/// One walk through every page of one query.
#[derive(Debug, Clone)]
struct Walk {
    /// A role renamed before the walk.
    rename: Option<(usize, &'static str)>,
    filter: FilterSpec,
    sort: UserColumn,
    direction: Direction,
    limit: u32,
    /// Users added after the page of that index was read.
    arrivals: Vec<(usize, Person)>,
}

/// One case: a practice's catalogue and users, then walks over them.
#[derive(Debug, Clone)]
struct Scenario {
    roles: Vec<&'static str>,
    profiles: Vec<&'static str>,
    sites: Vec<&'static str>,
    people: Vec<Person>,
    walks: Vec<Walk>,
}

fn person() -> impl Strategy<Value = Person, Tree: Send> {
    let name = prop_oneof![
        3 => select(NAMES).prop_map(str::to_owned),
        1 => (select(LETTERS), vec(select(LETTERS_OR_SPACE), 0..4))
            .prop_map(|(first, rest)| std::iter::once(first).chain(rest).collect::<String>()),
    ];
    (
        any::<u16>(),
        name,
        select(LOCALS),
        select(DOMAINS),
        select(STATUSES),
        0..3usize,
        any::<u8>(),
        any::<u8>(),
        select(LANGUAGES),
        select(TIME_ZONES),
        select(CREATED),
        select(&[FactorState::None, FactorState::None, FactorState::Confirmed, FactorState::Unconfirmed][..]),
    )
        .prop_map(
            |(
                rank,
                name,
                local,
                domain,
                status,
                role,
                profiles,
                sites,
                language,
                time_zone,
                created,
                factor,
            )| {
                Person {
                    rank,
                    name,
                    local,
                    domain,
                    status,
                    role,
                    profiles,
                    sites,
                    language,
                    time_zone,
                    created,
                    factor,
                }
            },
        )
}

fn filter() -> impl Strategy<Value = FilterSpec, Tree: Send> {
    let statuses = prop_oneof![2 => Just(Vec::new()), 1 => subsequence(STATUSES, 1..=3)];
    let needle = prop_oneof![
        3 => select(NEEDLES).prop_map(str::to_owned),
        // Random terms of 1 to 4 characters in several scripts: those of
        // one or two are answered from the short n-grams of a store.
        2 => vec(select(LETTERS), 1..=4).prop_map(|c| c.into_iter().collect::<String>()),
    ];
    (
        statuses,
        weighted(0.15, 0..3usize),
        weighted(0.15, 0..3usize),
        weighted(0.15, 0..3usize),
        weighted(0.1, select(LANGUAGES)),
        weighted(0.3, (needle, any::<bool>())),
        weighted(0.2, any::<bool>()),
        weighted(0.3, (any::<u8>(), any::<u8>())),
    )
        .prop_map(|(statuses, role, profile, site, language, search, second_factor, holders)| {
            FilterSpec { statuses, role, profile, site, language, search, second_factor, holders }
        })
}

fn walk() -> impl Strategy<Value = Walk, Tree: Send> {
    (
        weighted(0.2, (0..3usize, select(RENAMES))),
        filter(),
        select(UserColumn::ALL),
        select(DIRECTIONS),
        1..=7u32,
        vec((0..4usize, person()), 0..4),
    )
        .prop_map(|(rename, filter, sort, direction, limit, arrivals)| Walk {
            rename,
            filter,
            sort,
            direction,
            limit,
            arrivals,
        })
}

fn scenario() -> impl Strategy<Value = Scenario, Tree: Send> {
    (
        subsequence(ROLE_NAMES, 1..=3),
        subsequence(GROUP_NAMES, 0..=2),
        subsequence(GROUP_NAMES, 0..=2),
        vec(person(), 0..24),
        vec(walk(), 1..=3),
    )
        .prop_map(|(roles, profiles, sites, people, walks)| Scenario {
            roles,
            profiles,
            sites,
            people,
            walks,
        })
}

/// Runs [`PAGING_CASES`] cases of the property on `store`.
///
/// # Panics
/// With the smallest failing case found, when the adapter breaks the property.
pub async fn users_list_paging_walks_every_match_once_in_order(store: Arc<dyn Store>) {
    users_list_paging_property(store, PAGING_CASES).await;
}

/// Runs `cases` random cases of the paging property on `store` (the
/// `PROPTEST_CASES` environment variable overrides the count), each in a
/// practice of its own; a failing case is shrunk before it is reported.
///
/// # Panics
/// With the smallest failing case found, when the adapter breaks the property.
pub async fn users_list_paging_property(store: Arc<dyn Store>, cases: u32) {
    let defaults = RunnerConfig::default();
    let cases = if std::env::var_os("PROPTEST_CASES").is_some() { defaults.cases } else { cases };
    // Nothing is written next to the sources: a failure prints its case.
    let config = RunnerConfig { cases, failure_persistence: None, ..defaults };
    // Every case is drawn up front, so no runner is held across an await.
    let trees: Vec<_> = {
        let mut runner = TestRunner::new(config);
        (0..cases).map(|_| scenario().new_tree(&mut runner).expect("a scenario")).collect()
    };
    for mut tree in trees {
        let Err(failure) = check(store.as_ref(), &tree.current()).await else {
            continue;
        };
        let mut smallest = (tree.current(), failure);
        let mut steps = 0;
        let mut more = tree.simplify();
        while more && steps < MAX_SHRINK_STEPS {
            steps += 1;
            more = match check(store.as_ref(), &tree.current()).await {
                Err(failure) => {
                    smallest = (tree.current(), failure);
                    tree.simplify()
                }
                Ok(()) => tree.complicate(),
            };
        }
        let (case, failure) = smallest;
        panic!("users-list paging failed after {steps} shrinking steps.\n{failure}\nminimal case: {case:#?}");
    }
}

/// The ids of `ids` whose bit is set in `mask`.
fn pick<T: Copy + Ord>(mask: u8, ids: &[T]) -> BTreeSet<T> {
    ids.iter().enumerate().filter(|(i, _)| mask & (1 << i) != 0).map(|(_, id)| *id).collect()
}

/// What one case knows: the practice's records as written, to compute what
/// each page should hold without asking the adapter.
struct Model {
    practice: PracticeId,
    /// The low half of every id the case makes: unique to the case, so
    /// cases (and shrinking steps) share one database.
    nonce: u64,
    next_id: u64,
    roles: Vec<Role>,
    profiles: Vec<ProfileId>,
    sites: Vec<SiteId>,
    users: BTreeMap<UserId, User>,
    /// What second factor each user has.
    factors: BTreeMap<UserId, FactorState>,
    /// Addresses are unique: the n-th user gets `.n`.
    added: usize,
    base: DateTime<Utc>,
}

type Outcome = Result<(), String>;

fn store_error(what: &str) -> impl FnOnce(StoreError) -> String + '_ {
    move |e| format!("{what}: {e}")
}

impl Model {
    fn id<T: From<Uuid>>(&mut self) -> T {
        self.next_id += 1;
        T::from(Uuid::from_u128((u128::from(u64::MAX - self.next_id) << 64) | u128::from(self.nonce)))
    }

    /// Whether `user` has a confirmed second factor.
    fn has_factor(&self, user: UserId) -> bool {
        self.factors.get(&user) == Some(&FactorState::Confirmed)
    }

    fn role_name(&self, role: RoleId) -> &str {
        self.roles.iter().find(|r| r.id == role).map_or("", |r| r.name.as_str())
    }

    /// Where `user` sits in the list sorted by `sort` (ascending).
    fn key(&self, user: &User, sort: UserColumn) -> (SortValue, UserId) {
        (SortValue::of(user, sort, self.role_name(user.role)), user.id)
    }

    fn user(&mut self, p: &Person) -> Result<User, String> {
        let n = self.added;
        self.added += 1;
        let position = u64::try_from(n).map_err(|e| e.to_string())?;
        let id = UserId::from(Uuid::from_u128(
            (u128::from((u64::from(p.rank) << 32) | position) << 64) | u128::from(self.nonce),
        ));
        let at = self.base + Duration::microseconds(p.created);
        self.factors.insert(id, p.factor);
        Ok(User {
            id,
            practice: self.practice,
            email: EmailAddress::parse(&format!("{}.{n}@{}", p.local, p.domain))
                .map_err(|e| e.to_string())?,
            name: PersonName::parse(&p.name).map_err(|e| e.to_string())?,
            role: self.roles[p.role % self.roles.len()].id,
            profiles: pick(p.profiles, &self.profiles),
            language: Language::parse(p.language).map_err(|e| e.to_string())?,
            time_zone: TimeZone::parse(p.time_zone).map_err(|e| e.to_string())?,
            phone: None,
            title: None,
            notes: None,
            sites: pick(p.sites, &self.sites),
            status: p.status,
            version: 1,
            created_at: at,
            updated_at: at,
        })
    }

    /// The filter a walk asks for; a profile or site the practice lacks is
    /// an id that exists nowhere.
    fn filter(&mut self, spec: &FilterSpec) -> UserFilter {
        let role = spec.role.map(|i| self.roles[i % self.roles.len()].id);
        let profile = spec.profile.map(|i| {
            if self.profiles.is_empty() { self.id() } else { self.profiles[i % self.profiles.len()] }
        });
        let site = spec
            .site
            .map(|i| if self.sites.is_empty() { self.id() } else { self.sites[i % self.sites.len()] });
        let filter = UserFilter {
            statuses: spec.statuses.clone(),
            role,
            profile,
            site,
            language: spec.language.and_then(|l| Language::parse(l).ok()),
            search: None,
            second_factor: spec.second_factor,
            holders: spec.holders.map(|(roles, profiles)| {
                let role_ids: Vec<RoleId> = self.roles.iter().map(|r| r.id).collect();
                Holders { roles: pick(roles, &role_ids), profiles: pick(profiles, &self.profiles) }
            }),
        };
        match &spec.search {
            Some((text, true)) => filter.with_search(text),
            Some((text, false)) => UserFilter { search: Some(text.clone()), ..filter },
            None => filter,
        }
    }
}

async fn add_users(store: &dyn Store, model: &Model, users: &[User]) -> Outcome {
    let mut uow = store.begin(Access::Write).await.map_err(store_error("begin"))?;
    for user in users {
        let users = uow.users();
        users
            .reserve_email(user.practice, &user.email, user.id, user.created_at)
            .await
            .map_err(store_error("reserve"))?;
        users.insert(user).await.map_err(store_error("insert user"))?;
        let state = model.factors.get(&user.id).copied().unwrap_or(FactorState::None);
        if state != FactorState::None {
            let factor = Factor {
                id: FactorId::from(Uuid::from_u128(user.id.as_uuid().as_u128() ^ 1)),
                practice: user.practice,
                holder: user.id.into(),
                name: FactorName::parse("Phone").map_err(|e| e.to_string())?,
                kind: FactorKind::Totp(TotpFactor {
                    secret: TotpSecret::from_bytes([7; 20]),
                    last_step: None,
                }),
                confirmed: state == FactorState::Confirmed,
                created_at: user.created_at,
                last_used_at: None,
            };
            uow.factors().insert(&factor).await.map_err(store_error("insert factor"))?;
        }
    }
    uow.commit().await.map_err(store_error("commit users"))
}

/// Writes the scenario's practice, catalogue and users.
async fn set_up(store: &dyn Store, s: &Scenario) -> Result<Model, String> {
    let nonce = u64::try_from(Uuid::now_v7().as_u128() & u128::from(u64::MAX)).unwrap_or_default();
    let base = DateTime::parse_from_rfc3339("2026-01-05T09:00:00Z").map_err(|e| e.to_string())?.to_utc();
    let mut model = Model {
        practice: PracticeId::from(Uuid::nil()),
        nonce,
        next_id: 0,
        roles: Vec::new(),
        profiles: Vec::new(),
        sites: Vec::new(),
        users: BTreeMap::new(),
        factors: BTreeMap::new(),
        added: 0,
        base,
    };
    model.practice = model.id();
    let practice = Practice {
        id: model.practice,
        slug: PracticeSlug::parse(&format!("paging-{nonce:x}")).map_err(|e| e.to_string())?,
        name: Label::parse("Paging practice").map_err(|e| e.to_string())?,
        settings: PracticeSettings::default(),
        created_at: base,
    };
    let mut uow = store.begin(Access::Write).await.map_err(store_error("begin"))?;
    uow.practices().insert(&practice).await.map_err(store_error("insert practice"))?;
    for name in &s.roles {
        let role = Role {
            id: model.id(),
            practice: model.practice,
            name: Label::parse(name).map_err(|e| e.to_string())?,
            permissions: PermissionSet::from_iter([Permission::UsersRead]),
            bypass: false,
            builtin: false,
            second_factor_required: false,
        };
        uow.roles().insert_role(&role).await.map_err(store_error("insert role"))?;
        model.roles.push(role);
    }
    for name in &s.profiles {
        let profile = Profile {
            id: model.id(),
            practice: model.practice,
            name: Label::parse(name).map_err(|e| e.to_string())?,
            permissions: PermissionSet::from_iter([Permission::InvoicesRead]),
            builtin: false,
        };
        uow.roles().insert_profile(&profile).await.map_err(store_error("insert profile"))?;
        model.profiles.push(profile.id);
    }
    for name in &s.sites {
        let site = Site {
            id: model.id(),
            practice: model.practice,
            name: Label::parse(name).map_err(|e| e.to_string())?,
            address: None,
            time_zone: None,
            created_at: base,
        };
        uow.sites().insert(&site).await.map_err(store_error("insert site"))?;
        model.sites.push(site.id);
    }
    uow.commit().await.map_err(store_error("commit catalogue"))?;
    let users = s.people.iter().map(|p| model.user(p)).collect::<Result<Vec<_>, _>>()?;
    add_users(store, &model, &users).await?;
    model.users.extend(users.into_iter().map(|u| (u.id, u)));
    Ok(model)
}

/// One case: set up, then every walk.
async fn check(store: &dyn Store, s: &Scenario) -> Outcome {
    let mut model = set_up(store, s).await?;
    for (n, walk) in s.walks.iter().enumerate() {
        walk_pages(store, &mut model, walk).await.map_err(|e| format!("walk {n}: {e}"))?;
    }
    Ok(())
}

/// Renames a role when the walk says so and the name is free.
async fn rename(store: &dyn Store, model: &mut Model, walk: &Walk) -> Outcome {
    let Some((index, name)) = walk.rename else {
        return Ok(());
    };
    if model.roles.iter().any(|r| r.name.as_str() == name) {
        return Ok(());
    }
    let index = index % model.roles.len();
    model.roles[index].name = Label::parse(name).map_err(|e| e.to_string())?;
    let mut uow = store.begin(Access::Write).await.map_err(store_error("begin"))?;
    uow.roles().update_role(&model.roles[index]).await.map_err(store_error("rename role"))?;
    uow.commit().await.map_err(store_error("commit rename"))
}

/// Walks every page of one query, adding users between pages, and compares
/// what came back with what the model says.
async fn walk_pages(store: &dyn Store, model: &mut Model, walk: &Walk) -> Outcome {
    rename(store, model, walk).await?;
    let filter = model.filter(&walk.filter);
    let (sort, direction, limit) = (walk.sort, walk.direction, walk.limit);
    // `beyond(a, b)`: `a` comes after `b` in the list's order.
    let beyond = |a: &(SortValue, UserId), b: &(SortValue, UserId)| match direction {
        Direction::Asc => a > b,
        Direction::Desc => a < b,
    };
    let mut expected: Vec<UserId> =
        model.users.values().filter(|u| filter.matches(u, model.has_factor(u.id))).map(|u| u.id).collect();
    let mut walked: Vec<UserId> = Vec::new();
    let mut query = UserQuery { filter: filter.clone(), sort, direction, after: None, limit };
    let mut arrivals = walk.arrivals.clone();
    let mut page_index = 0;
    let mut log = String::new();
    loop {
        let mut uow = store.begin(Access::Read).await.map_err(store_error("begin"))?;
        let page = uow.users().list(model.practice, &query).await.map_err(store_error("list"))?;
        drop(uow);
        let _ = writeln!(
            log,
            "page {page_index}: {:?}",
            page.items.iter().map(|u| short(u.user.id)).collect::<Vec<_>>()
        );
        if page.items.len() > limit as usize {
            return Err(format!("a page of {limit} held {} users", page.items.len()));
        }
        let matching =
            model.users.values().filter(|u| filter.matches(u, model.has_factor(u.id))).count() as u64;
        if page.total != Some(matching) {
            return Err(format!("page {page_index} counts {:?} matches, not {matching}\n{log}", page.total));
        }
        for item in page.items.iter().map(|row| &row.user) {
            if walked.contains(&item.id) {
                return Err(format!("user {} listed twice\n{log}", short(item.id)));
            }
            match model.users.get(&item.id) {
                Some(user) if user == item => walked.push(item.id),
                Some(user) => return Err(format!("listed as\n{item:#?}\nbut stored as\n{user:#?}")),
                None => return Err(format!("listed a user this case never added: {item:#?}")),
            }
        }
        let Some(cursor) = page.next else {
            break;
        };
        let Some(last) = page.items.last() else {
            return Err("an empty page has a next page".to_owned());
        };
        if page.items.len() != limit as usize {
            return Err(format!("a page of {limit} with a next page held {} users", page.items.len()));
        }
        let at = model.key(&last.user, sort);
        if (&cursor.value, cursor.id) != (&at.0, at.1) {
            return Err(format!("the cursor {cursor:?} is not the last row's {at:?}"));
        }
        // Users arrive: those sorting after the page just read must show up.
        let (now, later): (Vec<_>, Vec<_>) =
            arrivals.into_iter().partition(|(after, _)| *after == page_index);
        arrivals = later;
        let added = now.iter().map(|(_, p)| model.user(p)).collect::<Result<Vec<_>, _>>()?;
        add_users(store, model, &added).await?;
        for user in added {
            let shows =
                filter.matches(&user, model.has_factor(user.id)) && beyond(&model.key(&user, sort), &at);
            let _ = writeln!(
                log,
                "added {} ({})",
                short(user.id),
                if shows { "after" } else { "before or unmatched" }
            );
            if shows {
                expected.push(user.id);
            }
            model.users.insert(user.id, user);
        }
        query.after = Some(cursor);
        page_index += 1;
        if page_index > model.users.len() + 1 {
            return Err(format!("the walk does not end\n{log}"));
        }
    }
    // Arrivals after the last page only join the practice.
    let late = arrivals.iter().map(|(_, p)| model.user(p)).collect::<Result<Vec<_>, _>>()?;
    add_users(store, model, &late).await?;
    model.users.extend(late.into_iter().map(|u| (u.id, u)));

    let mut keyed: Vec<(SortValue, UserId)> =
        expected.iter().map(|id| model.key(&model.users[id], sort)).collect();
    keyed.sort();
    if direction == Direction::Desc {
        keyed.reverse();
    }
    let expected: Vec<UserId> = keyed.iter().map(|(_, id)| *id).collect();
    if walked != expected {
        let show = |ids: &[UserId]| {
            ids.iter()
                .map(|id| format!("{} {:?}", short(*id), model.key(&model.users[id], sort).0))
                .collect::<Vec<_>>()
                .join("\n  ")
        };
        return Err(format!(
            "{sort:?} {direction:?}, pages of {limit}, filter {filter:?}\nexpected:\n  {}\nwalked:\n  {}\n{log}",
            show(&expected),
            show(&walked)
        ));
    }
    Ok(())
}

/// The part of an id that tells a case's users apart.
fn short(id: UserId) -> String {
    format!("{:016x}", id.as_uuid().as_u128() >> 64)
}
