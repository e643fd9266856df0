//! The transactional in-memory store: the whole state behind one lock, a
//! unit of work that works on a copy and swaps it in at commit.
//!
//! Where each lives, mirroring the SeaORM store: `repo/` one file per
//! repository port (`users.rs`, `roles.rs`, `outbox.rs`…), `queue.rs` the
//! outbox's delivery side. This file holds the state, the store and its
//! unit of work, and the practice check every repository uses.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use identity_domain::ports::{
    AuditLog, CaseRepository, CredentialRepository, LinkRepository, Outbox, PartyRepository,
    PracticeRepository, RoleRepository, SessionRepository, SiteRepository, UserRepository,
};
use identity_domain::{
    Access, AuditEntry, AuditId, AuditQuery, Case, CaseId, CaseStatus, Conflict, Credential, DeliveryStatus,
    Direction, EmailAddress, EmailId, Grants, Invitation, Link, LinkId, LinkPurpose, LinkSubject, ListedUser,
    OutboxEmail, Page, Party, PartyId, Practice, PracticeId, PracticeSlug, Profile, ProfileId, Role, RoleId,
    Session, SessionCheck, SessionId, Site, SiteId, SortValue, Store, StoreError, TokenHash, UnitOfWork,
    User, UserCursor, UserId, UserQuery, UserStatus,
};
use identity_domain::{
    ClaimToken, ClaimedEmail, MessageKind, OutboxCounts, OutboxQuery, OutboxQueue, WorkerId,
};
use imbl::{HashMap, OrdMap};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use tokio::sync::{Mutex, OwnedMutexGuard};

mod queue;

/// One file per repository port, as in the SeaORM store's `repo/`.
mod repo {
    mod audit;
    mod cases;
    mod credentials;
    mod factors;
    mod links;
    mod outbox;
    mod parties;
    mod practices;
    mod roles;
    mod sessions;
    mod sites;
    mod users;
}
mod portal;

/// One email reservation: who held the address, and since when.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Reservation {
    user: UserId,
    email: EmailAddress,
    since: DateTime<Utc>,
    /// Order of reservation, for addresses reserved at the same instant.
    seq: usize,
}

/// Everything stored. Persistent maps: cloning is O(1), so each unit of
/// work works on its own snapshot.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct State {
    practices: HashMap<PracticeId, Practice>,
    users: HashMap<UserId, User>,
    reservations: HashMap<(PracticeId, String), Reservation>,
    credentials: HashMap<UserId, Credential>,
    roles: HashMap<RoleId, Role>,
    profiles: HashMap<ProfileId, Profile>,
    links: HashMap<LinkId, Link>,
    sessions: HashMap<SessionId, Session>,
    /// Token hash → id, so a presented token is found without a scan.
    links_by_hash: HashMap<TokenHash, LinkId>,
    sessions_by_hash: HashMap<TokenHash, SessionId>,
    /// The passkey ceremony each session waits on, if any.
    ceremonies: HashMap<SessionId, identity_domain::Ceremony>,
    /// Second factors, and each holder's recovery codes (hash, used).
    factors: HashMap<identity_domain::FactorId, identity_domain::Factor>,
    recovery_codes:
        HashMap<(PracticeId, identity_domain::FactorHolder), Vec<(identity_domain::RecoveryCodeHash, bool)>>,
    sites: HashMap<SiteId, Site>,
    parties: HashMap<PartyId, Party>,
    cases: HashMap<CaseId, Case>,
    audit: OrdMap<AuditId, AuditEntry>,
    outbox: OrdMap<(DateTime<Utc>, EmailId), OutboxEmail>,
    /// Where each email sits in `outbox`, and its delivery lease.
    outbox_keys: HashMap<EmailId, DateTime<Utc>>,
    leases: HashMap<EmailId, Lease>,
    /// Portal accounts, their emails and sessions, and case parties.
    portal: portal::PortalState,
}

/// A worker's claim on an email.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Lease {
    until: DateTime<Utc>,
    worker: WorkerId,
    claim: ClaimToken,
}

/// Everything committed in a [`MemoryStore`] at one moment: every practice,
/// user, email reservation, credential, role, profile, link, session, site,
/// party, case, portal account and session, case party, audit entry and
/// outbox email. Compare two to check that an
/// operation changed nothing (`assert_eq!(before, after)`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot(State);

/// A transactional in-memory [`Store`]. Clones share the same data.
#[derive(Debug, Clone, Default)]
pub struct MemoryStore {
    state: Arc<Mutex<State>>,
    failing_commits: Arc<AtomicUsize>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// Makes the next `n` commits fail with [`StoreError::Unavailable`]
    /// (and leave nothing behind), to test all-or-nothing behaviour.
    pub fn fail_next_commits(&self, n: usize) {
        self.failing_commits.store(n, Ordering::SeqCst);
    }

    /// Everything committed now, to compare with a later snapshot. Costs
    /// nothing (persistent maps).
    pub async fn snapshot(&self) -> Snapshot {
        Snapshot(self.state.lock().await.clone())
    }

    /// Every committed outbox email, oldest first.
    pub async fn committed_outbox(&self) -> Vec<OutboxEmail> {
        self.state.lock().await.outbox.values().cloned().collect()
    }

    /// The committed credential of a user (to check what is stored).
    pub async fn committed_credential(&self, user: UserId) -> Option<Credential> {
        self.state.lock().await.credentials.get(&user).cloned()
    }

    /// Every committed audit entry, oldest first.
    pub async fn committed_audit(&self) -> Vec<AuditEntry> {
        self.state.lock().await.audit.values().cloned().collect()
    }
}

#[async_trait]
impl Store for MemoryStore {
    async fn begin(&self, _access: Access) -> Result<Box<dyn UnitOfWork>, StoreError> {
        let guard = self.state.clone().lock_owned().await;
        let working = guard.clone();
        Ok(Box::new(MemoryUnitOfWork { guard, working, failing_commits: self.failing_commits.clone() }))
    }
}

/// A unit of work: a private snapshot, swapped in at commit.
struct MemoryUnitOfWork {
    guard: OwnedMutexGuard<State>,
    working: State,
    failing_commits: Arc<AtomicUsize>,
}

#[async_trait]
impl UnitOfWork for MemoryUnitOfWork {
    identity_domain::repositories_on_self!();

    async fn commit(mut self: Box<Self>) -> Result<(), StoreError> {
        let injected = self
            .failing_commits
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok();
        if injected {
            return Err(StoreError::Unavailable("injected commit failure".into()));
        }
        *self.guard = std::mem::take(&mut self.working);
        Ok(())
    }
}

/// The record of `id` if it belongs to `practice`: another practice's
/// records behave as if they did not exist.
fn owned<K, V>(map: &HashMap<K, V>, id: &K, practice: PracticeId, of: impl Fn(&V) -> PracticeId) -> Option<V>
where
    K: std::hash::Hash + Eq + Clone,
    V: Clone,
{
    map.get(id).filter(|v| of(v) == practice).cloned()
}

/// Sorted by name, for listings.
fn by_name<T: Clone>(items: impl Iterator<Item = T>, name: impl Fn(&T) -> String) -> Vec<T> {
    let mut items: Vec<T> = items.collect();
    items.sort_by_key(|item| name(item));
    items
}
