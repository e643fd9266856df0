//! The in-memory outbox queue: leases keep two workers off one email, an
//! expired lease makes it due again, delivery blanks secrets.

#![allow(clippy::unwrap_used)]

use chrono::{Duration, TimeZone as _, Utc};
use identity_domain::*;
use identity_memory::MemoryStore;

fn email(n: u128, at: chrono::DateTime<Utc>) -> OutboxEmail {
    OutboxEmail {
        id: EmailId::from_uuid(uuid::Uuid::from_u128(n)),
        practice: PracticeId::from_uuid(uuid::Uuid::from_u128(99)),
        practice_name: "Maple".into(),
        to: EmailAddress::parse("pat@maple.example").unwrap(),
        recipient_name: "Pat".into(),
        language: Language::english(),
        time_zone: identity_domain::TimeZone::utc(),
        message: Message::Recovery { token: MailSecret::new("secret-token"), expires_at: at },
        created_at: at,
        status: DeliveryStatus::Pending,
        attempts: 0,
        next_attempt_at: at,
        last_error: None,
        sent_at: None,
    }
}

async fn queued(store: &MemoryStore, n: u128) -> chrono::DateTime<Utc> {
    let at = Utc.with_ymd_and_hms(2026, 1, 5, 9, 0, 0).unwrap();
    let mut uow = store.begin(Access::Write).await.unwrap();
    for i in 0..n {
        uow.outbox().enqueue(&email(i + 1, at + Duration::seconds(i as i64))).await.unwrap();
    }
    uow.commit().await.unwrap();
    at
}

#[tokio::test]
async fn a_leased_email_is_not_claimed_twice_until_its_lease_runs_out() {
    let store = MemoryStore::new();
    let at = queued(&store, 3).await;
    let now = at + Duration::minutes(1);
    let w = WorkerId::parse("w").unwrap();
    let first = store.claim_due(&w, now, 2, now + Duration::minutes(5)).await.unwrap();
    let second = store.claim_due(&w, now, 10, now + Duration::minutes(5)).await.unwrap();
    assert_eq!(first.len(), 2);
    assert_eq!(second.len(), 1);
    assert!(first.iter().all(|a| second.iter().all(|b| a.email.id != b.email.id)));
    let later = now + Duration::minutes(6);
    assert_eq!(store.claim_due(&w, later, 10, later + Duration::minutes(5)).await.unwrap().len(), 3);
}

#[tokio::test]
async fn delivery_blanks_secrets_and_failures_retry_or_give_up() {
    let store = MemoryStore::new();
    let at = queued(&store, 2).await + Duration::seconds(5);
    let w = WorkerId::parse("w").unwrap();
    let claimed = store.claim_due(&w, at, 10, at + Duration::minutes(5)).await.unwrap();
    assert!(store.mark_sent(claimed[0].email.id, claimed[0].claim, at).await.unwrap());
    let later = Some(at + Duration::minutes(1));
    assert!(store.mark_failed(claimed[1].email.id, claimed[1].claim, "421 try later", later).await.unwrap());
    assert!(store.claim_due(&w, at, 10, at).await.unwrap().is_empty(), "the retry is not due yet");
    let retry = store.claim_due(&w, at + Duration::minutes(1), 10, at + Duration::minutes(6)).await.unwrap();
    assert_eq!(retry.len(), 1);
    assert_eq!(retry[0].email.attempts, 1);
    assert!(store.mark_failed(retry[0].email.id, retry[0].claim, "550 no such user", None).await.unwrap());

    let all = store.committed_outbox().await;
    assert_eq!((all[0].status, all[0].attempts), (DeliveryStatus::Sent, 1));
    assert_eq!(all[1].status, DeliveryStatus::Failed);
    assert_eq!(all[1].last_error.as_deref(), Some("550 no such user"));
    assert!(!serde_json::to_string(&all).unwrap().contains("secret-token"));
}
