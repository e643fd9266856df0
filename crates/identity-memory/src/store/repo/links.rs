//! Single-use links (invitation, recovery), stored by the hash of their
//! token.

use crate::store::*;

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
