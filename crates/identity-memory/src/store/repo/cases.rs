//! Cases and their owners.

use crate::store::*;

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
