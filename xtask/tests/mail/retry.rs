//! The SMTP server is down when emails are due: they are retried with
//! backoff and delivered once it is back, or given up after the last
//! attempt.

use super::*;
use chrono::Duration as Delta;
use identity_domain::*;
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(20);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn emails_due_while_the_server_is_down_are_retried_and_delivered_once_it_is_back() {
    let port = SmtpServer::reserve_port(); // nothing listens there yet
    let Some(world) = world().await else { return }; // the owner's welcome
    world
        .new_user(
            "benoit@maple.example",
            "Benoît Tremblay",
            "fr-CA",
            "America/Montreal",
            InitialCredential::Invite,
        )
        .await;
    let running = Running::spawn(world.worker(&smtp_config(port)));

    eventually("a failed attempt at each email", WAIT, || async {
        world.outbox().await.iter().all(|e| e.attempts == 1)
    })
    .await;
    let now = world.adapters.clock.now();
    for email in world.outbox().await {
        assert_eq!(email.status, DeliveryStatus::Pending);
        assert!(email.last_error.is_some());
        // base 60 s, ± 20 % jitter
        let wait = email.next_attempt_at - now;
        assert!(wait >= Delta::seconds(48) && wait <= Delta::seconds(72), "retry in {wait}");
    }

    let server = SmtpServer::start_on(port);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(server.count(), 0, "nothing is retried before it is due");

    world.adapters.clock.advance(Delta::seconds(73));
    let messages = server.wait_for(2, WAIT).await;
    let report = running.stop().await;
    assert_eq!((report.sent, report.retried, report.given_up), (2, 2, 0));
    assert_eq!(messages.len(), 2);
    for email in world.outbox().await {
        assert_eq!(email.status, DeliveryStatus::Sent);
        assert_eq!(email.attempts, 2, "the failed attempt and the successful one");
    }

    // The retried invitation still works, once.
    let invitation =
        messages.iter().find(|m| m.parsed().subject().is_some_and(|s| s.starts_with("Invitation"))).unwrap();
    let text = invitation.parsed().body_text(0).unwrap().into_owned();
    let token = Token::presented(&token_after(&text, &format!("{BASE_URL}/join#token=")));
    world.service.accept_invitation(&token, secret(PASSWORD), None).await.unwrap();
    assert_eq!(
        world.service.accept_invitation(&token, secret(PASSWORD), None).await,
        Err(LinkError::InvalidLink)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_email_is_given_up_after_the_last_attempt_and_keeps_no_secret() {
    let port = SmtpServer::reserve_port(); // never comes up
    let Some(world) = world().await else { return };
    world.new_user("benoit@maple.example", "Benoît", "fr", "UTC", InitialCredential::Invite).await;
    let mut config = smtp_config(port);
    config.worker.max_attempts = 3;
    let running = Running::spawn(world.worker(&config));

    let mut waits = Vec::new();
    for attempt in 1..=3 {
        eventually("another attempt", WAIT, || async {
            world.outbox().await.iter().all(|e| e.attempts == attempt)
        })
        .await;
        let email = world.outbox().await.into_iter().find(|e| e.message.kind() == "invitation").unwrap();
        if attempt < 3 {
            assert_eq!(email.status, DeliveryStatus::Pending);
            waits.push((email.next_attempt_at - world.adapters.clock.now()).num_seconds());
            world.adapters.clock.advance(Delta::seconds(800)); // past the longest wait (600 s + 20 %)
        }
    }
    let report = running.stop().await;
    assert_eq!((report.sent, report.retried, report.given_up), (0, 4, 2));
    // 60 s then 120 s, each ± 20 %.
    assert!((48..=72).contains(&waits[0]) && (96..=144).contains(&waits[1]), "{waits:?}");
    for email in world.outbox().await {
        assert_eq!(email.status, DeliveryStatus::Failed);
        assert_eq!(email.attempts, 3);
        assert!(email.last_error.is_some());
        assert_eq!(email.message, email.message.without_secrets());
    }
}
