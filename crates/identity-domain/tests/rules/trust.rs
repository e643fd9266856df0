//! Who may act on whom (PRODUCT.md): an administrator acts on another
//! user's account only when every permission the target holds is one they
//! hold too, a Super Admin's account only as a Super Admin, and never on
//! their own account through an administrator's path. Links die with an
//! email or password change; forgot-password sends at most 3 an hour; a
//! wrong current password counts as a failed sign-in.

use crate::support::{PASSWORD, World, secret};
use identity_domain::*;
use identity_memory::MemoryAdapters;
use proptest::prelude::*;
use std::collections::BTreeSet;

fn set(permissions: &[Permission]) -> PermissionSet {
    permissions.iter().copied().collect()
}

/// A practice whose cap leaves room for the Super Admins the tests add.
async fn roomy_world() -> World {
    let settings = PracticeSettings { super_admin_cap: 6, ..PracticeSettings::default() };
    World::with(MemoryAdapters::with_fast_hasher(), "maple-law", settings).await
}

/// A custom role granting exactly `permissions`.
async fn custom_role(w: &World, name: &str, permissions: PermissionSet) -> RoleId {
    let draft = GrantDraft { name: Label::parse(name).unwrap(), permissions };
    w.service.create_role(&w.admin, draft).await.unwrap().id
}

/// A user of `role`, signed in with a full session.
async fn signed_in_with(w: &World, email: &str, role: RoleId) -> (User, Caller) {
    let new = w.new_user(email, "Some Person", role, InitialCredential::GeneratePassword);
    let created = w.service.create_user(&w.admin, new).await.unwrap();
    let caller = w.first_sign_in(&created.user.email, created.generated_password.unwrap().expose()).await;
    (created.user, caller)
}

#[tokio::test]
async fn an_administrator_cannot_reset_a_super_admins_password() {
    let w = World::new().await;
    let (_, administrator) = w.add_signed_in("admin@maple.example", "Administrator").await;
    let before = w.adapters.store.snapshot().await;
    let reset =
        w.service.reset_password(&administrator, w.owner.id, ResetMode::SetTemporary(secret(PASSWORD))).await;
    assert!(
        matches!(
            reset,
            Err(ResetPasswordError::Target(TargetError::TargetOutranksCaller { super_admin: true, .. }))
        ),
        "{reset:?}"
    );
    assert_eq!(w.adapters.store.snapshot().await, before, "a refusal changes nothing");
}

#[tokio::test]
async fn a_narrow_role_cannot_reset_the_password_of_a_user_holding_more() {
    let w = World::new().await;
    let resetter =
        custom_role(&w, "Reset desk", set(&[Permission::UsersRead, Permission::UsersResetPassword])).await;
    let (_, desk) = signed_in_with(&w, "desk@maple.example", resetter).await;
    let (admin, _) = w.add_signed_in("admin@maple.example", "Administrator").await;
    let reset = w.service.reset_password(&desk, admin.id, ResetMode::GenerateAndEmail).await;
    let Err(ResetPasswordError::Target(TargetError::TargetOutranksCaller { super_admin: false, missing })) =
        reset
    else {
        panic!("{reset:?}");
    };
    assert!(missing.contains(Permission::UsersCreate) && !missing.contains(Permission::UsersRead));
    // A user holding no more than the desk holds may be reset by it.
    let reader = custom_role(&w, "Reader", set(&[Permission::UsersRead])).await;
    let (plain, _) = signed_in_with(&w, "plain@maple.example", reader).await;
    w.service.reset_password(&desk, plain.id, ResetMode::GenerateAndEmail).await.unwrap();
}

#[tokio::test]
async fn administrators_paths_refuse_ones_own_account() {
    let w = World::new().await;
    let me = w.admin.user();
    assert_eq!(
        w.service
            .reset_password(&w.admin, me, ResetMode::SetTemporary(secret("another long passphrase")))
            .await,
        Err(ResetPasswordError::Target(TargetError::UseSelfService))
    );
    let change = ChangeEmail {
        email: EmailAddress::parse("new@maple.example").unwrap(),
        expected_version: None,
        current_password: None,
    };
    assert_eq!(
        w.service.change_email(&w.admin, me, change).await.unwrap_err(),
        ChangeEmailError::Target(TargetError::UseSelfService)
    );
    let admin_role = w.role("Administrator").await;
    assert_eq!(
        w.service.set_access(&w.admin, me, admin_role, BTreeSet::new(), None).await.unwrap_err(),
        SetAccessError::Target(TargetError::UseSelfService)
    );
    // Harmless self actions stay open: one's own name, one's own sessions.
    let edit = UserEdit { name: Some(PersonName::parse("Olivia O.").unwrap()), ..UserEdit::default() };
    w.service.update_user(&w.admin, me, edit, None).await.unwrap();
    w.service.sign_out_everywhere(&w.admin, me).await.unwrap();
}

#[tokio::test]
async fn only_a_super_admin_changes_the_super_admin_cap() {
    let w = World::new().await;
    let (_, administrator) = w.add_signed_in("admin@maple.example", "Administrator").await;
    let mut settings = w.practice.settings;
    settings.super_admin_cap = 5;
    assert_eq!(
        w.service.update_settings(&administrator, settings.into()).await.unwrap_err(),
        UpdateSettingsError::SuperAdminOnly
    );
    let mut other = w.practice.settings;
    other.password_min_length = 16;
    w.service.update_settings(&administrator, other.into()).await.unwrap();
    w.service.update_settings(&w.admin, settings.into()).await.unwrap();
}

async fn live_links(w: &World, user: UserId) -> usize {
    let mut uow = w.adapters.store.begin(Access::Read).await.unwrap();
    uow.links().live_for(w.practice.id, LinkSubject::User(user), w.adapters.clock.now()).await.unwrap().len()
}

#[tokio::test]
async fn an_email_change_voids_every_pending_link_and_reinvites_at_the_new_address() {
    let w = World::new().await;
    let role = w.role("Paralegal").await;
    let new = w.new_user("ana@mapel.example", "Ana Silva", role, InitialCredential::Invite);
    let ana = w.service.create_user(&w.admin, new).await.unwrap().user;
    let typo_token = w.last_secret("ana@mapel.example", "invitation").await;
    let change = ChangeEmail {
        email: EmailAddress::parse("ana@maple.example").unwrap(),
        expected_version: None,
        current_password: None,
    };
    w.service.change_email(&w.admin, ana.id, change).await.unwrap();
    assert_eq!(
        w.service.accept_invitation(&Token::presented(&typo_token), secret(PASSWORD), None).await,
        Err(LinkError::InvalidLink),
        "the link mailed to the mistyped address is dead"
    );
    let token = w.last_secret("ana@maple.example", "invitation").await;
    w.service.accept_invitation(&Token::presented(&token), secret(PASSWORD), None).await.unwrap();
}

#[tokio::test]
async fn changing_ones_own_password_voids_pending_recovery_links() {
    let w = World::new().await;
    let (ben, caller) = w.add_signed_in("ben@maple.example", "Paralegal").await;
    let forgot =
        ForgotPassword { practice: "maple-law".into(), email: "ben@maple.example".into(), request_id: None };
    w.service.forgot_password(forgot).await.unwrap();
    assert_eq!(live_links(&w, ben.id).await, 1);
    w.service
        .change_own_password(&caller, secret(PASSWORD), secret("a different long passphrase"))
        .await
        .unwrap();
    assert_eq!(live_links(&w, ben.id).await, 0);
}

#[tokio::test]
async fn forgot_password_sends_at_most_three_recovery_emails_an_hour_per_account() {
    let w = World::new().await;
    w.add_signed_in("ben@maple.example", "Paralegal").await;
    let recoveries =
        |outbox: Vec<OutboxEmail>| outbox.iter().filter(|e| e.message.kind() == "recovery").count();
    for _ in 0..12 {
        let forgot = ForgotPassword {
            practice: "maple-law".into(),
            email: "ben@maple.example".into(),
            request_id: None,
        };
        w.service.forgot_password(forgot).await.unwrap();
    }
    assert_eq!(recoveries(w.outbox().await), 3);
    w.adapters.clock.advance(chrono::Duration::minutes(61));
    let forgot =
        ForgotPassword { practice: "maple-law".into(), email: "ben@maple.example".into(), request_id: None };
    w.service.forgot_password(forgot).await.unwrap();
    assert_eq!(recoveries(w.outbox().await), 4, "an hour later, one more");
}

#[tokio::test]
async fn a_wrong_current_password_counts_as_a_failed_sign_in_and_is_audited() {
    let w = World::new().await;
    let (ben, caller) = w.add_signed_in("ben@maple.example", "Paralegal").await;
    let mut refusals = Vec::new();
    for _ in 0..30 {
        refusals.push(
            w.service
                .change_own_password(&caller, secret("not my password at all"), secret("x"))
                .await
                .unwrap_err(),
        );
    }
    assert_eq!(refusals[0], ChangePasswordError::WrongPassword);
    assert!(
        refusals.iter().any(|r| matches!(r, ChangePasswordError::TooManyAttempts { retry_after: Some(_) })),
        "{refusals:?}"
    );
    let right =
        w.service.change_own_password(&caller, secret(PASSWORD), secret("a different long passphrase")).await;
    assert!(matches!(right, Err(ChangePasswordError::TooManyAttempts { .. })), "{right:?}");
    let credential = w.adapters.store.committed_credential(ben.id).await.unwrap();
    assert_eq!(credential.failed_attempts, 3, "counted until throttled, like sign-ins");
    let audited = w
        .audit()
        .await
        .iter()
        .filter(|e| {
            e.action == AuditAction::SignInFailed
                && e.target == Some(Target::User(ben.id))
                && e.after.as_ref().is_some_and(|a| a["reason"] == "wrong_current_password")
        })
        .count();
    assert_eq!(audited, 3);
    // The sign-in throttle is the same one.
    assert_eq!(w.sign_in("ben@maple.example", PASSWORD).await.unwrap_err(), SignInError::Failed);
    w.adapters.clock.advance(chrono::Duration::seconds(2));
    w.service
        .change_own_password(&caller, secret(PASSWORD), secret("a different long passphrase"))
        .await
        .unwrap();
}

#[tokio::test]
async fn the_edit_form_use_case_is_all_or_nothing() {
    let w = World::new().await;
    let (ana, _) = w.add_signed_in("ana@maple.example", "Paralegal").await;
    let before = w.adapters.store.snapshot().await;
    let unknown_site = UserEdit {
        name: Some(PersonName::parse("Ana Renamed").unwrap()),
        sites: Some(BTreeSet::from([SiteId::from_uuid(uuid::Uuid::now_v7())])),
        ..UserEdit::default()
    };
    let refused = w
        .service
        .edit_user(&w.admin, ana.id, unknown_site, Some(StatusChange::Deactivate { reassign_to: None }), None)
        .await;
    assert_eq!(refused.unwrap_err(), EditUserError::Update(UpdateUserError::UnknownSite));
    assert_eq!(w.adapters.store.snapshot().await, before);

    // Holds all a Paralegal holds, and may deactivate, but not edit details.
    let leavers = [
        Permission::UsersRead,
        Permission::UsersDeactivate,
        Permission::CasesRead,
        Permission::CasesOwn,
        Permission::PartiesManage,
    ];
    let deactivator = custom_role(&w, "Leavers desk", set(&leavers)).await;
    let (_, desk) = signed_in_with(&w, "desk@maple.example", deactivator).await;
    let before = w.adapters.store.snapshot().await;
    let rename = UserEdit { name: Some(PersonName::parse("Ana Renamed").unwrap()), ..UserEdit::default() };
    let refused = w
        .service
        .edit_user(&desk, ana.id, rename, Some(StatusChange::Deactivate { reassign_to: None }), None)
        .await;
    assert_eq!(
        refused.unwrap_err(),
        EditUserError::Update(UpdateUserError::Access(AccessError::Forbidden(Permission::UsersUpdate)))
    );
    assert_eq!(w.adapters.store.snapshot().await, before);
    // With no change to the details, the status change alone goes through.
    let done = w
        .service
        .edit_user(
            &desk,
            ana.id,
            UserEdit::default(),
            Some(StatusChange::Deactivate { reassign_to: None }),
            None,
        )
        .await
        .unwrap();
    assert_eq!(done.status, UserStatus::Inactive);
}

// ---------------------------------------------------------------------------
// The property: every use case that acts on another account
// ---------------------------------------------------------------------------

/// A use case that acts on a user's account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    EditName,
    EditSites,
    ChangeEmail,
    SetAccess,
    ResetPassword,
    SignOutEverywhere,
    Deactivate,
    Reactivate,
    ResendInvitation,
    RevokeInvitation,
    EditAndDeactivate,
}

const OPS: &[Op] = &[
    Op::EditName,
    Op::EditSites,
    Op::ChangeEmail,
    Op::SetAccess,
    Op::ResetPassword,
    Op::SignOutEverywhere,
    Op::Deactivate,
    Op::Reactivate,
    Op::ResendInvitation,
    Op::RevokeInvitation,
    Op::EditAndDeactivate,
];

impl Op {
    /// The permissions the administrator's path needs.
    fn needs(self) -> &'static [Permission] {
        match self {
            Self::EditName | Self::EditSites => &[Permission::UsersUpdate],
            Self::ChangeEmail => &[Permission::UsersUpdateEmail],
            Self::SetAccess => &[Permission::UsersAssignRoles],
            Self::ResetPassword => &[Permission::UsersResetPassword],
            Self::SignOutEverywhere => &[Permission::UsersSignOut],
            Self::Deactivate | Self::Reactivate => &[Permission::UsersDeactivate],
            Self::ResendInvitation | Self::RevokeInvitation => &[Permission::UsersCreate],
            Self::EditAndDeactivate => &[Permission::UsersUpdate, Permission::UsersDeactivate],
        }
    }

    /// Whether one's own account may go this way (a harmless self action).
    fn open_to_self(self) -> bool {
        matches!(self, Self::EditName | Self::SignOutEverywhere)
    }

    /// The status the target must be in for the use case to apply.
    fn target_status(self) -> UserStatus {
        match self {
            Self::Reactivate => UserStatus::Inactive,
            Self::ResendInvitation | Self::RevokeInvitation => UserStatus::Invited,
            _ => UserStatus::Active,
        }
    }
}

/// How a use case answered, in the words of the rule.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Outcome {
    Done,
    Forbidden,
    Outranked,
    SelfService,
    SelfDeactivation,
    Other(String),
}

fn outcome<T, E: std::fmt::Debug>(result: Result<T, E>) -> Outcome {
    let Err(e) = result else { return Outcome::Done };
    let text = format!("{e:?}");
    if text.contains("TargetOutranksCaller") {
        Outcome::Outranked
    } else if text.contains("UseSelfService") {
        Outcome::SelfService
    } else if text.contains("SelfDeactivation") {
        Outcome::SelfDeactivation
    } else if text.contains("Forbidden") {
        Outcome::Forbidden
    } else {
        Outcome::Other(text)
    }
}

/// One random pair and use case.
#[derive(Debug, Clone)]
struct Case {
    caller_mask: u64,
    caller_super_admin: bool,
    target_mask: u64,
    target_super_admin: bool,
    same: bool,
    op: Op,
}

fn permissions(mask: u64) -> PermissionSet {
    Permission::ALL.iter().enumerate().filter(|(i, _)| mask >> i & 1 == 1).map(|(_, p)| *p).collect()
}

fn case() -> impl Strategy<Value = Case> {
    (
        any::<u64>(),
        any::<u64>(),
        prop::bool::weighted(0.75),
        prop::bool::weighted(0.5),
        prop::bool::weighted(0.2),
        prop::bool::weighted(0.2),
        prop::bool::weighted(0.2),
        prop::sample::select(OPS.to_vec()),
    )
        .prop_map(|(a, b, give_needs, subset, caller_sa, target_sa, same, op)| {
            let needs = op.needs().iter().fold(0u64, |m, p| m | 1 << (*p as u8));
            let caller_mask = if give_needs { a | needs } else { a };
            // Half the targets hold no more than the caller, so both sides
            // of the rule come up.
            let target_mask = if subset { caller_mask & b } else { b };
            Case {
                caller_mask,
                caller_super_admin: caller_sa,
                target_mask,
                target_super_admin: target_sa,
                same,
                op,
            }
        })
}

/// Sets the world up for `case`, runs the use case, and checks the rule.
async fn check(case: Case) -> Result<(), TestCaseError> {
    let w = roomy_world().await;
    let caller_role = if case.caller_super_admin {
        w.role("Super Admin").await
    } else {
        custom_role(&w, "Caller role", permissions(case.caller_mask)).await
    };
    let (me, caller) = signed_in_with(&w, "caller@maple.example", caller_role).await;
    let (target, target_role) = if case.same {
        (me.clone(), caller_role)
    } else {
        let role = if case.target_super_admin {
            w.role("Super Admin").await
        } else {
            custom_role(&w, "Target role", permissions(case.target_mask)).await
        };
        let credential = if case.op.target_status() == UserStatus::Invited {
            InitialCredential::Invite
        } else {
            InitialCredential::GeneratePassword
        };
        let new = w.new_user("target@maple.example", "Tara Target", role, credential);
        let created = w.service.create_user(&w.admin, new).await.unwrap();
        if let Some(password) = created.generated_password {
            w.first_sign_in(&created.user.email, password.expose()).await;
        }
        if case.op.target_status() == UserStatus::Inactive {
            w.service.deactivate_user(&w.admin, created.user.id, None).await.unwrap();
        }
        (created.user, role)
    };
    let target = w.user(target.id).await;

    let mine = caller.grants();
    let theirs = if case.same {
        mine
    } else {
        Grants { permissions: permissions(case.target_mask), bypass: case.target_super_admin }
    };
    // One's own name needs no permission, so editing it while deactivating
    // oneself meets only the deactivation's.
    let needs = match (case.op, case.same) {
        (Op::EditAndDeactivate, true) => &[Permission::UsersDeactivate][..],
        (op, _) => op.needs(),
    };
    let holds = needs.iter().all(|p| mine.allows(*p));
    let expected = match (case.same, case.op.open_to_self()) {
        (true, true) => Outcome::Done,
        (true, false) if !holds => Outcome::Forbidden,
        (true, false) if matches!(case.op, Op::Deactivate | Op::EditAndDeactivate) => {
            Outcome::SelfDeactivation
        }
        (true, false) => Outcome::SelfService,
        (false, _) if !holds => Outcome::Forbidden,
        (false, _) if !mine.may_act_on(&theirs) => Outcome::Outranked,
        (false, _) => Outcome::Done,
    };

    let before = w.adapters.store.snapshot().await;
    let s = &w.service;
    let id = target.id;
    let renamed =
        || UserEdit { name: Some(PersonName::parse("Renamed Person").unwrap()), ..UserEdit::default() };
    let got = match case.op {
        Op::EditName => outcome(s.update_user(&caller, id, renamed(), None).await),
        Op::EditSites => {
            let edit = UserEdit { sites: Some(BTreeSet::new()), ..UserEdit::default() };
            outcome(s.update_user(&caller, id, edit, None).await)
        }
        Op::ChangeEmail => {
            let change = ChangeEmail {
                email: EmailAddress::parse("moved@maple.example").unwrap(),
                expected_version: None,
                current_password: None,
            };
            outcome(s.change_email(&caller, id, change).await)
        }
        Op::SetAccess => outcome(s.set_access(&caller, id, target_role, BTreeSet::new(), None).await),
        Op::ResetPassword => outcome(s.reset_password(&caller, id, ResetMode::GenerateAndEmail).await),
        Op::SignOutEverywhere => outcome(s.sign_out_everywhere(&caller, id).await),
        Op::Deactivate => outcome(s.deactivate_user(&caller, id, None).await),
        Op::Reactivate => outcome(s.reactivate_user(&caller, id).await),
        Op::ResendInvitation => outcome(s.resend_invitation(&caller, id).await),
        Op::RevokeInvitation => outcome(s.revoke_invitation(&caller, id).await),
        Op::EditAndDeactivate => {
            let status = Some(StatusChange::Deactivate { reassign_to: None });
            outcome(s.edit_user(&caller, id, renamed(), status, None).await)
        }
    };
    prop_assert_eq!(&got, &expected, "{:?}", case);
    if got != Outcome::Done {
        prop_assert!(w.adapters.store.snapshot().await == before, "a refusal changed the store: {:?}", case);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Over random callers and targets (their grants, Super Admin or not,
    /// the same user or not) and every use case that acts on an account:
    /// the use case succeeds exactly when the rule allows it, and a refusal
    /// leaves the whole store as it was.
    #[test]
    fn acting_on_an_account_succeeds_exactly_when_the_rule_allows(case in case()) {
        tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(check(case))?;
    }
}

#[tokio::test]
async fn a_wrong_current_password_on_ones_own_email_change_counts_too() {
    let w = World::new().await;
    let me = w.admin.user();
    let change = |password: &str| ChangeEmail {
        email: EmailAddress::parse("olivia@maple.example").unwrap(),
        expected_version: None,
        current_password: Some(secret(password)),
    };
    assert_eq!(
        w.service.change_email(&w.admin, me, change("not my password")).await.unwrap_err(),
        ChangeEmailError::WrongPassword
    );
    let credential = w.adapters.store.committed_credential(me).await.unwrap();
    assert_eq!(credential.failed_attempts, 1);
    let audited = w.audit().await.into_iter().rev().find(|e| e.action == AuditAction::SignInFailed).unwrap();
    assert_eq!(audited.actor, Actor::User(me));
    assert_eq!(audited.after.unwrap()["reason"], "wrong_current_password");
}
