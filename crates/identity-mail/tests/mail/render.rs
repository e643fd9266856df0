//! Rendering: every template in both languages (insta snapshots, with fixed
//! ids, dates and secrets), HTML escaping of user-supplied values, language
//! fallback, time zones and links.

use chrono::{TimeZone as _, Utc};
use identity_domain::*;
use identity_mail::{Lang, Mailer, PublicBaseUrl, RenderError, Renderer};
use uuid::Uuid;

const TOKEN: &str = "Zm9yLXNuYXBzaG90cy1vbmx5LW5vdC1hLXJlYWwtdG9rZW4";
const ONE_TIME: &str = "plum-harbor-quietly-71";

fn renderer() -> Renderer {
    Renderer::new(PublicBaseUrl::parse("https://id.maple.example/").unwrap())
}

fn at(day: u32, hour: u32) -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, day, hour, 0, 0).unwrap()
}

fn email(message: Message, language: &str, time_zone: &str) -> OutboxEmail {
    OutboxEmail {
        id: EmailId::from_uuid(Uuid::from_u128(0x0194_0000_0000_7000_8000_0000_0000_0001)),
        practice: PracticeId::from_uuid(Uuid::from_u128(0x0194_0000_0000_7000_8000_0000_0000_0002)),
        practice_name: "Maple & Associates".to_owned(),
        to: EmailAddress::parse("pat@maple.example").unwrap(),
        recipient_name: "Pat O'Neil".to_owned(),
        language: Language::parse(language).unwrap(),
        time_zone: TimeZone::parse(time_zone).unwrap(),
        message,
        created_at: at(5, 9),
        status: DeliveryStatus::Pending,
        attempts: 0,
        next_attempt_at: at(5, 9),
        last_error: None,
        sent_at: None,
    }
}

fn every_message() -> Vec<Message> {
    vec![
        Message::Welcome {
            practice_slug: "maple-law".to_owned(),
            sign_in_email: "pat@maple.example".to_owned(),
            must_change_password: true,
            password_expires_at: Some(at(6, 9)),
        },
        Message::Invitation {
            practice_slug: "maple-law".into(),
            inviter_name: "Olivia Owner".to_owned(),
            token: MailSecret::new(TOKEN),
            expires_at: at(12, 9),
        },
        Message::Recovery { token: MailSecret::new(TOKEN), expires_at: at(5, 10) },
        Message::GeneratedPassword {
            practice_slug: "maple-law".to_owned(),
            password: MailSecret::new(ONE_TIME),
            expires_at: at(6, 9),
        },
        Message::EmailChanged {
            old_email: "pat@maple.example".to_owned(),
            new_email: "pat.oneil@maple.example".to_owned(),
            changed_at: at(5, 9),
        },
        Message::PartyInvitation {
            practice_slug: "maple-law".to_owned(),
            site_name: "Downtown Office".to_owned(),
            token: MailSecret::new(TOKEN),
            expires_at: at(12, 9),
        },
        Message::PartyRecovery {
            practice_slug: "maple-law".to_owned(),
            token: MailSecret::new(TOKEN),
            expires_at: at(5, 10),
        },
        Message::PartyPasswordChanged { practice_slug: "maple-law".to_owned(), changed_at: at(5, 10) },
        Message::SecondFactorChanged {
            change: FactorChange::Added { name: "Work phone".to_owned() },
            changed_at: at(5, 10),
        },
        Message::PartySecondFactorChanged {
            practice_slug: "maple-law".to_owned(),
            change: FactorChange::Added { name: "Work phone".to_owned() },
            changed_at: at(5, 10),
        },
    ]
}

/// The emails a party gets about the portal.
fn party_messages() -> Vec<Message> {
    every_message().into_iter().filter(|m| m.kind().starts_with("party_")).collect()
}

#[test]
fn a_party_recovery_link_leads_to_the_portal() {
    let message = Message::PartyRecovery {
        practice_slug: "maple-law".to_owned(),
        token: MailSecret::new(TOKEN),
        expires_at: at(5, 10),
    };
    let rendered = renderer().render(&email(message, "fr-CA", "America/Montreal")).unwrap();
    let link = format!("https://id.maple.example/portal/recover#token={TOKEN}");
    assert!(rendered.text.contains(&link), "{}", rendered.text);
    assert!(rendered.subject.contains("portail"), "{}", rendered.subject);
}

#[test]
fn every_template_in_both_languages() {
    for (language, time_zone, suffix) in
        [("en", "America/Toronto", "en"), ("fr-CA", "America/Montreal", "fr")]
    {
        for message in every_message() {
            let kind = message.kind();
            let rendered = renderer().render(&email(message, language, time_zone)).unwrap();
            insta::assert_snapshot!(
                format!("{kind}_{suffix}"),
                format!(
                    "Subject: {}\n\n======== text/plain ========\n{}\n======== text/html ========\n{}",
                    rendered.subject, rendered.text, rendered.html
                )
            );
        }
    }
}

#[test]
fn user_supplied_values_are_escaped_in_html() {
    let hostile = r#"<script>alert(1)</script> "quoted" & 'single'"#;
    let mut queued = email(
        Message::Invitation {
            practice_slug: "maple-law".into(),
            inviter_name: hostile.to_owned(),
            token: MailSecret::new(TOKEN),
            expires_at: at(12, 9),
        },
        "en",
        "UTC",
    );
    queued.practice_name = format!("<b>{hostile}</b>");
    queued.recipient_name = r#"<img src=x onerror="alert(2)">"#.to_owned();
    let rendered = renderer().render(&queued).unwrap();
    for raw in ["<script>", "<img", "<b>", r#""quoted""#, "onerror=\"", "& 'single'"] {
        assert!(!rendered.html.contains(raw), "raw {raw:?} in HTML:\n{}", rendered.html);
    }
    // askama writes numeric character references.
    assert!(rendered.html.contains("&#60;script&#62;alert(1)&#60;/script&#62;"), "{}", rendered.html);
    assert!(rendered.html.contains("&#60;img src=x onerror=&#34;alert(2)&#34;&#62;"), "{}", rendered.html);
    // The plain-text part is not HTML: it shows the values as typed.
    assert!(rendered.text.contains(hostile));

    let mut party = email(
        Message::PartyInvitation {
            practice_slug: "maple-law".to_owned(),
            site_name: hostile.to_owned(),
            token: MailSecret::new(TOKEN),
            expires_at: at(12, 9),
        },
        "fr",
        "UTC",
    );
    party.practice_name = "A < B".to_owned();
    let rendered = renderer().render(&party).unwrap();
    assert!(!rendered.html.contains("<script>"));
    assert!(rendered.html.contains("A &#60; B"));
}

#[test]
fn the_language_follows_the_primary_subtag_with_english_as_fallback() {
    let cases = [
        ("en", Lang::En),
        ("en-GB", Lang::En),
        ("fr", Lang::Fr),
        ("fr-CA", Lang::Fr),
        ("FR-be", Lang::Fr),
        ("de", Lang::En),
        ("zh-Hant-TW", Lang::En),
    ];
    for (tag, expected) in cases {
        let message = Message::Recovery { token: MailSecret::new(TOKEN), expires_at: at(5, 10) };
        let rendered = renderer().render(&email(message, tag, "UTC")).unwrap();
        assert_eq!(rendered.lang, expected, "{tag}");
        let french = rendered.subject.starts_with("Réinitialisation");
        assert_eq!(french, expected == Lang::Fr, "{tag}: {}", rendered.subject);
        assert!(rendered.html.contains(&format!("<html lang=\"{}\">", expected.tag())));
    }
}

#[test]
fn times_are_shown_in_the_recipients_time_zone() {
    let expires_at = at(12, 9);
    let message = || Message::Invitation {
        practice_slug: "maple-law".into(),
        inviter_name: String::new(),
        token: MailSecret::new(TOKEN),
        expires_at,
    };
    let tokyo = renderer().render(&email(message(), "en", "Asia/Tokyo")).unwrap();
    assert!(
        tokyo.text.contains("Monday, January 12, 2026 at 6:00 PM (time zone: Asia/Tokyo)"),
        "{}",
        tokyo.text
    );
    let vancouver = renderer().render(&email(message(), "fr", "America/Vancouver")).unwrap();
    assert!(
        vancouver.text.contains("lundi 12 janvier 2026 à 1 h 00 (fuseau horaire : America/Vancouver)"),
        "{}",
        vancouver.text
    );
    // No inviter name: a sentence that does not need one.
    assert!(tokyo.text.contains("You have been invited to join Maple & Associates."));
}

#[test]
fn links_come_from_the_public_base_url_with_the_token_in_the_fragment() {
    let expected = [
        ("welcome", "https://id.maple.example/sign-in".to_owned()),
        ("invitation", format!("https://id.maple.example/join#token={TOKEN}")),
        ("recovery", format!("https://id.maple.example/recover#token={TOKEN}")),
        ("generated_password", "https://id.maple.example/sign-in".to_owned()),
        ("party_invitation", format!("https://id.maple.example/portal/join#token={TOKEN}")),
        ("party_recovery", format!("https://id.maple.example/portal/recover#token={TOKEN}")),
        ("party_password_changed", "https://id.maple.example/portal/sign-in".to_owned()),
        ("party_second_factor_changed", "https://id.maple.example/portal/sign-in".to_owned()),
    ];
    for message in every_message() {
        let kind = message.kind();
        let rendered = renderer().render(&email(message, "en", "UTC")).unwrap();
        if let Some((_, link)) = expected.iter().find(|(k, _)| *k == kind) {
            assert!(rendered.text.contains(link.as_str()), "{kind}: {}", rendered.text);
            assert!(rendered.html.contains(&format!("href=\"{link}\"")), "{kind}");
        }
        // The token never travels in a query string or a path.
        assert!(!rendered.text.contains(&format!("?token={TOKEN}")));
        assert!(!rendered.text.contains(&format!("/{TOKEN}")));
    }
}

#[test]
fn the_generated_password_and_its_expiry_are_shown() {
    let message = Message::GeneratedPassword {
        practice_slug: "maple-law".to_owned(),
        password: MailSecret::new(ONE_TIME),
        expires_at: at(6, 9),
    };
    let rendered = renderer().render(&email(message, "en", "America/Toronto")).unwrap();
    for part in [&rendered.text, &rendered.html] {
        assert!(part.contains(ONE_TIME));
        assert!(part.contains("Tuesday, January 6, 2026 at 4:00 AM"));
    }
}

#[test]
fn a_delivered_email_whose_secret_is_blanked_is_not_rendered() {
    for message in every_message() {
        let kind = message.kind();
        let blanked = email(message.without_secrets(), "en", "UTC");
        match renderer().render(&blanked) {
            Err(RenderError::MissingSecret { kind: k }) => assert_eq!(k, kind),
            Ok(_) => {
                assert!(
                    matches!(
                        kind,
                        "welcome"
                            | "email_changed"
                            | "party_password_changed"
                            | "second_factor_changed"
                            | "party_second_factor_changed"
                    ),
                    "{kind} rendered without its secret"
                )
            }
            Err(other) => panic!("{kind}: {other}"),
        }
    }
}

#[tokio::test]
async fn the_envelope_has_both_parts_the_language_and_a_stable_message_id() {
    let config = crate::support::smtp_config(2525);
    let mailer = Mailer::from_config(&config).unwrap();
    let queued = email(every_message().remove(1), "fr-CA", "America/Montreal");
    let bytes = mailer.compose(&queued).unwrap().formatted();
    let parsed = mail_parser::MessageParser::default().parse(&bytes).unwrap();
    assert_eq!(parsed.subject(), Some("Invitation à rejoindre Maple & Associates"));
    assert_eq!(parsed.from().unwrap().first().unwrap().address(), Some("no-reply@maple.example"));
    assert_eq!(parsed.from().unwrap().first().unwrap().name(), Some("Maple Identity"));
    assert_eq!(parsed.to().unwrap().first().unwrap().address(), Some("pat@maple.example"));
    assert_eq!(parsed.to().unwrap().first().unwrap().name(), Some("Pat O'Neil"));
    assert_eq!(parsed.message_id(), Some(format!("{}@maple.example", queued.id).as_str()));
    assert_eq!(parsed.header_raw("Content-Language").map(str::trim), Some("fr"));
    assert_eq!(parsed.header_raw("Auto-Submitted").map(str::trim), Some("auto-generated"));
    assert_eq!((parsed.text_body_count(), parsed.html_body_count()), (1, 1));
    assert!(
        parsed.body_text(0).unwrap().contains("Olivia Owner vous invite à rejoindre Maple & Associates.")
    );
    assert!(
        parsed.body_html(0).unwrap().contains("Olivia Owner vous invite à rejoindre Maple &#38; Associates.")
    );
}

#[test]
fn party_emails_name_the_practice_and_the_portal_sign_in_address_in_both_languages() {
    for message in party_messages() {
        let kind = message.kind();
        for (language, zone) in [("en", "America/Toronto"), ("fr-CA", "America/Montreal")] {
            let rendered = renderer().render(&email(message.clone(), language, zone)).unwrap();
            for (part, body) in [("text", &rendered.text), ("html", &rendered.html)] {
                assert!(body.contains("https://id.maple.example/portal/sign-in"), "{kind} {language} {part}");
                assert!(body.contains("maple-law"), "{kind} {language} {part}: the practice code");
            }
            assert!(rendered.text.contains("Maple & Associates"), "{kind} {language}");
            assert!(rendered.subject.contains("Maple & Associates"), "{kind} {language}");
        }
    }
}

#[test]
fn the_portal_password_change_is_dated_in_the_partys_time_zone_and_language() {
    let message =
        || Message::PartyPasswordChanged { practice_slug: "maple-law".to_owned(), changed_at: at(5, 10) };
    let english = renderer().render(&email(message(), "en", "Asia/Tokyo")).unwrap();
    assert!(
        english.subject.starts_with("Your Maple & Associates portal password was changed"),
        "{}",
        english.subject
    );
    assert!(
        english.text.contains("Monday, January 5, 2026 at 7:00 PM (time zone: Asia/Tokyo)"),
        "{}",
        english.text
    );
    let french = renderer().render(&email(message(), "fr", "America/Vancouver")).unwrap();
    assert_eq!(french.lang, Lang::Fr);
    assert!(french.subject.contains("portail de Maple & Associates a été changé"), "{}", french.subject);
    assert!(
        french.text.contains("lundi 5 janvier 2026 à 2 h 00 (fuseau horaire : America/Vancouver)"),
        "{}",
        french.text
    );
}

#[test]
fn a_party_email_queued_before_the_practice_code_was_written_still_renders() {
    // Outbox rows written before the practice code was part of the message.
    let json = serde_json::json!({ "kind": "party_invitation", "site_name": "Downtown Office",
        "token": TOKEN, "expires_at": "2026-01-12T09:00:00Z" });
    let message: Message = serde_json::from_value(json).unwrap();
    let rendered = renderer().render(&email(message, "en", "UTC")).unwrap();
    assert!(
        rendered.text.contains("sign in to the portal at https://id.maple.example/portal/sign-in."),
        "{}",
        rendered.text
    );
    assert!(!rendered.text.contains("practice code"), "{}", rendered.text);
}

#[test]
fn the_invitation_gives_the_practice_code_to_sign_in_with_afterwards_in_both_languages() {
    let message = || Message::Invitation {
        practice_slug: "maple-law".into(),
        inviter_name: "Olivia Owner".into(),
        token: MailSecret::new(TOKEN),
        expires_at: at(12, 9),
    };
    let english = renderer().render(&email(message(), "en", "UTC")).unwrap();
    for body in [&english.text, &english.html] {
        assert!(body.contains("Practice code (to sign in afterwards)"), "{body}");
        assert!(body.contains("maple-law"), "{body}");
    }
    let french = renderer().render(&email(message(), "fr-CA", "America/Montreal")).unwrap();
    assert!(french.text.contains("Code du cabinet (pour vous connecter ensuite)"), "{}", french.text);
    assert!(french.text.contains("maple-law"), "{}", french.text);
    // An invitation queued before the practice code was part of it.
    let json = serde_json::json!({ "kind": "invitation", "inviter_name": "Olivia Owner",
        "token": TOKEN, "expires_at": "2026-01-12T09:00:00Z" });
    let old: Message = serde_json::from_value(json).unwrap();
    let rendered = renderer().render(&email(old, "en", "UTC")).unwrap();
    assert!(!rendered.text.contains("Practice code"), "{}", rendered.text);
}

/// The three emails about second factors — one added, one removed, all
/// reset by an administrator — to a user and to a party, in both
/// languages: what changed, its name, when (in the reader's zone), a
/// sign-in link (the portal's for a party), and what to do if it was not
/// them.
#[test]
fn second_factor_changes_are_told_in_both_languages() {
    let changes = [
        FactorChange::Added { name: "Work phone".to_owned() },
        FactorChange::Removed { name: "Work phone".to_owned() },
        FactorChange::Reset,
    ];
    for change in changes {
        let staff = Message::SecondFactorChanged { change: change.clone(), changed_at: at(5, 14) };
        let party = Message::PartySecondFactorChanged {
            practice_slug: "maple-law".to_owned(),
            change: change.clone(),
            changed_at: at(5, 14),
        };
        for message in [staff, party] {
            let portal = message.kind().starts_with("party_");
            let english = renderer().render(&email(message.clone(), "en", "America/Toronto")).unwrap();
            let french = renderer().render(&email(message, "fr-CA", "America/Montreal")).unwrap();
            if portal {
                assert!(
                    english.subject.contains("portal") && french.subject.contains("portail"),
                    "{}",
                    english.subject
                );
                assert!(english.text.contains("https://id.maple.example/portal/sign-in"), "{}", english.text);
            }
            let (en_subject, fr_subject) = match &change {
                FactorChange::Added { .. } => ("added", "ajouté"),
                FactorChange::Removed { .. } => ("removed", "retiré"),
                FactorChange::Reset => ("reset", "réinitialisés"),
            };
            assert!(
                english.subject.contains(en_subject) && english.subject.contains("Maple"),
                "{}",
                english.subject
            );
            assert!(
                french.subject.contains(fr_subject) && french.subject.contains("Maple"),
                "{}",
                french.subject
            );
            for (rendered, not_you) in
                [(&english, "If you did not"), (&french, "Si vous n’êtes pas à l’origine")]
            {
                assert!(
                    rendered.text.contains("https://id.maple.example/"),
                    "a sign-in link: {}",
                    rendered.text
                );
                assert!(rendered.text.contains(not_you), "{}", rendered.text);
                if !matches!(change, FactorChange::Reset) {
                    assert!(rendered.text.contains("Work phone"), "names the factor: {}", rendered.text);
                }
            }
            // 14:00 UTC is 9:00 in Toronto and Montréal (winter).
            assert!(english.text.contains("9:00"), "{}", english.text);
            assert!(french.text.contains("9 h") || french.text.contains("09 h"), "{}", french.text);
            assert!(!english.html.contains("<script"), "escaped");
        }
    }
}
