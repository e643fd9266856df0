//! Benchmarks of the two paths every request takes: turning a session token
//! back into a caller (SHA-256 of the token, lookup, idle and absolute
//! expiry, the user's current grants) and checking the caller's permission;
//! and of the check every new password goes through (the bundled list of
//! 100,000 common passwords, the guessable shapes, the user's context),
//! whose target is under 1 ms.
//!
//! The pure parts are measured on their own; the service's
//! [`IdentityService::authenticate`] runs over the in-memory adapters, so its
//! figures are the domain's own cost with storage at its cheapest. Run with
//! `cargo bench -p identity-domain --bench hot_paths` (add `-- --quick` for
//! a short run).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::Duration;
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use identity_domain::password::{PasswordContext, is_common};
use identity_domain::role::BUILTIN_ROLES;
use identity_domain::*;
use identity_memory::MemoryAdapters;
use secrecy::SecretString;
use std::collections::BTreeSet;
use std::hint::black_box;
use tokio::runtime::Runtime;

const PASSWORD: &str = "a long and private passphrase";

/// How many other live sessions the store holds while one is looked up.
const OTHER_SESSIONS: [usize; 2] = [0, 1_000];

fn secret(s: &str) -> SecretString {
    SecretString::from(s.to_owned())
}

fn runtime() -> Runtime {
    tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a tokio runtime")
}

/// A practice on the in-memory adapters with one consultant who also holds
/// the Collections profile, signed in; `other_sessions` more sessions of
/// the practice's owner sit beside theirs.
struct Signed {
    service: IdentityService,
    token: Token,
    caller: Caller,
}

impl Signed {
    async fn new(other_sessions: usize, config: Config) -> Self {
        let adapters = MemoryAdapters::with_fast_hasher();
        let service = IdentityService::new(adapters.ports(), config);
        let created = service.create_practice(NewPractice::example()).await.unwrap();
        let (_, admin) =
            sign_in_first(&service, "owner@maple.example", created.admin_password.expose()).await;
        let role = service.list_roles(&admin).await.unwrap();
        let role = role.iter().find(|r| r.name.as_str() == "RCIC Consultant").unwrap().id;
        let profiles: BTreeSet<ProfileId> =
            service.list_profiles(&admin).await.unwrap().iter().map(|p| p.id).collect();
        let new = NewUser {
            email: EmailAddress::parse("rita@maple.example").unwrap(),
            name: PersonName::parse("Rita Consultant").unwrap(),
            role,
            profiles,
            language: Language::english(),
            time_zone: TimeZone::utc(),
            phone: None,
            title: None,
            notes: None,
            sites: BTreeSet::new(),
            credential: InitialCredential::GeneratePassword,
        };
        let one_time = service.create_user(&admin, new).await.unwrap().generated_password.unwrap();
        let (token, caller) = sign_in_first(&service, "rita@maple.example", one_time.expose()).await;
        for _ in 0..other_sessions {
            sign_in(&service, "owner@maple.example", PASSWORD).await;
        }
        Self { service, token, caller }
    }
}

async fn sign_in(service: &IdentityService, email: &str, password: &str) -> SignedIn {
    service
        .sign_in(SignIn {
            practice: "maple-law".to_owned(),
            email: email.to_owned(),
            password: secret(password),
            request_id: None,
        })
        .await
        .unwrap()
}

/// Signs in with a one-time password, changes it to [`PASSWORD`], and
/// returns the now full session.
async fn sign_in_first(service: &IdentityService, email: &str, one_time: &str) -> (Token, Caller) {
    let signed = sign_in(service, email, one_time).await;
    let restricted = service.authenticate(&signed.token).await.unwrap();
    service.change_own_password(&restricted, secret(one_time), secret(PASSWORD)).await.unwrap();
    let caller = service.authenticate(&signed.token).await.unwrap();
    (signed.token, caller)
}

fn permission_check(c: &mut Criterion) {
    let rt = runtime();
    let signed = rt.block_on(Signed::new(0, Config::default()));
    let consultant = BUILTIN_ROLES.iter().find(|b| b.name == "RCIC Consultant").unwrap();
    let role = Role {
        id: RoleId::from_uuid(uuid::Uuid::from_u128(1)),
        practice: signed.caller.practice(),
        name: Label::parse(consultant.name).unwrap(),
        permissions: consultant.permission_set(),
        bypass: false,
        builtin: true,
        second_factor_required: false,
    };
    let profiles: Vec<Profile> = (0..3u8)
        .map(|i| Profile {
            id: ProfileId::from_uuid(uuid::Uuid::from_u128(u128::from(i) + 2)),
            practice: role.practice,
            name: Label::parse(&format!("Profile {i}")).unwrap(),
            permissions: PermissionSet::from_iter([Permission::ALL[usize::from(i) * 5]]),
            builtin: false,
        })
        .collect();
    let grants = Grants::of(&role, &profiles);

    let mut group = c.benchmark_group("permission");
    group.bench_function("set_contains", |b| {
        b.iter(|| black_box(grants.permissions).contains(black_box(Permission::PaymentsWrite)))
    });
    group.bench_function("grants_of_role_and_3_profiles", |b| {
        b.iter(|| Grants::of(black_box(&role), black_box(&profiles)))
    });
    group.bench_function("grants_allows", |b| {
        b.iter(|| black_box(&grants).allows(black_box(Permission::InvoicesWrite)))
    });
    group.bench_function("grants_cover_a_set", |b| {
        let wanted = PermissionSet::from_iter([Permission::UsersRead, Permission::CasesOwn]);
        b.iter(|| black_box(&grants).covers(black_box(wanted)))
    });
    group.bench_function("caller_require/allowed", |b| {
        b.iter(|| black_box(&signed.caller).require(black_box(Permission::CasesOwn)))
    });
    group.bench_function("caller_require/forbidden", |b| {
        b.iter(|| black_box(&signed.caller).require(black_box(Permission::RolesManage)))
    });
    group.finish();
}

fn session_validation(c: &mut Criterion) {
    let presented = Token::presented("q0cR4v6dHqP3o9rQ1mX2aW8eZ5tY7uI0oP9lK8jH6gF");
    let policy = SessionPolicy::default();
    let now = chrono::DateTime::parse_from_rfc3339("2026-01-05T09:10:00Z").unwrap().to_utc();
    let session = Session {
        id: SessionId::from_uuid(uuid::Uuid::from_u128(1)),
        practice: PracticeId::from_uuid(uuid::Uuid::from_u128(2)),
        user: UserId::from_uuid(uuid::Uuid::from_u128(3)),
        token_hash: presented.hash(),
        created_at: now - Duration::hours(1),
        last_seen_at: now - Duration::minutes(5),
        expires_at: now + Duration::hours(11),
        scope: identity_domain::SessionScope::Full,
        password_at: now,
        ended_at: None,
    };

    let mut group = c.benchmark_group("session");
    group.bench_function("token_sha256", |b| b.iter(|| black_box(&presented).hash()));
    group.bench_function("hash_compare_constant_time", |b| {
        let other = presented.hash();
        b.iter(|| black_box(&session.token_hash) == black_box(&other))
    });
    group.bench_function("is_live", |b| b.iter(|| black_box(&session).is_live(black_box(now), &policy)));
    group.finish();

    let rt = runtime();
    let mut group = c.benchmark_group("authenticate");
    for others in OTHER_SESSIONS {
        let signed = rt.block_on(Signed::new(others, Config::default()));
        let text = signed.token.expose().to_owned();
        group.bench_with_input(BenchmarkId::new("live_session", others), &text, |b, text| {
            b.to_async(&rt).iter(|| {
                let service = &signed.service;
                async move { service.authenticate(&Token::presented(black_box(text))).await.unwrap() }
            })
        });
        let unknown = "an-unknown-token-of-the-usual-forty-three-ch".to_owned();
        group.bench_with_input(BenchmarkId::new("unknown_token", others), &unknown, |b, text| {
            b.to_async(&rt).iter(|| {
                let service = &signed.service;
                async move { service.authenticate(&Token::presented(black_box(text))).await.unwrap_err() }
            })
        });
        let checked = &signed;
        group.bench_with_input(BenchmarkId::new("live_session_then_require", others), &text, |b, text| {
            b.to_async(&rt).iter(|| async move {
                let caller = checked.service.authenticate(&Token::presented(black_box(text))).await.unwrap();
                caller.require(Permission::InvoicesWrite).unwrap();
            })
        });
    }
    // Every request writes the session's last use: the path of the first
    // request after each touch interval.
    let touching = Config { session_touch_interval: Duration::zero(), ..Config::default() };
    let signed = rt.block_on(Signed::new(0, touching));
    let text = signed.token.expose().to_owned();
    group.bench_function("live_session_touched", |b| {
        b.to_async(&rt).iter(|| {
            let service = &signed.service;
            let text = &text;
            async move { service.authenticate(&Token::presented(black_box(text))).await.unwrap() }
        })
    });
    group.finish();
}

fn password_check(c: &mut Criterion) {
    let email = EmailAddress::parse("ana.silva@maple.example").unwrap();
    let name = PersonName::parse("Ana Silva Moreira").unwrap();
    let context = PasswordContext { practice_name: "Maple Immigration", email: &email, name: &name };
    let policy = PasswordPolicy::default();
    // The longest accepted password: every shape is looked for over 128
    // characters.
    let longest: String =
        (0..).flat_map(|i| format!("pine{i} ").chars().collect::<Vec<_>>()).take(128).collect();
    let cases = [
        ("accepted_passphrase", PASSWORD.to_owned()),
        ("accepted_128_characters", longest),
        ("refused_common_decorated", "Password123456789!".to_owned()),
        ("refused_keyboard_row", "asdfghjklzxcvbn".to_owned()),
    ];

    let mut group = c.benchmark_group("password");
    for (label, typed) in cases {
        group.bench_with_input(BenchmarkId::new("check", label), &typed, |b, typed| {
            b.iter(|| Password::new(secret(black_box(typed)), policy, context))
        });
    }
    group.bench_function("is_common", |b| b.iter(|| is_common(black_box(PASSWORD))));
    group.finish();
}

criterion_group!(benches, permission_check, session_validation, password_check);
criterion_main!(benches);
