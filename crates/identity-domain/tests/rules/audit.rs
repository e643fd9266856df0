//! PRODUCT.md "Audit": every change writes its entry in the same unit of
//! work, with time, actor, practice, target, action and request id; sign-ins,
//! failures and sign-outs too; never a secret.

use crate::lifecycle::forgot;
use crate::support::*;
use identity_domain::*;

#[tokio::test]
async fn a_change_is_recorded_with_actor_target_request_id_and_before_after() {
    let w = World::new().await;
    let (pat, _) = w.add_user("pat@maple.example", "Paralegal").await;
    let caller = w.admin.clone().with_request_id(Some(RequestId::parse("req-42").unwrap()));
    let edit =
        UserEdit { title: Some(Some(Label::parse("Senior paralegal").unwrap())), ..UserEdit::default() };
    w.service.update_user(&caller, pat.id, edit, None).await.unwrap();
    let entry = w.audit().await.pop().unwrap();
    assert_eq!(entry.action, AuditAction::UserUpdated);
    assert_eq!(entry.actor, Actor::User(w.owner.id));
    assert_eq!(entry.practice, w.practice.id);
    assert_eq!(entry.target, Some(Target::User(pat.id)));
    assert_eq!(entry.request_id.unwrap().as_str(), "req-42");
    assert_eq!(entry.before.unwrap()["title"], serde_json::Value::Null);
    assert_eq!(entry.after.unwrap()["title"], "Senior paralegal");
}

#[tokio::test]
async fn sign_ins_failures_and_sign_outs_are_recorded() {
    let w = World::new().await;
    let (pat, _) = w.add_signed_in("pat@maple.example", "Paralegal").await;
    w.sign_in("pat@maple.example", "wrong password").await.unwrap_err();
    w.sign_in("nobody@maple.example", "wrong password").await.unwrap_err();
    let signed = w.sign_in("pat@maple.example", PASSWORD).await.unwrap();
    let caller = w.service.authenticate(&signed.token).await.unwrap();
    w.service.sign_out(&caller).await.unwrap();
    let tail: Vec<(AuditAction, Option<Target>)> =
        w.audit().await.iter().rev().take(4).rev().map(|e| (e.action, e.target)).collect();
    assert_eq!(
        tail,
        [
            (AuditAction::SignInFailed, Some(Target::User(pat.id))),
            (AuditAction::SignInFailed, None),
            (AuditAction::SignedIn, Some(Target::User(pat.id))),
            (AuditAction::SignedOut, Some(Target::User(pat.id))),
        ]
    );
}

#[tokio::test]
async fn no_secret_ever_appears_in_the_audit_log() {
    let w = World::new().await;
    let (pat, generated) = w.add_user("pat@maple.example", "Paralegal").await;
    let temporary = "temporary passphrase 1";
    w.service.reset_password(&w.admin, pat.id, ResetMode::SetTemporary(secret(temporary))).await.unwrap();
    w.service.reset_password(&w.admin, pat.id, ResetMode::GenerateAndEmail).await.unwrap();
    let emailed = w.last_secret("pat@maple.example", "generated_password").await;
    w.service.forgot_password(forgot("pat@maple.example")).await.unwrap();
    let link = w.last_secret("pat@maple.example", "recovery").await;
    w.sign_in("pat@maple.example", "a typed wrong password").await.unwrap_err();
    let session = w.sign_in("owner@maple-law.example", PASSWORD).await.unwrap();

    let log = serde_json::to_string(&w.audit().await).unwrap();
    for secret in [
        generated.expose(),
        temporary,
        &emailed,
        &link,
        session.token.expose(),
        PASSWORD,
        "a typed wrong password",
    ] {
        assert!(!log.contains(secret), "the audit log leaks {secret:?}");
    }
    assert!(!log.contains("argon2") && !log.contains("test-sha256"), "no hash either");
}

#[tokio::test]
async fn request_ids_cannot_forge_a_log_line() {
    assert!(RequestId::parse("abc\nINFO forged entry").is_err());
    assert!(RequestId::parse("abc\r").is_err());
    assert!(RequestId::parse(&"a".repeat(65)).is_err());
    assert!(RequestId::parse("0190c2d5-8f3e-7c1a:retry.2").is_ok());
}

#[tokio::test]
async fn reading_the_audit_log_needs_audit_read_and_filters_and_pages_newest_first() {
    let w = World::new().await;
    let (pat, paralegal) = w.add_signed_in("pat@maple.example", "Paralegal").await;
    assert_eq!(
        w.service.read_audit(&paralegal, &AuditQuery::default()).await.unwrap_err(),
        ReadLogError::Access(AccessError::Forbidden(Permission::AuditRead))
    );
    for title in ["One", "Two", "Three"] {
        let edit = UserEdit { title: Some(Some(Label::parse(title).unwrap())), ..UserEdit::default() };
        w.service.update_user(&w.admin, pat.id, edit, None).await.unwrap();
    }
    let query = AuditQuery {
        action: Some(AuditAction::UserUpdated),
        target: Some(Target::User(pat.id)),
        limit: 2,
        ..AuditQuery::default()
    };
    let first = w.service.read_audit(&w.admin, &query).await.unwrap();
    let titles = |page: &Page<AuditEntry, AuditId>| -> Vec<String> {
        page.items.iter().map(|e| e.after.as_ref().unwrap()["title"].as_str().unwrap().to_owned()).collect()
    };
    assert_eq!(titles(&first), ["Three", "Two"]);
    let second =
        w.service.read_audit(&w.admin, &AuditQuery { before_id: first.next, ..query }).await.unwrap();
    assert_eq!(titles(&second), ["One"]);
    assert!(second.next.is_none());
}

#[tokio::test]
async fn the_outbox_is_visible_to_settings_managers_without_secrets() {
    let w = World::new().await;
    let role = w.role("Paralegal").await;
    let new = w.new_user("inv@maple.example", "Ines Invited", role, InitialCredential::Invite);
    w.service.create_user(&w.admin, new).await.unwrap();
    let token = w.last_secret("inv@maple.example", "invitation").await;
    let pending = OutboxQuery { status: Some(DeliveryStatus::Pending), ..OutboxQuery::default() };
    let listed = w.service.list_outbox(&w.admin, &pending).await.unwrap().items;
    assert!(listed.iter().any(|e| e.message.kind() == "invitation"));
    assert!(!serde_json::to_string(&listed).unwrap().contains(&token));
}
