//! `users`: staff accounts, with the folded columns the users list filters
//! and sorts on (`name_key`, `email_normalized`, `role_key`).

use super::{parse, parse_opt, stored_time, to_i64, to_u64};
use identity_domain::{
    EmailAddress, Label, Language, Note, PersonName, Phone, PracticeId, ProfileId, RoleId, SiteId,
    StoreError, TimeZone, User, UserId, UserStatus,
};
use sea_orm::entity::prelude::*;
use std::collections::BTreeSet;

/// A row of `users`.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "users")]
pub struct Model {
    /// The user id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The practice.
    pub practice_id: Uuid,
    /// The address as typed (trimmed).
    pub email: String,
    /// `EmailAddress::normalized()`: unique in the practice, searched, sorted.
    pub email_normalized: String,
    /// Full name.
    pub name: String,
    /// `PersonName::search_key()`: searched and sorted.
    pub name_key: String,
    /// The role.
    pub role_id: Uuid,
    /// The role's name folded by `search_key`: sorted.
    pub role_key: String,
    /// BCP 47 tag.
    pub language: String,
    /// IANA zone.
    pub time_zone: String,
    /// Phone.
    pub phone: Option<String>,
    /// Job title.
    pub title: Option<String>,
    /// Admin-only notes.
    pub notes: Option<String>,
    /// `invited`, `active` or `inactive`.
    pub status: String,
    /// Optimistic concurrency version.
    pub version: i64,
    /// Creation time.
    pub created_at: DateTimeUtc,
    /// Last change.
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}

const TABLE: &str = "users";

impl Model {
    /// The row of a user whose role is named `role_name`.
    pub fn from_domain(u: &User, role_name: &str) -> Self {
        Self {
            id: u.id.as_uuid(),
            practice_id: u.practice.as_uuid(),
            email: u.email.as_str().to_owned(),
            email_normalized: u.email.normalized().to_owned(),
            name: u.name.as_str().to_owned(),
            name_key: u.name.search_key(),
            role_id: u.role.as_uuid(),
            role_key: identity_domain::person::search_key(role_name),
            language: u.language.as_str().to_owned(),
            time_zone: u.time_zone.name().to_owned(),
            phone: u.phone.as_ref().map(|p| p.as_str().to_owned()),
            title: u.title.as_ref().map(|t| t.as_str().to_owned()),
            notes: u.notes.as_ref().map(|n| n.as_str().to_owned()),
            status: u.status.as_str().to_owned(),
            version: to_i64(u.version),
            created_at: stored_time(u.created_at),
            updated_at: stored_time(u.updated_at),
        }
    }

    /// The user of a row, with their profiles and sites.
    ///
    /// # Errors
    /// [`StoreError::Internal`] when a stored value is unreadable.
    pub fn into_domain(
        self,
        profiles: BTreeSet<ProfileId>,
        sites: BTreeSet<SiteId>,
    ) -> Result<User, StoreError> {
        Ok(User {
            id: UserId::from_uuid(self.id),
            practice: PracticeId::from_uuid(self.practice_id),
            email: parse(TABLE, "email", &self.email, EmailAddress::parse)?,
            name: parse(TABLE, "name", &self.name, PersonName::parse)?,
            role: RoleId::from_uuid(self.role_id),
            profiles,
            language: parse(TABLE, "language", &self.language, Language::parse)?,
            time_zone: parse(TABLE, "time_zone", &self.time_zone, TimeZone::parse)?,
            phone: parse_opt(TABLE, "phone", self.phone.as_deref(), Phone::parse)?,
            title: parse_opt(TABLE, "title", self.title.as_deref(), Label::parse)?,
            notes: parse_opt(TABLE, "notes", self.notes.as_deref(), Note::parse)?,
            sites,
            status: parse(TABLE, "status", &self.status, |s| UserStatus::parse(s).ok_or(()))?,
            version: to_u64(TABLE, "version", self.version)?,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}
