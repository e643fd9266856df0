//! Editing a user's details: what one may change about oneself, what needs
//! an administrator, and an edit made together with a status change.

use super::{EditUserError, UpdateUserError};
use crate::audit::{AuditAction, Target};
use crate::error::AccessError;
use crate::ids::{SiteId, UserId};
use crate::permission::Permission;
use crate::person::{Label, Language, Note, PersonName, Phone, TimeZone};
use crate::ports::{Access, UnitOfWork};
use crate::service::lifecycle::ReactivateError;
use crate::service::{Caller, IdentityService};
use crate::user::User;
use std::collections::BTreeSet;

/// Fields to change on a user; `None` leaves a field as it is, and for the
/// optional fields `Some(None)` clears it.
#[derive(Debug, Clone, Default)]
pub struct UserEdit {
    /// New full name.
    pub name: Option<PersonName>,
    /// New language.
    pub language: Option<Language>,
    /// New time zone.
    pub time_zone: Option<TimeZone>,
    /// New phone.
    pub phone: Option<Option<Phone>>,
    /// New job title.
    pub title: Option<Option<Label>>,
    /// New admin-only notes (needs `users.notes`).
    pub notes: Option<Option<Note>>,
    /// New sites (needs `users.update`).
    pub sites: Option<BTreeSet<SiteId>>,
}

impl UserEdit {
    /// Whether the edit touches only what a user may change about themself
    /// (name, language, time zone, phone, title).
    pub fn is_self_service(&self) -> bool {
        self.notes.is_none() && self.sites.is_none()
    }

    /// Whether the edit changes no field at all.
    pub fn is_empty(&self) -> bool {
        let Self { name, language, time_zone, phone, title, notes, sites } = self;
        name.is_none()
            && language.is_none()
            && time_zone.is_none()
            && phone.is_none()
            && title.is_none()
            && notes.is_none()
            && sites.is_none()
    }

    /// Checks the permissions the edit needs and returns whether it is an
    /// administrator's edit (of another user, or of fields only
    /// administrators change), which the rule of who may act on whom
    /// governs. One's own self-service fields need only a full session.
    fn require(&self, caller: &Caller, id: UserId) -> Result<bool, AccessError> {
        let own = id == caller.user() && self.is_self_service();
        if own {
            caller.require_full_session()?;
        } else {
            caller.require(Permission::UsersUpdate)?;
        }
        if self.notes.is_some() {
            caller.require(Permission::UsersNotes)?;
        }
        Ok(!own)
    }
}

/// A status change made together with an edit, in one unit of work.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusChange {
    /// Deactivate, moving every open case to `reassign_to` when named.
    Deactivate {
        /// Who takes the open cases.
        reassign_to: Option<UserId>,
    },
    /// Reactivate.
    Reactivate,
}

impl IdentityService {
    /// Edits a user. Users may change their own name, language, time zone,
    /// phone and title; anything else needs `users.update` (notes also
    /// `users.notes`) and is an administrator's edit: never of one's own
    /// account, and only of a user the caller outranks or equals (see
    /// [`TargetError::TargetOutranksCaller`](crate::TargetError::TargetOutranksCaller)).
    ///
    /// # Errors
    /// [`UpdateUserError`]; `expected_version` guards against overwriting
    /// someone else's change.
    pub async fn update_user(
        &self,
        caller: &Caller,
        id: UserId,
        edit: UserEdit,
        expected_version: Option<u64>,
    ) -> Result<User, UpdateUserError> {
        let admin_edit = edit.require(caller, id)?;
        let edit = &edit;
        self.write(|| async move {
            let mut uow = self.begin(Access::Write).await?;
            let mut user =
                self.user_at_version(uow.as_mut(), caller.practice(), id, expected_version).await?;
            if admin_edit {
                self.check_may_act_on::<UpdateUserError>(uow.as_mut(), caller, &user).await?;
            }
            let before = user.audit_view();
            self.apply_edit(uow.as_mut(), &mut user, edit.clone()).await?;
            Ok(self.commit_user_change(uow, caller, AuditAction::UserUpdated, before, user).await?)
        })
        .await
    }

    /// Edits a user and changes their status together, in one unit of
    /// work: both happen or neither (the console's edit form). An empty
    /// edit needs no permission of its own; the status change needs what
    /// [`IdentityService::deactivate_user`] or
    /// [`IdentityService::reactivate_user`] need.
    ///
    /// # Errors
    /// [`EditUserError`]; nothing changes then.
    pub async fn edit_user(
        &self,
        caller: &Caller,
        id: UserId,
        edit: UserEdit,
        status: Option<StatusChange>,
        expected_version: Option<u64>,
    ) -> Result<User, EditUserError> {
        let admin_edit = !edit.is_empty() && edit.require(caller, id).map_err(UpdateUserError::from)?;
        match status {
            Some(StatusChange::Deactivate { reassign_to }) => {
                Self::require_deactivation(caller, id, reassign_to)?
            }
            Some(StatusChange::Reactivate) => {
                caller.require(Permission::UsersDeactivate).map_err(ReactivateError::from)?;
            }
            None => {}
        }
        let edit = &edit;
        self.write(|| async move {
            let mut uow = self.begin(Access::Write).await.map_err(UpdateUserError::from)?;
            let mut user = self
                .user_at_version(uow.as_mut(), caller.practice(), id, expected_version)
                .await
                .map_err(UpdateUserError::from)?;
            match status {
                Some(StatusChange::Deactivate { reassign_to }) => {
                    self.deactivate_in(uow.as_mut(), caller, &mut user, reassign_to).await?;
                }
                Some(StatusChange::Reactivate) => self.reactivate_in(uow.as_mut(), caller, &mut user).await?,
                None => {}
            }
            if !edit.is_empty() {
                if admin_edit {
                    self.check_may_act_on::<UpdateUserError>(uow.as_mut(), caller, &user).await?;
                }
                let before = user.audit_view();
                self.apply_edit(uow.as_mut(), &mut user, edit.clone()).await?;
                self.save_user(uow.as_mut(), &mut user).await.map_err(UpdateUserError::from)?;
                let target = Some(Target::User(user.id));
                let after = Some(user.audit_view());
                self.audit(
                    uow.as_mut(),
                    &caller.origin(),
                    AuditAction::UserUpdated,
                    target,
                    Some(before),
                    after,
                )
                .await
                .map_err(UpdateUserError::from)?;
            }
            uow.commit().await.map_err(UpdateUserError::from)?;
            Ok(self.visible(caller, user))
        })
        .await
    }

    /// Applies an edit's fields to `user` (not saved), checking its sites.
    async fn apply_edit(
        &self,
        uow: &mut dyn UnitOfWork,
        user: &mut User,
        edit: UserEdit,
    ) -> Result<(), UpdateUserError> {
        if let Some(sites) = &edit.sites
            && !self.sites_exist(uow, user.practice, sites).await?
        {
            return Err(UpdateUserError::UnknownSite);
        }
        let UserEdit { name, language, time_zone, phone, title, notes, sites } = edit;
        if let Some(name) = name {
            user.name = name;
        }
        if let Some(language) = language {
            user.language = language;
        }
        if let Some(time_zone) = time_zone {
            user.time_zone = time_zone;
        }
        if let Some(phone) = phone {
            user.phone = phone;
        }
        if let Some(title) = title {
            user.title = title;
        }
        if let Some(notes) = notes {
            user.notes = notes;
        }
        if let Some(sites) = sites {
            user.sites = sites;
        }
        Ok(())
    }
}
