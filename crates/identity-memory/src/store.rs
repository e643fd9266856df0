//! The transactional in-memory store.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use identity_domain::ports::{
    AuditLog, CaseRepository, CredentialRepository, LinkRepository, Outbox, PartyRepository,
    PracticeRepository, RoleRepository, SessionRepository, SiteRepository, UserRepository,
};
use identity_domain::{
    Access, AuditEntry, AuditId, AuditQuery, Case, CaseId, CaseStatus, Conflict, Credential, DeliveryStatus,
    Direction, EmailAddress, EmailId, Link, LinkId, LinkPurpose, LinkSubject, OutboxEmail, Page, Party,
    PartyId, Practice, PracticeId, PracticeSlug, Profile, ProfileId, Role, RoleId, Session, SessionId, Site,
    SiteId, SortValue, Store, StoreError, TokenHash, UnitOfWork, User, UserCursor, UserId, UserQuery,
    UserStatus,
};
use identity_domain::{
    ClaimToken, ClaimedEmail, MessageKind, OutboxCounts, OutboxQuery, OutboxQueue, WorkerId,
};
use imbl::{HashMap, OrdMap};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use tokio::sync::{Mutex, OwnedMutexGuard};

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

#[async_trait]
impl PracticeRepository for MemoryUnitOfWork {
    async fn insert(&mut self, practice: &Practice) -> Result<(), StoreError> {
        if self.working.practices.values().any(|p| p.slug == practice.slug) {
            return Err(Conflict::NameTaken.into());
        }
        self.working.practices.insert(practice.id, practice.clone());
        Ok(())
    }

    async fn get(&mut self, id: PracticeId) -> Result<Option<Practice>, StoreError> {
        Ok(self.working.practices.get(&id).cloned())
    }

    async fn find_by_slug(&mut self, slug: &PracticeSlug) -> Result<Option<Practice>, StoreError> {
        Ok(self.working.practices.values().find(|p| &p.slug == slug).cloned())
    }

    async fn update(&mut self, practice: &Practice) -> Result<(), StoreError> {
        let stored = self.working.practices.get_mut(&practice.id).ok_or(Conflict::Stale)?;
        stored.name = practice.name.clone();
        stored.settings = practice.settings;
        Ok(())
    }

    async fn count(&mut self) -> Result<u64, StoreError> {
        Ok(self.working.practices.len() as u64)
    }
}

impl MemoryUnitOfWork {
    fn role_name(&self, role: RoleId) -> String {
        self.working.roles.get(&role).map(|r| r.name.as_str().to_owned()).unwrap_or_default()
    }
}

#[async_trait]
impl UserRepository for MemoryUnitOfWork {
    async fn insert(&mut self, user: &User) -> Result<(), StoreError> {
        self.working.users.insert(user.id, user.clone());
        Ok(())
    }

    async fn get(&mut self, practice: PracticeId, id: UserId) -> Result<Option<User>, StoreError> {
        Ok(owned(&self.working.users, &id, practice, |u| u.practice))
    }

    async fn update(&mut self, user: &User) -> Result<(), StoreError> {
        match self.working.users.get(&user.id) {
            Some(stored) if stored.practice == user.practice && stored.version + 1 == user.version => {
                self.working.users.insert(user.id, user.clone());
                Ok(())
            }
            _ => Err(Conflict::Stale.into()),
        }
    }

    async fn find_by_email(
        &mut self,
        practice: PracticeId,
        email: &EmailAddress,
    ) -> Result<Option<User>, StoreError> {
        // The reservation of an address names its holder: the user, if they
        // still hold it.
        let holder =
            self.working.reservations.get(&(practice, email.normalized().to_owned())).map(|r| r.user);
        Ok(holder.and_then(|id| self.working.users.get(&id)).filter(|u| &u.email == email).cloned())
    }

    async fn email_holder(
        &mut self,
        practice: PracticeId,
        email: &EmailAddress,
    ) -> Result<Option<UserId>, StoreError> {
        Ok(self.working.reservations.get(&(practice, email.normalized().to_owned())).map(|r| r.user))
    }

    async fn reserve_email(
        &mut self,
        practice: PracticeId,
        email: &EmailAddress,
        user: UserId,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let key = (practice, email.normalized().to_owned());
        if self.working.reservations.contains_key(&key) {
            return Err(Conflict::EmailTaken.into());
        }
        let seq = self.working.reservations.len();
        self.working.reservations.insert(key, Reservation { user, email: email.clone(), since: at, seq });
        Ok(())
    }

    async fn email_history(
        &mut self,
        practice: PracticeId,
        user: UserId,
    ) -> Result<Vec<(EmailAddress, DateTime<Utc>)>, StoreError> {
        let mut held: Vec<&Reservation> = self
            .working
            .reservations
            .iter()
            .filter(|((p, _), r)| *p == practice && r.user == user)
            .map(|(_, r)| r)
            .collect();
        held.sort_by_key(|r| (r.since, r.seq));
        Ok(held.into_iter().map(|r| (r.email.clone(), r.since)).collect())
    }

    async fn list(
        &mut self,
        practice: PracticeId,
        query: &UserQuery,
    ) -> Result<Page<User, UserCursor>, StoreError> {
        let mut rows: Vec<(SortValue, User)> = self
            .working
            .users
            .values()
            .filter(|u| u.practice == practice && query.filter.matches(u))
            .map(|u| (SortValue::of(u, query.sort, &self.role_name(u.role)), u.clone()))
            .collect();
        rows.sort_by(|(va, a), (vb, b)| va.cmp(vb).then(a.id.cmp(&b.id)));
        if query.direction == Direction::Desc {
            rows.reverse();
        }
        if let Some(after) = &query.after {
            let key = (&after.value, &after.id);
            rows.retain(|(v, u)| match query.direction {
                Direction::Asc => (v, &u.id) > key,
                Direction::Desc => (v, &u.id) < key,
            });
        }
        let limit = query.limit as usize;
        let more = rows.len() > limit;
        rows.truncate(limit);
        let next = if more {
            rows.last().map(|(value, u)| UserCursor { value: value.clone(), id: u.id })
        } else {
            None
        };
        Ok(Page { items: rows.into_iter().map(|(_, u)| u).collect(), next })
    }

    async fn count_with_roles(
        &mut self,
        practice: PracticeId,
        roles: &[RoleId],
        statuses: &[UserStatus],
    ) -> Result<u64, StoreError> {
        let count = self
            .working
            .users
            .values()
            .filter(|u| u.practice == practice && roles.contains(&u.role) && statuses.contains(&u.status))
            .count();
        Ok(count as u64)
    }
}

#[async_trait]
impl CredentialRepository for MemoryUnitOfWork {
    async fn get(&mut self, practice: PracticeId, user: UserId) -> Result<Option<Credential>, StoreError> {
        Ok(owned(&self.working.credentials, &user, practice, |c| c.practice))
    }

    async fn save(&mut self, credential: &Credential) -> Result<(), StoreError> {
        self.working.credentials.insert(credential.user, credential.clone());
        Ok(())
    }
}

#[async_trait]
impl RoleRepository for MemoryUnitOfWork {
    async fn list_roles(&mut self, practice: PracticeId) -> Result<Vec<Role>, StoreError> {
        let roles = self.working.roles.values().filter(|r| r.practice == practice).cloned();
        Ok(by_name(roles, |r| r.name.as_str().to_owned()))
    }

    async fn get_role(&mut self, practice: PracticeId, id: RoleId) -> Result<Option<Role>, StoreError> {
        Ok(owned(&self.working.roles, &id, practice, |r| r.practice))
    }

    async fn insert_role(&mut self, role: &Role) -> Result<(), StoreError> {
        if self.working.roles.values().any(|r| r.practice == role.practice && r.name == role.name) {
            return Err(Conflict::NameTaken.into());
        }
        self.working.roles.insert(role.id, role.clone());
        Ok(())
    }

    async fn update_role(&mut self, role: &Role) -> Result<(), StoreError> {
        if self
            .working
            .roles
            .values()
            .any(|r| r.practice == role.practice && r.name == role.name && r.id != role.id)
        {
            return Err(Conflict::NameTaken.into());
        }
        self.working.roles.insert(role.id, role.clone());
        Ok(())
    }

    async fn list_profiles(&mut self, practice: PracticeId) -> Result<Vec<Profile>, StoreError> {
        let profiles = self.working.profiles.values().filter(|p| p.practice == practice).cloned();
        Ok(by_name(profiles, |p| p.name.as_str().to_owned()))
    }

    async fn get_profile(
        &mut self,
        practice: PracticeId,
        id: ProfileId,
    ) -> Result<Option<Profile>, StoreError> {
        Ok(owned(&self.working.profiles, &id, practice, |p| p.practice))
    }

    async fn insert_profile(&mut self, profile: &Profile) -> Result<(), StoreError> {
        if self.working.profiles.values().any(|p| p.practice == profile.practice && p.name == profile.name) {
            return Err(Conflict::NameTaken.into());
        }
        self.working.profiles.insert(profile.id, profile.clone());
        Ok(())
    }

    async fn update_profile(&mut self, profile: &Profile) -> Result<(), StoreError> {
        if self
            .working
            .profiles
            .values()
            .any(|p| p.practice == profile.practice && p.name == profile.name && p.id != profile.id)
        {
            return Err(Conflict::NameTaken.into());
        }
        self.working.profiles.insert(profile.id, profile.clone());
        Ok(())
    }
}

#[async_trait]
impl LinkRepository for MemoryUnitOfWork {
    async fn insert(&mut self, link: &Link) -> Result<(), StoreError> {
        self.working.links.insert(link.id, link.clone());
        self.working.links_by_hash.insert(link.token_hash, link.id);
        Ok(())
    }

    async fn find_by_hash(&mut self, hash: &TokenHash) -> Result<Option<Link>, StoreError> {
        Ok(self.working.links_by_hash.get(hash).and_then(|id| self.working.links.get(id)).cloned())
    }

    async fn live_for(
        &mut self,
        practice: PracticeId,
        subject: LinkSubject,
        now: DateTime<Utc>,
    ) -> Result<Vec<Link>, StoreError> {
        Ok(self
            .working
            .links
            .values()
            .filter(|l| l.practice == practice && l.subject == subject && l.is_live(now))
            .cloned()
            .collect())
    }

    async fn consume(&mut self, id: LinkId, at: DateTime<Utc>) -> Result<bool, StoreError> {
        match self.working.links.get_mut(&id) {
            Some(link) if link.used_at.is_none() && link.voided_at.is_none() => {
                link.used_at = Some(at);
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    async fn void_for(
        &mut self,
        practice: PracticeId,
        subject: LinkSubject,
        purpose: Option<LinkPurpose>,
        at: DateTime<Utc>,
    ) -> Result<u64, StoreError> {
        let mut voided = 0;
        for (_, link) in self.working.links.iter_mut() {
            let matches = link.practice == practice
                && link.subject == subject
                && purpose.is_none_or(|p| link.purpose == p)
                && link.used_at.is_none()
                && link.voided_at.is_none();
            if matches {
                link.voided_at = Some(at);
                voided += 1;
            }
        }
        Ok(voided)
    }
}

#[async_trait]
impl SessionRepository for MemoryUnitOfWork {
    async fn insert(&mut self, session: &Session) -> Result<(), StoreError> {
        self.working.sessions.insert(session.id, session.clone());
        self.working.sessions_by_hash.insert(session.token_hash, session.id);
        Ok(())
    }

    async fn find_by_hash(&mut self, hash: &TokenHash) -> Result<Option<Session>, StoreError> {
        Ok(self.working.sessions_by_hash.get(hash).and_then(|id| self.working.sessions.get(id)).cloned())
    }

    async fn get(&mut self, practice: PracticeId, id: SessionId) -> Result<Option<Session>, StoreError> {
        Ok(owned(&self.working.sessions, &id, practice, |s| s.practice))
    }

    async fn update(&mut self, session: &Session) -> Result<(), StoreError> {
        self.working.sessions.insert(session.id, session.clone());
        Ok(())
    }

    async fn end_all_for_user(
        &mut self,
        practice: PracticeId,
        user: UserId,
        except: Option<SessionId>,
        at: DateTime<Utc>,
    ) -> Result<u64, StoreError> {
        let mut ended = 0;
        for (_, session) in self.working.sessions.iter_mut() {
            if session.practice == practice
                && session.user == user
                && Some(session.id) != except
                && session.ended_at.is_none()
            {
                session.ended_at = Some(at);
                ended += 1;
            }
        }
        Ok(ended)
    }
}

#[async_trait]
impl SiteRepository for MemoryUnitOfWork {
    async fn insert(&mut self, site: &Site) -> Result<(), StoreError> {
        if self.working.sites.values().any(|s| s.practice == site.practice && s.name == site.name) {
            return Err(Conflict::NameTaken.into());
        }
        self.working.sites.insert(site.id, site.clone());
        Ok(())
    }

    async fn get(&mut self, practice: PracticeId, id: SiteId) -> Result<Option<Site>, StoreError> {
        Ok(owned(&self.working.sites, &id, practice, |s| s.practice))
    }

    async fn update(&mut self, site: &Site) -> Result<(), StoreError> {
        if self
            .working
            .sites
            .values()
            .any(|s| s.practice == site.practice && s.name == site.name && s.id != site.id)
        {
            return Err(Conflict::NameTaken.into());
        }
        self.working.sites.insert(site.id, site.clone());
        Ok(())
    }

    async fn list(&mut self, practice: PracticeId) -> Result<Vec<Site>, StoreError> {
        let sites = self.working.sites.values().filter(|s| s.practice == practice).cloned();
        Ok(by_name(sites, |s| s.name.as_str().to_owned()))
    }
}

#[async_trait]
impl PartyRepository for MemoryUnitOfWork {
    async fn insert(&mut self, party: &Party) -> Result<(), StoreError> {
        self.working.parties.insert(party.id, party.clone());
        Ok(())
    }

    async fn get(&mut self, practice: PracticeId, id: PartyId) -> Result<Option<Party>, StoreError> {
        Ok(owned(&self.working.parties, &id, practice, |p| p.practice))
    }

    async fn update(&mut self, party: &Party) -> Result<(), StoreError> {
        self.working.parties.insert(party.id, party.clone());
        Ok(())
    }

    async fn list_by_site(&mut self, practice: PracticeId, site: SiteId) -> Result<Vec<Party>, StoreError> {
        let parties =
            self.working.parties.values().filter(|p| p.practice == practice && p.site == site).cloned();
        Ok(by_name(parties, |p| p.details.name.search_key()))
    }
}

#[async_trait]
impl CaseRepository for MemoryUnitOfWork {
    async fn insert(&mut self, case: &Case) -> Result<(), StoreError> {
        self.working.cases.insert(case.id, case.clone());
        Ok(())
    }

    async fn get(&mut self, practice: PracticeId, id: CaseId) -> Result<Option<Case>, StoreError> {
        Ok(owned(&self.working.cases, &id, practice, |c| c.practice))
    }

    async fn update(&mut self, case: &Case) -> Result<(), StoreError> {
        self.working.cases.insert(case.id, case.clone());
        Ok(())
    }

    async fn list_by_owner(
        &mut self,
        practice: PracticeId,
        owner: UserId,
        status: Option<CaseStatus>,
    ) -> Result<Vec<Case>, StoreError> {
        let mut cases: Vec<Case> = self
            .working
            .cases
            .values()
            .filter(|c| c.practice == practice && c.owner == owner && status.is_none_or(|s| c.status == s))
            .cloned()
            .collect();
        cases.sort_by_key(|c| (c.created_at, c.id));
        Ok(cases)
    }

    async fn count_open(&mut self, practice: PracticeId, owner: UserId) -> Result<u64, StoreError> {
        let count = self
            .working
            .cases
            .values()
            .filter(|c| c.practice == practice && c.owner == owner && c.status == CaseStatus::Open)
            .count();
        Ok(count as u64)
    }
}

#[async_trait]
impl AuditLog for MemoryUnitOfWork {
    async fn append(&mut self, entry: &AuditEntry) -> Result<(), StoreError> {
        self.working.audit.insert(entry.id, entry.clone());
        Ok(())
    }

    async fn list(
        &mut self,
        practice: PracticeId,
        query: &AuditQuery,
    ) -> Result<Page<AuditEntry, AuditId>, StoreError> {
        let limit = query.limit as usize;
        let mut items: Vec<AuditEntry> = self
            .working
            .audit
            .values()
            .rev()
            .filter(|e| {
                e.practice == practice
                    && query.before_id.is_none_or(|b| e.id < b)
                    && query.action.is_none_or(|a| e.action == a)
                    && query.actor.is_none_or(|a| e.actor == a)
                    && query.target.is_none_or(|t| e.target == Some(t))
                    && query.since.is_none_or(|s| e.at >= s)
                    && query.until.is_none_or(|u| e.at < u)
            })
            .take(limit + 1)
            .cloned()
            .collect();
        let more = items.len() > limit;
        items.truncate(limit);
        let next = if more { items.last().map(|e| e.id) } else { None };
        Ok(Page { items, next })
    }
}

#[async_trait]
impl Outbox for MemoryUnitOfWork {
    async fn enqueue(&mut self, email: &OutboxEmail) -> Result<(), StoreError> {
        self.working.outbox.insert((email.created_at, email.id), email.clone());
        self.working.outbox_keys.insert(email.id, email.created_at);
        Ok(())
    }

    async fn list(
        &mut self,
        practice: PracticeId,
        query: &OutboxQuery,
    ) -> Result<Page<OutboxEmail, EmailId>, StoreError> {
        let limit = query.clamped_limit() as usize;
        let before = match query.before {
            None => None,
            Some(id) => match self.working.outbox_keys.get(&id) {
                Some(at) if self.working.outbox.get(&(*at, id)).is_some_and(|e| e.practice == practice) => {
                    Some((*at, id))
                }
                _ => return Ok(Page { items: Vec::new(), next: None }),
            },
        };
        let mut items: Vec<OutboxEmail> = self
            .working
            .outbox
            .iter()
            .rev()
            .filter(|(key, _)| before.is_none_or(|b| **key < b))
            .map(|(_, e)| e)
            .filter(|e| e.practice == practice && query.matches(e))
            .take(limit + 1)
            .cloned()
            .collect();
        let more = items.len() > limit;
        items.truncate(limit);
        let next = if more { items.last().map(|e| e.id) } else { None };
        Ok(Page { items, next })
    }

    async fn get(&mut self, practice: PracticeId, id: EmailId) -> Result<Option<OutboxEmail>, StoreError> {
        Ok(self
            .working
            .outbox_keys
            .get(&id)
            .and_then(|at| self.working.outbox.get(&(*at, id)))
            .filter(|e| e.practice == practice)
            .cloned())
    }

    async fn counts(&mut self, practice: PracticeId) -> Result<OutboxCounts, StoreError> {
        let mut counts = OutboxCounts::default();
        for email in self.working.outbox.values().filter(|e| e.practice == practice) {
            match email.status {
                DeliveryStatus::Pending => counts.pending += 1,
                DeliveryStatus::Sent => counts.sent += 1,
                DeliveryStatus::Failed => counts.failed += 1,
            }
        }
        Ok(counts)
    }

    async fn retry_failed(
        &mut self,
        practice: PracticeId,
        only: Option<EmailId>,
        kinds: &[MessageKind],
        now: DateTime<Utc>,
    ) -> Result<u64, StoreError> {
        let chosen: Vec<(DateTime<Utc>, EmailId)> = self
            .working
            .outbox
            .iter()
            .filter(|(_, e)| {
                e.practice == practice
                    && e.status == DeliveryStatus::Failed
                    && only.is_none_or(|id| e.id == id)
                    && kinds.contains(&e.message.message_kind())
            })
            .map(|(key, _)| *key)
            .collect();
        for key in &chosen {
            if let Some(email) = self.working.outbox.get_mut(key) {
                email.status = DeliveryStatus::Pending;
                email.attempts = 0;
                email.next_attempt_at = now;
            }
        }
        Ok(chosen.len() as u64)
    }
}

#[async_trait]
impl OutboxQueue for MemoryStore {
    async fn claim_due(
        &self,
        worker: &WorkerId,
        now: DateTime<Utc>,
        limit: u32,
        lease_until: DateTime<Utc>,
    ) -> Result<Vec<ClaimedEmail>, StoreError> {
        let mut state = self.state.lock().await;
        let claim = ClaimToken::from_uuid(uuid::Uuid::now_v7());
        let due: Vec<OutboxEmail> = state
            .outbox
            .values()
            .filter(|e| e.status == DeliveryStatus::Pending && e.next_attempt_at <= now)
            .filter(|e| state.leases.get(&e.id).is_none_or(|lease| lease.until <= now))
            .take(limit as usize)
            .cloned()
            .collect();
        for email in &due {
            state.leases.insert(email.id, Lease { until: lease_until, worker: worker.clone(), claim });
        }
        Ok(due.into_iter().map(|email| ClaimedEmail { email, claim }).collect())
    }

    async fn reclaim(&self, worker: &WorkerId) -> Result<u64, StoreError> {
        let mut state = self.state.lock().await;
        let held: Vec<EmailId> =
            state.leases.iter().filter(|(_, lease)| &lease.worker == worker).map(|(id, _)| *id).collect();
        for id in &held {
            state.leases.remove(id);
        }
        Ok(held.len() as u64)
    }

    async fn release(&self, id: EmailId, claim: ClaimToken) -> Result<bool, StoreError> {
        self.settle(id, claim, |_| {}).await
    }

    async fn mark_sent(&self, id: EmailId, claim: ClaimToken, at: DateTime<Utc>) -> Result<bool, StoreError> {
        self.settle(id, claim, |email| {
            email.attempts = email.attempts.saturating_add(1);
            email.status = DeliveryStatus::Sent;
            email.sent_at = Some(at);
            email.message = email.message.without_secrets();
        })
        .await
    }

    async fn mark_failed(
        &self,
        id: EmailId,
        claim: ClaimToken,
        error: &str,
        retry_at: Option<DateTime<Utc>>,
    ) -> Result<bool, StoreError> {
        self.settle(id, claim, |email| {
            email.attempts = email.attempts.saturating_add(1);
            email.last_error = Some(error.to_owned());
            match retry_at {
                Some(at) => email.next_attempt_at = at,
                None => {
                    email.status = DeliveryStatus::Failed;
                    email.message = email.message.without_secrets();
                }
            }
        })
        .await
    }
}

impl MemoryStore {
    /// Applies a delivery outcome to an email held by `claim` and releases
    /// it; `false` when `claim` does not hold it.
    async fn settle(
        &self,
        id: EmailId,
        claim: ClaimToken,
        apply: impl FnOnce(&mut OutboxEmail),
    ) -> Result<bool, StoreError> {
        let mut state = self.state.lock().await;
        if state.leases.get(&id).is_none_or(|lease| lease.claim != claim) {
            return Ok(false);
        }
        let created_at =
            *state.outbox_keys.get(&id).ok_or_else(|| StoreError::Unavailable(format!("no email {id}")))?;
        let email = state
            .outbox
            .get_mut(&(created_at, id))
            .ok_or_else(|| StoreError::Unavailable(format!("no email {id}")))?;
        apply(email);
        state.leases.remove(&id);
        Ok(true)
    }
}
