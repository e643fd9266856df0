//! Who may hold which role and profiles: grant checks and the Super Admin
//! rules (only a Super Admin grants it, the cap, the last one protected);
//! and who may act on whom.

use super::{Caller, IdentityService};
use crate::error::{StoreError, TargetError};
use crate::ids::{PracticeId, ProfileId, RoleId};
use crate::permission::PermissionSet;
use crate::ports::UnitOfWork;
use crate::role::{Grants, Profile, Role};
use crate::user::{User, UserStatus};
use std::collections::BTreeSet;

/// Why a role or profile cannot be given or taken.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GrantError {
    /// The role does not exist in the caller's practice.
    #[error("no such role")]
    UnknownRole,
    /// A profile does not exist in the caller's practice.
    #[error("no such profile")]
    UnknownProfile,
    /// The change would grant permissions the caller does not hold.
    #[error("you cannot grant permissions you do not hold: {missing}")]
    CannotGrant {
        /// What the caller lacks.
        missing: PermissionSet,
    },
    /// Only a Super Admin grants or removes Super Admin.
    #[error("only a Super Admin can grant or remove the Super Admin role")]
    SuperAdminOnly,
    /// The practice already has as many Super Admins as it allows.
    #[error("the practice already has its maximum of {cap} Super Admins")]
    SuperAdminCapReached {
        /// The practice's cap.
        cap: u32,
    },
}

/// A role with profiles, resolved in one practice.
pub(super) struct Assignment {
    pub role: Role,
    pub profiles: Vec<Profile>,
}

impl Assignment {
    pub fn grants(&self) -> Grants {
        Grants::of(&self.role, &self.profiles)
    }

    pub fn profile_ids(&self) -> BTreeSet<ProfileId> {
        self.profiles.iter().map(|p| p.id).collect()
    }
}

impl IdentityService {
    /// Reads a role and profiles of `practice`; ids of another practice are
    /// unknown.
    pub(super) async fn resolve_assignment<E: From<GrantError> + From<StoreError>>(
        &self,
        uow: &mut dyn UnitOfWork,
        practice: PracticeId,
        role: RoleId,
        profiles: &BTreeSet<ProfileId>,
    ) -> Result<Assignment, E> {
        let role = uow.roles().get_role(practice, role).await?.ok_or(GrantError::UnknownRole)?;
        let mut resolved = Vec::with_capacity(profiles.len());
        for id in profiles {
            let profile = uow.roles().get_profile(practice, *id).await?.ok_or(GrantError::UnknownProfile)?;
            resolved.push(profile);
        }
        Ok(Assignment { role, profiles: resolved })
    }

    /// The current grants of a user.
    pub(super) async fn grants_of(
        &self,
        uow: &mut dyn UnitOfWork,
        user: &User,
    ) -> Result<Grants, StoreError> {
        self.resolve_assignment::<Inconsistent>(uow, user.practice, user.role, &user.profiles)
            .await
            .map(|a| a.grants())
            .map_err(|e| e.0)
    }

    /// Checks that `caller` may act on `target`'s account through an
    /// administrator's path (edit, email, role and profiles, password reset,
    /// sign-out, deactivation, reactivation, invitations): never on their own
    /// account ([`TargetError::UseSelfService`]), and only when every
    /// permission the target holds now is one the caller holds too, a Super
    /// Admin's account only by a Super Admin
    /// ([`TargetError::TargetOutranksCaller`]).
    pub(super) async fn check_may_act_on<E: From<TargetError> + From<StoreError>>(
        &self,
        uow: &mut dyn UnitOfWork,
        caller: &Caller,
        target: &User,
    ) -> Result<(), E> {
        if target.id == caller.user() {
            return Err(TargetError::UseSelfService.into());
        }
        let theirs = self.grants_of(uow, target).await?;
        let mine = caller.grants();
        if mine.may_act_on(&theirs) {
            return Ok(());
        }
        Err(TargetError::TargetOutranksCaller {
            super_admin: theirs.bypass,
            missing: theirs.permissions.difference(mine.permissions),
        }
        .into())
    }

    /// How many users of the practice hold a bypass role with one of `statuses`.
    pub(super) async fn count_super_admins(
        &self,
        uow: &mut dyn UnitOfWork,
        practice: PracticeId,
        statuses: &[UserStatus],
    ) -> Result<u64, StoreError> {
        let roles: Vec<RoleId> =
            uow.roles().list_roles(practice).await?.into_iter().filter(|r| r.bypass).map(|r| r.id).collect();
        uow.users().count_with_roles(practice, &roles, statuses).await
    }

    /// Whether `user` is the only active Super Admin of its practice.
    pub(super) async fn is_last_super_admin(
        &self,
        uow: &mut dyn UnitOfWork,
        user: &User,
    ) -> Result<bool, StoreError> {
        let holds_bypass = uow.roles().get_role(user.practice, user.role).await?.is_some_and(|r| r.bypass);
        if !holds_bypass || user.status != UserStatus::Active {
            return Ok(false);
        }
        Ok(self.count_super_admins(uow, user.practice, &[UserStatus::Active]).await? <= 1)
    }

    /// Checks that `caller` may move `target` (a new user when `None`) from
    /// its current role and profiles to `next`: only a Super Admin grants or
    /// removes Super Admin, within the practice's cap; and nobody else
    /// grants a permission they do not hold. Whether the move takes Super
    /// Admin away from `target` (the caller then checks that it is not the
    /// last active one).
    pub(super) async fn check_assignment<E: From<GrantError> + From<StoreError>>(
        &self,
        uow: &mut dyn UnitOfWork,
        caller: &Caller,
        target: Option<&User>,
        next: &Assignment,
    ) -> Result<bool, E> {
        let before = match target {
            Some(user) => self.grants_of(uow, user).await?,
            None => Grants::default(),
        };
        let after = next.grants();
        let mine = caller.grants();
        if before.bypass != after.bypass && !mine.bypass {
            return Err(GrantError::SuperAdminOnly.into());
        }
        let added = after.permissions.difference(before.permissions);
        if !mine.covers(added) {
            return Err(GrantError::CannotGrant { missing: added.difference(mine.permissions) }.into());
        }
        if after.bypass && !before.bypass {
            let practice = self.practice_of(uow, caller.practice()).await?;
            let cap = practice.settings.super_admin_cap;
            let holders = self
                .count_super_admins(uow, caller.practice(), &[UserStatus::Invited, UserStatus::Active])
                .await?;
            if holders >= u64::from(cap) {
                return Err(GrantError::SuperAdminCapReached { cap }.into());
            }
        }
        Ok(target.is_some() && before.bypass && !after.bypass)
    }
}

/// A stored user whose role or profile is missing: storage is inconsistent.
struct Inconsistent(StoreError);

impl From<StoreError> for Inconsistent {
    fn from(e: StoreError) -> Self {
        Self(e)
    }
}

impl From<GrantError> for Inconsistent {
    fn from(e: GrantError) -> Self {
        Self(StoreError::Internal(format!("a user refers to a missing role or profile: {e}")))
    }
}
