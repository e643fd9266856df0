//! PRODUCT.md "Roles, profiles, permissions".

use crate::support::*;
use identity_domain::*;

#[tokio::test]
async fn effective_permissions_are_the_role_plus_the_profiles() {
    let w = World::new().await;
    let (pat, paralegal) = w.add_signed_in("pat@maple.example", "Paralegal").await;
    assert!(paralegal.may(Permission::CasesOwn));
    assert!(!paralegal.may(Permission::InvoicesWrite));
    let collections = w.profile("Collections").await;
    w.service.set_access(&w.admin, pat.id, pat.role, [collections].into(), None).await.unwrap();
    let caller =
        w.service.authenticate(&w.sign_in("pat@maple.example", PASSWORD).await.unwrap().token).await.unwrap();
    for p in [Permission::CasesOwn, Permission::InvoicesWrite, Permission::PaymentsWrite] {
        assert!(caller.may(p), "{p}");
    }
    assert!(!caller.may(Permission::UsersCreate));
}

#[tokio::test]
async fn every_practice_starts_with_the_built_in_roles_and_profiles() {
    let w = World::new().await;
    let roles: Vec<String> =
        w.service.list_roles(&w.admin).await.unwrap().iter().map(|r| r.name.to_string()).collect();
    for name in ["Super Admin", "Administrator", "RCIC Consultant", "Paralegal", "Accountant"] {
        assert!(roles.contains(&name.to_owned()), "{name}");
    }
    let profiles = w.service.list_profiles(&w.admin).await.unwrap();
    assert_eq!(profiles.len(), 1);
    assert_eq!(profiles[0].name.as_str(), "Collections");
}

#[tokio::test]
async fn only_a_super_admin_grants_or_removes_super_admin() {
    let w = World::new().await;
    let (_, administrator) = w.add_signed_in("admin@maple.example", "Administrator").await;
    let (pat, _) = w.add_user("pat@maple.example", "Paralegal").await;
    let super_admin = w.role("Super Admin").await;
    assert_eq!(
        w.service
            .set_access(&administrator, pat.id, super_admin, Default::default(), None)
            .await
            .unwrap_err(),
        SetAccessError::Grant(GrantError::SuperAdminOnly)
    );
    let new = w.new_user("sa@maple.example", "Sam Admin", super_admin, InitialCredential::Invite);
    assert_eq!(
        w.service.create_user(&administrator, new).await.unwrap_err(),
        CreateUserError::Grant(GrantError::SuperAdminOnly)
    );
    w.service.set_access(&w.admin, pat.id, super_admin, Default::default(), None).await.unwrap();
    let paralegal = w.role("Paralegal").await;
    assert_eq!(
        w.service.set_access(&administrator, pat.id, paralegal, Default::default(), None).await.unwrap_err(),
        SetAccessError::Target(TargetError::TargetOutranksCaller {
            super_admin: true,
            missing: PermissionSet::EMPTY
        }),
        "a Super Admin's account is acted on only by a Super Admin"
    );
}

#[tokio::test]
async fn the_super_admin_cap_is_enforced() {
    let w = World::new().await; // cap 2, the owner is one
    let super_admin = w.role("Super Admin").await;
    let second = w.new_user("sa2@maple.example", "Second Admin", super_admin, InitialCredential::Invite);
    w.service.create_user(&w.admin, second).await.unwrap();
    let third = w.new_user("sa3@maple.example", "Third Admin", super_admin, InitialCredential::Invite);
    assert_eq!(
        w.service.create_user(&w.admin, third).await.unwrap_err(),
        CreateUserError::Grant(GrantError::SuperAdminCapReached { cap: 2 })
    );
    let (pat, _) = w.add_user("pat@maple.example", "Paralegal").await;
    assert_eq!(
        w.service.set_access(&w.admin, pat.id, super_admin, Default::default(), None).await.unwrap_err(),
        SetAccessError::Grant(GrantError::SuperAdminCapReached { cap: 2 })
    );
}

#[tokio::test]
async fn reactivating_a_super_admin_respects_the_cap() {
    let w = World::new().await;
    let super_admin = w.role("Super Admin").await;
    let new =
        w.new_user("sa2@maple.example", "Second Admin", super_admin, InitialCredential::GeneratePassword);
    let second = w.service.create_user(&w.admin, new).await.unwrap().user;
    w.service.deactivate_user(&w.admin, second.id, None).await.unwrap();
    let new = w.new_user("sa3@maple.example", "Third Admin", super_admin, InitialCredential::Invite);
    w.service.create_user(&w.admin, new).await.unwrap();
    assert_eq!(
        w.service.reactivate_user(&w.admin, second.id).await.unwrap_err(),
        ReactivateError::SuperAdminCapReached { cap: 2 }
    );
}

#[tokio::test]
async fn an_admin_cannot_grant_a_permission_they_do_not_hold() {
    let w = World::new().await;
    let (pat, _) = w.add_user("pat@maple.example", "Paralegal").await;
    let office = GrantDraft {
        name: Label::parse("Office manager").unwrap(),
        permissions: PermissionSet::from_iter([
            Permission::UsersRead,
            Permission::UsersAssignRoles,
            Permission::RolesManage,
            Permission::CasesOwn,
            Permission::CasesRead,
            Permission::PartiesManage,
        ]),
    };
    w.service.create_role(&w.admin, office).await.unwrap();
    let (_, administrator) = w.add_signed_in("admin@maple.example", "Office manager").await;
    assert!(!administrator.may(Permission::InvoicesWrite));
    let collections = w.profile("Collections").await;
    let missing = PermissionSet::from_iter([
        Permission::InvoicesRead,
        Permission::InvoicesWrite,
        Permission::PaymentsRead,
        Permission::PaymentsWrite,
    ]);
    assert_eq!(
        w.service.set_access(&administrator, pat.id, pat.role, [collections].into(), None).await.unwrap_err(),
        SetAccessError::Grant(GrantError::CannotGrant { missing })
    );
    let draft = GrantDraft {
        name: Label::parse("Billing").unwrap(),
        permissions: PermissionSet::from_iter([Permission::InvoicesWrite]),
    };
    assert!(matches!(
        w.service.create_role(&administrator, draft.clone()).await,
        Err(CreateGrantError::CannotGrant { .. })
    ));
    // A Super Admin may.
    w.service.create_role(&w.admin, draft).await.unwrap();
    w.service.set_access(&w.admin, pat.id, pat.role, [collections].into(), None).await.unwrap();
}

#[tokio::test]
async fn the_built_in_administrator_onboards_every_built_in_role_but_super_admin() {
    let w = World::new().await;
    let (_, administrator) = w.add_signed_in("admin@maple.example", "Administrator").await;
    for (i, role) in ["Administrator", "RCIC Consultant", "Paralegal", "Accountant"].into_iter().enumerate() {
        let mut new = w.new_user(
            &format!("u{i}@maple.example"),
            "New Person",
            w.role(role).await,
            InitialCredential::Invite,
        );
        new.profiles = [w.profile("Collections").await].into();
        w.service.create_user(&administrator, new).await.unwrap();
    }
    let new =
        w.new_user("sa@maple.example", "New Person", w.role("Super Admin").await, InitialCredential::Invite);
    assert_eq!(
        w.service.create_user(&administrator, new).await.unwrap_err(),
        CreateUserError::Grant(GrantError::SuperAdminOnly)
    );
}

#[tokio::test]
async fn custom_roles_and_profiles_are_named_uniquely_and_built_ins_are_fixed() {
    let w = World::new().await;
    let draft = |name: &str| GrantDraft {
        name: Label::parse(name).unwrap(),
        permissions: PermissionSet::from_iter([Permission::CasesRead, Permission::CasesOwn]),
    };
    let intake = w.service.create_role(&w.admin, draft("Intake")).await.unwrap();
    assert_eq!(
        w.service.create_role(&w.admin, draft("Intake")).await.unwrap_err(),
        CreateGrantError::NameTaken
    );
    let renamed = w.service.update_role(&w.admin, intake.id, draft("Intake officer")).await.unwrap();
    assert_eq!(renamed.name.as_str(), "Intake officer");
    let paralegal = w.role("Paralegal").await;
    assert_eq!(
        w.service.update_role(&w.admin, paralegal, draft("Renamed")).await.unwrap_err(),
        RoleError::Builtin
    );
    let collections = w.profile("Collections").await;
    assert_eq!(
        w.service.update_profile(&w.admin, collections, draft("X")).await.unwrap_err(),
        RoleError::Builtin
    );
    let profile = w.service.create_profile(&w.admin, draft("Court filing")).await.unwrap();
    assert!(!profile.builtin);
}

#[tokio::test]
async fn managing_roles_needs_roles_manage() {
    let w = World::new().await;
    let (_, paralegal) = w.add_signed_in("pat@maple.example", "Paralegal").await;
    let draft = GrantDraft { name: Label::parse("X").unwrap(), permissions: PermissionSet::EMPTY };
    assert_eq!(
        w.service.create_role(&paralegal, draft).await.unwrap_err(),
        CreateGrantError::Access(AccessError::Forbidden(Permission::RolesManage))
    );
}

#[tokio::test]
async fn super_admin_bypasses_every_check_inside_its_practice() {
    let w = World::new().await;
    for p in Permission::ALL {
        assert!(w.admin.may(*p), "{p}");
    }
}

#[tokio::test]
async fn the_operator_can_add_a_super_admin_within_the_cap() {
    let w = World::new().await;
    let person = |email: &str| SuperAdminPerson {
        email: EmailAddress::parse(email).unwrap(),
        name: PersonName::parse("Rescue Admin").unwrap(),
        language: Language::english(),
        time_zone: TimeZone::utc(),
    };
    let (admin, password) =
        w.service.create_super_admin(&w.practice.slug, person("rescue@maple.example")).await.unwrap();
    assert!(w.sign_in("rescue@maple.example", password.expose()).await.unwrap().password_change_only());
    let entry = w
        .audit()
        .await
        .into_iter()
        .find(|e| e.target == Some(Target::User(admin.id)) && e.action == AuditAction::UserCreated)
        .unwrap();
    assert_eq!(entry.actor, Actor::System);
    assert_eq!(
        w.service.create_super_admin(&w.practice.slug, person("third@maple.example")).await.unwrap_err(),
        CreateSuperAdminError::CapReached { cap: 2 }
    );
    let unknown = PracticeSlug::parse("nowhere").unwrap();
    assert_eq!(
        w.service.create_super_admin(&unknown, person("x@maple.example")).await.unwrap_err(),
        CreateSuperAdminError::PracticeNotFound
    );
    assert!(!w.service.is_empty().await.unwrap());
}
