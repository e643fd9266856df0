//! The fixture: a practice on the in-memory adapters with a signed-in Super
//! Admin, and helpers to add users and sign them in.

#![allow(dead_code)]

use identity_domain::*;
use identity_memory::MemoryAdapters;
use secrecy::SecretString;
use std::collections::BTreeSet;

/// The password every helper-made user ends up with.
pub const PASSWORD: &str = "a long and private passphrase";

pub fn secret(s: &str) -> SecretString {
    SecretString::from(s.to_owned())
}

pub struct World {
    pub adapters: MemoryAdapters,
    pub service: IdentityService,
    pub practice: Practice,
    /// The first Super Admin, signed in with a full session.
    pub owner: User,
    pub admin: Caller,
}

impl World {
    /// A practice "maple-law" with a fast test hasher.
    pub async fn new() -> Self {
        Self::with(MemoryAdapters::with_fast_hasher(), "maple-law", PracticeSettings::default()).await
    }

    pub async fn with(adapters: MemoryAdapters, slug: &str, settings: PracticeSettings) -> Self {
        let service = IdentityService::new(adapters.ports(), Config::default());
        Self::on(adapters, service, slug, settings).await
    }

    /// Another practice on the same adapters and service.
    pub async fn on(
        adapters: MemoryAdapters,
        service: IdentityService,
        slug: &str,
        settings: PracticeSettings,
    ) -> Self {
        let created =
            service.create_practice(NewPractice { settings, ..NewPractice::example_at(slug) }).await.unwrap();
        let admin =
            first_sign_in(&service, slug, &created.admin.email, created.admin_password.expose()).await;
        Self { adapters, service, practice: created.practice, owner: created.admin, admin }
    }

    /// Signs in with a one-time password, changes it to [`PASSWORD`], and
    /// returns the full caller.
    pub async fn first_sign_in(&self, email: &EmailAddress, one_time: &str) -> Caller {
        first_sign_in(&self.service, self.practice.slug.as_str(), email, one_time).await
    }

    pub async fn sign_in(&self, email: &str, password: &str) -> Result<SignedIn, SignInError> {
        sign_in(&self.service, self.practice.slug.as_str(), email, password).await
    }

    pub async fn role(&self, name: &str) -> RoleId {
        let roles = self.service.list_roles(&self.admin).await.unwrap();
        roles.iter().find(|r| r.name.as_str() == name).unwrap_or_else(|| panic!("no role {name}")).id
    }

    pub async fn profile(&self, name: &str) -> ProfileId {
        let profiles = self.service.list_profiles(&self.admin).await.unwrap();
        profiles.iter().find(|p| p.name.as_str() == name).unwrap_or_else(|| panic!("no profile {name}")).id
    }

    pub fn new_user(&self, email: &str, name: &str, role: RoleId, credential: InitialCredential) -> NewUser {
        NewUser {
            email: EmailAddress::parse(email).unwrap(),
            name: PersonName::parse(name).unwrap(),
            role,
            profiles: BTreeSet::new(),
            language: Language::parse("en").unwrap(),
            time_zone: TimeZone::parse("America/Toronto").unwrap(),
            phone: None,
            title: None,
            notes: None,
            sites: BTreeSet::new(),
            credential,
        }
    }

    /// Creates an active user with a generated password (by the Super Admin).
    pub async fn add_user(&self, email: &str, role: &str) -> (User, Password) {
        let role = self.role(role).await;
        let new = self.new_user(email, &name_from(email), role, InitialCredential::GeneratePassword);
        let created = self.service.create_user(&self.admin, new).await.unwrap();
        (created.user, created.generated_password.unwrap())
    }

    /// Creates an active user and signs them in with a full session.
    pub async fn add_signed_in(&self, email: &str, role: &str) -> (User, Caller) {
        let (user, password) = self.add_user(email, role).await;
        let caller = self.first_sign_in(&user.email, password.expose()).await;
        (user, caller)
    }

    pub async fn user(&self, id: UserId) -> User {
        self.service.get_user(&self.admin, id).await.unwrap()
    }

    pub async fn outbox(&self) -> Vec<OutboxEmail> {
        self.adapters.outbox().await
    }

    pub async fn audit(&self) -> Vec<AuditEntry> {
        self.adapters.audit_log().await
    }

    /// The secret of the newest outbox email of `kind` to `email`.
    pub async fn last_secret(&self, email: &str, kind: &str) -> String {
        let outbox = self.outbox().await;
        let found = outbox
            .iter()
            .rev()
            .find(|e| e.to.as_str() == email && e.message.kind() == kind)
            .unwrap_or_else(|| panic!("no {kind} email to {email}"));
        match &found.message {
            Message::Invitation { token, .. }
            | Message::Recovery { token, .. }
            | Message::PartyInvitation { token, .. } => token.expose().to_owned(),
            Message::GeneratedPassword { password, .. } => password.expose().to_owned(),
            other => panic!("{} carries no secret", other.kind()),
        }
    }

    pub async fn open_case(&self, title: &str, owner: UserId) -> Case {
        self.service.create_case(&self.admin, Label::parse(title).unwrap(), owner).await.unwrap()
    }
}

fn name_from(email: &str) -> String {
    let local = email.split('@').next().unwrap_or("someone");
    format!("{local} Person")
}

pub async fn sign_in(
    service: &IdentityService,
    slug: &str,
    email: &str,
    password: &str,
) -> Result<SignedIn, SignInError> {
    service
        .sign_in(SignIn {
            practice: slug.to_owned(),
            email: email.to_owned(),
            password: secret(password),
            request_id: None,
        })
        .await
}

pub async fn first_sign_in(
    service: &IdentityService,
    slug: &str,
    email: &EmailAddress,
    one_time: &str,
) -> Caller {
    let signed = sign_in(service, slug, email.as_str(), one_time).await.unwrap();
    assert!(signed.password_change_only());
    let restricted = service.authenticate(&signed.token).await.unwrap();
    service.change_own_password(&restricted, secret(one_time), secret(PASSWORD)).await.unwrap();
    service.authenticate(&signed.token).await.unwrap()
}
