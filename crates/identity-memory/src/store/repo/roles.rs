//! Roles and permission profiles.

use crate::store::*;

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
