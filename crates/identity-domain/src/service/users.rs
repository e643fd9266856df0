//! Creating, reading, editing and listing users; invitations; email changes;
//! role and profile assignment.

use super::access::GrantError;
use super::credentials::CurrentPasswordRefusal;
use super::lifecycle::{DeactivateError, ReactivateError};
use super::{Caller, IdentityService, Recipient};
use crate::audit::{AuditAction, Target};
use crate::credential::Credential;
use crate::email::EmailAddress;
use crate::error::{AccessError, Conflict, HashError, StoreError, TargetError};
use crate::ids::{PracticeId, ProfileId, RoleId, SiteId, UserId};
use crate::link::{LinkPurpose, LinkSubject};
use crate::mail::{MailSecret, Message};
use crate::password::{Password, PasswordRejection};
use crate::permission::Permission;
use crate::person::{Label, Language, Note, PersonName, Phone, TimeZone};
use crate::ports::{Access, UnitOfWork};
use crate::practice::Practice;
use crate::user::{User, UserStatus};
use chrono::{DateTime, Utc};
use secrecy::SecretString;
use std::collections::BTreeSet;

/// How a new user gets in.
#[derive(Debug, Clone)]
pub enum InitialCredential {
    /// The system generates a password, shown once to the creating admin.
    GeneratePassword,
    /// The admin types a password.
    SetPassword(SecretString),
    /// No password: an invitation with a single-use join link is emailed.
    Invite,
}

/// A user to create.
#[derive(Debug, Clone)]
pub struct NewUser {
    /// Sign-in name.
    pub email: EmailAddress,
    /// Full name.
    pub name: PersonName,
    /// The primary role.
    pub role: RoleId,
    /// Extra profiles.
    pub profiles: BTreeSet<ProfileId>,
    /// Preferred language.
    pub language: Language,
    /// Time zone.
    pub time_zone: TimeZone,
    /// Optional phone.
    pub phone: Option<Phone>,
    /// Optional job title.
    pub title: Option<Label>,
    /// Admin-only notes (needs `users.notes`).
    pub notes: Option<Note>,
    /// Sites the user works at.
    pub sites: BTreeSet<SiteId>,
    /// Password or invitation.
    pub credential: InitialCredential,
}

/// A user just created.
#[derive(Debug, Clone)]
pub struct CreatedUser {
    /// The user.
    pub user: User,
    /// The generated password, to show the creating admin once. Initial
    /// passwords are one-time: changed at first sign-in, dead after 24 h.
    pub generated_password: Option<Password>,
}

/// Why a user was not created.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CreateUserError {
    /// The caller may not create users (or write notes).
    #[error(transparent)]
    Access(#[from] AccessError),
    /// Some user of the practice holds or once held this email; reactivate
    /// them instead.
    #[error("the email belongs or belonged to another user ({status})")]
    EmailPreviouslyUsed {
        /// Who holds or held it.
        holder: UserId,
        /// Their status now.
        status: UserStatus,
    },
    /// The role or profiles cannot be given.
    #[error(transparent)]
    Grant(#[from] GrantError),
    /// A site does not exist in the practice.
    #[error("no such site")]
    UnknownSite,
    /// The typed password breaks the policy.
    #[error(transparent)]
    Password(#[from] PasswordRejection),
    /// The password could not be hashed.
    #[error(transparent)]
    Hash(#[from] HashError),
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

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

/// Why an edit with a status change was refused: the refusal of whichever
/// part refused. Nothing changed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EditUserError {
    /// The edit of the details was refused.
    #[error(transparent)]
    Update(#[from] UpdateUserError),
    /// The deactivation was refused.
    #[error(transparent)]
    Deactivate(#[from] DeactivateError),
    /// The reactivation was refused.
    #[error(transparent)]
    Reactivate(#[from] ReactivateError),
}

/// Why an edit of a user's details was refused. Nothing changed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UpdateUserError {
    /// The caller may not make this edit.
    #[error(transparent)]
    Access(#[from] AccessError),
    /// The account acted on may not be acted on by the caller.
    #[error(transparent)]
    Target(#[from] TargetError),
    /// No such user in the caller's practice.
    #[error("no such user")]
    UserNotFound,
    /// The user changed since the caller read it.
    #[error("the user was changed by someone else (now at version {current})")]
    VersionMismatch {
        /// The version now stored.
        current: u64,
    },
    /// A site does not exist in the practice.
    #[error("no such site")]
    UnknownSite,
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Why an email change was refused. Nothing changed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChangeEmailError {
    /// The caller may not change this email.
    #[error(transparent)]
    Access(#[from] AccessError),
    /// The account acted on may not be acted on by the caller.
    #[error(transparent)]
    Target(#[from] TargetError),
    /// No such user in the caller's practice.
    #[error("no such user")]
    UserNotFound,
    /// The user changed since the caller read it.
    #[error("the user was changed by someone else (now at version {current})")]
    VersionMismatch {
        /// The version now stored.
        current: u64,
    },
    /// The new email is held, or was once held, by another user.
    #[error("the email belongs or belonged to another user ({status})")]
    EmailPreviouslyUsed {
        /// Who holds or held it.
        holder: UserId,
        /// Their status now.
        status: UserStatus,
    },
    /// The current password given to change one's own email is wrong. It
    /// counted as a failed sign-in.
    #[error("the current password is not correct")]
    WrongPassword,
    /// Too many wrong passwords (sign-ins or current passwords): try again
    /// after `retry_after` seconds, or, when it is `None`, password sign-in
    /// is locked until an administrator resets the password.
    #[error("too many wrong passwords; try again later")]
    TooManyAttempts {
        /// Seconds to wait; `None` when locked.
        retry_after: Option<u64>,
    },
    /// The current password could not be verified.
    #[error(transparent)]
    Hash(#[from] HashError),
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Why a user's role and profiles were not changed. Nothing changed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SetAccessError {
    /// The caller may not change this user's access.
    #[error(transparent)]
    Access(#[from] AccessError),
    /// The account acted on may not be acted on by the caller.
    #[error(transparent)]
    Target(#[from] TargetError),
    /// No such user in the caller's practice.
    #[error("no such user")]
    UserNotFound,
    /// The user changed since the caller read it.
    #[error("the user was changed by someone else (now at version {current})")]
    VersionMismatch {
        /// The version now stored.
        current: u64,
    },
    /// The role or profiles cannot be given.
    #[error(transparent)]
    Grant(#[from] GrantError),
    /// The change takes Super Admin away from the practice's last active
    /// one.
    #[error("the last active Super Admin cannot be demoted")]
    LastSuperAdmin,
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Why a user could not be loaded for a change: the refusals every
/// versioned change of a user shares, turned into each operation's own.
pub(super) enum UserAtVersionError {
    NotFound,
    VersionMismatch { current: u64 },
    Store(StoreError),
}

impl From<StoreError> for UserAtVersionError {
    fn from(e: StoreError) -> Self {
        Self::Store(e)
    }
}

/// Implements `From<UserAtVersionError>` for operation errors that have
/// `UserNotFound`, `VersionMismatch` and `Store` variants.
macro_rules! from_user_at_version {
    ($($error:ty),* $(,)?) => {
        $(
            impl From<UserAtVersionError> for $error {
                fn from(e: UserAtVersionError) -> Self {
                    match e {
                        UserAtVersionError::NotFound => Self::UserNotFound,
                        UserAtVersionError::VersionMismatch { current } => Self::VersionMismatch { current },
                        UserAtVersionError::Store(e) => Self::Store(e),
                    }
                }
            }
        )*
    };
}
from_user_at_version!(UpdateUserError, ChangeEmailError, SetAccessError);

/// An email change.
#[derive(Debug, Clone)]
pub struct ChangeEmail {
    /// The new address.
    pub email: EmailAddress,
    /// The version the caller read (`If-Match`), if any.
    pub expected_version: Option<u64>,
    /// Required when changing one's own email (the self-service path); a
    /// wrong one counts as a failed sign-in.
    pub current_password: Option<SecretString>,
}

/// Why an invitation could not be resent or revoked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvitationError {
    /// The caller may not manage invitations.
    #[error(transparent)]
    Access(#[from] AccessError),
    /// The account acted on may not be acted on by the caller.
    #[error(transparent)]
    Target(#[from] TargetError),
    /// No such user in the caller's practice.
    #[error("no such user")]
    UserNotFound,
    /// The user is not waiting on an invitation.
    #[error("the user is {status}, not invited")]
    NotInvited {
        /// Their status.
        status: UserStatus,
    },
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Why a user, or their email history, could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReadUsersError {
    /// The caller may not read users.
    #[error(transparent)]
    Access(#[from] AccessError),
    /// No such user in the caller's practice.
    #[error("no such user")]
    UserNotFound,
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl IdentityService {
    /// Creates a user with a password (generated or typed; one-time either
    /// way, and a welcome email is queued) or by invitation (status
    /// `invited`; an invitation email with a join link is queued).
    ///
    /// # Errors
    /// [`CreateUserError`]; nothing is written then.
    pub async fn create_user(&self, caller: &Caller, new: NewUser) -> Result<CreatedUser, CreateUserError> {
        caller.require(Permission::UsersCreate)?;
        if new.notes.is_some() {
            caller.require(Permission::UsersNotes)?;
        }
        let practice = self.read_practice(caller.practice()).await?;

        // Hash before the write transaction: it takes tens of milliseconds.
        let (password, generated) = match &new.credential {
            InitialCredential::Invite => (None, None),
            InitialCredential::SetPassword(typed) => {
                (Some(Self::check_password(&practice, &new.email, &new.name, typed.clone())?), None)
            }
            InitialCredential::GeneratePassword => {
                let password = self.generate_password(&practice, &new.email, &new.name);
                (Some(password.clone()), Some(password))
            }
        };
        let hash = match &password {
            Some(p) => Some(self.ports.hasher.hash(p).await?),
            None => None,
        };

        let (new, practice, hash, generated) = (&new, &practice, &hash, &generated);
        self.write(|| async move {
            let mut uow = self.begin(Access::Write).await?;
            // The address is not looked up first: reserving it below is the
            // check (a unique index), and who holds a taken one is read
            // afterwards. A read here would make every two concurrent
            // creates on PostgreSQL read and then write the same index page,
            // so that one of them nearly always had to run again.
            let assignment = self
                .resolve_assignment::<CreateUserError>(uow.as_mut(), practice.id, new.role, &new.profiles)
                .await?;
            self.check_assignment::<CreateUserError>(uow.as_mut(), caller, None, &assignment).await?;
            if !self.sites_exist(uow.as_mut(), practice.id, &new.sites).await? {
                return Err(CreateUserError::UnknownSite);
            }

            let now = self.now();
            let user = User {
                id: self.new_id(),
                practice: practice.id,
                email: new.email.clone(),
                name: new.name.clone(),
                role: assignment.role.id,
                profiles: assignment.profile_ids(),
                language: new.language.clone(),
                time_zone: new.time_zone,
                phone: new.phone.clone(),
                title: new.title.clone(),
                notes: new.notes.clone(),
                sites: new.sites.clone(),
                status: if hash.is_some() { UserStatus::Active } else { UserStatus::Invited },
                version: 1,
                created_at: now,
                updated_at: now,
            };
            match uow.users().reserve_email(practice.id, &user.email, user.id, now).await {
                Err(StoreError::Conflict(Conflict::EmailTaken)) => {
                    drop(uow);
                    return Err(self.email_taken_after_race(practice.id, &user.email).await.into());
                }
                other => other?,
            }
            uow.users().insert(&user).await?;
            let mut credential = Credential::empty(practice.id, user.id);
            if let Some(hash) = hash {
                credential.set_password(hash.clone(), now, Some(now + self.config.one_time_password_ttl));
            }
            uow.credentials().save(&credential).await?;

            let origin = caller.origin();
            if credential.hash.is_some() {
                self.audit(
                    uow.as_mut(),
                    &origin,
                    AuditAction::UserCreated,
                    Some(Target::User(user.id)),
                    None,
                    Some(user.audit_view()),
                )
                .await?;
                let welcome = Message::Welcome {
                    practice_slug: practice.slug.as_str().to_owned(),
                    sign_in_email: user.email.as_str().to_owned(),
                    must_change_password: true,
                    password_expires_at: credential.one_time_expires_at,
                };
                self.send(uow.as_mut(), practice, Recipient::from(&user), welcome).await?;
            } else {
                self.audit(
                    uow.as_mut(),
                    &origin,
                    AuditAction::UserInvited,
                    Some(Target::User(user.id)),
                    None,
                    Some(user.audit_view()),
                )
                .await?;
                self.send_invitation(uow.as_mut(), caller, practice, &user, EarlierLinks::NoneYet).await?;
            }
            uow.commit().await?;
            Ok(CreatedUser { user: self.visible(caller, user), generated_password: generated.clone() })
        })
        .await
    }

    /// Issues a new invitation link (voiding the previous one, unless the
    /// user was made in this unit of work) and queues the invitation email.
    pub(super) async fn send_invitation(
        &self,
        uow: &mut dyn UnitOfWork,
        caller: &Caller,
        practice: &Practice,
        user: &User,
        earlier: EarlierLinks,
    ) -> Result<(), StoreError> {
        let inviter = uow.users().get(practice.id, caller.user()).await?;
        let (subject, ttl) = (LinkSubject::User(user.id), self.config.invitation_ttl);
        let (token, expires_at) = match earlier {
            EarlierLinks::Void => {
                self.issue_link(uow, practice.id, subject, LinkPurpose::Invitation, ttl).await?
            }
            EarlierLinks::NoneYet => {
                self.issue_first_link(uow, practice.id, subject, LinkPurpose::Invitation, ttl).await?
            }
        };
        let message = Message::Invitation {
            practice_slug: practice.slug.as_str().to_owned(),
            inviter_name: inviter.map(|u| u.name.as_str().to_owned()).unwrap_or_default(),
            token: MailSecret::new(token.expose()),
            expires_at,
        };
        self.send(uow, practice, Recipient::from(user), message).await
    }

    /// Sends a new invitation to an invited user; the old link stops working.
    /// Returns the user as it is.
    ///
    /// # Errors
    /// [`InvitationError`].
    pub async fn resend_invitation(&self, caller: &Caller, id: UserId) -> Result<User, InvitationError> {
        caller.require(Permission::UsersCreate)?;
        self.write(|| async move {
            let mut uow = self.begin(Access::Write).await?;
            let user = uow.users().get(caller.practice(), id).await?.ok_or(InvitationError::UserNotFound)?;
            self.check_may_act_on::<InvitationError>(uow.as_mut(), caller, &user).await?;
            if user.status != UserStatus::Invited {
                return Err(InvitationError::NotInvited { status: user.status });
            }
            let practice = self.practice_of(uow.as_mut(), caller.practice()).await?;
            self.send_invitation(uow.as_mut(), caller, &practice, &user, EarlierLinks::Void).await?;
            self.audit(
                uow.as_mut(),
                &caller.origin(),
                AuditAction::InvitationResent,
                Some(Target::User(id)),
                None,
                None,
            )
            .await?;
            uow.commit().await?;
            Ok(user)
        })
        .await
    }

    /// Revokes an invitation: its link dies and the user becomes inactive
    /// (reactivating them sends a new invitation).
    ///
    /// # Errors
    /// [`InvitationError`].
    pub async fn revoke_invitation(&self, caller: &Caller, id: UserId) -> Result<User, InvitationError> {
        caller.require(Permission::UsersCreate)?;
        self.write(|| async move {
            let mut uow = self.begin(Access::Write).await?;
            let mut user =
                uow.users().get(caller.practice(), id).await?.ok_or(InvitationError::UserNotFound)?;
            self.check_may_act_on::<InvitationError>(uow.as_mut(), caller, &user).await?;
            if user.status != UserStatus::Invited {
                return Err(InvitationError::NotInvited { status: user.status });
            }
            let before = user.audit_view();
            let now = self.now();
            uow.links().void_for(caller.practice(), LinkSubject::User(id), None, now).await?;
            user.status = UserStatus::Inactive;
            Ok(self.commit_user_change(uow, caller, AuditAction::InvitationRevoked, before, user).await?)
        })
        .await
    }

    /// One user. Callers may always read themselves; others need
    /// `users.read`. Admin-only notes are shown only with `users.notes`.
    ///
    /// # Errors
    /// [`ReadUsersError`]; another practice's user is not found.
    pub async fn get_user(&self, caller: &Caller, id: UserId) -> Result<User, ReadUsersError> {
        caller.require_self_or(id, Permission::UsersRead)?;
        let mut uow = self.begin(Access::Read).await?;
        let user = uow.users().get(caller.practice(), id).await?.ok_or(ReadUsersError::UserNotFound)?;
        Ok(self.visible(caller, user))
    }

    /// Every email a user held, oldest first.
    ///
    /// # Errors
    /// [`ReadUsersError`].
    pub async fn email_history(
        &self,
        caller: &Caller,
        id: UserId,
    ) -> Result<Vec<(EmailAddress, DateTime<Utc>)>, ReadUsersError> {
        caller.require(Permission::UsersRead)?;
        let mut uow = self.begin(Access::Read).await?;
        uow.users().get(caller.practice(), id).await?.ok_or(ReadUsersError::UserNotFound)?;
        Ok(uow.users().email_history(caller.practice(), id).await?)
    }

    /// Edits a user. Users may change their own name, language, time zone,
    /// phone and title; anything else needs `users.update` (notes also
    /// `users.notes`) and is an administrator's edit: never of one's own
    /// account, and only of a user the caller outranks or equals (see
    /// [`TargetError::TargetOutranksCaller`]).
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

    /// Changes a user's email (needs `users.update_email`). One's own
    /// email changes only with the current password (a wrong one counts as
    /// a failed sign-in); another user's only if the caller may act on them
    /// (see [`TargetError::TargetOutranksCaller`]). The old address stays in
    /// the history and stays reserved; a notice goes to the old address;
    /// every pending link of the user dies, and an invited user gets a new
    /// invitation at the new address.
    ///
    /// # Errors
    /// [`ChangeEmailError`].
    pub async fn change_email(
        &self,
        caller: &Caller,
        id: UserId,
        change: ChangeEmail,
    ) -> Result<User, ChangeEmailError> {
        caller.require(Permission::UsersUpdateEmail)?;
        if id == caller.user() {
            let Some(typed) = &change.current_password else {
                return Err(TargetError::UseSelfService.into());
            };
            self.confirm_current_password::<ChangeEmailError>(caller, typed).await?;
        }
        let change = &change;
        self.write(|| async move {
            let mut uow = self.begin(Access::Write).await?;
            let mut user =
                self.user_at_version(uow.as_mut(), caller.practice(), id, change.expected_version).await?;
            if id != caller.user() {
                self.check_may_act_on::<ChangeEmailError>(uow.as_mut(), caller, &user).await?;
            }
            let now = self.now();
            // A change of case or spacing only keeps the same reservation.
            let new_address = user.email.normalized() != change.email.normalized();
            if new_address {
                match self.email_holder(uow.as_mut(), caller.practice(), &change.email).await? {
                    Some((holder, _)) if holder == id => {} // taking back one of their own old addresses
                    Some((holder, status)) => {
                        return Err(ChangeEmailError::EmailPreviouslyUsed { holder, status });
                    }
                    None => {
                        if let Err(e) =
                            uow.users().reserve_email(caller.practice(), &change.email, id, now).await
                        {
                            drop(uow);
                            return Err(match e {
                                StoreError::Conflict(Conflict::EmailTaken) => {
                                    self.email_taken_after_race(caller.practice(), &change.email).await.into()
                                }
                                other => other.into(),
                            });
                        }
                    }
                }
            }
            let before = user.audit_view();
            let practice = self.practice_of(uow.as_mut(), caller.practice()).await?;
            if new_address {
                let notice = Message::EmailChanged {
                    old_email: user.email.as_str().to_owned(),
                    new_email: change.email.as_str().to_owned(),
                    changed_at: now,
                };
                self.send(uow.as_mut(), &practice, Recipient::from(&user), notice).await?;
            }
            let changed = user.email != change.email;
            user.email = change.email.clone();
            if changed {
                // A link mailed to the old address must not outlive the change.
                uow.links().void_for(caller.practice(), LinkSubject::User(id), None, now).await?;
                if user.status == UserStatus::Invited {
                    self.send_invitation(uow.as_mut(), caller, &practice, &user, EarlierLinks::Void).await?;
                }
            }
            Ok(self.commit_user_change(uow, caller, AuditAction::EmailChanged, before, user).await?)
        })
        .await
    }

    /// Gives a user a role and profiles (needs `users.assign_roles`). Takes
    /// effect on the user's next request. Never on one's own account, and
    /// only on a user the caller may act on.
    ///
    /// # Errors
    /// [`SetAccessError`], with [`GrantError`] for the role rules.
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

    /// The user with admin notes removed unless the caller may read them.
    pub(super) fn visible(&self, caller: &Caller, mut user: User) -> User {
        if !caller.may(Permission::UsersNotes) {
            user.notes = None;
        }
        user
    }

    /// Loads a user and checks the version the caller read.
    pub(super) async fn user_at_version(
        &self,
        uow: &mut dyn UnitOfWork,
        practice: PracticeId,
        id: UserId,
        expected_version: Option<u64>,
    ) -> Result<User, UserAtVersionError> {
        let user = uow.users().get(practice, id).await?.ok_or(UserAtVersionError::NotFound)?;
        match expected_version {
            Some(v) if v != user.version => {
                Err(UserAtVersionError::VersionMismatch { current: user.version })
            }
            _ => Ok(user),
        }
    }

    /// Writes a changed user with the next version.
    pub(super) async fn save_user(
        &self,
        uow: &mut dyn UnitOfWork,
        user: &mut User,
    ) -> Result<(), StoreError> {
        user.version += 1;
        user.updated_at = self.now();
        uow.users().update(user).await
    }

    /// Who holds or held `email`, with their status now.
    async fn email_holder(
        &self,
        uow: &mut dyn UnitOfWork,
        practice: PracticeId,
        email: &EmailAddress,
    ) -> Result<Option<(UserId, UserStatus)>, StoreError> {
        let Some(holder) = uow.users().email_holder(practice, email).await? else {
            return Ok(None);
        };
        let status = uow.users().get(practice, holder).await?.map_or(UserStatus::Inactive, |u| u.status);
        Ok(Some((holder, status)))
    }

    /// After losing a race for an address: who won it.
    async fn email_taken_after_race(&self, practice: PracticeId, email: &EmailAddress) -> EmailTaken {
        let found = async {
            let mut uow = self.begin(Access::Read).await?;
            self.email_holder(uow.as_mut(), practice, email).await
        };
        match found.await {
            Ok(Some((holder, status))) => EmailTaken::By { holder, status },
            Ok(None) => EmailTaken::Failed(Conflict::EmailTaken.into()),
            Err(e) => EmailTaken::Failed(e),
        }
    }

    async fn sites_exist(
        &self,
        uow: &mut dyn UnitOfWork,
        practice: PracticeId,
        sites: &BTreeSet<SiteId>,
    ) -> Result<bool, StoreError> {
        for site in sites {
            if uow.sites().get(practice, *site).await?.is_none() {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// The practice, read in a short unit of work of its own.
    pub(super) async fn read_practice(&self, id: PracticeId) -> Result<Practice, StoreError> {
        let mut uow = self.begin(Access::Read).await?;
        self.practice_of(uow.as_mut(), id).await
    }
}

/// The outcome of looking up who took an address first.
enum EmailTaken {
    By { holder: UserId, status: UserStatus },
    Failed(StoreError),
}

impl From<EmailTaken> for CreateUserError {
    fn from(e: EmailTaken) -> Self {
        match e {
            EmailTaken::By { holder, status } => Self::EmailPreviouslyUsed { holder, status },
            EmailTaken::Failed(e) => Self::Store(e),
        }
    }
}

impl From<CurrentPasswordRefusal> for ChangeEmailError {
    fn from(e: CurrentPasswordRefusal) -> Self {
        match e {
            CurrentPasswordRefusal::Wrong => Self::WrongPassword,
            CurrentPasswordRefusal::TooManyAttempts { retry_after } => Self::TooManyAttempts { retry_after },
        }
    }
}

impl From<EmailTaken> for ChangeEmailError {
    fn from(e: EmailTaken) -> Self {
        match e {
            EmailTaken::By { holder, status } => Self::EmailPreviouslyUsed { holder, status },
            EmailTaken::Failed(e) => Self::Store(e),
        }
    }
}

/// Whether a user may already hold links of the purpose being issued.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum EarlierLinks {
    /// They may: void them first.
    Void,
    /// The user was made in this unit of work and holds none.
    NoneYet,
}
