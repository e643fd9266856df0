//! Creating a practice with its built-in roles, profiles and first Super
//! Admin; reading and changing its settings.

use super::{Caller, IdentityService, Origin, Recipient};
use crate::audit::{Actor, AuditAction, Target};
use crate::credential::Credential;
use crate::email::EmailAddress;
use crate::error::{AccessError, Conflict, HashError, StoreError};
use crate::ids::PracticeId;
use crate::mail::Message;
use crate::password::{MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH_FLOOR, Password};
use crate::permission::Permission;
use crate::person::{Label, Language, PersonName, TimeZone};
use crate::ports::Access;
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

/// Why settings were not changed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UpdateSettingsError {
    /// The caller may not change settings.
    #[error(transparent)]
    Access(#[from] AccessError),
    /// The settings are out of range.
    #[error(transparent)]
    Settings(#[from] SettingsError),
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
            slug: new.slug,
            name: new.name,
            settings: new.settings,
            created_at: now,
        };
        let password = self.generate_password(&practice, &new.admin_email, &new.admin_name);
        let hash = self.ports.hasher.hash(&password).await?;

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
                name: Label::parse(builtin.name).map_err(|e| StoreError::Unavailable(e.to_string()))?,
                permissions: builtin.permission_set(),
                bypass: builtin.bypass,
                builtin: true,
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
                name: Label::parse(builtin.name).map_err(|e| StoreError::Unavailable(e.to_string()))?,
                permissions: builtin.permission_set(),
                builtin: true,
            };
            uow.roles().insert_profile(&profile).await?;
        }
        let role = super_admin.ok_or_else(|| StoreError::Unavailable("no built-in bypass role".into()))?;
        let admin = User {
            id: self.new_id(),
            practice: practice.id,
            email: new.admin_email,
            name: new.admin_name,
            role,
            profiles: BTreeSet::new(),
            language: new.admin_language,
            time_zone: new.admin_time_zone,
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
        let details = serde_json::json!({ "slug": practice.slug, "name": practice.name, "settings": practice.settings });
        self.audit(
            uow.as_mut(),
            &origin,
            AuditAction::PracticeCreated,
            Some(Target::Practice(practice.id)),
            None,
            Some(details),
        )
        .await?;
        self.audit(
            uow.as_mut(),
            &origin,
            AuditAction::UserCreated,
            Some(Target::User(admin.id)),
            None,
            Some(admin.audit_view()),
        )
        .await?;
        let welcome = Message::Welcome {
            practice_slug: practice.slug.as_str().to_owned(),
            sign_in_email: admin.email.as_str().to_owned(),
            must_change_password: true,
        };
        self.send(uow.as_mut(), &practice, Recipient::from(&admin), welcome).await?;
        uow.commit().await?;
        Ok(CreatedPractice { practice, admin, admin_password: password })
    }

    /// Whether storage answers (for readiness probes).
    ///
    /// # Errors
    /// The storage failure.
    pub async fn check_storage(&self) -> Result<(), StoreError> {
        let mut uow = self.begin(Access::Read).await?;
        uow.practices().get(PracticeId::from_uuid(uuid::Uuid::nil())).await.map(|_| ())
    }

    /// The caller's practice.
    ///
    /// # Errors
    /// [`AccessError::PasswordChangeRequired`] or storage failures.
    pub async fn practice(&self, caller: &Caller) -> Result<Practice, UpdateSettingsError> {
        caller.require_full_session()?;
        Ok(self.read_practice(caller.practice()).await?)
    }

    /// Changes the caller's practice's settings (needs `settings.manage`).
    ///
    /// # Errors
    /// [`UpdateSettingsError`].
    pub async fn update_settings(
        &self,
        caller: &Caller,
        settings: PracticeSettings,
    ) -> Result<Practice, UpdateSettingsError> {
        caller.require(Permission::SettingsManage)?;
        settings.validate()?;
        let mut uow = self.begin(Access::Write).await?;
        let mut practice = self.practice_of(uow.as_mut(), caller.practice()).await?;
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
    }
}
