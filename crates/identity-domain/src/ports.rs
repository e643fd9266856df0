//! The ports: what the domain needs from the outside world, as traits.
//!
//! Adapters implement them: `identity-memory` for tests and embedding, the
//! SeaORM store for SQLite and PostgreSQL, [`crate::system`] for the clock,
//! randomness and argon2id. Every port is `Send + Sync + 'static` and used as
//! `Arc<dyn Port>`.
//!
//! Every repository method takes the practice explicitly and MUST NOT read
//! or write a record of another practice: a foreign id behaves exactly like
//! an id that does not exist.

use crate::audit::{AuditEntry, AuditQuery};
use crate::budget::AddressKey;
use crate::case::{Case, CaseStatus};
use crate::credential::Credential;
use crate::email::EmailAddress;
use crate::error::{HashError, StoreError};
use crate::factor::{
    Ceremony, CeremonyState, CredentialId, Factor, FactorHolder, RecoveryCodeHash, StoredPasskey,
};
use crate::ids::{
    AuditId, CaseId, EmailId, FactorId, LinkId, PartyId, PracticeId, ProfileId, RoleId, SessionId, SiteId,
    UserId,
};
use crate::link::{Link, LinkPurpose, LinkSubject};
use crate::listing::{ListedUser, Page, SearchTerm, UserCursor, UserQuery};
use crate::mail::{ClaimToken, ClaimedEmail, MessageKind, OutboxCounts, OutboxEmail, OutboxQuery, WorkerId};
use crate::party::Party;
use crate::password::{Password, PasswordHash};
use crate::portal::{CaseParty, PortalAccount, PortalSession};
use crate::practice::{Practice, PracticeSlug};
use crate::role::{Profile, Role};
use crate::session::{Session, SessionCheck};
use crate::site::Site;
use crate::token::TokenHash;
use crate::user::{User, UserStatus};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use secrecy::SecretString;

/// The current time.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
pub trait Clock: Send + Sync + 'static {
    /// Now, in UTC. Successive calls SHOULD not go backwards, but the domain
    /// stays correct if they do.
    fn now(&self) -> DateTime<Utc>;
}

/// Cryptographically secure randomness, for tokens and generated passwords.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
pub trait SecureRandom: Send + Sync + 'static {
    /// Fills `bytes` with random bytes. MUST be unpredictable (an OS CSPRNG)
    /// outside tests.
    fn fill(&self, bytes: &mut [u8]);
}

/// New record ids.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
pub trait IdGenerator: Send + Sync + 'static {
    /// A new UUID, never returned before. Ids SHOULD increase over time
    /// (UUIDv7): the audit log lists entries in id order.
    fn next_id(&self) -> uuid::Uuid;
}

/// Hashes and verifies passwords.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait PasswordHasher: Send + Sync + 'static {
    /// Hashes a new password with a fresh salt.
    ///
    /// # Errors
    /// [`HashError::Busy`] when no hashing capacity is free (the caller
    /// answers "try again" at once rather than queue), [`HashError::Failed`]
    /// otherwise.
    async fn hash(&self, password: &Password) -> Result<PasswordHash, HashError>;

    /// Whether `candidate` (exactly as typed) matches `hash`. MUST take the
    /// same time for a match and a mismatch.
    ///
    /// # Errors
    /// As [`PasswordHasher::hash`]; an unreadable `hash` is a mismatch, not
    /// an error.
    async fn verify(&self, candidate: &SecretString, hash: &PasswordHash) -> Result<bool, HashError>;
}

/// Whether a unit of work will write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Reads only; committing is not needed.
    Read,
    /// Reads then writes, as if no other unit of work ran at the same
    /// time: what it read is still true when it commits, or the commit is
    /// refused. Adapters either take a write lock at the start (SQLite
    /// `BEGIN IMMEDIATE`, the in-memory store's lock) or run it
    /// serializable and refuse a unit of work that raced another with
    /// [`StoreError::Contended`] (PostgreSQL), which the use cases run again
    /// from the start.
    Write,
}

/// Opens units of work.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// Begins a unit of work: one transaction over every repository.
    ///
    /// A write unit of work MUST behave as if it ran alone: every rule its
    /// use case checked against what it read still holds at its commit.
    /// An adapter that lets write units of work run at once (rather than
    /// one at a time) MUST refuse, with [`StoreError::Contended`] from any
    /// call up to and including [`UnitOfWork::commit`], each one whose
    /// reads another's commit made stale, and write nothing of it.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] when the storage cannot be reached.
    async fn begin(&self, access: Access) -> Result<Box<dyn UnitOfWork>, StoreError>;

    /// Waits before write unit of work number `attempt + 1` runs again
    /// after attempt number `attempt` (from 1) was refused as
    /// [`StoreError::Contended`]: an adapter whose units of work race
    /// SHOULD wait a short, growing, randomised time, so that the racers
    /// do not meet again at once. The default returns at once.
    async fn back_off(&self, _attempt: u32) {}

    /// Proves that a write could commit now, and changes nothing (for
    /// readiness probes). The default begins a write unit of work and drops
    /// it; a database adapter SHOULD also write and roll back, so that a
    /// full disk or a read-only database fails it.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] when a write could not commit now.
    async fn check_writable(&self) -> Result<(), StoreError> {
        drop(self.begin(Access::Write).await?);
        Ok(())
    }

    /// What checking the session with this token hash needs (see
    /// [`SessionRepository::check`]), read as one consistent whole. The
    /// default reads it through a read unit of work; a database adapter
    /// SHOULD answer it with one statement outside any transaction (a
    /// single statement sees one snapshot), so that checking a session
    /// costs one round trip.
    ///
    /// # Errors
    /// Storage failures only.
    async fn check_session(&self, hash: &TokenHash) -> Result<Option<SessionCheck>, StoreError> {
        let mut uow = self.begin(Access::Read).await?;
        uow.sessions().check(hash).await
    }
}

/// One transaction over every repository. Everything written through it
/// becomes visible at [`UnitOfWork::commit`], all together, or never: a unit
/// of work dropped without commit MUST leave nothing behind.
#[async_trait]
pub trait UnitOfWork: Send {
    /// Practices.
    fn practices(&mut self) -> &mut dyn PracticeRepository;
    /// Users and their email history.
    fn users(&mut self) -> &mut dyn UserRepository;
    /// Password credentials.
    fn credentials(&mut self) -> &mut dyn CredentialRepository;
    /// Roles and profiles.
    fn roles(&mut self) -> &mut dyn RoleRepository;
    /// Invitation and recovery links.
    fn links(&mut self) -> &mut dyn LinkRepository;
    /// Sessions.
    fn sessions(&mut self) -> &mut dyn SessionRepository;
    /// Second factors and recovery codes.
    fn factors(&mut self) -> &mut dyn FactorRepository;
    /// Sites.
    fn sites(&mut self) -> &mut dyn SiteRepository;
    /// Parties.
    fn parties(&mut self) -> &mut dyn PartyRepository;
    /// Cases.
    fn cases(&mut self) -> &mut dyn CaseRepository;
    /// Portal accounts, their email reservations and sessions.
    fn portal(&mut self) -> &mut dyn PortalRepository;
    /// The parties of cases.
    fn case_parties(&mut self) -> &mut dyn CasePartyRepository;
    /// The audit log.
    fn audit(&mut self) -> &mut dyn AuditLog;
    /// The outbox.
    fn outbox(&mut self) -> &mut dyn Outbox;

    /// Makes every write visible at once.
    ///
    /// # Errors
    /// Any [`StoreError`]; then nothing of the unit of work is visible.
    async fn commit(self: Box<Self>) -> Result<(), StoreError>;
}

/// Writes the repository accessors of [`UnitOfWork`] for an adapter whose
/// unit of work implements every repository trait itself (each accessor
/// returns `self`). Use it inside `impl UnitOfWork for …`.
#[macro_export]
macro_rules! repositories_on_self {
    () => {
        fn practices(&mut self) -> &mut dyn $crate::ports::PracticeRepository {
            self
        }
        fn users(&mut self) -> &mut dyn $crate::ports::UserRepository {
            self
        }
        fn credentials(&mut self) -> &mut dyn $crate::ports::CredentialRepository {
            self
        }
        fn roles(&mut self) -> &mut dyn $crate::ports::RoleRepository {
            self
        }
        fn links(&mut self) -> &mut dyn $crate::ports::LinkRepository {
            self
        }
        fn sessions(&mut self) -> &mut dyn $crate::ports::SessionRepository {
            self
        }
        fn factors(&mut self) -> &mut dyn $crate::ports::FactorRepository {
            self
        }
        fn sites(&mut self) -> &mut dyn $crate::ports::SiteRepository {
            self
        }
        fn parties(&mut self) -> &mut dyn $crate::ports::PartyRepository {
            self
        }
        fn cases(&mut self) -> &mut dyn $crate::ports::CaseRepository {
            self
        }
        fn portal(&mut self) -> &mut dyn $crate::ports::PortalRepository {
            self
        }
        fn case_parties(&mut self) -> &mut dyn $crate::ports::CasePartyRepository {
            self
        }
        fn audit(&mut self) -> &mut dyn $crate::ports::AuditLog {
            self
        }
        fn outbox(&mut self) -> &mut dyn $crate::ports::Outbox {
            self
        }
    };
}

/// Practices.
#[async_trait]
pub trait PracticeRepository: Send {
    /// Stores a new practice.
    ///
    /// # Errors
    /// [`crate::Conflict::NameTaken`] when the slug is taken.
    async fn insert(&mut self, practice: &Practice) -> Result<(), StoreError>;
    /// The practice with this id.
    async fn get(&mut self, id: PracticeId) -> Result<Option<Practice>, StoreError>;
    /// The practice with this slug.
    async fn find_by_slug(&mut self, slug: &PracticeSlug) -> Result<Option<Practice>, StoreError>;
    /// Saves a changed practice (name, settings; never the slug).
    async fn update(&mut self, practice: &Practice) -> Result<(), StoreError>;
    /// How many practices there are (zero on a new installation).
    async fn count(&mut self) -> Result<u64, StoreError>;
}

/// Users, and the history of every email they held.
#[async_trait]
pub trait UserRepository: Send {
    /// Stores a new user (version 1). The email MUST already be reserved
    /// with [`UserRepository::reserve_email`] in the same unit of work.
    async fn insert(&mut self, user: &User) -> Result<(), StoreError>;
    /// The user with this id in this practice.
    async fn get(&mut self, practice: PracticeId, id: UserId) -> Result<Option<User>, StoreError>;
    /// Saves a changed user whose `version` is one more than the stored one.
    ///
    /// # Errors
    /// [`crate::Conflict::Stale`] when the stored version is not
    /// `user.version - 1`: someone else changed the user since it was read.
    async fn update(&mut self, user: &User) -> Result<(), StoreError>;
    /// The user whose current email this is.
    async fn find_by_email(
        &mut self,
        practice: PracticeId,
        email: &EmailAddress,
    ) -> Result<Option<User>, StoreError>;
    /// The user who holds or ever held this email (compared normalised).
    async fn email_holder(
        &mut self,
        practice: PracticeId,
        email: &EmailAddress,
    ) -> Result<Option<UserId>, StoreError>;
    /// Records that `user` holds `email` from `at`; the reservation is never
    /// removed.
    ///
    /// # Errors
    /// [`crate::Conflict::EmailTaken`] when any user of the practice holds
    /// or held it; the unit of work stays usable. Storage MUST hold this
    /// rule itself (a unique index), so that two concurrent units of work
    /// cannot both reserve one address: the later is refused as taken, or
    /// as [`StoreError::Contended`] by an adapter that runs them at once.
    async fn reserve_email(
        &mut self,
        practice: PracticeId,
        email: &EmailAddress,
        user: UserId,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError>;
    /// Every email the user held, oldest first.
    async fn email_history(
        &mut self,
        practice: PracticeId,
        user: UserId,
    ) -> Result<Vec<(EmailAddress, DateTime<Utc>)>, StoreError>;
    /// One page of the users list, with each user's profiles and sites,
    /// last successful sign-in and latest invitation (the user's
    /// [`LinkPurpose::Invitation`](crate::LinkPurpose) link issued last),
    /// and in [`Page::total`] how many users of the practice match the
    /// query's filter (its cursor and limit aside). Adapters MUST read the
    /// page's rows in a bounded number of statements, never one per row.
    async fn list(
        &mut self,
        practice: PracticeId,
        query: &UserQuery,
    ) -> Result<Page<ListedUser, UserCursor>, StoreError>;
    /// The same page as [`UserRepository::list`], for readers of the list's
    /// columns only (the CSV download): an adapter MAY leave
    /// [`Page::total`] unset, to spare counting.
    async fn list_columns(
        &mut self,
        practice: PracticeId,
        query: &UserQuery,
    ) -> Result<Page<ListedUser, UserCursor>, StoreError> {
        self.list(practice, query).await
    }
    /// How many users hold one of `roles` with one of `statuses`.
    async fn count_with_roles(
        &mut self,
        practice: PracticeId,
        roles: &[RoleId],
        statuses: &[UserStatus],
    ) -> Result<u64, StoreError>;
}

/// Password credentials.
#[async_trait]
pub trait CredentialRepository: Send {
    /// The credential of a user.
    async fn get(&mut self, practice: PracticeId, user: UserId) -> Result<Option<Credential>, StoreError>;
    /// Creates or replaces the credential of `credential.user`.
    async fn save(&mut self, credential: &Credential) -> Result<(), StoreError>;
}

/// Roles and profiles.
#[async_trait]
pub trait RoleRepository: Send {
    /// Every role of the practice, by name.
    async fn list_roles(&mut self, practice: PracticeId) -> Result<Vec<Role>, StoreError>;
    /// One role.
    async fn get_role(&mut self, practice: PracticeId, id: RoleId) -> Result<Option<Role>, StoreError>;
    /// Stores a new role.
    ///
    /// # Errors
    /// [`crate::Conflict::NameTaken`] for a name already used in the practice.
    async fn insert_role(&mut self, role: &Role) -> Result<(), StoreError>;
    /// Saves a changed role.
    ///
    /// # Errors
    /// As [`RoleRepository::insert_role`].
    async fn update_role(&mut self, role: &Role) -> Result<(), StoreError>;
    /// Every profile of the practice, by name.
    async fn list_profiles(&mut self, practice: PracticeId) -> Result<Vec<Profile>, StoreError>;
    /// One profile.
    async fn get_profile(
        &mut self,
        practice: PracticeId,
        id: ProfileId,
    ) -> Result<Option<Profile>, StoreError>;
    /// Stores a new profile.
    ///
    /// # Errors
    /// [`crate::Conflict::NameTaken`] for a name already used in the practice.
    async fn insert_profile(&mut self, profile: &Profile) -> Result<(), StoreError>;
    /// Saves a changed profile.
    ///
    /// # Errors
    /// As [`RoleRepository::insert_profile`].
    async fn update_profile(&mut self, profile: &Profile) -> Result<(), StoreError>;
}

/// Invitation and recovery links.
#[async_trait]
pub trait LinkRepository: Send {
    /// Stores a new link.
    async fn insert(&mut self, link: &Link) -> Result<(), StoreError>;
    /// The link with this token hash, in any practice (the token is the
    /// only thing a link's user presents; the link carries its practice).
    async fn find_by_hash(&mut self, hash: &TokenHash) -> Result<Option<Link>, StoreError>;
    /// The live links of a subject: not used, not voided, not expired at `now`.
    async fn live_for(
        &mut self,
        practice: PracticeId,
        subject: LinkSubject,
        now: DateTime<Utc>,
    ) -> Result<Vec<Link>, StoreError>;
    /// Marks a link used at `at`, only if it is neither used nor voided.
    /// Returns whether this call used it: of concurrent calls for one link,
    /// exactly one MUST get `true`.
    async fn consume(&mut self, id: LinkId, at: DateTime<Utc>) -> Result<bool, StoreError>;
    /// Voids every unused link of `subject` (of one purpose, or all),
    /// returning how many.
    async fn void_for(
        &mut self,
        practice: PracticeId,
        subject: LinkSubject,
        purpose: Option<LinkPurpose>,
        at: DateTime<Utc>,
    ) -> Result<u64, StoreError>;
}

/// Sessions.
#[async_trait]
pub trait SessionRepository: Send {
    /// Stores a new session.
    async fn insert(&mut self, session: &Session) -> Result<(), StoreError>;
    /// The session with this token hash, in any practice.
    async fn find_by_hash(&mut self, hash: &TokenHash) -> Result<Option<Session>, StoreError>;
    /// One session of the practice.
    async fn get(&mut self, practice: PracticeId, id: SessionId) -> Result<Option<Session>, StoreError>;
    /// Saves a changed session (last use, restriction, end).
    async fn update(&mut self, session: &Session) -> Result<(), StoreError>;
    /// The session with this token hash, in any practice, with its user's
    /// status and the grants of the user's role and profiles as stored now
    /// (role and profiles of the session's practice only). `None` when no
    /// session has this hash, or its user or role is not found.
    async fn check(&mut self, hash: &TokenHash) -> Result<Option<SessionCheck>, StoreError>;
    /// Records that a session was used at `at`, unless it has ended;
    /// whether it did (one conditional write).
    async fn touch(
        &mut self,
        practice: PracticeId,
        id: SessionId,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError>;
    /// Ends every session of a user but `except`, returning how many were live.
    async fn end_all_for_user(
        &mut self,
        practice: PracticeId,
        user: UserId,
        except: Option<SessionId>,
        at: DateTime<Utc>,
    ) -> Result<u64, StoreError>;
    /// Keeps a passkey ceremony on a session, in place of any it had.
    async fn set_ceremony(
        &mut self,
        practice: PracticeId,
        id: SessionId,
        ceremony: &Ceremony,
    ) -> Result<(), StoreError>;
    /// Takes the ceremony a session keeps, leaving none: of concurrent
    /// calls for one session, at most one gets it (one conditional write).
    async fn take_ceremony(
        &mut self,
        practice: PracticeId,
        id: SessionId,
    ) -> Result<Option<Ceremony>, StoreError>;
}

/// Second factors (TOTP authenticators and passkeys) and recovery codes,
/// of staff users and of parties' portal accounts ([`FactorHolder`]). A
/// store keeps factor secrets as safely as it keeps its other secrets (the
/// SeaORM store seals them with the server's key). A passkey's credential
/// id is registered once across every holder: inserting it again fails with
/// [`crate::Conflict::CredentialTaken`].
#[async_trait]
pub trait FactorRepository: Send {
    /// Every factor of a holder, confirmed or not, oldest first.
    async fn list(&mut self, practice: PracticeId, holder: FactorHolder) -> Result<Vec<Factor>, StoreError>;
    /// Whether a holder has at least one confirmed factor (one small read:
    /// sign-in asks it every time).
    async fn has_confirmed(&mut self, practice: PracticeId, holder: FactorHolder)
    -> Result<bool, StoreError>;
    /// Stores a new factor.
    async fn insert(&mut self, factor: &Factor) -> Result<(), StoreError>;
    /// Saves a factor's name, confirmation and last use (not its secret,
    /// nor its last TOTP step: see [`FactorRepository::advance_totp`]).
    async fn update(&mut self, factor: &Factor) -> Result<(), StoreError>;
    /// Records that a TOTP factor's code of `step` was used at `at`, unless
    /// a code of this step or a later one was used already; whether it was
    /// (one conditional write, so two requests with one code cannot both
    /// pass).
    async fn advance_totp(
        &mut self,
        practice: PracticeId,
        holder: FactorHolder,
        id: FactorId,
        step: u64,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError>;
    /// Saves what a passkey factor keeps after an assertion (its signature
    /// counter moved on) and when it was used.
    async fn save_passkey(
        &mut self,
        practice: PracticeId,
        holder: FactorHolder,
        id: FactorId,
        credential: &StoredPasskey,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError>;
    /// Removes one factor of a holder; whether it existed.
    async fn remove(
        &mut self,
        practice: PracticeId,
        holder: FactorHolder,
        id: FactorId,
    ) -> Result<bool, StoreError>;
    /// Removes every factor and recovery code of a holder; how many factors
    /// there were.
    async fn remove_all(&mut self, practice: PracticeId, holder: FactorHolder) -> Result<u64, StoreError>;
    /// Replaces a holder's recovery codes with these (all unused).
    async fn replace_recovery_codes(
        &mut self,
        practice: PracticeId,
        holder: FactorHolder,
        codes: &[RecoveryCodeHash],
        at: DateTime<Utc>,
    ) -> Result<(), StoreError>;
    /// Uses one unused recovery code of a holder; whether it was unused (one
    /// conditional write: a code works once, whatever the concurrency).
    async fn use_recovery_code(
        &mut self,
        practice: PracticeId,
        holder: FactorHolder,
        code: &RecoveryCodeHash,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError>;
    /// How many unused recovery codes a holder has.
    async fn recovery_codes_left(
        &mut self,
        practice: PracticeId,
        holder: FactorHolder,
    ) -> Result<u32, StoreError>;
}

/// Sites.
#[async_trait]
pub trait SiteRepository: Send {
    /// Stores a new site.
    ///
    /// # Errors
    /// [`crate::Conflict::NameTaken`] for a name already used in the practice.
    async fn insert(&mut self, site: &Site) -> Result<(), StoreError>;
    /// One site.
    async fn get(&mut self, practice: PracticeId, id: SiteId) -> Result<Option<Site>, StoreError>;
    /// Saves a changed site.
    ///
    /// # Errors
    /// As [`SiteRepository::insert`].
    async fn update(&mut self, site: &Site) -> Result<(), StoreError>;
    /// Every site of the practice, by name.
    async fn list(&mut self, practice: PracticeId) -> Result<Vec<Site>, StoreError>;
}

/// Parties.
#[async_trait]
pub trait PartyRepository: Send {
    /// Stores a new party.
    async fn insert(&mut self, party: &Party) -> Result<(), StoreError>;
    /// One party.
    async fn get(&mut self, practice: PracticeId, id: PartyId) -> Result<Option<Party>, StoreError>;
    /// Saves a changed party.
    async fn update(&mut self, party: &Party) -> Result<(), StoreError>;
    /// The parties recorded at a site, by name.
    async fn list_by_site(&mut self, practice: PracticeId, site: SiteId) -> Result<Vec<Party>, StoreError>;
}

/// Cases (identity, status and owner only).
#[async_trait]
pub trait CaseRepository: Send {
    /// Stores a new case.
    async fn insert(&mut self, case: &Case) -> Result<(), StoreError>;
    /// One case.
    async fn get(&mut self, practice: PracticeId, id: CaseId) -> Result<Option<Case>, StoreError>;
    /// Saves a changed case.
    async fn update(&mut self, case: &Case) -> Result<(), StoreError>;
    /// A user's cases, optionally of one status, oldest first.
    async fn list_by_owner(
        &mut self,
        practice: PracticeId,
        owner: UserId,
        status: Option<CaseStatus>,
    ) -> Result<Vec<Case>, StoreError>;
    /// How many open cases a user owns.
    async fn count_open(&mut self, practice: PracticeId, owner: UserId) -> Result<u64, StoreError>;
    /// The practice's cases of `status` (any status when `None`) whose
    /// title, folded as [`crate::person::search_key`] folds it, contains
    /// `term` (every case when `None`), ordered by folded title then id,
    /// at most `limit` of them.
    async fn find(
        &mut self,
        practice: PracticeId,
        term: Option<&SearchTerm>,
        status: Option<CaseStatus>,
        limit: u32,
    ) -> Result<Vec<Case>, StoreError>;
}

/// Portal accounts (one per party), the emails they ever held, and portal
/// sessions. Portal sessions MUST be kept apart from staff sessions: a
/// portal token is never found by [`SessionRepository::find_by_hash`], nor
/// a staff token by [`PortalRepository::find_session_by_hash`].
#[async_trait]
pub trait PortalRepository: Send {
    /// Stores a new account. Its email MUST already be reserved for the
    /// party with [`PortalRepository::reserve_email`] in the same unit of
    /// work.
    ///
    /// # Errors
    /// [`crate::Conflict::Stale`] when the party already has an account.
    async fn insert_account(&mut self, account: &PortalAccount) -> Result<(), StoreError>;
    /// The account of a party.
    async fn get_account(
        &mut self,
        practice: PracticeId,
        party: PartyId,
    ) -> Result<Option<PortalAccount>, StoreError>;
    /// The account whose current email this is (compared normalised).
    async fn find_account_by_email(
        &mut self,
        practice: PracticeId,
        email: &EmailAddress,
    ) -> Result<Option<PortalAccount>, StoreError>;
    /// Saves a changed account (status, email, password, failures, time
    /// zone, times).
    async fn update_account(&mut self, account: &PortalAccount) -> Result<(), StoreError>;
    /// The party whose portal account holds or ever held this email.
    async fn email_holder(
        &mut self,
        practice: PracticeId,
        email: &EmailAddress,
    ) -> Result<Option<PartyId>, StoreError>;
    /// Records that `party`'s portal account holds `email` from `at`; the
    /// reservation is never removed. Reserving again an address the same
    /// party already holds or held changes nothing.
    ///
    /// # Errors
    /// [`crate::Conflict::EmailTaken`] when another party's portal account
    /// holds or held it. Storage MUST hold this rule itself (a unique
    /// index), so that two concurrent units of work cannot both reserve
    /// one address.
    async fn reserve_email(
        &mut self,
        practice: PracticeId,
        email: &EmailAddress,
        party: PartyId,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError>;
    /// Stores a new portal session.
    async fn insert_session(&mut self, session: &PortalSession) -> Result<(), StoreError>;
    /// The portal session with this token hash, in any practice.
    async fn find_session_by_hash(&mut self, hash: &TokenHash) -> Result<Option<PortalSession>, StoreError>;
    /// One portal session of the practice.
    async fn get_session(
        &mut self,
        practice: PracticeId,
        id: SessionId,
    ) -> Result<Option<PortalSession>, StoreError>;
    /// Saves a changed session (last use, scope, password time, end).
    async fn update_session(&mut self, session: &PortalSession) -> Result<(), StoreError>;
    /// Keeps a passkey ceremony on a portal session, in place of any it had.
    async fn set_ceremony(
        &mut self,
        practice: PracticeId,
        id: SessionId,
        ceremony: &Ceremony,
    ) -> Result<(), StoreError>;
    /// Takes the ceremony a portal session keeps, leaving none: of
    /// concurrent calls for one session, at most one gets it (one
    /// conditional write).
    async fn take_ceremony(
        &mut self,
        practice: PracticeId,
        id: SessionId,
    ) -> Result<Option<Ceremony>, StoreError>;
    /// Ends every session of a party but `except`, returning how many were
    /// not yet ended.
    async fn end_sessions(
        &mut self,
        practice: PracticeId,
        party: PartyId,
        except: Option<SessionId>,
        at: DateTime<Utc>,
    ) -> Result<u64, StoreError>;
}

/// The parties of cases, each with their part.
#[async_trait]
pub trait CasePartyRepository: Send {
    /// Adds a party to a case.
    ///
    /// # Errors
    /// [`crate::Conflict::Stale`] when the party is already on the case
    /// (storage MUST hold this with a unique index on case and party).
    async fn add(&mut self, entry: &CaseParty) -> Result<(), StoreError>;
    /// Takes a party off a case; whether it was on it. (The one removal a
    /// port allows: a party's part in a case, never a user, an email
    /// reservation, a portal account or an audit entry.)
    async fn take_off(
        &mut self,
        practice: PracticeId,
        case: CaseId,
        party: PartyId,
    ) -> Result<bool, StoreError>;
    /// The parties of a case, in the order they were added.
    async fn list_for_case(
        &mut self,
        practice: PracticeId,
        case: CaseId,
    ) -> Result<Vec<CaseParty>, StoreError>;
    /// The cases a party takes part in, in the order they were added.
    async fn list_for_party(
        &mut self,
        practice: PracticeId,
        party: PartyId,
    ) -> Result<Vec<CaseParty>, StoreError>;
}

/// The audit log: append and read, nothing else.
#[async_trait]
pub trait AuditLog: Send {
    /// Appends an entry.
    async fn append(&mut self, entry: &AuditEntry) -> Result<(), StoreError>;
    /// Entries matching `query`, newest first.
    async fn list(
        &mut self,
        practice: PracticeId,
        query: &AuditQuery,
    ) -> Result<Page<AuditEntry, AuditId>, StoreError>;
}

/// The outbox, as the domain writes and reads it. Delivery (claiming due
/// emails, marking them sent or failed) belongs to the mail adapter's port.
#[async_trait]
pub trait Outbox: Send {
    /// Queues an email, delivered after commit.
    async fn enqueue(&mut self, email: &OutboxEmail) -> Result<(), StoreError>;

    /// The practice's emails matching `query`, newest first (by
    /// `created_at`, then id), at most `query.limit` of them, as queued
    /// (secrets included until delivered or given up); `next` is the last
    /// one's id when more match. An unknown or other practice's `before`
    /// gives an empty page.
    async fn list(
        &mut self,
        practice: PracticeId,
        query: &OutboxQuery,
    ) -> Result<Page<OutboxEmail, EmailId>, StoreError>;

    /// The practice's email `id`; `None` for an unknown id or another
    /// practice's.
    async fn get(&mut self, practice: PracticeId, id: EmailId) -> Result<Option<OutboxEmail>, StoreError>;

    /// How many of the practice's emails are in each state.
    async fn counts(&mut self, practice: PracticeId) -> Result<OutboxCounts, StoreError>;

    /// Makes failed emails of the practice pending again, due at `now`
    /// with a new round of attempts (`attempts` back to 0, `last_error`
    /// kept): only those of `kinds`, and only `only` when given. Returns
    /// how many it changed. It MUST NOT touch a pending or sent email.
    async fn retry_failed(
        &mut self,
        practice: PracticeId,
        only: Option<EmailId>,
        kinds: &[MessageKind],
        now: DateTime<Utc>,
    ) -> Result<u64, StoreError>;
}

/// The delivery side of the outbox, for the mail worker. Several workers
/// (in several processes sharing one database) may run at once, each with
/// its own [`WorkerId`].
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait OutboxQueue: Send + Sync + 'static {
    /// Claims up to `limit` due emails — pending, `next_attempt_at <= now`,
    /// not claimed by a live lease — oldest first, for `worker` until
    /// `lease_until`, under a new [`ClaimToken`]. An email MUST NOT be
    /// handed to two claims whose leases overlap, whichever process makes
    /// them (PostgreSQL: `FOR UPDATE SKIP LOCKED`); once a lease runs out
    /// (a worker died), the email is due again.
    async fn claim_due(
        &self,
        worker: &WorkerId,
        now: DateTime<Utc>,
        limit: u32,
        lease_until: DateTime<Utc>,
    ) -> Result<Vec<ClaimedEmail>, StoreError>;

    /// Releases every claim `worker` holds, so its emails are due at once:
    /// a worker calls it when it starts, to take back what it held when
    /// its process died. Returns how many emails it released.
    async fn reclaim(&self, worker: &WorkerId) -> Result<u64, StoreError>;

    /// Releases one claimed email unsent (a worker stopping), due at once.
    /// Returns `false`, changing nothing, when `claim` no longer holds it.
    async fn release(&self, id: EmailId, claim: ClaimToken) -> Result<bool, StoreError>;

    /// Records delivery: `attempts` + 1, status `sent`, the claim released,
    /// and the message replaced by [`crate::Message::without_secrets`].
    /// Returns `false`, changing nothing, when `claim` no longer holds it.
    async fn mark_sent(&self, id: EmailId, claim: ClaimToken, at: DateTime<Utc>) -> Result<bool, StoreError>;

    /// Records a failed attempt: `attempts` + 1, `last_error`, the claim
    /// released; then pending again from `retry_at`, or, when `retry_at` is
    /// `None`, status `failed` for good with its secrets removed. Returns
    /// `false`, changing nothing, when `claim` no longer holds it.
    async fn mark_failed(
        &self,
        id: EmailId,
        claim: ClaimToken,
        error: &str,
        retry_at: Option<DateTime<Utc>>,
    ) -> Result<bool, StoreError>;
}

/// The per-address request counts behind [`crate::budget`]: one budget per
/// client address, shared by every front door and every server process
/// that uses the same storage.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait AddressBudgets: Send + Sync + 'static {
    /// Counts one hit for `key` in the window that began at `window_start`
    /// and returns how many hits that window holds now, this one included.
    /// Concurrent hits from any process MUST each be counted exactly once
    /// (one atomic statement, no lock held past it), and counts MUST
    /// survive a restart of the server process. The adapter MAY forget
    /// windows that began before `window_start`.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] when the count cannot be made.
    async fn hit(&self, key: &AddressKey, window_start: DateTime<Utc>) -> Result<u64, StoreError>;
}

/// Who a passkey is made for: what the authenticator shows and keeps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasskeyHolder {
    /// The WebAuthn user handle: the holder's id, a user's or a party's
    /// (never personal data).
    pub handle: uuid::Uuid,
    /// The account name the authenticator lists (the email address).
    pub name: String,
    /// The name shown beside it (the user's full name).
    pub display_name: String,
}

/// A relying party's challenge: what the browser hands to
/// `navigator.credentials.create()` or `.get()`, and what the server keeps
/// to check the answer.
#[derive(Debug, Clone, PartialEq)]
pub struct PasskeyChallenge {
    /// The `publicKey` options, as JSON (binary fields in base64url).
    pub options: serde_json::Value,
    /// What the server keeps until the answer arrives.
    pub state: CeremonyState,
}

/// A passkey registered: what to keep of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegisteredPasskey {
    /// Its credential id.
    pub credential_id: CredentialId,
    /// Public key, counter and flags, in the adapter's format.
    pub credential: StoredPasskey,
}

/// A passkey assertion checked: which credential signed, and what to keep
/// of it now (its counter moved on).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasskeyAssertion {
    /// The credential that signed.
    pub credential_id: CredentialId,
    /// What to keep of it from now on.
    pub credential: StoredPasskey,
}

/// Why a relying party refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PasskeyError {
    /// This server has no relying party: passkeys are not offered.
    #[error("passkeys are not set up on this server")]
    Unavailable,
    /// The authenticator's answer does not check out (wrong challenge,
    /// origin or relying party, bad signature, counter gone back, malformed
    /// JSON, a credential not allowed). The text is for logs.
    #[error("the authenticator's answer was refused: {0}")]
    Refused(String),
}

/// The WebAuthn relying party: makes challenges and checks what
/// authenticators answer. Pure computation (no I/O), so it is called inside
/// units of work. Adapters: `identity-webauthn` (webauthn-rs), and
/// [`NoPasskeys`] where a server offers none.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
pub trait PasskeyRelyingParty: Send + Sync + 'static {
    /// Whether this relying party offers passkeys at all (front doors hide
    /// what cannot work).
    fn offered(&self) -> bool {
        true
    }
    /// A registration challenge for `holder`, excluding the credentials
    /// they hold already (an authenticator registers once per user).
    ///
    /// # Errors
    /// [`PasskeyError`].
    fn start_registration(
        &self,
        holder: &PasskeyHolder,
        exclude: &[CredentialId],
    ) -> Result<PasskeyChallenge, PasskeyError>;
    /// Checks the browser's answer (`PublicKeyCredential` JSON) to a
    /// registration challenge: the new passkey.
    ///
    /// # Errors
    /// [`PasskeyError`].
    fn finish_registration(
        &self,
        state: &CeremonyState,
        response: &str,
    ) -> Result<RegisteredPasskey, PasskeyError>;
    /// A sign-in challenge that any of `passkeys` may answer.
    ///
    /// # Errors
    /// [`PasskeyError`].
    fn start_sign_in(&self, passkeys: &[StoredPasskey]) -> Result<PasskeyChallenge, PasskeyError>;
    /// Checks the browser's answer to a sign-in challenge.
    ///
    /// # Errors
    /// [`PasskeyError`].
    fn finish_sign_in(&self, state: &CeremonyState, response: &str)
    -> Result<PasskeyAssertion, PasskeyError>;
}

/// The relying party of a server that offers no passkeys: every call is
/// [`PasskeyError::Unavailable`].
#[derive(Debug, Clone, Copy, Default)]
pub struct NoPasskeys;

impl PasskeyRelyingParty for NoPasskeys {
    fn offered(&self) -> bool {
        false
    }

    fn start_registration(
        &self,
        _holder: &PasskeyHolder,
        _exclude: &[CredentialId],
    ) -> Result<PasskeyChallenge, PasskeyError> {
        Err(PasskeyError::Unavailable)
    }

    fn finish_registration(
        &self,
        _state: &CeremonyState,
        _response: &str,
    ) -> Result<RegisteredPasskey, PasskeyError> {
        Err(PasskeyError::Unavailable)
    }

    fn start_sign_in(&self, _passkeys: &[StoredPasskey]) -> Result<PasskeyChallenge, PasskeyError> {
        Err(PasskeyError::Unavailable)
    }

    fn finish_sign_in(
        &self,
        _state: &CeremonyState,
        _response: &str,
    ) -> Result<PasskeyAssertion, PasskeyError> {
        Err(PasskeyError::Unavailable)
    }
}
