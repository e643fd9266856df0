//! A practice on the store under test, with a signed-in Super Admin.

use crate::FaultyStore;
use identity_domain::*;
use identity_memory::{ManualClock, MemoryAdapters};
use secrecy::SecretString;
use std::collections::BTreeSet;
use std::sync::Arc;

/// The password helper-made users end up with.
pub const PASSWORD: &str = "a long and private passphrase";

fn secret(s: &str) -> SecretString {
    SecretString::from(s.to_owned())
}

/// A service over the store under test (wrapped in a [`FaultyStore`]), a
/// manual clock and a fast hasher, and one practice.
pub struct Fixture {
    /// The service.
    pub service: IdentityService,
    /// The wrapped store, to make commits fail.
    pub faults: FaultyStore,
    /// The clock.
    pub clock: ManualClock,
    /// The practice.
    pub practice: Practice,
    /// Its first Super Admin, signed in.
    pub admin: Caller,
}

impl Fixture {
    /// A practice `slug` on `store`.
    ///
    /// # Panics
    /// When the store cannot create it: the contract fails.
    pub async fn new(store: Arc<dyn Store>, slug: &str) -> Self {
        let faults = FaultyStore::new(store);
        let adapters = MemoryAdapters::with_fast_hasher();
        let mut ports = adapters.ports();
        ports.store = Arc::new(faults.clone());
        let service = IdentityService::new(ports, Config::default());
        Self::on(service, faults, adapters.clock, slug).await
    }

    /// Another practice on the same service.
    pub async fn another(&self, slug: &str) -> Self {
        Self::on(self.service.clone(), self.faults.clone(), self.clock.clone(), slug).await
    }

    async fn on(service: IdentityService, faults: FaultyStore, clock: ManualClock, slug: &str) -> Self {
        let created = service
            .create_practice(NewPractice {
                admin_time_zone: TimeZone::utc(),
                second_factor_for_admins: false,
                ..NewPractice::example_at(slug)
            })
            .await
            .unwrap();
        let admin =
            first_sign_in(&service, slug, created.admin.email.as_str(), created.admin_password.expose())
                .await;
        Self { service, faults, clock, practice: created.practice, admin }
    }

    /// Signs in to this practice.
    pub async fn sign_in(&self, email: &str, password: &str) -> Result<SignedIn, SignInError> {
        self.service
            .sign_in(SignIn {
                practice: self.practice.slug.as_str().to_owned(),
                email: email.to_owned(),
                password: secret(password),
                request_id: None,
            })
            .await
    }

    /// The id of a built-in or custom role by name.
    pub async fn role(&self, name: &str) -> RoleId {
        let roles = self.service.list_roles(&self.admin).await.unwrap();
        roles.iter().find(|r| r.name.as_str() == name).unwrap().id
    }

    /// A new user by invitation.
    pub async fn invite(&self, email: &str, name: &str, role: &str) -> User {
        let new = self.new_user(email, name, self.role(role).await, InitialCredential::Invite);
        self.service.create_user(&self.admin, new).await.unwrap().user
    }

    /// A new active user whose password is [`PASSWORD`], signed in.
    pub async fn active(&self, email: &str, role: &str) -> (User, Caller) {
        let new =
            self.new_user(email, "Active Person", self.role(role).await, InitialCredential::GeneratePassword);
        let created = self.service.create_user(&self.admin, new).await.unwrap();
        let slug = self.practice.slug.as_str();
        let caller =
            first_sign_in(&self.service, slug, email, created.generated_password.unwrap().expose()).await;
        (created.user, caller)
    }

    /// A user to create.
    pub fn new_user(&self, email: &str, name: &str, role: RoleId, credential: InitialCredential) -> NewUser {
        NewUser {
            email: EmailAddress::parse(email).unwrap(),
            name: PersonName::parse(name).unwrap(),
            role,
            profiles: BTreeSet::new(),
            language: Language::english(),
            time_zone: TimeZone::utc(),
            phone: None,
            title: None,
            notes: None,
            sites: BTreeSet::new(),
            credential,
        }
    }

    /// Every user of the practice, in one page.
    pub async fn all_users(&self) -> Vec<User> {
        let query = UserQuery { limit: 500, ..UserQuery::default() };
        self.service
            .list_users(&self.admin, &query)
            .await
            .unwrap()
            .items
            .into_iter()
            .map(|row| row.user)
            .collect()
    }

    /// Every audit entry of the practice, newest first.
    pub async fn audit(&self) -> Vec<AuditEntry> {
        let query = AuditQuery { limit: 500, ..AuditQuery::default() };
        self.service.read_audit(&self.admin, &query).await.unwrap().items
    }

    /// Every email of the practice, newest first.
    pub async fn outbox(&self) -> Vec<OutboxEmail> {
        let query = OutboxQuery { limit: 500, ..OutboxQuery::default() };
        self.service.list_outbox(&self.admin, &query).await.unwrap().items
    }

    /// Every email of the practice as stored, secrets included, newest first.
    pub async fn raw_outbox(&self) -> Vec<OutboxEmail> {
        let mut uow = self.faults.begin(Access::Read).await.unwrap();
        let query = OutboxQuery { limit: 500, ..OutboxQuery::default() };
        uow.outbox().list(self.practice.id, &query).await.unwrap().items
    }

    /// The token of the newest invitation to `email`.
    pub async fn invitation_token(&self, email: &str) -> Token {
        let outbox = self.raw_outbox().await;
        let found =
            outbox.iter().find(|e| e.to.as_str() == email && e.message.kind() == "invitation").unwrap();
        match &found.message {
            Message::Invitation { token, .. } => Token::presented(token.expose()),
            _ => unreachable!("found by kind"),
        }
    }

    /// Opens a case owned by `owner`.
    pub async fn open_case(&self, title: &str, owner: UserId) -> Case {
        self.service.create_case(&self.admin, Label::parse(title).unwrap(), owner).await.unwrap()
    }
}

async fn first_sign_in(service: &IdentityService, slug: &str, email: &str, one_time: &str) -> Caller {
    let signed = service
        .sign_in(SignIn {
            practice: slug.to_owned(),
            email: email.to_owned(),
            password: secret(one_time),
            request_id: None,
        })
        .await
        .unwrap();
    let restricted = service.authenticate(&signed.token).await.unwrap();
    service.change_own_password(&restricted, secret(one_time), secret(PASSWORD)).await.unwrap();
    service.authenticate(&signed.token).await.unwrap()
}
