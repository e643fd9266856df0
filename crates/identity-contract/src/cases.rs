//! The contract cases. Each takes a fresh store and panics when the adapter
//! breaks the contract.

use crate::fixture::{Fixture, PASSWORD};
use chrono::Duration;
use identity_domain::*;
use secrecy::SecretString;
use std::collections::BTreeSet;
use std::sync::Arc;

fn secret(s: &str) -> SecretString {
    SecretString::from(s.to_owned())
}

/// Two concurrent creates of one address (in different case) leave exactly
/// one user and one conflict naming that user.
pub async fn concurrent_creates_of_one_email_leave_one_user_and_one_conflict(store: Arc<dyn Store>) {
    let f = Arc::new(Fixture::new(store, "contract").await);
    let role = f.role("Paralegal").await;
    let attempts = ["pat@contract.example", "PAT@Contract.Example"].map(|email| {
        let f = f.clone();
        let new = f.new_user(email, "Pat Person", role, InitialCredential::Invite);
        tokio::spawn(async move { f.service.create_user(&f.admin, new).await })
    });
    let mut created = Vec::new();
    let mut refused = Vec::new();
    for attempt in attempts {
        match attempt.await.unwrap() {
            Ok(c) => created.push(c.user),
            Err(e) => refused.push(e),
        }
    }
    assert_eq!(created.len(), 1, "exactly one create wins: {refused:?}");
    assert_eq!(
        refused,
        [CreateUserError::EmailPreviouslyUsed { holder: created[0].id, status: UserStatus::Invited }]
    );
    let pats =
        f.all_users().await.into_iter().filter(|u| u.email.normalized() == "pat@contract.example").count();
    assert_eq!(pats, 1);
}

/// Of two concurrent edits from one version, one wins and the other gets a
/// conflict; nothing is silently overwritten.
pub async fn concurrent_edits_of_one_user_let_one_win(store: Arc<dyn Store>) {
    let f = Arc::new(Fixture::new(store, "contract").await);
    let user = f.invite("pat@contract.example", "Pat Person", "Paralegal").await;
    let edits = ["First title", "Second title"].map(|title| {
        let f = f.clone();
        let edit = UserEdit { title: Some(Some(Label::parse(title).unwrap())), ..UserEdit::default() };
        let version = user.version;
        tokio::spawn(async move { f.service.update_user(&f.admin, user.id, edit, Some(version)).await })
    });
    let mut winners = Vec::new();
    for edit in edits {
        match edit.await.unwrap() {
            Ok(u) => winners.push(u),
            Err(
                UpdateUserError::VersionMismatch { .. }
                | UpdateUserError::Store(StoreError::Conflict(Conflict::Stale)),
            ) => {}
            Err(other) => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(winners.len(), 1);
    let stored = f.service.get_user(&f.admin, user.id).await.unwrap();
    assert_eq!(stored.title, winners[0].title);
    assert_eq!(stored.version, user.version + 1);
}

/// Reassign-and-deactivate made to fail at commit leaves every case with its
/// owner and the user active.
pub async fn reassign_and_deactivate_is_all_or_nothing(store: Arc<dyn Store>) {
    let f = Fixture::new(store, "contract").await;
    let (leaver, _) = f.active("leaver@contract.example", "RCIC Consultant").await;
    let (heir, _) = f.active("heir@contract.example", "RCIC Consultant").await;
    let cases = [f.open_case("A", leaver.id).await, f.open_case("B", leaver.id).await];
    let audit_before = f.audit().await.len();
    f.faults.fail_next_commits(1);
    assert!(matches!(
        f.service.deactivate_user(&f.admin, leaver.id, Some(heir.id)).await,
        Err(DeactivateError::Store(_))
    ));
    assert_eq!(f.service.get_user(&f.admin, leaver.id).await.unwrap().status, UserStatus::Active);
    for case in &cases {
        assert_eq!(f.service.get_case(&f.admin, case.id).await.unwrap().owner, leaver.id);
    }
    assert_eq!(f.audit().await.len(), audit_before);
    f.sign_in("leaver@contract.example", PASSWORD).await.unwrap();

    f.service.deactivate_user(&f.admin, leaver.id, Some(heir.id)).await.unwrap();
    for case in &cases {
        assert_eq!(f.service.get_case(&f.admin, case.id).await.unwrap().owner, heir.id);
    }
}

/// A bulk reassign made to fail at commit moves no case.
pub async fn bulk_reassign_is_all_or_nothing(store: Arc<dyn Store>) {
    let f = Fixture::new(store, "contract").await;
    let (from, _) = f.active("from@contract.example", "RCIC Consultant").await;
    let (to, _) = f.active("to@contract.example", "Paralegal").await;
    for title in ["A", "B", "C"] {
        f.open_case(title, from.id).await;
    }
    f.faults.fail_next_commits(1);
    assert!(f.service.reassign_cases(&f.admin, from.id, to.id, CaseSelection::AllOpen).await.is_err());
    assert_eq!(f.service.list_cases(&f.admin, from.id, Some(CaseStatus::Open)).await.unwrap().len(), 3);
    assert!(f.service.list_cases(&f.admin, to.id, None).await.unwrap().is_empty());
    let moved = f.service.reassign_cases(&f.admin, from.id, to.id, CaseSelection::AllOpen).await.unwrap();
    assert_eq!(moved.len(), 3);
}

/// An email once held by a deactivated user, or changed away from, is
/// never given to another user; the history keeps every address in order.
pub async fn emails_of_deactivated_or_renamed_users_are_refused(store: Arc<dyn Store>) {
    let f = Fixture::new(store, "contract").await;
    let gone = f.invite("gone@contract.example", "Gone Person", "Paralegal").await;
    f.service.deactivate_user(&f.admin, gone.id, None).await.unwrap();
    let renamed = f.invite("old@contract.example", "Renamed Person", "Paralegal").await;
    let change = ChangeEmail {
        email: EmailAddress::parse("new@contract.example").unwrap(),
        expected_version: Some(renamed.version),
        current_password: None,
    };
    f.service.change_email(&f.admin, renamed.id, change).await.unwrap();
    let history = f.service.email_history(&f.admin, renamed.id).await.unwrap();
    let addresses: Vec<&str> = history.iter().map(|(e, _)| e.as_str()).collect();
    assert_eq!(addresses, ["old@contract.example", "new@contract.example"]);

    let role = f.role("Paralegal").await;
    for (email, holder, status) in [
        ("GONE@contract.example", gone.id, UserStatus::Inactive),
        ("old@contract.example", renamed.id, UserStatus::Invited),
    ] {
        let new = f.new_user(email, "Newcomer", role, InitialCredential::Invite);
        assert_eq!(
            f.service.create_user(&f.admin, new).await.unwrap_err(),
            CreateUserError::EmailPreviouslyUsed { holder, status }
        );
    }
}

/// The audit entry and the outbox email of a change exist exactly when the
/// change does.
pub async fn audit_and_outbox_exist_exactly_when_the_change_does(store: Arc<dyn Store>) {
    let f = Fixture::new(store, "contract").await;
    let role = f.role("Paralegal").await;
    let (audit, outbox) = (f.audit().await.len(), f.outbox().await.len());
    f.faults.fail_next_commits(1);
    let new = f.new_user("pat@contract.example", "Pat Person", role, InitialCredential::Invite);
    assert!(f.service.create_user(&f.admin, new.clone()).await.is_err());
    assert_eq!((f.audit().await.len(), f.outbox().await.len()), (audit, outbox));
    assert_eq!(f.all_users().await.len(), 1);

    let user = f.service.create_user(&f.admin, new).await.unwrap().user;
    let entries = f.audit().await;
    assert_eq!(entries.len(), audit + 1);
    assert_eq!(entries[0].action, AuditAction::UserInvited);
    assert_eq!(entries[0].target, Some(Target::User(user.id)));
    let emails = f.raw_outbox().await;
    assert_eq!(emails.len(), outbox + 1);
    assert_eq!(emails[0].to, user.email);
    assert_eq!(emails[0].status, DeliveryStatus::Pending);
}

/// Another practice's records answer exactly like records that do not exist.
pub async fn records_of_another_practice_are_invisible(store: Arc<dyn Store>) {
    let a = Fixture::new(store, "practice-a").await;
    let b = a.another("practice-b").await;
    let (theirs, _) = b.active("rcic@b.example", "RCIC Consultant").await;
    let their_case = b.open_case("Theirs", theirs.id).await;
    let their_site =
        b.service.create_site(&b.admin, SiteDetails::named(Label::parse("Main").unwrap())).await.unwrap();
    let their_role = b.role("Administrator").await;

    assert_eq!(a.service.get_user(&a.admin, theirs.id).await.unwrap_err(), ReadUsersError::UserNotFound);
    assert_eq!(a.service.get_case(&a.admin, their_case.id).await.unwrap_err(), ReadCaseError::CaseNotFound);
    assert_eq!(
        a.service.list_parties(&a.admin, their_site.id).await.unwrap_err(),
        ListPartiesError::SiteNotFound
    );
    let (mine, _) = a.active("mine@a.example", "Paralegal").await;
    assert_eq!(
        a.service.set_access(&a.admin, mine.id, their_role, BTreeSet::new(), None).await.unwrap_err(),
        SetAccessError::Grant(GrantError::UnknownRole)
    );
    assert!(a.all_users().await.iter().all(|u| u.practice == a.practice.id));
    assert!(a.audit().await.iter().all(|e| e.practice == a.practice.id));
    assert!(a.outbox().await.iter().all(|e| e.practice == a.practice.id));
    assert!(a.service.list_sites(&a.admin).await.unwrap().is_empty());
    // The same address may live in both practices; sign-in goes by practice.
    let (_, _) = a.active("rcic@b.example", "Paralegal").await;
    assert!(a.sign_in("rcic@b.example", PASSWORD).await.is_ok());
}

/// A link works once, even when submitted concurrently.
pub async fn a_link_is_used_once_under_concurrent_submissions(store: Arc<dyn Store>) {
    let f = Arc::new(Fixture::new(store, "contract").await);
    f.invite("inv@contract.example", "Ines Invited", "Paralegal").await;
    let token = f.invitation_token("inv@contract.example").await;
    let attempts: Vec<_> = (0..6)
        .map(|i| {
            let f = f.clone();
            let token = token.clone();
            tokio::spawn(async move {
                f.service.accept_invitation(&token, secret(&format!("{PASSWORD} {i}")), None).await
            })
        })
        .collect();
    let mut accepted = 0;
    for attempt in attempts {
        match attempt.await.unwrap() {
            Ok(()) => accepted += 1,
            Err(e) => assert_eq!(e, LinkError::InvalidLink),
        }
    }
    assert_eq!(accepted, 1);
}

/// Walking the users list page by page, for every column and direction and
/// with a search, gives every matching user exactly once, in the order the
/// domain defines ([`SortValue::of`], ties by id).
pub async fn users_list_pages_agree_with_the_reference_order(store: Arc<dyn Store>) {
    let f = Fixture::new(store, "contract").await;
    let names = [
        ("ana@contract.example", "Ana Silva", "Paralegal", "fr-CA"),
        ("bo@contract.example", "Bo Li", "Accountant", "en"),
        ("zoe@contract.example", "Zoë Adams", "Paralegal", "en"),
        ("anna@contract.example", "anna silva", "RCIC Consultant", "fr"),
        ("wang@contract.example", "王秀英", "Paralegal", "zh-Hant"),
        ("ola@contract.example", "Ola Nordmann", "Accountant", "nb"),
        ("same1@contract.example", "Same Name", "Paralegal", "en"),
        ("same2@contract.example", "Same Name", "Paralegal", "en"),
        ("under_score@contract.example", "Percent 100% Person", "Paralegal", "en"),
    ];
    for (i, (email, name, role, language)) in names.iter().enumerate() {
        let mut new = f.new_user(email, name, f.role(role).await, InitialCredential::Invite);
        new.language = Language::parse(language).unwrap();
        f.service.create_user(&f.admin, new).await.unwrap();
        f.clock.advance(Duration::seconds(i64::try_from(i % 3).unwrap_or(0)));
    }
    let roles = f.service.list_roles(&f.admin).await.unwrap();
    let role_name =
        |id: RoleId| roles.iter().find(|r| r.id == id).map(|r| r.name.to_string()).unwrap_or_default();
    let everyone = f.all_users().await;
    let paralegal = f.role("Paralegal").await;
    let filters = [
        UserFilter::default(),
        UserFilter::default().with_search("SILVA"),
        UserFilter::default().with_search("100%"),
        UserFilter::default().with_search("_"),
        UserFilter { role: Some(paralegal), statuses: vec![UserStatus::Invited], ..UserFilter::default() },
        UserFilter { language: Some(Language::parse("en").unwrap()), ..UserFilter::default() },
    ];
    for filter in filters {
        for &sort in UserColumn::ALL {
            for direction in [Direction::Asc, Direction::Desc] {
                let mut expected: Vec<(SortValue, UserId)> = everyone
                    .iter()
                    .filter(|u| filter.matches(u, false))
                    .map(|u| (SortValue::of(u, sort, &role_name(u.role)), u.id))
                    .collect();
                expected.sort();
                if direction == Direction::Desc {
                    expected.reverse();
                }
                let mut walked = Vec::new();
                let mut query = UserQuery { filter: filter.clone(), sort, direction, after: None, limit: 2 };
                loop {
                    let page = f.service.list_users(&f.admin, &query).await.unwrap();
                    walked.extend(page.items.iter().map(|u| u.user.id));
                    match page.next {
                        Some(cursor) => query.after = Some(cursor),
                        None => break,
                    }
                }
                let expected: Vec<UserId> = expected.into_iter().map(|(_, id)| id).collect();
                assert_eq!(walked, expected, "{filter:?} {sort:?} {direction:?}");
            }
        }
    }
}

/// Sessions, credentials and links survive their round trips: sign-in,
/// authentication, expiry, sign-out-all, recovery.
pub async fn sessions_credentials_and_links_round_trip(store: Arc<dyn Store>) {
    let f = Fixture::new(store, "contract").await;
    let (pat, caller) = f.active("pat@contract.example", "Paralegal").await;
    let session = f.sign_in("pat@contract.example", PASSWORD).await.unwrap();
    let again = f.service.authenticate(&session.token).await.unwrap();
    assert_eq!(again.user(), pat.id);
    assert_eq!(again.grants(), caller.grants());
    f.clock.advance(Duration::minutes(31));
    assert_eq!(f.service.authenticate(&session.token).await, Err(SessionError::Invalid), "idle expiry");

    for _ in 0..3 {
        f.sign_in("pat@contract.example", "wrong password").await.unwrap_err();
    }
    assert!(f.sign_in("pat@contract.example", PASSWORD).await.is_err(), "the failure count was stored");
    f.clock.advance(Duration::seconds(2));
    let fresh = f.sign_in("pat@contract.example", PASSWORD).await.unwrap();
    f.service.sign_out_everywhere(&f.admin, pat.id).await.unwrap();
    assert_eq!(f.service.authenticate(&fresh.token).await, Err(SessionError::Invalid));

    f.service.reset_password(&f.admin, pat.id, ResetMode::EmailRecoveryLink).await.unwrap();
    let outbox = f.raw_outbox().await;
    let Message::Recovery { token, .. } = &outbox[0].message else { panic!("expected a recovery email") };
    let token = Token::presented(token.expose());
    f.service.recover_password(&token, secret("a fresh passphrase"), None).await.unwrap();
    assert_eq!(
        f.service.recover_password(&token, secret("again a passphrase"), None).await,
        Err(LinkError::InvalidLink)
    );
    f.sign_in("pat@contract.example", "a fresh passphrase").await.unwrap();
}

/// The audit log lists newest first, filters, and pages by id.
pub async fn the_audit_log_pages_newest_first(store: Arc<dyn Store>) {
    let f = Fixture::new(store, "contract").await;
    let user = f.invite("pat@contract.example", "Pat Person", "Paralegal").await;
    for title in ["One", "Two", "Three", "Four", "Five"] {
        let edit = UserEdit { title: Some(Some(Label::parse(title).unwrap())), ..UserEdit::default() };
        f.service.update_user(&f.admin, user.id, edit, None).await.unwrap();
    }
    let mut query = AuditQuery {
        action: Some(AuditAction::UserUpdated),
        target: Some(Target::User(user.id)),
        actor: Some(Actor::User(f.admin.user())),
        limit: 2,
        ..AuditQuery::default()
    };
    let mut titles = Vec::new();
    loop {
        let page = f.service.read_audit(&f.admin, &query).await.unwrap();
        titles.extend(
            page.items.iter().map(|e| e.after.as_ref().unwrap()["title"].as_str().unwrap().to_owned()),
        );
        match page.next {
            Some(next) => query.before_id = Some(next),
            None => break,
        }
    }
    assert_eq!(titles, ["Five", "Four", "Three", "Two", "One"]);
}

/// Cases are found by a part of their title folded as names are (any
/// case, with or without accents, any script), by status, in title order,
/// at most the limit, and only in the caller's practice.
pub async fn cases_are_found_by_a_folded_part_of_their_title(store: Arc<dyn Store>) {
    let f = Fixture::new(store, "contract").await;
    let other = f.another("elsewhere").await;
    let owner = f.admin.user();
    for title in ["Bélanger — study permit", "BELANGER appeal", "Chen 陈 visa", "Olsen file", "Zed hearing"]
    {
        f.open_case(title, owner).await;
    }
    other.open_case("Bélanger elsewhere", other.admin.user()).await;
    let closed = f.open_case("Belanger closed", owner).await;
    f.service.close_case(&f.admin, closed.id).await.unwrap();
    let titles =
        |found: Vec<Case>| found.into_iter().map(|c| c.title.as_str().to_owned()).collect::<Vec<_>>();
    let term = |text: &str| SearchTerm::parse(text).unwrap().unwrap();

    let found = f.service.find_cases(&f.admin, Some(&term("belanger")), None, 10).await.unwrap();
    assert_eq!(titles(found), ["BELANGER appeal", "Belanger closed", "Bélanger — study permit"]);
    let open =
        f.service.find_cases(&f.admin, Some(&term("BÉLANGER")), Some(CaseStatus::Open), 10).await.unwrap();
    assert_eq!(titles(open), ["BELANGER appeal", "Bélanger — study permit"]);
    let han = f.service.find_cases(&f.admin, Some(&term("陈")), None, 10).await.unwrap();
    assert_eq!(titles(han), ["Chen 陈 visa"]);
    let wildcard = f.service.find_cases(&f.admin, Some(&term("%")), None, 10).await.unwrap();
    assert!(wildcard.is_empty(), "a LIKE wildcard is a plain character");
    let first_two = f.service.find_cases(&f.admin, None, None, 2).await.unwrap();
    assert_eq!(titles(first_two), ["BELANGER appeal", "Belanger closed"]);
    let everything = f.service.find_cases(&f.admin, None, None, 500).await.unwrap();
    assert_eq!(everything.len(), 6, "only this practice's");
}

/// Roles, profiles, sites and parties are stored and read back whole.
pub async fn roles_profiles_sites_and_parties_round_trip(store: Arc<dyn Store>) {
    let f = Fixture::new(store, "contract").await;
    let permissions = PermissionSet::from_iter([Permission::CasesRead, Permission::InvoicesRead]);
    let draft = GrantDraft { name: Label::parse("Intake").unwrap(), permissions };
    let role = f.service.create_role(&f.admin, draft.clone()).await.unwrap();
    let profile = f
        .service
        .create_profile(&f.admin, GrantDraft { name: Label::parse("Court").unwrap(), ..draft })
        .await
        .unwrap();
    assert!(f.service.list_roles(&f.admin).await.unwrap().contains(&role));
    assert!(f.service.list_profiles(&f.admin).await.unwrap().contains(&profile));

    let user = f.invite("pat@contract.example", "Pat Person", "Paralegal").await;
    let set = f.service.set_access(&f.admin, user.id, role.id, [profile.id].into(), None).await.unwrap();
    let read = f.service.get_user(&f.admin, user.id).await.unwrap();
    assert_eq!(read, set);

    let site = f
        .service
        .create_site(
            &f.admin,
            SiteDetails {
                name: Label::parse("North Campus").unwrap(),
                address: Some(Note::parse("1 Main St\nSpringfield").unwrap()),
                time_zone: Some(TimeZone::parse("America/Toronto").unwrap()),
            },
        )
        .await
        .unwrap();
    assert_eq!(f.service.list_sites(&f.admin).await.unwrap(), vec![site.clone()]);
    let details = PartyDetails {
        kind: PartyKind::Witness,
        name: PersonName::parse("Jordan Lee").unwrap(),
        email: Some(EmailAddress::parse("jordan@witness.example").unwrap()),
        phone: Some(Phone::parse("+1 555 010 2000").unwrap()),
        address: Some(Note::parse("2 Side St").unwrap()),
        date_of_birth: chrono::NaiveDate::from_ymd_opt(1990, 2, 28),
        gender: Some(Label::parse("woman").unwrap()),
        grade_or_position: Some(Label::parse("Teacher").unwrap()),
        language: Some(Language::parse("fr-CA").unwrap()),
    };
    let party = f.service.save_party(&f.admin, site.id, details, true).await.unwrap();
    assert_eq!(f.service.get_party(&f.admin, party.id).await.unwrap(), party);
    assert_eq!(f.service.list_parties(&f.admin, site.id).await.unwrap(), vec![party]);
}

/// Role, profile, site and practice names are unique where the domain says.
pub async fn names_are_unique_per_practice(store: Arc<dyn Store>) {
    let f = Fixture::new(store, "contract").await;
    let draft = GrantDraft { name: Label::parse("Paralegal").unwrap(), permissions: PermissionSet::EMPTY };
    assert_eq!(f.service.create_role(&f.admin, draft).await.unwrap_err(), CreateGrantError::NameTaken);
    let site = || Label::parse("Main office").unwrap();
    f.service.create_site(&f.admin, SiteDetails::named(site())).await.unwrap();
    assert_eq!(
        f.service.create_site(&f.admin, SiteDetails::named(site())).await.unwrap_err(),
        CreateSiteError::NameTaken
    );
    let again = f
        .service
        .create_practice(NewPractice {
            slug: PracticeSlug::parse("contract").unwrap(),
            name: Label::parse("Another").unwrap(),
            settings: PracticeSettings::default(),
            admin_email: EmailAddress::parse("x@contract.example").unwrap(),
            admin_name: PersonName::parse("X").unwrap(),
            admin_language: Language::english(),
            admin_time_zone: TimeZone::utc(),
            second_factor_for_admins: false,
        })
        .await;
    assert!(matches!(again, Err(CreatePracticeError::SlugTaken)));
    // Another practice may reuse the names.
    let other = f.another("other").await;
    other.service.create_site(&other.admin, SiteDetails::named(site())).await.unwrap();
}

/// The outbox for administrators: counts by state, pages newest first with
/// filters, no secret in a listing, and retrying failed emails — one, or
/// all that can be (those that carried a link or password cannot), with
/// an audit entry, inside the caller's practice only.
pub async fn the_outbox_counts_pages_filters_and_retries_failed_emails(store: Arc<dyn Store>) {
    let f = Fixture::new(store, "contract").await; // the owner's welcome
    let other = f.another("elsewhere").await;
    let role = f.role("Paralegal").await;
    for n in 0..3 {
        let email = format!("invitee{n}@contract.example");
        f.service
            .create_user(&f.admin, f.new_user(&email, "Invitee", role, InitialCredential::Invite))
            .await
            .unwrap();
    }
    // Two emails that failed for good: a notice, and a recovery whose link
    // was removed when it failed.
    let now = f.clock.now();
    let failed = |n: u128, message: Message| OutboxEmail {
        id: EmailId::from_uuid(uuid_of(n)),
        practice: f.practice.id,
        practice_name: "contract practice".into(),
        to: EmailAddress::parse("gone@contract.example").unwrap(),
        recipient_name: "Gone".into(),
        language: Language::english(),
        time_zone: TimeZone::utc(),
        message,
        created_at: now,
        status: DeliveryStatus::Failed,
        attempts: 8,
        next_attempt_at: now,
        last_error: Some("550 no such user".into()),
        sent_at: None,
    };
    let notice = failed(
        1,
        Message::EmailChanged {
            old_email: "a@x.example".into(),
            new_email: "b@x.example".into(),
            changed_at: now,
        },
    );
    let recovery = failed(2, Message::Recovery { token: MailSecret::new(""), expires_at: now });
    let mut uow = f.faults.begin(Access::Write).await.unwrap();
    uow.outbox().enqueue(&notice).await.unwrap();
    uow.outbox().enqueue(&recovery).await.unwrap();
    uow.commit().await.unwrap();

    let counts = f.service.outbox_counts(&f.admin).await.unwrap();
    assert_eq!((counts.pending, counts.sent, counts.failed), (4, 0, 2));

    // Pages of two, newest first, every email once; no secret listed.
    let mut query = OutboxQuery { limit: 2, ..OutboxQuery::default() };
    let mut seen = Vec::new();
    loop {
        let page = f.service.list_outbox(&f.admin, &query).await.unwrap();
        assert!(page.items.len() <= 2);
        for email in &page.items {
            assert_eq!(email.message, email.message.without_secrets(), "a listing shows no secret");
            seen.push(email.id);
        }
        match page.next {
            Some(next) => query.before = Some(next),
            None => break,
        }
    }
    let all = f.raw_outbox().await;
    assert_eq!(seen, all.iter().map(|e| e.id).collect::<Vec<_>>());
    assert_eq!(seen.iter().collect::<BTreeSet<_>>().len(), 6);
    let f = &f;
    let filtered = |q: OutboxQuery| async move { f.service.list_outbox(&f.admin, &q).await.unwrap().items };
    let invitations =
        filtered(OutboxQuery { kind: Some(MessageKind::Invitation), ..OutboxQuery::default() }).await;
    assert_eq!(invitations.len(), 3);
    let to_one = EmailAddress::parse("invitee1@contract.example").unwrap();
    let theirs = filtered(OutboxQuery { recipient: Some(to_one.clone()), ..OutboxQuery::default() }).await;
    assert_eq!(theirs.iter().map(|e| &e.to).collect::<Vec<_>>(), vec![&to_one]);
    let failures =
        filtered(OutboxQuery { status: Some(DeliveryStatus::Failed), ..OutboxQuery::default() }).await;
    assert_eq!(failures.len(), 2);

    // Another practice sees none of it and retries nothing here.
    assert_eq!(other.service.outbox_counts(&other.admin).await.unwrap().failed, 0);
    assert_eq!(other.service.retry_email(&other.admin, notice.id).await, Err(RetryEmailError::NotFound));

    // One: refused for a pending email and for one whose secret is gone.
    let pending = invitations[0].id;
    assert_eq!(
        f.service.retry_email(&f.admin, pending).await,
        Err(RetryEmailError::NotFailed { status: DeliveryStatus::Pending })
    );
    assert_eq!(
        f.service.retry_email(&f.admin, recovery.id).await,
        Err(RetryEmailError::SecretRemoved { kind: MessageKind::Recovery })
    );
    let audited = f.audit().await.len();
    f.service.retry_email(&f.admin, notice.id).await.unwrap();
    let again = f.raw_outbox().await.into_iter().find(|e| e.id == notice.id).unwrap();
    assert_eq!((again.status, again.attempts, again.next_attempt_at), (DeliveryStatus::Pending, 0, now));
    let entries = f.audit().await;
    assert_eq!((entries.len(), entries[0].action), (audited + 1, AuditAction::EmailsRetried));

    // All: the recovery stays failed and is counted apart.
    let done = f.service.retry_failed_emails(&f.admin).await.unwrap();
    assert_eq!((done.retried, done.need_new_secret), (0, 1));
    assert_eq!(f.service.outbox_counts(&f.admin).await.unwrap().failed, 1);
}

fn uuid_of(n: u128) -> uuid::Uuid {
    // Fixed ids in the UUIDv7 layout, after any the clock makes today.
    uuid::Uuid::from_u128((0xffff_ffff_ffff_u128 << 80) | (0x7 << 76) | n)
}

/// How long racing units of work wait for each other at commit (see
/// [`crate::FaultyStore::meet_at_commit`]): below the stores' lock waits,
/// so that one blocked by another's lock is never failed by the meeting.
const MEETING: std::time::Duration = std::time::Duration::from_millis(1500);

/// Runs `n` operations at once; returns their outcomes in order.
async fn all_at_once<T, F>(n: usize, operation: impl Fn(usize) -> F) -> Vec<T>
where
    F: std::future::Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
    let tasks: Vec<_> = (0..n).map(|i| tokio::spawn(operation(i))).collect();
    let mut outcomes = Vec::with_capacity(n);
    for task in tasks {
        outcomes.push(task.await.unwrap());
    }
    outcomes
}

/// Two Super Admins deactivating each other at once, their units of work
/// overlapping up to commit: one wins, the other is refused as the last
/// active Super Admin, and one stays.
pub async fn crossed_deactivations_of_super_admins_leave_one(store: Arc<dyn Store>) {
    let f = Arc::new(Fixture::new(store, "contract").await);
    let (second, second_caller) = f.active("second@contract.example", "Super Admin").await;
    let first = f.admin.user();
    f.faults.meet_at_commit(2, MEETING);
    let pairs = [(f.admin.clone(), second.id), (second_caller, first)];
    let outcomes = all_at_once(2, |i| {
        let f = f.clone();
        let (caller, target) = pairs[i].clone();
        async move { f.service.deactivate_user(&caller, target, None).await }
    })
    .await;
    let won = outcomes.iter().filter(|o| o.is_ok()).count();
    assert_eq!(won, 1, "exactly one deactivation wins: {outcomes:?}");
    for outcome in &outcomes {
        if let Err(e) = outcome {
            assert_eq!(e, &DeactivateError::LastSuperAdmin);
        }
    }
    let role = f.role("Super Admin").await;
    let mut uow = f.faults.begin(Access::Read).await.unwrap();
    let active = uow.users().count_with_roles(f.practice.id, &[role], &[UserStatus::Active]).await.unwrap();
    assert_eq!(active, 1);
}

/// Two grants of Super Admin at once in a practice one below its cap: one
/// wins, the other is refused at the cap.
pub async fn concurrent_grants_of_super_admin_keep_the_cap(store: Arc<dyn Store>) {
    let f = Arc::new(Fixture::new(store, "contract").await);
    let users = [
        f.invite("one@contract.example", "One Person", "Paralegal").await,
        f.invite("two@contract.example", "Two Person", "Paralegal").await,
    ];
    let role = f.role("Super Admin").await;
    f.faults.meet_at_commit(2, MEETING);
    let outcomes = all_at_once(2, |i| {
        let f = f.clone();
        let user = users[i].id;
        async move { f.service.set_access(&f.admin, user, role, BTreeSet::new(), None).await }
    })
    .await;
    assert_eq!(outcomes.iter().filter(|o| o.is_ok()).count(), 1, "{outcomes:?}");
    for outcome in &outcomes {
        if let Err(e) = outcome {
            assert_eq!(e, &SetAccessError::Grant(GrantError::SuperAdminCapReached { cap: 2 }));
        }
    }
    let mut uow = f.faults.begin(Access::Read).await.unwrap();
    let holders = uow
        .users()
        .count_with_roles(f.practice.id, &[role], &[UserStatus::Invited, UserStatus::Active])
        .await
        .unwrap();
    assert_eq!(holders, 2);
}

/// Wrong passwords typed at once for one account are each counted: none
/// is lost to another writing the same count.
pub async fn concurrent_wrong_passwords_are_each_counted(store: Arc<dyn Store>) {
    let f = Arc::new(Fixture::new(store, "contract").await);
    let (user, _) = f.active("pat@contract.example", "Paralegal").await;
    // Three: a fourth could find the delay that starts after three.
    f.faults.meet_at_commit(3, MEETING);
    let outcomes = all_at_once(3, |i| {
        let f = f.clone();
        async move { f.sign_in("pat@contract.example", &format!("not the password {i}")).await }
    })
    .await;
    assert!(outcomes.iter().all(|o| matches!(o, Err(SignInError::Failed))), "{outcomes:?}");
    let mut uow = f.faults.begin(Access::Read).await.unwrap();
    let credential = uow.credentials().get(f.practice.id, user.id).await.unwrap().unwrap();
    assert_eq!(credential.failed_attempts, 3);
}

/// "Forgot password" asked many times at once sends at most the hourly
/// number of recovery emails.
pub async fn concurrent_recovery_requests_keep_the_hourly_limit(store: Arc<dyn Store>) {
    let f = Arc::new(Fixture::new(store, "contract").await);
    f.active("pat@contract.example", "Paralegal").await;
    let asked = RECOVERY_EMAILS_PER_HOUR as usize + 2;
    f.faults.meet_at_commit(asked, MEETING);
    let outcomes = all_at_once(asked, |_| {
        let f = f.clone();
        async move {
            let request = ForgotPassword {
                practice: f.practice.slug.as_str().to_owned(),
                email: "pat@contract.example".to_owned(),
                request_id: None,
            };
            f.service.forgot_password(request).await
        }
    })
    .await;
    assert!(outcomes.iter().all(Result::is_ok), "{outcomes:?}");
    let sent = f.outbox().await.iter().filter(|e| e.message.kind() == "recovery").count();
    assert_eq!(sent, RECOVERY_EMAILS_PER_HOUR as usize);
}

/// Two users each deactivated at once with their open cases handed to the
/// other: one wins, the other is refused (its heir is no longer active),
/// and no open case is left with an inactive owner.
pub async fn crossed_deactivations_with_reassignment_leave_no_case_orphaned(store: Arc<dyn Store>) {
    let f = Arc::new(Fixture::new(store, "contract").await);
    let (ana, _) = f.active("ana@contract.example", "RCIC Consultant").await;
    let (ben, _) = f.active("ben@contract.example", "RCIC Consultant").await;
    let cases = [f.open_case("Ana's", ana.id).await, f.open_case("Ben's", ben.id).await];
    f.faults.meet_at_commit(2, MEETING);
    let pairs = [(ana.id, ben.id), (ben.id, ana.id)];
    let outcomes = all_at_once(2, |i| {
        let f = f.clone();
        let (leaver, heir) = pairs[i];
        async move { f.service.deactivate_user(&f.admin, leaver, Some(heir)).await }
    })
    .await;
    assert_eq!(outcomes.iter().filter(|o| o.is_ok()).count(), 1, "{outcomes:?}");
    for outcome in &outcomes {
        if let Err(e) = outcome {
            assert_eq!(
                e,
                &DeactivateError::Assignee(AssigneeError::NotActive { status: UserStatus::Inactive })
            );
        }
    }
    for case in &cases {
        let case = f.service.get_case(&f.admin, case.id).await.unwrap();
        let owner = f.service.get_user(&f.admin, case.owner).await.unwrap();
        assert_eq!(owner.status, UserStatus::Active, "{case:?} is left with an inactive owner");
    }
}

/// What checking a session reads, through the store's one read
/// ([`Store::check_session`]) and through a unit of work
/// ([`ports::SessionRepository::check`]): both agree.
async fn session_check(f: &Fixture, token: &Token) -> Option<SessionCheck> {
    let direct = f.faults.check_session(&token.hash()).await.unwrap();
    let mut uow = f.faults.begin(Access::Read).await.unwrap();
    let through = uow.sessions().check(&token.hash()).await.unwrap();
    assert_eq!(direct, through, "the store's one read and its unit of work's agree");
    direct
}

/// Checking a session reads the session, its user's status and the grants
/// of the user's role and profiles as they are now, in one go: a role,
/// profile or permission change, a deactivation, a sign-out and a
/// sign-out-all are seen by the very next request; idle and absolute
/// expiry hold; the last use is written at most once a minute.
pub async fn a_session_check_sees_every_change_at_once(store: Arc<dyn Store>) {
    let f = Fixture::new(store, "contract").await;
    let other = f.another("elsewhere").await;
    let (pat, caller) = f.active("pat@contract.example", "Paralegal").await;
    let signed = f.sign_in("pat@contract.example", PASSWORD).await.unwrap();
    let token = &signed.token;
    assert_eq!(session_check(&f, &Token::presented("no such token")).await, None);

    let check = session_check(&f, token).await.unwrap();
    assert_eq!(check.session, signed.session);
    assert_eq!(check.user_status, UserStatus::Active);
    assert_eq!(check.grants, caller.grants());
    assert_eq!(f.service.authenticate(token).await.unwrap().grants(), caller.grants());

    // Role and profiles: a change is seen at once, with no clock moving.
    let permissions = PermissionSet::from_iter([Permission::InvoicesRead, Permission::CasesRead]);
    let draft = GrantDraft { name: Label::parse("Billing").unwrap(), permissions };
    let role = f.service.create_role(&f.admin, draft.clone()).await.unwrap();
    let extra = PermissionSet::from_iter([Permission::UsersRead]);
    let profile_draft = GrantDraft { name: Label::parse("Reader").unwrap(), permissions: extra };
    let profile = f.service.create_profile(&f.admin, profile_draft.clone()).await.unwrap();
    let second = PermissionSet::from_iter([Permission::AuditRead]);
    let second_draft = GrantDraft { name: Label::parse("Auditor").unwrap(), permissions: second };
    let auditor = f.service.create_profile(&f.admin, second_draft).await.unwrap();
    // Another practice's role and profile of the same names change nothing here.
    other.service.create_role(&other.admin, draft.clone()).await.unwrap();
    other.service.create_profile(&other.admin, profile_draft.clone()).await.unwrap();
    f.service.set_access(&f.admin, pat.id, role.id, [profile.id, auditor.id].into(), None).await.unwrap();
    let grants = f.service.authenticate(token).await.unwrap().grants();
    assert_eq!(grants, Grants { permissions: permissions.union(extra).union(second), bypass: false });
    assert_eq!(session_check(&f, token).await.unwrap().grants, grants);

    let narrower = PermissionSet::from_iter([Permission::CasesRead]);
    f.service.update_role(&f.admin, role.id, GrantDraft { permissions: narrower, ..draft }).await.unwrap();
    let grants = f.service.authenticate(token).await.unwrap().grants();
    assert_eq!(grants.permissions, narrower.union(extra).union(second), "a role's change is seen at once");
    f.service.set_access(&f.admin, pat.id, role.id, BTreeSet::new(), None).await.unwrap();
    assert_eq!(f.service.authenticate(token).await.unwrap().grants().permissions, narrower);

    // The last use is written at most once a minute.
    let seen = session_check(&f, token).await.unwrap().session.last_seen_at;
    f.clock.advance(Duration::seconds(30));
    f.service.authenticate(token).await.unwrap();
    assert_eq!(session_check(&f, token).await.unwrap().session.last_seen_at, seen, "not yet due");
    f.clock.advance(Duration::seconds(31));
    f.service.authenticate(token).await.unwrap();
    let touched = session_check(&f, token).await.unwrap().session.last_seen_at;
    assert!(touched > seen + Duration::seconds(60), "written once due: {seen} → {touched}");

    // Idle expiry: unused for 30 minutes.
    f.clock.advance(Duration::minutes(31));
    assert_eq!(f.service.authenticate(token).await, Err(SessionError::Invalid), "idle expiry");

    // Absolute expiry: used every 20 minutes, it still ends 12 hours after sign-in.
    let kept = f.sign_in("pat@contract.example", PASSWORD).await.unwrap();
    let mut lived = Duration::zero();
    while lived < Duration::hours(12) - Duration::minutes(20) {
        f.clock.advance(Duration::minutes(20));
        lived += Duration::minutes(20);
        f.service.authenticate(&kept.token).await.unwrap();
    }
    f.clock.advance(Duration::minutes(20));
    assert_eq!(f.service.authenticate(&kept.token).await, Err(SessionError::Invalid), "absolute expiry");

    // An ended session; sign-out-all; a deactivated user.
    let mine = f.sign_in("pat@contract.example", PASSWORD).await.unwrap();
    let caller = f.service.authenticate(&mine.token).await.unwrap();
    f.service.sign_out(&caller).await.unwrap();
    assert_eq!(f.service.authenticate(&mine.token).await, Err(SessionError::Invalid), "signed out");
    assert!(session_check(&f, &mine.token).await.unwrap().session.ended_at.is_some());

    let one = f.sign_in("pat@contract.example", PASSWORD).await.unwrap();
    let two = f.sign_in("pat@contract.example", PASSWORD).await.unwrap();
    f.service.authenticate(&one.token).await.unwrap();
    f.service.sign_out_everywhere(&f.admin, pat.id).await.unwrap();
    for token in [&one.token, &two.token] {
        assert_eq!(f.service.authenticate(token).await, Err(SessionError::Invalid), "signed out everywhere");
    }

    let last = f.sign_in("pat@contract.example", PASSWORD).await.unwrap();
    f.service.authenticate(&last.token).await.unwrap();
    f.service.deactivate_user(&f.admin, pat.id, None).await.unwrap();
    assert_eq!(f.service.authenticate(&last.token).await, Err(SessionError::Invalid), "deactivated");
    assert_eq!(session_check(&f, &last.token).await.unwrap().user_status, UserStatus::Inactive);
}
