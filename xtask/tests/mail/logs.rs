//! Logs name the email, its kind, the attempt and the error; never a link,
//! token or password — not even at TRACE level, where the SMTP client would
//! log every line it writes if its `tracing` feature were on.
//!
//! The subscriber is process-wide (a thread-local one misses events whose
//! call sites other tests' threads registered first; see
//! `support::captured`), so the captured logs hold every test's lines, on
//! every backend: the checks hold for all of them.

use super::*;
use identity_domain::*;
use identity_mail::shutdown_channel;

#[tokio::test]
async fn no_secret_reaches_the_logs() {
    let captured = captured();

    let Some(world) = world().await else { return };
    world.new_user("benoit@maple.example", "Benoît", "fr", "UTC", InitialCredential::Invite).await;
    let ana = world
        .new_user("ana@maple.example", "Ana Lima", "en", "UTC", InitialCredential::GeneratePassword)
        .await;
    world.service.reset_password(&world.admin, ana.user.id, ResetMode::GenerateAndEmail).await.unwrap();
    let secrets: Vec<String> = world
        .outbox()
        .await
        .iter()
        .filter_map(|e| match &e.message {
            Message::Invitation { token, .. } => Some(token.expose().to_owned()),
            Message::GeneratedPassword { password, .. } => Some(password.expose().to_owned()),
            _ => None,
        })
        .collect();
    assert_eq!(secrets.len(), 2);

    // A failed attempt first (nothing listening), then delivery.
    let (_stop, signal) = shutdown_channel();
    let port = SmtpServer::reserve_port();
    let failing = world.worker(&smtp_config(port));
    assert_eq!(failing.run_once(&signal).await.unwrap().retried, 4);
    world.adapters.clock.advance(chrono::Duration::seconds(100));
    let server = SmtpServer::start_on(port);
    let worker = world.worker(&smtp_config(port));
    assert_eq!(worker.run_once(&signal).await.unwrap().sent, 4);
    assert_eq!(server.count(), 4);

    let logs = captured.text();
    assert!(logs.contains("email sent") && logs.contains("email not delivered; will retry"), "{logs}");
    for email in world.outbox().await {
        assert!(logs.contains(&email.id.to_string()), "the email id is logged");
    }
    for secret in &secrets {
        assert!(!logs.contains(secret.as_str()), "a secret in the logs:\n{logs}");
    }
    for fragment in ["#token=", "/join", BASE_URL] {
        assert!(!logs.contains(fragment), "{fragment} in the logs:\n{logs}");
    }
}
