//! Two workers drain one outbox at the same time (the way several server
//! processes share one database): every email is delivered, none twice.
//! Written against the ports only (`Store` to queue, `OutboxQueue` to
//! drain), and run on each store.

use super::*;
use identity_domain::system::SystemClock;
use identity_domain::*;
use identity_mail::{WorkerConfig, shutdown_channel};
use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, Instant};
use uuid::Uuid;

/// Queues `count` emails for `practice` (which must exist where the store
/// checks references), runs two workers on `queue` against one SMTP server
/// until all arrive, and checks none arrived twice.
pub async fn two_workers_drain_the_outbox(
    store: Arc<dyn Store>,
    queue: Arc<dyn OutboxQueue>,
    clock: Arc<dyn Clock>,
    practice: PracticeId,
    count: usize,
) {
    let server = SmtpServer::start();
    let now = clock.now();
    let mut queued = HashSet::new();
    for chunk in 0..count.div_ceil(100) {
        let mut uow = store.begin(Access::Write).await.unwrap();
        for n in chunk * 100..((chunk + 1) * 100).min(count) {
            let id = EmailId::from_uuid(Uuid::now_v7());
            queued.insert(format!("{id}@maple.example"));
            let email = OutboxEmail {
                id,
                practice,
                practice_name: "Maple & Associates".to_owned(),
                to: EmailAddress::parse(&format!("bulk{n}@maple.example")).unwrap(),
                recipient_name: format!("Recipient {n}"),
                language: Language::parse(if n % 2 == 0 { "en" } else { "fr" }).unwrap(),
                time_zone: TimeZone::utc(),
                message: Message::Welcome {
                    practice_slug: "maple-law".to_owned(),
                    sign_in_email: format!("bulk{n}@maple.example"),
                    must_change_password: true,
                    password_expires_at: None,
                },
                created_at: now,
                status: DeliveryStatus::Pending,
                attempts: 0,
                next_attempt_at: now,
                last_error: None,
                sent_at: None,
            };
            uow.outbox().enqueue(&email).await.unwrap();
        }
        uow.commit().await.unwrap();
    }

    let config = smtp_config(server.port);
    let pace = WorkerConfig { batch_size: 25, poll_interval_ms: 10, ..config.worker.clone() };
    let (trigger, signal) = shutdown_channel();
    let started = Instant::now();
    let workers: Vec<_> = (0..2)
        .map(|n| {
            // Two workers at once: two identities.
            let pace = WorkerConfig { worker_id: Some(format!("worker-{n}")), ..pace.clone() };
            let worker = worker_on(queue.clone(), clock.clone(), &config, pace);
            let signal = signal.clone();
            tokio::spawn(async move { worker.run(signal).await })
        })
        .collect();
    server.wait_for(count, Duration::from_secs(180)).await;
    let elapsed = started.elapsed();
    tokio::time::sleep(Duration::from_millis(500)).await; // room for a duplicate to show up
    trigger.shutdown();
    let mut reports = Vec::new();
    for worker in workers {
        reports.push(worker.await.unwrap());
    }

    let messages = server.messages();
    let ids: Vec<String> = messages.iter().map(|m| m.parsed().message_id().unwrap().to_owned()).collect();
    let distinct: HashSet<String> = ids.iter().cloned().collect();
    println!(
        "{} queued, {} delivered, {} duplicates, split {} / {} between the workers, in {elapsed:?}",
        count,
        messages.len(),
        ids.len() - distinct.len(),
        reports[0].sent,
        reports[1].sent
    );
    assert_eq!(messages.len(), count, "every email delivered once");
    assert_eq!(distinct.len(), count, "no duplicate");
    assert_eq!(distinct, queued);
    assert_eq!(reports[0].sent + reports[1].sent, count);

    let mut uow = store.begin(Access::Read).await.unwrap();
    let counts = uow.outbox().counts(practice).await.unwrap();
    assert_eq!((counts.pending, counts.failed), (0, 0));
    let mut sent = 0;
    let mut query = OutboxQuery { status: Some(DeliveryStatus::Sent), limit: 500, ..OutboxQuery::default() };
    loop {
        let page = uow.outbox().list(practice, &query).await.unwrap();
        for email in &page.items {
            if queued.contains(&format!("{}@maple.example", email.id)) {
                sent += 1;
                assert_eq!(email.attempts, 1, "the successful attempt counts");
            }
        }
        match page.next {
            Some(next) => query.before = Some(next),
            None => break,
        }
    }
    assert_eq!(sent, count);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_workers_drain_a_thousand_emails_without_duplicates() {
    let Some(world) = world().await else { return };
    // The owner's welcome is not part of the thousand: settle it.
    let now = world.adapters.clock.now();
    let setup = WorkerId::parse("setup").unwrap();
    let queue = world.queue();
    for claimed in queue.claim_due(&setup, now, 10, now + chrono::Duration::minutes(1)).await.unwrap() {
        assert!(queue.mark_sent(claimed.email.id, claimed.claim, now).await.unwrap());
    }
    two_workers_drain_the_outbox(
        world.adapters.store.clone(),
        queue,
        Arc::new(SystemClock),
        world.practice.id,
        1_000,
    )
    .await;
}
