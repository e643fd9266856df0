//! Nothing ever crosses practices: another practice's ids answer exactly
//! like ids that do not exist, and a Super Admin's bypass stops at its own
//! practice.

use crate::support::*;
use identity_domain::*;

async fn two_practices() -> (World, World) {
    let a = World::new().await;
    let b =
        World::on(a.adapters.clone(), a.service.clone(), "birch-school", PracticeSettings::default()).await;
    (a, b)
}

#[tokio::test]
async fn another_practices_users_answer_not_found() {
    let (a, b) = two_practices().await;
    let (theirs, _) = b.add_user("pat@birch.example", "Paralegal").await;
    assert_eq!(a.service.get_user(&a.admin, theirs.id).await.unwrap_err(), ReadUsersError::UserNotFound);
    let edit = UserEdit { title: Some(None), ..UserEdit::default() };
    assert_eq!(
        a.service.update_user(&a.admin, theirs.id, edit, None).await.unwrap_err(),
        UpdateUserError::UserNotFound
    );
    assert_eq!(
        a.service.deactivate_user(&a.admin, theirs.id, None).await.unwrap_err(),
        DeactivateError::UserNotFound
    );
    assert_eq!(
        a.service.reset_password(&a.admin, theirs.id, ResetMode::GenerateAndEmail).await.unwrap_err(),
        ResetPasswordError::UserNotFound
    );
    assert_eq!(
        a.service.sign_out_everywhere(&a.admin, theirs.id).await.unwrap_err(),
        SignOutError::UserNotFound
    );
    let unchanged = b.user(theirs.id).await;
    assert_eq!(unchanged, theirs);
}

#[tokio::test]
async fn another_practices_roles_cases_sites_and_parties_answer_not_found() {
    let (a, b) = two_practices().await;
    let (mine, _) = a.add_user("pat@maple.example", "RCIC Consultant").await;
    let (theirs, _) = b.add_user("rcic@birch.example", "RCIC Consultant").await;
    let their_role = b.role("Administrator").await;
    assert_eq!(
        a.service.set_access(&a.admin, mine.id, their_role, Default::default(), None).await.unwrap_err(),
        SetAccessError::Grant(GrantError::UnknownRole)
    );
    let their_case = b.open_case("Theirs", theirs.id).await;
    assert_eq!(a.service.get_case(&a.admin, their_case.id).await.unwrap_err(), ReadCaseError::CaseNotFound);
    assert_eq!(
        a.service.assign_case(&a.admin, their_case.id, mine.id).await.unwrap_err(),
        AssignCaseError::CaseNotFound
    );
    let title = Label::parse("Mine").unwrap();
    assert_eq!(
        a.service.create_case(&a.admin, title, theirs.id).await.unwrap_err(),
        CreateCaseError::Assignee(AssigneeError::NotFound)
    );
    let their_site =
        b.service.create_site(&b.admin, SiteDetails::named(Label::parse("Main").unwrap())).await.unwrap();
    assert_eq!(
        a.service.list_parties(&a.admin, their_site.id).await.unwrap_err(),
        ListPartiesError::SiteNotFound
    );
    assert!(a.service.list_sites(&a.admin).await.unwrap().is_empty());
}

#[tokio::test]
async fn lists_logs_and_outboxes_show_only_the_callers_practice() {
    let (a, b) = two_practices().await;
    b.add_user("pat@birch.example", "Paralegal").await;
    let users = a.service.list_users(&a.admin, &UserQuery::default()).await.unwrap();
    assert!(users.items.iter().all(|u| u.user.practice == a.practice.id));
    let audit =
        a.service.read_audit(&a.admin, &AuditQuery { limit: 500, ..AuditQuery::default() }).await.unwrap();
    assert!(audit.items.iter().all(|e| e.practice == a.practice.id));
    let outbox =
        a.service.list_outbox(&a.admin, &OutboxQuery { limit: 500, ..OutboxQuery::default() }).await.unwrap();
    assert!(outbox.items.iter().all(|e| e.practice == a.practice.id));
}

#[tokio::test]
async fn the_same_email_may_exist_in_two_practices_and_sign_in_is_by_practice() {
    let (a, b) = two_practices().await;
    a.add_signed_in("same@shared.example", "Paralegal").await;
    let (_, password) = b.add_user("same@shared.example", "Paralegal").await;
    assert!(a.sign_in("same@shared.example", PASSWORD).await.is_ok());
    assert_eq!(b.sign_in("same@shared.example", PASSWORD).await.unwrap_err(), SignInError::Failed);
    assert!(b.sign_in("same@shared.example", password.expose()).await.is_ok());
}
