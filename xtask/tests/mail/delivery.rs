//! Every message kind, caused by the real domain service, delivered by the
//! worker through a real SMTP server: right recipient, subject, language,
//! both MIME parts, and a link whose token works once.

use super::*;
use identity_domain::*;
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(20);

/// The one message to `to` whose subject starts with `subject`.
fn find<'a>(messages: &'a [Received], to: &str, subject: &str) -> &'a Received {
    let found: Vec<&Received> = messages
        .iter()
        .filter(|m| m.parsed().to().and_then(|a| a.first()).and_then(|a| a.address()) == Some(to))
        .filter(|m| m.parsed().subject().is_some_and(|s| s.starts_with(subject)))
        .collect();
    assert_eq!(found.len(), 1, "messages to {to} with subject {subject:?}");
    found[0]
}

/// Checks the envelope and the headers, and returns (text, html).
fn open(message: &Received, to: &str, language: &str) -> (String, String) {
    assert_eq!(message.from.trim_matches(|c| c == '<' || c == '>'), "no-reply@maple.example");
    let rcpt: Vec<&str> = message.to.iter().map(|t| t.trim_matches(|c| c == '<' || c == '>')).collect();
    assert_eq!(rcpt, [to], "SMTP envelope recipient");
    let parsed = message.parsed();
    assert_eq!(parsed.header_raw("Content-Language").map(str::trim), Some(language));
    assert_eq!((parsed.text_body_count(), parsed.html_body_count()), (1, 1), "a text and an HTML part");
    let text = parsed.body_text(0).unwrap().into_owned();
    let html = parsed.body_html(0).unwrap().into_owned();
    assert!(html.contains(&format!("<html lang=\"{language}\">")));
    (text, html)
}

/// The token of the link `{BASE_URL}{path}#token=…`, the same in both parts.
fn link_token(text: &str, html: &str, path: &str) -> Token {
    let prefix = format!("{BASE_URL}{path}#token=");
    let from_text = token_after(text, &prefix);
    assert_eq!(from_text.len(), 43, "32 random bytes in base64url");
    assert_eq!(token_after(html, &format!("href=\"{prefix}")), from_text);
    Token::presented(&from_text)
}

/// The line after `label` in the text part (where the one-time password is).
fn line_after(text: &str, label: &str) -> String {
    let mut lines = text.lines().skip_while(|l| !l.contains(label));
    lines.next();
    lines.find(|l| !l.trim().is_empty()).unwrap().trim().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_kind_arrives_over_smtp_and_its_link_works_once() {
    let server = SmtpServer::start();
    let Some(world) = world().await else { return }; // a welcome to the owner
    let running = Running::spawn(world.worker(&smtp_config(server.port)));

    // Ana: created with a generated password (welcome), then an admin
    // reset that emails a new one-time password.
    let ana = world
        .new_user(
            "ana@maple.example",
            "Ana Lima",
            "en",
            "America/Toronto",
            InitialCredential::GeneratePassword,
        )
        .await;
    world.service.reset_password(&world.admin, ana.user.id, ResetMode::GenerateAndEmail).await.unwrap();
    // Benoît: invited, in French.
    world
        .new_user(
            "benoit@maple.example",
            "Benoît Tremblay",
            "fr-CA",
            "America/Montreal",
            InitialCredential::Invite,
        )
        .await;
    // Chloé: a password set by the admin (welcome, in French), then "forgot password".
    let chloe = world
        .new_user(
            "chloe@maple.example",
            "Chloé Martin",
            "fr",
            "Europe/Paris",
            InitialCredential::SetPassword(secret("a temporary passphrase set by the admin")),
        )
        .await;
    world
        .service
        .forgot_password(ForgotPassword {
            practice: "maple-law".to_owned(),
            email: "  CHLOE@maple.example ".to_owned(),
            request_id: None,
        })
        .await
        .unwrap();
    // Dana: a party invited to the portal (no language: English).
    let site = world
        .service
        .create_site(&world.admin, SiteDetails::named(Label::parse("Downtown Office").unwrap()))
        .await
        .unwrap();
    let details = PartyDetails {
        kind: PartyKind::Client,
        name: PersonName::parse("Dana Client").unwrap(),
        email: Some(EmailAddress::parse("dana@client.example").unwrap()),
        phone: None,
        address: None,
        date_of_birth: None,
        gender: None,
        grade_or_position: None,
        language: None,
    };
    world.service.save_party(&world.admin, site.id, details, true).await.unwrap();

    let messages = server.wait_for(7, WAIT).await;

    // The owner's welcome.
    let welcome = find(&messages, "owner@maple.example", "Your Maple & Associates account is ready");
    let (text, html) = open(welcome, "owner@maple.example", "en");
    assert!(text.contains("Hello Olivia Owner,"));
    assert!(text.contains("Practice code: maple-law") && text.contains("Email: owner@maple.example"));
    assert!(
        text.contains(&format!("{BASE_URL}/sign-in"))
            && html.contains(&format!("href=\"{BASE_URL}/sign-in\""))
    );

    // Ana's welcome, then her generated password: it signs in once, must be
    // changed, and is dead afterwards.
    find(&messages, "ana@maple.example", "Your Maple & Associates account is ready");
    let generated = find(&messages, "ana@maple.example", "Your new Maple & Associates password");
    let (text, html) = open(generated, "ana@maple.example", "en");
    let one_time = line_after(&text, "Your new one-time password is:");
    assert!(html.contains(&one_time));
    assert!(
        text.contains("before Tuesday, January 6, 2026 at 4:00 AM (time zone: America/Toronto)"),
        "{text}"
    );
    let signed = world.sign_in("ana@maple.example", &one_time).await.unwrap();
    assert!(signed.password_change_only());
    let restricted = world.service.authenticate(&signed.token).await.unwrap();
    world.service.change_own_password(&restricted, secret(&one_time), secret(PASSWORD)).await.unwrap();
    assert!(world.sign_in("ana@maple.example", &one_time).await.is_err(), "a one-time password works once");
    assert!(world.sign_in("ana@maple.example", PASSWORD).await.is_ok());

    // Benoît's invitation, in French, in Montreal time: accepted once.
    let invitation = find(&messages, "benoit@maple.example", "Invitation à rejoindre Maple & Associates");
    let (text, html) = open(invitation, "benoit@maple.example", "fr");
    assert!(text.starts_with("Bonjour Benoît Tremblay,"));
    assert!(text.contains("Olivia Owner vous invite à rejoindre Maple & Associates."));
    assert!(
        text.contains("expire le lundi 12 janvier 2026 à 4 h 00 (fuseau horaire : America/Montreal)"),
        "{text}"
    );
    let token = link_token(&text, &html, "/join");
    world.service.accept_invitation(&token, secret(PASSWORD), None).await.unwrap();
    assert_eq!(
        world.service.accept_invitation(&token, secret(PASSWORD), None).await,
        Err(LinkError::InvalidLink)
    );
    assert!(world.sign_in("benoit@maple.example", PASSWORD).await.is_ok());

    // Chloé's welcome and recovery link, in French, in Paris time: used once.
    find(&messages, "chloe@maple.example", "Votre compte Maple & Associates est prêt");
    let recovery = find(&messages, "chloe@maple.example", "Réinitialisation de votre mot de passe");
    let (text, html) = open(recovery, "chloe@maple.example", "fr");
    assert!(
        text.contains("expire le lundi 5 janvier 2026 à 11 h 00 (fuseau horaire : Europe/Paris)"),
        "{text}"
    );
    let token = link_token(&text, &html, "/recover");
    world.service.recover_password(&token, secret("a brand new private passphrase"), None).await.unwrap();
    assert_eq!(
        world.service.recover_password(&token, secret("and then tried it again"), None).await,
        Err(LinkError::InvalidLink)
    );
    assert!(world.sign_in("chloe@maple.example", "a brand new private passphrase").await.is_ok());

    // Dana's portal invitation: a live link for the party (the domain has
    // no use case that redeems it yet, so the stored link is checked).
    let party = find(&messages, "dana@client.example", "Maple & Associates invites you to its portal");
    let (text, html) = open(party, "dana@client.example", "en");
    assert!(text.contains("Maple & Associates (Downtown Office) invites you"));
    let token = link_token(&text, &html, "/portal/join");
    let mut uow = world.adapters.store.begin(Access::Read).await.unwrap();
    let link =
        uow.links().find_by_hash(&token.hash()).await.unwrap().expect("the emailed token is a stored link");
    assert_eq!(link.purpose, LinkPurpose::PartyInvitation);
    assert!(matches!(link.subject, LinkSubject::Party(_)));
    assert!(link.is_live(world.adapters.clock.now()));
    drop(uow);

    // Chloé's email changes: the notice goes to the old address.
    world
        .service
        .change_email(
            &world.admin,
            chloe.user.id,
            ChangeEmail {
                email: EmailAddress::parse("chloe.martin@maple.example").unwrap(),
                expected_version: None,
                current_password: None,
            },
        )
        .await
        .unwrap();
    let messages = server.wait_for(8, WAIT).await;
    let notice = find(&messages, "chloe@maple.example", "L’adresse courriel de votre compte");
    let (text, html) = open(notice, "chloe@maple.example", "fr");
    assert!(text.contains("Ancienne adresse : chloe@maple.example"));
    assert!(text.contains("Nouvelle adresse : chloe.martin@maple.example"));
    assert!(html.contains("chloe.martin@maple.example"));

    let report = running.stop().await;
    assert_eq!((report.sent, report.retried, report.given_up), (8, 0, 0));
    assert_eq!(server.count(), 8, "nothing sent twice");

    // The outbox: all sent, and no secret kept after delivery.
    let outbox = world.outbox().await;
    assert_eq!(outbox.len(), 8);
    for email in &outbox {
        assert_eq!(email.status, DeliveryStatus::Sent, "{}", email.message.kind());
        assert!(email.sent_at.is_some());
        assert_eq!(email.message, email.message.without_secrets(), "{} keeps a secret", email.message.kind());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_permanent_refusal_is_given_up_at_once_and_other_emails_still_go() {
    let server = SmtpServer::start();
    server.reject("nobody@maple.example");
    let Some(world) = world().await else { return };
    world.new_user("nobody@maple.example", "No Body", "en", "UTC", InitialCredential::Invite).await;
    let running = Running::spawn(world.worker(&smtp_config(server.port)));
    eventually("both emails settled", WAIT, || async { world.pending().await == 0 }).await;
    let report = running.stop().await;
    assert_eq!((report.sent, report.retried, report.given_up), (1, 0, 1));
    let outbox = world.outbox().await;
    let refused = outbox.iter().find(|e| e.to.as_str() == "nobody@maple.example").unwrap();
    assert_eq!(refused.status, DeliveryStatus::Failed);
    assert_eq!(refused.attempts, 1);
    assert!(refused.last_error.as_deref().unwrap().contains("550"), "{:?}", refused.last_error);
    assert_eq!(refused.message, refused.message.without_secrets(), "a given-up email keeps no secret");
    assert_eq!(server.count(), 1);
}
