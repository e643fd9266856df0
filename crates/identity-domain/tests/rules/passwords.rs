//! PRODUCT.md "Passwords and sessions": storage, policy, admin resets,
//! forgot-password, links.

use crate::lifecycle::forgot;
use crate::support::*;
use chrono::Duration;
use identity_domain::*;
use identity_memory::MemoryAdapters;

#[tokio::test]
async fn passwords_are_stored_only_as_argon2id_hashes() {
    // The real hasher, as production uses it.
    let w = World::with(MemoryAdapters::new(), "maple-law", PracticeSettings::default()).await;
    let (pat, _) = w.add_signed_in("pat@maple.example", "Paralegal").await;
    let stored = w.adapters.store.committed_credential(pat.id).await.unwrap();
    let phc = stored.hash.unwrap();
    assert!(phc.as_phc().starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
    assert!(!phc.as_phc().contains(PASSWORD));
}

#[tokio::test]
async fn the_minimum_length_is_configurable_but_never_below_eight() {
    let w = World::new().await;
    let settings = |min| PracticeSettings { password_min_length: min, ..PracticeSettings::default() };
    assert_eq!(
        w.service.update_settings(&w.admin, settings(7).into()).await.unwrap_err(),
        UpdateSettingsError::Settings(SettingsError::MinLengthOutOfRange)
    );
    w.service.update_settings(&w.admin, settings(10).into()).await.unwrap();
    let role = w.role("Paralegal").await;
    let new = w.new_user(
        "pat@maple.example",
        "Pat Person",
        role,
        InitialCredential::SetPassword(secret("kumquat grove7!")),
    );
    w.service.create_user(&w.admin, new).await.unwrap();
}

#[tokio::test]
async fn passwords_over_128_characters_are_refused_with_a_clear_error() {
    let w = World::new().await;
    let long: String = "ab cd ef ".chars().cycle().take(129).collect();
    assert_eq!(w.sign_in("owner@maple-law.example", &long).await.unwrap_err(), SignInError::PasswordTooLong);
    let role = w.role("Paralegal").await;
    let new =
        w.new_user("pat@maple.example", "Pat Person", role, InitialCredential::SetPassword(secret(&long)));
    assert_eq!(
        w.service.create_user(&w.admin, new).await.unwrap_err(),
        CreateUserError::Password(PasswordRejection::TooLong)
    );
}

#[tokio::test]
async fn passwords_are_verified_exactly_as_typed() {
    let w = World::new().await;
    w.add_signed_in("pat@maple.example", "Paralegal").await;
    assert!(w.sign_in("pat@maple.example", PASSWORD).await.is_ok());
    for near in [&PASSWORD.to_uppercase(), &PASSWORD[..PASSWORD.len() - 1], &format!("{PASSWORD} ")] {
        assert_eq!(w.sign_in("pat@maple.example", near).await.unwrap_err(), SignInError::Failed, "{near}");
    }
}

#[tokio::test]
async fn a_generated_reset_password_is_emailed_one_time_and_cannot_be_kept() {
    let w = World::new().await;
    let (pat, _) = w.add_signed_in("pat@maple.example", "Paralegal").await;
    w.service.reset_password(&w.admin, pat.id, ResetMode::GenerateAndEmail).await.unwrap();
    let generated = w.last_secret("pat@maple.example", "generated_password").await;
    assert_eq!(w.sign_in("pat@maple.example", PASSWORD).await.unwrap_err(), SignInError::Failed);
    let signed = w.sign_in("pat@maple.example", &generated).await.unwrap();
    assert!(signed.password_change_only());
    let caller = w.service.authenticate(&signed.token).await.unwrap();
    assert_eq!(
        w.service.change_own_password(&caller, secret(&generated), secret(&generated)).await,
        Err(ChangePasswordError::Password(PasswordRejection::SameAsCurrent))
    );
    w.service
        .change_own_password(&caller, secret(&generated), secret("my own new passphrase"))
        .await
        .unwrap();
    assert!(!w.service.authenticate(&signed.token).await.unwrap().password_change_only());
}

#[tokio::test]
async fn a_one_time_password_stops_working_after_24_hours_unused() {
    let w = World::new().await;
    let (pat, password) = w.add_user("pat@maple.example", "Paralegal").await;
    w.adapters.clock.advance(Duration::hours(24));
    assert_eq!(w.sign_in("pat@maple.example", password.expose()).await.unwrap_err(), SignInError::Failed);
    w.service
        .reset_password(&w.admin, pat.id, ResetMode::SetTemporary(secret("temporary passphrase 1")))
        .await
        .unwrap();
    w.adapters.clock.advance(Duration::hours(23));
    assert!(w.sign_in("pat@maple.example", "temporary passphrase 1").await.unwrap().password_change_only());
}

#[tokio::test]
async fn a_temporary_password_set_by_an_admin_must_be_changed_at_next_sign_in() {
    let w = World::new().await;
    let (pat, _) = w.add_signed_in("pat@maple.example", "Paralegal").await;
    let reset = ResetMode::SetTemporary(secret("temporary passphrase 1"));
    w.service.reset_password(&w.admin, pat.id, reset).await.unwrap();
    let signed = w.sign_in("pat@maple.example", "temporary passphrase 1").await.unwrap();
    assert!(signed.password_change_only());
    let caller = w.service.authenticate(&signed.token).await.unwrap();
    assert_eq!(
        w.service.list_users(&caller, &UserQuery::default()).await.unwrap_err(),
        ListUsersError::Access(AccessError::PasswordChangeRequired)
    );
}

#[tokio::test]
async fn every_admin_reset_ends_the_users_sessions_and_voids_earlier_links() {
    let w = World::new().await;
    let (pat, _) = w.add_signed_in("pat@maple.example", "Paralegal").await;
    for mode in [
        ResetMode::EmailRecoveryLink,
        ResetMode::GenerateAndEmail,
        ResetMode::SetTemporary(secret("temporary passphrase 1")),
    ] {
        w.service.forgot_password(forgot("pat@maple.example")).await.unwrap();
        let earlier = Token::presented(&w.last_secret("pat@maple.example", "recovery").await);
        let session = w.sign_in("pat@maple.example", PASSWORD).await;
        w.service.reset_password(&w.admin, pat.id, mode).await.unwrap();
        if let Ok(session) = session {
            assert_eq!(w.service.authenticate(&session.token).await, Err(SessionError::Invalid));
        }
        assert_eq!(
            w.service.recover_password(&earlier, secret(PASSWORD), None).await,
            Err(LinkError::InvalidLink)
        );
        // Back to the known password for the next round.
        let token = {
            w.service.reset_password(&w.admin, pat.id, ResetMode::EmailRecoveryLink).await.unwrap();
            Token::presented(&w.last_secret("pat@maple.example", "recovery").await)
        };
        w.service.recover_password(&token, secret(PASSWORD), None).await.unwrap();
    }
}

#[tokio::test]
async fn a_recovery_link_works_once_and_expires_after_an_hour() {
    let w = World::new().await;
    let (pat, _) = w.add_signed_in("pat@maple.example", "Paralegal").await;
    w.service.reset_password(&w.admin, pat.id, ResetMode::EmailRecoveryLink).await.unwrap();
    let token = Token::presented(&w.last_secret("pat@maple.example", "recovery").await);
    assert!(w.service.inspect_link(&token).await.unwrap().is_some());
    w.service.recover_password(&token, secret("a fresh passphrase"), None).await.unwrap();
    assert_eq!(
        w.service.recover_password(&token, secret("another passphrase"), None).await,
        Err(LinkError::InvalidLink)
    );
    w.sign_in("pat@maple.example", "a fresh passphrase").await.unwrap();

    w.service.forgot_password(forgot("pat@maple.example")).await.unwrap();
    let late = Token::presented(&w.last_secret("pat@maple.example", "recovery").await);
    w.adapters.clock.advance(Duration::hours(1));
    assert_eq!(
        w.service.recover_password(&late, secret("another passphrase"), None).await,
        Err(LinkError::InvalidLink)
    );
    assert!(w.service.inspect_link(&late).await.unwrap().is_none());
}

#[tokio::test]
async fn an_invitation_expires_after_seven_days() {
    let w = World::new().await;
    let role = w.role("Paralegal").await;
    let new = w.new_user("inv@maple.example", "Ines Invited", role, InitialCredential::Invite);
    w.service.create_user(&w.admin, new).await.unwrap();
    let token = Token::presented(&w.last_secret("inv@maple.example", "invitation").await);
    w.adapters.clock.advance(Duration::days(7));
    assert_eq!(
        w.service.accept_invitation(&token, secret(PASSWORD), None).await,
        Err(LinkError::InvalidLink)
    );
}

#[tokio::test]
async fn a_link_is_bound_to_its_purpose() {
    let w = World::new().await;
    let role = w.role("Paralegal").await;
    let new = w.new_user("inv@maple.example", "Ines Invited", role, InitialCredential::Invite);
    w.service.create_user(&w.admin, new).await.unwrap();
    let invitation = Token::presented(&w.last_secret("inv@maple.example", "invitation").await);
    assert_eq!(
        w.service.recover_password(&invitation, secret(PASSWORD), None).await,
        Err(LinkError::InvalidLink)
    );
    w.service.accept_invitation(&invitation, secret(PASSWORD), None).await.unwrap();
}

#[tokio::test]
async fn a_refused_new_password_does_not_burn_the_link() {
    let w = World::new().await;
    let role = w.role("Paralegal").await;
    let new = w.new_user("inv@maple.example", "Ines Invited", role, InitialCredential::Invite);
    w.service.create_user(&w.admin, new).await.unwrap();
    let token = Token::presented(&w.last_secret("inv@maple.example", "invitation").await);
    assert_eq!(
        w.service.accept_invitation(&token, secret("password"), None).await,
        Err(LinkError::Password(PasswordRejection::TooShort { min: 15 }))
    );
    w.service.accept_invitation(&token, secret(PASSWORD), None).await.unwrap();
}

#[tokio::test]
async fn a_link_is_single_use_even_under_concurrent_submissions() {
    let w = World::new().await;
    let role = w.role("Paralegal").await;
    let new = w.new_user("inv@maple.example", "Ines Invited", role, InitialCredential::Invite);
    w.service.create_user(&w.admin, new).await.unwrap();
    let token = Token::presented(&w.last_secret("inv@maple.example", "invitation").await);
    let attempts = (0..8).map(|i| {
        let service = w.service.clone();
        let token = token.clone();
        tokio::spawn(async move {
            service.accept_invitation(&token, secret(&format!("{PASSWORD} {i}")), None).await
        })
    });
    let mut accepted = 0;
    for attempt in attempts {
        match attempt.await.unwrap() {
            Ok(()) => accepted += 1,
            Err(e) => assert_eq!(e, LinkError::InvalidLink),
        }
    }
    assert_eq!(accepted, 1);
}

#[tokio::test]
async fn forgot_password_answers_the_same_whether_or_not_the_email_exists() {
    let w = World::new().await;
    w.add_signed_in("pat@maple.example", "Paralegal").await;
    let before = w.outbox().await.len();
    assert_eq!(w.service.forgot_password(forgot("nobody@maple.example")).await, Ok(()));
    assert_eq!(w.service.forgot_password(forgot("not an email")).await, Ok(()));
    assert_eq!(w.outbox().await.len(), before, "nothing sent for unknown addresses");
    assert_eq!(w.service.forgot_password(forgot(" PAT@maple.example")).await, Ok(()));
    let sent = w.outbox().await;
    let recovery = sent.last().unwrap();
    assert_eq!(recovery.message.kind(), "recovery");
    assert_eq!(recovery.to.as_str(), "pat@maple.example", "sent to the stored address, not the typed one");
}

#[tokio::test]
async fn a_new_recovery_link_voids_the_previous_one() {
    let w = World::new().await;
    w.add_signed_in("pat@maple.example", "Paralegal").await;
    w.service.forgot_password(forgot("pat@maple.example")).await.unwrap();
    let first = Token::presented(&w.last_secret("pat@maple.example", "recovery").await);
    w.service.forgot_password(forgot("pat@maple.example")).await.unwrap();
    let second = Token::presented(&w.last_secret("pat@maple.example", "recovery").await);
    assert_eq!(
        w.service.recover_password(&first, secret("a fresh passphrase"), None).await,
        Err(LinkError::InvalidLink)
    );
    w.service.recover_password(&second, secret("a fresh passphrase"), None).await.unwrap();
}

#[tokio::test]
async fn forgot_password_never_locks_anyone() {
    let w = World::new().await;
    w.add_signed_in("pat@maple.example", "Paralegal").await;
    for _ in 0..150 {
        w.service.forgot_password(forgot("pat@maple.example")).await.unwrap();
    }
    w.sign_in("pat@maple.example", PASSWORD).await.unwrap();
}

#[tokio::test]
async fn recovering_a_password_ends_every_session() {
    let w = World::new().await;
    w.add_signed_in("pat@maple.example", "Paralegal").await;
    let session = w.sign_in("pat@maple.example", PASSWORD).await.unwrap();
    w.service.forgot_password(forgot("pat@maple.example")).await.unwrap();
    let token = Token::presented(&w.last_secret("pat@maple.example", "recovery").await);
    w.service.recover_password(&token, secret("a fresh passphrase"), None).await.unwrap();
    assert_eq!(w.service.authenticate(&session.token).await, Err(SessionError::Invalid));
}

#[tokio::test]
async fn common_and_guessable_passwords_are_refused_with_their_reason_on_every_path() {
    let w = World::new().await;
    let (pat, _) = w.add_signed_in("pat@maple.example", "Paralegal").await;
    let pat_caller = {
        let signed = w.sign_in("pat@maple.example", PASSWORD).await.unwrap();
        w.service.authenticate(&signed.token).await.unwrap()
    };
    let role = w.role("Paralegal").await;
    let invited = w.new_user("inv@maple.example", "Ines Invited", role, InitialCredential::Invite);
    w.service.create_user(&w.admin, invited).await.unwrap();
    let invitation = Token::presented(&w.last_secret("inv@maple.example", "invitation").await);
    w.service.forgot_password(forgot("pat@maple.example")).await.unwrap();
    let recovery = Token::presented(&w.last_secret("pat@maple.example", "recovery").await);
    let before = (w.outbox().await.len(), w.audit().await.len());

    for (typed, reason) in [
        ("1qaz2wsx3edc4rfv", PasswordRejection::Common),
        ("Password123456789!", PasswordRejection::Common),
        ("correct horse correct horse", PasswordRejection::Repeated),
        ("wxcvbnqsdfghjklm", PasswordRejection::KeyboardRow),
        ("zyxwvutsrqponmlk 2026!", PasswordRejection::Sequence),
    ] {
        let new = w.new_user(
            "sam@maple.example",
            "Sam Rivera",
            role,
            InitialCredential::SetPassword(secret(typed)),
        );
        assert_eq!(
            w.service.create_user(&w.admin, new).await.unwrap_err(),
            CreateUserError::Password(reason.clone()),
            "{typed}"
        );
        assert_eq!(
            w.service.reset_password(&w.admin, pat.id, ResetMode::SetTemporary(secret(typed))).await,
            Err(ResetPasswordError::Password(reason.clone())),
            "{typed}"
        );
        assert_eq!(
            w.service.change_own_password(&pat_caller, secret(PASSWORD), secret(typed)).await,
            Err(ChangePasswordError::Password(reason.clone())),
            "{typed}"
        );
        assert_eq!(
            w.service.accept_invitation(&invitation, secret(typed), None).await,
            Err(LinkError::Password(reason.clone())),
            "{typed}"
        );
        assert_eq!(
            w.service.recover_password(&recovery, secret(typed), None).await,
            Err(LinkError::Password(reason)),
            "{typed}"
        );
    }
    assert_eq!((w.outbox().await.len(), w.audit().await.len()), before, "no refusal changed anything");
    w.service.accept_invitation(&invitation, secret(PASSWORD), None).await.unwrap();
    w.service.recover_password(&recovery, secret("a fresh passphrase"), None).await.unwrap();
}
