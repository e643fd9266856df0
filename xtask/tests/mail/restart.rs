//! Stopping and crashing. A worker stopped in the middle of a batch
//! releases what it had not started, so a new worker delivers it at once;
//! a worker whose process died is restarted with the same identity and
//! takes back its claims at once, instead of waiting for their lease; an
//! expired claim cannot settle an email another worker claimed since.

use super::*;
use chrono::Duration as Delta;
use identity_domain::*;
use identity_mail::WorkerConfig;
use std::collections::HashSet;
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(20);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_stopped_mid_batch_releases_its_claims_and_every_email_is_delivered_exactly_once() {
    let server = SmtpServer::start();
    let Some(world) = world().await else { return }; // the owner's welcome…
    world.invite_many(29).await; // …and 29 invitations
    let mut config = smtp_config(server.port); // batches of 10, leases of 300 s
    config.worker.concurrency = 1;

    // The stop is asked for while the 5th message is being accepted.
    let first = Running::spawn(world.worker(&config));
    let trigger = first.trigger();
    server.on_message(move |count| {
        if count == 5 {
            trigger.shutdown();
        }
    });
    let report = first.join().await;
    assert_eq!(report.claimed, 10);
    assert_eq!(report.sent, 5, "the email being sent is finished");
    assert_eq!(report.left, 5, "then it stops, releasing the rest");
    assert_eq!(server.count(), 5);
    server.on_message(|_| {});

    // A new worker takes every email at once, the released ones included:
    // the clock does not move.
    let second = Running::spawn(world.worker(&config));
    server.wait_for(30, WAIT).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let report = second.stop().await;
    assert_eq!(report.sent, 25);

    let messages = server.messages();
    assert_eq!(messages.len(), 30, "every email delivered once");
    let ids: HashSet<String> = messages.iter().map(|m| m.parsed().message_id().unwrap().to_owned()).collect();
    assert_eq!(ids.len(), 30, "no email twice");
    let outbox = world.outbox().await;
    let expected: HashSet<String> = outbox.iter().map(|e| format!("{}@maple.example", e.id)).collect();
    assert_eq!(ids, expected);
    assert!(
        outbox.iter().all(|e| e.status == DeliveryStatus::Sent && e.attempts == 1),
        "the successful attempt is counted"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_restarted_after_a_crash_delivers_its_own_claims_at_once() {
    let server = SmtpServer::start();
    let Some(world) = world().await else { return };
    world.invite_many(4).await; // 5 emails
    let queue = world.queue();
    let crashed = WorkerId::parse("server-a").unwrap();
    let now = world.adapters.clock.now();

    // "server-a" claims everything, then its process dies: no release.
    let claimed = queue.claim_due(&crashed, now, 100, now + Delta::seconds(300)).await.unwrap();
    assert_eq!(claimed.len(), 5);
    drop(claimed);

    // Another identity does not take them while the lease lives…
    let mut config = smtp_config(server.port);
    let other = WorkerConfig { worker_id: Some("server-b".to_owned()), ..config.worker.clone() };
    let b = Running::spawn(worker_on(queue.clone(), world.clock(), &config, other));
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(server.count(), 0, "claims under a live lease are not taken by another worker");
    b.stop().await;

    // …but "server-a" restarted takes them back at once: no clock move.
    config.worker.worker_id = Some("server-a".to_owned());
    let restarted = Running::spawn(world.worker(&config));
    let messages = server.wait_for(5, WAIT).await;
    let report = restarted.stop().await;
    assert_eq!(report.sent, 5);
    assert_eq!(messages.len(), 5);
    assert!(world.outbox().await.iter().all(|e| e.status == DeliveryStatus::Sent));
}

#[tokio::test]
async fn a_claim_whose_lease_ran_out_cannot_settle_the_email_another_worker_claimed() {
    let Some(world) = world().await else { return }; // the owner's welcome
    let queue = world.queue();
    let (a, b) = (WorkerId::parse("a").unwrap(), WorkerId::parse("b").unwrap());
    let now = world.adapters.clock.now();
    let first = queue.claim_due(&a, now, 10, now + Delta::seconds(60)).await.unwrap().remove(0);

    let later = now + Delta::seconds(61);
    let second = queue.claim_due(&b, later, 10, later + Delta::seconds(60)).await.unwrap().remove(0);
    assert_eq!(first.email.id, second.email.id, "due again once the lease ran out");
    assert_ne!(first.claim, second.claim);

    let id = first.email.id;
    assert!(!queue.mark_sent(id, first.claim, later).await.unwrap(), "a's claim is gone");
    assert!(!queue.mark_failed(id, first.claim, "late", None).await.unwrap());
    assert!(!queue.release(id, first.claim).await.unwrap());
    assert_eq!(world.outbox().await[0].status, DeliveryStatus::Pending, "a recorded nothing");
    assert_eq!(world.outbox().await[0].attempts, 0);

    // a restarting does not release b's claim either.
    assert_eq!(queue.reclaim(&a).await.unwrap(), 0);
    assert!(queue.claim_due(&a, later, 10, later + Delta::seconds(60)).await.unwrap().is_empty());
    assert!(queue.mark_sent(id, second.claim, later).await.unwrap(), "b's claim holds");
    assert_eq!(world.outbox().await[0].status, DeliveryStatus::Sent);
    assert_eq!(world.outbox().await[0].attempts, 1);
}
