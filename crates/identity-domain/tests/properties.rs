//! Property tests: invariants of PRODUCT.md checked over random inputs and
//! random command sequences, on the in-memory adapters.
//!
//! - email normalisation is idempotent and case-insensitive; CR/LF is refused;
//! - effective permissions are exactly role ∪ profiles, as a value and end to
//!   end through a signed-in caller;
//! - random lifecycle commands never reach an illegal status, never leave an
//!   open case with an owner who is not active, and never leave a practice
//!   without an active Super Admin;
//! - random commands by one practice with another practice's ids answer
//!   not-found (or forbidden) and leave the other practice untouched.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "rules/support.rs"]
mod support;

use identity_domain::user::IllegalTransition;
use identity_domain::*;
use proptest::prelude::*;
use proptest::sample::Index;
use std::collections::{BTreeMap, BTreeSet};
use support::{PASSWORD, World, secret};

/// Runs one async test case on a fresh current-thread runtime.
fn block_on<F: std::future::Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread().build().expect("a tokio runtime").block_on(future)
}

fn config() -> ProptestConfig {
    ProptestConfig::with_cases(32)
}

/// The permissions whose catalogue positions are set in `mask`, as a plain
/// set (computed without `PermissionSet`, to check it against).
fn permissions_of(mask: u64) -> BTreeSet<Permission> {
    Permission::ALL.iter().enumerate().filter(|(i, _)| mask >> i & 1 == 1).map(|(_, p)| *p).collect()
}

fn set_of(permissions: &BTreeSet<Permission>) -> PermissionSet {
    permissions.iter().copied().collect()
}

/// Dense, sparse and empty permission masks.
fn mask() -> impl Strategy<Value = u64> {
    prop_oneof![
        any::<u64>(),
        (any::<u64>(), any::<u64>(), any::<u64>()).prop_map(|(a, b, c)| a & b & c),
        Just(0u64),
    ]
}

/// Signs in with `password` (a one-time password when `one_time`), changes
/// it to [`PASSWORD`] if needed, and returns the session token.
async fn session_token(w: &World, email: &str, password: &str) -> Token {
    let signed = w.sign_in(email, password).await.unwrap();
    if signed.password_change_only() {
        let restricted = w.service.authenticate(&signed.token).await.unwrap();
        w.service.change_own_password(&restricted, secret(password), secret(PASSWORD)).await.unwrap();
    }
    signed.token
}

// ---------------------------------------------------------------------------
// Email addresses
// ---------------------------------------------------------------------------

fn ascii_address() -> impl Strategy<Value = String> {
    (
        "[a-zA-Z0-9+_-]{1,8}(\\.[a-zA-Z0-9+_-]{1,8}){0,2}",
        "[a-zA-Z0-9]{1,10}(\\.[a-zA-Z0-9]{1,10}){0,2}\\.[a-zA-Z]{2,6}",
    )
        .prop_map(|(local, domain)| format!("{local}@{domain}"))
}

/// Addresses whose local part mixes scripts, cases, composed and decomposed
/// forms and characters whose lower case is special.
fn unicode_address() -> impl Strategy<Value = String> {
    let letters = vec![
        'a', 'Z', 'é', 'É', 'e', '\u{301}', 'ß', 'ẞ', 'İ', 'I', 'Σ', 'σ', 'ς', 'К', 'к', 'а', 'Å',
        '\u{212B}', 'ǅ', 'ﬁ', 'Ω', '\u{2126}', '9', '_',
    ];
    (prop::collection::vec(prop::sample::select(letters), 1..10), ascii_address()).prop_map(
        |(local, tail)| {
            let domain = tail.split_once('@').map_or("example.com".to_owned(), |(_, d)| d.to_owned());
            format!("{}@{domain}", local.into_iter().collect::<String>())
        },
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Parsing the normalised form of an address gives the same address with
    /// the same normalised form: normalisation is idempotent.
    #[test]
    fn email_normalisation_is_idempotent(raw in prop_oneof![ascii_address(), unicode_address()]) {
        let parsed = EmailAddress::parse(&raw);
        prop_assume!(parsed.is_ok());
        let parsed = parsed.unwrap();
        let again = EmailAddress::parse(parsed.normalized());
        prop_assert!(
            again.is_ok(),
            "the normalised form {:?} of {:?} is refused: {:?}",
            parsed.normalized(),
            raw,
            again
        );
        let again = again.unwrap();
        prop_assert_eq!(&again, &parsed);
        prop_assert_eq!(again.normalized(), parsed.normalized());
        // And once more: a fixed point.
        let third = EmailAddress::parse(again.normalized()).unwrap();
        prop_assert_eq!(third.normalized(), again.normalized());
    }

    /// Any change of ASCII case, and white space around, gives the same
    /// address; the address is still shown as typed (trimmed).
    #[test]
    fn email_comparison_ignores_ascii_case_and_surrounding_space(
        raw in ascii_address(),
        flips in prop::collection::vec(any::<bool>(), 64),
        before in "[ \t]{0,2}",
        after in "[ \t]{0,2}",
    ) {
        let original = EmailAddress::parse(&raw);
        prop_assert!(original.is_ok(), "{:?} refused: {:?}", raw, original);
        let original = original.unwrap();
        let flipped: String = raw
            .chars()
            .zip(flips.iter().cycle())
            .map(|(c, flip)| match (flip, c.is_ascii_lowercase()) {
                (false, _) => c,
                (true, true) => c.to_ascii_uppercase(),
                (true, false) => c.to_ascii_lowercase(),
            })
            .collect();
        let typed = format!("{before}{flipped}{after}");
        let changed = EmailAddress::parse(&typed);
        prop_assert!(changed.is_ok(), "{:?} refused: {:?}", typed, changed);
        let changed = changed.unwrap();
        prop_assert_eq!(&changed, &original);
        prop_assert_eq!(changed.normalized(), original.normalized());
        prop_assert_eq!(changed.normalized(), raw.to_ascii_lowercase());
        prop_assert_eq!(changed.as_str(), flipped.as_str());
    }

    /// A CR or LF anywhere in the input (even at an end that trimming would
    /// remove) is refused, whatever the rest looks like.
    #[test]
    fn email_with_cr_or_lf_is_refused(
        base in prop_oneof![ascii_address(), any::<String>()],
        at in any::<Index>(),
        brk in prop::sample::select(vec!["\r", "\n", "\r\n", "\n\r"]),
    ) {
        let chars: Vec<char> = base.chars().collect();
        let split = at.index(chars.len() + 1);
        let typed: String =
            chars[..split].iter().collect::<String>() + brk + &chars[split..].iter().collect::<String>();
        prop_assert_eq!(EmailAddress::parse(&typed), Err(EmailError::ControlCharacter), "{:?}", typed);
    }
}

// ---------------------------------------------------------------------------
// Effective permissions
// ---------------------------------------------------------------------------

fn role_with(permissions: PermissionSet, bypass: bool) -> Role {
    Role {
        id: RoleId::from_uuid(uuid::Uuid::from_u128(1)),
        practice: PracticeId::from_uuid(uuid::Uuid::from_u128(2)),
        name: Label::parse("A role").unwrap(),
        permissions,
        bypass,
        builtin: false,
        second_factor_required: false,
    }
}

fn profile_with(n: u128, permissions: PermissionSet) -> Profile {
    Profile {
        id: ProfileId::from_uuid(uuid::Uuid::from_u128(100 + n)),
        practice: PracticeId::from_uuid(uuid::Uuid::from_u128(2)),
        name: Label::parse(&format!("Profile {n}")).unwrap(),
        permissions,
        builtin: false,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// `Grants::of` is exactly role ∪ profiles, in any profile order, and
    /// `allows(p)` holds exactly for the union (or everything with bypass).
    #[test]
    fn grants_are_role_union_profiles(
        role_mask in mask(),
        profile_masks in prop::collection::vec(mask(), 0..5),
        bypass in any::<bool>(),
    ) {
        let mut expected = permissions_of(role_mask);
        for m in &profile_masks {
            expected.extend(permissions_of(*m));
        }
        let role = role_with(set_of(&permissions_of(role_mask)), bypass);
        let profiles: Vec<Profile> = profile_masks
            .iter()
            .enumerate()
            .map(|(i, m)| profile_with(i as u128, set_of(&permissions_of(*m))))
            .collect();
        let grants = Grants::of(&role, &profiles);
        prop_assert_eq!(grants.permissions.iter().collect::<BTreeSet<_>>(), expected.clone());
        prop_assert_eq!(grants.bypass, bypass);
        for p in Permission::ALL {
            prop_assert_eq!(grants.allows(*p), bypass || expected.contains(p), "{}", p);
        }
        prop_assert!(grants.covers(set_of(&expected)));
        let reversed: Vec<Profile> = profiles.iter().rev().cloned().collect();
        prop_assert_eq!(Grants::of(&role, &reversed), grants);
        if !bypass {
            let outside: BTreeSet<Permission> =
                Permission::ALL.iter().copied().filter(|p| !expected.contains(p)).collect();
            prop_assert_eq!(grants.covers(set_of(&outside)), outside.is_empty());
        }
    }
}

proptest! {
    #![proptest_config(config())]

    /// End to end: a custom role and custom profiles with random permissions,
    /// given to a user; the signed-in caller holds exactly role ∪ profiles,
    /// nothing while the session may only change its password, and a later
    /// change of the role shows on the next request.
    #[test]
    fn signed_in_caller_holds_role_union_profiles(
        role_mask in mask(),
        profile_masks in prop::collection::vec(mask(), 0..4),
        with_collections in any::<bool>(),
        next_role_mask in mask(),
    ) {
        block_on(async {
            let w = World::new().await;
            let admin = &w.admin;
            let role = w
                .service
                .create_role(admin, GrantDraft {
                    name: Label::parse("Custom role").unwrap(),
                    permissions: set_of(&permissions_of(role_mask)),
                })
                .await
                .unwrap();
            let mut profiles = BTreeSet::new();
            let mut expected_from_profiles = BTreeSet::new();
            for (i, m) in profile_masks.iter().enumerate() {
                let profile = w
                    .service
                    .create_profile(admin, GrantDraft {
                        name: Label::parse(&format!("Custom profile {i}")).unwrap(),
                        permissions: set_of(&permissions_of(*m)),
                    })
                    .await
                    .unwrap();
                profiles.insert(profile.id);
                expected_from_profiles.extend(permissions_of(*m));
            }
            if with_collections {
                profiles.insert(w.profile("Collections").await);
                expected_from_profiles.extend([
                    Permission::InvoicesRead,
                    Permission::InvoicesWrite,
                    Permission::PaymentsRead,
                    Permission::PaymentsWrite,
                ]);
            }
            let credential = InitialCredential::GeneratePassword;
            let mut new = w.new_user("morgan@maple-law.example", "Morgan Quill", role.id, credential);
            new.profiles = profiles.clone();
            let created = w.service.create_user(admin, new).await.unwrap();
            prop_assert_eq!(&created.user.profiles, &profiles);
            prop_assert_eq!(created.user.role, role.id);

            let signed = w
                .sign_in("morgan@maple-law.example", created.generated_password.as_ref().unwrap().expose())
                .await
                .unwrap();
            let restricted = w.service.authenticate(&signed.token).await.unwrap();
            for p in Permission::ALL {
                prop_assert!(!restricted.may(*p), "a password-change-only session may {}", p);
            }
            w.service
                .change_own_password(
                    &restricted,
                    secret(created.generated_password.unwrap().expose()),
                    secret(PASSWORD),
                )
                .await
                .unwrap();
            let caller = w.service.authenticate(&signed.token).await.unwrap();

            let mut expected = permissions_of(role_mask);
            expected.extend(expected_from_profiles.iter().copied());
            prop_assert!(!caller.grants().bypass);
            prop_assert_eq!(caller.grants().permissions.iter().collect::<BTreeSet<_>>(), expected.clone());
            for p in Permission::ALL {
                prop_assert_eq!(caller.may(*p), expected.contains(p), "may {}", p);
            }

            // Role changes take effect on the next request.
            w.service
                .update_role(admin, role.id, GrantDraft {
                    name: Label::parse("Custom role").unwrap(),
                    permissions: set_of(&permissions_of(next_role_mask)),
                })
                .await
                .unwrap();
            let caller = w.service.authenticate(&signed.token).await.unwrap();
            let mut expected = permissions_of(next_role_mask);
            expected.extend(expected_from_profiles.iter().copied());
            prop_assert_eq!(caller.grants().permissions.iter().collect::<BTreeSet<_>>(), expected.clone());
            for p in Permission::ALL {
                prop_assert_eq!(caller.may(*p), expected.contains(p), "after the role change, may {}", p);
            }
            Ok::<(), TestCaseError>(())
        })?;
    }
}

// ---------------------------------------------------------------------------
// Lifecycle state machine
// ---------------------------------------------------------------------------

/// The built-in roles, by position in the commands.
const ROLES: [&str; 5] = ["Super Admin", "Administrator", "RCIC Consultant", "Paralegal", "Accountant"];

/// The Super Admin cap of the practice under test (the default).
const CAP: u32 = 2;

#[derive(Debug, Clone)]
enum Command {
    Create { role: usize, invite: bool, generated: bool },
    AcceptInvitation { user: Index },
    Deactivate { user: Index, reassign_to: Option<Index> },
    Reactivate { user: Index },
    RevokeInvitation { user: Index },
    ResendInvitation { user: Index },
    ResetPassword { user: Index, mode: u8 },
    OpenCase { owner: Index },
    Reassign { from: Index, to: Index },
    ChangeRole { user: Index, role: usize },
}

fn command() -> impl Strategy<Value = Command> {
    let user = any::<Index>;
    prop_oneof![
        4 => (0..ROLES.len(), any::<bool>(), any::<bool>())
            .prop_map(|(role, invite, generated)| Command::Create { role, invite, generated }),
        6 => user().prop_map(|user| Command::AcceptInvitation { user }),
        4 => (user(), proptest::option::of(user()))
            .prop_map(|(user, reassign_to)| Command::Deactivate { user, reassign_to }),
        2 => user().prop_map(|user| Command::Reactivate { user }),
        1 => user().prop_map(|user| Command::RevokeInvitation { user }),
        1 => user().prop_map(|user| Command::ResendInvitation { user }),
        2 => (user(), 0u8..3).prop_map(|(user, mode)| Command::ResetPassword { user, mode }),
        4 => user().prop_map(|owner| Command::OpenCase { owner }),
        2 => (user(), user()).prop_map(|(from, to)| Command::Reassign { from, to }),
        2 => (user(), 0..ROLES.len()).prop_map(|(user, role)| Command::ChangeRole { user, role }),
    ]
}

/// Users and cases of the practice, read straight from the store.
#[derive(Debug, Clone, PartialEq)]
struct State {
    users: BTreeMap<UserId, User>,
    cases: BTreeMap<CaseId, Case>,
}

impl State {
    fn open_cases_of(&self, user: UserId) -> BTreeSet<CaseId> {
        self.cases
            .values()
            .filter(|c| c.owner == user && c.status == CaseStatus::Open)
            .map(|c| c.id)
            .collect()
    }
}

struct Machine {
    w: World,
    roles: Vec<Role>,
    /// Every user, in creation order (the owner and the deputy first).
    users: Vec<UserId>,
    has_password: BTreeSet<UserId>,
    /// The two Super Admins commands are run by: id, email, session token.
    actors: Vec<(UserId, String, Token)>,
    created: usize,
    log: Vec<String>,
}

impl Machine {
    async fn new() -> Self {
        let w = World::new().await;
        let (deputy, password) = w.add_user("deputy@maple-law.example", "Super Admin").await;
        let deputy_token = session_token(&w, deputy.email.as_str(), password.expose()).await;
        let owner_token = session_token(&w, w.owner.email.as_str(), PASSWORD).await;
        let all = w.service.list_roles(&w.admin).await.unwrap();
        let roles =
            ROLES.iter().map(|name| all.iter().find(|r| r.name.as_str() == *name).unwrap().clone()).collect();
        let actors = vec![
            (w.owner.id, w.owner.email.as_str().to_owned(), owner_token),
            (deputy.id, deputy.email.as_str().to_owned(), deputy_token),
        ];
        Self {
            users: vec![w.owner.id, deputy.id],
            has_password: [w.owner.id, deputy.id].into_iter().collect(),
            w,
            roles,
            actors,
            created: 0,
            log: Vec::new(),
        }
    }

    async fn state(&self) -> State {
        let practice = self.w.practice.id;
        let mut uow = self.w.adapters.store.begin(Access::Read).await.unwrap();
        let query = UserQuery { limit: 100_000, ..UserQuery::default() };
        let users: BTreeMap<UserId, User> = uow
            .users()
            .list(practice, &query)
            .await
            .unwrap()
            .items
            .into_iter()
            .map(|u| (u.user.id, u.user))
            .collect();
        let mut cases = BTreeMap::new();
        for id in users.keys() {
            for case in uow.cases().list_by_owner(practice, *id, None).await.unwrap() {
                cases.insert(case.id, case);
            }
        }
        State { users, cases }
    }

    fn role(&self, id: RoleId) -> &Role {
        self.roles.iter().find(|r| r.id == id).expect("a built-in role")
    }

    fn can_own_cases(&self, user: &User) -> bool {
        let role = self.role(user.role);
        role.bypass || role.permissions.contains(Permission::CasesOwn)
    }

    fn super_admins(&self, state: &State, statuses: &[UserStatus]) -> u32 {
        let n =
            state.users.values().filter(|u| self.role(u.role).bypass && statuses.contains(&u.status)).count();
        u32::try_from(n).unwrap()
    }

    fn is_last_super_admin(&self, state: &State, user: &User) -> bool {
        self.role(user.role).bypass
            && user.status == UserStatus::Active
            && self.super_admins(state, &[UserStatus::Active]) <= 1
    }

    /// A live caller for actor `which`, signing them in again if their
    /// session ended (and they may still sign in).
    async fn caller(&mut self, which: usize) -> Option<Caller> {
        let (_, email, token) = &self.actors[which];
        if let Ok(caller) = self.w.service.authenticate(token).await {
            return Some(caller);
        }
        let signed = self.w.sign_in(email, PASSWORD).await.ok()?;
        self.actors[which].2 = signed.token.clone();
        self.w.service.authenticate(&signed.token).await.ok()
    }

    /// The newest invitation token emailed to `user`.
    async fn newest_invitation(&self, user: &User) -> Option<String> {
        let outbox = self.w.outbox().await;
        outbox.iter().rev().filter(|e| e.practice == self.w.practice.id && e.to == user.email).find_map(|e| {
            match &e.message {
                Message::Invitation { token, .. } => Some(token.expose().to_owned()),
                _ => None,
            }
        })
    }

    fn invariants(&self, before: &State, after: &State) -> Result<(), TestCaseError> {
        let log = self.log.join("\n");
        for (id, old) in &before.users {
            let new = after.users.get(id);
            prop_assert!(new.is_some(), "user {} disappeared after\n{}", id, log);
            let new = new.unwrap();
            if new.status != old.status {
                prop_assert!(
                    old.status.can_become(new.status),
                    "illegal transition {} -> {} of {} after\n{}",
                    old.status,
                    new.status,
                    id,
                    log
                );
            }
        }
        for user in after.users.values() {
            prop_assert!(matches!(
                user.status,
                UserStatus::Invited | UserStatus::Active | UserStatus::Inactive
            ));
        }
        for id in before.cases.keys() {
            prop_assert!(after.cases.contains_key(id), "case {} disappeared after\n{}", id, log);
        }
        for case in after.cases.values().filter(|c| c.status == CaseStatus::Open) {
            let owner = &after.users[&case.owner];
            prop_assert_eq!(
                owner.status,
                UserStatus::Active,
                "open case {} is owned by a {} user after\n{}",
                case.id,
                owner.status,
                log
            );
        }
        prop_assert!(
            self.super_admins(after, &[UserStatus::Active]) >= 1,
            "no active Super Admin left after\n{}",
            log
        );
        prop_assert!(self.super_admins(after, &[UserStatus::Invited, UserStatus::Active]) <= CAP);
        Ok(())
    }

    /// Runs one command by actor `by`, checks what it did against the rules,
    /// then checks the invariants.
    async fn step(&mut self, by: usize, command: &Command) -> Result<(), TestCaseError> {
        self.log.push(format!("{by}: {command:?}"));
        let before = self.state().await;
        let succeeded = match command {
            Command::AcceptInvitation { user } => {
                let user = before.users[user.get(&self.users)].clone();
                let Some(token) = self.newest_invitation(&user).await else {
                    return Ok(());
                };
                let result =
                    self.w.service.accept_invitation(&Token::presented(&token), secret(PASSWORD), None).await;
                // The newest invitation is live exactly while the user is invited.
                prop_assert_eq!(
                    result.is_ok(),
                    user.status == UserStatus::Invited,
                    "accepting the newest invitation of a {} user: {:?}",
                    user.status,
                    result
                );
                if result.is_ok() {
                    self.has_password.insert(user.id);
                    prop_assert_eq!(self.state().await.users[&user.id].status, UserStatus::Active);
                }
                result.is_ok()
            }
            _ => {
                let Some(caller) = self.caller(by).await else {
                    return Ok(());
                };
                self.run(&caller, command, &before).await?
            }
        };
        let after = self.state().await;
        if !succeeded {
            prop_assert_eq!(&before, &after, "a refused command changed something:\n{}", self.log.join("\n"));
        }
        self.invariants(&before, &after)
    }

    /// Runs a command that needs a caller. With a full Super Admin caller,
    /// the outcome must be exactly what the rules say: `Ok` when no refusal
    /// applies, else one of the refusals that apply.
    async fn run(
        &mut self,
        caller: &Caller,
        command: &Command,
        before: &State,
    ) -> Result<bool, TestCaseError> {
        let oracle = caller.grants().bypass && !caller.password_change_only();
        let service = self.w.service.clone();
        macro_rules! judge {
            ($result:expr, $refusals:expr) => {{
                let result = $result;
                let refusals = $refusals;
                if oracle {
                    match &result {
                        Ok(_) => prop_assert!(
                            refusals.is_empty(),
                            "succeeded although refused by {:?}:\n{}",
                            refusals,
                            self.log.join("\n")
                        ),
                        Err(e) => prop_assert!(
                            refusals.contains(e),
                            "refused with {:?}, expected one of {:?}:\n{}",
                            e,
                            refusals,
                            self.log.join("\n")
                        ),
                    }
                }
                result
            }};
        }
        Ok(match command {
            Command::AcceptInvitation { .. } => unreachable!("run without a caller"),
            Command::Create { role, invite, generated } => {
                self.created += 1;
                let n = self.created;
                let role = self.roles[*role].clone();
                let credential = match (invite, generated) {
                    (true, _) => InitialCredential::Invite,
                    (false, true) => InitialCredential::GeneratePassword,
                    (false, false) => InitialCredential::SetPassword(secret(PASSWORD)),
                };
                let new = self.w.new_user(
                    &format!("member{n}@maple-law.example"),
                    &format!("Casey {n}"),
                    role.id,
                    credential,
                );
                let mut refusals = Vec::new();
                if role.bypass && self.super_admins(before, &[UserStatus::Invited, UserStatus::Active]) >= CAP
                {
                    refusals.push(CreateUserError::Grant(GrantError::SuperAdminCapReached { cap: CAP }));
                }
                let result = judge!(service.create_user(caller, new).await, refusals);
                if let Ok(created) = &result {
                    let expected = if *invite { UserStatus::Invited } else { UserStatus::Active };
                    prop_assert_eq!(created.user.status, expected);
                    self.users.push(created.user.id);
                    if !invite {
                        self.has_password.insert(created.user.id);
                    }
                }
                result.is_ok()
            }
            Command::Deactivate { user, reassign_to } => {
                let target = before.users[user.get(&self.users)].clone();
                let to = reassign_to.map(|i| before.users[i.get(&self.users)].clone());
                let open = before.open_cases_of(target.id);
                let mut refusals = Vec::new();
                if target.id == caller.user() {
                    refusals.push(DeactivateError::SelfDeactivation);
                }
                if target.status == UserStatus::Inactive {
                    refusals.push(DeactivateError::Transition(IllegalTransition {
                        from: UserStatus::Inactive,
                        to: UserStatus::Inactive,
                    }));
                }
                if self.is_last_super_admin(before, &target) {
                    refusals.push(DeactivateError::LastSuperAdmin);
                }
                match &to {
                    Some(to) if to.id == target.id => {
                        refusals.push(DeactivateError::Assignee(AssigneeError::SameUser));
                    }
                    Some(to) if to.status != UserStatus::Active => {
                        refusals
                            .push(DeactivateError::Assignee(AssigneeError::NotActive { status: to.status }));
                    }
                    Some(to) if !self.can_own_cases(to) => {
                        refusals.push(DeactivateError::Assignee(AssigneeError::CannotOwnCases));
                    }
                    Some(_) => {}
                    None if !open.is_empty() => {
                        refusals.push(DeactivateError::OwnsOpenCases { count: open.len() as u64 });
                    }
                    None => {}
                }
                let result = judge!(
                    service.deactivate_user(caller, target.id, to.as_ref().map(|u| u.id)).await,
                    refusals
                );
                if result.is_ok() {
                    let after = self.state().await;
                    prop_assert_eq!(after.users[&target.id].status, UserStatus::Inactive);
                    prop_assert!(after.open_cases_of(target.id).is_empty());
                    if let Some(to) = &to {
                        prop_assert!(open.iter().all(|c| after.cases[c].owner == to.id));
                    }
                    // Deactivation ends every session.
                    if let Some((_, _, token)) = self.actors.iter().find(|(id, _, _)| *id == target.id) {
                        prop_assert!(service.authenticate(token).await.is_err());
                    }
                }
                result.is_ok()
            }
            Command::Reactivate { user } => {
                let target = before.users[user.get(&self.users)].clone();
                let next = if self.has_password.contains(&target.id) {
                    UserStatus::Active
                } else {
                    UserStatus::Invited
                };
                let mut refusals = Vec::new();
                if target.id == caller.user() {
                    refusals.push(ReactivateError::Target(TargetError::UseSelfService));
                }
                if target.status != UserStatus::Inactive {
                    refusals.push(ReactivateError::Transition(IllegalTransition {
                        from: target.status,
                        to: next,
                    }));
                }
                if self.role(target.role).bypass
                    && self.super_admins(before, &[UserStatus::Invited, UserStatus::Active]) >= CAP
                {
                    refusals.push(ReactivateError::SuperAdminCapReached { cap: CAP });
                }
                let result = judge!(service.reactivate_user(caller, target.id).await, refusals);
                if let Ok(user) = &result {
                    prop_assert_eq!(user.status, next);
                }
                result.is_ok()
            }
            Command::RevokeInvitation { user } => {
                let target = before.users[user.get(&self.users)].clone();
                let mut refusals = Vec::new();
                if target.id == caller.user() {
                    refusals.push(InvitationError::Target(TargetError::UseSelfService));
                }
                if target.status != UserStatus::Invited {
                    refusals.push(InvitationError::NotInvited { status: target.status });
                }
                let result = judge!(service.revoke_invitation(caller, target.id).await, refusals);
                if let Ok(user) = &result {
                    prop_assert_eq!(user.status, UserStatus::Inactive);
                }
                result.is_ok()
            }
            Command::ResendInvitation { user } => {
                let target = before.users[user.get(&self.users)].clone();
                let sent_before = self.w.outbox().await.len();
                let mut refusals = Vec::new();
                if target.id == caller.user() {
                    refusals.push(InvitationError::Target(TargetError::UseSelfService));
                }
                if target.status != UserStatus::Invited {
                    refusals.push(InvitationError::NotInvited { status: target.status });
                }
                let result = judge!(service.resend_invitation(caller, target.id).await, refusals);
                if result.is_ok() {
                    let outbox = self.w.outbox().await;
                    prop_assert_eq!(outbox.len(), sent_before + 1);
                    let last = outbox.last().unwrap();
                    prop_assert!(last.to == target.email && last.message.kind() == "invitation");
                }
                result.is_ok()
            }
            Command::ResetPassword { user, mode } => {
                let target = before.users[user.get(&self.users)].clone();
                if self.actors.iter().any(|(id, _, _)| *id == target.id) {
                    // The actors keep their known password.
                    return Ok(false);
                }
                let mode = match mode {
                    0 => ResetMode::GenerateAndEmail,
                    1 => ResetMode::EmailRecoveryLink,
                    _ => ResetMode::SetTemporary(secret("temporary harbour key 3141")),
                };
                let mut refusals = Vec::new();
                if target.status != UserStatus::Active {
                    refusals.push(ResetPasswordError::NotActive { status: target.status });
                }
                let result = judge!(service.reset_password(caller, target.id, mode).await, refusals);
                result.is_ok()
            }
            Command::OpenCase { owner } => {
                let owner = before.users[owner.get(&self.users)].clone();
                let mut refusals = Vec::new();
                if owner.status != UserStatus::Active {
                    refusals
                        .push(CreateCaseError::Assignee(AssigneeError::NotActive { status: owner.status }));
                }
                if !self.can_own_cases(&owner) {
                    refusals.push(CreateCaseError::Assignee(AssigneeError::CannotOwnCases));
                }
                let title = Label::parse(&format!("Case {}", before.cases.len() + 1)).unwrap();
                let result = judge!(service.create_case(caller, title, owner.id).await, refusals);
                if let Ok(case) = &result {
                    prop_assert_eq!(case.owner, owner.id);
                    prop_assert_eq!(case.status, CaseStatus::Open);
                }
                result.is_ok()
            }
            Command::Reassign { from, to } => {
                let from = before.users[from.get(&self.users)].clone();
                let to = before.users[to.get(&self.users)].clone();
                let open = before.open_cases_of(from.id);
                let mut refusals = Vec::new();
                if from.id == to.id {
                    refusals.push(ReassignCasesError::Assignee(AssigneeError::SameUser));
                } else if to.status != UserStatus::Active {
                    refusals
                        .push(ReassignCasesError::Assignee(AssigneeError::NotActive { status: to.status }));
                } else if !self.can_own_cases(&to) {
                    refusals.push(ReassignCasesError::Assignee(AssigneeError::CannotOwnCases));
                }
                let result = judge!(
                    service.reassign_cases(caller, from.id, to.id, CaseSelection::AllOpen).await,
                    refusals
                );
                if let Ok(moved) = &result {
                    prop_assert_eq!(moved.iter().copied().collect::<BTreeSet<_>>(), open.clone());
                    let after = self.state().await;
                    prop_assert!(open.iter().all(|c| after.cases[c].owner == to.id));
                }
                result.is_ok()
            }
            Command::ChangeRole { user, role } => {
                let target = before.users[user.get(&self.users)].clone();
                let role = self.roles[*role].clone();
                let was_super_admin = self.role(target.role).bypass;
                let mut refusals = Vec::new();
                if target.id == caller.user() {
                    // An administrator's path, refused on one's own account.
                    refusals.push(SetAccessError::Target(TargetError::UseSelfService));
                }
                if role.bypass
                    && !was_super_admin
                    && self.super_admins(before, &[UserStatus::Invited, UserStatus::Active]) >= CAP
                {
                    refusals.push(SetAccessError::Grant(GrantError::SuperAdminCapReached { cap: CAP }));
                }
                if was_super_admin && !role.bypass && self.is_last_super_admin(before, &target) {
                    refusals.push(SetAccessError::LastSuperAdmin);
                }
                let result = judge!(
                    service.set_access(caller, target.id, role.id, BTreeSet::new(), None).await,
                    refusals
                );
                if let Ok(user) = &result {
                    prop_assert_eq!(user.role, role.id);
                }
                result.is_ok()
            }
        })
    }
}

proptest! {
    #![proptest_config(config())]

    /// Random lifecycle commands, by one of two Super Admins, never reach an
    /// illegal status or transition, never delete anything, never leave an
    /// open case with an owner who is not active, never leave the practice
    /// without an active Super Admin, and each succeeds or fails exactly as
    /// the rules say; a refused command changes nothing.
    #[test]
    fn lifecycle_commands_keep_the_invariants(
        commands in prop::collection::vec((0usize..2, command()), 1..48),
    ) {
        block_on(async {
            let mut machine = Machine::new().await;
            let start = machine.state().await;
            machine.invariants(&start, &start)?;
            for (by, command) in &commands {
                machine.step(*by, command).await?;
            }
            Ok::<(), TestCaseError>(())
        })?;
    }
}

// ---------------------------------------------------------------------------
// Practices never cross
// ---------------------------------------------------------------------------

/// Everything practice B has, read through B's own admin and the adapters.
#[derive(Debug, PartialEq)]
struct Snapshot {
    users: Vec<User>,
    histories: Vec<Vec<(EmailAddress, chrono::DateTime<chrono::Utc>)>>,
    cases: Vec<Case>,
    sites: Vec<Site>,
    parties: Vec<Party>,
    roles: Vec<Role>,
    profiles: Vec<Profile>,
    audit: Vec<AuditEntry>,
    outbox: Vec<OutboxEmail>,
}

async fn snapshot(b: &World) -> Snapshot {
    let admin = &b.admin;
    let query = UserQuery { limit: 500, ..UserQuery::default() };
    let users: Vec<User> =
        b.service.list_users(admin, &query).await.unwrap().items.into_iter().map(|row| row.user).collect();
    let mut histories = Vec::new();
    let mut cases = Vec::new();
    for user in &users {
        histories.push(b.service.email_history(admin, user.id).await.unwrap());
        cases.extend(b.service.list_cases(admin, user.id, None).await.unwrap());
    }
    let sites = b.service.list_sites(admin).await.unwrap();
    let mut parties = Vec::new();
    for site in &sites {
        parties.extend(b.service.list_parties(admin, site.id).await.unwrap());
    }
    Snapshot {
        users,
        histories,
        cases,
        sites,
        parties,
        roles: b.service.list_roles(admin).await.unwrap(),
        profiles: b.service.list_profiles(admin).await.unwrap(),
        audit: b.adapters.audit_log().await.into_iter().filter(|e| e.practice == b.practice.id).collect(),
        outbox: b.adapters.outbox().await.into_iter().filter(|e| e.practice == b.practice.id).collect(),
    }
}

fn party_details(name: &str, email: Option<&str>) -> PartyDetails {
    PartyDetails {
        kind: PartyKind::Student,
        name: PersonName::parse(name).unwrap(),
        email: email.map(|e| EmailAddress::parse(e).unwrap()),
        phone: None,
        address: None,
        date_of_birth: None,
        gender: None,
        grade_or_position: None,
        language: None,
    }
}

/// Practice B's ids, and the session of one of its users.
struct Other {
    users: Vec<UserId>,
    cases: Vec<CaseId>,
    sites: Vec<SiteId>,
    parties: Vec<PartyId>,
    roles: Vec<RoleId>,
    profiles: Vec<ProfileId>,
    signed_in: Token,
}

async fn populate_b(b: &World) -> Other {
    let admin = &b.admin;
    let site = b
        .service
        .create_site(admin, SiteDetails::named(Label::parse("North campus").unwrap()))
        .await
        .unwrap();
    let quiet =
        b.service.save_party(admin, site.id, party_details("Sam Student", None), false).await.unwrap();
    let invited = b
        .service
        .save_party(admin, site.id, party_details("Wes Witness", Some("wes@witness.example")), true)
        .await
        .unwrap();
    let role = b
        .service
        .create_role(
            admin,
            GrantDraft {
                name: Label::parse("Caseworker").unwrap(),
                permissions: [Permission::CasesOwn, Permission::CasesRead].into_iter().collect(),
            },
        )
        .await
        .unwrap();
    let profile = b
        .service
        .create_profile(
            admin,
            GrantDraft {
                name: Label::parse("Billing").unwrap(),
                permissions: [Permission::InvoicesRead].into_iter().collect(),
            },
        )
        .await
        .unwrap();

    let (worker, _) = b.add_user("worker@practice-b.example", "RCIC Consultant").await;
    b.service.set_access(admin, worker.id, role.id, [profile.id].into_iter().collect(), None).await.unwrap();
    let pending = b
        .service
        .create_user(
            admin,
            b.new_user("pending@practice-b.example", "Pat Pending", role.id, InitialCredential::Invite),
        )
        .await
        .unwrap()
        .user;
    let (gone, _) = b.add_user("gone@practice-b.example", "Paralegal").await;
    b.service.deactivate_user(admin, gone.id, None).await.unwrap();
    let (signed, password) = b.add_user("signed@practice-b.example", "Paralegal").await;
    let signed_in = session_token(b, signed.email.as_str(), password.expose()).await;

    let open = b.open_case("B open case", worker.id).await;
    let closed = b.open_case("B closed case", worker.id).await;
    b.service.close_case(admin, closed.id).await.unwrap();
    let mine = b.open_case("B case of signed", signed.id).await;

    Other {
        users: vec![b.owner.id, worker.id, pending.id, gone.id, signed.id],
        cases: vec![open.id, closed.id, mine.id],
        sites: vec![site.id],
        parties: vec![quiet.id, invited.id],
        roles: b.service.list_roles(admin).await.unwrap().into_iter().map(|r| r.id).collect(),
        profiles: b.service.list_profiles(admin).await.unwrap().into_iter().map(|p| p.id).collect(),
        signed_in,
    }
}

/// One call by practice A that names practice B's ids.
#[derive(Debug, Clone)]
struct Probe {
    op: u8,
    by_admin: bool,
    pick: Index,
    extra: u8,
}

const PROBES: u8 = 39;

fn probe() -> impl Strategy<Value = Probe> {
    (0..PROBES, any::<bool>(), any::<Index>(), any::<u8>()).prop_map(|(op, by_admin, pick, extra)| Probe {
        op,
        by_admin,
        pick,
        extra,
    })
}

/// Asserts a refusal: the not-found answer, or (for a caller who lacks the
/// permission) a forbidden one.
macro_rules! refused {
    ($probe:expr, $limited:expr, $result:expr, $not_found:pat, $forbidden:pat) => {{
        let result = $result;
        let expected = matches!(result, Err($not_found)) || ($limited && matches!(result, Err($forbidden)));
        prop_assert!(expected, "{:?} answered {:?}", $probe, result);
    }};
}

#[allow(clippy::too_many_lines)]
async fn run_probe(
    a: &World,
    limited_caller: &Caller,
    ids: &AIds,
    b: &Other,
    probe: &Probe,
    n: usize,
) -> Result<(), TestCaseError> {
    let limited = !probe.by_admin;
    let caller = if probe.by_admin { &a.admin } else { limited_caller };
    let service = &a.service;
    let user = *probe.pick.get(&b.users);
    let case = *probe.pick.get(&b.cases);
    let site = *probe.pick.get(&b.sites);
    let party = *probe.pick.get(&b.parties);
    let role = *probe.pick.get(&b.roles);
    let profile = *probe.pick.get(&b.profiles);
    let mode = match probe.extra % 3 {
        0 => ResetMode::GenerateAndEmail,
        1 => ResetMode::EmailRecoveryLink,
        _ => ResetMode::SetTemporary(secret("temporary harbour key 3141")),
    };
    let title = || Label::parse("Probe case").unwrap();
    let draft =
        || GrantDraft { name: Label::parse("Taken over").unwrap(), permissions: PermissionSet::all() };
    let new_user = |role: RoleId| {
        a.new_user(&format!("probe{n}@maple-law.example"), "Quentin Probe", role, InitialCredential::Invite)
    };
    match probe.op {
        0 => refused!(
            probe,
            limited,
            service.get_user(caller, user).await,
            ReadUsersError::UserNotFound,
            ReadUsersError::Access(_)
        ),
        1 => refused!(
            probe,
            limited,
            service.email_history(caller, user).await,
            ReadUsersError::UserNotFound,
            ReadUsersError::Access(_)
        ),
        2 => {
            let edit = UserEdit {
                name: Some(PersonName::parse("Renamed Elsewhere").unwrap()),
                ..UserEdit::default()
            };
            refused!(
                probe,
                limited,
                service.update_user(caller, user, edit, None).await,
                UpdateUserError::UserNotFound,
                UpdateUserError::Access(_)
            );
        }
        3 => {
            let change = ChangeEmail {
                email: EmailAddress::parse("moved@elsewhere.example").unwrap(),
                expected_version: None,
                current_password: None,
            };
            refused!(
                probe,
                limited,
                service.change_email(caller, user, change).await,
                ChangeEmailError::UserNotFound,
                ChangeEmailError::Access(_)
            );
        }
        4 => refused!(
            probe,
            limited,
            service.set_access(caller, user, ids.paralegal, BTreeSet::new(), None).await,
            SetAccessError::UserNotFound,
            SetAccessError::Access(_)
        ),
        5 => refused!(
            probe,
            limited,
            service.set_access(caller, ids.member, role, BTreeSet::new(), None).await,
            SetAccessError::Grant(GrantError::UnknownRole),
            SetAccessError::Access(_)
        ),
        6 => refused!(
            probe,
            limited,
            service
                .set_access(caller, ids.member, ids.paralegal, [profile].into_iter().collect(), None)
                .await,
            SetAccessError::Grant(GrantError::UnknownProfile),
            SetAccessError::Access(_)
        ),
        7 => refused!(
            probe,
            limited,
            service.deactivate_user(caller, user, None).await,
            DeactivateError::UserNotFound,
            DeactivateError::Access(_)
        ),
        8 => {
            refused!(
                probe,
                limited,
                service.deactivate_user(caller, ids.other, Some(user)).await,
                DeactivateError::Assignee(AssigneeError::NotFound),
                DeactivateError::Access(_)
            );
            prop_assert_eq!(service.get_user(&a.admin, ids.other).await.unwrap().status, UserStatus::Active);
        }
        9 => refused!(
            probe,
            limited,
            service.reactivate_user(caller, user).await,
            ReactivateError::UserNotFound,
            ReactivateError::Access(_)
        ),
        10 => refused!(
            probe,
            limited,
            service.resend_invitation(caller, user).await,
            InvitationError::UserNotFound,
            InvitationError::Access(_)
        ),
        11 => refused!(
            probe,
            limited,
            service.revoke_invitation(caller, user).await,
            InvitationError::UserNotFound,
            InvitationError::Access(_)
        ),
        12 => refused!(
            probe,
            limited,
            service.reset_password(caller, user, mode).await,
            ResetPasswordError::UserNotFound,
            ResetPasswordError::Access(_)
        ),
        13 => refused!(
            probe,
            limited,
            service.sign_out_everywhere(caller, user).await,
            SignOutError::UserNotFound,
            SignOutError::Access(_)
        ),
        14 => refused!(
            probe,
            limited,
            service.create_case(caller, title(), user).await,
            CreateCaseError::Assignee(AssigneeError::NotFound),
            CreateCaseError::Access(_)
        ),
        15 => refused!(
            probe,
            limited,
            service.assign_case(caller, case, ids.other).await,
            AssignCaseError::CaseNotFound,
            AssignCaseError::Access(_)
        ),
        16 => refused!(
            probe,
            limited,
            service.assign_case(caller, ids.case, user).await,
            AssignCaseError::Assignee(AssigneeError::NotFound),
            AssignCaseError::Access(_)
        ),
        17 => refused!(
            probe,
            limited,
            service.close_case(caller, case).await,
            CloseCaseError::CaseNotFound,
            CloseCaseError::Access(_)
        ),
        18 => refused!(
            probe,
            limited,
            service.get_case(caller, case).await,
            ReadCaseError::CaseNotFound,
            ReadCaseError::Access(_)
        ),
        19 => refused!(
            probe,
            limited,
            service.list_cases(caller, user, None).await,
            ListCasesError::UserNotFound,
            ListCasesError::Access(_)
        ),
        20 => refused!(
            probe,
            limited,
            service.reassign_cases(caller, user, ids.other, CaseSelection::AllOpen).await,
            ReassignCasesError::UserNotFound,
            ReassignCasesError::Access(_)
        ),
        21 => refused!(
            probe,
            limited,
            service.reassign_cases(caller, ids.member, user, CaseSelection::AllOpen).await,
            ReassignCasesError::Assignee(AssigneeError::NotFound),
            ReassignCasesError::Access(_)
        ),
        22 => {
            let selection = CaseSelection::Only(vec![case]);
            let result = service.reassign_cases(caller, ids.member, ids.other, selection).await;
            let expected = matches!(result, Err(ReassignCasesError::NotAnOpenCaseOf(c)) if c == case)
                || (limited && matches!(result, Err(ReassignCasesError::Access(_))));
            prop_assert!(expected, "{:?} answered {:?}", probe, result);
        }
        23 => refused!(
            probe,
            limited,
            service.update_role(caller, role, draft()).await,
            RoleError::NotFound,
            RoleError::Access(_)
        ),
        24 => refused!(
            probe,
            limited,
            service.update_profile(caller, profile, draft()).await,
            RoleError::NotFound,
            RoleError::Access(_)
        ),
        25 => refused!(
            probe,
            limited,
            service.update_site(caller, site, SiteDetails::named(Label::parse("Taken over").unwrap())).await,
            UpdateSiteError::NotFound,
            UpdateSiteError::Access(_)
        ),
        26 => {
            let details = party_details("Intruder Party", Some("intruder@elsewhere.example"));
            refused!(
                probe,
                limited,
                service.save_party(caller, site, details, probe.extra.is_multiple_of(2)).await,
                SavePartyError::SiteNotFound,
                SavePartyError::Access(_)
            );
        }
        27 => refused!(
            probe,
            limited,
            service.update_party(caller, party, party_details("Renamed Party", None)).await,
            UpdatePartyError::PartyNotFound,
            UpdatePartyError::Access(_)
        ),
        28 => refused!(
            probe,
            limited,
            service.invite_party(caller, party).await,
            InvitePartyError::PartyNotFound,
            InvitePartyError::Access(_)
        ),
        29 => refused!(
            probe,
            limited,
            service.get_party(caller, party).await,
            ReadPartyError::PartyNotFound,
            ReadPartyError::Access(_)
        ),
        30 => refused!(
            probe,
            limited,
            service.list_parties(caller, site).await,
            ListPartiesError::SiteNotFound,
            ListPartiesError::Access(_)
        ),
        31 => refused!(
            probe,
            limited,
            service.create_user(caller, new_user(role)).await,
            CreateUserError::Grant(GrantError::UnknownRole),
            CreateUserError::Access(_)
        ),
        32 => {
            let mut new = new_user(ids.paralegal);
            new.profiles = [profile].into_iter().collect();
            refused!(
                probe,
                limited,
                service.create_user(caller, new).await,
                CreateUserError::Grant(GrantError::UnknownProfile),
                CreateUserError::Access(_)
            );
        }
        33 => {
            let mut new = new_user(ids.paralegal);
            new.sites = [site].into_iter().collect();
            refused!(
                probe,
                limited,
                service.create_user(caller, new).await,
                CreateUserError::UnknownSite,
                CreateUserError::Access(_)
            );
        }
        34 => {
            // An email of practice B is free in practice A: B's reservations
            // are not even seen.
            let taken = b_email(&probe.pick);
            let new = a.new_user(taken, "Dana Doppel", ids.paralegal, InitialCredential::Invite);
            let result = service.create_user(caller, new).await;
            let expected = match &result {
                Ok(created) => created.user.practice == a.practice.id,
                Err(CreateUserError::EmailPreviouslyUsed { holder, .. }) => !b.users.contains(holder),
                Err(CreateUserError::Access(_)) => limited,
                Err(_) => false,
            };
            prop_assert!(expected, "{:?} answered {:?}", probe, result);
        }
        35 => {
            let edit = UserEdit { sites: Some([site].into_iter().collect()), ..UserEdit::default() };
            refused!(
                probe,
                limited,
                service.update_user(caller, ids.member, edit, None).await,
                UpdateUserError::UnknownSite,
                UpdateUserError::Access(_)
            );
        }
        36 => {
            let filters = [
                UserFilter { role: Some(role), ..UserFilter::default() },
                UserFilter { profile: Some(profile), ..UserFilter::default() },
                UserFilter { site: Some(site), ..UserFilter::default() },
            ];
            for filter in filters {
                let query = UserQuery { filter, limit: 500, ..UserQuery::default() };
                let page = service.list_users(caller, &query).await.unwrap();
                prop_assert!(page.items.is_empty(), "{:?} listed {:?}", probe, page.items);
            }
            let query = UserQuery {
                filter: UserFilter::default().with_search(b_email(&probe.pick)),
                limit: 500,
                ..UserQuery::default()
            };
            let page = service.list_users(caller, &query).await.unwrap();
            prop_assert!(
                page.items
                    .iter()
                    .map(|r| &r.user)
                    .all(|u| u.practice == a.practice.id && !b.users.contains(&u.id))
            );
            let all =
                service.list_users(caller, &UserQuery { limit: 500, ..UserQuery::default() }).await.unwrap();
            prop_assert!(
                all.items
                    .iter()
                    .map(|r| &r.user)
                    .all(|u| u.practice == a.practice.id && !b.users.contains(&u.id))
            );
        }
        37 => {
            let about_b =
                AuditQuery { target: Some(Target::User(user)), limit: 500, ..AuditQuery::default() };
            let result = service.read_audit(caller, &about_b).await;
            match result {
                Ok(page) => prop_assert!(page.items.is_empty(), "{:?} read {:?}", probe, page.items),
                Err(e) => prop_assert!(limited && matches!(e, ReadLogError::Access(_)), "{:?}", e),
            }
            if let Ok(page) =
                service.read_audit(caller, &AuditQuery { limit: 500, ..AuditQuery::default() }).await
            {
                prop_assert!(page.items.iter().all(|e| e.practice == a.practice.id));
            }
        }
        _ => match service.list_outbox(caller, &OutboxQuery { limit: 500, ..OutboxQuery::default() }).await {
            Ok(emails) => prop_assert!(emails.items.iter().all(|e| e.practice == a.practice.id)),
            Err(e) => prop_assert!(limited && matches!(e, ReadLogError::Access(_)), "{:?}", e),
        },
    }
    Ok(())
}

/// The email addresses of practice B's users.
const B_EMAILS: [&str; 5] = [
    "owner@practice-b.example",
    "worker@practice-b.example",
    "pending@practice-b.example",
    "gone@practice-b.example",
    "signed@practice-b.example",
];

/// An email address of a user of practice B.
fn b_email(pick: &Index) -> &'static str {
    B_EMAILS[pick.index(B_EMAILS.len())]
}

/// Practice A's own ids the probes need.
struct AIds {
    paralegal: RoleId,
    /// An active paralegal of A with an open case, signed in as the limited caller.
    member: UserId,
    /// Another active paralegal of A.
    other: UserId,
    /// The open case of `member`.
    case: CaseId,
}

proptest! {
    #![proptest_config(config())]

    /// Calls by practice A (its Super Admin, or a paralegal) naming practice
    /// B's users, cases, sites, parties, roles and profiles answer not-found
    /// (or forbidden), and afterwards B's users, email histories, cases,
    /// sites, parties, roles, profiles, audit entries, outbox and sessions
    /// are exactly as before.
    #[test]
    fn another_practices_ids_answer_not_found_and_change_nothing(
        probes in prop::collection::vec(probe(), 1..16),
    ) {
        block_on(async {
            let a = World::new().await;
            let settings = PracticeSettings::default();
            let b = World::on(a.adapters.clone(), a.service.clone(), "practice-b", settings).await;
            let other = populate_b(&b).await;
            let (member, limited) = a.add_signed_in("member@maple-law.example", "Paralegal").await;
            let (colleague, _) = a.add_user("colleague@maple-law.example", "Paralegal").await;
            let case = a.open_case("A open case", member.id).await;
            let paralegal = a.role("Paralegal").await;
            let ids = AIds { paralegal, member: member.id, other: colleague.id, case: case.id };

            let before = snapshot(&b).await;
            for (n, probe) in probes.iter().enumerate() {
                run_probe(&a, &limited, &ids, &other, probe, n).await?;
            }
            let after = snapshot(&b).await;
            prop_assert_eq!(&before, &after, "practice B changed after {:?}", probes);
            // B's sessions are untouched, and B's passwords still work.
            prop_assert!(b.service.authenticate(&other.signed_in).await.is_ok(), "a session of B ended");
            let signed = b.sign_in("signed@practice-b.example", PASSWORD).await;
            prop_assert!(signed.is_ok(), "a password of B changed");
            Ok::<(), TestCaseError>(())
        })?;
    }
}
