//! The mail worker's queue: claims under leases, deliveries and failures.

use crate::backend_tests;
use crate::support::{Ctx, email, id, now, seed};
use chrono::Duration;
use identity_domain::*;
use std::collections::BTreeSet;

backend_tests!(claims_lease_due_emails_once_and_settling_blanks_secrets);

async fn claims_lease_due_emails_once_and_settling_blanks_secrets(ctx: Ctx) {
    let seed = seed(&ctx.store).await;
    let at = now();
    let mail = |minutes: i64, due: i64| OutboxEmail {
        id: id(),
        practice: seed.practice.id,
        practice_name: "Maple".into(),
        to: email("pat@example.com"),
        recipient_name: "Pat".into(),
        language: Language::english(),
        time_zone: TimeZone::utc(),
        message: Message::Recovery { token: MailSecret::new("secret-token"), expires_at: at },
        created_at: at + Duration::minutes(minutes),
        status: DeliveryStatus::Pending,
        attempts: 0,
        next_attempt_at: at + Duration::minutes(due),
        last_error: None,
        sent_at: None,
    };
    let emails: Vec<OutboxEmail> = (0..6).map(|i| mail(i, 0)).chain([mail(9, 30)]).collect();
    let mut uow = ctx.store.begin(Access::Write).await.unwrap();
    for e in &emails {
        uow.outbox().enqueue(e).await.unwrap();
    }
    uow.commit().await.unwrap();

    // Concurrent claims never share an email.
    let lease = at + Duration::minutes(5);
    let (a, b) = tokio::join!(ctx.store.claim_due(at, 4, lease), ctx.store.claim_due(at, 4, lease));
    let (a, b) = (a.unwrap(), b.unwrap());
    let a_ids: BTreeSet<EmailId> = a.iter().map(|e| e.id).collect();
    let b_ids: BTreeSet<EmailId> = b.iter().map(|e| e.id).collect();
    assert!(a_ids.is_disjoint(&b_ids), "{a_ids:?} {b_ids:?}");
    assert_eq!(a_ids.len() + b_ids.len(), 6, "every due email once, the later one not yet");
    assert!(ctx.store.claim_due(at + Duration::minutes(1), 10, lease).await.unwrap().is_empty(), "leased");

    // Oldest first.
    let first = emails[0].id;
    assert!(a.first().map(|e| e.id) == Some(first) || b.first().map(|e| e.id) == Some(first));

    ctx.store.mark_sent(emails[0].id, at).await.unwrap();
    ctx.store.mark_failed(emails[1].id, "421 busy", Some(at + Duration::minutes(10))).await.unwrap();
    ctx.store.mark_failed(emails[2].id, "550 no such user", None).await.unwrap();
    assert!(ctx.store.mark_sent(id(), at).await.is_err(), "an unknown email is an error");

    // After the lease: the unsettled ones are due again; the retried one later.
    let after_lease = at + Duration::minutes(6);
    let again: BTreeSet<EmailId> = ctx
        .store
        .claim_due(after_lease, 10, after_lease + Duration::minutes(5))
        .await
        .unwrap()
        .iter()
        .map(|e| e.id)
        .collect();
    assert_eq!(again, emails[3..6].iter().map(|e| e.id).collect());
    for e in &emails[3..6] {
        ctx.store.mark_sent(e.id, after_lease).await.unwrap();
    }
    let later = at + Duration::minutes(31);
    let last: BTreeSet<EmailId> = ctx
        .store
        .claim_due(later, 10, later + Duration::minutes(5))
        .await
        .unwrap()
        .iter()
        .map(|e| e.id)
        .collect();
    assert_eq!(last, [emails[1].id, emails[6].id].into_iter().collect());

    let mut uow = ctx.store.begin(Access::Read).await.unwrap();
    let stored = uow.outbox().list(seed.practice.id, None, 100).await.unwrap();
    let get = |id: EmailId| stored.iter().find(|e| e.id == id).unwrap().clone();
    let sent = get(emails[0].id);
    assert_eq!((sent.status, sent.sent_at), (DeliveryStatus::Sent, Some(at)));
    assert_eq!(sent.message, emails[0].message.without_secrets());
    let retried = get(emails[1].id);
    assert_eq!((retried.status, retried.attempts), (DeliveryStatus::Pending, 1));
    assert_eq!(retried.last_error.as_deref(), Some("421 busy"));
    assert_eq!(retried.message, emails[1].message, "secrets kept until delivered or given up");
    let failed = get(emails[2].id);
    assert_eq!((failed.status, failed.attempts), (DeliveryStatus::Failed, 1));
    assert_eq!(failed.message, emails[2].message.without_secrets());
}
