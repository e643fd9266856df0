//! `case_parties`: the parties of cases with their part; a party at most
//! once per case.

use super::{parse, stored_time};
use identity_domain::{CaseId, CasePart, CaseParty, PartyId, PracticeId, StoreError};
use sea_orm::entity::prelude::*;

/// A row of `case_parties`.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "case_parties")]
pub struct Model {
    /// The case.
    #[sea_orm(primary_key, auto_increment = false)]
    pub case_id: Uuid,
    /// The party.
    #[sea_orm(primary_key, auto_increment = false)]
    pub party_id: Uuid,
    /// The practice.
    pub practice_id: Uuid,
    /// `student`, `complainant`, `witness`, `client` or `other`.
    pub part: String,
    /// Added.
    pub added_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}

impl Model {
    /// The row of an entry.
    pub fn from_domain(e: &CaseParty) -> Self {
        Self {
            case_id: e.case.as_uuid(),
            party_id: e.party.as_uuid(),
            practice_id: e.practice.as_uuid(),
            part: e.part.as_str().to_owned(),
            added_at: stored_time(e.added_at),
        }
    }

    /// The entry of a row.
    ///
    /// # Errors
    /// [`StoreError::Internal`] when a stored value is unreadable.
    pub fn into_domain(self) -> Result<CaseParty, StoreError> {
        Ok(CaseParty {
            practice: PracticeId::from_uuid(self.practice_id),
            case: CaseId::from_uuid(self.case_id),
            party: PartyId::from_uuid(self.party_id),
            part: parse("case_parties", "part", &self.part, |s| CasePart::parse(s).ok_or(()))?,
            added_at: self.added_at,
        })
    }
}
