//! The embedded default: one readable `.eml` file per message in a folder.

use super::*;
use identity_domain::*;
use identity_mail::{FileTransport, MailConfig, MailTransport, Mailer, TransportConfig};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use uuid::Uuid;

fn scratch_folder() -> PathBuf {
    std::env::temp_dir().join(format!("identity-mail-test-{}", Uuid::now_v7()))
}

fn file_config(folder: &std::path::Path) -> MailConfig {
    serde_json::from_value(serde_json::json!({
        "from_address": "no-reply@maple.example",
        "public_base_url": BASE_URL,
        "transport": { "kind": "file", "folder": folder },
        "worker": { "poll_interval_ms": 20 }
    }))
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_worker_writes_one_readable_eml_file_per_email() {
    let folder = scratch_folder();
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
    let running = Running::spawn(world.worker(&file_config(&folder)));
    eventually("the outbox drained", Duration::from_secs(20), || async { world.pending().await == 0 }).await;
    let report = running.stop().await;
    assert_eq!(report.sent, 2);

    let mut names: Vec<String> = std::fs::read_dir(&folder)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    let mut expected: Vec<String> = world.outbox().await.iter().map(|e| format!("{}.eml", e.id)).collect();
    expected.sort();
    assert_eq!(names, expected, "one file per email, named by its id, nothing half-written");

    let invitation = world.outbox().await.into_iter().find(|e| e.message.kind() == "invitation").unwrap();
    let bytes = std::fs::read(folder.join(format!("{}.eml", invitation.id))).unwrap();
    let raw = String::from_utf8(bytes.clone()).expect("an .eml file is text");
    for header in
        ["From: ", "To: ", "Subject: ", "Message-ID: ", "Date: ", "Content-Type: multipart/alternative"]
    {
        assert!(raw.contains(header), "{header} in\n{raw}");
    }
    let parsed = mail_parser::MessageParser::default().parse(&bytes).unwrap();
    assert_eq!(parsed.subject(), Some("Invitation à rejoindre Maple & Associates"));
    assert_eq!((parsed.text_body_count(), parsed.html_body_count()), (1, 1));
    let text = parsed.body_text(0).unwrap().into_owned();
    let token = Token::presented(&token_after(&text, &format!("{BASE_URL}/join#token=")));
    world.service.accept_invitation(&token, secret(PASSWORD), None).await.unwrap();
    assert_eq!(
        world.service.accept_invitation(&token, secret(PASSWORD), None).await,
        Err(LinkError::InvalidLink)
    );

    std::fs::remove_dir_all(&folder).unwrap();
}

/// A person reading the `.eml` file copies the link as it is: the bodies
/// are 8-bit text (no quoted-printable `=3D` or soft line breaks), so the
/// one-line command of the README finds the token.
#[tokio::test]
async fn a_link_is_copied_from_the_eml_file_as_it_is() {
    let folder = scratch_folder();
    let transport = Arc::new(FileTransport::new(folder.clone()));
    let mailer = Mailer::with_transport(&file_config(&folder), transport.clone());
    let Some(world) = world().await else { return };
    world
        .new_user(
            "benoit@maple.example",
            "Benoît Tremblay",
            "fr-CA",
            "America/Montreal",
            InitialCredential::Invite,
        )
        .await;
    let invitation = world.outbox().await.into_iter().find(|e| e.message.kind() == "invitation").unwrap();
    transport.send(invitation.id, mailer.compose(&invitation).unwrap()).await.unwrap();
    let raw = std::fs::read_to_string(transport.path_of(invitation.id)).unwrap();
    assert!(raw.contains("Content-Transfer-Encoding: 8bit"), "{raw}");
    assert!(!raw.contains("=3D") && !raw.contains("=\r\n"), "no quoted-printable: {raw}");
    assert!(raw.contains("Bonjour Benoît Tremblay,"), "accents as written: {raw}");
    // What the README's command does: the token is the rest of the line.
    let line = raw.lines().find(|l| l.contains("/join#token=")).unwrap();
    let token = line.split("#token=").nth(1).unwrap().trim_end();
    let expected = match serde_json::to_value(&invitation.message).unwrap()["token"].as_str() {
        Some(t) => t.to_owned(),
        None => panic!("the invitation carries its token"),
    };
    assert_eq!(token, expected);
    std::fs::remove_dir_all(&folder).unwrap();
}

#[tokio::test]
async fn sending_an_email_again_replaces_its_file() {
    let folder = scratch_folder();
    let transport = Arc::new(FileTransport::new(folder.clone()));
    let config = file_config(&folder);
    let mailer = Mailer::with_transport(&config, transport.clone());
    let Some(world) = world().await else { return };
    let welcome = world.outbox().await.remove(0);
    for _ in 0..2 {
        transport.send(welcome.id, mailer.compose(&welcome).unwrap()).await.unwrap();
    }
    assert_eq!(std::fs::read_dir(&folder).unwrap().count(), 1);
    assert!(transport.path_of(welcome.id).exists());
    std::fs::remove_dir_all(&folder).unwrap();
}

#[test]
fn without_an_smtp_server_messages_go_to_a_folder() {
    let config: MailConfig = serde_json::from_value(serde_json::json!({
        "from_address": "no-reply@maple.example",
        "public_base_url": BASE_URL,
    }))
    .unwrap();
    match &config.transport {
        TransportConfig::File { folder } => assert_eq!(folder, &PathBuf::from("var/mail-outbox")),
        other => panic!("{other:?}"),
    }
    assert!(Mailer::from_config(&config).is_ok());
}
