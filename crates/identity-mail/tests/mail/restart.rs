//! A worker stopped in the middle of a batch, then a new one started: every
//! email is delivered exactly once.

use crate::support::*;
use chrono::Duration as Delta;
use identity_domain::*;
use std::collections::HashSet;
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(20);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_stopped_mid_batch_and_restarted_delivers_every_email_exactly_once() {
    let server = SmtpServer::start();
    let world = World::new().await; // the owner's welcome…
    world.invite_many(29).await; // …and 29 invitations
    let config = smtp_config(server.port); // batches of 10, leases of 300 s

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
    assert_eq!(report.left, 5, "then it stops, between two emails");
    assert_eq!(server.count(), 5);
    server.on_message(|_| {});

    // A new worker takes every unclaimed email at once; the 5 claimed by the
    // stopped worker come back when its lease ends.
    let second = Running::spawn(world.worker(&config));
    server.wait_for(25, WAIT).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(server.count(), 25, "emails under a live lease are not taken");
    world.adapters.clock.advance(Delta::seconds(301));
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
    assert!(outbox.iter().all(|e| e.status == DeliveryStatus::Sent && e.attempts == 0));
}
