//! The party portal's pages against the real server (`xtask serve` in a
//! temporary folder, SQLite, the `.eml` outbox):
//!
//! - in headless Chromium (as `console.rs` does): the Case Tracker help
//!   page end to end — a site, a new individual, Send invite, the link read
//!   from the outbox folder, join, sign in to the portal, the case they take
//!   part in, a phone number changed, sign out; and an individual saved
//!   without an email, invited later; the individual's page in the console
//!   with every portal action. A screenshot of each portal page is saved
//!   under `<target>/console-screenshots/portal-*.png`.
//! - over plain HTTP: the portal's form tokens and same-origin rule, its
//!   session cookie kept apart from the console's, and its French pages.
//!
//! Without `/usr/bin/chromium` and `/usr/bin/chromedriver` the browser
//! test prints SKIPPED and passes, except under `CI=true`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "common/binary.rs"]
mod binary;

#[path = "common/browser.rs"]
mod browser;

use binary::{PASSWORD, Running};
use browser::{Browser, browser_available, emailed_link, new_emailed_link};
use fantoccini::Locator;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::path::PathBuf;
use std::time::Duration;
const PARTY_PASSWORD: &str = "blue herons over the quiet lake";

struct Server {
    running: Running,
    dir: PathBuf,
    admin: String,
    /// Where the browser opens the pages (the public URL).
    base: String,
}

impl Server {
    /// `xtask serve` in a fresh folder; the first Super Admin's password
    /// set to [`PASSWORD`] through the API.
    async fn start(tag: &str) -> Self {
        Self::start_with(tag, &[], None).await
    }

    /// [`Server::start`] with its public URL `http://localhost:…`: WebAuthn
    /// binds a passkey to a domain name, so only there are passkeys offered.
    async fn start_on_localhost(tag: &str) -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let (listen, base) = (format!("127.0.0.1:{port}"), format!("http://localhost:{port}"));
        Self::start_with(
            tag,
            &[("IDENTITY_LISTEN", &listen), ("IDENTITY_PUBLIC_URL", &base)],
            Some(base.clone()),
        )
        .await
    }

    async fn start_with(tag: &str, env: &[(&str, &str)], base: Option<String>) -> Self {
        let dir = binary::temp_dir(&format!("portal-{tag}"));
        let env: Vec<(&str, &str)> = [("RUST_LOG", "warn")].into_iter().chain(env.iter().copied()).collect();
        let running = binary::start(&dir, &env);
        let one_time = running.first_password.clone().expect("first start printed a password");
        let admin = running.client().first_admin(&one_time).await;
        let base = base.unwrap_or_else(|| running.base.clone());
        Self { running, dir, admin, base }
    }

    fn base(&self) -> &str {
        &self.base
    }

    fn outbox(&self) -> PathBuf {
        self.dir.join("data").join("mail-outbox")
    }

    async fn api(&self, method: Method, path: &str, body: Option<Value>) -> Value {
        let (status, answer) = self.running.client().send(method, path, Some(&self.admin), body).await;
        assert!(status.is_success(), "{path}: {status} {answer}");
        answer
    }

    /// A case owned by the first Super Admin, made through the API as the
    /// case system would; its id.
    async fn case(&self, title: &str) -> String {
        let me = self.api(Method::GET, "/api/v1/me", None).await;
        let case =
            self.api(Method::POST, "/api/v1/cases", Some(json!({ "title": title, "owner": me["id"] }))).await;
        case["id"].as_str().unwrap().to_owned()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

// ---------------------------------------------------------------------------
// The browser.

impl Browser {
    /// Sets a field's value directly (date fields take keys by locale).
    async fn set(&self, css: &str, value: &str) {
        self.find(css).await;
        self.client
            .execute(
                "document.querySelector(arguments[0]).value = arguments[1];",
                vec![json!(css), json!(value)],
            )
            .await
            .unwrap();
    }

    async fn value(&self, css: &str) -> String {
        self.find(css).await.prop("value").await.unwrap().unwrap_or_default()
    }

    /// Nothing of the page is wider than the window (no sideways scrolling
    /// of the page itself; wide tables scroll in their own box).
    async fn assert_fits(&self) {
        let sizes = self
            .client
            .execute("return [document.documentElement.scrollWidth, window.innerWidth];", vec![])
            .await
            .unwrap();
        assert!(
            sizes[0].as_u64() <= sizes[1].as_u64(),
            "{} is wider than the window: {sizes}",
            self.path().await
        );
    }

    /// The page at phone width (320 px): it fits, and its screenshot.
    async fn shot_narrow(&self, name: &str) {
        self.client.set_window_size(320, 800).await.unwrap();
        tokio::time::sleep(Duration::from_millis(200)).await;
        let width = self.client.execute("return window.innerWidth;", vec![]).await.unwrap();
        assert!(width.as_u64().is_some_and(|w| w <= 400), "the window is phone-wide: {width}");
        self.assert_fits().await;
        self.shot(name).await;
        self.client.set_window_size(1280, 900).await.unwrap();
    }

    async fn console_sign_in(&self) {
        self.goto("/console/sign-in").await;
        self.fill("#f-practice", "practice").await;
        self.fill("#f-email", "admin@practice.example").await;
        self.fill("#f-password", PASSWORD).await;
        self.submit("button.primary").await;
        assert!(self.path().await.starts_with("/console/users"), "{}", self.path().await);
    }

    async fn portal_sign_in(&self, email: &str, password: &str) {
        self.goto("/portal/sign-in").await;
        self.fill("#f-practice", "practice").await;
        self.fill("#f-email", email).await;
        self.fill("#f-password", password).await;
        self.submit("#sign-in").await;
    }

    /// Opens an individual from their site's list; the page's address.
    async fn open_party(&self, site: &str, name: &str) -> String {
        self.goto(site).await;
        let links = self.client.find_all(Locator::Css("#parties tbody a")).await.unwrap();
        for link in links {
            if link.text().await.unwrap() == name {
                let href = link.attr("href").await.unwrap().unwrap();
                self.goto(&href).await;
                return href;
            }
        }
        panic!("{name} is not listed at {site}");
    }

    /// An action of the individual's page, confirmed when it asks.
    async fn party_action(&self, slug: &str) {
        self.submit(&format!("#action-{slug}")).await;
        if self.path().await.contains("/confirm/") {
            assert!(!self.text("#question").await.is_empty());
            self.submit("#confirm").await;
        }
    }
}

/// The Case Tracker help page ("Invite Case Parties"), then the other side
/// of the invitation: the individual's portal.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invited_individual_joins_the_portal_and_sees_their_case() {
    if !browser_available() {
        return;
    }
    let server = Server::start("walk").await;
    let browser = Browser::open(server.base(), "walk").await;
    browser.console_sign_in().await;

    // School Sites → a campus.
    browser.goto("/console/sites").await;
    browser.fill("#f-name", "North Campus").await;
    browser.submit("#create-site").await;
    let site = browser.path().await.split('?').next().unwrap().to_owned();

    // New Individual → contact and demographic information → Send Invite.
    browser.click("#new-party-menu summary").await;
    browser.select("#f-kind", "Student").await;
    browser.fill("#f-name", "Sam Student").await;
    browser.fill("#f-email", "sam@student.example").await;
    browser.fill("#f-phone", "+1 416 555 0100").await;
    browser.set("#f-date_of_birth", "2010-05-31").await;
    browser.fill("#f-gender", "Non-binary").await;
    browser.fill("#f-grade_or_position", "Grade 10").await;
    browser.select("#f-language", "English").await;
    browser.submit("#invite-party").await;
    assert_eq!(browser.text("#done").await, "The individual is saved and invited.");

    // The individual's page: every detail, and the invitation's times.
    let party = browser.open_party(&site, "Sam Student").await;
    let facts = browser.text("#facts").await;
    for shown in ["Student", "sam@student.example", "+1 416 555 0100", "2010-05-31", "Non-binary", "Grade 10"]
    {
        assert!(facts.contains(shown), "{shown} in {facts}");
    }
    assert_eq!(browser.text("#portal-state").await, "Invited");
    let portal = browser.text("#portal-facts").await;
    assert!(portal.contains("Invitation sent") && portal.contains("Link expires"), "{portal}");

    // The case they take part in (opened by the case system, through the
    // API), added on their page by its reference.
    let case = server.case("Attendance review - Sam").await;
    browser.fill("#f-case", "not a reference").await;
    browser.submit("#add-case").await;
    assert_eq!(browser.text("#f-case-error").await, "No case has this reference in your practice.");
    browser.fill("#f-case", &case).await;
    browser.select("#f-part", "Complainant").await;
    browser.submit("#add-case").await;
    assert_eq!(browser.text("#done").await, "The individual is added to the case.");
    let cases = browser.text("#party-cases").await;
    assert!(cases.contains("Attendance review - Sam") && cases.contains("Complainant"), "{cases}");
    browser.shot("party").await;

    // The console's cookie opens no portal page.
    browser.goto("/portal").await;
    assert_eq!(browser.path().await, "/portal/sign-in");

    // The link from the real outbox: join with a password.
    let link = emailed_link(&server.outbox(), "sam@student.example", "/portal/join").await;
    assert!(link.starts_with(&format!("{}/portal/join#token=", server.base())), "{link}");
    browser.goto(&link).await;
    assert_eq!(browser.path().await, "/portal/join", "the token leaves the address bar");
    assert_eq!(browser.text("h1").await, "Create your portal account");
    browser.shot("portal-join").await;
    browser.fill("#f-new_password", "short").await;
    browser.submit("#set-password").await;
    assert!(browser.text("#f-new_password-error").await.contains("at least"));
    browser.fill("#f-new_password", PARTY_PASSWORD).await;
    browser.submit("#set-password").await;
    assert_eq!(
        browser.path().await,
        "/portal/sign-in?notice=joined&practice=practice&email=sam%40student.example"
    );
    // The practice's sign-in code and the email are filled in.
    assert_eq!(browser.field_value("#f-practice").await, "practice");
    assert_eq!(browser.field_value("#f-email").await, "sam@student.example");
    assert_eq!(
        browser.text("#notice").await,
        "Your portal account is active. Sign in with your new password."
    );
    browser.shot("portal-sign-in").await;
    browser.shot_narrow("portal-sign-in-320").await;

    // Sign in: a wrong password first, then the right one.
    browser.portal_sign_in("sam@student.example", "not my password at all").await;
    assert_eq!(browser.text("#form-error").await, "The practice, email or password is not correct.");
    browser.portal_sign_in("sam@student.example", PARTY_PASSWORD).await;
    assert_eq!(browser.path().await, "/portal");
    assert_eq!(browser.text("h1").await, "My cases");
    let row = browser.text("#cases tbody tr").await;
    for shown in ["Attendance review - Sam", "Open", "Complainant", "North Campus"] {
        assert!(row.contains(shown), "{shown} in {row}");
    }
    browser.shot("portal-home").await;
    browser.shot_narrow("portal-home-320").await;

    // The portal's cookie opens no console page; the console's still works.
    browser.goto("/console/sites").await;
    assert_eq!(browser.path().await, "/console/sites", "the administrator's session is still there");
    browser.goto("/portal").await;
    assert_eq!(browser.path().await, "/portal");

    // Change a phone number.
    browser.submit("#nav-profile").await;
    assert_eq!(browser.value("#f-phone").await, "+1 416 555 0100");
    let record = browser.text("#facts").await;
    for shown in ["sam@student.example", "2010-05-31", "Non-binary", "Grade 10"] {
        assert!(record.contains(shown), "{shown} in {record}");
    }
    browser.fill("#f-phone", "call me").await;
    browser.submit("#save-profile").await;
    assert!(browser.text("#f-phone-error").await.contains("4 to 20 digits"));
    browser.fill("#f-phone", "+1 416 555 0199").await;
    browser.submit("#save-profile").await;
    assert_eq!(browser.text("#done").await, "Your details are saved.");
    assert_eq!(browser.value("#f-phone").await, "+1 416 555 0199");
    browser.shot("portal-profile").await;
    browser.shot_narrow("portal-profile-320").await;

    // The administrator sees the new number.
    browser.goto(&party).await;
    assert!(browser.text("#facts").await.contains("+1 416 555 0199"));
    assert_eq!(browser.text("#portal-state").await, "Active");

    // The password page asks for the current password.
    browser.goto("/portal/password").await;
    browser.fill("#f-current_password", "not my password at all").await;
    browser.fill("#f-new_password", "green kayaks under the old bridge").await;
    browser.submit("#save-password").await;
    assert_eq!(browser.text("#f-current_password-error").await, "The current password is not correct.");
    browser.shot("portal-password").await;

    // Sign out: the portal asks to sign in again.
    browser.submit("#sign-out").await;
    assert_eq!(browser.path().await, "/portal/sign-in?notice=signed_out");
    assert_eq!(browser.text("#notice").await, "You are signed out.");
    browser.goto("/portal/profile").await;
    assert_eq!(browser.path().await, "/portal/sign-in");

    // Forgot password: the same answer for anyone.
    browser.submit("#forgot").await;
    browser.shot("portal-forgot").await;
    browser.fill("#f-practice", "practice").await;
    browser.fill("#f-email", "sam@student.example").await;
    browser.submit("#send-link").await;
    assert!(browser.text("#notice").await.starts_with("If the practice and email match an account"));
    let asked = emailed_link(&server.outbox(), "sam@student.example", "/portal/recover").await;

    // The administrator's recovery link, from the individual's page.
    browser.goto(&party).await;
    browser.party_action("recovery").await;
    assert_eq!(browser.text("#done").await, "A recovery link is on its way.");
    let recovery =
        new_emailed_link(&server.outbox(), "sam@student.example", "/portal/recover", &[asked]).await;
    browser.goto(&recovery).await;
    assert_eq!(browser.path().await, "/portal/recover");
    browser.shot("portal-recover").await;
    browser.fill("#f-new_password", "green kayaks under the old bridge").await;
    browser.submit("#set-password").await;
    assert!(browser.path().await.starts_with("/portal/sign-in?notice=password_set&practice=practice&email="));
    // The used link again: the page finds it dead before a password is
    // typed, and says what happened without a form, leading to a new link.
    browser.goto(&recovery).await;
    assert!(browser.shown_text("#link-dead").await.contains("already used"));
    assert_eq!(browser.path().await, "/portal/recover?link=dead");
    assert_eq!(browser.text("h1").await, "This link no longer works");
    assert!(browser.text("#link-dead").await.contains("already used"));
    assert!(!browser.has("#f-new_password").await, "no form on a dead link's page");
    assert!(browser.text("#link-next").await.starts_with("Request a new link"));
    browser.shot("portal-recover-dead").await;
    browser.submit("#link-next-action").await;
    assert_eq!(browser.path().await, "/portal/forgot");
    browser.portal_sign_in("sam@student.example", "green kayaks under the old bridge").await;
    assert_eq!(browser.path().await, "/portal");

    // End sessions, deactivate, reactivate: each ends or restores access.
    browser.goto(&party).await;
    browser.party_action("end-sessions").await;
    assert_eq!(browser.text("#done").await, "Portal sessions ended: 1.");
    browser.goto("/portal").await;
    assert_eq!(browser.path().await, "/portal/sign-in?notice=ended");
    browser.goto(&party).await;
    browser.party_action("deactivate").await;
    assert_eq!(browser.text("#done").await, "Portal access is deactivated.");
    assert_eq!(browser.text("#portal-state").await, "Inactive");
    browser.portal_sign_in("sam@student.example", "green kayaks under the old bridge").await;
    assert_eq!(browser.text("#form-error").await, "The practice, email or password is not correct.");
    browser.goto(&party).await;
    browser.party_action("reactivate").await;
    assert_eq!(browser.text("#portal-state").await, "Active");
    browser.portal_sign_in("sam@student.example", "green kayaks under the old bridge").await;
    assert_eq!(browser.path().await, "/portal");

    // Taking them off the case, after a confirmation.
    browser.goto(&party).await;
    browser.submit(&format!("#remove-{case}")).await;
    assert!(browser.text("#question").await.contains("Attendance review - Sam"));
    browser.submit("#confirm").await;
    assert_eq!(browser.text("#done").await, "The individual is taken off the case.");
    assert!(browser.has("#no-cases").await);
    browser.goto("/portal").await;
    assert_eq!(browser.text("#no-cases").await, "You take part in no case yet.");

    browser.close().await;
}

/// "To save the individual without sending an email invitation, click
/// Save": then invited later from their page, the invitation revoked and
/// sent again, and joined from the newest link.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_individual_saved_without_an_email_is_invited_later() {
    if !browser_available() {
        return;
    }
    let server = Server::start("later").await;
    let browser = Browser::open(server.base(), "later").await;
    browser.console_sign_in().await;
    browser.goto("/console/sites").await;
    browser.fill("#f-name", "South Campus").await;
    browser.submit("#create-site").await;
    let site = browser.path().await.split('?').next().unwrap().to_owned();

    browser.click("#new-party-menu summary").await;
    browser.select("#f-kind", "Witness").await;
    browser.fill("#f-name", "Wes Witness").await;
    browser.select("#f-language", "Français (Canada)").await;
    browser.submit("#save-party").await;
    assert_eq!(browser.text("#done").await, "The individual is saved.");

    browser.open_party(&site, "Wes Witness").await;
    assert_eq!(browser.text("#portal-state").await, "Not invited");
    browser.submit("#action-invite").await;
    assert_eq!(browser.text("#action-error").await, "Type an email to send an invitation.");

    browser.click("#edit-party").await;
    browser.fill("#f-email", "wes@witness.example").await;
    browser.submit("#update-party").await;
    assert_eq!(browser.text("#done").await, "Saved.");
    browser.submit("#action-invite").await;
    assert_eq!(browser.text("#done").await, "The individual is saved and invited.");
    assert_eq!(browser.text("#portal-state").await, "Invited");
    let first = emailed_link(&server.outbox(), "wes@witness.example", "/portal/join").await;

    // Revoke: the link dies; the individual shows as not invited.
    browser.party_action("revoke").await;
    assert_eq!(browser.text("#done").await, "The invitation is revoked.");
    assert_eq!(browser.text("#portal-state").await, "Not invited");
    // The page finds the link dead before a password is typed.
    browser.goto(&first).await;
    assert!(browser.shown_text("#link-dead").await.contains("Nothing was changed"));
    assert_eq!(browser.path().await, "/portal/join?link=dead");
    assert!(browser.text("#link-next").await.starts_with("Ask the practice that invited you"));
    assert!(!browser.has("#f-new_password").await, "a dead link's page has no form");
    browser.shot("portal-join-dead").await;

    // Invite again, then resend (confirmed): only the newest link works.
    browser.open_party(&site, "Wes Witness").await;
    browser.submit("#action-invite").await;
    let outbox = server.outbox();
    let second =
        new_emailed_link(&outbox, "wes@witness.example", "/portal/join", std::slice::from_ref(&first)).await;
    browser.party_action("resend").await;
    assert_eq!(browser.text("#done").await, "A new invitation is on its way.");
    let newest =
        new_emailed_link(&outbox, "wes@witness.example", "/portal/join", &[first, second.clone()]).await;
    browser.goto(&second).await;
    assert!(
        browser.shown_text("#link-dead").await.contains("replaced by a newer one"),
        "the resent link replaced it"
    );
    // (From another page: a link to this very address would only change its fragment.)
    browser.goto("/portal/sign-in").await;
    browser.goto(&newest).await;
    // The browser asks for English; the page offers French.
    assert_eq!(browser.text("h1").await, "Create your portal account");
    browser.submit("#lang-fr").await;
    assert_eq!(browser.text("h1").await, "Créez votre compte du portail");
    browser.shot("portal-join-fr").await;
    // The chooser dropped the token from the address; the link again.
    browser.goto(&newest).await;
    browser.fill("#f-new_password", PARTY_PASSWORD).await;
    browser.submit("#set-password").await;
    assert!(browser.path().await.starts_with("/portal/sign-in?notice=joined&"), "{}", browser.path().await);
    assert_eq!(browser.text("h1").await, "Connexion", "the chosen language is kept");

    // Signed in, the pages speak the individual's language (fr-CA).
    browser.portal_sign_in("wes@witness.example", PARTY_PASSWORD).await;
    assert_eq!(browser.path().await, "/portal");
    assert_eq!(browser.text("h1").await, "Mes dossiers");
    assert_eq!(browser.text("#no-cases").await, "Vous ne participez encore à aucun dossier.");
    browser.shot("portal-home-fr").await;
    browser.close().await;
}

/// The code an authenticator holding `key` (as the page shows it) gives
/// at TOTP step `step`.
fn code_at(key: &str, step: u64) -> String {
    let secret = identity_domain::TotpSecret::from_base32(&key.replace(' ', "")).expect("a Base32 key");
    format!("{:06}", secret.code_at_step(step))
}

/// The TOTP step of now.
fn step_now() -> u64 {
    identity_domain::factor::totp_step(chrono::Utc::now())
}

/// Second factors in the portal: a party adds an authenticator app (a QR
/// code drawn on the server and its key; the recovery codes shown once),
/// signs in with the password then a code, then with a recovery code
/// (once only); renames the app and makes new recovery codes. An
/// administrator resets their factors from the individual's page: the
/// party is signed out, and their next sign-in is the password alone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_party_signs_in_with_an_authenticator_then_a_recovery_code_until_their_factors_are_reset() {
    if !browser_available() {
        return;
    }
    let server = Server::start("factors").await;
    let email = "tess@client.example";
    let party = join_party(&server, email, "en").await;
    let browser = Browser::open(server.base(), "portal-factors").await;
    browser.portal_sign_in(email, PARTY_PASSWORD).await;
    assert_eq!(browser.path().await, "/portal", "no second step without a factor");

    // The password was typed at sign-in: the factors show at once.
    browser.submit("#nav-security").await;
    assert_eq!(browser.path().await, "/portal/security");
    assert_eq!(browser.text("h1").await, "Second factors");
    browser.find("#no-factors").await;
    assert!(!browser.has("#add-passkey").await, "no passkeys on 127.0.0.1");
    browser.shot("portal-security").await;

    // An authenticator app: its QR code and key, a wrong code, the right one.
    browser.fill("#f-name", "Phone").await;
    browser.submit("#add-totp button.primary").await;
    assert!(browser.has("figure.qr svg[role=img]").await, "a QR code, drawn on the server");
    let key = browser.text("#totp-key").await;
    browser.shot("portal-security-totp").await;
    browser.fill("#f-code", "000000").await;
    browser.submit("#confirm-totp button.primary").await;
    assert!(browser.text("#f-code-error").await.starts_with("The code is not correct."));
    // The code of this step; the next sign-in types the next step's (a
    // code is accepted once, and one step either side of the server's).
    let enrolled_at = step_now();
    browser.fill("#f-code", &code_at(&key, enrolled_at)).await;
    browser.submit("#confirm-totp button.primary").await;
    let codes = browser.client.find_all(Locator::Css("#recovery-codes li")).await.unwrap();
    assert_eq!(codes.len(), 10, "ten recovery codes, shown once");
    let (first, second) = (codes[0].text().await.unwrap(), codes[1].text().await.unwrap());
    browser.shot("portal-security-codes").await;
    browser.submit("#codes-done").await;
    assert_eq!(browser.path().await, "/portal");
    browser.submit("#nav-security").await;
    let listed = browser.text("#factors").await;
    assert!(listed.contains("Phone") && listed.contains("Authenticator app"), "{listed}");
    assert!(!browser.body().await.contains(&key), "the key is not shown again");
    assert_eq!(browser.text("#codes-left").await, "Recovery codes left: 10 of 10.");
    browser.shot("portal-security-factors").await;

    // The next sign-in: the password, then a code from the app; a wrong
    // one first, refused with the one message for every failure.
    browser.submit("#sign-out").await;
    browser.portal_sign_in(email, PARTY_PASSWORD).await;
    assert_eq!(browser.path().await, "/portal/sign-in/second-factor");
    assert_eq!(browser.text("h1").await, "Second step");
    assert!(!browser.has("#passkey-step").await, "no passkeys on 127.0.0.1");
    browser.shot("portal-second-step").await;
    browser.shot_narrow("portal-second-step-320").await;
    browser.fill("#f-code", "000000").await;
    browser.submit("#code-step button.primary").await;
    assert_eq!(browser.path().await, "/portal/sign-in/second-factor");
    let refused = browser.text("#form-error").await;
    assert!(refused.starts_with("The code is not correct, or this sign-in has expired"), "{refused}");
    browser.fill("#f-code", &code_at(&key, enrolled_at + 1)).await;
    browser.submit("#code-step button.primary").await;
    assert_eq!(browser.path().await, "/portal");

    // Then a recovery code, which works once.
    browser.submit("#sign-out").await;
    browser.portal_sign_in(email, PARTY_PASSWORD).await;
    browser.fill("#f-code", &first).await;
    browser.submit("#code-step button.primary").await;
    assert_eq!(browser.path().await, "/portal");
    browser.submit("#nav-security").await;
    assert_eq!(browser.text("#codes-left").await, "Recovery codes left: 9 of 10.");
    browser.submit("#sign-out").await;
    browser.portal_sign_in(email, PARTY_PASSWORD).await;
    browser.fill("#f-code", &first).await;
    browser.submit("#code-step button.primary").await;
    assert!(browser.has("#form-error").await, "a used recovery code is refused");
    browser.fill("#f-code", &second).await;
    browser.submit("#code-step button.primary").await;
    assert_eq!(browser.path().await, "/portal");

    // Rename the app; new recovery codes replace the old.
    browser.submit("#nav-security").await;
    browser.fill("#factors input[name=name]", "Work phone").await;
    browser.submit("#factors button.secondary").await;
    assert_eq!(browser.text("p.notice").await, "The second factor is renamed.");
    assert!(browser.text("#factors").await.contains("Work phone"));
    browser.submit("form[action='/portal/security/recovery-codes'] button").await;
    let codes = browser.client.find_all(Locator::Css("#recovery-codes li")).await.unwrap();
    assert_eq!(codes.len(), 10);
    browser.submit("#codes-done").await;

    // The administrator resets them, after a confirmation naming the party.
    browser.console_sign_in().await;
    browser.goto(&party).await;
    browser.submit("#action-reset-factors").await;
    assert!(browser.text("#question").await.contains("Chen Client"));
    browser.submit("#confirm").await;
    assert_eq!(
        browser.text("#done").await,
        "Second factors removed: 1. The individual is signed out of the portal and emailed."
    );

    // The party is signed out; the next sign-in is the password alone.
    browser.goto("/portal").await;
    assert_eq!(browser.path().await, "/portal/sign-in?notice=ended");
    browser.portal_sign_in(email, PARTY_PASSWORD).await;
    assert_eq!(browser.path().await, "/portal", "one step");
    browser.submit("#nav-security").await;
    browser.find("#no-factors").await;
    browser.close().await;
}

/// A passkey in the portal with Chromium's virtual authenticator: added on
/// the security page (the recovery codes come with it), then the second
/// step of the next sign-in. The server's public URL is
/// `http://localhost:…` (WebAuthn binds a passkey to a domain name).
#[tokio::test]
async fn a_party_enrols_a_passkey_then_signs_in_with_it() {
    if !browser_available() {
        return;
    }
    let server = Server::start_on_localhost("passkeys").await;
    let email = "pia@client.example";
    joined_party(&server, email, "en").await;
    let browser = Browser::open(server.base(), "portal-passkeys").await;
    let authenticator = browser.virtual_authenticator().await;

    browser.portal_sign_in(email, PARTY_PASSWORD).await;
    browser.submit("#nav-security").await;
    assert!(browser.has("#add-passkey").await, "passkeys are offered on a domain name");
    browser.fill("#f-passkey_name", "Security key").await;
    browser.submit("#add-passkey button.primary").await;
    let codes = browser.client.find_all(Locator::Css("#recovery-codes li")).await.unwrap();
    assert_eq!(codes.len(), 10, "ten recovery codes with the first factor");
    browser.submit("#codes-done").await;
    let held = browser.authenticator_credentials(&authenticator).await;
    assert_eq!(held.as_array().map(Vec::len), Some(1), "the authenticator made one credential: {held}");

    // The next sign-in: the password, then the passkey.
    browser.submit("#sign-out").await;
    browser.portal_sign_in(email, PARTY_PASSWORD).await;
    assert_eq!(browser.path().await, "/portal/sign-in/second-factor");
    browser.find("#passkey-step").await;
    browser.shot("portal-second-step-passkey").await;
    browser.submit("#passkey-step button").await;
    assert_eq!(browser.path().await, "/portal", "signed in with the passkey");
    browser.submit("#nav-security").await;
    let listed = browser.text("#factors").await;
    assert!(listed.contains("Security key") && listed.contains("Passkey"), "{listed}");
    assert!(!listed.contains("Never"), "its last use is recorded");
    browser.shot("portal-security-passkey").await;
    let held = browser.authenticator_credentials(&authenticator).await;
    assert!(held[0]["signCount"].as_u64().is_some_and(|n| n >= 1), "{held}");
    browser.close().await;
}

// ---------------------------------------------------------------------------
// Plain HTTP: form tokens, cookies, languages.

/// A browser-less client: no redirects followed, cookies kept by hand
/// (the `__Host-` cookies are Secure, and this is plain HTTP on loopback).
struct Visitor {
    http: reqwest::Client,
    base: String,
    cookies: Vec<(String, String)>,
}

struct Answer {
    status: StatusCode,
    location: String,
    body: String,
}

impl Visitor {
    fn new(base: &str) -> Self {
        let http = binary::http_builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        Self { http, base: base.to_owned(), cookies: Vec::new() }
    }

    fn cookie(&self, name: &str) -> Option<String> {
        self.cookies.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone())
    }

    fn set_cookie(&mut self, name: &str, value: &str) {
        self.cookies.retain(|(n, _)| n != name);
        if !value.is_empty() {
            self.cookies.push((name.to_owned(), value.to_owned()));
        }
    }

    async fn send(&mut self, request: reqwest::RequestBuilder) -> Answer {
        let mut request = request;
        if !self.cookies.is_empty() {
            let header = self.cookies.iter().map(|(n, v)| format!("{n}={v}")).collect::<Vec<_>>().join("; ");
            request = request.header("cookie", header);
        }
        let response = request.send().await.unwrap();
        for value in response.headers().get_all("set-cookie") {
            let text = value.to_str().unwrap();
            let pair = text.split(';').next().unwrap();
            let (name, value) = pair.split_once('=').unwrap();
            self.set_cookie(name, value);
        }
        let status = response.status();
        let location =
            response.headers().get("location").map(|l| l.to_str().unwrap().to_owned()).unwrap_or_default();
        Answer { status, location, body: response.text().await.unwrap() }
    }

    async fn get(&mut self, path: &str, headers: &[(&str, &str)]) -> Answer {
        let mut request = self.http.get(format!("{}{path}", self.base));
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        self.send(request).await
    }

    /// Posts a form as a page of another site would: its own `Origin`
    /// (and `Host`), no `Sec-Fetch-Site`, with this visitor's cookies and
    /// form token; the answer's status.
    async fn post_from_elsewhere(&self, path: &str, form: &[(&str, &str)]) -> StatusCode {
        let mut other = Visitor::new(&self.base);
        other.cookies = self.cookies.clone();
        let request = other
            .http
            .post(format!("{}{path}", self.base))
            .header("origin", "http://evil.example")
            .header("host", "evil.example")
            .form(form);
        other.send(request).await.status
    }

    /// Posts a form as a same-origin page does (unless `headers` say
    /// otherwise).
    async fn post(&mut self, path: &str, form: &[(&str, &str)], headers: &[(&str, &str)]) -> Answer {
        let mut request = self.http.post(format!("{}{path}", self.base)).form(form);
        if !headers.iter().any(|(name, _)| *name == "sec-fetch-site") {
            request = request.header("sec-fetch-site", "same-origin");
        }
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        self.send(request).await
    }
}

/// A form's fields as the client takes them.
fn as_refs<'a>(form: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    form.iter().map(|(n, v)| (*n, v.as_str())).collect()
}

/// The form token in a page.
fn csrf_of(page: &str) -> String {
    let start = page.find("name=\"csrf\" value=\"").expect("a form token") + "name=\"csrf\" value=\"".len();
    page[start..].split('"').next().unwrap().to_owned()
}

/// A party invited through the API, joined through the portal's page; their
/// email.
async fn joined_party(server: &Server, email: &str, language: &str) -> String {
    join_party(server, email, language).await;
    email.to_owned()
}

/// [`joined_party`]; the individual's page in the console.
async fn join_party(server: &Server, email: &str, language: &str) -> String {
    let site = server
        .api(
            Method::POST,
            "/api/v1/sites",
            Some(json!({ "name": format!("Site of {email}"), "address": null })),
        )
        .await;
    let site = site["id"].as_str().unwrap();
    let body = json!({ "kind": "client", "name": "Chen Client", "email": email, "language": language, "invite": true });
    let party = server.api(Method::POST, &format!("/api/v1/sites/{site}/parties"), Some(body)).await;
    let link = emailed_link(&server.outbox(), email, "/portal/join").await;
    let token = link.split("#token=").nth(1).unwrap().to_owned();
    let mut visitor = Visitor::new(server.base());
    let page = visitor.get("/portal/join", &[]).await;
    let csrf = csrf_of(&page.body);
    let joined = visitor
        .post("/portal/join", &[("csrf", &csrf), ("token", &token), ("new_password", PARTY_PASSWORD)], &[])
        .await;
    assert_eq!(
        (joined.status, joined.location.as_str()),
        (
            StatusCode::SEE_OTHER,
            format!("/portal/sign-in?notice=joined&practice=practice&email={}", email.replace('@', "%40"))
                .as_str()
        )
    );
    format!("/console/parties/{}", party["id"].as_str().unwrap())
}

/// Signs a party in through the portal's form; the visitor holds the cookie.
async fn signed_in_party(server: &Server, email: &str) -> Visitor {
    let mut visitor = Visitor::new(server.base());
    let page = visitor.get("/portal/sign-in", &[]).await;
    let csrf = csrf_of(&page.body);
    let form =
        [("csrf", csrf.as_str()), ("practice", "practice"), ("email", email), ("password", PARTY_PASSWORD)];
    let signed = visitor.post("/portal/sign-in", &form, &[]).await;
    assert_eq!(
        (signed.status, signed.location.as_str()),
        (StatusCode::SEE_OTHER, "/portal"),
        "{}",
        signed.body
    );
    assert!(visitor.cookie("__Host-portal-session").is_some());
    assert!(visitor.cookie("__Host-session").is_none(), "a portal sign-in sets no console cookie");
    visitor
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn portal_forms_need_their_token_and_this_origin() {
    let server = Server::start("csrf").await;
    let email = joined_party(&server, "csrf@client.example", "en").await;

    // Before sign-in: the double-submit token.
    let mut visitor = Visitor::new(server.base());
    let page = visitor.get("/portal/sign-in", &[]).await;
    let csrf = csrf_of(&page.body);
    let form = |token: &str| {
        vec![
            ("csrf", token.to_owned()),
            ("practice", "practice".to_owned()),
            ("email", email.clone()),
            ("password", PARTY_PASSWORD.to_owned()),
        ]
    };
    let no_token = visitor.post("/portal/sign-in", &as_refs(&form("")), &[]).await;
    assert_eq!(no_token.status, StatusCode::FORBIDDEN);
    assert!(
        no_token.body.contains("This form expired. Reload the page and send it again."),
        "{}",
        no_token.body
    );
    assert!(
        no_token.body.contains("Case portal") && !no_token.body.contains("Back to the console"),
        "a portal page"
    );
    let wrong = visitor.post("/portal/sign-in", &as_refs(&form("forged")), &[]).await;
    assert_eq!(wrong.status, StatusCode::FORBIDDEN);
    let cross =
        visitor.post("/portal/sign-in", &as_refs(&form(&csrf)), &[("sec-fetch-site", "cross-site")]).await;
    assert_eq!(cross.status, StatusCode::FORBIDDEN, "another site's post is refused whatever its token");
    assert_eq!(
        visitor.post_from_elsewhere("/portal/sign-in", &as_refs(&form(&csrf))).await,
        StatusCode::FORBIDDEN,
        "Origin equal to Host is not enough"
    );
    assert!(visitor.cookie("__Host-portal-session").is_none(), "none of these signed in");
    let huge = "x".repeat(3 * 1024 * 1024);
    let too_large = visitor.post("/portal/sign-in", &[("csrf", &csrf), ("email", &huge)], &[]).await;
    assert_eq!(too_large.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(too_large.body.contains("Case portal"), "{}", too_large.body);
    let good = visitor.post("/portal/sign-in", &as_refs(&form(&csrf)), &[]).await;
    assert_eq!((good.status, good.location.as_str()), (StatusCode::SEE_OTHER, "/portal"));

    // Signed in: the session's token, not the visitor's.
    let profile = visitor.get("/portal/profile", &[]).await;
    assert_eq!(profile.status, StatusCode::OK);
    let token = csrf_of(&profile.body);
    assert_ne!(token, csrf);
    let change = |t: &str| {
        vec![
            ("csrf", t.to_owned()),
            ("phone", "+1 604 555 0111".to_owned()),
            ("address", String::new()),
            ("language", "en".to_owned()),
            ("time_zone", "America/Vancouver".to_owned()),
        ]
    };
    let refused = visitor.post("/portal/profile", &as_refs(&change(&csrf)), &[]).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let refused =
        visitor.post("/portal/profile", &as_refs(&change(&token)), &[("sec-fetch-site", "same-site")]).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(!visitor.get("/portal/profile", &[]).await.body.contains("+1 604 555 0111"), "nothing changed");
    let saved = visitor.post("/portal/profile", &as_refs(&change(&token)), &[]).await;
    assert_eq!(
        (saved.status, saved.location.as_str()),
        (StatusCode::SEE_OTHER, "/portal/profile?done=saved")
    );
    let page = visitor.get("/portal/profile?done=saved", &[]).await;
    assert!(page.body.contains("+1 604 555 0111") && page.body.contains("America/Vancouver"));

    // Sign-out is a form too: a forged one ends nothing.
    let forged = visitor.post("/portal/sign-out", &[("csrf", "forged")], &[]).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert_eq!(visitor.get("/portal", &[]).await.status, StatusCode::OK);
    let out = visitor.post("/portal/sign-out", &[("csrf", &token)], &[]).await;
    assert_eq!(out.location, "/portal/sign-in?notice=signed_out");
    assert!(visitor.cookie("__Host-portal-session").is_none(), "the cookie is removed");

    // The console's guards: its security headers on every portal page.
    let response = reqwest::get(format!("{}/portal/sign-in", server.base())).await.unwrap();
    let headers = response.headers();
    assert!(headers["content-security-policy"].to_str().unwrap().contains("frame-ancestors 'none'"));
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert_eq!(headers["cache-control"], "no-store");
}

/// The TOTP key and the factor's id on the page of an authenticator being added.
fn totp_of(page: &str) -> (String, String) {
    let key = page.split("id=\"totp-key\">").nth(1).unwrap().split('<').next().unwrap().to_owned();
    let factor = page.split("name=\"factor\" value=\"").nth(1).unwrap().split('"').next().unwrap().to_owned();
    (key, factor)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn portal_second_factor_forms_need_their_token_and_this_origin() {
    let server = Server::start("factor-forms").await;
    let email = joined_party(&server, "ines@client.example", "fr-CA").await;
    let mut party = signed_in_party(&server, &email).await;

    // The security page, in the party's language.
    let page = party.get("/portal/security", &[("accept-language", "en")]).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("<html lang=\"fr\">") && page.body.contains("<h1>Seconds facteurs</h1>"));
    assert!(page.body.contains("id=\"nav-security\" aria-current=\"page\""), "in the navigation");
    let token = csrf_of(&page.body);

    // Typing the password again: the session's token, this origin, the
    // right password (a wrong one is said beside the field).
    let confirm =
        |csrf: &str, password: &str| vec![("csrf", csrf.to_owned()), ("password", password.to_owned())];
    let forged =
        party.post("/portal/security/password", &as_refs(&confirm("forged", PARTY_PASSWORD)), &[]).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert!(forged.body.contains("Portail des dossiers"), "a portal page: {}", forged.body);
    let cross = party
        .post(
            "/portal/security/password",
            &as_refs(&confirm(&token, PARTY_PASSWORD)),
            &[("sec-fetch-site", "cross-site")],
        )
        .await;
    assert_eq!(cross.status, StatusCode::FORBIDDEN);
    let wrong =
        party.post("/portal/security/password", &as_refs(&confirm(&token, "not my password")), &[]).await;
    assert!(
        wrong.body.contains("id=\"f-password-error\">Le mot de passe actuel est incorrect."),
        "{}",
        wrong.body
    );
    let confirmed =
        party.post("/portal/security/password", &as_refs(&confirm(&token, PARTY_PASSWORD)), &[]).await;
    assert_eq!((confirmed.status, confirmed.location.as_str()), (StatusCode::SEE_OTHER, "/portal/security"));

    // Adding an authenticator: refused without the token or from elsewhere.
    let name = |csrf: &str| vec![("csrf", csrf.to_owned()), ("name", "Phone".to_owned())];
    let forged = party.post("/portal/security/totp", &as_refs(&name("forged")), &[]).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    let cross = party
        .post("/portal/security/totp", &as_refs(&name(&token)), &[("sec-fetch-site", "same-site")])
        .await;
    assert_eq!(cross.status, StatusCode::FORBIDDEN);
    assert_eq!(
        party.post_from_elsewhere("/portal/security/totp", &as_refs(&name(&token))).await,
        StatusCode::FORBIDDEN
    );
    assert!(party.get("/portal/security", &[]).await.body.contains("id=\"no-factors\""), "nothing added");
    let begun = party.post("/portal/security/totp", &as_refs(&name(&token)), &[]).await;
    assert_eq!(begun.status, StatusCode::OK, "{}", begun.body);
    assert!(begun.body.contains("<svg role=\"img\" aria-label="), "a QR code");
    let (key, factor) = totp_of(&begun.body);
    let enrolled_at = step_now();
    let code = code_at(&key, enrolled_at);
    let added = party
        .post("/portal/security/totp/confirm", &[("csrf", &token), ("factor", &factor), ("code", &code)], &[])
        .await;
    assert_eq!(added.status, StatusCode::OK, "{}", added.body);
    assert_eq!(added.body.matches("<li><code>").count(), 10, "ten recovery codes");
    let out = party.post("/portal/sign-out", &[("csrf", &token)], &[]).await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);

    // The password opens only the second step: its cookie opens no page.
    let mut visitor = Visitor::new(server.base());
    let page = visitor.get("/portal/sign-in", &[]).await;
    let csrf = csrf_of(&page.body);
    let sign_in =
        [("csrf", csrf.as_str()), ("practice", "practice"), ("email", &email), ("password", PARTY_PASSWORD)];
    let signed = visitor.post("/portal/sign-in", &sign_in, &[]).await;
    assert_eq!(
        (signed.status, signed.location.as_str()),
        (StatusCode::SEE_OTHER, "/portal/sign-in/second-factor")
    );
    let waiting = visitor.cookie("__Host-portal-session").expect("the waiting session's cookie");
    let mut elsewhere = Visitor::new(server.base());
    elsewhere.set_cookie("__Host-portal-session", &waiting);
    for path in ["/portal", "/portal/security"] {
        let refused = elsewhere.get(path, &[]).await;
        assert_eq!(refused.location, "/portal/sign-in?notice=ended", "{path}");
        elsewhere.set_cookie("__Host-portal-session", &waiting);
    }

    // The second step's page, in the browser's language or the one chosen.
    let step = visitor.get("/portal/sign-in/second-factor", &[("accept-language", "fr-CA,fr;q=0.9")]).await;
    assert_eq!(step.status, StatusCode::OK);
    assert!(step.body.contains("<html lang=\"fr\">") && step.body.contains("<h1>Deuxième étape</h1>"));
    let step = visitor.get("/portal/sign-in/second-factor?lang=en", &[("accept-language", "fr-CA")]).await;
    assert!(step.body.contains("<h1>Second step</h1>") && step.body.contains("href=\"/portal/sign-in\""));
    assert_eq!(csrf_of(&step.body), csrf, "the sign-in form's token");

    // Its form: the double-submit token, this origin; every failure the same.
    let code_form = |csrf: &str, code: &str| vec![("csrf", csrf.to_owned()), ("code", code.to_owned())];
    let right = code_at(&key, enrolled_at + 1);
    let no_token = visitor.post("/portal/sign-in/second-factor", &as_refs(&code_form("", &right)), &[]).await;
    assert_eq!(no_token.status, StatusCode::FORBIDDEN);
    assert!(no_token.body.contains("Case portal") && !no_token.body.contains("Back to the console"));
    let cross = visitor
        .post(
            "/portal/sign-in/second-factor",
            &as_refs(&code_form(&csrf, &right)),
            &[("sec-fetch-site", "cross-site")],
        )
        .await;
    assert_eq!(cross.status, StatusCode::FORBIDDEN);
    assert_eq!(
        visitor
            .post_from_elsewhere("/portal/sign-in/second-factor", &as_refs(&code_form(&csrf, &right)))
            .await,
        StatusCode::FORBIDDEN
    );
    let challenge =
        visitor.post("/portal/sign-in/second-factor/passkey-challenge", &[("csrf", "forged")], &[]).await;
    assert_eq!(challenge.status, StatusCode::FORBIDDEN);
    let the_one_refusal = |refused: &Answer| {
        assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
        let said = "The code is not correct, or this sign-in has expired";
        assert!(refused.body.contains(said), "{}", refused.body);
    };
    // (One wrong code: the wrong password above counted too, and a third
    // failure in a row would have to wait a second.)
    the_one_refusal(
        &visitor.post("/portal/sign-in/second-factor", &as_refs(&code_form(&csrf, "000000")), &[]).await,
    );
    assert_eq!(visitor.cookie("__Host-portal-session").as_deref(), Some(waiting.as_str()), "still waiting");
    let passed =
        visitor.post("/portal/sign-in/second-factor", &as_refs(&code_form(&csrf, &right)), &[]).await;
    assert_eq!(
        (passed.status, passed.location.as_str()),
        (StatusCode::SEE_OTHER, "/portal"),
        "{}",
        passed.body
    );
    let full = visitor.cookie("__Host-portal-session").unwrap();
    assert_ne!(full, waiting, "a new session");
    assert_eq!(visitor.get("/portal", &[]).await.status, StatusCode::OK);
    // The waiting session ended with the step: the same refusal.
    elsewhere.cookies = visitor.cookies.clone();
    elsewhere.set_cookie("__Host-portal-session", &waiting);
    the_one_refusal(
        &elsewhere
            .post("/portal/sign-in/second-factor", &as_refs(&code_form(&csrf, "no-such-code")), &[])
            .await,
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn portal_and_console_cookies_open_only_their_own_pages() {
    let server = Server::start("cookies").await;
    let email = joined_party(&server, "cookie@client.example", "en").await;
    let party = signed_in_party(&server, &email).await;
    let portal_token = party.cookie("__Host-portal-session").unwrap();

    // The portal token as the console's cookie: no console page.
    let mut visitor = Visitor::new(server.base());
    visitor.set_cookie("__Host-session", &portal_token);
    let console = visitor.get("/console/users", &[]).await;
    assert_eq!(console.status, StatusCode::SEE_OTHER);
    assert!(console.location.starts_with("/console/sign-in"), "{}", console.location);
    let (status, _) =
        server.running.client().send(Method::GET, "/api/v1/me", Some(&portal_token), None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "nor the API");

    // The administrator's token as the portal's cookie: no portal page.
    let mut visitor = Visitor::new(server.base());
    visitor.set_cookie("__Host-portal-session", &server.admin);
    let portal = visitor.get("/portal", &[]).await;
    assert_eq!(
        (portal.status, portal.location.as_str()),
        (StatusCode::SEE_OTHER, "/portal/sign-in?notice=ended")
    );
    let mut visitor = Visitor::new(server.base());
    visitor.set_cookie("__Host-session", &server.admin);
    assert_eq!(
        visitor.get("/portal", &[]).await.location,
        "/portal/sign-in",
        "the console's cookie is not read"
    );
    assert_eq!(visitor.get("/console/sites", &[]).await.status, StatusCode::OK, "while it opens the console");

    // Each cookie in its place works.
    let mut party = party;
    let home = party.get("/portal", &[]).await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.body.contains("My cases"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn portal_pages_speak_french_to_french_speakers() {
    let server = Server::start("french").await;

    // Before sign-in: the browser's language, or the one chosen.
    let mut visitor = Visitor::new(server.base());
    let page = visitor.get("/portal/sign-in", &[("accept-language", "fr-CA,fr;q=0.9,en;q=0.5")]).await;
    assert!(
        page.body.contains("<html lang=\"fr\">") && page.body.contains("<h1>Connexion</h1>"),
        "{}",
        page.body
    );
    let page = visitor.get("/portal/forgot?lang=en", &[("accept-language", "fr-CA")]).await;
    assert!(page.body.contains("<h1>Forgot your password</h1>"));
    assert_eq!(visitor.cookie("__Host-portal-lang").as_deref(), Some("en"));
    let page = visitor.get("/portal/join", &[("accept-language", "fr-CA")]).await;
    assert!(page.body.contains("<html lang=\"en\">"), "the choice is kept over the browser's");
    let page = visitor.get("/portal/join?lang=fr", &[]).await;
    assert!(page.body.contains("Créez votre compte du portail"));
    let page = visitor.get("/portal/nowhere", &[]).await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert!(page.body.contains("Introuvable"));

    // Signed in: the party's own language, whatever the browser says.
    let email = joined_party(&server, "lea@client.example", "fr-CA").await;
    let mut party = signed_in_party(&server, &email).await;
    let home = party.get("/portal", &[("accept-language", "en-US")]).await;
    assert!(home.body.contains("<html lang=\"fr\">"), "{}", home.body);
    assert!(home.body.contains("<h1>Mes dossiers</h1>"));
    assert!(home.body.contains("Bienvenue, Chen Client."));
    let profile = party.get("/portal/profile", &[("accept-language", "en-US")]).await;
    assert!(profile.body.contains("Mes coordonnées") && profile.body.contains("Fuseau horaire"));
    let token = csrf_of(&profile.body);
    let refused = party
        .post(
            "/portal/profile",
            &[
                ("csrf", &token),
                ("phone", "pas un numéro"),
                ("language", "fr-CA"),
                ("time_zone", "Mars/Base"),
            ],
            &[],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("Un numéro a de 4 à 20 chiffres"));
    assert!(refused.body.contains("Utilisez un fuseau horaire comme America/Toronto."));
    // Switching to English changes the next pages.
    let saved = party
        .post(
            "/portal/profile",
            &[("csrf", &token), ("phone", ""), ("language", "en"), ("time_zone", "America/Toronto")],
            &[],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);
    let home = party.get("/portal", &[("accept-language", "fr")]).await;
    assert!(home.body.contains("<h1>My cases</h1>"));
}

/// A staff user with `role`, signed in through the API with their own
/// password; their session token (which the console's cookie takes too).
async fn staff(server: &Server, role: &str, email: &str) -> String {
    let client = server.running.client();
    let role = client.role(&server.admin, role).await;
    let body = json!({ "email": email, "name": "Staff Member", "role": role, "language": "en",
                       "time_zone": "UTC", "credential": { "mode": "generate" } });
    let created = server.api(Method::POST, "/api/v1/users", Some(body)).await;
    let one_time = created["generated_password"].as_str().unwrap();
    let sign_in = json!({ "practice": "practice", "email": email, "password": one_time });
    let (_, signed) = client.send(Method::POST, "/api/v1/sessions", None, Some(sign_in)).await;
    let token = signed["token"].as_str().unwrap().to_owned();
    let change = json!({ "current_password": one_time, "new_password": PASSWORD });
    let (status, _) = client.send(Method::PUT, "/api/v1/me/password", Some(&token), Some(change)).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    token
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_individual_s_page_needs_parties_manage_and_offers_what_the_portal_status_allows() {
    let server = Server::start("party-page").await;
    let site = server.api(Method::POST, "/api/v1/sites", Some(json!({ "name": "East Campus" }))).await;
    let site = site["id"].as_str().unwrap().to_owned();
    let body = json!({ "kind": "student", "name": "Noa Student", "date_of_birth": "2011-02-03",
                       "gender": "Female", "grade_or_position": "Grade 9", "invite": false });
    let party = server.api(Method::POST, &format!("/api/v1/sites/{site}/parties"), Some(body)).await;
    let page = format!("/console/parties/{}", party["id"].as_str().unwrap());

    // An administrator sees every detail and, for a party never invited,
    // only "Send invite".
    let mut admin = Visitor::new(server.base());
    admin.set_cookie("__Host-session", &server.admin);
    let shown = admin.get(&page, &[]).await;
    assert_eq!(shown.status, StatusCode::OK);
    for detail in ["Noa Student", "2011-02-03", "Female", "Grade 9", "East Campus", "Not invited"] {
        assert!(shown.body.contains(detail), "{detail}");
    }
    assert!(shown.body.contains("id=\"action-invite\""));
    assert!(!shown.body.contains("id=\"action-deactivate\"") && !shown.body.contains("id=\"action-revoke\""));

    // Refused for the status: a page that says why, and nothing changes.
    let token = csrf_of(&shown.body);
    let refused = admin.post(&format!("{page}/actions/deactivate"), &[("csrf", &token)], &[]).await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    assert!(refused.body.contains("This individual has no portal account: invite them first."));
    let refused = admin.post(&format!("{page}/actions/invite"), &[("csrf", "forged")], &[]).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "a forged form token");
    assert!(admin.get(&page, &[]).await.body.contains("Not invited"));
    assert_eq!(admin.get("/console/parties/not-an-id", &[]).await.status, StatusCode::NOT_FOUND);
    let missing = format!("/console/parties/{}", uuid::Uuid::now_v7());
    assert_eq!(admin.get(&missing, &[]).await.status, StatusCode::NOT_FOUND);
    let unknown_case = admin
        .post(
            &format!("{page}/cases"),
            &[("csrf", &token), ("case", &uuid::Uuid::now_v7().to_string()), ("part", "witness")],
            &[],
        )
        .await;
    assert_eq!(unknown_case.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(unknown_case.body.contains("No case has this reference in your practice."));

    // A paralegal manages parties but may not invite them.
    let paralegal = staff(&server, "Paralegal", "para@practice.example").await;
    let mut visitor = Visitor::new(server.base());
    visitor.set_cookie("__Host-session", &paralegal);
    let shown = visitor.get(&page, &[]).await;
    assert_eq!(shown.status, StatusCode::OK);
    assert!(!shown.body.contains("id=\"action-invite\""));
    let token = csrf_of(&shown.body);
    let refused = visitor.post(&format!("{page}/actions/invite"), &[("csrf", &token)], &[]).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(refused.body.contains("parties.invite"), "{}", refused.body);

    // An accountant does not manage parties.
    let accountant = staff(&server, "Accountant", "books@practice.example").await;
    let mut visitor = Visitor::new(server.base());
    visitor.set_cookie("__Host-session", &accountant);
    let refused = visitor.get(&page, &[]).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(refused.body.contains("parties.manage"));
}
