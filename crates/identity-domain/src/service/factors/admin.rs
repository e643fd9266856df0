//! What an administrator does with second factors: reading and resetting a
//! user's, and setting whether a role requires one.

use super::{FactorOverview, FactorPolicyError, ReadUserFactorsError, ResetFactorsError};
use crate::audit::{AuditAction, Target};
use crate::error::TargetError;
use crate::ids::{RoleId, UserId};
use crate::mail::FactorChange;
use crate::permission::Permission;
use crate::ports::Access;
use crate::role::{Grants, Role};
use crate::service::{Caller, IdentityService};
use serde_json::json;

impl IdentityService {
    /// A user's second factors as an administrator sees them (needs
    /// `users.read`): names and dates, never secrets, and whether a factor
    /// is required of them.
    ///
    /// # Errors
    /// [`ReadUserFactorsError`].
    pub async fn user_factors(
        &self,
        caller: &Caller,
        user: UserId,
    ) -> Result<FactorOverview, ReadUserFactorsError> {
        caller.require_self_or(user, Permission::UsersRead)?;
        let mut uow = self.begin(Access::Read).await?;
        if uow.users().get(caller.practice(), user).await?.is_none() {
            return Err(ReadUserFactorsError::UserNotFound);
        }
        Ok(self.overview(uow.as_mut(), caller.practice(), user.into()).await?)
    }

    /// Resets a user's second factors (needs `users.reset_password`, on a
    /// user the caller may act on): every factor and recovery code is
    /// removed, every session ends, and the user is emailed. At their next
    /// sign-in they enrol again if a factor is required of them.
    ///
    /// # Errors
    /// [`ResetFactorsError`].
    pub async fn reset_factors(&self, caller: &Caller, user: UserId) -> Result<u64, ResetFactorsError> {
        caller.require(Permission::UsersResetPassword)?;
        self.write(|| async move {
            let now = self.now();
            let mut uow = self.begin(Access::Write).await?;
            let target_user =
                uow.users().get(caller.practice(), user).await?.ok_or(ResetFactorsError::UserNotFound)?;
            self.check_may_act_on::<ResetFactorsError>(uow.as_mut(), caller, &target_user).await?;
            let removed = uow.factors().remove_all(caller.practice(), user.into()).await?;
            let ended = uow.sessions().end_all_for_user(caller.practice(), user, None, now).await?;
            let details = json!({ "factors_removed": removed, "sessions_ended": ended });
            let target = Some(Target::User(user));
            self.audit(
                uow.as_mut(),
                &caller.origin(),
                AuditAction::FactorsReset,
                target,
                None,
                Some(details),
            )
            .await?;
            self.notify_factor_change(uow.as_mut(), caller.practice(), user.into(), FactorChange::Reset)
                .await?;
            uow.commit().await?;
            Ok(removed)
        })
        .await
    }

    /// Sets whether a role requires a second factor of its holders (needs
    /// `roles.manage`, and only on a role whose holders the caller may act
    /// on: an Administrator cannot lift it from Super Admin). Built-in roles
    /// too: the requirement is the practice's choice, not part of the
    /// role's permissions.
    ///
    /// # Errors
    /// [`FactorPolicyError`].
    pub async fn set_role_factor_requirement(
        &self,
        caller: &Caller,
        role: RoleId,
        required: bool,
    ) -> Result<Role, FactorPolicyError> {
        caller.require(Permission::RolesManage)?;
        self.write(|| async move {
            let mut uow = self.begin(Access::Write).await?;
            let mut found = uow
                .roles()
                .get_role(caller.practice(), role)
                .await?
                .ok_or(FactorPolicyError::RoleNotFound)?;
            let theirs = Grants::of(&found, []);
            if !caller.grants().may_act_on(&theirs) {
                return Err(TargetError::TargetOutranksCaller {
                    super_admin: theirs.bypass,
                    missing: theirs.permissions.difference(caller.grants().permissions),
                }
                .into());
            }
            if found.second_factor_required == required {
                return Ok(found);
            }
            let before = json!({ "second_factor_required": found.second_factor_required });
            found.second_factor_required = required;
            uow.roles().update_role(&found).await?;
            let after = json!({ "second_factor_required": required });
            self.audit(
                uow.as_mut(),
                &caller.origin(),
                AuditAction::RoleUpdated,
                Some(Target::Role(role)),
                Some(before),
                Some(after),
            )
            .await?;
            uow.commit().await?;
            Ok(found)
        })
        .await
    }
}
