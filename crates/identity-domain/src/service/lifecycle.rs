//! Deactivating and reactivating users, and signing them out everywhere.

use super::cases::AssigneeError;
use super::users::EarlierLinks;
use super::{Caller, IdentityService};
use crate::audit::{AuditAction, Target};
use crate::error::{AccessError, StoreError, TargetError};
use crate::ids::UserId;
use crate::link::LinkSubject;
use crate::permission::Permission;
use crate::ports::{Access, UnitOfWork};
use crate::user::{IllegalTransition, User, UserStatus};
use serde_json::json;

/// Why a user was not deactivated. Nothing changed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DeactivateError {
    /// The caller may not deactivate users (or reassign cases).
    #[error(transparent)]
    Access(#[from] AccessError),
    /// The account acted on may not be acted on by the caller.
    #[error(transparent)]
    Target(#[from] TargetError),
    /// No such user in the caller's practice.
    #[error("no such user")]
    UserNotFound,
    /// Nobody deactivates themself.
    #[error("you cannot deactivate yourself")]
    SelfDeactivation,
    /// The user is already inactive.
    #[error(transparent)]
    Transition(#[from] IllegalTransition),
    /// The user is the practice's last active Super Admin.
    #[error("the last active Super Admin cannot be deactivated")]
    LastSuperAdmin,
    /// The user still owns open cases: reassign them first, or name
    /// `reassign_to`.
    #[error("the user still owns {count} open case(s); reassign them first")]
    OwnsOpenCases {
        /// How many.
        count: u64,
    },
    /// The user named to take the cases cannot own them.
    #[error(transparent)]
    Assignee(#[from] AssigneeError),
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Why a user was not reactivated.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReactivateError {
    /// The caller may not reactivate users.
    #[error(transparent)]
    Access(#[from] AccessError),
    /// The account acted on may not be acted on by the caller.
    #[error(transparent)]
    Target(#[from] TargetError),
    /// No such user in the caller's practice.
    #[error("no such user")]
    UserNotFound,
    /// The user is not inactive.
    #[error(transparent)]
    Transition(#[from] IllegalTransition),
    /// The user is a Super Admin and the practice already has its maximum
    /// of them.
    #[error("the practice already has its maximum of {cap} Super Admins")]
    SuperAdminCapReached {
        /// The practice's maximum.
        cap: u32,
    },
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Why sessions were not ended.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignOutError {
    /// The caller may not sign this user out.
    #[error(transparent)]
    Access(#[from] AccessError),
    /// The account acted on may not be acted on by the caller.
    #[error(transparent)]
    Target(#[from] TargetError),
    /// No such user in the caller's practice.
    #[error("no such user")]
    UserNotFound,
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl IdentityService {
    /// Deactivates a user: status `inactive`, every session ended, pending
    /// invitation and recovery links voided. Refused while the user owns
    /// open cases, unless `reassign_to` names who takes them: then the
    /// cases move and the user is deactivated in one unit of work. Only a
    /// user the caller may act on (see [`TargetError::TargetOutranksCaller`]).
    ///
    /// # Errors
    /// [`DeactivateError`]; nothing changes then.
    pub async fn deactivate_user(
        &self,
        caller: &Caller,
        id: UserId,
        reassign_to: Option<UserId>,
    ) -> Result<User, DeactivateError> {
        Self::require_deactivation(caller, id, reassign_to)?;
        self.write(|| async move {
            let mut uow = self.begin(Access::Write).await?;
            let mut user =
                uow.users().get(caller.practice(), id).await?.ok_or(DeactivateError::UserNotFound)?;
            self.deactivate_in(uow.as_mut(), caller, &mut user, reassign_to).await?;
            uow.commit().await?;
            Ok(self.visible(caller, user))
        })
        .await
    }

    /// The permissions a deactivation needs, and nobody deactivates themself.
    pub(super) fn require_deactivation(
        caller: &Caller,
        id: UserId,
        reassign_to: Option<UserId>,
    ) -> Result<(), DeactivateError> {
        caller.require(Permission::UsersDeactivate)?;
        if reassign_to.is_some() {
            caller.require(Permission::CasesAssign)?;
        }
        if id == caller.user() {
            return Err(DeactivateError::SelfDeactivation);
        }
        Ok(())
    }

    /// Deactivates `user` inside the caller's unit of work (saved and
    /// audited, not committed).
    pub(super) async fn deactivate_in(
        &self,
        uow: &mut dyn UnitOfWork,
        caller: &Caller,
        user: &mut User,
        reassign_to: Option<UserId>,
    ) -> Result<(), DeactivateError> {
        let id = user.id;
        if id == caller.user() {
            return Err(DeactivateError::SelfDeactivation);
        }
        self.check_may_act_on::<DeactivateError>(uow, caller, user).await?;
        let next = user.status.transition(UserStatus::Inactive)?;
        if self.is_last_super_admin(uow, user).await? {
            return Err(DeactivateError::LastSuperAdmin);
        }
        let open = uow.cases().count_open(caller.practice(), id).await?;
        match reassign_to {
            Some(to) => {
                self.move_open_cases(uow, caller, id, to, Ok::<_, DeactivateError>).await?;
            }
            None if open > 0 => return Err(DeactivateError::OwnsOpenCases { count: open }),
            None => {}
        }
        let before = user.audit_view();
        let now = self.now();
        user.status = next;
        self.save_user(uow, user).await?;
        let ended = uow.sessions().end_all_for_user(caller.practice(), id, None, now).await?;
        let voided = uow.links().void_for(caller.practice(), LinkSubject::User(id), None, now).await?;
        let mut after = user.audit_view();
        after["sessions_ended"] = json!(ended);
        after["links_voided"] = json!(voided);
        self.audit(
            uow,
            &caller.origin(),
            AuditAction::UserDeactivated,
            Some(Target::User(id)),
            Some(before),
            Some(after),
        )
        .await?;
        Ok(())
    }

    /// Reactivates an inactive user: `active` again if they have a password,
    /// else `invited` again with a new invitation email. Only a user the
    /// caller may act on.
    ///
    /// # Errors
    /// [`ReactivateError`].
    pub async fn reactivate_user(&self, caller: &Caller, id: UserId) -> Result<User, ReactivateError> {
        caller.require(Permission::UsersDeactivate)?;
        self.write(|| async move {
            let mut uow = self.begin(Access::Write).await?;
            let mut user =
                uow.users().get(caller.practice(), id).await?.ok_or(ReactivateError::UserNotFound)?;
            self.reactivate_in(uow.as_mut(), caller, &mut user).await?;
            uow.commit().await?;
            Ok(self.visible(caller, user))
        })
        .await
    }

    /// Reactivates `user` inside the caller's unit of work (saved, audited
    /// and invited again if need be; not committed).
    pub(super) async fn reactivate_in(
        &self,
        uow: &mut dyn UnitOfWork,
        caller: &Caller,
        user: &mut User,
    ) -> Result<(), ReactivateError> {
        let id = user.id;
        self.check_may_act_on::<ReactivateError>(uow, caller, user).await?;
        let has_password =
            uow.credentials().get(caller.practice(), id).await?.is_some_and(|c| c.hash.is_some());
        let next =
            user.status.transition(if has_password { UserStatus::Active } else { UserStatus::Invited })?;
        let practice = self.practice_of(uow, caller.practice()).await?;
        let is_super_admin =
            uow.roles().get_role(caller.practice(), user.role).await?.is_some_and(|r| r.bypass);
        if is_super_admin {
            let holders = self
                .count_super_admins(uow, caller.practice(), &[UserStatus::Invited, UserStatus::Active])
                .await?;
            if holders >= u64::from(practice.settings.super_admin_cap) {
                return Err(ReactivateError::SuperAdminCapReached { cap: practice.settings.super_admin_cap });
            }
        }
        let before = user.audit_view();
        user.status = next;
        if next == UserStatus::Invited {
            self.send_invitation(uow, caller, &practice, user, EarlierLinks::Void).await?;
        }
        self.save_user(uow, user).await?;
        let after = Some(user.audit_view());
        let target = Some(Target::User(id));
        self.audit(uow, &caller.origin(), AuditAction::UserReactivated, target, Some(before), after).await?;
        Ok(())
    }

    /// Ends every session of a user at once (needs `users.sign_out` and
    /// that the caller may act on the user; or being that user: ending
    /// one's own sessions is harmless). Returns how many sessions were live.
    ///
    /// # Errors
    /// [`SignOutError`].
    pub async fn sign_out_everywhere(&self, caller: &Caller, id: UserId) -> Result<u64, SignOutError> {
        caller.require_self_or(id, Permission::UsersSignOut)?;
        self.write(|| async move {
            let mut uow = self.begin(Access::Write).await?;
            let user = uow.users().get(caller.practice(), id).await?.ok_or(SignOutError::UserNotFound)?;
            if id != caller.user() {
                self.check_may_act_on::<SignOutError>(uow.as_mut(), caller, &user).await?;
            }
            let ended = uow.sessions().end_all_for_user(caller.practice(), id, None, self.now()).await?;
            self.audit(
                uow.as_mut(),
                &caller.origin(),
                AuditAction::SessionsEnded,
                Some(Target::User(id)),
                None,
                Some(json!({ "sessions_ended": ended })),
            )
            .await?;
            uow.commit().await?;
            Ok(ended)
        })
        .await
    }
}
