//! A mail server that accepts the connection and then says nothing: every
//! send is bounded in time as a whole, other emails go out through other
//! connections meanwhile, and the worker stops within its deadline.

use super::*;
use chrono::Duration as Delta;
use identity_domain::*;
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(30);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalled_connection_delays_no_other_email_and_its_email_is_retried() {
    let server = SmtpServer::start();
    let stalling = StallingServer::start(1, server.port).await; // the first connection stalls
    let Some(world) = world().await else { return }; // the owner's welcome…
    world.invite_many(3).await; // …and 3 invitations
    let mut config = smtp_config(stalling.port);
    config.worker.concurrency = 4;
    config.worker.send_timeout_secs = 5;
    let running = Running::spawn(world.worker(&config));

    // Three arrive through other connections while the fourth send still
    // waits on the silent one: nothing is recorded for it yet.
    server.wait_for(3, WAIT).await;
    eventually("the three deliveries to be recorded", WAIT, || async {
        world.outbox().await.iter().filter(|e| e.status == DeliveryStatus::Sent).count() == 3
    })
    .await;
    let outbox = world.outbox().await;
    let waiting: Vec<_> = outbox.iter().filter(|e| e.status == DeliveryStatus::Pending).collect();
    assert_eq!(waiting.len(), 1, "one email waits on the stalled server");
    let stalled = waiting[0].id;

    // Then its send runs out of time: a failed attempt, retried later.
    eventually("the stalled send to time out", WAIT, || async {
        world.outbox().await.iter().any(|e| e.id == stalled && e.attempts == 1)
    })
    .await;
    let email = world.outbox().await.into_iter().find(|e| e.id == stalled).unwrap();
    assert_eq!(email.status, DeliveryStatus::Pending);
    let error = email.last_error.unwrap();
    assert!(error.contains("did not finish within 5 seconds"), "{error}");

    world.adapters.clock.advance(Delta::seconds(73));
    server.wait_for(4, WAIT).await;
    let report = running.stop().await;
    assert_eq!((report.sent, report.retried, report.given_up), (4, 1, 0));
    let outbox = world.outbox().await;
    assert!(outbox.iter().all(|e| e.status == DeliveryStatus::Sent));
    assert_eq!(outbox.iter().find(|e| e.id == stalled).unwrap().attempts, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_sending_to_a_stalled_server_stops_within_the_send_timeout() {
    let stalling = StallingServer::start(usize::MAX, 0).await; // every connection stalls
    let Some(world) = world().await else { return };
    world.invite_many(1).await; // 2 emails
    let mut config = smtp_config(stalling.port);
    config.worker.concurrency = 2;
    config.worker.send_timeout_secs = 3;
    let running = Running::spawn(world.worker(&config));
    eventually("both sends to be in flight", WAIT, || async { stalling.accepted() >= 2 }).await;

    running.trigger().shutdown();
    let deadline = Duration::from_secs(3 + 5);
    let report = tokio::time::timeout(deadline, running.join()).await.expect("the worker stops in time");
    assert_eq!((report.sent, report.retried), (0, 2));
    for email in world.outbox().await {
        assert_eq!((email.status, email.attempts), (DeliveryStatus::Pending, 1));
        assert!(email.last_error.unwrap().contains("did not finish within 3 seconds"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn at_a_stop_a_send_stuck_past_the_stop_grace_is_abandoned_and_its_email_released() {
    let stalling = StallingServer::start(usize::MAX, 0).await; // every connection stalls
    let Some(world) = world().await else { return };
    world.invite_many(1).await; // 2 emails
    let mut config = smtp_config(stalling.port);
    config.worker.concurrency = 2;
    config.worker.send_timeout_secs = 120;
    config.worker.stop_grace_secs = 1;
    let running = Running::spawn(world.worker(&config));
    eventually("both sends to be in flight", WAIT, || async { stalling.accepted() >= 2 }).await;

    running.trigger().shutdown();
    let deadline = Duration::from_secs(1 + 10);
    let report =
        tokio::time::timeout(deadline, running.join()).await.expect("the worker stops after its grace");
    assert_eq!((report.sent, report.retried, report.left), (0, 0, 2));
    // Released, not failed: due again at once for the next worker.
    let now = world.adapters.clock.now();
    for email in world.outbox().await {
        assert_eq!((email.status, email.attempts), (DeliveryStatus::Pending, 0));
        assert!(email.next_attempt_at <= now);
    }
}
