//! Cases and their owners.

use crate::store::*;
use identity_domain::SearchTerm;
use identity_domain::person::search_key;

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

    async fn find(
        &mut self,
        practice: PracticeId,
        term: Option<&SearchTerm>,
        status: Option<CaseStatus>,
        limit: u32,
    ) -> Result<Vec<Case>, StoreError> {
        let mut found: Vec<(String, Case)> = self
            .working
            .cases
            .values()
            .filter(|c| c.practice == practice && status.is_none_or(|s| c.status == s))
            .map(|c| (search_key(c.title.as_str()), c))
            .filter(|(key, _)| term.is_none_or(|t| key.contains(t.as_str())))
            .map(|(key, c)| (key, c.clone()))
            .collect();
        found.sort_by(|a, b| (&a.0, a.1.id).cmp(&(&b.0, b.1.id)));
        Ok(found.into_iter().take(limit as usize).map(|(_, c)| c).collect())
    }
}
