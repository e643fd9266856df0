//! Custom roles and permission profiles: created and changed the same way, granting only what the caller holds.

use super::{Caller, IdentityService};
use crate::audit::{AuditAction, Target};
use crate::error::{AccessError, Conflict, StoreError};
use crate::ids::{PracticeId, ProfileId, RoleId};
use crate::permission::{Permission, PermissionSet};
use crate::person::Label;
use crate::ports::{Access, UnitOfWork};
use crate::role::{Profile, Role};
use async_trait::async_trait;
use serde_json::json;

/// The name and permissions of a custom role or profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrantDraft {
    /// Its name, unique in the practice.
    pub name: Label,
    /// What it grants.
    pub permissions: PermissionSet,
}

/// Why a role or profile was not created.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CreateGrantError {
    /// The caller may not manage roles.
    #[error(transparent)]
    Access(#[from] AccessError),
    /// The caller cannot grant permissions they do not hold.
    #[error("you cannot grant permissions you do not hold: {missing}")]
    CannotGrant {
        /// What the caller lacks.
        missing: PermissionSet,
    },
    /// The name is taken.
    #[error("a role or profile with this name already exists")]
    NameTaken,
    /// Storage failed.
    #[error(transparent)]
    Store(StoreError),
}

impl From<StoreError> for CreateGrantError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict(Conflict::NameTaken) => Self::NameTaken,
            other => Self::Store(other),
        }
    }
}

/// Why a role or profile was not changed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RoleError {
    /// The caller may not manage roles.
    #[error(transparent)]
    Access(#[from] AccessError),
    /// No such role or profile in the caller's practice.
    #[error("no such role or profile")]
    NotFound,
    /// Built-in roles and profiles cannot be changed.
    #[error("built-in roles and profiles cannot be changed")]
    Builtin,
    /// The caller cannot grant permissions they do not hold.
    #[error("you cannot grant permissions you do not hold: {missing}")]
    CannotGrant {
        /// What the caller lacks.
        missing: PermissionSet,
    },
    /// The name is taken.
    #[error("a role or profile with this name already exists")]
    NameTaken,
    /// Storage failed.
    #[error(transparent)]
    Store(StoreError),
}

/// Why the roles or the profiles of the practice could not be listed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ListRolesError {
    /// The caller's session may do nothing but change its password.
    #[error(transparent)]
    Access(#[from] AccessError),
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<StoreError> for RoleError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict(Conflict::NameTaken) => Self::NameTaken,
            other => Self::Store(other),
        }
    }
}

/// Roles and profiles are managed the same way; this names what differs.
#[async_trait]
trait Grantable: Sized + Clone + Send + Sync {
    type Id: Copy + Send + Sync + From<uuid::Uuid>;
    const CREATED: AuditAction;
    const UPDATED: AuditAction;
    fn build(id: Self::Id, practice: PracticeId, draft: GrantDraft) -> Self;
    fn apply(&mut self, draft: GrantDraft);
    fn permissions(&self) -> PermissionSet;
    fn builtin(&self) -> bool;
    fn target(&self) -> Target;
    fn audit_view(&self) -> serde_json::Value;
    async fn load(
        uow: &mut dyn UnitOfWork,
        practice: PracticeId,
        id: Self::Id,
    ) -> Result<Option<Self>, StoreError>;
    async fn insert(&self, uow: &mut dyn UnitOfWork) -> Result<(), StoreError>;
    async fn update(&self, uow: &mut dyn UnitOfWork) -> Result<(), StoreError>;
}

#[async_trait]
impl Grantable for Role {
    type Id = RoleId;
    const CREATED: AuditAction = AuditAction::RoleCreated;
    const UPDATED: AuditAction = AuditAction::RoleUpdated;
    fn build(id: RoleId, practice: PracticeId, draft: GrantDraft) -> Self {
        Self {
            id,
            practice,
            name: draft.name,
            permissions: draft.permissions,
            bypass: false,
            builtin: false,
            second_factor_required: false,
        }
    }
    fn apply(&mut self, draft: GrantDraft) {
        self.name = draft.name;
        self.permissions = draft.permissions;
    }
    fn permissions(&self) -> PermissionSet {
        self.permissions
    }
    fn builtin(&self) -> bool {
        self.builtin
    }
    fn target(&self) -> Target {
        Target::Role(self.id)
    }
    fn audit_view(&self) -> serde_json::Value {
        json!({ "name": self.name, "permissions": self.permissions })
    }
    async fn load(
        uow: &mut dyn UnitOfWork,
        practice: PracticeId,
        id: RoleId,
    ) -> Result<Option<Self>, StoreError> {
        uow.roles().get_role(practice, id).await
    }
    async fn insert(&self, uow: &mut dyn UnitOfWork) -> Result<(), StoreError> {
        uow.roles().insert_role(self).await
    }
    async fn update(&self, uow: &mut dyn UnitOfWork) -> Result<(), StoreError> {
        uow.roles().update_role(self).await
    }
}

#[async_trait]
impl Grantable for Profile {
    type Id = ProfileId;
    const CREATED: AuditAction = AuditAction::ProfileCreated;
    const UPDATED: AuditAction = AuditAction::ProfileUpdated;
    fn build(id: ProfileId, practice: PracticeId, draft: GrantDraft) -> Self {
        Self { id, practice, name: draft.name, permissions: draft.permissions, builtin: false }
    }
    fn apply(&mut self, draft: GrantDraft) {
        self.name = draft.name;
        self.permissions = draft.permissions;
    }
    fn permissions(&self) -> PermissionSet {
        self.permissions
    }
    fn builtin(&self) -> bool {
        self.builtin
    }
    fn target(&self) -> Target {
        Target::Profile(self.id)
    }
    fn audit_view(&self) -> serde_json::Value {
        json!({ "name": self.name, "permissions": self.permissions })
    }
    async fn load(
        uow: &mut dyn UnitOfWork,
        practice: PracticeId,
        id: ProfileId,
    ) -> Result<Option<Self>, StoreError> {
        uow.roles().get_profile(practice, id).await
    }
    async fn insert(&self, uow: &mut dyn UnitOfWork) -> Result<(), StoreError> {
        uow.roles().insert_profile(self).await
    }
    async fn update(&self, uow: &mut dyn UnitOfWork) -> Result<(), StoreError> {
        uow.roles().update_profile(self).await
    }
}

impl IdentityService {
    async fn create_grantable<G: Grantable>(
        &self,
        caller: &Caller,
        draft: GrantDraft,
    ) -> Result<G, CreateGrantError> {
        caller.require(Permission::RolesManage)?;
        if let Some(missing) = Self::beyond_caller(caller, draft.permissions) {
            return Err(CreateGrantError::CannotGrant { missing });
        }
        self.write(|| {
            let draft = draft.clone();
            async move {
                let mut uow = self.begin(Access::Write).await?;
                let created = G::build(self.new_id(), caller.practice(), draft);
                created.insert(uow.as_mut()).await?;
                self.audit(
                    uow.as_mut(),
                    &caller.origin(),
                    G::CREATED,
                    Some(created.target()),
                    None,
                    Some(created.audit_view()),
                )
                .await?;
                uow.commit().await?;
                Ok(created)
            }
        })
        .await
    }

    async fn update_grantable<G: Grantable>(
        &self,
        caller: &Caller,
        id: G::Id,
        draft: GrantDraft,
    ) -> Result<G, RoleError> {
        caller.require(Permission::RolesManage)?;
        self.write(|| {
            let draft = draft.clone();
            async move {
                let mut uow = self.begin(Access::Write).await?;
                let mut item =
                    G::load(uow.as_mut(), caller.practice(), id).await?.ok_or(RoleError::NotFound)?;
                if item.builtin() {
                    return Err(RoleError::Builtin);
                }
                if let Some(missing) =
                    Self::beyond_caller(caller, draft.permissions.difference(item.permissions()))
                {
                    return Err(RoleError::CannotGrant { missing });
                }
                let before = item.audit_view();
                item.apply(draft);
                item.update(uow.as_mut()).await?;
                self.audit(
                    uow.as_mut(),
                    &caller.origin(),
                    G::UPDATED,
                    Some(item.target()),
                    Some(before),
                    Some(item.audit_view()),
                )
                .await?;
                uow.commit().await?;
                Ok(item)
            }
        })
        .await
    }

    /// What of `added` the caller does not hold, if anything: only what
    /// one holds may be granted (a Super Admin holds everything).
    fn beyond_caller(caller: &Caller, added: PermissionSet) -> Option<PermissionSet> {
        let mine = caller.grants();
        (!mine.covers(added)).then(|| added.difference(mine.permissions))
    }

    /// Creates a custom role (needs `roles.manage`; only permissions the
    /// caller holds, unless Super Admin).
    ///
    /// # Errors
    /// [`CreateGrantError`].
    pub async fn create_role(&self, caller: &Caller, draft: GrantDraft) -> Result<Role, CreateGrantError> {
        self.create_grantable(caller, draft).await
    }

    /// Renames a custom role or changes its permissions.
    ///
    /// # Errors
    /// [`RoleError`]; built-in roles cannot be changed.
    pub async fn update_role(
        &self,
        caller: &Caller,
        id: RoleId,
        draft: GrantDraft,
    ) -> Result<Role, RoleError> {
        self.update_grantable(caller, id, draft).await
    }

    /// Creates a custom profile.
    ///
    /// # Errors
    /// [`CreateGrantError`].
    pub async fn create_profile(
        &self,
        caller: &Caller,
        draft: GrantDraft,
    ) -> Result<Profile, CreateGrantError> {
        self.create_grantable(caller, draft).await
    }

    /// Renames a custom profile or changes its permissions.
    ///
    /// # Errors
    /// [`RoleError`]; built-in profiles cannot be changed.
    pub async fn update_profile(
        &self,
        caller: &Caller,
        id: ProfileId,
        draft: GrantDraft,
    ) -> Result<Profile, RoleError> {
        self.update_grantable(caller, id, draft).await
    }

    /// Every role of the caller's practice.
    ///
    /// # Errors
    /// [`ListRolesError`].
    pub async fn list_roles(&self, caller: &Caller) -> Result<Vec<Role>, ListRolesError> {
        caller.require_full_session()?;
        let mut uow = self.begin(Access::Read).await?;
        Ok(uow.roles().list_roles(caller.practice()).await?)
    }

    /// Every profile of the caller's practice.
    ///
    /// # Errors
    /// [`ListRolesError`].
    pub async fn list_profiles(&self, caller: &Caller) -> Result<Vec<Profile>, ListRolesError> {
        caller.require_full_session()?;
        let mut uow = self.begin(Access::Read).await?;
        Ok(uow.roles().list_profiles(caller.practice()).await?)
    }
}
