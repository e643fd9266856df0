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
        let adapters = MemoryAdapters::with_fast_hasher()
            .with_passkeys(std::sync::Arc::new(FakeRelyingParty::default()));
        Self::with(adapters, "maple-law", PracticeSettings::default()).await
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

/// A relying party for the rules' tests: it checks what the domain relies on
/// a real one to check (the answer is to this challenge, from an allowed
/// credential, with a counter that moved on), with no cryptography. An
/// answer is `{"challenge", "credential", "counter"}` ([`passkey_answer`]).
#[derive(Debug, Default)]
pub struct FakeRelyingParty {
    challenges: std::sync::atomic::AtomicU64,
}

impl FakeRelyingParty {
    fn challenge(&self, kind: &str) -> String {
        let n = self.challenges.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        format!("{kind}-{n}")
    }
}

fn refused(why: &str) -> ports::PasskeyError {
    ports::PasskeyError::Refused(why.to_owned())
}

fn parse(text: &str) -> Result<serde_json::Value, ports::PasskeyError> {
    serde_json::from_str(text).map_err(|_| refused("not JSON"))
}

fn field<'a>(value: &'a serde_json::Value, name: &str) -> Result<&'a serde_json::Value, ports::PasskeyError> {
    value.get(name).ok_or_else(|| refused(name))
}

impl PasskeyRelyingParty for FakeRelyingParty {
    fn start_registration(
        &self,
        holder: &PasskeyHolder,
        exclude: &[CredentialId],
    ) -> Result<PasskeyChallenge, ports::PasskeyError> {
        let challenge = self.challenge("enrol");
        let exclude: Vec<String> =
            exclude.iter().map(|id| String::from_utf8_lossy(id.as_bytes()).into_owned()).collect();
        let options =
            serde_json::json!({ "challenge": challenge, "user": holder.name, "excludeCredentials": exclude });
        let state = serde_json::json!({ "challenge": challenge, "exclude": exclude });
        Ok(PasskeyChallenge { options, state: CeremonyState::new(state.to_string()) })
    }

    fn finish_registration(
        &self,
        state: &CeremonyState,
        response: &str,
    ) -> Result<RegisteredPasskey, ports::PasskeyError> {
        let (state, answer) = (parse(state.as_str())?, parse(response)?);
        if field(&answer, "challenge")? != field(&state, "challenge")? {
            return Err(refused("another challenge"));
        }
        let id = field(&answer, "credential")?.as_str().ok_or_else(|| refused("credential"))?;
        let excluded = field(&state, "exclude")?.as_array().is_some_and(|ids| ids.iter().any(|e| e == id));
        if excluded {
            return Err(refused("excluded"));
        }
        let credential_id = CredentialId::new(id.as_bytes().to_vec()).ok_or_else(|| refused("credential"))?;
        let credential = StoredPasskey::new(serde_json::json!({ "id": id, "counter": 0 }).to_string());
        Ok(RegisteredPasskey { credential_id, credential })
    }

    fn start_sign_in(&self, passkeys: &[StoredPasskey]) -> Result<PasskeyChallenge, ports::PasskeyError> {
        let challenge = self.challenge("sign-in");
        let allowed: Vec<serde_json::Value> =
            passkeys.iter().map(|p| parse(p.as_str())).collect::<Result<_, _>>()?;
        let ids: Vec<&serde_json::Value> = allowed.iter().filter_map(|p| p.get("id")).collect();
        let options = serde_json::json!({ "challenge": challenge, "allowCredentials": ids });
        let state = serde_json::json!({ "challenge": challenge, "allowed": allowed });
        Ok(PasskeyChallenge { options, state: CeremonyState::new(state.to_string()) })
    }

    fn finish_sign_in(
        &self,
        state: &CeremonyState,
        response: &str,
    ) -> Result<PasskeyAssertion, ports::PasskeyError> {
        let (state, answer) = (parse(state.as_str())?, parse(response)?);
        if field(&answer, "challenge")? != field(&state, "challenge")? {
            return Err(refused("another challenge"));
        }
        let id = field(&answer, "credential")?;
        let counter = field(&answer, "counter")?.as_u64().ok_or_else(|| refused("counter"))?;
        let held = field(&state, "allowed")?
            .as_array()
            .and_then(|allowed| allowed.iter().find(|p| p.get("id") == Some(id)))
            .ok_or_else(|| refused("not allowed"))?;
        if counter <= field(held, "counter")?.as_u64().unwrap_or(0) {
            return Err(refused("the counter went back"));
        }
        let id = id.as_str().ok_or_else(|| refused("credential"))?;
        Ok(PasskeyAssertion {
            credential_id: CredentialId::new(id.as_bytes().to_vec()).ok_or_else(|| refused("credential"))?,
            credential: StoredPasskey::new(serde_json::json!({ "id": id, "counter": counter }).to_string()),
        })
    }
}

/// What an authenticator holding `credential` answers to `options` (for
/// [`FakeRelyingParty`]).
pub fn passkey_answer(options: &serde_json::Value, credential: &str, counter: u64) -> String {
    serde_json::json!({ "challenge": options["challenge"], "credential": credential, "counter": counter })
        .to_string()
}
