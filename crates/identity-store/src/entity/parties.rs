//! `parties`: individuals involved in cases, recorded per site.

use super::{parse, parse_opt, stored_time};
use identity_domain::{
    EmailAddress, Label, Language, Note, Party, PartyDetails, PartyId, PartyKind, PersonName, Phone,
    PortalStatus, PracticeId, SiteId, StoreError,
};
use sea_orm::entity::prelude::*;

/// A row of `parties`.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "parties")]
pub struct Model {
    /// The party id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The practice.
    pub practice_id: Uuid,
    /// The site that recorded them.
    pub site_id: Uuid,
    /// `student`, `witness`…
    pub kind: String,
    /// Full name.
    pub name: String,
    /// `PersonName::search_key()`, for ordering.
    pub name_key: String,
    /// Email.
    pub email: Option<String>,
    /// Phone.
    pub phone: Option<String>,
    /// Postal address.
    pub address: Option<String>,
    /// Date of birth.
    pub date_of_birth: Option<Date>,
    /// Gender, free text.
    pub gender: Option<String>,
    /// Grade or position.
    pub grade_or_position: Option<String>,
    /// Preferred language.
    pub language: Option<String>,
    /// `not_invited` or `invited`.
    pub portal: String,
    /// Recorded.
    pub created_at: DateTimeUtc,
    /// Last change.
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}

const TABLE: &str = "parties";

fn portal_str(p: PortalStatus) -> &'static str {
    match p {
        PortalStatus::NotInvited => "not_invited",
        PortalStatus::Invited => "invited",
    }
}

fn portal_parse(s: &str) -> Result<PortalStatus, ()> {
    match s {
        "not_invited" => Ok(PortalStatus::NotInvited),
        "invited" => Ok(PortalStatus::Invited),
        _ => Err(()),
    }
}

impl Model {
    /// The row of a party.
    pub fn from_domain(p: &Party) -> Self {
        let d = &p.details;
        Self {
            id: p.id.as_uuid(),
            practice_id: p.practice.as_uuid(),
            site_id: p.site.as_uuid(),
            kind: d.kind.as_str().to_owned(),
            name: d.name.as_str().to_owned(),
            name_key: d.name.search_key(),
            email: d.email.as_ref().map(|e| e.as_str().to_owned()),
            phone: d.phone.as_ref().map(|x| x.as_str().to_owned()),
            address: d.address.as_ref().map(|x| x.as_str().to_owned()),
            date_of_birth: d.date_of_birth,
            gender: d.gender.as_ref().map(|x| x.as_str().to_owned()),
            grade_or_position: d.grade_or_position.as_ref().map(|x| x.as_str().to_owned()),
            language: d.language.as_ref().map(|x| x.as_str().to_owned()),
            portal: portal_str(p.portal).to_owned(),
            created_at: stored_time(p.created_at),
            updated_at: stored_time(p.updated_at),
        }
    }

    /// The party of a row.
    ///
    /// # Errors
    /// [`StoreError::Internal`] when a stored value is unreadable.
    pub fn into_domain(self) -> Result<Party, StoreError> {
        Ok(Party {
            id: PartyId::from_uuid(self.id),
            practice: PracticeId::from_uuid(self.practice_id),
            site: SiteId::from_uuid(self.site_id),
            details: PartyDetails {
                kind: parse(TABLE, "kind", &self.kind, |s| PartyKind::parse(s).ok_or(()))?,
                name: parse(TABLE, "name", &self.name, PersonName::parse)?,
                email: parse_opt(TABLE, "email", self.email.as_deref(), EmailAddress::parse)?,
                phone: parse_opt(TABLE, "phone", self.phone.as_deref(), Phone::parse)?,
                address: parse_opt(TABLE, "address", self.address.as_deref(), Note::parse)?,
                date_of_birth: self.date_of_birth,
                gender: parse_opt(TABLE, "gender", self.gender.as_deref(), Label::parse)?,
                grade_or_position: parse_opt(
                    TABLE,
                    "grade_or_position",
                    self.grade_or_position.as_deref(),
                    Label::parse,
                )?,
                language: parse_opt(TABLE, "language", self.language.as_deref(), Language::parse)?,
            },
            portal: parse(TABLE, "portal", &self.portal, portal_parse)?,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}
