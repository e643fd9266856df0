//! Every repository gives back what it was given, keeps practices apart,
//! and maps unique rules to conflicts.

use crate::backend_tests;
use crate::support::{Ctx, add_user, email, id, label, now, practice, profile, role, seed, site, user};
use chrono::{Duration, NaiveDate};
use identity_domain::*;

backend_tests!(
    practices_round_trip,
    roles_and_profiles_round_trip,
    sites_round_trip,
    users_round_trip,
    credentials_round_trip,
    links_round_trip,
    sessions_round_trip,
    parties_round_trip,
    cases_round_trip,
    audit_round_trips_and_pages,
    outbox_round_trips,
);

async fn practices_round_trip(ctx: Ctx) {
    let mut p = practice();
    let mut uow = ctx.store.begin(Access::Write).await.unwrap();
    uow.practices().insert(&p).await.unwrap();
    let mut twin = practice();
    twin.slug = p.slug.clone();
    assert_eq!(uow.practices().insert(&twin).await, Err(Conflict::NameTaken.into()));
    uow.commit().await.unwrap();

    p.name = label("Maple & Partners");
    p.settings = PracticeSettings {
        super_admin_cap: 3,
        password_min_length: 20,
        time_zone: TimeZone::parse("Europe/Paris").unwrap(),
        second_factor_required: true,
    };
    let mut uow = ctx.store.begin(Access::Write).await.unwrap();
    uow.practices().update(&p).await.unwrap();
    assert_eq!(uow.practices().update(&practice()).await, Err(Conflict::Stale.into()));
    uow.commit().await.unwrap();

    let mut uow = ctx.store.begin(Access::Read).await.unwrap();
    assert_eq!(uow.practices().get(p.id).await.unwrap(), Some(p.clone()));
    assert_eq!(uow.practices().find_by_slug(&p.slug).await.unwrap(), Some(p.clone()));
    assert_eq!(uow.practices().get(id()).await.unwrap(), None);
}

async fn roles_and_profiles_round_trip(ctx: Ctx) {
    let seed = seed(&ctx.store).await;
    let p = seed.practice.id;
    let mut admin = role(p, "Administrator");
    admin.permissions = PermissionSet::all();
    let mut super_admin = role(p, "Super Admin");
    super_admin.bypass = true;
    super_admin.builtin = true;
    super_admin.permissions = PermissionSet::EMPTY;
    let extra = profile(p, "Audit");
    let mut uow = ctx.store.begin(Access::Write).await.unwrap();
    uow.roles().insert_role(&admin).await.unwrap();
    uow.roles().insert_role(&super_admin).await.unwrap();
    uow.roles().insert_profile(&extra).await.unwrap();
    assert_eq!(uow.roles().insert_role(&role(p, "Paralegal")).await, Err(Conflict::NameTaken.into()));
    assert_eq!(uow.roles().insert_profile(&profile(p, "Collections")).await, Err(Conflict::NameTaken.into()));
    // Names are unique per practice only, and exactly as written.
    assert_eq!(uow.roles().insert_role(&role(p, "paralegal")).await, Ok(()));
    uow.commit().await.unwrap();

    let mut renamed = admin.clone();
    renamed.name = label("Paralegal");
    let mut uow = ctx.store.begin(Access::Write).await.unwrap();
    assert_eq!(uow.roles().update_role(&renamed).await, Err(Conflict::NameTaken.into()));
    renamed.name = label("Office Administrator");
    renamed.permissions = PermissionSet::from_iter([Permission::AuditRead]);
    uow.roles().update_role(&renamed).await.unwrap();
    let mut extra2 = extra.clone();
    extra2.name = label("Collections");
    assert_eq!(uow.roles().update_profile(&extra2).await, Err(Conflict::NameTaken.into()));
    extra2.name = label("Auditing");
    uow.roles().update_profile(&extra2).await.unwrap();
    uow.commit().await.unwrap();

    let mut uow = ctx.store.begin(Access::Read).await.unwrap();
    let names: Vec<String> =
        uow.roles().list_roles(p).await.unwrap().into_iter().map(|r| r.name.as_str().to_owned()).collect();
    assert_eq!(names, ["Office Administrator", "Paralegal", "Super Admin", "paralegal"]);
    assert_eq!(uow.roles().get_role(p, renamed.id).await.unwrap(), Some(renamed.clone()));
    assert_eq!(uow.roles().get_role(p, super_admin.id).await.unwrap(), Some(super_admin));
    assert_eq!(uow.roles().get_profile(p, extra.id).await.unwrap(), Some(extra2.clone()));
    assert_eq!(uow.roles().list_profiles(p).await.unwrap(), vec![extra2, seed.profile.clone()]);
    let elsewhere = practice().id;
    assert_eq!(uow.roles().get_role(elsewhere, renamed.id).await.unwrap(), None);
    assert_eq!(uow.roles().get_profile(elsewhere, extra.id).await.unwrap(), None);
    assert!(uow.roles().list_roles(elsewhere).await.unwrap().is_empty());
}

async fn sites_round_trip(ctx: Ctx) {
    let seed = seed(&ctx.store).await;
    let p = seed.practice.id;
    let mut laval = site(p, "Laval");
    laval.address = None;
    let mut uow = ctx.store.begin(Access::Write).await.unwrap();
    uow.sites().insert(&laval).await.unwrap();
    assert_eq!(uow.sites().insert(&site(p, "Montréal")).await, Err(Conflict::NameTaken.into()));
    let mut clash = laval.clone();
    clash.name = label("Montréal");
    assert_eq!(uow.sites().update(&clash).await, Err(Conflict::NameTaken.into()));
    laval.address = Some(Note::parse("2 Rue Laval").unwrap());
    uow.sites().update(&laval).await.unwrap();
    uow.commit().await.unwrap();

    let mut uow = ctx.store.begin(Access::Read).await.unwrap();
    assert_eq!(uow.sites().get(p, laval.id).await.unwrap(), Some(laval.clone()));
    assert_eq!(uow.sites().list(p).await.unwrap(), vec![laval.clone(), seed.site.clone()]);
    assert_eq!(uow.sites().get(practice().id, laval.id).await.unwrap(), None);
}

async fn users_round_trip(ctx: Ctx) {
    let seed = seed(&ctx.store).await;
    let p = seed.practice.id;
    let mut u = user(p, seed.role.id, "  Ana.Silva@Example.COM ", "Ana Silva");
    u.profiles.insert(seed.profile.id);
    u.sites.insert(seed.site.id);
    let mut bare = user(p, seed.role.id, "bare@example.com", "Bare Minimum");
    bare.phone = None;
    bare.title = None;
    bare.notes = None;
    bare.status = UserStatus::Invited;
    add_user(&ctx.store, &u).await;
    add_user(&ctx.store, &bare).await;

    let mut uow = ctx.store.begin(Access::Read).await.unwrap();
    assert_eq!(uow.users().get(p, u.id).await.unwrap(), Some(u.clone()));
    assert_eq!(uow.users().get(p, bare.id).await.unwrap(), Some(bare.clone()));
    assert_eq!(uow.users().get(practice().id, u.id).await.unwrap(), None, "another practice sees nothing");
    assert_eq!(uow.users().find_by_email(p, &email("ana.silva@example.com")).await.unwrap(), Some(u.clone()));
    assert_eq!(uow.users().find_by_email(practice().id, &u.email).await.unwrap(), None);
    assert_eq!(uow.users().count_with_roles(p, &[seed.role.id], &[UserStatus::Active]).await.unwrap(), 1);
    assert_eq!(
        uow.users()
            .count_with_roles(p, &[seed.role.id], &[UserStatus::Active, UserStatus::Invited])
            .await
            .unwrap(),
        2
    );
    assert_eq!(uow.users().count_with_roles(p, &[], &[UserStatus::Active]).await.unwrap(), 0);
    drop(uow);

    // Change everything, email included; version goes 1 -> 2.
    let other_site = site(p, "Québec");
    let other_role = role(p, "Consultant");
    let mut uow = ctx.store.begin(Access::Write).await.unwrap();
    uow.sites().insert(&other_site).await.unwrap();
    uow.roles().insert_role(&other_role).await.unwrap();
    let later = now() + Duration::seconds(5);
    let new_address = email("ana@example.org");
    uow.users().reserve_email(p, &new_address, u.id, later).await.unwrap();
    u.email = new_address;
    u.name = PersonName::parse("Ana Sílva-Costa").unwrap();
    u.role = other_role.id;
    u.profiles.clear();
    u.sites = [seed.site.id, other_site.id].into_iter().collect();
    u.language = Language::parse("en").unwrap();
    u.time_zone = TimeZone::utc();
    u.phone = None;
    u.status = UserStatus::Inactive;
    u.version = 2;
    u.updated_at = later;
    uow.users().update(&u).await.unwrap();
    let mut stale = u.clone();
    stale.version = 2;
    assert_eq!(uow.users().update(&stale).await, Err(Conflict::Stale.into()), "stored version is 2 now");
    uow.commit().await.unwrap();

    let mut uow = ctx.store.begin(Access::Read).await.unwrap();
    assert_eq!(uow.users().get(p, u.id).await.unwrap(), Some(u.clone()));
    assert_eq!(uow.users().find_by_email(p, &email("Ana.Silva@example.com")).await.unwrap(), None);
    assert_eq!(uow.users().email_holder(p, &email("ANA.SILVA@example.com")).await.unwrap(), Some(u.id));
    let history = uow.users().email_history(p, u.id).await.unwrap();
    let addresses: Vec<&str> = history.iter().map(|(e, _)| e.as_str()).collect();
    assert_eq!(addresses, ["Ana.Silva@Example.COM", "ana@example.org"]);
    assert_eq!(history[1].1, later);
    assert!(uow.users().email_history(practice().id, u.id).await.unwrap().is_empty());
}

async fn credentials_round_trip(ctx: Ctx) {
    let seed = seed(&ctx.store).await;
    let u = user(seed.practice.id, seed.role.id, "cred@example.com", "Cred Ential");
    add_user(&ctx.store, &u).await;
    let mut credential = Credential::empty(seed.practice.id, u.id);
    let mut uow = ctx.store.begin(Access::Write).await.unwrap();
    uow.credentials().save(&credential).await.unwrap();
    uow.commit().await.unwrap();

    let at = now();
    credential.set_password(
        PasswordHash::from_phc("$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into()),
        at,
        Some(at + Duration::hours(24)),
    );
    credential.failed_attempts = 7;
    credential.last_failure_at = Some(at);
    credential.locked = true;
    credential.last_sign_in_at = Some(at - Duration::days(1));
    let mut uow = ctx.store.begin(Access::Write).await.unwrap();
    uow.credentials().save(&credential).await.unwrap();
    uow.commit().await.unwrap();

    let mut uow = ctx.store.begin(Access::Read).await.unwrap();
    assert_eq!(uow.credentials().get(seed.practice.id, u.id).await.unwrap(), Some(credential));
    assert_eq!(uow.credentials().get(practice().id, u.id).await.unwrap(), None);
}

async fn links_round_trip(ctx: Ctx) {
    let seed = seed(&ctx.store).await;
    let p = seed.practice.id;
    let u = user(p, seed.role.id, "links@example.com", "Link User");
    add_user(&ctx.store, &u).await;
    let party = party(p, seed.site.id);
    let at = now();
    let link = |purpose, subject, token: &str, expires| Link {
        id: id(),
        practice: p,
        purpose,
        subject,
        token_hash: Token::presented(token).hash(),
        created_at: at,
        expires_at: expires,
        used_at: None,
        voided_at: None,
    };
    let invitation = link(LinkPurpose::Invitation, LinkSubject::User(u.id), "a", at + Duration::days(7));
    let recovery = link(LinkPurpose::Recovery, LinkSubject::User(u.id), "b", at + Duration::hours(1));
    let expired = link(LinkPurpose::Recovery, LinkSubject::User(u.id), "c", at - Duration::hours(1));
    let for_party =
        link(LinkPurpose::PartyInvitation, LinkSubject::Party(party.id), "d", at + Duration::days(7));
    let mut uow = ctx.store.begin(Access::Write).await.unwrap();
    uow.parties().insert(&party).await.unwrap();
    for l in [&invitation, &recovery, &expired, &for_party] {
        uow.links().insert(l).await.unwrap();
    }
    uow.commit().await.unwrap();

    let mut uow = ctx.store.begin(Access::Write).await.unwrap();
    assert_eq!(
        uow.links().find_by_hash(&Token::presented("a").hash()).await.unwrap(),
        Some(invitation.clone())
    );
    assert_eq!(uow.links().find_by_hash(&Token::presented("zzz").hash()).await.unwrap(), None);
    let live = uow.links().live_for(p, LinkSubject::User(u.id), at).await.unwrap();
    assert_eq!(live.len(), 2, "{live:?}");
    assert_eq!(
        uow.links().live_for(p, LinkSubject::Party(party.id), at).await.unwrap(),
        vec![for_party.clone()]
    );
    assert!(uow.links().live_for(practice().id, LinkSubject::User(u.id), at).await.unwrap().is_empty());

    assert!(uow.links().consume(invitation.id, at).await.unwrap());
    assert!(!uow.links().consume(invitation.id, at).await.unwrap(), "single use");
    // Voids the unused recovery links (the expired one too), not the used invitation.
    assert_eq!(
        uow.links().void_for(p, LinkSubject::User(u.id), Some(LinkPurpose::Recovery), at).await.unwrap(),
        2
    );
    assert!(!uow.links().consume(recovery.id, at).await.unwrap(), "a voided link cannot be used");
    assert_eq!(uow.links().void_for(p, LinkSubject::User(u.id), None, at).await.unwrap(), 0);
    assert_eq!(uow.links().void_for(p, LinkSubject::Party(party.id), None, at).await.unwrap(), 1);
    uow.commit().await.unwrap();

    let mut uow = ctx.store.begin(Access::Read).await.unwrap();
    let used = uow.links().find_by_hash(&invitation.token_hash).await.unwrap().unwrap();
    assert_eq!(used.used_at, Some(at));
    assert_eq!(used.voided_at, None);
    let voided = uow.links().find_by_hash(&recovery.token_hash).await.unwrap().unwrap();
    assert_eq!(voided.voided_at, Some(at));
    assert!(uow.links().live_for(p, LinkSubject::User(u.id), at).await.unwrap().is_empty());
}

async fn sessions_round_trip(ctx: Ctx) {
    let seed = seed(&ctx.store).await;
    let p = seed.practice.id;
    let u = user(p, seed.role.id, "sessions@example.com", "Session User");
    add_user(&ctx.store, &u).await;
    let at = now();
    let session = |token: &str| Session {
        id: id(),
        practice: p,
        user: u.id,
        token_hash: Token::presented(token).hash(),
        created_at: at,
        last_seen_at: at,
        expires_at: at + Duration::hours(12),
        scope: SessionScope::SecondFactor,
        password_at: at,
        ended_at: None,
    };
    let (mut one, two, three) = (session("one"), session("two"), session("three"));
    let mut uow = ctx.store.begin(Access::Write).await.unwrap();
    for s in [&one, &two, &three] {
        uow.sessions().insert(s).await.unwrap();
    }
    one.last_seen_at = at + Duration::minutes(3);
    one.scope = SessionScope::Full;
    one.password_at = at + Duration::minutes(2);
    uow.sessions().update(&one).await.unwrap();
    assert_eq!(uow.sessions().end_all_for_user(p, u.id, Some(one.id), at).await.unwrap(), 2);
    assert_eq!(uow.sessions().end_all_for_user(p, u.id, Some(one.id), at).await.unwrap(), 0);
    uow.commit().await.unwrap();

    let mut uow = ctx.store.begin(Access::Read).await.unwrap();
    assert_eq!(
        uow.sessions().find_by_hash(&Token::presented("one").hash()).await.unwrap(),
        Some(one.clone())
    );
    assert_eq!(uow.sessions().get(p, one.id).await.unwrap(), Some(one.clone()));
    assert_eq!(uow.sessions().get(practice().id, one.id).await.unwrap(), None);
    assert_eq!(uow.sessions().get(p, two.id).await.unwrap().unwrap().ended_at, Some(at));
}

fn party(practice: PracticeId, site: SiteId) -> Party {
    Party {
        id: id(),
        practice,
        site,
        details: PartyDetails {
            kind: PartyKind::Student,
            name: PersonName::parse("Zoë Ó Briain").unwrap(),
            email: Some(email("zoe@example.com")),
            phone: Some(Phone::parse("555-0199").unwrap()),
            address: Some(Note::parse("3 School Rd").unwrap()),
            date_of_birth: NaiveDate::from_ymd_opt(2010, 4, 1),
            gender: Some(label("non-binary")),
            grade_or_position: Some(label("Grade 9")),
            language: Some(Language::parse("fr").unwrap()),
        },
        portal: PortalStatus::NotInvited,
        created_at: now(),
        updated_at: now(),
    }
}

async fn parties_round_trip(ctx: Ctx) {
    let seed = seed(&ctx.store).await;
    let p = seed.practice.id;
    let mut zoe = party(p, seed.site.id);
    let mut adam = party(p, seed.site.id);
    adam.details = PartyDetails {
        kind: PartyKind::Witness,
        name: PersonName::parse("adam Early").unwrap(),
        email: None,
        phone: None,
        address: None,
        date_of_birth: None,
        gender: None,
        grade_or_position: None,
        language: None,
    };
    let mut uow = ctx.store.begin(Access::Write).await.unwrap();
    uow.parties().insert(&zoe).await.unwrap();
    uow.parties().insert(&adam).await.unwrap();
    zoe.portal = PortalStatus::Invited;
    zoe.details.grade_or_position = Some(label("Grade 10"));
    zoe.updated_at = now() + Duration::seconds(1);
    uow.parties().update(&zoe).await.unwrap();
    uow.commit().await.unwrap();

    let mut uow = ctx.store.begin(Access::Read).await.unwrap();
    assert_eq!(uow.parties().get(p, zoe.id).await.unwrap(), Some(zoe.clone()));
    assert_eq!(uow.parties().list_by_site(p, seed.site.id).await.unwrap(), vec![adam, zoe.clone()]);
    assert_eq!(uow.parties().get(practice().id, zoe.id).await.unwrap(), None);
}

async fn cases_round_trip(ctx: Ctx) {
    let seed = seed(&ctx.store).await;
    let p = seed.practice.id;
    let owner = user(p, seed.role.id, "owner@example.com", "Owen Owner");
    let other = user(p, seed.role.id, "other@example.com", "Otto Other");
    add_user(&ctx.store, &owner).await;
    add_user(&ctx.store, &other).await;
    let at = now();
    let case = |title: &str, minutes| Case {
        id: id(),
        practice: p,
        title: label(title),
        status: CaseStatus::Open,
        owner: owner.id,
        created_at: at + Duration::minutes(minutes),
        updated_at: at,
    };
    let (first, mut second, third) = (case("A-1", 0), case("A-2", 1), case("A-3", 2));
    let mut uow = ctx.store.begin(Access::Write).await.unwrap();
    for c in [&third, &first, &second] {
        uow.cases().insert(c).await.unwrap();
    }
    second.status = CaseStatus::Closed;
    second.owner = other.id;
    second.updated_at = at + Duration::minutes(9);
    uow.cases().update(&second).await.unwrap();
    uow.commit().await.unwrap();

    let mut uow = ctx.store.begin(Access::Read).await.unwrap();
    assert_eq!(uow.cases().get(p, second.id).await.unwrap(), Some(second.clone()));
    assert_eq!(
        uow.cases().list_by_owner(p, owner.id, None).await.unwrap(),
        vec![first.clone(), third.clone()]
    );
    assert_eq!(uow.cases().list_by_owner(p, other.id, Some(CaseStatus::Closed)).await.unwrap(), vec![second]);
    assert!(uow.cases().list_by_owner(p, other.id, Some(CaseStatus::Open)).await.unwrap().is_empty());
    assert_eq!(uow.cases().count_open(p, owner.id).await.unwrap(), 2);
    assert_eq!(uow.cases().count_open(p, other.id).await.unwrap(), 0);
    assert_eq!(uow.cases().get(practice().id, first.id).await.unwrap(), None);
}

async fn audit_round_trips_and_pages(ctx: Ctx) {
    let seed = seed(&ctx.store).await;
    let p = seed.practice.id;
    let admin = user(p, seed.role.id, "admin@example.com", "Ada Admin");
    add_user(&ctx.store, &admin).await;
    let at = now();
    let mut entries = Vec::new();
    let mut uow = ctx.store.begin(Access::Write).await.unwrap();
    for i in 0..7 {
        let entry = AuditEntry {
            id: id(),
            practice: p,
            at: at + Duration::seconds(i),
            actor: if i % 2 == 0 { Actor::User(admin.id) } else { Actor::Anonymous },
            action: if i % 3 == 0 { AuditAction::SignInFailed } else { AuditAction::UserUpdated },
            target: (i != 6).then_some(Target::User(admin.id)),
            request_id: Some(RequestId::parse(&format!("req-{i}")).unwrap()),
            before: (i == 1).then(|| serde_json::json!({ "name": "Old", "n": 1 })),
            after: Some(serde_json::json!({ "name": "New", "list": [1, 2, 3], "nested": { "ok": true } })),
        };
        uow.audit().append(&entry).await.unwrap();
        entries.push(entry);
    }
    uow.commit().await.unwrap();
    let newest_first: Vec<AuditEntry> = entries.iter().rev().cloned().collect();

    let mut uow = ctx.store.begin(Access::Read).await.unwrap();
    let mut seen = Vec::new();
    let mut query = AuditQuery { limit: 3, ..AuditQuery::default() };
    loop {
        let page = uow.audit().list(p, &query).await.unwrap();
        seen.extend(page.items);
        match page.next {
            Some(next) => query.before_id = Some(next),
            None => break,
        }
    }
    assert_eq!(seen, newest_first);

    let all = |q: AuditQuery| AuditQuery { limit: 100, ..q };
    let by_action = uow
        .audit()
        .list(p, &all(AuditQuery { action: Some(AuditAction::SignInFailed), ..Default::default() }))
        .await
        .unwrap();
    assert_eq!(by_action.items.len(), 3);
    let by_actor = uow
        .audit()
        .list(p, &all(AuditQuery { actor: Some(Actor::Anonymous), ..Default::default() }))
        .await
        .unwrap();
    assert_eq!(by_actor.items.len(), 3);
    let by_user = uow
        .audit()
        .list(p, &all(AuditQuery { actor: Some(Actor::User(admin.id)), ..Default::default() }))
        .await
        .unwrap();
    assert_eq!(by_user.items.len(), 4);
    let by_target = uow
        .audit()
        .list(p, &all(AuditQuery { target: Some(Target::User(admin.id)), ..Default::default() }))
        .await
        .unwrap();
    assert_eq!(by_target.items.len(), 6);
    let window = AuditQuery {
        since: Some(at + Duration::seconds(2)),
        until: Some(at + Duration::seconds(4)),
        ..Default::default()
    };
    let in_window = uow.audit().list(p, &all(window)).await.unwrap();
    assert_eq!(in_window.items, vec![entries[3].clone(), entries[2].clone()]);
    assert!(uow.audit().list(practice().id, &all(AuditQuery::default())).await.unwrap().items.is_empty());
}

async fn outbox_round_trips(ctx: Ctx) {
    let seed = seed(&ctx.store).await;
    let p = seed.practice.id;
    let at = now();
    let mail = |minutes, message, status| OutboxEmail {
        id: id(),
        practice: p,
        practice_name: "Maple Immigration Law".into(),
        to: email("Pat@Example.com"),
        recipient_name: "Pat Paralegal".into(),
        language: Language::parse("fr-CA").unwrap(),
        time_zone: TimeZone::parse("America/Montreal").unwrap(),
        message,
        created_at: at + Duration::minutes(minutes),
        status,
        attempts: 2,
        next_attempt_at: at,
        last_error: Some("421 try later".into()),
        sent_at: None,
    };
    let invitation = mail(
        0,
        Message::Invitation {
            practice_slug: "maple-law".into(),
            inviter_name: "Ada".into(),
            token: MailSecret::new("tok"),
            expires_at: at,
        },
        DeliveryStatus::Pending,
    );
    let welcome = mail(
        1,
        Message::Welcome {
            practice_slug: "maple".into(),
            sign_in_email: "pat@example.com".into(),
            must_change_password: true,
            password_expires_at: None,
        },
        DeliveryStatus::Sent,
    );
    let mut uow = ctx.store.begin(Access::Write).await.unwrap();
    uow.outbox().enqueue(&invitation).await.unwrap();
    uow.outbox().enqueue(&welcome).await.unwrap();
    uow.commit().await.unwrap();

    let mut uow = ctx.store.begin(Access::Read).await.unwrap();
    let query = |status, limit| OutboxQuery { status, limit, ..OutboxQuery::default() };
    let list = uow.outbox().list(p, &query(None, 10)).await.unwrap();
    assert_eq!(list.items, vec![welcome.clone(), invitation.clone()], "as queued, secrets included");
    let pending = uow.outbox().list(p, &query(Some(DeliveryStatus::Pending), 10)).await.unwrap();
    assert_eq!(pending.items, vec![invitation]);
    let first = uow.outbox().list(p, &query(None, 1)).await.unwrap();
    assert_eq!((first.items, first.next), (vec![welcome.clone()], Some(welcome.id)));
    assert!(uow.outbox().list(practice().id, &query(None, 10)).await.unwrap().items.is_empty());
}
