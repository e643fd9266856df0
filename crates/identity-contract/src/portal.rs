//! Contract cases for the party portal: portal accounts, their email
//! reservations and sessions, the parties of cases, and the portal rules
//! that rest on storage (one account per party, emails reserved for ever,
//! single-use invitation links under concurrency, lockout, deactivation
//! ending sessions, portal and staff sessions never crossing).

use crate::fixture::{Fixture, PASSWORD};
use chrono::Duration;
use identity_domain::ports::{CasePartyRepository, PortalRepository};
use identity_domain::*;
use secrecy::SecretString;
use std::sync::Arc;

fn secret(s: &str) -> SecretString {
    SecretString::from(s.to_owned())
}

/// The portal password parties choose in these cases.
pub const PORTAL_PASSWORD: &str = "a quiet river under the old bridge";

impl Fixture {
    /// A site for parties.
    pub async fn site(&self, name: &str) -> Site {
        self.service.create_site(&self.admin, SiteDetails::named(Label::parse(name).unwrap())).await.unwrap()
    }

    /// Records a party at `site`, invited to the portal when `email` is given.
    pub async fn party(&self, site: SiteId, name: &str, email: Option<&str>) -> Party {
        let details = PartyDetails {
            kind: PartyKind::Student,
            name: PersonName::parse(name).unwrap(),
            email: email.map(|e| EmailAddress::parse(e).unwrap()),
            phone: None,
            address: None,
            date_of_birth: None,
            gender: None,
            grade_or_position: None,
            language: Some(Language::parse("fr-CA").unwrap()),
        };
        self.service.save_party(&self.admin, site, details, email.is_some()).await.unwrap()
    }

    /// The token of the newest party invitation to `email`.
    pub async fn party_invitation_token(&self, email: &str) -> Token {
        let outbox = self.raw_outbox().await;
        let found = outbox
            .iter()
            .find(|e| e.to.as_str() == email && e.message.message_kind() == MessageKind::PartyInvitation)
            .unwrap();
        match &found.message {
            Message::PartyInvitation { token, .. } => Token::presented(token.expose()),
            _ => unreachable!("found by kind"),
        }
    }

    /// Records, invites and lets a party join with [`PORTAL_PASSWORD`].
    pub async fn portal_party(&self, site: SiteId, name: &str, email: &str) -> Party {
        let party = self.party(site, name, Some(email)).await;
        let token = self.party_invitation_token(email).await;
        self.service.accept_party_invitation(&token, secret(PORTAL_PASSWORD), None).await.unwrap();
        party
    }

    /// Signs a party in to this practice's portal.
    pub async fn portal_sign_in(&self, email: &str, password: &str) -> Result<PortalSignedIn, SignInError> {
        self.service
            .portal_sign_in(SignIn {
                practice: self.practice.slug.as_str().to_owned(),
                email: email.to_owned(),
                password: secret(password),
                request_id: None,
            })
            .await
    }
}

/// A party's emails are written in the time zone the party chose, else
/// their site's, else their practice's — read each time, so a change of the
/// site's or the practice's zone reaches parties who chose none.
pub async fn a_party_s_time_zone_is_their_own_else_their_site_s_else_the_practice_s(store: Arc<dyn Store>) {
    let f = Fixture::new(store, "contract").await;
    let zone = |name: &str| TimeZone::parse(name).unwrap();
    let change =
        SettingsChange { time_zone: Some(zone("Europe/Paris")), ..PracticeSettings::default().into() };
    let practice = f.service.update_settings(&f.admin, change).await.unwrap();
    assert_eq!(practice.settings.time_zone, zone("Europe/Paris"));
    let toronto = f
        .service
        .create_site(
            &f.admin,
            SiteDetails {
                time_zone: Some(zone("America/Toronto")),
                ..SiteDetails::named(Label::parse("Toronto office").unwrap())
            },
        )
        .await
        .unwrap();
    let plain = f.site("Main office").await;
    // The outbox lists newest first.
    let newest_zone = |email: &'static str| {
        let f = &f;
        async move {
            let outbox = f.raw_outbox().await;
            outbox.iter().find(|e| e.to.as_str() == email).map(|e| e.time_zone).unwrap()
        }
    };

    f.party(toronto.id, "Ana Lima", Some("ana@example.org")).await;
    assert_eq!(newest_zone("ana@example.org").await, zone("America/Toronto"), "the site's");
    let ben = f.portal_party(plain.id, "Ben Roy", "ben@example.org").await;
    assert_eq!(newest_zone("ben@example.org").await, zone("Europe/Paris"), "the practice's");

    // The site gets a zone of its own: parties who chose none follow it.
    let moved =
        SiteDetails { time_zone: Some(zone("America/Vancouver")), ..SiteDetails::named(plain.name.clone()) };
    let plain = f.service.update_site(&f.admin, plain.id, moved).await.unwrap();
    assert_eq!(plain.time_zone, Some(zone("America/Vancouver")));
    f.service.send_party_recovery_link(&f.admin, ben.id).await.unwrap();
    assert_eq!(newest_zone("ben@example.org").await, zone("America/Vancouver"), "the site's, now");
    let signed = f.portal_sign_in("ben@example.org", PORTAL_PASSWORD).await.unwrap();
    let caller = f.service.authenticate_portal(&signed.token).await.unwrap();
    assert_eq!(f.service.portal_profile(&caller).await.unwrap().time_zone, zone("America/Vancouver"));

    // The party chooses their own: it wins over the site's and the practice's.
    let own = PortalContactChange {
        phone: None,
        address: None,
        language: Language::parse("en").unwrap(),
        time_zone: zone("Asia/Tokyo"),
    };
    f.service.update_portal_contact(&caller, own).await.unwrap();
    f.service.send_party_recovery_link(&f.admin, ben.id).await.unwrap();
    assert_eq!(newest_zone("ben@example.org").await, zone("Asia/Tokyo"), "their own");
    assert_eq!(f.service.portal_profile(&caller).await.unwrap().time_zone, zone("Asia/Tokyo"));
}

/// Portal accounts, reservations, sessions and case parties read back as
/// written, through the ports; another practice sees none of them.
pub async fn portal_records_round_trip(store: Arc<dyn Store>) {
    let f = Fixture::new(store.clone(), "contract").await;
    let other = f.another("elsewhere").await;
    let site = f.site("North Campus").await;
    let party = f.party(site.id, "Jordan Lee", None).await;
    let case = f.open_case("Attendance", f.admin.user()).await;
    let now = f.clock.now();
    let email = EmailAddress::parse("Jordan@Example.org").unwrap();

    let mut uow = store.begin(Access::Write).await.unwrap();
    let portal: &mut dyn PortalRepository = uow.portal();
    portal.reserve_email(f.practice.id, &email, party.id, now).await.unwrap();
    portal.reserve_email(f.practice.id, &email, party.id, now).await.unwrap();
    let mut account = PortalAccount::invited(f.practice.id, party.id, email.clone(), now);
    account.time_zone = Some(TimeZone::parse("America/Toronto").unwrap());
    portal.insert_account(&account).await.unwrap();
    assert_eq!(portal.insert_account(&account).await, Err(Conflict::Stale.into()), "one account per party");
    let session = PortalSession {
        id: SessionId::from_uuid(uuid::Uuid::now_v7()),
        practice: f.practice.id,
        party: party.id,
        token_hash: Token::presented("portal-session-token").hash(),
        created_at: now,
        last_seen_at: now,
        expires_at: now + Duration::minutes(5),
        scope: SessionScope::SecondFactor,
        password_at: now,
        ended_at: None,
    };
    portal.insert_session(&session).await.unwrap();
    let entry = CaseParty {
        practice: f.practice.id,
        case: case.id,
        party: party.id,
        part: CasePart::Complainant,
        added_at: now,
    };
    let parts: &mut dyn CasePartyRepository = uow.case_parties();
    parts.add(&entry).await.unwrap();
    assert_eq!(parts.add(&entry).await, Err(Conflict::Stale.into()), "a party once per case");
    uow.commit().await.unwrap();

    let mut uow = store.begin(Access::Write).await.unwrap();
    let lower = EmailAddress::parse("jordan@example.org").unwrap();
    assert_eq!(uow.portal().get_account(f.practice.id, party.id).await.unwrap(), Some(account.clone()));
    assert_eq!(
        uow.portal().find_account_by_email(f.practice.id, &lower).await.unwrap(),
        Some(account.clone())
    );
    assert_eq!(uow.portal().email_holder(f.practice.id, &lower).await.unwrap(), Some(party.id));
    assert_eq!(uow.portal().find_session_by_hash(&session.token_hash).await.unwrap(), Some(session.clone()));
    assert_eq!(uow.portal().get_session(f.practice.id, session.id).await.unwrap(), Some(session.clone()));
    assert_eq!(uow.sessions().find_by_hash(&session.token_hash).await.unwrap(), None, "not a staff session");
    assert_eq!(uow.case_parties().list_for_case(f.practice.id, case.id).await.unwrap(), vec![entry.clone()]);
    assert_eq!(
        uow.case_parties().list_for_party(f.practice.id, party.id).await.unwrap(),
        vec![entry.clone()]
    );

    // Another practice sees nothing, and may hold the same address.
    assert_eq!(uow.portal().get_account(other.practice.id, party.id).await.unwrap(), None);
    assert_eq!(uow.portal().find_account_by_email(other.practice.id, &lower).await.unwrap(), None);
    assert_eq!(uow.portal().email_holder(other.practice.id, &lower).await.unwrap(), None);
    assert_eq!(uow.portal().get_session(other.practice.id, session.id).await.unwrap(), None);
    assert_eq!(uow.case_parties().list_for_case(other.practice.id, case.id).await.unwrap(), vec![]);
    assert!(!uow.case_parties().take_off(other.practice.id, case.id, party.id).await.unwrap());

    // Changes read back.
    account.status = PortalAccountStatus::Active;
    account.hash = Some(PasswordHash::from_phc("$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".to_owned()));
    account.failed_attempts = 7;
    account.last_failure_at = Some(now);
    account.locked = true;
    account.last_sign_in_at = Some(now);
    account.updated_at = now + Duration::seconds(1);
    uow.portal().update_account(&account).await.unwrap();
    let mut touched = session.clone();
    touched.last_seen_at = now + Duration::minutes(5);
    touched.scope = SessionScope::Full;
    touched.password_at = now + Duration::minutes(4);
    uow.portal().update_session(&touched).await.unwrap();
    assert_eq!(uow.portal().end_sessions(f.practice.id, party.id, Some(session.id), now).await.unwrap(), 0);
    assert_eq!(uow.portal().end_sessions(f.practice.id, party.id, None, now).await.unwrap(), 1);
    assert_eq!(uow.portal().end_sessions(f.practice.id, party.id, None, now).await.unwrap(), 0);
    assert!(uow.case_parties().take_off(f.practice.id, case.id, party.id).await.unwrap());
    uow.commit().await.unwrap();

    let mut uow = store.begin(Access::Read).await.unwrap();
    assert_eq!(uow.portal().get_account(f.practice.id, party.id).await.unwrap(), Some(account));
    let ended = uow.portal().get_session(f.practice.id, session.id).await.unwrap().unwrap();
    assert_eq!(ended.last_seen_at, touched.last_seen_at);
    assert_eq!((ended.scope, ended.password_at), (SessionScope::Full, touched.password_at));
    assert_eq!(ended.ended_at, Some(now));
    assert_eq!(uow.case_parties().list_for_party(f.practice.id, party.id).await.unwrap(), vec![]);
}

/// A portal email is held by one party of a practice for ever: another
/// party is refused it (naming the holder) even after the holder's
/// invitation moved to another address; another practice may use it; two
/// concurrent reservations of one address leave one holder.
pub async fn portal_emails_are_reserved_for_ever(store: Arc<dyn Store>) {
    let f = Arc::new(Fixture::new(store, "contract").await);
    let site = f.site("North Campus").await;
    let first = f.party(site.id, "Jordan Lee", Some("jordan@example.org")).await;
    let second = f.party(site.id, "Sam Lee", None).await;

    let mut details = second.details.clone();
    details.email = Some(EmailAddress::parse("JORDAN@example.org").unwrap());
    f.service.update_party(&f.admin, second.id, details).await.unwrap();
    assert_eq!(
        f.service.invite_party(&f.admin, second.id).await,
        Err(InvitePartyError::EmailTaken { holder: first.id })
    );

    // The first party's invitation moves to a new address; the old one stays theirs.
    let mut details = first.details.clone();
    details.email = Some(EmailAddress::parse("jordan.lee@example.org").unwrap());
    f.service.update_party(&f.admin, first.id, details).await.unwrap();
    f.service.invite_party(&f.admin, first.id).await.unwrap();
    assert_eq!(
        f.service.invite_party(&f.admin, second.id).await,
        Err(InvitePartyError::EmailTaken { holder: first.id })
    );
    assert!(matches!(
        f.service.portal_access(&f.admin, first.id).await.unwrap(),
        PortalAccess::Invited { email, expires_at: Some(_), .. } if email.as_str() == "jordan.lee@example.org"
    ));

    // Another practice is free to use it.
    let other = f.another("elsewhere").await;
    let other_site = other.site("South Campus").await;
    other.party(other_site.id, "Jordan Elsewhere", Some("jordan@example.org")).await;

    // Two parties racing for one fresh address: one wins.
    let racers = [f.party(site.id, "Ana One", None).await, f.party(site.id, "Ana Two", None).await];
    let attempts = racers.clone().map(|party| {
        let f = f.clone();
        tokio::spawn(async move {
            let mut details = party.details.clone();
            details.email = Some(EmailAddress::parse("ana@example.org").unwrap());
            f.service.update_party(&f.admin, party.id, details).await.unwrap();
            f.service.invite_party(&f.admin, party.id).await
        })
    });
    let mut won = Vec::new();
    let mut lost = Vec::new();
    for attempt in attempts {
        match attempt.await.unwrap() {
            Ok(p) => won.push(p.id),
            Err(e) => lost.push(e),
        }
    }
    assert_eq!(won.len(), 1, "one reservation wins: {lost:?}");
    assert_eq!(lost, vec![InvitePartyError::EmailTaken { holder: won[0] }]);
}

/// Twenty concurrent accepts of one invitation: exactly one sets the
/// password; the link and the account are then done with.
pub async fn a_party_invitation_is_accepted_once_under_concurrent_submissions(store: Arc<dyn Store>) {
    let f = Arc::new(Fixture::new(store, "contract").await);
    let site = f.site("North Campus").await;
    let party = f.party(site.id, "Jordan Lee", Some("jordan@example.org")).await;
    let token = f.party_invitation_token("jordan@example.org").await;
    let attempts: Vec<_> = (0..20)
        .map(|i| {
            let f = f.clone();
            let token = token.clone();
            tokio::spawn(async move {
                let password = format!("{PORTAL_PASSWORD} number {i}");
                f.service.accept_party_invitation(&token, secret(&password), None).await.map(|()| password)
            })
        })
        .collect();
    let mut accepted = Vec::new();
    for attempt in attempts {
        match attempt.await.unwrap() {
            Ok(password) => accepted.push(password),
            Err(LinkError::InvalidLink) => {}
            Err(other) => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(accepted.len(), 1, "exactly one accept wins");
    assert!(f.portal_sign_in("jordan@example.org", &accepted[0]).await.is_ok());
    assert!(matches!(
        f.service.portal_access(&f.admin, party.id).await.unwrap(),
        PortalAccess::Active { .. }
    ));
    let joined = f.audit().await.iter().filter(|e| e.action == AuditAction::PortalJoined).count();
    assert_eq!(joined, 1);
    assert_eq!(
        f.service.accept_party_invitation(&token, secret(PORTAL_PASSWORD), None).await,
        Err(LinkError::InvalidLink)
    );
}

/// Portal sign-in counts failures per account and locks it at the 100th;
/// then even the right password fails, looking like an unknown email.
pub async fn portal_sign_in_locks_at_one_hundred_failures(store: Arc<dyn Store>) {
    let f = Fixture::new(store, "contract").await;
    let site = f.site("North Campus").await;
    let party = f.portal_party(site.id, "Jordan Lee", "jordan@example.org").await;
    let lock_after = f.service.config().throttle.lock_after;
    for _ in 0..lock_after {
        f.clock.advance(Duration::seconds(11));
        assert!(matches!(
            f.portal_sign_in("jordan@example.org", "not the password at all").await,
            Err(SignInError::Failed)
        ));
    }
    f.clock.advance(Duration::seconds(11));
    assert!(matches!(
        f.portal_sign_in("jordan@example.org", PORTAL_PASSWORD).await,
        Err(SignInError::Failed)
    ));
    assert!(matches!(
        f.portal_sign_in("nobody@example.org", PORTAL_PASSWORD).await,
        Err(SignInError::Failed)
    ));
    assert!(matches!(
        f.service.portal_access(&f.admin, party.id).await.unwrap(),
        PortalAccess::Active { locked: true, .. }
    ));
}

/// Portal and staff sessions never cross: a portal token is unknown to
/// staff authentication and a staff token to the portal's.
pub async fn portal_and_staff_sessions_never_cross(store: Arc<dyn Store>) {
    let f = Fixture::new(store, "contract").await;
    let site = f.site("North Campus").await;
    f.portal_party(site.id, "Jordan Lee", "jordan@example.org").await;
    let portal = f.portal_sign_in("jordan@example.org", PORTAL_PASSWORD).await.unwrap();
    let staff = f.sign_in(&format!("owner@{}.example", "contract"), PASSWORD).await.unwrap();
    assert!(f.service.authenticate_portal(&portal.token).await.is_ok());
    assert_eq!(f.service.authenticate(&portal.token).await, Err(SessionError::Invalid));
    assert!(f.service.authenticate(&staff.token).await.is_ok());
    assert_eq!(f.service.authenticate_portal(&staff.token).await, Err(SessionError::Invalid));
}

/// Deactivating portal access ends every portal session and kills pending
/// links; reactivating lets the party sign in again with their password,
/// but ended sessions stay ended.
pub async fn deactivating_portal_access_ends_sessions(store: Arc<dyn Store>) {
    let f = Fixture::new(store, "contract").await;
    let site = f.site("North Campus").await;
    let party = f.portal_party(site.id, "Jordan Lee", "jordan@example.org").await;
    let first = f.portal_sign_in("jordan@example.org", PORTAL_PASSWORD).await.unwrap();
    let second = f.portal_sign_in("jordan@example.org", PORTAL_PASSWORD).await.unwrap();
    f.service.deactivate_portal_access(&f.admin, party.id).await.unwrap();
    for token in [&first.token, &second.token] {
        assert_eq!(f.service.authenticate_portal(token).await, Err(SessionError::Invalid));
    }
    assert!(matches!(
        f.portal_sign_in("jordan@example.org", PORTAL_PASSWORD).await,
        Err(SignInError::Failed)
    ));
    assert!(matches!(
        f.service.portal_access(&f.admin, party.id).await.unwrap(),
        PortalAccess::Inactive { .. }
    ));
    assert_eq!(
        f.service.deactivate_portal_access(&f.admin, party.id).await,
        Err(DeactivatePortalError::Transition(IllegalPortalTransition {
            from: PortalAccountStatus::Inactive,
            to: PortalAccountStatus::Inactive
        }))
    );
    assert!(matches!(
        f.service.invite_party(&f.admin, party.id).await,
        Err(InvitePartyError::PortalAlreadyOpen { status: PortalAccountStatus::Inactive })
    ));
    f.service.reactivate_portal_access(&f.admin, party.id).await.unwrap();
    assert_eq!(f.service.authenticate_portal(&first.token).await, Err(SessionError::Invalid));
    let again = f.portal_sign_in("jordan@example.org", PORTAL_PASSWORD).await.unwrap();
    assert!(f.service.authenticate_portal(&again.token).await.is_ok());
    assert_eq!(f.service.end_party_sessions(&f.admin, party.id).await.unwrap(), 1);
    assert_eq!(f.service.authenticate_portal(&again.token).await, Err(SessionError::Invalid));
    let actions: Vec<_> = f.audit().await.into_iter().map(|e| e.action).collect();
    for action in
        [AuditAction::PortalDeactivated, AuditAction::PortalReactivated, AuditAction::PortalSessionsEnded]
    {
        assert!(actions.contains(&action), "{action:?} audited");
    }
}

/// A revoked invitation's link dies and the party shows as not invited;
/// inviting again sends a new link that works.
pub async fn a_revoked_party_invitation_cannot_be_accepted(store: Arc<dyn Store>) {
    let f = Fixture::new(store, "contract").await;
    let site = f.site("North Campus").await;
    let party = f.party(site.id, "Jordan Lee", Some("jordan@example.org")).await;
    let token = f.party_invitation_token("jordan@example.org").await;
    f.service.revoke_party_invitation(&f.admin, party.id).await.unwrap();
    assert_eq!(f.service.get_party(&f.admin, party.id).await.unwrap().portal, PortalStatus::NotInvited);
    assert_eq!(f.service.portal_access(&f.admin, party.id).await.unwrap(), PortalAccess::NotInvited);
    assert_eq!(
        f.service.accept_party_invitation(&token, secret(PORTAL_PASSWORD), None).await,
        Err(LinkError::InvalidLink)
    );
    f.clock.advance(Duration::seconds(1));
    f.service.invite_party(&f.admin, party.id).await.unwrap();
    let fresh = f.party_invitation_token("jordan@example.org").await;
    assert_ne!(fresh.hash(), token.hash());
    f.clock.advance(f.service.config().invitation_ttl);
    assert!(matches!(
        f.service.portal_access(&f.admin, party.id).await.unwrap(),
        PortalAccess::Invited { expires_at: None, .. }
    ));
    assert_eq!(
        f.service.accept_party_invitation(&fresh, secret(PORTAL_PASSWORD), None).await,
        Err(LinkError::InvalidLink),
        "expired"
    );
    f.service.invite_party(&f.admin, party.id).await.unwrap();
    let fresh = f.party_invitation_token("jordan@example.org").await;
    f.service.accept_party_invitation(&fresh, secret(PORTAL_PASSWORD), None).await.unwrap();
    assert_eq!(
        f.service.revoke_party_invitation(&f.admin, party.id).await,
        Err(RevokePartyInvitationError::NotPending { status: PortalAccountStatus::Active })
    );
}

/// What a signed-in party does: read their record and the cases they take
/// part in, change their contact details, language and time zone, change
/// their password (ending their other sessions), and sign out.
pub async fn a_party_uses_the_portal(store: Arc<dyn Store>) {
    let f = Fixture::new(store, "contract").await;
    let site = f.site("North Campus").await;
    let party = f.portal_party(site.id, "Jordan Lee", "jordan@example.org").await;
    let case = f.open_case("Attendance review", f.admin.user()).await;
    f.service.add_case_party(&f.admin, case.id, party.id, CasePart::Student).await.unwrap();
    assert_eq!(
        f.service.add_case_party(&f.admin, case.id, party.id, CasePart::Witness).await,
        Err(AddCasePartyError::AlreadyOnCase)
    );
    let listed = f.service.list_party_cases(&f.admin, party.id).await.unwrap();
    assert_eq!(
        listed.iter().map(|c| (c.case.id, c.part)).collect::<Vec<_>>(),
        vec![(case.id, CasePart::Student)]
    );
    let signed = f.portal_sign_in("jordan@example.org", PORTAL_PASSWORD).await.unwrap();
    let other = f.portal_sign_in("jordan@example.org", PORTAL_PASSWORD).await.unwrap();
    let me = f.service.authenticate_portal(&signed.token).await.unwrap();
    assert_eq!(me.party(), party.id);

    let cases = f.service.portal_cases(&me).await.unwrap();
    assert_eq!(cases.len(), 1);
    assert_eq!((cases[0].id, cases[0].part, cases[0].site), (case.id, CasePart::Student, site.id));
    assert_eq!(cases[0].title.as_str(), "Attendance review");

    let change = PortalContactChange {
        phone: Some(Phone::parse("+1 555 010 3000").unwrap()),
        address: None,
        language: Language::parse("en").unwrap(),
        time_zone: TimeZone::parse("America/Toronto").unwrap(),
    };
    let profile = f.service.update_portal_contact(&me, change.clone()).await.unwrap();
    assert_eq!(profile.party.details.phone, change.phone);
    assert_eq!(f.service.portal_profile(&me).await.unwrap(), profile);
    assert_eq!(f.service.get_party(&f.admin, party.id).await.unwrap().details.phone, change.phone);

    assert_eq!(
        f.service
            .change_portal_password(&me, secret("not my password"), secret("another long private phrase"))
            .await,
        Err(PortalPasswordError::WrongPassword)
    );
    f.service
        .change_portal_password(&me, secret(PORTAL_PASSWORD), secret("another long private phrase"))
        .await
        .unwrap();
    assert_eq!(f.service.authenticate_portal(&other.token).await, Err(SessionError::Invalid));
    assert!(f.service.authenticate_portal(&signed.token).await.is_ok());
    f.service.portal_sign_out(&me).await.unwrap();
    assert_eq!(f.service.authenticate_portal(&signed.token).await, Err(SessionError::Invalid));

    f.service.remove_case_party(&f.admin, case.id, party.id).await.unwrap();
    assert_eq!(f.service.list_case_parties(&f.admin, case.id).await.unwrap(), vec![]);
    assert_eq!(f.service.list_party_cases(&f.admin, party.id).await.unwrap(), vec![]);
    assert_eq!(
        f.service.remove_case_party(&f.admin, case.id, party.id).await,
        Err(RemoveCasePartyError::NotOnCase)
    );
    let actions: Vec<_> = f.audit().await.into_iter().map(|e| e.action).collect();
    for action in [
        AuditAction::CasePartyAdded,
        AuditAction::CasePartyRemoved,
        AuditAction::PortalDetailsChanged,
        AuditAction::PortalPasswordChanged,
        AuditAction::PortalSignedIn,
        AuditAction::PortalSignInFailed,
        AuditAction::PortalSignedOut,
    ] {
        assert!(actions.contains(&action), "{action:?} audited");
    }
}

impl Fixture {
    /// The token of the newest portal recovery email to `email`.
    pub async fn party_recovery_token(&self, email: &str) -> Option<Token> {
        let outbox = self.raw_outbox().await;
        outbox.iter().find(|e| e.to.as_str() == email).and_then(|e| match &e.message {
            Message::PartyRecovery { token, .. } => Some(Token::presented(token.expose())),
            _ => None,
        })
    }

    /// A portal "forgot password" request.
    pub async fn portal_forgot(&self, email: &str) {
        let request = ForgotPassword {
            practice: self.practice.slug.as_str().to_owned(),
            email: email.to_owned(),
            request_id: None,
        };
        self.service.portal_forgot_password(request).await.unwrap();
    }
}

/// Portal recovery: "forgot password" emails a link (to the stored address,
/// at most three an hour, never for an unknown or locked account); the link
/// works once, for the portal only, ends the party's sessions; an
/// administrator's link unlocks a locked account.
pub async fn a_party_recovers_their_portal_password(store: Arc<dyn Store>) {
    let f = Fixture::new(store, "contract").await;
    let site = f.site("North Campus").await;
    let party = f.portal_party(site.id, "Jordan Lee", "jordan@example.org").await;
    let signed = f.portal_sign_in("jordan@example.org", PORTAL_PASSWORD).await.unwrap();
    let emails = f.raw_outbox().await.len();
    f.portal_forgot("nobody@example.org").await;
    assert_eq!(f.raw_outbox().await.len(), emails, "nothing for an unknown address");

    f.portal_forgot(" JORDAN@example.org ").await;
    let token = f.party_recovery_token("jordan@example.org").await.unwrap();
    assert_eq!(
        f.service.recover_password(&token, secret("a staff page cannot use it"), None).await,
        Err(LinkError::InvalidLink),
        "a portal link is not a staff link"
    );
    f.service.recover_portal_password(&token, secret("a brand new portal phrase"), None).await.unwrap();
    assert_eq!(
        f.service.recover_portal_password(&token, secret("yet another portal phrase"), None).await,
        Err(LinkError::InvalidLink)
    );
    assert_eq!(f.service.authenticate_portal(&signed.token).await, Err(SessionError::Invalid));
    assert!(f.portal_sign_in("jordan@example.org", "a brand new portal phrase").await.is_ok());

    // At most three an hour.
    for _ in 0..5 {
        f.portal_forgot("jordan@example.org").await;
    }
    let sent = f
        .raw_outbox()
        .await
        .iter()
        .filter(|e| e.message.message_kind() == MessageKind::PartyRecovery)
        .count();
    assert_eq!(sent, 3, "one used earlier and two more this hour");

    // Locked: forgot-password sends nothing; an administrator's link unlocks.
    for _ in 0..f.service.config().throttle.lock_after {
        f.clock.advance(Duration::seconds(11));
        let _ = f.portal_sign_in("jordan@example.org", "not the password at all").await;
    }
    f.clock.advance(Duration::hours(2));
    let before = f.raw_outbox().await.len();
    f.portal_forgot("jordan@example.org").await;
    assert_eq!(f.raw_outbox().await.len(), before, "a locked account gets no link by itself");
    f.service.send_party_recovery_link(&f.admin, party.id).await.unwrap();
    let token = f.party_recovery_token("jordan@example.org").await.unwrap();
    f.service.recover_portal_password(&token, secret("the unlocking portal phrase"), None).await.unwrap();
    assert!(f.portal_sign_in("jordan@example.org", "the unlocking portal phrase").await.is_ok());
    assert!(matches!(
        f.service.portal_access(&f.admin, party.id).await.unwrap(),
        PortalAccess::Active { locked: false, .. }
    ));

    // Only active accounts get one.
    f.service.deactivate_portal_access(&f.admin, party.id).await.unwrap();
    assert_eq!(
        f.service.send_party_recovery_link(&f.admin, party.id).await,
        Err(PartyRecoveryLinkError::NotActive { status: PortalAccountStatus::Inactive })
    );
    let actions: Vec<_> = f.audit().await.into_iter().map(|e| e.action).collect();
    for action in [
        AuditAction::PortalRecoveryRequested,
        AuditAction::PortalRecoverySent,
        AuditAction::PortalPasswordRecovered,
    ] {
        assert!(actions.contains(&action), "{action:?} audited");
    }
}
