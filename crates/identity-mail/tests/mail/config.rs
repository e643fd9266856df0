//! Configuration: defaults, each SMTP security mode, and what is refused.

use identity_mail::*;
use serde_json::json;

fn with_transport(transport: serde_json::Value) -> Result<MailConfig, serde_json::Error> {
    serde_json::from_value(json!({
        "from_address": "no-reply@maple.example",
        "from_name": "Maple Identity",
        "public_base_url": "https://id.maple.example",
        "transport": transport,
    }))
}

#[tokio::test]
async fn each_security_mode_has_its_usual_port_and_builds_a_transport() {
    for (security, port, mode) in [
        ("tls", 465, SmtpSecurity::Tls),
        ("starttls", 587, SmtpSecurity::Starttls),
        ("plain", 25, SmtpSecurity::Plain),
    ] {
        let config =
            with_transport(json!({ "kind": "smtp", "host": "smtp.maple.example", "security": security,
                                            "username": "mailer", "password": "s3cret" }))
            .unwrap();
        let TransportConfig::Smtp(smtp) = &config.transport else { panic!("smtp") };
        assert_eq!(smtp.security, mode);
        assert_eq!(smtp.effective_port(), port);
        let transport = SmtpTransport::from_config(smtp).unwrap();
        assert_eq!(transport.security(), mode);
        assert!(Mailer::from_config(&config).is_ok());
    }
    let config =
        with_transport(json!({ "kind": "smtp", "host": "smtp.maple.example", "port": 2525 })).unwrap();
    let TransportConfig::Smtp(smtp) = &config.transport else { panic!("smtp") };
    assert_eq!((smtp.security, smtp.effective_port()), (SmtpSecurity::Starttls, 2525), "STARTTLS by default");
    assert!(smtp.username.is_none());
}

#[test]
fn the_password_is_never_shown_and_may_be_all_digits() {
    let config = with_transport(json!({ "kind": "smtp", "host": "smtp.maple.example",
                                        "username": "mailer", "password": 12345678 }))
    .unwrap();
    let TransportConfig::Smtp(smtp) = &config.transport else { panic!("smtp") };
    assert_eq!(smtp.password.as_ref().unwrap().expose(), "12345678");
    let shown = format!("{config:?}");
    assert!(!shown.contains("12345678"), "{shown}");
    assert!(shown.contains("SmtpPassword(<redacted>)"));
}

#[tokio::test]
async fn unusable_settings_are_refused_at_start_up() {
    let refused = |transport: serde_json::Value| {
        let config = with_transport(transport).unwrap();
        Mailer::from_config(&config).err().expect("refused")
    };
    assert!(matches!(refused(json!({ "kind": "smtp", "host": " " })), ConfigError::Smtp(_)));
    assert!(matches!(
        refused(json!({ "kind": "smtp", "host": "h.example", "username": "u" })),
        ConfigError::Smtp(_)
    ));
    assert!(matches!(
        refused(json!({ "kind": "smtp", "host": "h.example", "password": "p" })),
        ConfigError::Smtp(_)
    ));

    assert!(with_transport(json!({ "kind": "pigeon" })).is_err());
    assert!(with_transport(json!({ "kind": "smtp", "host": "h.example", "security": "ssl3" })).is_err());
    assert!(with_transport(json!({ "kind": "smtp", "host": "h.example", "hots": "typo" })).is_err());

    let base = |url: &str| {
        serde_json::from_value::<MailConfig>(json!({ "from_address": "a@b.example", "public_base_url": url }))
    };
    assert!(base("https://id.maple.example").is_ok());
    assert!(base("https://id.maple.example/?next=/").is_err());
    assert!(base("id.maple.example").is_err());
    let from = |address: &str| {
        serde_json::from_value::<MailConfig>(
            json!({ "from_address": address, "public_base_url": "https://id.maple.example" }),
        )
    };
    assert!(from("not an address").is_err());
    assert!(from("Bob <bob@maple.example>").is_err(), "the display name has its own field");

    let worker = |value: serde_json::Value| serde_json::from_value::<WorkerConfig>(value).unwrap().validate();
    assert!(worker(json!({})).is_ok());
    assert!(worker(json!({ "batch_size": 0 })).is_err());
    assert!(worker(json!({ "max_attempts": 0 })).is_err());
    assert!(worker(json!({ "backoff_base_secs": 100, "backoff_max_secs": 10 })).is_err());
    assert!(worker(json!({ "jitter_percent": 101 })).is_err());
}

#[test]
fn outside_a_runtime_the_smtp_transport_is_refused_not_a_panic() {
    let config = with_transport(json!({ "kind": "smtp", "host": "smtp.maple.example" })).unwrap();
    assert!(matches!(Mailer::from_config(&config), Err(ConfigError::Smtp(_))));
}

#[test]
fn worker_defaults() {
    let defaults = WorkerConfig::default();
    assert_eq!(
        (
            defaults.batch_size,
            defaults.poll_interval_ms,
            defaults.lease_secs,
            defaults.max_attempts,
            defaults.backoff_base_secs,
            defaults.backoff_max_secs,
            defaults.jitter_percent,
            defaults.send_timeout_secs
        ),
        (20, 2_000, 60, 8, 30, 3_600, 20, 30)
    );
    // A host that dies for good holds its claimed emails at most a minute.
    assert!(defaults.lease_secs <= 60 && defaults.send_timeout_secs < defaults.lease_secs);
}
