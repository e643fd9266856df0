//! Giving a user a role and profiles.

use super::SetAccessError;
use crate::audit::AuditAction;
use crate::ids::{ProfileId, RoleId, UserId};
use crate::permission::Permission;
use crate::ports::Access;
use crate::service::{Caller, IdentityService};
use crate::user::User;
use std::collections::BTreeSet;

impl IdentityService {
    /// Gives a user a role and profiles (needs `users.assign_roles`). Takes
    /// effect on the user's next request. Never on one's own account, and
    /// only on a user the caller may act on.
    ///
    /// # Errors
    /// [`SetAccessError`], with [`GrantError`](crate::GrantError) for the role rules.
    pub async fn set_access(
        &self,
        caller: &Caller,
        id: UserId,
        role: RoleId,
        profiles: BTreeSet<ProfileId>,
        expected_version: Option<u64>,
    ) -> Result<User, SetAccessError> {
        caller.require(Permission::UsersAssignRoles)?;
        let profiles = &profiles;
        self.write(|| async move {
            let mut uow = self.begin(Access::Write).await?;
            let mut user =
                self.user_at_version(uow.as_mut(), caller.practice(), id, expected_version).await?;
            self.check_may_act_on::<SetAccessError>(uow.as_mut(), caller, &user).await?;
            let assignment = self
                .resolve_assignment::<SetAccessError>(uow.as_mut(), caller.practice(), role, profiles)
                .await?;
            let demotes = self
                .check_assignment::<SetAccessError>(uow.as_mut(), caller, Some(&user), &assignment)
                .await?;
            if demotes && self.is_last_super_admin(uow.as_mut(), &user).await? {
                return Err(SetAccessError::LastSuperAdmin);
            }
            let before = user.audit_view();
            user.role = assignment.role.id;
            user.profiles = assignment.profile_ids();
            Ok(self.commit_user_change(uow, caller, AuditAction::AccessChanged, before, user).await?)
        })
        .await
    }
}
