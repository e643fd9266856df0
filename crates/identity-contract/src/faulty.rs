//! A store wrapper whose commits can be made to fail, or made to wait for
//! each other, over any adapter.

use async_trait::async_trait;
use identity_domain::ports::{
    AuditLog, CasePartyRepository, CaseRepository, CredentialRepository, LinkRepository, Outbox,
    PartyRepository, PortalRepository, PracticeRepository, RoleRepository, SessionRepository, SiteRepository,
    UserRepository,
};
use identity_domain::{Access, SessionCheck, Store, StoreError, TokenHash, UnitOfWork};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::Notify;

/// Wraps a store; after [`FaultyStore::fail_next_commits`] its units of work
/// do all their writes, then fail at commit and roll back; after
/// [`FaultyStore::meet_at_commit`] write units of work wait for each other
/// at commit.
#[derive(Clone)]
pub struct FaultyStore {
    inner: Arc<dyn Store>,
    failing: Arc<AtomicUsize>,
    meeting: Arc<Meeting>,
}

/// Write units of work that wait for each other before they commit.
#[derive(Default)]
struct Meeting {
    /// How many more commits are awaited, and how long each waits at most.
    awaited: Mutex<Option<(usize, Duration)>>,
    all_here: Notify,
}

impl Meeting {
    /// Waits until every awaited commit has come (or the time is up).
    async fn attend(&self) {
        let all_here = self.all_here.notified();
        tokio::pin!(all_here);
        all_here.as_mut().enable();
        let wait = {
            let mut awaited = self.awaited.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            match awaited.take() {
                None => return,
                Some((1, _)) => {
                    self.all_here.notify_waiters();
                    return;
                }
                Some((n, wait)) => {
                    *awaited = Some((n - 1, wait));
                    wait
                }
            }
        };
        if tokio::time::timeout(wait, all_here).await.is_err() {
            // The others could not come (they wait for this one's lock):
            // commit, and let later commits pass.
            self.awaited.lock().unwrap_or_else(std::sync::PoisonError::into_inner).take();
            self.all_here.notify_waiters();
        }
    }
}

impl FaultyStore {
    /// Wraps `inner`.
    pub fn new(inner: Arc<dyn Store>) -> Self {
        Self { inner, failing: Arc::new(AtomicUsize::new(0)), meeting: Arc::new(Meeting::default()) }
    }

    /// The next `n` commits fail.
    pub fn fail_next_commits(&self, n: usize) {
        self.failing.store(n, Ordering::SeqCst);
    }

    /// The next `n` write units of work to commit wait for each other
    /// first, each at most `wait`, so that they have all read and written
    /// before the first commits: they overlap as much as units of work
    /// can, on an adapter that lets them run at once. On an adapter that
    /// runs them one at a time the first waits out `wait` alone.
    pub fn meet_at_commit(&self, n: usize, wait: Duration) {
        *self.meeting.awaited.lock().unwrap_or_else(std::sync::PoisonError::into_inner) =
            (n > 1).then_some((n, wait));
    }
}

#[async_trait]
impl Store for FaultyStore {
    async fn begin(&self, access: Access) -> Result<Box<dyn UnitOfWork>, StoreError> {
        let inner = self.inner.begin(access).await?;
        let meeting = (access == Access::Write).then(|| self.meeting.clone());
        Ok(Box::new(FaultyUnitOfWork { inner, failing: self.failing.clone(), meeting }))
    }

    async fn back_off(&self, attempt: u32) {
        self.inner.back_off(attempt).await;
    }

    async fn check_writable(&self) -> Result<(), StoreError> {
        self.inner.check_writable().await
    }

    async fn check_session(&self, hash: &TokenHash) -> Result<Option<SessionCheck>, StoreError> {
        self.inner.check_session(hash).await
    }
}

struct FaultyUnitOfWork {
    inner: Box<dyn UnitOfWork>,
    failing: Arc<AtomicUsize>,
    meeting: Option<Arc<Meeting>>,
}

#[async_trait]
impl UnitOfWork for FaultyUnitOfWork {
    fn practices(&mut self) -> &mut dyn PracticeRepository {
        self.inner.practices()
    }
    fn users(&mut self) -> &mut dyn UserRepository {
        self.inner.users()
    }
    fn credentials(&mut self) -> &mut dyn CredentialRepository {
        self.inner.credentials()
    }
    fn roles(&mut self) -> &mut dyn RoleRepository {
        self.inner.roles()
    }
    fn links(&mut self) -> &mut dyn LinkRepository {
        self.inner.links()
    }
    fn sessions(&mut self) -> &mut dyn SessionRepository {
        self.inner.sessions()
    }
    fn factors(&mut self) -> &mut dyn identity_domain::ports::FactorRepository {
        self.inner.factors()
    }
    fn sites(&mut self) -> &mut dyn SiteRepository {
        self.inner.sites()
    }
    fn parties(&mut self) -> &mut dyn PartyRepository {
        self.inner.parties()
    }
    fn cases(&mut self) -> &mut dyn CaseRepository {
        self.inner.cases()
    }
    fn portal(&mut self) -> &mut dyn PortalRepository {
        self.inner.portal()
    }
    fn case_parties(&mut self) -> &mut dyn CasePartyRepository {
        self.inner.case_parties()
    }
    fn audit(&mut self) -> &mut dyn AuditLog {
        self.inner.audit()
    }
    fn outbox(&mut self) -> &mut dyn Outbox {
        self.inner.outbox()
    }

    async fn commit(self: Box<Self>) -> Result<(), StoreError> {
        if let Some(meeting) = &self.meeting {
            meeting.attend().await;
        }
        let fail =
            self.failing.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1)).is_ok();
        if fail {
            // Dropping the inner unit of work rolls it back.
            return Err(StoreError::Unavailable("injected commit failure".into()));
        }
        self.inner.commit().await
    }
}
