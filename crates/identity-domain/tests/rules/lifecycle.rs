//! PRODUCT.md "Deactivate, reactivate, reassign".

use crate::support::*;
use identity_domain::*;

#[tokio::test]
async fn deactivating_ends_every_session_and_voids_pending_links() {
    let w = World::new().await;
    let (pat, _) = w.add_signed_in("pat@maple.example", "Paralegal").await;
    let session = w.sign_in("pat@maple.example", PASSWORD).await.unwrap();
    w.service.forgot_password(forgot("pat@maple.example")).await.unwrap();
    let recovery = Token::presented(&w.last_secret("pat@maple.example", "recovery").await);

    let deactivated = w.service.deactivate_user(&w.admin, pat.id, None).await.unwrap();
    assert_eq!(deactivated.status, UserStatus::Inactive);
    assert_eq!(w.service.authenticate(&session.token).await, Err(SessionError::Invalid));
    assert_eq!(
        w.service.recover_password(&recovery, secret("brand new passphrase"), None).await,
        Err(LinkError::InvalidLink)
    );
    assert_eq!(w.sign_in("pat@maple.example", PASSWORD).await.unwrap_err(), SignInError::Failed);
}

#[tokio::test]
async fn a_user_who_owns_open_cases_cannot_be_deactivated_and_the_answer_says_how_many() {
    let w = World::new().await;
    let (rcic, _) = w.add_user("rcic@maple.example", "RCIC Consultant").await;
    w.open_case("Study permit — Chen", rcic.id).await;
    w.open_case("Work permit — Diaz", rcic.id).await;
    let closed = w.open_case("Visitor visa — Okafor", rcic.id).await;
    w.service.close_case(&w.admin, closed.id).await.unwrap();

    assert_eq!(
        w.service.deactivate_user(&w.admin, rcic.id, None).await.unwrap_err(),
        DeactivateError::OwnsOpenCases { count: 2 }
    );
    assert_eq!(w.user(rcic.id).await.status, UserStatus::Active);
}

#[tokio::test]
async fn deactivating_with_reassign_to_moves_every_open_case_and_deactivates_in_one_step() {
    let w = World::new().await;
    let (leaver, _) = w.add_user("leaver@maple.example", "RCIC Consultant").await;
    let (heir, _) = w.add_user("heir@maple.example", "RCIC Consultant").await;
    let a = w.open_case("A", leaver.id).await;
    let b = w.open_case("B", leaver.id).await;
    w.service.deactivate_user(&w.admin, leaver.id, Some(heir.id)).await.unwrap();
    for case in [a, b] {
        assert_eq!(w.service.get_case(&w.admin, case.id).await.unwrap().owner, heir.id);
    }
    assert_eq!(w.user(leaver.id).await.status, UserStatus::Inactive);
    let actions: Vec<AuditAction> = w.audit().await.iter().map(|e| e.action).collect();
    assert!(actions.ends_with(&[AuditAction::CasesReassigned, AuditAction::UserDeactivated]));
}

#[tokio::test]
async fn reassigning_to_someone_who_cannot_own_cases_changes_nothing() {
    let w = World::new().await;
    let (leaver, _) = w.add_user("leaver@maple.example", "RCIC Consultant").await;
    let (accountant, _) = w.add_user("acc@maple.example", "Accountant").await;
    let (gone, _) = w.add_user("gone@maple.example", "RCIC Consultant").await;
    w.service.deactivate_user(&w.admin, gone.id, None).await.unwrap();
    let case = w.open_case("A", leaver.id).await;

    assert_eq!(
        w.service.deactivate_user(&w.admin, leaver.id, Some(accountant.id)).await.unwrap_err(),
        DeactivateError::Assignee(AssigneeError::CannotOwnCases)
    );
    assert_eq!(
        w.service.deactivate_user(&w.admin, leaver.id, Some(gone.id)).await.unwrap_err(),
        DeactivateError::Assignee(AssigneeError::NotActive { status: UserStatus::Inactive })
    );
    assert_eq!(w.user(leaver.id).await.status, UserStatus::Active);
    assert_eq!(w.service.get_case(&w.admin, case.id).await.unwrap().owner, leaver.id);
}

#[tokio::test]
async fn an_inactive_user_can_never_be_assigned_a_case() {
    let w = World::new().await;
    let (rcic, _) = w.add_user("rcic@maple.example", "RCIC Consultant").await;
    let (gone, _) = w.add_user("gone@maple.example", "RCIC Consultant").await;
    w.service.deactivate_user(&w.admin, gone.id, None).await.unwrap();
    let case = w.open_case("A", rcic.id).await;
    let title = Label::parse("B").unwrap();
    let inactive = AssigneeError::NotActive { status: UserStatus::Inactive };
    assert_eq!(
        w.service.assign_case(&w.admin, case.id, gone.id).await.unwrap_err(),
        AssignCaseError::Assignee(inactive)
    );
    assert_eq!(
        w.service.create_case(&w.admin, title, gone.id).await.unwrap_err(),
        CreateCaseError::Assignee(inactive)
    );
    let all = CaseSelection::AllOpen;
    assert_eq!(
        w.service.reassign_cases(&w.admin, rcic.id, gone.id, all).await.unwrap_err(),
        ReassignCasesError::Assignee(inactive)
    );
}

#[tokio::test]
async fn bulk_reassign_moves_the_selected_cases_or_none() {
    let w = World::new().await;
    let (from, _) = w.add_user("from@maple.example", "RCIC Consultant").await;
    let (to, _) = w.add_user("to@maple.example", "Paralegal").await;
    let (other, _) = w.add_user("other@maple.example", "RCIC Consultant").await;
    let a = w.open_case("A", from.id).await;
    let b = w.open_case("B", from.id).await;
    let c = w.open_case("C", from.id).await;
    let foreign = w.open_case("D", other.id).await;

    let wrong = CaseSelection::Only(vec![a.id, foreign.id]);
    assert_eq!(
        w.service.reassign_cases(&w.admin, from.id, to.id, wrong).await.unwrap_err(),
        ReassignCasesError::NotAnOpenCaseOf(foreign.id)
    );
    assert_eq!(w.service.get_case(&w.admin, a.id).await.unwrap().owner, from.id, "nothing moved");

    let moved = w
        .service
        .reassign_cases(&w.admin, from.id, to.id, CaseSelection::Only(vec![a.id, b.id]))
        .await
        .unwrap();
    assert_eq!(moved, vec![a.id, b.id]);
    assert_eq!(
        w.service.list_cases(&w.admin, from.id, Some(CaseStatus::Open)).await.unwrap(),
        vec![c.clone()]
    );
    let all = w.service.reassign_cases(&w.admin, from.id, to.id, CaseSelection::AllOpen).await.unwrap();
    assert_eq!(all, vec![c.id]);
    assert_eq!(w.service.list_cases(&w.admin, to.id, None).await.unwrap().len(), 3);
}

#[tokio::test]
async fn only_users_with_cases_own_can_be_assigned_cases() {
    let w = World::new().await;
    let (accountant, _) = w.add_user("acc@maple.example", "Accountant").await;
    let title = Label::parse("A").unwrap();
    assert_eq!(
        w.service.create_case(&w.admin, title, accountant.id).await.unwrap_err(),
        CreateCaseError::Assignee(AssigneeError::CannotOwnCases)
    );
}

#[tokio::test]
async fn the_last_active_super_admin_cannot_be_deactivated_or_demoted() {
    let w = World::new().await;
    let (admin, administrator) = w.add_signed_in("admin@maple.example", "Administrator").await;
    let owner = w.owner.id;
    assert_eq!(
        w.service.deactivate_user(&administrator, owner, None).await.unwrap_err(),
        DeactivateError::Target(TargetError::TargetOutranksCaller {
            super_admin: true,
            missing: PermissionSet::EMPTY
        }),
        "only a Super Admin acts on a Super Admin"
    );
    // A second Super Admin demotes the first: allowed while another remains.
    let super_admin = w.role("Super Admin").await;
    w.service.set_access(&w.admin, admin.id, super_admin, Default::default(), None).await.unwrap();
    let second = w
        .service
        .authenticate(&w.sign_in("admin@maple.example", PASSWORD).await.unwrap().token)
        .await
        .unwrap();
    let paralegal = w.role("Paralegal").await;
    w.service.set_access(&second, owner, paralegal, Default::default(), None).await.unwrap();
    // Now the second is the last one; nobody may demote or deactivate them:
    // not themself (an administrator's path on their own account), and no
    // other Super Admin is left to do it.
    assert_eq!(
        w.service.set_access(&second, admin.id, paralegal, Default::default(), None).await.unwrap_err(),
        SetAccessError::Target(TargetError::UseSelfService)
    );
}

#[tokio::test]
async fn nobody_deactivates_themself() {
    let w = World::new().await;
    let me = w.admin.user();
    assert_eq!(w.service.deactivate_user(&w.admin, me, None).await, Err(DeactivateError::SelfDeactivation));
}

#[tokio::test]
async fn reactivating_restores_a_user_with_a_password_and_reinvites_one_without() {
    let w = World::new().await;
    let (pat, _) = w.add_signed_in("pat@maple.example", "Paralegal").await;
    w.service.deactivate_user(&w.admin, pat.id, None).await.unwrap();
    assert_eq!(w.service.reactivate_user(&w.admin, pat.id).await.unwrap().status, UserStatus::Active);
    w.sign_in("pat@maple.example", PASSWORD).await.unwrap();

    let role = w.role("Paralegal").await;
    let new = w.new_user("inv@maple.example", "Ines Invited", role, InitialCredential::Invite);
    let invited = w.service.create_user(&w.admin, new).await.unwrap().user;
    w.service.revoke_invitation(&w.admin, invited.id).await.unwrap();
    let before = w.outbox().await.len();
    assert_eq!(w.service.reactivate_user(&w.admin, invited.id).await.unwrap().status, UserStatus::Invited);
    assert_eq!(w.outbox().await.len(), before + 1, "a new invitation is sent");
    let token = Token::presented(&w.last_secret("inv@maple.example", "invitation").await);
    w.service.accept_invitation(&token, secret(PASSWORD), None).await.unwrap();
    assert!(matches!(
        w.service.reactivate_user(&w.admin, invited.id).await,
        Err(ReactivateError::Transition(IllegalTransition {
            from: UserStatus::Active,
            to: UserStatus::Active
        }))
    ));
}

#[tokio::test]
async fn a_deactivated_users_records_keep_pointing_at_them() {
    let w = World::new().await;
    let (rcic, _) = w.add_user("rcic@maple.example", "RCIC Consultant").await;
    let case = w.open_case("Closed file", rcic.id).await;
    w.service.close_case(&w.admin, case.id).await.unwrap();
    w.service.deactivate_user(&w.admin, rcic.id, None).await.unwrap();
    assert_eq!(w.service.get_case(&w.admin, case.id).await.unwrap().owner, rcic.id);
    assert_eq!(w.user(rcic.id).await.email.as_str(), "rcic@maple.example");
    let entries = w.audit().await;
    assert!(entries.iter().any(|e| e.target == Some(Target::User(rcic.id))));
}

pub fn forgot(email: &str) -> ForgotPassword {
    ForgotPassword { practice: "maple-law".into(), email: email.into(), request_id: None }
}

#[tokio::test]
async fn deactivating_an_invited_user_voids_the_pending_invitation() {
    let w = World::new().await;
    let role = w.role("Paralegal").await;
    let new = w.new_user("inv@maple.example", "Ines Invited", role, InitialCredential::Invite);
    let invited = w.service.create_user(&w.admin, new).await.unwrap().user;
    let token = Token::presented(&w.last_secret("inv@maple.example", "invitation").await);
    let gone = w.service.deactivate_user(&w.admin, invited.id, None).await.unwrap();
    assert_eq!(gone.status, UserStatus::Inactive);
    assert_eq!(
        w.service.accept_invitation(&token, secret(PASSWORD), None).await,
        Err(LinkError::InvalidLink)
    );
}
