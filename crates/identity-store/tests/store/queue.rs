//! The mail worker's queue: claims under leases and claim tokens,
//! deliveries and failures, a restarted worker's claims, and the secrets of
//! waiting emails sealed at rest.

use crate::backend_tests;
use crate::support::{Backend, Ctx, email, id, now, seed};
use chrono::Duration;
use identity_domain::*;
use std::collections::BTreeSet;

backend_tests!(
    claims_lease_due_emails_once_and_settling_blanks_secrets,
    a_restarted_worker_takes_back_its_claims_and_a_stale_claim_settles_nothing,
    no_database_file_or_row_holds_a_waiting_link_in_clear,
    failed_emails_are_counted_listed_in_pages_and_retried,
    emails_queued_with_secrets_in_clear_are_sealed_at_start,
);

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
    let w = WorkerId::parse("worker").unwrap();
    let (a, b) = tokio::join!(ctx.store.claim_due(&w, at, 4, lease), ctx.store.claim_due(&w, at, 4, lease));
    let (a, b) = (a.unwrap(), b.unwrap());
    let a_ids: BTreeSet<EmailId> = a.iter().map(|e| e.email.id).collect();
    let b_ids: BTreeSet<EmailId> = b.iter().map(|e| e.email.id).collect();
    assert!(a_ids.is_disjoint(&b_ids), "{a_ids:?} {b_ids:?}");
    assert_eq!(a_ids.len() + b_ids.len(), 6, "every due email once, the later one not yet");
    assert!(
        ctx.store.claim_due(&w, at + Duration::minutes(1), 10, lease).await.unwrap().is_empty(),
        "leased"
    );
    assert!(a.iter().chain(&b).all(|c| c.email.message == emails[0].message), "claimed with their secrets");

    // Oldest first.
    let first = emails[0].id;
    assert!(a.first().map(|e| e.email.id) == Some(first) || b.first().map(|e| e.email.id) == Some(first));

    let claim = |id: EmailId| a.iter().chain(&b).find(|c| c.email.id == id).unwrap().claim;
    assert!(ctx.store.mark_sent(emails[0].id, claim(emails[0].id), at).await.unwrap());
    let retry = Some(at + Duration::minutes(10));
    assert!(ctx.store.mark_failed(emails[1].id, claim(emails[1].id), "421 busy", retry).await.unwrap());
    assert!(
        ctx.store.mark_failed(emails[2].id, claim(emails[2].id), "550 no such user", None).await.unwrap()
    );
    assert!(
        !ctx.store.mark_sent(id(), claim(emails[0].id), at).await.unwrap(),
        "an unknown email settles nothing"
    );
    assert!(!ctx.store.mark_sent(emails[0].id, claim(emails[0].id), at).await.unwrap(), "settled once");

    // After the lease: the unsettled ones are due again; the retried one later.
    let after_lease = at + Duration::minutes(6);
    let again = ctx.store.claim_due(&w, after_lease, 10, after_lease + Duration::minutes(5)).await.unwrap();
    assert!(again.iter().all(|c| c.claim != claim(c.email.id)), "a new claim");
    let again_ids: BTreeSet<EmailId> = again.iter().map(|c| c.email.id).collect();
    assert_eq!(again_ids, emails[3..6].iter().map(|e| e.id).collect());
    for c in &again {
        assert!(ctx.store.mark_sent(c.email.id, c.claim, after_lease).await.unwrap());
    }
    let later = at + Duration::minutes(31);
    let last: BTreeSet<EmailId> = ctx
        .store
        .claim_due(&w, later, 10, later + Duration::minutes(5))
        .await
        .unwrap()
        .iter()
        .map(|c| {
            assert_eq!(c.email.message, emails[1].message, "secrets kept until delivered or given up");
            c.email.id
        })
        .collect();
    assert_eq!(last, [emails[1].id, emails[6].id].into_iter().collect());

    let mut uow = ctx.store.begin(Access::Read).await.unwrap();
    let query = OutboxQuery { limit: 100, ..OutboxQuery::default() };
    let stored = uow.outbox().list(seed.practice.id, &query).await.unwrap().items;
    let get = |id: EmailId| stored.iter().find(|e| e.id == id).unwrap().clone();
    let sent = get(emails[0].id);
    assert_eq!((sent.status, sent.sent_at, sent.attempts), (DeliveryStatus::Sent, Some(at), 1));
    assert_eq!(sent.message, emails[0].message.without_secrets());
    let retried = get(emails[1].id);
    assert_eq!((retried.status, retried.attempts), (DeliveryStatus::Pending, 1));
    assert_eq!(retried.last_error.as_deref(), Some("421 busy"));
    assert_eq!(retried.message, emails[1].message, "secrets kept until delivered or given up");
    let failed = get(emails[2].id);
    assert_eq!((failed.status, failed.attempts), (DeliveryStatus::Failed, 1));
    assert_eq!(failed.message, emails[2].message.without_secrets());
}

fn recovery(practice: PracticeId, token: &str, minutes: i64) -> OutboxEmail {
    let at = now() - Duration::minutes(60 - minutes);
    OutboxEmail {
        id: id(),
        practice,
        practice_name: "Maple".into(),
        to: email("pat@example.com"),
        recipient_name: "Pat".into(),
        language: Language::english(),
        time_zone: TimeZone::utc(),
        message: Message::Recovery { token: MailSecret::new(token), expires_at: at },
        created_at: at,
        status: DeliveryStatus::Pending,
        attempts: 0,
        next_attempt_at: at,
        last_error: None,
        sent_at: None,
    }
}

async fn queue(ctx: &Ctx, emails: &[OutboxEmail]) {
    let mut uow = ctx.store.begin(Access::Write).await.unwrap();
    for e in emails {
        uow.outbox().enqueue(e).await.unwrap();
    }
    uow.commit().await.unwrap();
}

async fn a_restarted_worker_takes_back_its_claims_and_a_stale_claim_settles_nothing(ctx: Ctx) {
    let seed = seed(&ctx.store).await;
    let emails: Vec<OutboxEmail> = (0..3).map(|i| recovery(seed.practice.id, "tok", i)).collect();
    queue(&ctx, &emails).await;
    let (a, b) = (WorkerId::parse("host-a").unwrap(), WorkerId::parse("host-b").unwrap());
    let at = now();
    let held = ctx.store.claim_due(&a, at, 2, at + Duration::minutes(5)).await.unwrap();
    assert_eq!(held.len(), 2);

    // host-a dies; host-b claims only the third; host-a restarts and takes
    // back its two at once, without waiting for the lease.
    let other = ctx.store.claim_due(&b, at, 10, at + Duration::minutes(5)).await.unwrap();
    assert_eq!(other.len(), 1);
    assert_eq!(ctx.store.reclaim(&a).await.unwrap(), 2);
    let back = ctx.store.claim_due(&a, at, 10, at + Duration::minutes(5)).await.unwrap();
    let ids = |c: &[ClaimedEmail]| c.iter().map(|c| c.email.id).collect::<BTreeSet<_>>();
    assert_eq!(ids(&back), ids(&held), "its own claims, not host-b's");

    // The first claims no longer hold: they settle and release nothing.
    for old in &held {
        assert!(!ctx.store.mark_sent(old.email.id, old.claim, at).await.unwrap());
        assert!(!ctx.store.mark_failed(old.email.id, old.claim, "late", None).await.unwrap());
        assert!(!ctx.store.release(old.email.id, old.claim).await.unwrap());
    }
    // A lease that ran out, and another worker's claim since: the same.
    let after = at + Duration::minutes(6);
    let taken = ctx.store.claim_due(&b, after, 10, after + Duration::minutes(5)).await.unwrap();
    assert_eq!(taken.len(), 3);
    for expired in back.iter().chain(&other) {
        assert!(!ctx.store.mark_sent(expired.email.id, expired.claim, after).await.unwrap());
    }
    // Releasing makes an email due at once; the right claim settles.
    assert!(ctx.store.release(taken[0].email.id, taken[0].claim).await.unwrap());
    assert_eq!(ctx.store.claim_due(&a, after, 10, after + Duration::minutes(5)).await.unwrap().len(), 1);
    assert!(ctx.store.mark_sent(taken[1].email.id, taken[1].claim, after).await.unwrap());
}

/// Every byte of the SQLite database and its WAL, or every row of the
/// PostgreSQL table as text.
async fn raw_contents(ctx: &Ctx) -> Vec<u8> {
    use sea_orm::ConnectionTrait;
    match ctx.backend {
        Backend::Sqlite => {
            let path = ctx.url.trim_start_matches("sqlite://");
            let mut bytes = std::fs::read(path).unwrap();
            bytes.extend(std::fs::read(format!("{path}-wal")).unwrap_or_default());
            bytes
        }
        Backend::Postgres => {
            let rows = ctx
                .store
                .connection()
                .query_all_raw(sea_orm::Statement::from_string(
                    sea_orm::DbBackend::Postgres,
                    "SELECT o::text AS row FROM outbox o",
                ))
                .await
                .unwrap();
            rows.iter().flat_map(|r| r.try_get::<String>("", "row").unwrap().into_bytes()).collect()
        }
    }
}

fn holds(haystack: &[u8], needle: &str) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle.as_bytes())
}

async fn no_database_file_or_row_holds_a_waiting_link_in_clear(ctx: Ctx) {
    let seed = seed(&ctx.store).await;
    let token = "Live-Token-4b9d1e7f0c2a5b8e3d6f9a1c";
    let password = "One-Time-Password-8c3e5a7b9d1f";
    let mut waiting = recovery(seed.practice.id, token, 0);
    waiting.message = Message::Invitation {
        practice_slug: "maple-law".into(),
        inviter_name: "Olivia".into(),
        token: MailSecret::new(token),
        expires_at: now(),
    };
    let mut generated = recovery(seed.practice.id, "unused", 1);
    generated.message = Message::GeneratedPassword {
        practice_slug: "maple".into(),
        password: MailSecret::new(password),
        expires_at: now(),
    };
    queue(&ctx, &[waiting.clone(), generated.clone()]).await;

    let raw = raw_contents(&ctx).await;
    assert!(holds(&raw, "pat@example.com"), "the check reads the rows");
    assert!(!holds(&raw, token), "no live link token at rest");
    assert!(!holds(&raw, password), "no one-time password at rest");

    // The worker still gets them whole.
    let w = WorkerId::parse("w").unwrap();
    let at = now();
    let claimed = ctx.store.claim_due(&w, at, 10, at + Duration::minutes(5)).await.unwrap();
    let messages: Vec<&Message> = claimed.iter().map(|c| &c.email.message).collect();
    assert!(messages.contains(&&waiting.message) && messages.contains(&&generated.message));

    // Another server key cannot open them: given up with that reason, not
    // stuck in the queue.
    let other_key = ctx.store.clone().with_outbox_key(identity_store::OutboxKey::generate());
    for c in &claimed {
        assert!(ctx.store.release(c.email.id, c.claim).await.unwrap());
    }
    assert!(other_key.claim_due(&w, at, 10, at + Duration::minutes(5)).await.unwrap().is_empty());
    let mut uow = ctx.store.begin(Access::Read).await.unwrap();
    let counts = uow.outbox().counts(seed.practice.id).await.unwrap();
    assert_eq!((counts.pending, counts.failed), (0, 2));
    let failed = uow.outbox().get(seed.practice.id, waiting.id).await.unwrap().unwrap();
    assert!(failed.last_error.unwrap().contains("outbox key"));
}

async fn failed_emails_are_counted_listed_in_pages_and_retried(ctx: Ctx) {
    let seed = seed(&ctx.store).await;
    let p = seed.practice.id;
    let mut emails: Vec<OutboxEmail> = (0..5).map(|i| recovery(p, "tok", i)).collect();
    for e in &mut emails[..3] {
        e.message = Message::EmailChanged {
            old_email: "a@example.com".into(),
            new_email: "b@example.com".into(),
            changed_at: now(),
        };
        e.status = DeliveryStatus::Failed;
        e.attempts = 8;
    }
    emails[4].to = email("lee@example.com");
    queue(&ctx, &emails).await;

    let mut uow = ctx.store.begin(Access::Write).await.unwrap();
    let counts = uow.outbox().counts(p).await.unwrap();
    assert_eq!((counts.pending, counts.sent, counts.failed), (2, 0, 3));
    assert_eq!(uow.outbox().counts(id()).await.unwrap(), OutboxCounts::default(), "another practice");

    // Pages of two, newest first, following the cursor.
    let mut query = OutboxQuery { limit: 2, ..OutboxQuery::default() };
    let mut seen = Vec::new();
    loop {
        let page = uow.outbox().list(p, &query).await.unwrap();
        seen.extend(page.items.iter().map(|e| e.id));
        match page.next {
            Some(next) => query.before = Some(next),
            None => break,
        }
    }
    assert_eq!(seen, emails.iter().rev().map(|e| e.id).collect::<Vec<_>>());
    let by_recipient = OutboxQuery { recipient: Some(email("lee@example.com")), ..OutboxQuery::default() };
    assert_eq!(uow.outbox().list(p, &by_recipient).await.unwrap().items.len(), 1);
    let by_kind = OutboxQuery { kind: Some(MessageKind::Recovery), ..OutboxQuery::default() };
    assert_eq!(uow.outbox().list(p, &by_kind).await.unwrap().items.len(), 2);
    let by_status = OutboxQuery { status: Some(DeliveryStatus::Failed), ..OutboxQuery::default() };
    assert_eq!(uow.outbox().list(p, &by_status).await.unwrap().items.len(), 3);
    let elsewhere = OutboxQuery { before: Some(emails[4].id), ..OutboxQuery::default() };
    assert!(uow.outbox().list(id(), &elsewhere).await.unwrap().items.is_empty());

    // Retry one, then the rest; recovery kinds are not retryable here.
    let at = now();
    let kinds = MessageKind::retryable();
    assert_eq!(uow.outbox().retry_failed(p, Some(emails[0].id), &kinds, at).await.unwrap(), 1);
    assert_eq!(uow.outbox().retry_failed(p, Some(emails[0].id), &kinds, at).await.unwrap(), 0, "pending now");
    assert_eq!(uow.outbox().retry_failed(p, None, &[MessageKind::Recovery], at).await.unwrap(), 0);
    assert_eq!(uow.outbox().retry_failed(id(), None, &kinds, at).await.unwrap(), 0, "another practice");
    assert_eq!(uow.outbox().retry_failed(p, None, &kinds, at).await.unwrap(), 2);
    let retried = uow.outbox().get(p, emails[1].id).await.unwrap().unwrap();
    assert_eq!((retried.status, retried.attempts, retried.next_attempt_at), (DeliveryStatus::Pending, 0, at));
    assert_eq!(uow.outbox().counts(p).await.unwrap().failed, 0);
}

/// Rows written before the outbox sealed secrets keep them in `message`:
/// sealing them at start moves a waiting email's secrets into `sealed`,
/// drops a delivered one's, and leaves every email deliverable as queued.
async fn emails_queued_with_secrets_in_clear_are_sealed_at_start(ctx: Ctx) {
    use sea_orm::{ConnectionTrait, Statement};
    let seed = seed(&ctx.store).await;
    let token = "Old-Token-7e2c9a4f1b8d3e6c0a5f";
    let waiting = recovery(seed.practice.id, token, 0);
    let mut sent = recovery(seed.practice.id, token, 1);
    sent.status = DeliveryStatus::Sent;
    queue(&ctx, &[waiting.clone(), sent.clone()]).await;
    // As an older version stored them, before the sealing migration: the
    // whole message in clear.
    let backend = ctx.owner.connection().get_database_backend();
    let before_sealing = chrono::DateTime::parse_from_rfc3339("2026-01-05T09:00:00Z").unwrap().to_utc();
    for e in [&waiting, &sent] {
        let whole = serde_json::to_value(&e.message).unwrap();
        let sql = match backend {
            sea_orm::DbBackend::Postgres => {
                "UPDATE outbox SET message = $1, sealed = NULL, created_at = $2 WHERE id = $3"
            }
            _ => "UPDATE outbox SET message = ?, sealed = NULL, created_at = ? WHERE id = ?",
        };
        let values: [sea_orm::Value; 3] = [whole.into(), before_sealing.into(), e.id.as_uuid().into()];
        ctx.owner
            .connection()
            .execute_raw(Statement::from_sql_and_values(backend, sql, values))
            .await
            .unwrap();
    }
    let in_clear = || async {
        let rows = ctx
            .owner
            .connection()
            .query_all_raw(Statement::from_string(backend, "SELECT CAST(message AS TEXT) FROM outbox"))
            .await
            .unwrap();
        rows.iter().filter(|r| r.try_get_by_index::<String>(0).unwrap().contains(token)).count()
    };
    assert_eq!(in_clear().await, 2, "the older rows hold the token in clear");

    assert_eq!(ctx.store.seal_outbox_secrets().await.unwrap(), 2);
    assert_eq!(in_clear().await, 0, "no token left in clear");
    assert_eq!(ctx.store.seal_outbox_secrets().await.unwrap(), 0, "once is enough");

    let w = WorkerId::parse("w").unwrap();
    let at = now();
    let claimed = ctx.store.claim_due(&w, at, 10, at + Duration::minutes(5)).await.unwrap();
    let waiting_claimed = claimed.iter().find(|c| c.email.id == waiting.id).expect("still due");
    assert_eq!(waiting_claimed.email.message, waiting.message, "delivered whole, as queued");
    assert!(claimed.iter().all(|c| c.email.id != sent.id), "the delivered one stays delivered");
}
