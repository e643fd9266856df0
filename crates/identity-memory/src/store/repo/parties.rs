//! Parties (the individuals of a site).

use crate::store::*;

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
