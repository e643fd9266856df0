//! Creating a user: with a generated or typed one-time password, or by
//! invitation.

use super::{CreateUserError, EarlierLinks};
use crate::audit::{AuditAction, Target};
use crate::credential::Credential;
use crate::email::EmailAddress;
use crate::error::{Conflict, StoreError};
use crate::ids::{ProfileId, RoleId, SiteId};
use crate::mail::Message;
use crate::password::Password;
use crate::permission::Permission;
use crate::person::{Label, Language, Note, PersonName, Phone, TimeZone};
use crate::ports::Access;
use crate::service::{Caller, IdentityService, Recipient};
use crate::user::{User, UserStatus};
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
}
