//! The cases one party takes part in, as administrators see them (the
//! individual's page in the console), and finding the case to add them to.

use super::{Caller, CasePartyError, IdentityService};
use crate::case::{Case, CaseStatus};
use crate::error::{AccessError, StoreError};
use crate::ids::PartyId;
use crate::listing::SearchTerm;
use crate::permission::Permission;
use crate::portal::CasePart;
use crate::ports::Access;
use chrono::{DateTime, Utc};

/// The most cases [`IdentityService::find_cases`] answers at once.
pub const MAX_FOUND_CASES: u32 = 50;

/// Why cases could not be found.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FindCasesError {
    /// The caller may not manage parties.
    #[error(transparent)]
    Access(#[from] AccessError),
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A case a party takes part in, with their part.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartyCase {
    /// The case.
    pub case: Case,
    /// The party's part in it.
    pub part: CasePart,
    /// When the party was added to it.
    pub added_at: DateTime<Utc>,
}

impl IdentityService {
    /// The cases a party takes part in, with their part, in the order they
    /// were added (needs `parties.manage`).
    ///
    /// # Errors
    /// [`CasePartyError`]: [`CasePartyError::PartyNotFound`] for a party
    /// not in the caller's practice.
    pub async fn list_party_cases(
        &self,
        caller: &Caller,
        party: PartyId,
    ) -> Result<Vec<PartyCase>, CasePartyError> {
        caller.require(Permission::PartiesManage)?;
        let mut uow = self.begin(Access::Read).await?;
        uow.parties().get(caller.practice(), party).await?.ok_or(CasePartyError::PartyNotFound)?;
        let mut cases = Vec::new();
        for entry in uow.case_parties().list_for_party(caller.practice(), party).await? {
            if let Some(case) = uow.cases().get(caller.practice(), entry.case).await? {
                cases.push(PartyCase { case, part: entry.part, added_at: entry.added_at });
            }
        }
        Ok(cases)
    }

    /// The practice's cases whose title contains `term` (folded: any case,
    /// with or without accents; every case when `None`), of `status` when
    /// given, by title, at most `limit` (capped at [`MAX_FOUND_CASES`]):
    /// how an administrator finds the case to add a party to (needs
    /// `parties.manage`).
    ///
    /// # Errors
    /// [`FindCasesError`].
    pub async fn find_cases(
        &self,
        caller: &Caller,
        term: Option<&SearchTerm>,
        status: Option<CaseStatus>,
        limit: u32,
    ) -> Result<Vec<Case>, FindCasesError> {
        caller.require(Permission::PartiesManage)?;
        let mut uow = self.begin(Access::Read).await?;
        Ok(uow.cases().find(caller.practice(), term, status, limit.clamp(1, MAX_FOUND_CASES)).await?)
    }
}
