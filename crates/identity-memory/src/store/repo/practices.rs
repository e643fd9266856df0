//! Practices: create, read by id or slug, settings, count.

use crate::store::*;

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
