//! STARTTLS and authentication against a real server: a certificate from a
//! private CA (trusted through `ca_certificate`), AUTH PLAIN after the
//! upgrade. A wrong password is retried, not given up.

use super::*;
use identity_domain::*;
use identity_mail::MailConfig;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;
use uuid::Uuid;

/// A CA and a `localhost` certificate it signed, made with the openssl CLI.
fn certificates(folder: &Path) -> (PathBuf, PathBuf, PathBuf) {
    std::fs::create_dir_all(folder).unwrap();
    let run = |args: &[&str]| {
        let output = Command::new("openssl").args(args).current_dir(folder).output().expect("openssl");
        assert!(output.status.success(), "openssl {args:?}: {}", String::from_utf8_lossy(&output.stderr));
    };
    std::fs::write(
        folder.join("leaf.ext"),
        "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\n\
         keyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n",
    )
    .unwrap();
    run(&["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        .into_iter()
        .chain(["-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=Maple Test CA"])
        .chain(["-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign"])
        .collect::<Vec<_>>());
    run(&[
        "req",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
        "-keyout",
        "leaf.key",
    ]
    .into_iter()
    .chain(["-out", "leaf.csr", "-subj", "/CN=localhost"])
    .collect::<Vec<_>>());
    run(&[
        "x509",
        "-req",
        "-in",
        "leaf.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "leaf.pem",
        "-days",
        "2",
        "-extfile",
        "leaf.ext",
    ]);
    (folder.join("ca.pem"), folder.join("leaf.pem"), folder.join("leaf.key"))
}

fn starttls_config(port: u16, ca: &Path, password: &str) -> MailConfig {
    let mut config = smtp_config(port);
    config.transport = serde_json::from_value(serde_json::json!({
        "kind": "smtp", "host": "localhost", "port": port, "security": "starttls",
        "username": "mailer", "password": password, "ca_certificate": ca, "timeout_secs": 5
    }))
    .unwrap();
    config
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn starttls_with_authentication_delivers_and_a_wrong_password_is_retried() {
    if !openssl_available() {
        record_skip(NO_OPENSSL);
        return;
    }
    let folder = std::env::temp_dir().join(format!("identity-mail-tls-{}", Uuid::now_v7()));
    let (ca, cert, key) = certificates(&folder);
    let server = SmtpServer::start_tls(TlsOptions {
        cert,
        key,
        user: "mailer".to_owned(),
        password: "relay secret 2026".to_owned(),
    });
    let Some(world) = world().await else { return }; // the owner's welcome

    // A wrong password: the attempt fails, and is kept for a retry.
    let wrong = world.worker(&starttls_config(server.port, &ca, "not the secret"));
    let (_stop, signal) = identity_mail::shutdown_channel();
    let pass = wrong.run_once(&signal).await.unwrap();
    assert_eq!((pass.sent, pass.retried, pass.given_up), (0, 1, 0));
    let email = world.outbox().await.remove(0);
    assert_eq!(email.status, DeliveryStatus::Pending);
    assert!(email.last_error.as_deref().unwrap().contains("535"), "{:?}", email.last_error);

    // The right one, after the retry is due.
    world.adapters.clock.advance(chrono::Duration::seconds(100));
    let running = Running::spawn(world.worker(&starttls_config(server.port, &ca, "relay secret 2026")));
    let messages = server.wait_for(1, Duration::from_secs(20)).await;
    let report = running.stop().await;
    assert_eq!(report.sent, 1);
    assert!(server.authenticated() >= 1);
    assert_eq!(messages[0].parsed().subject(), Some("Your Maple & Associates account is ready"));
    assert_eq!(world.outbox().await[0].status, DeliveryStatus::Sent);

    std::fs::remove_dir_all(&folder).unwrap();
}
