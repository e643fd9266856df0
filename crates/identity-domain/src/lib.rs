//! # identity-domain
//!
//! The rules of practice identity — users with one role and any number of
//! profiles, their lifecycle (`invited` → `active` ⇄ `inactive`, never
//! deleted), case ownership, parties, passwords, links, sessions and the
//! audit log — and the ports (traits) those rules need from the outside.
//!
//! The crate does no I/O and needs no async runtime. Adapters implement the
//! [`ports`]; [`IdentityService`] runs every use case over them, each in one
//! unit of work that commits the change, its audit entry and its outbox
//! emails together or not at all.
//!
//! ## Embedding with the in-memory adapters
//!
//! `identity-memory` implements every port without a database. Create a
//! practice, sign its first Super Admin in, change the one-time password,
//! and create a user:
//!
//! ```
//! use identity_domain::*;
//! use identity_memory::MemoryAdapters;
//! use secrecy::SecretString;
//!
//! # tokio_test_block_on(async {
//! let adapters = MemoryAdapters::new();
//! let service = IdentityService::new(adapters.ports(), Config::default());
//!
//! let created = service
//!     .create_practice(NewPractice {
//!         slug: PracticeSlug::parse("maple-law").unwrap(),
//!         name: Label::parse("Maple Immigration Law").unwrap(),
//!         settings: PracticeSettings::default(),
//!         admin_email: EmailAddress::parse("owner@maple.example").unwrap(),
//!         admin_name: PersonName::parse("Olivia Owner").unwrap(),
//!         admin_language: Language::parse("en").unwrap(),
//!         admin_time_zone: TimeZone::parse("America/Toronto").unwrap(),
//!         second_factor_for_admins: false,
//!     })
//!     .await
//!     .unwrap();
//!
//! // The first sign-in gives a session that may only change the password.
//! let signed_in = service
//!     .sign_in(SignIn {
//!         practice: "maple-law".into(),
//!         email: "OWNER@maple.example".into(),
//!         password: SecretString::from(created.admin_password.expose().to_owned()),
//!         request_id: None,
//!     })
//!     .await
//!     .unwrap();
//! assert!(signed_in.password_change_only());
//! let caller = service.authenticate(&signed_in.token).await.unwrap();
//! service
//!     .change_own_password(
//!         &caller,
//!         SecretString::from(created.admin_password.expose().to_owned()),
//!         SecretString::from("a long and private passphrase".to_owned()),
//!     )
//!     .await
//!     .unwrap();
//!
//! // Now a full session: invite a paralegal.
//! let caller = service.authenticate(&signed_in.token).await.unwrap();
//! let roles = service.list_roles(&caller).await.unwrap();
//! let paralegal = roles.iter().find(|r| r.name.as_str() == "Paralegal").unwrap();
//! let invited = service
//!     .create_user(&caller, NewUser {
//!         email: EmailAddress::parse("pat@maple.example").unwrap(),
//!         name: PersonName::parse("Pat Paralegal").unwrap(),
//!         role: paralegal.id,
//!         profiles: Default::default(),
//!         language: Language::parse("fr-CA").unwrap(),
//!         time_zone: TimeZone::parse("America/Montreal").unwrap(),
//!         phone: None,
//!         title: None,
//!         notes: None,
//!         sites: Default::default(),
//!         credential: InitialCredential::Invite,
//!     })
//!     .await
//!     .unwrap();
//! assert_eq!(invited.user.status, UserStatus::Invited);
//!
//! // The invitation email is in the outbox, written with the change.
//! let outbox = adapters.outbox().await;
//! assert!(outbox.iter().any(|e| e.to.as_str() == "pat@maple.example"
//!     && e.message.kind() == "invitation"));
//! # });
//! # fn tokio_test_block_on<F: std::future::Future>(f: F) -> F::Output {
//! #     tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(f)
//! # }
//! ```

pub mod audit;
pub mod budget;
pub mod case;
pub mod credential;
pub mod email;
pub mod error;
pub mod factor;
pub mod ids;
pub mod link;
pub mod listing;
pub mod mail;
pub mod party;
pub mod password;
pub mod permission;
pub mod person;
pub mod portal;
pub mod ports;
pub mod practice;
pub mod role;
pub mod service;
pub mod session;
pub mod site;
pub mod system;
#[cfg(feature = "test-support")]
pub mod test_support;
pub mod token;
pub mod user;

pub use audit::{Actor, AuditAction, AuditEntry, AuditQuery, RequestId, Target};
pub use budget::{AddressKey, BudgetAnswer};
pub use case::{Case, CaseStatus};
pub use credential::{Credential, ThrottlePolicy};
pub use email::{EmailAddress, EmailError};
pub use error::{AccessError, Conflict, HashError, StoreError, TargetError};
pub use factor::{
    Ceremony, CeremonyPurpose, CeremonyState, CredentialId, Factor, FactorHolder, FactorKind, FactorName,
    FactorProof, FactorSummary, PasskeyFactor, RecoveryCode, RecoveryCodeHash, StoredPasskey, TotpFactor,
    TotpSecret,
};
pub use ids::*;
pub use link::{Link, LinkPurpose, LinkSubject};
pub use listing::{
    CatalogueNames, ColumnChoice, ColumnChoiceError, Direction, Holders, Invitation, InvitationState,
    ListedUser, Page, SearchTerm, SearchTermError, SortValue, UserColumn, UserCursor, UserFilter, UserQuery,
};
pub use mail::{
    ClaimToken, ClaimedEmail, DeliveryStatus, FactorChange, MailSecret, Message, MessageKind, OutboxCounts,
    OutboxEmail, OutboxQuery, WorkerId,
};
pub use party::{Party, PartyDetails, PartyKind, PortalStatus};
pub use password::{Password, PasswordHash, PasswordPolicy, PasswordRejection};
pub use permission::{Permission, PermissionSet};
pub use person::{Label, Language, Note, PersonName, Phone, TextError, TimeZone};
pub use portal::{
    CasePart, CaseParty, IllegalPortalTransition, PortalAccount, PortalAccountStatus, PortalSession,
};
pub use ports::{
    Access, AddressBudgets, Clock, IdGenerator, NoPasskeys, OutboxQueue, PasskeyAssertion, PasskeyChallenge,
    PasskeyError, PasskeyHolder, PasskeyRelyingParty, PasswordHasher, RegisteredPasskey, SecureRandom, Store,
    UnitOfWork,
};
pub use practice::{Practice, PracticeSettings, PracticeSlug};
pub use role::{Grants, Profile, Role};
pub use service::*;
pub use session::{SECOND_STEP_MINUTES, Session, SessionCheck, SessionPolicy, SessionScope};
pub use site::{Site, SiteDetails};
pub use token::{Token, TokenHash};
pub use user::{IllegalTransition, User, UserStatus};

/// The README's Rust examples, run as doctests so that what it shows an
/// embedder keeps compiling and working.
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
pub struct ReadmeExamples;
