//! The people picker (`/console/people` and its form without the script)
//! and the changes confirmed on a page of their own: deactivations and
//! Super Admin grants.

use super::*;
use identity_domain::*;
use reqwest::StatusCode;

/// Makes an invited user (no password to hash).
async fn invited(app: &App, email: &str, name: &str, role: RoleId) -> User {
    let owner = app.admin_caller().await;
    let new = NewUser {
        email: EmailAddress::parse(email).unwrap(),
        name: PersonName::parse(name).unwrap(),
        role,
        profiles: Default::default(),
        language: Language::parse("en").unwrap(),
        time_zone: TimeZone::parse("America/Toronto").unwrap(),
        phone: None,
        title: None,
        notes: None,
        sites: Default::default(),
        credential: InitialCredential::Invite,
    };
    app.service.create_user(&owner, new).await.unwrap().user
}

async fn role(app: &App, name: &str) -> Role {
    let owner = app.admin_caller().await;
    app.service.list_roles(&owner).await.unwrap().into_iter().find(|r| r.name.as_str() == name).unwrap()
}

/// The ids and labels `/console/people` answers.
async fn people(app: &App, session: &str, query: &str) -> (Vec<(String, String)>, bool) {
    let page = send(get(app, &format!("/console/people?{query}"), Some(session))).await;
    assert_eq!(page.status, StatusCode::OK, "{query}: {}", page.html);
    assert!(page.headers["content-type"].to_str().unwrap().starts_with("application/json"));
    let found: serde_json::Value = serde_json::from_str(&page.html).unwrap();
    let people = found["people"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["id"].as_str().unwrap().to_owned(), p["label"].as_str().unwrap().to_owned()))
        .collect();
    (people, found["more"].as_bool().unwrap())
}

#[tokio::test]
async fn the_people_picker_offers_only_who_may_take_cases_and_anyone_for_the_audit_log() {
    let Some(app) = spawn_app().await else { return };
    let admin = owner_session(&app).await;
    let owner = app.admin_caller().await;
    let consultant = role(&app, "RCIC Consultant").await.id;
    let accountant = role(&app, "Accountant").await.id;
    let rita = new_user(&app, "rita@maple.example", "Rita Zephyr", consultant, "en").await;
    let zoe = new_user(&app, "zoe@maple.example", "Zoé Zephyr", consultant, "en").await;
    let zack = new_user(&app, "zack@maple.example", "Zack Zephyr", accountant, "en").await;
    let zelda = new_user(&app, "zelda@maple.example", "Zelda Zephyr", consultant, "en").await;
    app.service.deactivate_user(&owner, zelda.id, None).await.unwrap();
    let zora = invited(&app, "zora@maple.example", "Zora Zephyr", consultant).await;
    for n in 0..25 {
        invited(&app, &format!("filler{n:02}@maple.example"), &format!("Filler {n:02}"), consultant).await;
    }

    // Who may take Rita's cases: active holders of cases.own, not Rita herself;
    // accents and case do not matter.
    let (found, more) = people(&app, &admin, &format!("for=owner&except={}&q=ZEPHYR", rita.id)).await;
    let ids: Vec<&str> = found.iter().map(|(id, _)| id.as_str()).collect();
    assert_eq!(ids, [zoe.id.to_string()], "{found:?}");
    assert!(!more);
    assert_eq!(found[0].1, "Zoé Zephyr (zoe@maple.example)");
    let (found, _) = people(&app, &admin, "for=owner&q=zoe").await;
    assert_eq!(found.len(), 1, "zoé is found as zoe: {found:?}");

    // Anyone, for the audit log: every status and role, the Super Admin included.
    let (found, _) = people(&app, &admin, "for=anyone&q=zephyr").await;
    let mut ids: Vec<String> = found.into_iter().map(|(id, _)| id).collect();
    ids.sort();
    let mut expected: Vec<String> = [rita.id, zoe.id, zack.id, zelda.id, zora.id].map(|i| i.to_string()).into();
    expected.sort();
    assert_eq!(ids, expected);
    let (found, _) = people(&app, &admin, "for=anyone&q=owner%40maple").await;
    assert_eq!(found.len(), 1, "the Super Admin is offered: {found:?}");

    // More matches than one answer shows: the first ones in name order, and "more".
    let (found, more) = people(&app, &admin, "for=anyone&q=filler").await;
    assert_eq!(found.len(), 20);
    assert!(more);
    assert!(found[0].1.starts_with("Filler 00") && found[19].1.starts_with("Filler 19"), "{found:?}");
    let (found, more) = people(&app, &admin, "for=anyone&q=filler%2024").await;
    assert_eq!((found.len(), more), (1, false), "typing more narrows to the last one: {found:?}");

    // Bad input is refused as problem+json.
    for bad in ["for=owner&q=ana%00", "for=everybody&q=ana", "for=owner&except=42"] {
        let page = send(get(&app, &format!("/console/people?{bad}"), Some(&admin))).await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
        assert_eq!(page.headers["content-type"], "application/problem+json", "{bad}");
        let problem: serde_json::Value = serde_json::from_str(&page.html).unwrap();
        assert_eq!(problem["status"], 422, "{bad}");
    }
    // Without a session: no answer about anyone.
    let page = send(get(&app, "/console/people?for=anyone&q=zephyr", None)).await;
    assert!(!page.html.contains("zephyr"), "{}", page.html);
}

#[tokio::test]
async fn without_the_script_a_typed_name_finds_then_reassigns_cases() {
    let Some(app) = spawn_app().await else { return };
    let admin = owner_session(&app).await;
    let owner = app.admin_caller().await;
    let consultant = role(&app, "RCIC Consultant").await.id;
    let rita = new_user(&app, "rita@maple.example", "Rita Consultant", consultant, "en").await;
    let colin = new_user(&app, "colin@maple.example", "Colin Consultant", consultant, "en").await;
    let case = app.service.create_case(&owner, Label::parse("Study permit").unwrap(), rita.id).await.unwrap();
    let path = format!("/console/users/{}/cases", rita.id);
    let page = send(get(&app, &path, Some(&admin))).await;
    assert!(page.html.contains("id=\"f-reassign_to\""), "{}", page.html);
    assert!(page.html.contains("data-picker=\"/console/people?for=owner&amp;except="), "{}", page.html);
    let token = form_token(&page.html);
    let reassign = format!("{path}/reassign");

    // "Find": the matches are listed to choose from, the ticked case stays ticked, nothing moves.
    let body = format!("csrf={token}&cases={}&reassign_to_q=consult&find=reassign_to", case.id);
    let found = send(post(&app, &reassign, &admin, "same-origin", &body)).await;
    assert_eq!(found.status, StatusCode::OK);
    assert!(found.html.contains(&format!("<option value=\"{}\">Colin Consultant", colin.id)), "{}", found.html);
    assert!(!found.html.contains(&format!("<option value=\"{}\"", rita.id)), "not the owner herself");
    assert!(found.html.contains(&format!("value=\"{}\" id=\"case-{}\" data-select-one aria-label=\"Study permit\" checked", case.id, case.id)));
    assert_eq!(app.service.get_case(&owner, case.id).await.unwrap().owner, rita.id);

    // "Select all" stays ticked after "Find" too.
    let body = format!("csrf={token}&all=1&reassign_to_q=colin&find=reassign_to");
    let found = send(post(&app, &reassign, &admin, "same-origin", &body)).await;
    assert!(found.html.contains("id=\"select-all\" data-select-all checked"), "{}", found.html);

    // Nobody chosen and a text that matches nobody: refused beside the field.
    let body = format!("csrf={token}&cases={}&reassign_to_q=nobody", case.id);
    let refused = send(post(&app, &reassign, &admin, "same-origin", &body)).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.html.contains("id=\"f-reassign_to-error\""), "{}", refused.html);

    // A text that finds exactly one person picks them.
    let body = format!("csrf={token}&cases={}&reassign_to_q=colin%20consultant", case.id);
    let done = send(post(&app, &reassign, &admin, "same-origin", &body)).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.html);
    assert_eq!(app.service.get_case(&owner, case.id).await.unwrap().owner, colin.id);
}

#[tokio::test]
async fn deactivations_and_super_admin_grants_are_confirmed_first_naming_the_person() {
    let Some(app) = spawn_app().await else { return };
    let admin = owner_session(&app).await;
    let owner = app.admin_caller().await;
    let consultant = role(&app, "RCIC Consultant").await.id;
    let super_admin = role(&app, "Super Admin").await.id;
    let ana = new_user(&app, "ana@maple.example", "Ana Lima", consultant, "en").await;
    let colin = new_user(&app, "colin@maple.example", "Colin Consultant", consultant, "en").await;
    let edit = format!("/console/users/{}/edit", ana.id);
    let page = send(get(&app, &edit, Some(&admin))).await;
    let token = form_token(&page.html);
    let form = format!(
        "csrf={token}&version={}&name=Ana+Lima&language=en&time_zone=America%2FToronto&status_shown=1",
        ana.version
    );

    // Unticking "Active" asks first, in danger style, naming Ana; nothing changes yet.
    let asked = send(post(&app, &edit, &admin, "same-origin", &form)).await;
    assert_eq!(asked.status, StatusCode::OK);
    assert!(asked.html.contains("<button type=\"submit\" class=\"danger\" id=\"confirm\">Désactiver Ana Lima</button>"), "{}", asked.html);
    assert!(asked.html.contains("name=\"confirmed\" value=\"1\""));
    assert_eq!(app.service.get_user(&owner, ana.id).await.unwrap().status, UserStatus::Active);

    // An unknown address keeps the navigation of a signed-in viewer.
    let missing = send(get(&app, "/console/nowhere", Some(&admin))).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert!(missing.html.contains("id=\"viewer-name\"") && missing.html.contains("class=\"alert\""), "{}", missing.html);

    // With open cases, the refusal offers the picker first; once someone is
    // chosen, the confirmation says where the cases go.
    let case = app.service.create_case(&owner, Label::parse("Work permit").unwrap(), ana.id).await.unwrap();
    let refused = send(post(&app, &edit, &admin, "same-origin", &form)).await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.html);
    assert!(refused.html.contains("id=\"f-reassign_to\""));
    // "Find" in the offer lists who may take them and changes nothing.
    let found = send(post(&app, &edit, &admin, "same-origin", &format!("{form}&reassign_to_q=colin&find=reassign_to"))).await;
    assert_eq!(found.status, StatusCode::OK);
    assert!(found.html.contains(&format!("<option value=\"{}\">Colin Consultant", colin.id)), "{}", found.html);
    assert_eq!(app.service.get_user(&owner, ana.id).await.unwrap().status, UserStatus::Active);
    let with_colin = format!("{form}&reassign_to={}", colin.id);
    let asked = send(post(&app, &edit, &admin, "same-origin", &with_colin)).await;
    assert_eq!(asked.status, StatusCode::OK, "{}", asked.html);
    assert!(asked.html.contains("Colin Consultant (colin@maple.example)"), "{}", asked.html);
    assert!(asked.html.contains("Désactiver Ana Lima"));
    assert_eq!(app.service.get_user(&owner, ana.id).await.unwrap().status, UserStatus::Active);
    let confirmed = send(post(&app, &edit, &admin, "same-origin", &format!("{with_colin}&confirmed=1"))).await;
    assert_eq!(confirmed.status, StatusCode::SEE_OTHER, "{}", confirmed.html);
    assert_eq!(app.service.get_user(&owner, ana.id).await.unwrap().status, UserStatus::Inactive);
    assert_eq!(app.service.get_case(&owner, case.id).await.unwrap().owner, colin.id);

    // Making Colin a Super Admin asks first; confirmed, it is done.
    let access = format!("/console/users/{}/access", colin.id);
    let grant = format!("csrf={token}&version={}&role={super_admin}", colin.version);
    let asked = send(post(&app, &access, &admin, "same-origin", &grant)).await;
    assert_eq!(asked.status, StatusCode::OK);
    assert!(asked.html.contains("Faire de Colin Consultant un super administrateur</button>"), "{}", asked.html);
    assert_eq!(app.service.get_user(&owner, colin.id).await.unwrap().role, consultant);
    let done = send(post(&app, &access, &admin, "same-origin", &format!("{grant}&confirmed=1"))).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.html);
    assert_eq!(app.service.get_user(&owner, colin.id).await.unwrap().role, super_admin);
}

#[tokio::test]
async fn an_invited_user_is_not_shown_as_active_and_action_buttons_say_the_action() {
    let Some(app) = spawn_app().await else { return };
    let admin = owner_session(&app).await;
    let consultant = role(&app, "RCIC Consultant").await.id;
    let ines = invited(&app, "ines@maple.example", "Inès Invitée", consultant).await;
    let page = send(get(&app, &format!("/console/users/{}/edit", ines.id), Some(&admin))).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.html.contains("id=\"f-active\""), "no Active box for an invited user: {}", page.html);
    assert!(page.html.contains("id=\"f-status-invited\""), "{}", page.html);
    let confirm = send(get(&app, &format!("/console/users/{}/confirm/revoke-invitation", ines.id), Some(&admin))).await;
    assert!(confirm.html.contains("class=\"danger\" id=\"confirm\">Révoquer l&#39;invitation de Inès Invitée</button>"), "{}", confirm.html);
}

#[tokio::test]
async fn the_audit_log_names_people_and_roles_translates_actions_and_shows_its_filters() {
    let Some(app) = spawn_app().await else { return };
    let admin = owner_session(&app).await;
    let owner = app.admin_caller().await;
    let consultant = role(&app, "RCIC Consultant").await;
    let paralegal = role(&app, "Paralegal").await;
    let ana = new_user(&app, "ana@maple.example", "Ana Lima", consultant.id, "en").await;
    app.service.set_access(&owner, ana.id, paralegal.id, Default::default(), None).await.unwrap();

    // The owner reads French: translated actions, names instead of ids.
    let page = send(get(&app, &format!("/console/audit?target={}", ana.id), Some(&admin))).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.html.contains("<td data-action=\"user.access_changed\">Rôle ou profils modifiés</td>"), "{}", page.html);
    // Built-in roles in the reader's language.
    assert!(page.html.contains("<del>Consultant CRIC</del>"), "{}", page.html);
    assert!(page.html.contains("<ins>Parajuriste</ins>"), "{}", page.html);
    assert!(!page.html.contains(&consultant.id.to_string()), "no role id shown: {}", page.html);
    assert!(!page.html.contains("{&quot;"), "no raw JSON: {}", page.html);
    // The filter is shown in its control, by name.
    assert!(
        page.html.contains(&format!("<option value=\"{}\" selected>Ana Lima (ana@maple.example)</option>", ana.id)),
        "{}",
        page.html
    );
    assert!(page.html.contains("data-action=\"user.created\""), "{}", page.html);
    assert!(!page.html.contains("data-action=\"practice.created\""), "only entries about Ana: {}", page.html);

    // A typed name that finds one person filters by them; the Super Admin can be found.
    let page = send(get(&app, "/console/audit?actor_q=owner%40maple", Some(&admin))).await;
    assert!(page.html.contains(&format!("<option value=\"{}\" selected>", app.owner)), "{}", page.html);
    assert!(page.html.contains("data-action=\"user.access_changed\""), "what the owner did: {}", page.html);
    assert!(!page.html.contains("data-action=\"practice.created\""), "not what the system did: {}", page.html);
}

/// The picker's rule and the domain's agree: over every mix of role
/// (built-in or custom, with or without `cases.own`), profile (none, or one
/// granting `cases.own`) and status, "Reassign to…" offers exactly the
/// people the domain accepts as a case's owner.
#[tokio::test]
async fn the_reassign_picker_offers_exactly_whom_the_domain_lets_own_a_case() {
    let Some(app) = spawn_app().await else { return };
    let admin = owner_session(&app).await;
    let owner = app.admin_caller().await;
    let front_desk = GrantDraft {
        name: Label::parse("Front desk").unwrap(),
        permissions: [Permission::UsersRead, Permission::CasesRead].into_iter().collect(),
    };
    let front_desk = app.service.create_role(&owner, front_desk).await.unwrap().id;
    let casework = GrantDraft {
        name: Label::parse("Casework").unwrap(),
        permissions: [Permission::CasesOwn].into_iter().collect(),
    };
    let casework = app.service.create_profile(&owner, casework).await.unwrap().id;
    let roles = [
        role(&app, "RCIC Consultant").await.id,
        role(&app, "Accountant").await.id,
        role(&app, "Administrator").await.id,
        front_desk,
    ];
    let mut people = vec![app.owner];
    for (r, role) in roles.into_iter().enumerate() {
        for with_profile in [false, true] {
            for status in [UserStatus::Active, UserStatus::Inactive, UserStatus::Invited] {
                let email = format!("p{r}-{with_profile}-{}@maple.example", status.as_str());
                let name = format!("Person {r} {with_profile} {}", status.as_str());
                let user = match status {
                    UserStatus::Invited => invited(&app, &email, &name, role).await,
                    _ => new_user(&app, &email, &name, role, "en").await,
                };
                if with_profile {
                    let profiles = [casework].into_iter().collect();
                    app.service.set_access(&owner, user.id, role, profiles, None).await.unwrap();
                }
                if status == UserStatus::Inactive {
                    app.service.deactivate_user(&owner, user.id, None).await.unwrap();
                }
                people.push(user.id);
            }
        }
    }
    let holder = new_user(&app, "holder@maple.example", "Case Holder", roles[0], "en").await;
    let case = app.service.create_case(&owner, Label::parse("Visitor visa").unwrap(), holder.id).await.unwrap();
    let (offered, more) = people_offered(&app, &admin, holder.id).await;
    assert!(!more);
    let mut tally = (0, 0);
    for person in people {
        let accepted = app.service.assign_case(&owner, case.id, person).await.is_ok();
        if accepted {
            app.service.assign_case(&owner, case.id, holder.id).await.unwrap();
        }
        let user = app.service.get_user(&owner, person).await.unwrap();
        assert_eq!(offered.contains(&person.to_string()), accepted, "{} ({:?})", user.name, user.status);
        if accepted { tally.0 += 1 } else { tally.1 += 1 }
    }
    // The owner, and of the 8 active ones the 6 holding cases.own by role
    // (Consultant, Administrator) or by the Casework profile.
    assert_eq!(tally, (7, 18), "accepted and refused");
}

/// Every id "Reassign to…" offers for `holder`'s cases, asking by each
/// group of emails (none holds more than one answer's 20).
async fn people_offered(app: &App, session: &str, holder: UserId) -> (std::collections::BTreeSet<String>, bool) {
    let mut all = std::collections::BTreeSet::new();
    let mut any_more = false;
    for term in ["p0-", "p1-", "p2-", "p3-", "owner@"] {
        let (found, more) = people(app, session, &format!("for=owner&except={holder}&q={term}")).await;
        any_more |= more;
        all.extend(found.into_iter().map(|(id, _)| id));
    }
    (all, any_more)
}
