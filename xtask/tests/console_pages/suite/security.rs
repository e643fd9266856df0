//! Second factors in the console: a role that requires one sends its
//! holder to enrol an authenticator (QR code and key), the recovery codes
//! are shown once, the next sign-in asks for a code, and an administrator
//! resets a user's factors after a confirmation page.

use super::*;
use identity_domain::factor::totp_step;
use identity_domain::ports::Clock;
use identity_domain::*;
use reqwest::StatusCode;
use reqwest::header;

/// The Base32 key a page shows (grouped by four) back to a secret.
fn secret_of(key: &str) -> TotpSecret {
    TotpSecret::from_base32(key).expect("a 160-bit Base32 key")
}

fn code(app: &App, secret: &TotpSecret) -> String {
    format!("{:06}", secret.code_at_step(totp_step(app.adapters.clock.now())))
}

/// The text of the element with `id` (up to its first tag).
fn text_of<'a>(html: &'a str, id: &str) -> &'a str {
    let marker = format!("id=\"{id}\">");
    let start = html.find(&marker).unwrap_or_else(|| panic!("no #{id} in {html}")) + marker.len();
    html[start..].split('<').next().unwrap()
}

fn location(page: &super::Page) -> &str {
    page.headers[header::LOCATION].to_str().unwrap()
}

#[tokio::test]
async fn a_required_factor_is_enrolled_then_asked_for_at_the_next_sign_in() {
    let Some(app) = spawn_app_with(Options { anonymous_per_minute: 1000, ..console_options() }).await else {
        return;
    };
    let paralegal = app.role("Paralegal").await;
    let owner = app.admin_caller().await;
    app.service.set_role_factor_requirement(&owner, paralegal, true).await.unwrap();
    let (user, session) = user_with_session(&app, "pat@maple.example", "Pat Person", paralegal).await;

    // Anything else leads to the enrolment.
    let page = send(get(&app, "/console/users", Some(&session))).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(location(&page), "/console/security");
    let page = send(get(&app, "/console/security", Some(&session))).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.html.contains("id=\"enrol-required\""), "{}", page.html);

    // Add an authenticator: the QR code is an image with a name, the key is text.
    let token = form_token(&page.html);
    let body = format!("csrf={token}&name=Phone");
    let page = send(post(&app, "/console/security/totp", &session, "same-origin", &body)).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.html);
    assert!(page.html.contains("<svg role=\"img\" aria-label="), "a QR code");
    let key = text_of(&page.html, "totp-key").to_owned();
    let secret = secret_of(&key);
    let factor = page.html.split("name=\"factor\" value=\"").nth(1).unwrap().split('"').next().unwrap().to_owned();

    // A wrong code says so, beside the field.
    let wrong = format!("csrf={token}&factor={factor}&code=000000&name=Phone&key={}", key.replace(' ', "+"));
    let page = send(post(&app, "/console/security/totp/confirm", &session, "same-origin", &wrong)).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.html.contains(&key), "the same key again");
    let right = format!("csrf={token}&factor={factor}&code={}&name=Phone", code(&app, &secret));
    let page = send(post(&app, "/console/security/totp/confirm", &session, "same-origin", &right)).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.html);
    assert_eq!(page.html.matches("<li><code>").count(), 10, "ten recovery codes, shown once");
    let page = send(get(&app, "/console/users", Some(&session))).await;
    assert_eq!(page.status, StatusCode::OK, "a full session now");

    // The next sign-in: the password, then a code.
    app.adapters.clock.advance(chrono::Duration::seconds(30));
    let page = send(get(&app, "/console/sign-in", None)).await;
    let visitor = first_cookie(&page.headers);
    let token = form_token(&page.html);
    let body = format!("csrf={token}&practice=maple-law&email=pat%40maple.example&password={}", PASSWORD.replace(' ', "+"));
    let page = send(post(&app, "/console/sign-in", &visitor, "same-origin", &body)).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(location(&page), "/console/sign-in/second-factor");
    let waiting = first_cookie(&page.headers);
    let cookies = format!("{visitor}; {waiting}");
    let page = send(get(&app, "/console/users", Some(&waiting))).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "a waiting session is no session");

    let wrong = format!("csrf={token}&code=000000");
    let page = send(post(&app, "/console/sign-in/second-factor", &cookies, "same-origin", &wrong)).await;
    assert_eq!(page.status, StatusCode::UNAUTHORIZED);
    assert!(page.html.contains("role=\"alert\""));
    app.adapters.clock.advance(chrono::Duration::seconds(2));
    let right = format!("csrf={token}&code={}", code(&app, &secret));
    let page = send(post(&app, "/console/sign-in/second-factor", &cookies, "same-origin", &right)).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.html);
    assert_eq!(location(&page), "/console");
    let full = first_cookie(&page.headers);
    assert_ne!(full, waiting, "a new session");
    assert_eq!(send(get(&app, "/console/users", Some(&full))).await.status, StatusCode::OK);

    // The users table finds who has a second factor, with a chip that
    // says so in the owner's French; built-in roles read in French too.
    let admin = owner_session(&app).await;
    let with = send(get(&app, "/console/users?second_factor=true", Some(&admin))).await;
    assert_eq!(with.status, StatusCode::OK);
    assert!(with.html.contains("<td>pat@maple.example</td>"), "{}", with.html);
    assert!(!with.html.contains("<td>owner@maple.example</td>"), "{}", with.html);
    assert!(with.html.contains("Second facteur : A un second facteur"), "{}", with.html);
    assert!(with.html.contains("<option value=\"true\" selected>A un second facteur</option>"));
    assert!(with.html.contains("<td>Parajuriste</td>"), "the role column in French: {}", with.html);
    let without = send(get(&app, "/console/users?second_factor=false", Some(&admin))).await;
    assert!(!without.html.contains("<td>pat@maple.example</td>"));
    assert!(without.html.contains("<td>owner@maple.example</td>"));
    let bad = send(get(&app, "/console/users?second_factor=yes", Some(&admin))).await;
    assert!(bad.html.contains("role=\"alert\"") && !bad.html.contains("<td>owner@maple.example</td>"), "refused, not ignored");

    // An administrator resets them, after a confirmation naming the person.
    let confirm = send(get(&app, &format!("/console/users/{}/confirm/reset-factors", user.id), Some(&admin))).await;
    assert_eq!(confirm.status, StatusCode::OK);
    assert!(confirm.html.contains("Pat Person"));
    let body = format!("csrf={}", form_token(&confirm.html));
    let path = format!("/console/users/{}/actions/reset-factors", user.id);
    let done = send(post(&app, &path, &admin, "same-origin", &body)).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    assert!(location(&done).ends_with("done=factors_reset"));
    let page = send(get(&app, "/console/users", Some(&full))).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "signed out everywhere");
    let with = send(get(&app, "/console/users?second_factor=true", Some(&admin))).await;
    assert!(!with.html.contains("<td>pat@maple.example</td>"), "no factor any more");
}
