//! Creating a practice with its built-in roles, profiles and first Super
//! Admin; reading and changing its settings.

use super::{Caller, IdentityService, Origin, Recipient};
use crate::audit::{Actor, AuditAction, Target};
use crate::credential::Credential;
use crate::email::EmailAddress;
use crate::error::{AccessError, Conflict, HashError, StoreError};
use crate::ids::{PracticeId, RoleId, UserId};
use crate::mail::Message;
use crate::password::{MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH_FLOOR, Password, PasswordHash};
use crate::permission::Permission;
use crate::person::{Label, Language, PersonName, TimeZone};
use crate::ports::{Access, UnitOfWork};
use crate::practice::{Practice, PracticeSettings, PracticeSlug};
use crate::role::{BUILTIN_PROFILES, BUILTIN_ROLES, Profile, Role};
use crate::user::{User, UserStatus};
use std::collections::BTreeSet;

/// A practice to create, with its first Super Admin.
#[derive(Debug, Clone)]
pub struct NewPractice {
    /// Its slug.
    pub slug: PracticeSlug,
    /// Its name.
    pub name: Label,
    /// Its settings.
    pub settings: PracticeSettings,
    /// The first Super Admin's email.
    pub admin_email: EmailAddress,
    /// The first Super Admin's name.
    pub admin_name: PersonName,
    /// Their language.
    pub admin_language: Language,
    /// Their time zone.
    pub admin_time_zone: TimeZone,
    /// Whether the built-in Super Admin and Administrator roles require a
    /// second factor of their holders. The product's default is yes; the
    /// practice's Super Admin can change it per role later.
    pub second_factor_for_admins: bool,
}

/// Who a Super Admin made by the operator is.
#[derive(Debug, Clone)]
pub struct SuperAdminPerson {
    /// Sign-in email.
    pub email: EmailAddress,
    /// Full name.
    pub name: PersonName,
    /// Language.
    pub language: Language,
    /// Time zone.
    pub time_zone: TimeZone,
}

/// Why the operator could not add a Super Admin.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CreateSuperAdminError {
    /// No practice has this slug.
    #[error("no practice has this slug")]
    PracticeNotFound,
    /// Some user of the practice holds or held this email.
    #[error("the email belongs or belonged to user {holder}")]
    EmailPreviouslyUsed {
        /// Who.
        holder: UserId,
    },
    /// The practice has as many Super Admins as it allows.
    #[error("the practice already has its maximum of {cap} Super Admins")]
    CapReached {
        /// The cap.
        cap: u32,
    },
    /// The password could not be hashed.
    #[error(transparent)]
    Hash(#[from] HashError),
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A practice just created.
#[derive(Debug, Clone)]
pub struct CreatedPractice {
    /// The practice.
    pub practice: Practice,
    /// Its first Super Admin.
    pub admin: User,
    /// Their one-time password, to print once; it must be changed at first
    /// sign-in.
    pub admin_password: Password,
}

/// Why a practice was not created.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CreatePracticeError {
    /// The slug is taken.
    #[error("a practice with this slug already exists")]
    SlugTaken,
    /// The settings are out of range.
    #[error(transparent)]
    Settings(#[from] SettingsError),
    /// The password could not be hashed.
    #[error(transparent)]
    Hash(#[from] HashError),
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Settings out of range.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SettingsError {
    /// A practice needs room for at least one Super Admin.
    #[error("the Super Admin cap must be at least 1")]
    CapTooLow,
    /// The cap cannot go below the Super Admins the practice has.
    #[error("the practice already has {holders} Super Admins")]
    CapBelowHolders {
        /// How many it has.
        holders: u64,
    },
    /// The minimum password length is 8 to 128.
    #[error("the minimum password length must be {MIN_PASSWORD_LENGTH_FLOOR} to {MAX_PASSWORD_LENGTH}")]
    MinLengthOutOfRange,
}

impl PracticeSettings {
    /// Checks the settings' ranges.
    ///
    /// # Errors
    /// [`SettingsError`].
    pub fn validate(&self) -> Result<(), SettingsError> {
        if self.super_admin_cap < 1 {
            return Err(SettingsError::CapTooLow);
        }
        if !(MIN_PASSWORD_LENGTH_FLOOR..=MAX_PASSWORD_LENGTH as u32).contains(&self.password_min_length) {
            return Err(SettingsError::MinLengthOutOfRange);
        }
        Ok(())
    }
}

/// New settings for a practice: the values to set, the time zone kept as
/// it is when `None`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SettingsChange {
    /// How many users may hold a Super Admin (bypass) role at once.
    pub super_admin_cap: u32,
    /// The minimum password length in code points (8 to 128).
    pub password_min_length: u32,
    /// The practice's time zone; `None` keeps the current one.
    pub time_zone: Option<TimeZone>,
    /// Whether every user must have a second factor; `None` keeps the
    /// current choice.
    pub second_factor_required: Option<bool>,
}

impl From<PracticeSettings> for SettingsChange {
    fn from(s: PracticeSettings) -> Self {
        Self {
            super_admin_cap: s.super_admin_cap,
            password_min_length: s.password_min_length,
            time_zone: Some(s.time_zone),
            second_factor_required: Some(s.second_factor_required),
        }
    }
}

impl SettingsChange {
    /// The settings after this change of `current`.
    pub fn applied_to(&self, current: PracticeSettings) -> PracticeSettings {
        PracticeSettings {
            super_admin_cap: self.super_admin_cap,
            password_min_length: self.password_min_length,
            time_zone: self.time_zone.unwrap_or(current.time_zone),
            second_factor_required: self.second_factor_required.unwrap_or(current.second_factor_required),
        }
    }
}

/// Why settings were not changed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UpdateSettingsError {
    /// The caller may not change settings.
    #[error(transparent)]
    Access(#[from] AccessError),
    /// The settings are out of range.
    #[error(transparent)]
    Settings(#[from] SettingsError),
    /// Only a Super Admin changes the Super Admin cap.
    #[error("only a Super Admin can change the Super Admin cap")]
    SuperAdminOnly,
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl IdentityService {
    /// Creates a practice with the built-in roles and profiles and its first
    /// Super Admin, whose generated one-time password is returned once.
    /// Done by the operator (the system), not by a signed-in user.
    ///
    /// # Errors
    /// [`CreatePracticeError`]; nothing is written then.
    pub async fn create_practice(&self, new: NewPractice) -> Result<CreatedPractice, CreatePracticeError> {
        new.settings.validate()?;
        let now = self.now();
        let practice = Practice {
            id: self.new_id::<PracticeId>(),
            slug: new.slug.clone(),
            name: new.name.clone(),
            settings: new.settings,
            created_at: now,
        };
        let password = self.generate_password(&practice, &new.admin_email, &new.admin_name);
        let hash = self.ports.hasher.hash(&password).await?;

        self.write(|| {
            let hash = hash.clone();
            let new = new.clone();
            let password = password.clone();
            let practice = practice.clone();
            async move {
        let mut uow = self.begin(Access::Write).await?;
        match uow.practices().insert(&practice).await {
            Err(StoreError::Conflict(Conflict::NameTaken)) => return Err(CreatePracticeError::SlugTaken),
            other => other?,
        }
        let mut super_admin = None;
        for builtin in BUILTIN_ROLES {
            let role = Role {
                id: self.new_id(),
                practice: practice.id,
                name: Label::parse(builtin.name).map_err(|e| StoreError::Internal(e.to_string()))?,
                permissions: builtin.permission_set(),
                bypass: builtin.bypass,
                builtin: true,
                second_factor_required: builtin.second_factor_required && new.second_factor_for_admins,
            };
            uow.roles().insert_role(&role).await?;
            if role.bypass {
                super_admin = Some(role.id);
            }
        }
        for builtin in BUILTIN_PROFILES {
            let profile = Profile {
                id: self.new_id(),
                practice: practice.id,
                name: Label::parse(builtin.name).map_err(|e| StoreError::Internal(e.to_string()))?,
                permissions: builtin.permission_set(),
                builtin: true,
            };
            uow.roles().insert_profile(&profile).await?;
        }
        let role = super_admin.ok_or_else(|| StoreError::Internal("no built-in bypass role".into()))?;
        let origin = Origin { practice: practice.id, actor: Actor::System, request_id: None };
        let details = serde_json::json!({ "slug": practice.slug, "name": practice.name, "settings": practice.settings });
        let target = Some(Target::Practice(practice.id));
        self.audit(uow.as_mut(), &origin, AuditAction::PracticeCreated, target, None, Some(details)).await?;
        let person = SuperAdminPerson {
            email: new.admin_email,
            name: new.admin_name,
            language: new.admin_language,
            time_zone: new.admin_time_zone,
        };
        let admin = self.insert_super_admin(uow.as_mut(), &practice, role, person, hash).await?;
        uow.commit().await?;
        Ok(CreatedPractice { practice, admin, admin_password: password })
        }})
        .await
    }

    /// Adds a Super Admin to an existing practice, as the operator (the
    /// system) rather than a signed-in user: the way back in when every
    /// Super Admin is gone. The cap still holds. Returns the user and their
    /// one-time password, to print once.
    ///
    /// # Errors
    /// [`CreateSuperAdminError`]; nothing is written then.
    pub async fn create_super_admin(
        &self,
        slug: &PracticeSlug,
        person: SuperAdminPerson,
    ) -> Result<(User, Password), CreateSuperAdminError> {
        let practice = {
            let mut uow = self.begin(Access::Read).await?;
            uow.practices().find_by_slug(slug).await?.ok_or(CreateSuperAdminError::PracticeNotFound)?
        };
        let password = self.generate_password(&practice, &person.email, &person.name);
        let hash = self.ports.hasher.hash(&password).await?;
        self.write(|| {
            let hash = hash.clone();
            let password = password.clone();
            let person = person.clone();
            let practice = practice.clone();
            async move {
                let mut uow = self.begin(Access::Write).await?;
                if let Some(holder) = uow.users().email_holder(practice.id, &person.email).await? {
                    return Err(CreateSuperAdminError::EmailPreviouslyUsed { holder });
                }
                let cap = practice.settings.super_admin_cap;
                let holders = self
                    .count_super_admins(uow.as_mut(), practice.id, &[UserStatus::Invited, UserStatus::Active])
                    .await?;
                if holders >= u64::from(cap) {
                    return Err(CreateSuperAdminError::CapReached { cap });
                }
                let role = uow
                    .roles()
                    .list_roles(practice.id)
                    .await?
                    .into_iter()
                    .find(|r| r.bypass)
                    .ok_or_else(|| StoreError::Internal("no built-in bypass role".into()))?;
                let admin = self.insert_super_admin(uow.as_mut(), &practice, role.id, person, hash).await?;
                uow.commit().await?;
                Ok((admin, password))
            }
        })
        .await
    }

    /// Stores an active Super Admin with a one-time password, audits it as
    /// the system's doing and queues the welcome email.
    async fn insert_super_admin(
        &self,
        uow: &mut dyn UnitOfWork,
        practice: &Practice,
        role: RoleId,
        person: SuperAdminPerson,
        hash: PasswordHash,
    ) -> Result<User, StoreError> {
        let now = self.now();
        let admin = User {
            id: self.new_id(),
            practice: practice.id,
            email: person.email,
            name: person.name,
            role,
            profiles: BTreeSet::new(),
            language: person.language,
            time_zone: person.time_zone,
            phone: None,
            title: None,
            notes: None,
            sites: BTreeSet::new(),
            status: UserStatus::Active,
            version: 1,
            created_at: now,
            updated_at: now,
        };
        uow.users().reserve_email(practice.id, &admin.email, admin.id, now).await?;
        uow.users().insert(&admin).await?;
        let mut credential = Credential::empty(practice.id, admin.id);
        credential.set_password(hash, now, Some(now + self.config.one_time_password_ttl));
        uow.credentials().save(&credential).await?;
        let origin = Origin { practice: practice.id, actor: Actor::System, request_id: None };
        let target = Some(Target::User(admin.id));
        self.audit(uow, &origin, AuditAction::UserCreated, target, None, Some(admin.audit_view())).await?;
        let welcome = Message::Welcome {
            practice_slug: practice.slug.as_str().to_owned(),
            sign_in_email: admin.email.as_str().to_owned(),
            must_change_password: true,
            password_expires_at: credential.one_time_expires_at,
        };
        self.send(uow, practice, Recipient::from(&admin), welcome).await?;
        Ok(admin)
    }

    /// Whether no practice exists yet (a new installation).
    ///
    /// # Errors
    /// The storage failure.
    pub async fn is_empty(&self) -> Result<bool, StoreError> {
        let mut uow = self.begin(Access::Read).await?;
        Ok(uow.practices().count().await? == 0)
    }

    /// Whether storage could commit a write now (for readiness probes):
    /// see [`crate::Store::check_writable`]. Nothing is changed.
    ///
    /// # Errors
    /// The storage failure.
    pub async fn check_storage(&self) -> Result<(), StoreError> {
        self.ports.store.check_writable().await
    }

    /// The caller's practice.
    ///
    /// # Errors
    /// [`AccessError::PasswordChangeRequired`] or storage failures.
    pub async fn practice(&self, caller: &Caller) -> Result<Practice, UpdateSettingsError> {
        caller.require_full_session()?;
        Ok(self.read_practice(caller.practice()).await?)
    }

    /// Changes the caller's practice's settings (needs `settings.manage`;
    /// changing the Super Admin cap needs a Super Admin).
    ///
    /// # Errors
    /// [`UpdateSettingsError`].
    pub async fn update_settings(
        &self,
        caller: &Caller,
        change: SettingsChange,
    ) -> Result<Practice, UpdateSettingsError> {
        caller.require(Permission::SettingsManage)?;
        change.applied_to(PracticeSettings::default()).validate()?;
        self.write(|| async move {
            let mut uow = self.begin(Access::Write).await?;
            let mut practice = self.practice_of(uow.as_mut(), caller.practice()).await?;
            let settings = change.applied_to(practice.settings);
            if settings.super_admin_cap != practice.settings.super_admin_cap && !caller.grants().bypass {
                return Err(UpdateSettingsError::SuperAdminOnly);
            }
            let holders = self
                .count_super_admins(uow.as_mut(), practice.id, &[UserStatus::Invited, UserStatus::Active])
                .await?;
            if holders > u64::from(settings.super_admin_cap) {
                return Err(SettingsError::CapBelowHolders { holders }.into());
            }
            let before = serde_json::to_value(practice.settings).ok();
            practice.settings = settings;
            uow.practices().update(&practice).await?;
            self.audit(
                uow.as_mut(),
                &caller.origin(),
                AuditAction::SettingsChanged,
                Some(Target::Practice(practice.id)),
                before,
                serde_json::to_value(settings).ok(),
            )
            .await?;
            uow.commit().await?;
            Ok(practice)
        })
        .await
    }
}
