//! Credentials: password hashes, one-time passwords and throttling state.

use crate::store::*;

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
