//! Sites.

use crate::store::*;

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
