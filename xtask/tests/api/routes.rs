//! Every route of the API with what it needs, and a practice holding one
//! record of each kind to aim the routes at. The OpenAPI, permission and
//! bad-input suites all walk this one table.

use crate::support::*;
use identity_domain::Permission as P;
use reqwest::Method;
use serde_json::{Value, json};
use std::collections::HashMap;

/// What a route asks of its caller.
#[derive(Debug, Clone, Copy)]
pub enum Need {
    /// Nothing: no session either.
    Anonymous,
    /// A session that may do more than change its password.
    Session,
    /// A full session holding every one of these permissions.
    All(&'static [P]),
    /// A party's portal session (no staff session passes).
    Portal,
    /// A session waiting for its second factor (no other session passes:
    /// every other caller gets 401).
    Waiting,
}

/// One route: method, path with placeholders (`{user}`, `{case}`, `{site}`,
/// `{party}`, `{role}`, `{profile}`), what it needs, and a body that is
/// valid for it. Portal routes act on the signed-in party (`member`).
pub struct Route {
    pub method: &'static str,
    pub path: &'static str,
    pub need: Need,
    pub body: Option<fn(&Records) -> Value>,
}

const fn route(method: &'static str, path: &'static str, need: Need) -> Route {
    Route { method, path, need, body: None }
}

const fn with(method: &'static str, path: &'static str, need: Need, body: fn(&Records) -> Value) -> Route {
    Route { method, path, need, body: Some(body) }
}

/// Every route under `/api/v1`. Signing out comes last: it ends the
/// session that walks the table.
pub fn all() -> Vec<Route> {
    use Need::{All, Anonymous, Portal, Session, Waiting};
    vec![
        with(
            "POST",
            "/sessions",
            Anonymous,
            |r| json!({ "practice": "maple-law", "email": r.email("carol"), "password": PASSWORD }),
        ),
        route("GET", "/me", Session),
        with("POST", "/sessions/second-factor", Waiting, |_| json!({ "totp": "123456" })),
        route("POST", "/sessions/second-factor/passkey-challenge", Waiting),
        with(
            "POST",
            "/me/password-confirmation",
            Session,
            |_| json!({ "password": "not the password at all" }),
        ),
        route("GET", "/me/factors", Session),
        with("POST", "/me/factors/totp", Session, |_| json!({ "name": "Phone" })),
        with("POST", "/me/factors/passkeys", Session, |_| json!({ "name": "Key" })),
        with("POST", "/me/factors/passkeys/confirmation", Session, |_| json!({ "credential": {} })),
        with("POST", "/me/factors/{factor}/confirmation", Session, |_| json!({ "code": "123456" })),
        with("PATCH", "/me/factors/{factor}", Session, |_| json!({ "name": "Work phone" })),
        route("DELETE", "/me/factors/{factor}", Session),
        route("POST", "/me/recovery-codes", Session),
        with(
            "PUT",
            "/me/password",
            Session,
            |_| json!({ "current_password": "not the password at all", "new_password": "another long passphrase" }),
        ),
        with(
            "POST",
            "/password/forgot",
            Anonymous,
            |_| json!({ "practice": "maple-law", "email": "nobody@maple.example" }),
        ),
        with(
            "POST",
            "/password/recover",
            Anonymous,
            |_| json!({ "token": "not-a-real-token", "new_password": "another long passphrase" }),
        ),
        with(
            "POST",
            "/invitations/accept",
            Anonymous,
            |_| json!({ "token": "not-a-real-token", "new_password": "another long passphrase" }),
        ),
        with("POST", "/links/inspect", Anonymous, |_| json!({ "token": "not-a-real-token" })),
        route("GET", "/users", All(&[P::UsersRead])),
        route("GET", "/users/export", All(&[P::UsersExport])),
        with("POST", "/users", All(&[P::UsersCreate]), |r| {
            json!({
                "email": "new.person@maple.example", "name": "New Person", "role": r.id("viewer"),
                "language": "en", "time_zone": "UTC", "credential": { "mode": "invite" },
            })
        }),
        route("GET", "/users/{user}", All(&[P::UsersRead])),
        with("PATCH", "/users/{user}", All(&[P::UsersUpdate]), |_| json!({ "title": "Lead" })),
        with(
            "PUT",
            "/users/{user}/email",
            All(&[P::UsersUpdateEmail]),
            |_| json!({ "email": "renamed.target@maple.example" }),
        ),
        route("GET", "/users/{user}/emails", All(&[P::UsersRead])),
        with(
            "PUT",
            "/users/{user}/access",
            All(&[P::UsersAssignRoles]),
            |r| json!({ "role": r.id("viewer"), "profiles": [r.id("profile")] }),
        ),
        with("POST", "/users/{user}/deactivate", All(&[P::UsersDeactivate]), |_| json!({})),
        route("POST", "/users/{user}/reactivate", All(&[P::UsersDeactivate])),
        with(
            "POST",
            "/users/{user}/password-reset",
            All(&[P::UsersResetPassword]),
            |_| json!({ "mode": "email_recovery_link" }),
        ),
        route("DELETE", "/users/{user}/sessions", All(&[P::UsersSignOut])),
        route("GET", "/users/{user}/factors", All(&[P::UsersRead])),
        route("POST", "/users/{user}/factors/reset", All(&[P::UsersResetPassword])),
        route("POST", "/users/{user}/invitation", All(&[P::UsersCreate])),
        route("DELETE", "/users/{user}/invitation", All(&[P::UsersCreate])),
        route("GET", "/users/{user}/cases", All(&[P::CasesRead])),
        with(
            "POST",
            "/users/{user}/cases/reassign",
            All(&[P::CasesAssign]),
            |r| json!({ "to": r.id("carol") }),
        ),
        with(
            "POST",
            "/cases",
            All(&[P::CasesAssign]),
            |r| json!({ "title": "IMM-2000", "owner": r.id("carol") }),
        ),
        route("GET", "/cases/{case}", All(&[P::CasesRead])),
        with("PUT", "/cases/{case}/owner", All(&[P::CasesAssign]), |r| json!({ "owner": r.id("carol") })),
        route("POST", "/cases/{case}/close", All(&[P::CasesAssign])),
        route("GET", "/roles", Session),
        with("PUT", "/roles/{role}/second-factor", All(&[P::RolesManage]), |_| json!({ "required": false })),
        with(
            "POST",
            "/roles",
            All(&[P::RolesManage]),
            |_| json!({ "name": "Reader", "permissions": ["users.read"] }),
        ),
        with(
            "PUT",
            "/roles/{role}",
            All(&[P::RolesManage]),
            |_| json!({ "name": "Viewer", "permissions": ["users.read"] }),
        ),
        route("GET", "/profiles", Session),
        with(
            "POST",
            "/profiles",
            All(&[P::RolesManage]),
            |_| json!({ "name": "Reading", "permissions": ["users.read"] }),
        ),
        with(
            "PUT",
            "/profiles/{profile}",
            All(&[P::RolesManage]),
            |_| json!({ "name": "Extra", "permissions": ["users.read"] }),
        ),
        route("GET", "/sites", Session),
        with("POST", "/sites", All(&[P::SitesManage]), |_| json!({ "name": "East campus" })),
        with(
            "PUT",
            "/sites/{site}",
            All(&[P::SitesManage]),
            |_| json!({ "name": "Main office", "address": "1 Main St" }),
        ),
        route("GET", "/sites/{site}/parties", All(&[P::PartiesManage])),
        with(
            "POST",
            "/sites/{site}/parties",
            All(&[P::PartiesManage]),
            |_| json!({ "kind": "witness", "name": "Walt Witness", "invite": false }),
        ),
        route("GET", "/parties/{party}", All(&[P::PartiesManage])),
        with(
            "PUT",
            "/parties/{party}",
            All(&[P::PartiesManage]),
            |_| json!({ "kind": "client", "name": "Cleo Client", "email": "cleo@client.example" }),
        ),
        route("POST", "/parties/{party}/invite", All(&[P::PartiesManage, P::PartiesInvite])),
        route("GET", "/audit", All(&[P::AuditRead])),
        route("GET", "/outbox", All(&[P::SettingsManage])),
        route("GET", "/outbox/counts", All(&[P::SettingsManage])),
        route("POST", "/outbox/{email}/retry", All(&[P::SettingsManage])),
        route("POST", "/outbox/retry", All(&[P::SettingsManage])),
        route("GET", "/parties/{party}/portal", All(&[P::PartiesManage])),
        route("DELETE", "/parties/{party}/invite", All(&[P::PartiesManage])),
        route("POST", "/parties/{party}/portal/recovery", All(&[P::PartiesManage])),
        route("DELETE", "/parties/{party}/portal/sessions", All(&[P::PartiesManage])),
        route("POST", "/parties/{party}/portal/factors/reset", All(&[P::PartiesManage])),
        route("POST", "/parties/{party}/portal/deactivate", All(&[P::PartiesManage])),
        route("POST", "/parties/{party}/portal/reactivate", All(&[P::PartiesManage])),
        route("GET", "/cases/{case}/parties", All(&[P::PartiesManage])),
        with(
            "POST",
            "/cases/{case}/parties",
            All(&[P::PartiesManage]),
            |r| json!({ "party": r.id("party"), "part": "witness" }),
        ),
        route("DELETE", "/cases/{case}/parties/{party}", All(&[P::PartiesManage])),
        with(
            "POST",
            "/portal/invitations/accept",
            Anonymous,
            |_| json!({ "token": "not-a-real-token", "new_password": "another long passphrase" }),
        ),
        with("POST", "/portal/links/inspect", Anonymous, |_| json!({ "token": "not-a-real-token" })),
        with(
            "POST",
            "/portal/sessions",
            Anonymous,
            |r| json!({ "practice": "maple-law", "email": r.member_email(), "password": PASSWORD }),
        ),
        with(
            "POST",
            "/portal/password/forgot",
            Anonymous,
            |_| json!({ "practice": "maple-law", "email": "nobody@party.example" }),
        ),
        with(
            "POST",
            "/portal/password/recover",
            Anonymous,
            |_| json!({ "token": "not-a-real-token", "new_password": "another long passphrase" }),
        ),
        route("GET", "/portal/me", Portal),
        with("PATCH", "/portal/me", Portal, |_| json!({ "phone": "+1 555 0100" })),
        // The current password is right and the new one the same: refused
        // (422) without counting as a failure.
        with(
            "PUT",
            "/portal/me/password",
            Portal,
            |_| json!({ "current_password": PASSWORD, "new_password": PASSWORD }),
        ),
        route("GET", "/portal/me/cases", Portal),
        with("POST", "/portal/sessions/second-factor", Waiting, |_| json!({ "totp": "123456" })),
        route("POST", "/portal/sessions/second-factor/passkey-challenge", Waiting),
        with("POST", "/portal/me/password-confirmation", Portal, |_| json!({ "password": PASSWORD })),
        route("GET", "/portal/me/factors", Portal),
        with("POST", "/portal/me/factors/totp", Portal, |_| json!({ "name": "Phone" })),
        with("POST", "/portal/me/factors/passkeys", Portal, |_| json!({ "name": "Key" })),
        with("POST", "/portal/me/factors/passkeys/confirmation", Portal, |_| json!({ "credential": {} })),
        with("POST", "/portal/me/factors/{factor}/confirmation", Portal, |_| json!({ "code": "123456" })),
        with("PATCH", "/portal/me/factors/{factor}", Portal, |_| json!({ "name": "Work phone" })),
        route("DELETE", "/portal/me/factors/{factor}", Portal),
        route("POST", "/portal/me/recovery-codes", Portal),
        route("GET", "/settings", Session),
        with(
            "PUT",
            "/settings",
            All(&[P::SettingsManage]),
            |_| json!({ "super_admin_cap": 2, "password_min_length": 15 }),
        ),
        route("POST", "/portal/sign-out", Portal),
        route("DELETE", "/sessions/current", Session),
    ]
}

impl Route {
    pub fn method(&self) -> Method {
        Method::from_bytes(self.method.as_bytes()).unwrap()
    }

    /// The path under `/api/v1` with every placeholder replaced by `records`' ids.
    pub fn url(&self, records: &Records) -> String {
        let mut path = format!("/api/v1{}", self.path);
        for (name, id) in &records.ids {
            path = path.replace(&format!("{{{name}}}"), id);
        }
        path
    }

    /// The path as the OpenAPI document writes it: `{id}` for the first
    /// placeholder, the others by their names (`/cases/{id}/parties/{party}`).
    pub fn documented_path(&self) -> String {
        let mut out = String::new();
        let mut inside = false;
        let mut first = true;
        for c in format!("/api/v1{}", self.path).chars() {
            match c {
                '{' if first => {
                    inside = true;
                    out.push_str("{id}");
                }
                '}' if inside => {
                    inside = false;
                    first = false;
                }
                _ if inside => {}
                _ => out.push(c),
            }
        }
        out
    }

    pub fn has_body(&self) -> bool {
        matches!(self.method, "POST" | "PUT" | "PATCH")
    }
}

/// A practice with one record of each kind: a custom role (`viewer`) and
/// profile (`profile`), a consultant who owns a case (`carol`), a paralegal
/// to act on (`user`), a case, a site, a party with an email (`party`, not
/// invited), and a party who joined the portal (`member`), signed in.
pub struct Records {
    pub ids: HashMap<&'static str, String>,
    /// The portal session token of `member`.
    pub portal: String,
}

impl Records {
    pub fn id(&self, name: &str) -> &str {
        &self.ids[name]
    }

    pub fn email(&self, name: &str) -> String {
        format!("{name}@maple.example")
    }

    /// The portal sign-in email of `member`.
    pub fn member_email(&self) -> String {
        MEMBER_EMAIL.to_owned()
    }

    /// The token a route's caller presents in the bad-input suites: the
    /// portal token for portal routes, the Super Admin's for the others.
    pub fn token_for<'a>(&'a self, route: &Route, admin: &'a str) -> &'a str {
        if matches!(route.need, Need::Portal) { &self.portal } else { admin }
    }
}

/// The email of the records' portal member.
pub const MEMBER_EMAIL: &str = "member@party.example";

/// Records a party at `site`, invites them, accepts the invitation with
/// [`PASSWORD`] and signs them in to the portal: their id and portal token.
pub async fn portal_member(app: &App, site: &str, email: &str) -> (String, String) {
    let body = json!({ "kind": "student", "name": "Mia Member", "email": email, "invite": true });
    let saved = app.post(&format!("/api/v1/sites/{site}/parties"), &app.admin, body).await;
    let id = created_id(&saved);
    let token = app.last_secret(email, "party_invitation").await;
    let accept = json!({ "token": token, "new_password": PASSWORD });
    let accepted = app.call(Method::POST, "/api/v1/portal/invitations/accept", None, Some(accept)).await;
    assert_eq!(accepted.status, 204, "{:#}", accepted.body);
    let signed = app.portal_sign_in("maple-law", email, PASSWORD).await;
    assert_eq!(signed.status, 201, "{:#}", signed.body);
    (id, signed.body["token"].as_str().unwrap().to_owned())
}

fn created_id(answer: &Answer) -> String {
    assert!(answer.status.is_success(), "{:#}", answer.body);
    answer.body["id"].as_str().unwrap().to_owned()
}

pub async fn records(app: &App) -> Records {
    let admin = &app.admin;
    let mut ids = HashMap::new();
    let viewer =
        app.post("/api/v1/roles", admin, json!({ "name": "Viewer", "permissions": ["users.read"] })).await;
    ids.insert("viewer", created_id(&viewer));
    let profile =
        app.post("/api/v1/profiles", admin, json!({ "name": "Extra", "permissions": ["users.read"] })).await;
    ids.insert("profile", created_id(&profile));
    ids.insert("role", ids["viewer"].clone());
    let (carol, _) = app.add_user("carol@maple.example", "RCIC Consultant").await;
    ids.insert("carol", carol.clone());
    let (user, _) = app.add_user("user@maple.example", "Paralegal").await;
    ids.insert("user", user);
    // No such factor: the routes on one answer 404 to whoever may call them.
    ids.insert("factor", uuid::Uuid::now_v7().to_string());
    let case = app.post("/api/v1/cases", admin, json!({ "title": "IMM-1001", "owner": carol })).await;
    ids.insert("case", created_id(&case));
    let site = app.post("/api/v1/sites", admin, json!({ "name": "Main office" })).await;
    ids.insert("site", created_id(&site));
    let party = app
        .post(
            &format!("/api/v1/sites/{}/parties", ids["site"]),
            admin,
            json!({ "kind": "client", "name": "Cleo Client", "email": "cleo@client.example", "invite": false }),
        )
        .await;
    ids.insert("party", created_id(&party));
    let outbox = app.get("/api/v1/outbox?limit=1", admin).await;
    ids.insert("email", outbox.body["items"][0]["id"].as_str().unwrap().to_owned());
    let (member, portal) = portal_member(app, &ids["site"], MEMBER_EMAIL).await;
    ids.insert("member", member);
    Records { ids, portal }
}
