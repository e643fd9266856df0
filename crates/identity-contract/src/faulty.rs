//! A store wrapper whose commits can be made to fail, over any adapter.

use async_trait::async_trait;
use identity_domain::ports::{
    AuditLog, CasePartyRepository, CaseRepository, CredentialRepository, LinkRepository, Outbox,
    PartyRepository, PortalRepository, PracticeRepository, RoleRepository, SessionRepository, SiteRepository,
    UserRepository,
};
use identity_domain::{Access, Store, StoreError, UnitOfWork};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Wraps a store; after [`FaultyStore::fail_next_commits`] its units of work
/// do all their writes, then fail at commit and roll back.
#[derive(Clone)]
pub struct FaultyStore {
    inner: Arc<dyn Store>,
    failing: Arc<AtomicUsize>,
}

impl FaultyStore {
    /// Wraps `inner`.
    pub fn new(inner: Arc<dyn Store>) -> Self {
        Self { inner, failing: Arc::new(AtomicUsize::new(0)) }
    }

    /// The next `n` commits fail.
    pub fn fail_next_commits(&self, n: usize) {
        self.failing.store(n, Ordering::SeqCst);
    }
}

#[async_trait]
impl Store for FaultyStore {
    async fn begin(&self, access: Access) -> Result<Box<dyn UnitOfWork>, StoreError> {
        let inner = self.inner.begin(access).await?;
        Ok(Box::new(FaultyUnitOfWork { inner, failing: self.failing.clone() }))
    }
}

struct FaultyUnitOfWork {
    inner: Box<dyn UnitOfWork>,
    failing: Arc<AtomicUsize>,
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
        let fail =
            self.failing.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1)).is_ok();
        if fail {
            // Dropping the inner unit of work rolls it back.
            return Err(StoreError::Unavailable("injected commit failure".into()));
        }
        self.inner.commit().await
    }
}
