//! The console's flows over HTTP: post/redirect/get after creating a user
//! (the one-time password shown once, never in an address), the pages of
//! dead links (no form, the next step), the sign-in page filled in after
//! joining, the language and time zone pickers, and built-in names in the
//! reader's language.

use super::*;
use identity_domain::*;
use reqwest::StatusCode;
use reqwest::header;

/// Every cookie an answer sets, as `name=value; attributes`.
fn set_cookies(headers: &reqwest::header::HeaderMap) -> Vec<String> {
    headers.get_all(header::SET_COOKIE).iter().map(|v| v.to_str().unwrap().to_owned()).collect()
}

/// The text of the element with `id`, up to its first tag.
fn text_of<'a>(html: &'a str, id: &str) -> Option<&'a str> {
    let start = html.find(&format!("id=\"{id}\""))?;
    let from = start + html[start..].find('>')? + 1;
    html[from..].split('<').next()
}

#[tokio::test]
async fn creating_a_user_redirects_to_a_page_that_shows_the_one_time_password_once() {
    let Some(app) = spawn_app().await else { return };
    let admin = owner_session(&app).await;
    let form = send(get(&app, "/console/users/new", Some(&admin))).await;
    assert_eq!(form.status, StatusCode::OK);
    let token = form_token(&form.html);
    let role = app.role("Paralegal").await;
    let body = format!(
        "csrf={token}&name=Pat+Paralegal&email=pat%40maple.example&role={role}&language=fr-CA\
         &time_zone=America%2FToronto&password_mode=generate&submit=save"
    );
    let created = send(post(&app, "/console/users", &admin, "same-origin", &body)).await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.html);
    let location = created.headers[header::LOCATION].to_str().unwrap().to_owned();
    assert!(location.starts_with("/console/users/") && location.ends_with("/created"), "{location}");
    let cookies = set_cookies(&created.headers);
    let flash = cookies.iter().find(|c| c.starts_with("__Host-console-created=")).expect("a flash cookie");
    assert!(flash.contains("HttpOnly") && flash.contains("Secure") && flash.contains("SameSite=Strict"));
    let flash = flash.split(';').next().unwrap().to_owned();

    // Another administrator's session cannot open it.
    let (_, other) = user_with_session(&app, "ada@maple.example", "Ada Admin", app.role("Administrator").await)
        .await;
    let page = send(get(&app, &location, Some(&format!("{other}; {flash}")))).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.html.contains("id=\"generated-password\""), "{}", page.html);

    // The creator's page shows it, and removes the cookie.
    let page = send(get(&app, &location, Some(&format!("{admin}; {flash}")))).await;
    assert_eq!(page.status, StatusCode::OK);
    let shown = text_of(&page.html, "generated-password").expect("the password is shown").to_owned();
    assert!(!location.contains(&shown), "never in the address");
    assert!(!flash.contains(&shown), "sealed, not in clear");
    let signed = app
        .service
        .sign_in(SignIn {
            practice: "maple-law".into(),
            email: "pat@maple.example".into(),
            password: secrecy::SecretString::from(shown.clone()),
            request_id: None,
        })
        .await;
    assert!(signed.is_ok_and(|s| s.password_change_only()), "the shown password is Pat's one-time password");
    let removal = set_cookies(&page.headers);
    assert!(removal.iter().any(|c| c.starts_with("__Host-console-created=") && c.contains("Max-Age=0")), "{removal:?}");

    // A reload (the cookie gone) says it was shown, and posts nothing.
    let again = send(get(&app, &location, Some(&admin))).await;
    assert_eq!(again.status, StatusCode::OK);
    assert!(!again.html.contains("id=\"generated-password\""));
    assert!(again.html.contains("Pat Paralegal"), "{}", again.html);
    let owner = app.admin_caller().await;
    let users = app.service.list_users(&owner, &UserQuery::default()).await.unwrap();
    assert_eq!(users.items.iter().filter(|u| u.user.email.as_str() == "pat@maple.example").count(), 1, "one Pat");

    // Not a user's address: not found, in the console's style.
    let page = send(get(&app, "/console/users/not-an-id/created", Some(&admin))).await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_dead_link_opens_a_page_without_a_form_that_says_what_to_do_next() {
    let Some(app) = spawn_app().await else { return };
    for (path, next) in [
        ("/recover", "href=\"/console/forgot\""),
        ("/join", "href=\"/console/sign-in\""),
        ("/portal/recover", "href=\"/portal/forgot\""),
        ("/portal/join", "href=\"/portal/sign-in\""),
    ] {
        let page = send(get(&app, path, None)).await;
        assert!(page.html.contains("name=\"new_password\""), "{path}: a live link's page has the form");
        let cookie = first_cookie(&page.headers);
        let body = format!("csrf={}&token=no-such-link&new_password=a+long+enough+passphrase", form_token(&page.html));
        let dead = send(post(&app, path, &cookie, "same-origin", &body)).await;
        assert_eq!(dead.status, StatusCode::GONE, "{path}: {}", dead.html);
        assert!(!dead.html.contains("name=\"new_password\""), "{path}: no form");
        assert!(dead.html.contains("id=\"link-dead\"") && dead.html.contains(next), "{path}: {}", dead.html);
        // Where the page's script leads when the API says the link is dead.
        let shown = send(get(&app, &format!("{path}?link=dead"), None)).await;
        assert_eq!(shown.status, StatusCode::OK);
        assert!(!shown.html.contains("name=\"new_password\"") && shown.html.contains(next), "{path}");
    }
}

#[tokio::test]
async fn after_joining_the_sign_in_page_has_the_practice_code_and_the_email() {
    let Some(app) = spawn_app().await else { return };
    let owner = app.admin_caller().await;
    let invited = NewUser {
        email: EmailAddress::parse("ivy@maple.example").unwrap(),
        name: PersonName::parse("Ivy Invited").unwrap(),
        role: app.role("Paralegal").await,
        profiles: Default::default(),
        language: Language::parse("en").unwrap(),
        time_zone: TimeZone::parse("America/Toronto").unwrap(),
        phone: None,
        title: None,
        notes: None,
        sites: Default::default(),
        credential: InitialCredential::Invite,
    };
    app.service.create_user(&owner, invited).await.unwrap();
    let invitation = app.adapters.outbox().await.into_iter().rev().find(|e| e.message.kind() == "invitation");
    match invitation.map(|e| e.message) {
        Some(Message::Invitation { practice_slug, .. }) => assert_eq!(practice_slug, "maple-law"),
        other => panic!("no invitation: {other:?}"),
    }
    let token = app.last_secret("ivy@maple.example", "invitation").await;
    let page = send(get(&app, "/join", None)).await;
    let cookie = first_cookie(&page.headers);
    let body = format!("csrf={}&token={token}&new_password=a+long+enough+passphrase", form_token(&page.html));
    let joined = send(post(&app, "/join", &cookie, "same-origin", &body)).await;
    assert_eq!(joined.status, StatusCode::SEE_OTHER, "{}", joined.html);
    let location = joined.headers[header::LOCATION].to_str().unwrap().to_owned();
    assert_eq!(location, "/console/sign-in?notice=joined&practice=maple-law&email=ivy%40maple.example");
    let sign_in = send(get(&app, &location, None)).await;
    assert!(sign_in.html.contains("value=\"maple-law\""), "{}", sign_in.html);
    assert!(sign_in.html.contains("value=\"ivy@maple.example\""), "{}", sign_in.html);
}

#[tokio::test]
async fn languages_and_time_zones_are_chosen_from_lists_and_built_ins_read_in_french() {
    let Some(app) = spawn_app().await else { return };
    // The owner reads French (console_options).
    let admin = owner_session(&app).await;
    let form = send(get(&app, "/console/users/new", Some(&admin))).await;
    assert!(form.html.contains("<select id=\"f-language\" name=\"language\""), "{}", form.html);
    assert!(form.html.contains("<option value=\"fr-CA\" lang=\"fr\" selected>Français (Canada)</option>"));
    assert!(form.html.contains("<option value=\"en\" lang=\"en\">English</option>"));
    assert!(form.html.contains("<select id=\"f-time_zone\" name=\"time_zone\""));
    assert!(form.html.contains("<option value=\"America/Montreal\" selected>America/Montreal</option>"));
    assert!(form.html.contains("<option value=\"Pacific/Auckland\">"), "the whole IANA list");
    // Built-in roles read in French; a custom one as it was named.
    assert!(form.html.contains(">Parajuriste</option>") && !form.html.contains(">Paralegal</option>"));
    let roles = send(get(&app, "/console/roles", Some(&admin))).await;
    assert!(roles.html.contains("Super administrateur") && roles.html.contains("Recouvrement"));

    // The server still refuses what no list offers.
    let token = form_token(&form.html);
    let role = app.role("Paralegal").await;
    let body = format!(
        "csrf={token}&name=Pat+Paralegal&email=pat%40maple.example&role={role}&language=%21%21\
         &time_zone=Mars%2FBase&password_mode=generate&submit=save"
    );
    let refused = send(post(&app, "/console/users", &admin, "same-origin", &body)).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.html.contains("id=\"f-language-error\"") && refused.html.contains("id=\"f-time_zone-error\""));
    assert!(refused.html.contains("<option value=\"Mars/Base\" selected>"), "what was sent is shown again");
}
