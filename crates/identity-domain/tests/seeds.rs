//! The two help pages the product grew from (`seeds/`), each walked end to
//! end on the in-memory adapters, with what the page promises checked after
//! every step.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "rules/support.rs"]
mod support;

use chrono::Duration;
use identity_domain::*;
use std::collections::BTreeSet;
use support::{PASSWORD, World, secret};

/// Signs in with a password the user chose (a full session) and returns the
/// token with its caller.
async fn signed_in(w: &World, email: &str, password: &str) -> (Token, Caller) {
    let signed = w.sign_in(email, password).await.unwrap();
    assert!(!signed.password_change_only(), "{email} got a password-change-only session");
    let caller = w.service.authenticate(&signed.token).await.unwrap();
    (signed.token, caller)
}

/// The newest outbox email to `to`.
async fn last_email_to(w: &World, to: &str) -> OutboxEmail {
    let outbox = w.outbox().await;
    outbox.iter().rev().find(|e| e.to.as_str() == to).unwrap_or_else(|| panic!("no email to {to}")).clone()
}

/// Lets the sign-in throttle of earlier failures pass.
fn wait_a_little(w: &World) {
    w.adapters.clock.advance(Duration::seconds(15));
}

async fn audit_actions_about(w: &World, user: UserId) -> Vec<AuditAction> {
    w.audit().await.into_iter().filter(|e| e.target == Some(Target::User(user))).map(|e| e.action).collect()
}

fn case_ids(cases: &[Case]) -> BTreeSet<CaseId> {
    cases.iter().map(|c| c.id).collect()
}

/// ImmCase "Users": create, role and profiles, deactivate (don't delete),
/// reassign, force a password change, force sign-out, Super Admins.
#[tokio::test]
#[allow(clippy::too_many_lines)]
async fn immigration_users_page() {
    let w = World::new().await;
    let admin = &w.admin;
    let rcic = w.role("RCIC Consultant").await;
    let collections = w.profile("Collections").await;

    // --- Create a new user: name, email, generated initial password, primary
    // role, language and time zone. A welcome email goes out.
    let emails_before = w.outbox().await.len();
    let mut new = w.new_user(
        "Nadia.Haddad@maple-law.example",
        "Nadia Haddad",
        rcic,
        InitialCredential::GeneratePassword,
    );
    new.language = Language::parse("fr-CA").unwrap();
    new.time_zone = TimeZone::parse("America/Montreal").unwrap();
    let created = w.service.create_user(admin, new).await.unwrap();
    let nadia = created.user.clone();
    let generated = created.generated_password.expect("the generated password is shown once to the admin");
    assert_eq!(nadia.status, UserStatus::Active);
    assert_eq!(nadia.role, rcic);
    assert!(nadia.profiles.is_empty());
    assert_eq!(nadia.language.as_str(), "fr-CA");
    assert_eq!(nadia.time_zone.name(), "America/Montreal");
    assert!(generated.expose().chars().count() >= 15);

    let outbox = w.outbox().await;
    assert_eq!(outbox.len(), emails_before + 1, "exactly one email is queued");
    let welcome = outbox.last().unwrap();
    assert_eq!(welcome.to.as_str(), "Nadia.Haddad@maple-law.example");
    assert_eq!(welcome.language.as_str(), "fr-CA");
    assert_eq!(welcome.time_zone.name(), "America/Montreal");
    assert_eq!(welcome.status, DeliveryStatus::Pending);
    match &welcome.message {
        Message::Welcome { practice_slug, sign_in_email, must_change_password, .. } => {
            assert_eq!(practice_slug, "maple-law");
            assert_eq!(sign_in_email, "Nadia.Haddad@maple-law.example");
            assert!(must_change_password);
        }
        other => panic!("expected a welcome email, got {}", other.kind()),
    }
    let welcome_json = serde_json::to_string(&welcome.message).unwrap();
    assert!(!welcome_json.contains(generated.expose()), "the welcome email does not carry the password");

    // --- The user has to change the password on first sign-in.
    let first = w.sign_in("nadia.haddad@MAPLE-LAW.example", generated.expose()).await.unwrap();
    assert!(first.password_change_only());
    let restricted = w.service.authenticate(&first.token).await.unwrap();
    assert!(restricted.password_change_only());
    assert_eq!(
        w.service.list_cases(&restricted, nadia.id, None).await.unwrap_err(),
        ListCasesError::Access(AccessError::PasswordChangeRequired)
    );
    assert_eq!(
        w.service
            .change_own_password(&restricted, secret(generated.expose()), secret(generated.expose()))
            .await,
        Err(ChangePasswordError::Password(PasswordRejection::SameAsCurrent)),
        "the initial password cannot be kept"
    );
    w.service.change_own_password(&restricted, secret(generated.expose()), secret(PASSWORD)).await.unwrap();
    let nadia_caller = w.service.authenticate(&first.token).await.unwrap();
    assert!(!nadia_caller.password_change_only());
    assert!(nadia_caller.may(Permission::CasesOwn));
    assert_eq!(w.sign_in(nadia.email.as_str(), generated.expose()).await.unwrap_err(), SignInError::Failed);
    wait_a_little(&w);

    // --- Assign role and profiles: one role, and the Collections profile adds
    // invoice and payment permissions without changing the role.
    assert!(!nadia_caller.may(Permission::InvoicesWrite));
    assert!(!nadia_caller.may(Permission::PaymentsWrite));
    let nadia =
        w.service.set_access(admin, nadia.id, rcic, [collections].into(), Some(nadia.version)).await.unwrap();
    assert_eq!(nadia.role, rcic);
    assert_eq!(nadia.profiles, [collections].into());
    let nadia_caller = w.service.authenticate(&first.token).await.unwrap();
    for p in [
        Permission::InvoicesRead,
        Permission::InvoicesWrite,
        Permission::PaymentsRead,
        Permission::PaymentsWrite,
    ] {
        assert!(nadia_caller.may(p), "Collections adds {p}");
    }
    assert!(nadia_caller.may(Permission::CasesOwn), "the role's permissions stay");
    assert!(!nadia_caller.may(Permission::UsersCreate), "nothing beyond role ∪ profiles");
    let expected: PermissionSet = [
        Permission::UsersRead,
        Permission::CasesRead,
        Permission::CasesOwn,
        Permission::PartiesManage,
        Permission::PartiesInvite,
        Permission::InvoicesRead,
        Permission::InvoicesWrite,
        Permission::PaymentsRead,
        Permission::PaymentsWrite,
    ]
    .into_iter()
    .collect();
    assert_eq!(nadia_caller.grants().permissions, expected);

    // --- Reassign an inactive user's work, before deactivating: open the
    // Assigned cases tab, mass select, reassign to another consultant.
    let (omar, omar_password) = w.add_user("omar@maple-law.example", "RCIC Consultant").await;
    let c1 = w.open_case("IMM-1001 Study permit", nadia.id).await;
    let c2 = w.open_case("IMM-1002 Work permit", nadia.id).await;
    let c3 = w.open_case("IMM-1003 PR application", nadia.id).await;
    let done = w.service.close_case(&nadia_caller, c3.id).await.unwrap();
    assert_eq!(done.status, CaseStatus::Closed);
    let assigned = w.service.list_cases(admin, nadia.id, Some(CaseStatus::Open)).await.unwrap();
    assert_eq!(case_ids(&assigned), [c1.id, c2.id].into());
    let moved = w
        .service
        .reassign_cases(admin, nadia.id, omar.id, CaseSelection::Only(vec![c1.id, c2.id]))
        .await
        .unwrap();
    assert_eq!(moved.iter().copied().collect::<BTreeSet<_>>(), [c1.id, c2.id].into());
    assert!(w.service.list_cases(admin, nadia.id, Some(CaseStatus::Open)).await.unwrap().is_empty());
    let omars = w.service.list_cases(admin, omar.id, Some(CaseStatus::Open)).await.unwrap();
    assert_eq!(case_ids(&omars), [c1.id, c2.id].into());
    assert!(omars.iter().all(|c| c.owner == omar.id));

    // --- Deactivate (don't delete): status inactive, cannot sign in, every
    // record kept and still pointing at her.
    let deactivated = w.service.deactivate_user(admin, nadia.id, None).await.unwrap();
    assert_eq!(deactivated.status, UserStatus::Inactive);
    assert_eq!(w.service.authenticate(&first.token).await.unwrap_err(), SessionError::Invalid);
    assert_eq!(w.sign_in(nadia.email.as_str(), PASSWORD).await.unwrap_err(), SignInError::Failed);
    let kept = w.user(nadia.id).await;
    assert_eq!(kept.status, UserStatus::Inactive);
    assert_eq!(kept.email, nadia.email);
    assert_eq!(kept.name, nadia.name);
    let closed = w.service.get_case(admin, c3.id).await.unwrap();
    assert_eq!(closed.owner, nadia.id, "her closed case still shows who handled it");
    assert_eq!(case_ids(&w.service.list_cases(admin, nadia.id, None).await.unwrap()), [c3.id].into());
    let history = audit_actions_about(&w, nadia.id).await;
    for action in [AuditAction::UserCreated, AuditAction::AccessChanged, AuditAction::UserDeactivated] {
        assert!(history.contains(&action), "the audit log still shows {action} for her");
    }
    let inactive = UserQuery {
        filter: UserFilter { statuses: vec![UserStatus::Inactive], ..UserFilter::default() },
        ..UserQuery::default()
    };
    let listed = w.service.list_users(admin, &inactive).await.map(plain).unwrap().items;
    assert_eq!(listed.iter().map(|u| u.id).collect::<Vec<_>>(), vec![nadia.id]);
    assert_eq!(
        w.service.assign_case(admin, c1.id, nadia.id).await.unwrap_err(),
        AssignCaseError::Assignee(AssigneeError::NotActive { status: UserStatus::Inactive })
    );
    let emails_sent_to_her = w.outbox().await.into_iter().filter(|e| e.to == nadia.email).count();
    assert!(emails_sent_to_her >= 1, "her sent emails are kept");

    // --- Don't reuse emails: a newcomer cannot get her address, in any case
    // or spacing; the answer names her and her status, to reactivate instead.
    let again = w.new_user(
        "  NADIA.haddad@Maple-Law.example ",
        "Nadia Haddad",
        rcic,
        InitialCredential::GeneratePassword,
    );
    assert_eq!(
        w.service.create_user(admin, again).await.unwrap_err(),
        CreateUserError::EmailPreviouslyUsed { holder: nadia.id, status: UserStatus::Inactive }
    );
    let change = ChangeEmail {
        email: EmailAddress::parse("nadia.haddad@maple-law.example").unwrap(),
        expected_version: None,
        current_password: None,
    };
    assert_eq!(
        w.service.change_email(admin, omar.id, change).await.unwrap_err(),
        ChangeEmailError::EmailPreviouslyUsed { holder: nadia.id, status: UserStatus::Inactive }
    );
    let back = w.service.reactivate_user(admin, nadia.id).await.unwrap();
    assert_eq!(back.status, UserStatus::Active);
    assert_eq!(back.profiles, [collections].into());
    let (_, nadia_caller) = signed_in(&w, nadia.email.as_str(), PASSWORD).await;
    assert!(nadia_caller.may(Permission::InvoicesWrite));

    // --- Force a password change, (a): generate a random password and send
    // it by email. It is one-time: changed at next sign-in, not kept.
    let (omar_token, _) = {
        let signed = w.sign_in(omar.email.as_str(), omar_password.expose()).await.unwrap();
        let restricted = w.service.authenticate(&signed.token).await.unwrap();
        w.service
            .change_own_password(&restricted, secret(omar_password.expose()), secret(PASSWORD))
            .await
            .unwrap();
        (signed.token.clone(), w.service.authenticate(&signed.token).await.unwrap())
    };
    w.service.reset_password(admin, omar.id, ResetMode::GenerateAndEmail).await.unwrap();
    assert_eq!(
        w.service.authenticate(&omar_token).await.unwrap_err(),
        SessionError::Invalid,
        "a reset ends the user's sessions"
    );
    let email = last_email_to(&w, "omar@maple-law.example").await;
    assert_eq!(email.message.kind(), "generated_password");
    let emailed = w.last_secret("omar@maple-law.example", "generated_password").await;
    assert_ne!(emailed, PASSWORD);
    assert_eq!(w.sign_in(omar.email.as_str(), PASSWORD).await.unwrap_err(), SignInError::Failed);
    let signed = w.sign_in(omar.email.as_str(), &emailed).await.unwrap();
    assert!(signed.password_change_only(), "the emailed password must be changed at next sign-in");
    let restricted = w.service.authenticate(&signed.token).await.unwrap();
    assert_eq!(
        w.service.change_own_password(&restricted, secret(&emailed), secret(&emailed)).await,
        Err(ChangePasswordError::Password(PasswordRejection::SameAsCurrent))
    );
    let after_a = "violet harbour lantern 8841";
    w.service.change_own_password(&restricted, secret(&emailed), secret(after_a)).await.unwrap();
    assert!(!w.service.authenticate(&signed.token).await.unwrap().password_change_only());
    assert_eq!(w.sign_in(omar.email.as_str(), &emailed).await.unwrap_err(), SignInError::Failed);
    wait_a_little(&w);

    // (b): send a recovery link to the user's email. It works once.
    w.service.reset_password(admin, omar.id, ResetMode::EmailRecoveryLink).await.unwrap();
    assert_eq!(w.service.authenticate(&signed.token).await.unwrap_err(), SessionError::Invalid);
    let email = last_email_to(&w, "omar@maple-law.example").await;
    assert_eq!(email.message.kind(), "recovery");
    let link = Token::presented(&w.last_secret("omar@maple-law.example", "recovery").await);
    let info = w.service.inspect_link(&link).await.unwrap().expect("a live recovery link");
    assert_eq!(info.purpose, LinkPurpose::Recovery);
    assert_eq!(info.email, omar.email);
    let after_b = "quiet meadow compass 5523";
    w.service.recover_password(&link, secret(after_b), None).await.unwrap();
    assert_eq!(
        w.service.recover_password(&link, secret("another fine passphrase 77"), None).await,
        Err(LinkError::InvalidLink)
    );
    assert!(w.service.inspect_link(&link).await.unwrap().is_none());
    signed_in(&w, omar.email.as_str(), after_b).await;
    assert_eq!(w.sign_in(omar.email.as_str(), after_a).await.unwrap_err(), SignInError::Failed);
    wait_a_little(&w);

    // (c): define a temporary password the user must change on first
    // sign-in; it cannot be kept.
    let temporary = "temporary harbour key 3141";
    w.service.reset_password(admin, omar.id, ResetMode::SetTemporary(secret(temporary))).await.unwrap();
    assert_eq!(w.sign_in(omar.email.as_str(), after_b).await.unwrap_err(), SignInError::Failed);
    let signed = w.sign_in(omar.email.as_str(), temporary).await.unwrap();
    assert!(signed.password_change_only());
    let restricted = w.service.authenticate(&signed.token).await.unwrap();
    assert_eq!(
        w.service.get_user(&restricted, omar.id).await.unwrap_err(),
        ReadUsersError::Access(AccessError::PasswordChangeRequired),
        "a must-change session can do nothing but change the password"
    );
    assert_eq!(
        w.service.change_own_password(&restricted, secret(temporary), secret(temporary)).await,
        Err(ChangePasswordError::Password(PasswordRejection::SameAsCurrent))
    );
    w.service.change_own_password(&restricted, secret(temporary), secret(PASSWORD)).await.unwrap();
    assert_eq!(w.sign_in(omar.email.as_str(), temporary).await.unwrap_err(), SignInError::Failed);
    wait_a_little(&w);

    // --- Force sign-out of sessions: disconnected on every device.
    w.service.sign_out_everywhere(admin, omar.id).await.unwrap();
    let (laptop, _) = signed_in(&w, omar.email.as_str(), PASSWORD).await;
    let (phone, _) = signed_in(&w, omar.email.as_str(), PASSWORD).await;
    assert_eq!(w.service.sign_out_everywhere(admin, omar.id).await.unwrap(), 2);
    assert_eq!(w.service.authenticate(&laptop).await.unwrap_err(), SessionError::Invalid);
    assert_eq!(w.service.authenticate(&phone).await.unwrap_err(), SessionError::Invalid);
    assert!(audit_actions_about(&w, omar.id).await.contains(&AuditAction::SessionsEnded));
    let (_, omar_caller) = signed_in(&w, omar.email.as_str(), PASSWORD).await;
    assert_eq!(omar_caller.user(), omar.id, "they have to sign in again, and can");

    // --- Super Admins: only for the 1-2 people who need it (the cap is 2).
    let super_admin = w.role("Super Admin").await;
    let (ines, ines_password) = w.add_user("ines@maple-law.example", "Super Admin").await;
    let third = w.new_user("third@maple-law.example", "Theo Third", super_admin, InitialCredential::Invite);
    assert_eq!(
        w.service.create_user(admin, third).await.unwrap_err(),
        CreateUserError::Grant(GrantError::SuperAdminCapReached { cap: 2 })
    );
    assert_eq!(
        w.service.set_access(admin, omar.id, super_admin, BTreeSet::new(), None).await.unwrap_err(),
        SetAccessError::Grant(GrantError::SuperAdminCapReached { cap: 2 })
    );
    let (_, boss) = w.add_signed_in("alex@maple-law.example", "Administrator").await;
    w.service.deactivate_user(admin, ines.id, None).await.unwrap();
    assert_eq!(
        w.service.set_access(&boss, omar.id, super_admin, BTreeSet::new(), None).await.unwrap_err(),
        SetAccessError::Grant(GrantError::SuperAdminOnly),
        "only a Super Admin grants Super Admin"
    );
    assert_eq!(
        w.service.deactivate_user(&boss, w.owner.id, None).await.unwrap_err(),
        DeactivateError::Target(TargetError::TargetOutranksCaller {
            super_admin: true,
            missing: PermissionSet::EMPTY
        }),
        "only a Super Admin acts on a Super Admin's account"
    );
    assert_eq!(
        w.service
            .set_access(admin, w.owner.id, w.role("Administrator").await, BTreeSet::new(), None)
            .await
            .unwrap_err(),
        SetAccessError::Target(TargetError::UseSelfService),
        "the last Super Admin does not demote themself"
    );
    assert_eq!(
        w.service.deactivate_user(admin, w.owner.id, None).await.unwrap_err(),
        DeactivateError::SelfDeactivation
    );
    let promoted = w.service.set_access(admin, omar.id, super_admin, BTreeSet::new(), None).await.unwrap();
    assert_eq!(promoted.role, super_admin, "with a seat free, a Super Admin may grant it");
    assert_eq!(
        w.service.reactivate_user(admin, ines.id).await.unwrap_err(),
        ReactivateError::SuperAdminCapReached { cap: 2 }
    );
    assert_eq!(
        w.sign_in(ines.email.as_str(), ines_password.expose()).await.unwrap_err(),
        SignInError::Failed
    );

    // --- A one-time password stops working after 24 hours unused.
    let (zed, zed_password) = w.add_user("zed@maple-law.example", "Paralegal").await;
    w.adapters.clock.advance(Duration::hours(24) + Duration::minutes(1));
    assert_eq!(w.sign_in(zed.email.as_str(), zed_password.expose()).await.unwrap_err(), SignInError::Failed);
    w.service.reset_password(admin, omar.id, ResetMode::SetTemporary(secret(temporary))).await.unwrap();
    w.adapters.clock.advance(Duration::hours(24) + Duration::minutes(1));
    assert_eq!(w.sign_in(omar.email.as_str(), temporary).await.unwrap_err(), SignInError::Failed);
}

/// Case Tracker "Manage and Invite Users": the users table, adding a user by
/// invitation with admin-only notes, editing role, email and contact,
/// deactivating, and sites with their parties.
#[tokio::test]
#[allow(clippy::too_many_lines)]
async fn case_tracker_manage_and_invite_users_page() {
    let w = World::new().await;
    let admin = &w.admin;
    let paralegal = w.role("Paralegal").await;
    let rcic = w.role("RCIC Consultant").await;

    let mut zoe =
        w.new_user("zoe.quinn@district.example", "Zoë Quinn", paralegal, InitialCredential::GeneratePassword);
    zoe.language = Language::parse("fr").unwrap();
    let zoe = w.service.create_user(admin, zoe).await.unwrap();
    let (zoe, zoe_password) = (zoe.user, zoe.generated_password.unwrap());
    let (adam, _) = w.add_user("adam.brooks@district.example", "RCIC Consultant").await;
    let (maya, _) = w.add_user("maya.ortiz@district.example", "Accountant").await;
    let liam = w
        .service
        .create_user(
            admin,
            w.new_user("liam.chen@district.example", "Liam Chen", paralegal, InitialCredential::Invite),
        )
        .await
        .unwrap()
        .user;
    let (bea, _) = w.add_user("bea.zimmer@district.example", "RCIC Consultant").await;
    w.service.deactivate_user(admin, bea.id, None).await.unwrap();
    let everyone: BTreeSet<UserId> = [w.owner.id, zoe.id, adam.id, maya.id, liam.id, bea.id].into();

    // --- Find all users: the table lists everyone, by name.
    let ids = |users: &[User]| users.iter().map(|u| u.id).collect::<Vec<_>>();
    let all = w.service.list_users(admin, &UserQuery::default()).await.map(plain).unwrap();
    assert_eq!(ids(&all.items).into_iter().collect::<BTreeSet<_>>(), everyone);
    assert!(all.next.is_none());
    let names: Vec<String> = all.items.iter().map(|u| u.name.search_key()).collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted, "sorted by name");

    // Filter by status, role, language.
    let by = |filter: UserFilter| UserQuery { filter, ..UserQuery::default() };
    let list = |q: UserQuery| {
        let service = w.service.clone();
        async move { service.list_users(admin, &q).await.map(plain).unwrap().items }
    };
    let invited = list(by(UserFilter { statuses: vec![UserStatus::Invited], ..UserFilter::default() })).await;
    assert_eq!(ids(&invited), vec![liam.id]);
    let inactive =
        list(by(UserFilter { statuses: vec![UserStatus::Inactive], ..UserFilter::default() })).await;
    assert_eq!(ids(&inactive), vec![bea.id]);
    let both = list(by(UserFilter {
        statuses: vec![UserStatus::Invited, UserStatus::Inactive],
        ..UserFilter::default()
    }))
    .await;
    assert_eq!(ids(&both).into_iter().collect::<BTreeSet<_>>(), [liam.id, bea.id].into());
    let paralegals = list(by(UserFilter { role: Some(paralegal), ..UserFilter::default() })).await;
    assert_eq!(ids(&paralegals).into_iter().collect::<BTreeSet<_>>(), [zoe.id, liam.id].into());
    let french =
        list(by(UserFilter { language: Some(Language::parse("fr").unwrap()), ..UserFilter::default() }))
            .await;
    assert_eq!(ids(&french), vec![zoe.id]);
    let active_rcic = list(by(UserFilter {
        statuses: vec![UserStatus::Active],
        role: Some(rcic),
        ..UserFilter::default()
    }))
    .await;
    assert_eq!(ids(&active_rcic), vec![adam.id]);

    // Search a user's name or email: case-insensitive substring.
    assert_eq!(ids(&list(by(UserFilter::default().with_search("QUINN"))).await), vec![zoe.id]);
    assert_eq!(ids(&list(by(UserFilter::default().with_search("zoË"))).await), vec![zoe.id]);
    assert_eq!(ids(&list(by(UserFilter::default().with_search("brooks@DISTRICT"))).await), vec![adam.id]);
    assert_eq!(ids(&list(by(UserFilter::default().with_search(" ortiz "))).await), vec![maya.id]);
    assert!(list(by(UserFilter::default().with_search("nobody-here"))).await.is_empty());
    assert_eq!(
        list(by(UserFilter::default().with_search("   "))).await.len(),
        everyone.len(),
        "blank search"
    );

    // Sort by any column, and click again to reverse.
    for column in UserColumn::SORTABLE {
        let asc = list(UserQuery { sort: *column, direction: Direction::Asc, ..UserQuery::default() }).await;
        let desc =
            list(UserQuery { sort: *column, direction: Direction::Desc, ..UserQuery::default() }).await;
        let mut reversed = ids(&desc);
        reversed.reverse();
        assert_eq!(ids(&asc), reversed, "{} descending is ascending reversed", column.as_str());
        assert_eq!(asc.len(), everyone.len());
    }
    let by_email =
        list(UserQuery { sort: UserColumn::Email, direction: Direction::Desc, ..UserQuery::default() }).await;
    let emails: Vec<&str> = by_email.iter().map(|u| u.email.normalized()).collect();
    let mut expected = emails.clone();
    expected.sort_by(|a, b| b.cmp(a));
    assert_eq!(emails, expected);

    // Page through the table: keyset pages of 2 join up to the whole list.
    let mut pages = Vec::new();
    let mut query = UserQuery { limit: 2, sort: UserColumn::Name, ..UserQuery::default() };
    loop {
        let page = w.service.list_users(admin, &query).await.map(plain).unwrap();
        assert!(page.items.len() <= 2);
        pages.extend(ids(&page.items));
        match page.next {
            Some(cursor) => query.after = Some(UserCursor::decode(&cursor.encode()).unwrap()),
            None => break,
        }
    }
    assert_eq!(pages, ids(&all.items), "the pages hold every user once, in order");

    // --- Add a user by invitation, with notes only admins see.
    let mut new =
        w.new_user("pat.rivera@district.example", "Pat Rivera", paralegal, InitialCredential::Invite);
    new.phone = Some(Phone::parse("+1 (514) 555-0199").unwrap());
    new.notes = Some(Note::parse("Covers the east campus on Fridays.").unwrap());
    let emails_before = w.outbox().await.len();
    let pat = w.service.create_user(admin, new).await.unwrap().user;
    assert_eq!(pat.status, UserStatus::Invited);
    assert_eq!(pat.notes.as_ref().unwrap().as_str(), "Covers the east campus on Fridays.");
    let outbox = w.outbox().await;
    assert_eq!(outbox.len(), emails_before + 1);
    let invitation = outbox.last().unwrap();
    assert_eq!(invitation.to.as_str(), "pat.rivera@district.example");
    match &invitation.message {
        Message::Invitation { inviter_name, .. } => assert_eq!(inviter_name, "Olivia Owner"),
        other => panic!("expected an invitation, got {}", other.kind()),
    }
    assert!(
        w.audit().await.iter().all(|e| !serde_json::to_string(e).unwrap().contains("east campus")),
        "the notes stay out of the audit log"
    );
    // A caller who may read users but not manage them sees no notes.
    let zoe_caller = w.first_sign_in(&zoe.email, zoe_password.expose()).await;
    assert!(zoe_caller.may(Permission::UsersRead) && !zoe_caller.may(Permission::UsersNotes));
    assert_eq!(w.service.get_user(&zoe_caller, pat.id).await.unwrap().notes, None);
    let seen = w.service.list_users(&zoe_caller, &UserQuery::default()).await.map(plain).unwrap().items;
    assert!(seen.iter().all(|u| u.notes.is_none()));
    assert!(seen.iter().any(|u| u.id == pat.id));
    assert!(w.user(pat.id).await.notes.is_some(), "admins still see them");
    // Someone who may create users but not write notes cannot add them.
    let recruiter = w
        .service
        .create_role(
            admin,
            GrantDraft {
                name: Label::parse("Recruiter").unwrap(),
                permissions: [Permission::UsersRead, Permission::UsersCreate].into_iter().collect(),
            },
        )
        .await
        .unwrap();
    let (_, recruiter_caller) = {
        let created = w
            .service
            .create_user(
                admin,
                w.new_user(
                    "rhea@district.example",
                    "Rhea Recruiter",
                    recruiter.id,
                    InitialCredential::GeneratePassword,
                ),
            )
            .await
            .unwrap();
        let caller = w.first_sign_in(&created.user.email, created.generated_password.unwrap().expose()).await;
        (created.user, caller)
    };
    let mut noted = w.new_user("noted@district.example", "Noah Noted", paralegal, InitialCredential::Invite);
    noted.notes = Some(Note::parse("secret remark").unwrap());
    assert_eq!(
        w.service.create_user(&recruiter_caller, noted).await.unwrap_err(),
        CreateUserError::Access(AccessError::Forbidden(Permission::UsersNotes))
    );

    // They receive an email with a link to join.
    let join = Token::presented(&w.last_secret("pat.rivera@district.example", "invitation").await);
    let info = w.service.inspect_link(&join).await.unwrap().expect("a live invitation");
    assert_eq!(info.purpose, LinkPurpose::Invitation);
    assert_eq!(info.email, pat.email);
    assert_eq!(info.practice_slug.as_str(), "maple-law");
    let chosen = "sunlit orchard ladder 7305";
    w.service.accept_invitation(&join, secret(chosen), None).await.unwrap();
    assert_eq!(w.user(pat.id).await.status, UserStatus::Active);
    assert_eq!(
        w.service.accept_invitation(&join, secret("second try passphrase 99"), None).await,
        Err(LinkError::InvalidLink)
    );
    let (_, pat_caller) = signed_in(&w, "pat.rivera@district.example", chosen).await;
    assert_eq!(pat_caller.user(), pat.id);

    // --- Edit an admin's role, email or contact information.
    let pat = w.user(pat.id).await;
    let edit = UserEdit {
        phone: Some(Some(Phone::parse("514-555-0142").unwrap())),
        title: Some(Some(Label::parse("Case officer").unwrap())),
        ..UserEdit::default()
    };
    let pat = w.service.update_user(admin, pat.id, edit, Some(pat.version)).await.unwrap();
    assert_eq!(pat.phone.as_ref().unwrap().as_str(), "514-555-0142");
    assert_eq!(pat.title.as_ref().unwrap().as_str(), "Case officer");
    let stale = UserEdit { name: Some(PersonName::parse("Pat Stale").unwrap()), ..UserEdit::default() };
    assert_eq!(
        w.service.update_user(admin, pat.id, stale, Some(pat.version - 1)).await.unwrap_err(),
        UpdateUserError::VersionMismatch { current: pat.version }
    );
    let pat = w.service.set_access(admin, pat.id, rcic, BTreeSet::new(), Some(pat.version)).await.unwrap();
    assert_eq!(pat.role, rcic);
    let pat_caller =
        w.service.authenticate(&w.sign_in(pat.email.as_str(), chosen).await.unwrap().token).await.unwrap();
    assert!(pat_caller.may(Permission::PartiesInvite), "the new role applies");

    let emails_before = w.outbox().await.len();
    let change = ChangeEmail {
        email: EmailAddress::parse("p.rivera@district.example").unwrap(),
        expected_version: Some(pat.version),
        current_password: None,
    };
    let pat = w.service.change_email(admin, pat.id, change).await.unwrap();
    assert_eq!(pat.email.as_str(), "p.rivera@district.example");
    let history: Vec<String> = w
        .service
        .email_history(admin, pat.id)
        .await
        .unwrap()
        .into_iter()
        .map(|(e, _)| e.normalized().to_owned())
        .collect();
    assert!(
        history.contains(&"pat.rivera@district.example".to_owned()),
        "the old address stays in the history"
    );
    assert!(history.contains(&"p.rivera@district.example".to_owned()));
    let outbox = w.outbox().await;
    assert_eq!(outbox.len(), emails_before + 1);
    let notice = outbox.last().unwrap();
    assert_eq!(notice.to.as_str(), "pat.rivera@district.example", "the notice goes to the old address");
    match &notice.message {
        Message::EmailChanged { old_email, new_email, .. } => {
            assert_eq!(old_email, "pat.rivera@district.example");
            assert_eq!(new_email, "p.rivera@district.example");
        }
        other => panic!("expected an email-change notice, got {}", other.kind()),
    }
    assert_eq!(w.sign_in("pat.rivera@district.example", chosen).await.unwrap_err(), SignInError::Failed);
    let (_, pat_caller) = signed_in(&w, "p.rivera@district.example", chosen).await;
    assert_eq!(pat_caller.user(), pat.id, "same user, new sign-in name");
    let reuse =
        w.new_user("pat.rivera@district.example", "Another Pat", paralegal, InitialCredential::Invite);
    assert_eq!(
        w.service.create_user(admin, reuse).await.unwrap_err(),
        CreateUserError::EmailPreviouslyUsed { holder: pat.id, status: UserStatus::Active },
        "the old address stays reserved"
    );

    // --- A user cannot be deactivated while still assigned to a case.
    let k1 = w.open_case("Incident 2026-014", adam.id).await;
    let k2 = w.open_case("Incident 2026-015", adam.id).await;
    assert_eq!(
        w.service.deactivate_user(admin, adam.id, None).await.unwrap_err(),
        DeactivateError::OwnsOpenCases { count: 2 }
    );
    assert_eq!(w.user(adam.id).await.status, UserStatus::Active);
    assert!(w.service.list_cases(admin, adam.id, Some(CaseStatus::Open)).await.unwrap().len() == 2);
    // Naming who takes the cases moves them and deactivates in one go;
    // a bad choice changes nothing.
    assert_eq!(
        w.service.deactivate_user(admin, adam.id, Some(maya.id)).await.unwrap_err(),
        DeactivateError::Assignee(AssigneeError::CannotOwnCases)
    );
    assert_eq!(w.user(adam.id).await.status, UserStatus::Active);
    assert_eq!(w.service.get_case(admin, k1.id).await.unwrap().owner, adam.id);
    let gone = w.service.deactivate_user(admin, adam.id, Some(zoe.id)).await.unwrap();
    assert_eq!(gone.status, UserStatus::Inactive);
    for k in [&k1, &k2] {
        assert_eq!(w.service.get_case(admin, k.id).await.unwrap().owner, zoe.id);
    }
    // Once inactive, no case can be assigned to them.
    for inactive in [adam.id, bea.id] {
        assert_eq!(
            w.service.assign_case(admin, k1.id, inactive).await.unwrap_err(),
            AssignCaseError::Assignee(AssigneeError::NotActive { status: UserStatus::Inactive })
        );
        assert_eq!(
            w.service
                .create_case(admin, Label::parse("Incident 2026-016").unwrap(), inactive)
                .await
                .unwrap_err(),
            CreateCaseError::Assignee(AssigneeError::NotActive { status: UserStatus::Inactive })
        );
        assert_eq!(
            w.service.reassign_cases(admin, zoe.id, inactive, CaseSelection::AllOpen).await.unwrap_err(),
            ReassignCasesError::Assignee(AssigneeError::NotActive { status: UserStatus::Inactive })
        );
    }
    assert_eq!(
        w.service.assign_case(admin, k1.id, liam.id).await.unwrap_err(),
        AssignCaseError::Assignee(AssigneeError::NotActive { status: UserStatus::Invited })
    );
    assert_eq!(w.sign_in("adam.brooks@district.example", PASSWORD).await.unwrap_err(), SignInError::Failed);

    // --- Case parties: a site, an individual saved without email, and an
    // individual invited to the portal.
    let site = w
        .service
        .create_site(
            admin,
            SiteDetails {
                address: Some(Note::parse("12 Elm St").unwrap()),
                ..SiteDetails::named(Label::parse("Lincoln High School").unwrap())
            },
        )
        .await
        .unwrap();
    assert!(w.service.list_sites(admin).await.unwrap().iter().any(|s| s.id == site.id));
    let details = |kind: PartyKind, name: &str, email: Option<&str>| PartyDetails {
        kind,
        name: PersonName::parse(name).unwrap(),
        email: email.map(|e| EmailAddress::parse(e).unwrap()),
        phone: Some(Phone::parse("555-0100").unwrap()),
        address: None,
        date_of_birth: chrono::NaiveDate::from_ymd_opt(2010, 4, 2),
        gender: Some(Label::parse("non-binary").unwrap()),
        grade_or_position: Some(Label::parse("Grade 10").unwrap()),
        language: Some(Language::parse("es").unwrap()),
    };

    // "Save": recorded without any email.
    let emails_before = w.outbox().await.len();
    let student = w
        .service
        .save_party(admin, site.id, details(PartyKind::Student, "Sofia Student", None), false)
        .await
        .unwrap();
    assert_eq!(student.portal, PortalStatus::NotInvited);
    assert_eq!(student.site, site.id);
    assert_eq!(student.details.grade_or_position.as_ref().unwrap().as_str(), "Grade 10");
    let staff = w
        .service
        .save_party(
            admin,
            site.id,
            details(PartyKind::Staff, "Stan Staff", Some("stan@lincoln.example")),
            false,
        )
        .await
        .unwrap();
    assert_eq!(staff.portal, PortalStatus::NotInvited);
    assert_eq!(w.outbox().await.len(), emails_before, "Save sends no email");
    assert_eq!(
        w.service
            .save_party(admin, site.id, details(PartyKind::Witness, "Walt Witness", None), true)
            .await
            .unwrap_err(),
        SavePartyError::NoEmail,
        "an invitation needs an email"
    );
    assert_eq!(
        w.service.list_parties(admin, site.id).await.unwrap().len(),
        2,
        "a refused invite records nothing"
    );

    // "Send invite": recorded and an invitation to create an account queued.
    let faculty = w
        .service
        .save_party(
            admin,
            site.id,
            details(PartyKind::Faculty, "Fay Faculty", Some("fay@lincoln.example")),
            true,
        )
        .await
        .unwrap();
    assert_eq!(faculty.portal, PortalStatus::Invited);
    let outbox = w.outbox().await;
    assert_eq!(outbox.len(), emails_before + 1);
    let party_email = outbox.last().unwrap();
    assert_eq!(party_email.to.as_str(), "fay@lincoln.example");
    assert_eq!(party_email.language.as_str(), "es");
    match &party_email.message {
        Message::PartyInvitation { site_name, token, .. } => {
            assert_eq!(site_name, "Lincoln High School");
            assert!(token.expose().len() >= 22, "the link carries at least 128 bits");
        }
        other => panic!("expected a party invitation, got {}", other.kind()),
    }
    // A party saved earlier can be invited later.
    let staff = w.service.invite_party(admin, staff.id).await.unwrap();
    assert_eq!(staff.portal, PortalStatus::Invited);
    assert_eq!(last_email_to(&w, "stan@lincoln.example").await.message.kind(), "party_invitation");
    assert_eq!(w.service.invite_party(admin, student.id).await.unwrap_err(), InvitePartyError::NoEmail);
    let parties = w.service.list_parties(admin, site.id).await.unwrap();
    assert_eq!(
        parties.iter().map(|p| p.id).collect::<BTreeSet<_>>(),
        [student.id, staff.id, faculty.id].into()
    );
    let actions: Vec<AuditAction> = w.audit().await.into_iter().map(|e| e.action).collect();
    assert_eq!(actions.iter().filter(|a| **a == AuditAction::PartyCreated).count(), 3);
    assert_eq!(actions.iter().filter(|a| **a == AuditAction::PartyInvited).count(), 2);
}

/// Five more staff, created minutes apart so `created_at` is not one tie.
async fn staff_table() -> World {
    let w = World::new().await;
    for (i, role) in
        ["Paralegal", "RCIC Consultant", "Accountant", "Paralegal", "Administrator"].iter().enumerate()
    {
        w.add_user(&format!("staff{i}@district.example"), role).await;
        w.adapters.clock.advance(Duration::minutes(3));
    }
    w
}

/// Pages through the users table by `column` and `direction`, two rows at a
/// time, and checks the pages join up to the unpaged list. With `as_text`
/// the cursor goes through its opaque text, as it does for a client.
async fn page_through(w: &World, column: UserColumn, direction: Direction, as_text: bool) {
    let whole = UserQuery { sort: column, direction, ..UserQuery::default() };
    let whole: Vec<UserId> =
        w.service.list_users(&w.admin, &whole).await.map(plain).unwrap().items.iter().map(|u| u.id).collect();
    assert_eq!(whole.len(), 6);
    let mut paged = Vec::new();
    let mut query = UserQuery { sort: column, direction, limit: 2, ..UserQuery::default() };
    for _ in 0..10 {
        let page = w.service.list_users(&w.admin, &query).await.map(plain).unwrap();
        paged.extend(page.items.iter().map(|u| u.id));
        match page.next {
            Some(cursor) if as_text => {
                let text = cursor.encode();
                let read_back = UserCursor::decode(&text).unwrap();
                assert_eq!(
                    read_back,
                    cursor,
                    "the cursor of a {} page survives its text {text:?}",
                    column.as_str()
                );
                query.after = Some(read_back);
            }
            Some(cursor) => query.after = Some(cursor),
            None => break,
        }
    }
    assert_eq!(paged, whole, "paging by {} {direction:?}", column.as_str());
}

/// Case Tracker "Sort" and the table's pages: every column, both ways,
/// paged two rows at a time; every user appears once, in the order of the
/// unpaged list, whether the cursor is passed as is or (for the text
/// columns) through its opaque text as a client does.
#[tokio::test]
async fn case_tracker_pages_through_every_sort_column() {
    let w = staff_table().await;
    for column in UserColumn::SORTABLE {
        for direction in [Direction::Asc, Direction::Desc] {
            page_through(&w, *column, direction, false).await;
            if *column != UserColumn::CreatedAt {
                page_through(&w, *column, direction, true).await;
            }
        }
    }
}

/// The same through the opaque cursor text when sorting by creation time.
/// A `created_at` cursor must come back from its opaque text as a time,
/// not as text (which would order before every time and restart paging).
#[tokio::test]
async fn case_tracker_pages_by_creation_time_through_the_opaque_cursor() {
    let w = staff_table().await;
    for direction in [Direction::Asc, Direction::Desc] {
        page_through(&w, UserColumn::CreatedAt, direction, true).await;
    }
}

/// A page of the users list with the users alone.
fn plain(page: Page<ListedUser, UserCursor>) -> Page<User, UserCursor> {
    Page { items: page.items.into_iter().map(|row| row.user).collect(), next: page.next, total: page.total }
}
