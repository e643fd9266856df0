//! PRODUCT.md "Users": creation, invitations, unique emails for ever, email
//! changes, admin-only notes, optimistic concurrency, the users list.

use crate::support::*;
use identity_domain::*;

#[tokio::test]
async fn creating_with_a_generated_password_queues_a_welcome_and_must_change_at_first_sign_in() {
    let w = World::new().await;
    let (user, password) = w.add_user("pat@maple.example", "Paralegal").await;
    assert_eq!(user.status, UserStatus::Active);
    assert!(password.expose().chars().count() >= 15);
    let welcome = w.outbox().await.into_iter().find(|e| e.to == user.email).unwrap();
    assert!(matches!(welcome.message, Message::Welcome { must_change_password: true, .. }));
    let signed = w.sign_in("pat@maple.example", password.expose()).await.unwrap();
    assert!(signed.password_change_only());
}

#[tokio::test]
async fn an_admin_defined_password_is_checked_against_the_policy() {
    let w = World::new().await;
    let role = w.role("Paralegal").await;
    for (typed, reason) in [
        ("short", PasswordRejection::TooShort { min: 15 }),
        ("qwertyuiop123456", PasswordRejection::Common),
        ("momsanaladventure", PasswordRejection::Common),
        ("hd764nw5d7e1vb1", PasswordRejection::Common),
        ("tangerinetangerine", PasswordRejection::Repeated),
        ("asdfghjklzxcvbn", PasswordRejection::KeyboardRow),
        ("azertyuiopqsdfghj", PasswordRejection::KeyboardRow),
        ("123456789012345", PasswordRejection::Sequence),
        ("onmlkjihgfedcba", PasswordRejection::Sequence),
        ("maple-law practice is great", PasswordRejection::ContainsPracticeName),
        ("sam.rivera is my handle", PasswordRejection::ContainsEmail),
    ] {
        let new = w.new_user(
            "sam.rivera@maple.example",
            "Sam Rivera",
            role,
            InitialCredential::SetPassword(secret(typed)),
        );
        let refused = w.service.create_user(&w.admin, new).await.unwrap_err();
        assert_eq!(refused, CreateUserError::Password(reason), "{typed}");
    }
    let new = w.new_user(
        "sam.rivera@maple.example",
        "Sam Rivera",
        role,
        InitialCredential::SetPassword(secret(PASSWORD)),
    );
    let created = w.service.create_user(&w.admin, new).await.unwrap();
    assert!(created.generated_password.is_none());
    assert!(w.sign_in("sam.rivera@maple.example", PASSWORD).await.unwrap().password_change_only());
}

#[tokio::test]
async fn refused_creations_change_nothing() {
    let w = World::new().await;
    let before = (w.outbox().await.len(), w.audit().await.len());
    let role = w.role("Paralegal").await;
    let new =
        w.new_user("x@maple.example", "X Person", role, InitialCredential::SetPassword(secret("short")));
    assert!(w.service.create_user(&w.admin, new).await.is_err());
    assert_eq!((w.outbox().await.len(), w.audit().await.len()), before);
    let new = w.new_user("x@maple.example", "X Person", role, InitialCredential::Invite);
    assert!(w.service.create_user(&w.admin, new).await.is_ok(), "the address was not taken by the refusal");
}

#[tokio::test]
async fn an_invitation_makes_an_invited_user_with_a_single_use_join_link() {
    let w = World::new().await;
    let role = w.role("Paralegal").await;
    let new = w.new_user("inv@maple.example", "Ines Invited", role, InitialCredential::Invite);
    let created = w.service.create_user(&w.admin, new).await.unwrap();
    assert_eq!(created.user.status, UserStatus::Invited);
    assert!(created.generated_password.is_none());
    let token = Token::presented(&w.last_secret("inv@maple.example", "invitation").await);
    assert!(w.sign_in("inv@maple.example", PASSWORD).await.is_err(), "no password before accepting");

    w.service.accept_invitation(&token, secret(PASSWORD), None).await.unwrap();
    assert_eq!(w.user(created.user.id).await.status, UserStatus::Active);
    let signed = w.sign_in("inv@maple.example", PASSWORD).await.unwrap();
    assert!(!signed.password_change_only(), "a password the user chose is not one-time");
    assert_eq!(
        w.service.accept_invitation(&token, secret(PASSWORD), None).await,
        Err(LinkError::InvalidLink)
    );
}

#[tokio::test]
async fn resending_an_invitation_kills_the_old_link_and_revoking_makes_the_user_inactive() {
    let w = World::new().await;
    let role = w.role("Paralegal").await;
    let new = w.new_user("inv@maple.example", "Ines Invited", role, InitialCredential::Invite);
    let user = w.service.create_user(&w.admin, new).await.unwrap().user;
    let first = Token::presented(&w.last_secret("inv@maple.example", "invitation").await);
    w.service.resend_invitation(&w.admin, user.id).await.unwrap();
    let second = Token::presented(&w.last_secret("inv@maple.example", "invitation").await);
    assert_ne!(first.expose(), second.expose());
    assert_eq!(
        w.service.accept_invitation(&first, secret(PASSWORD), None).await,
        Err(LinkError::InvalidLink)
    );

    let revoked = w.service.revoke_invitation(&w.admin, user.id).await.unwrap();
    assert_eq!(revoked.status, UserStatus::Inactive);
    assert_eq!(
        w.service.accept_invitation(&second, secret(PASSWORD), None).await,
        Err(LinkError::InvalidLink)
    );
    assert!(matches!(
        w.service.resend_invitation(&w.admin, user.id).await,
        Err(InvitationError::NotInvited { status: UserStatus::Inactive })
    ));
}

#[tokio::test]
async fn emails_are_unique_case_insensitively_after_trimming_and_the_conflict_names_the_holder() {
    let w = World::new().await;
    let (pat, _) = w.add_user("pat@maple.example", "Paralegal").await;
    let role = w.role("Paralegal").await;
    let new = w.new_user("  PAT@Maple.Example ", "Another Pat", role, InitialCredential::Invite);
    assert_eq!(
        w.service.create_user(&w.admin, new).await.unwrap_err(),
        CreateUserError::EmailPreviouslyUsed { holder: pat.id, status: UserStatus::Active }
    );
}

#[tokio::test]
async fn an_email_once_held_by_a_deactivated_user_is_never_given_to_another() {
    let w = World::new().await;
    let (pat, _) = w.add_user("pat@maple.example", "Paralegal").await;
    w.service.deactivate_user(&w.admin, pat.id, None).await.unwrap();
    let role = w.role("Paralegal").await;
    let new = w.new_user("pat@maple.example", "New Pat", role, InitialCredential::Invite);
    assert_eq!(
        w.service.create_user(&w.admin, new).await.unwrap_err(),
        CreateUserError::EmailPreviouslyUsed { holder: pat.id, status: UserStatus::Inactive }
    );
}

#[tokio::test]
async fn an_email_changed_away_stays_reserved_in_the_history_and_the_old_address_gets_a_notice() {
    let w = World::new().await;
    let (pat, _) = w.add_user("pat@maple.example", "Paralegal").await;
    let change = ChangeEmail {
        email: EmailAddress::parse("patricia@maple.example").unwrap(),
        expected_version: Some(pat.version),
        current_password: None,
    };
    let changed = w.service.change_email(&w.admin, pat.id, change).await.unwrap();
    assert_eq!(changed.email.as_str(), "patricia@maple.example");
    assert_eq!(changed.id, pat.id, "references are by id: nothing is orphaned");

    let history = w.service.email_history(&w.admin, pat.id).await.unwrap();
    let addresses: Vec<&str> = history.iter().map(|(e, _)| e.as_str()).collect();
    assert_eq!(addresses, ["pat@maple.example", "patricia@maple.example"]);

    let notice = w.outbox().await.into_iter().rev().find(|e| e.message.kind() == "email_changed").unwrap();
    assert_eq!(notice.to.as_str(), "pat@maple.example", "the notice goes to the old address");

    let role = w.role("Paralegal").await;
    let new = w.new_user("pat@maple.example", "Other Pat", role, InitialCredential::Invite);
    assert!(matches!(
        w.service.create_user(&w.admin, new).await,
        Err(CreateUserError::EmailPreviouslyUsed { holder, .. }) if holder == pat.id
    ));
    assert!(w.sign_in("pat@maple.example", "whatever it was").await.is_err());
}

#[tokio::test]
async fn an_email_change_to_an_address_someone_held_is_refused_and_changes_nothing() {
    let w = World::new().await;
    let (pat, _) = w.add_user("pat@maple.example", "Paralegal").await;
    let (sam, _) = w.add_user("sam@maple.example", "Paralegal").await;
    let change = ChangeEmail {
        email: EmailAddress::parse("SAM@maple.example").unwrap(),
        expected_version: None,
        current_password: None,
    };
    assert_eq!(
        w.service.change_email(&w.admin, pat.id, change).await.unwrap_err(),
        ChangeEmailError::EmailPreviouslyUsed { holder: sam.id, status: UserStatus::Active }
    );
    assert_eq!(w.user(pat.id).await.email.as_str(), "pat@maple.example");
}

#[tokio::test]
async fn lookalike_addresses_are_different_addresses() {
    let w = World::new().await;
    w.add_user("maria@maple.example", "Paralegal").await;
    // The first letter is Cyrillic.
    let (lookalike, _) = w.add_user("мaria@maple.example", "Paralegal").await;
    assert_ne!(lookalike.email.normalized(), "maria@maple.example");
}

#[tokio::test]
async fn changing_ones_own_email_asks_for_the_current_password() {
    let w = World::new().await;
    let change = |password: Option<&str>| ChangeEmail {
        email: EmailAddress::parse("olivia@maple.example").unwrap(),
        expected_version: None,
        current_password: password.map(secret),
    };
    let me = w.admin.user();
    assert_eq!(
        w.service.change_email(&w.admin, me, change(None)).await,
        Err(ChangeEmailError::Target(TargetError::UseSelfService)),
        "without the current password it is the administrator's path, refused on oneself"
    );
    assert_eq!(
        w.service.change_email(&w.admin, me, change(Some("not my password"))).await,
        Err(ChangeEmailError::WrongPassword)
    );
    let changed = w.service.change_email(&w.admin, me, change(Some(PASSWORD))).await.unwrap();
    assert_eq!(changed.email.as_str(), "olivia@maple.example");
}

#[tokio::test]
async fn admin_only_notes_are_returned_only_to_callers_allowed_to_manage_users() {
    let w = World::new().await;
    let role = w.role("Paralegal").await;
    let mut new = w.new_user("noted@maple.example", "Noted Person", role, InitialCredential::Invite);
    new.notes = Some(Note::parse("Starts in March; badge pending").unwrap());
    let user = w.service.create_user(&w.admin, new).await.unwrap().user;
    assert!(w.user(user.id).await.notes.is_some());

    let (_, paralegal) = w.add_signed_in("para@maple.example", "Paralegal").await;
    assert!(paralegal.may(Permission::UsersRead));
    assert!(w.service.get_user(&paralegal, user.id).await.unwrap().notes.is_none());
    let page = w.service.list_users(&paralegal, &UserQuery::default()).await.unwrap();
    assert!(page.items.iter().all(|u| u.user.notes.is_none()));
}

#[tokio::test]
async fn writing_notes_needs_the_notes_permission() {
    let w = World::new().await;
    let role = w.role("Paralegal").await;
    let (_, paralegal) = w.add_signed_in("para@maple.example", "Paralegal").await;
    let mut new = w.new_user("x@maple.example", "X Person", role, InitialCredential::Invite);
    new.notes = Some(Note::parse("note").unwrap());
    assert!(matches!(w.service.create_user(&paralegal, new).await, Err(CreateUserError::Access(_))));
}

#[tokio::test]
async fn an_edit_from_a_stale_version_is_refused_and_nothing_is_overwritten() {
    let w = World::new().await;
    let (pat, _) = w.add_user("pat@maple.example", "Paralegal").await;
    let first =
        UserEdit { title: Some(Some(Label::parse("Senior paralegal").unwrap())), ..UserEdit::default() };
    let edited = w.service.update_user(&w.admin, pat.id, first, Some(pat.version)).await.unwrap();
    assert_eq!(edited.version, pat.version + 1);
    let late = UserEdit { title: Some(None), ..UserEdit::default() };
    assert_eq!(
        w.service.update_user(&w.admin, pat.id, late, Some(pat.version)).await,
        Err(UpdateUserError::VersionMismatch { current: edited.version })
    );
    assert_eq!(w.user(pat.id).await.title.unwrap().as_str(), "Senior paralegal");
}

#[tokio::test]
async fn users_edit_their_own_language_but_not_their_sites_without_permission() {
    let w = World::new().await;
    let (pat, me) = w.add_signed_in("pat@maple.example", "Paralegal").await;
    let mine = UserEdit { language: Some(Language::parse("fr-CA").unwrap()), ..UserEdit::default() };
    assert_eq!(w.service.update_user(&me, pat.id, mine, None).await.unwrap().language.as_str(), "fr-CA");
    let sites = UserEdit { sites: Some(Default::default()), ..UserEdit::default() };
    assert_eq!(
        w.service.update_user(&me, pat.id, sites, None).await,
        Err(UpdateUserError::Access(AccessError::Forbidden(Permission::UsersUpdate)))
    );
}

#[tokio::test]
async fn the_users_list_filters_searches_sorts_and_pages() {
    let w = World::new().await;
    for (email, role) in [
        ("zoe@maple.example", "Paralegal"),
        ("ana@maple.example", "Paralegal"),
        ("bo@maple.example", "Accountant"),
        ("céline@maple.example", "RCIC Consultant"),
    ] {
        w.add_user(email, role).await;
    }
    let paralegal = w.role("Paralegal").await;
    let query = UserQuery {
        filter: UserFilter { role: Some(paralegal), ..UserFilter::default() },
        sort: UserColumn::Email,
        direction: Direction::Desc,
        ..UserQuery::default()
    };
    let page = w.service.list_users(&w.admin, &query).await.unwrap();
    let emails: Vec<&str> = page.items.iter().map(|u| u.user.email.as_str()).collect();
    assert_eq!(emails, ["zoe@maple.example", "ana@maple.example"]);

    let search = UserQuery { filter: UserFilter::default().with_search("CÉLINE"), ..UserQuery::default() };
    let found = w.service.list_users(&w.admin, &search).await.unwrap();
    assert_eq!(found.items.len(), 1);

    let mut seen = Vec::new();
    let mut query = UserQuery { limit: 2, sort: UserColumn::Email, ..UserQuery::default() };
    loop {
        let page = w.service.list_users(&w.admin, &query).await.unwrap();
        seen.extend(page.items.iter().map(|u| u.user.email.as_str().to_owned()));
        match page.next {
            Some(cursor) => query.after = Some(UserCursor::decode(&cursor.encode()).unwrap()),
            None => break,
        }
    }
    let mut sorted = seen.clone();
    sorted.sort();
    assert_eq!(seen, sorted);
    assert_eq!(seen.len(), 5, "four users and the owner, each once");
}

#[tokio::test]
async fn changing_someones_email_needs_its_own_permission() {
    let w = World::new().await;
    let (pat, _) = w.add_user("pat@maple.example", "Paralegal").await;
    let (_, consultant) = w.add_signed_in("rcic@maple.example", "RCIC Consultant").await;
    let change = ChangeEmail {
        email: EmailAddress::parse("patricia@maple.example").unwrap(),
        expected_version: None,
        current_password: None,
    };
    assert_eq!(
        w.service.change_email(&consultant, pat.id, change).await.unwrap_err(),
        ChangeEmailError::Access(AccessError::Forbidden(Permission::UsersUpdateEmail))
    );
}

#[tokio::test]
async fn users_are_created_only_at_sites_of_the_practice() {
    let w = World::new().await;
    let role = w.role("Paralegal").await;
    let site = w
        .service
        .create_site(&w.admin, SiteDetails::named(Label::parse("Downtown office").unwrap()))
        .await
        .unwrap();
    let mut new = w.new_user("pat@maple.example", "Pat Person", role, InitialCredential::Invite);
    new.sites = [site.id, SiteId::from_uuid(uuid::Uuid::from_u128(1))].into();
    assert_eq!(w.service.create_user(&w.admin, new.clone()).await.unwrap_err(), CreateUserError::UnknownSite);
    new.sites = [site.id].into();
    assert_eq!(w.service.create_user(&w.admin, new).await.unwrap().user.sites.len(), 1);
}

/// PRODUCT.md "Users" (names and emails that cannot deceive): an invisible
/// format character anywhere in a name, a label (site, role, profile,
/// title) or an email is refused with the character it found.
mod invisible_characters {
    use identity_domain::*;
    use proptest::prelude::*;

    /// Format characters (Unicode Cf): zero-width space, non-joiner and
    /// joiner, directional marks, embeddings and overrides, word joiner,
    /// isolates, soft hyphen, byte-order mark, a tag character.
    const HIDDEN: &[char] = &[
        '\u{AD}',
        '\u{200B}',
        '\u{200C}',
        '\u{200D}',
        '\u{200E}',
        '\u{200F}',
        '\u{202A}',
        '\u{202B}',
        '\u{202C}',
        '\u{202D}',
        '\u{202E}',
        '\u{2060}',
        '\u{2066}',
        '\u{2067}',
        '\u{2068}',
        '\u{2069}',
        '\u{FEFF}',
        '\u{E0001}',
    ];

    fn inserted(text: &str, at: prop::sample::Index, hidden: char) -> String {
        let mut chars: Vec<char> = text.chars().collect();
        chars.insert(at.index(chars.len() + 1), hidden);
        chars.into_iter().collect()
    }

    proptest! {
        #[test]
        fn an_invisible_format_character_anywhere_is_refused(
            first in "[A-Z][a-z]{0,11}",
            last in "[A-Z][a-z]{0,11}",
            local in "[a-z][a-z.]{0,10}[a-z]",
            domain in "[a-z]{1,10}",
            at in any::<prop::sample::Index>(),
            hidden in prop::sample::select(HIDDEN),
        ) {
            let name = inserted(&format!("{first} {last}"), at, hidden);
            prop_assert_eq!(PersonName::parse(&name), Err(TextError::InvisibleCharacter(hidden)), "{:?}", name);
            prop_assert_eq!(Label::parse(&name), Err(TextError::InvisibleCharacter(hidden)), "{:?}", name);
            let email = inserted(&format!("{local}@{domain}.example"), at, hidden);
            prop_assert_eq!(
                EmailAddress::parse(&email),
                Err(EmailError::InvisibleCharacter(hidden)),
                "{:?}",
                email
            );
        }
    }
}
