//! The parties of cases (needs `parties.manage`): the cases one party
//! takes part in, as administrators see them (the individual's page in the
//! console), finding the case to add them to, a case's parties, adding a
//! party to a case and taking them off. Each operation answers its own
//! error enum.

use super::{Caller, IdentityService};
use crate::audit::{AuditAction, Target};
use crate::case::{Case, CaseStatus};
use crate::error::{AccessError, Conflict, StoreError};
use crate::ids::{CaseId, PartyId};
use crate::listing::SearchTerm;
use crate::permission::Permission;
use crate::portal::{CasePart, CaseParty};
use crate::ports::Access;
use chrono::{DateTime, Utc};
use serde_json::json;

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

/// Why the cases of a party could not be listed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ListPartyCasesError {
    /// The caller may not manage parties.
    #[error(transparent)]
    Access(#[from] AccessError),
    /// No such party in the caller's practice.
    #[error("no such party")]
    PartyNotFound,
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Why a case's parties could not be listed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ListCasePartiesError {
    /// The caller may not manage parties.
    #[error(transparent)]
    Access(#[from] AccessError),
    /// No such case in the caller's practice.
    #[error("no such case")]
    CaseNotFound,
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Why a party was not added to a case.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AddCasePartyError {
    /// The caller may not manage parties.
    #[error(transparent)]
    Access(#[from] AccessError),
    /// No such case in the caller's practice.
    #[error("no such case")]
    CaseNotFound,
    /// No such party in the caller's practice.
    #[error("no such party")]
    PartyNotFound,
    /// The party already takes part in the case.
    #[error("the party already takes part in this case")]
    AlreadyOnCase,
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Why a party was not taken off a case.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RemoveCasePartyError {
    /// The caller may not manage parties.
    #[error(transparent)]
    Access(#[from] AccessError),
    /// No such case in the caller's practice.
    #[error("no such case")]
    CaseNotFound,
    /// The party does not take part in the case.
    #[error("the party does not take part in this case")]
    NotOnCase,
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
    /// [`ListPartyCasesError`]: [`ListPartyCasesError::PartyNotFound`] for
    /// a party not in the caller's practice.
    pub async fn list_party_cases(
        &self,
        caller: &Caller,
        party: PartyId,
    ) -> Result<Vec<PartyCase>, ListPartyCasesError> {
        caller.require(Permission::PartiesManage)?;
        let mut uow = self.begin(Access::Read).await?;
        uow.parties().get(caller.practice(), party).await?.ok_or(ListPartyCasesError::PartyNotFound)?;
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

    /// Adds a party to a case with their part (needs `parties.manage`).
    ///
    /// # Errors
    /// [`AddCasePartyError`].
    pub async fn add_case_party(
        &self,
        caller: &Caller,
        case: CaseId,
        party: PartyId,
        part: CasePart,
    ) -> Result<CaseParty, AddCasePartyError> {
        caller.require(Permission::PartiesManage)?;
        let mut uow = self.begin(Access::Write).await?;
        uow.cases().get(caller.practice(), case).await?.ok_or(AddCasePartyError::CaseNotFound)?;
        uow.parties().get(caller.practice(), party).await?.ok_or(AddCasePartyError::PartyNotFound)?;
        if uow.case_parties().list_for_case(caller.practice(), case).await?.iter().any(|e| e.party == party) {
            return Err(AddCasePartyError::AlreadyOnCase);
        }
        let entry = CaseParty { practice: caller.practice(), case, party, part, added_at: self.now() };
        match uow.case_parties().add(&entry).await {
            Err(StoreError::Conflict(Conflict::Stale)) => return Err(AddCasePartyError::AlreadyOnCase),
            other => other?,
        }
        self.audit(
            uow.as_mut(),
            &caller.origin(),
            AuditAction::CasePartyAdded,
            Some(Target::Case(case)),
            None,
            Some(json!({ "party": party, "part": part })),
        )
        .await?;
        uow.commit().await?;
        Ok(entry)
    }

    /// Removes a party from a case (needs `parties.manage`).
    ///
    /// # Errors
    /// [`RemoveCasePartyError`].
    pub async fn remove_case_party(
        &self,
        caller: &Caller,
        case: CaseId,
        party: PartyId,
    ) -> Result<(), RemoveCasePartyError> {
        caller.require(Permission::PartiesManage)?;
        let mut uow = self.begin(Access::Write).await?;
        uow.cases().get(caller.practice(), case).await?.ok_or(RemoveCasePartyError::CaseNotFound)?;
        let before = uow
            .case_parties()
            .list_for_case(caller.practice(), case)
            .await?
            .into_iter()
            .find(|e| e.party == party)
            .ok_or(RemoveCasePartyError::NotOnCase)?;
        if !uow.case_parties().take_off(caller.practice(), case, party).await? {
            return Err(RemoveCasePartyError::NotOnCase);
        }
        self.audit(
            uow.as_mut(),
            &caller.origin(),
            AuditAction::CasePartyRemoved,
            Some(Target::Case(case)),
            Some(json!({ "party": party, "part": before.part })),
            None,
        )
        .await?;
        uow.commit().await?;
        Ok(())
    }

    /// The parties of a case with their parts (needs `parties.manage`).
    ///
    /// # Errors
    /// [`ListCasePartiesError`].
    pub async fn list_case_parties(
        &self,
        caller: &Caller,
        case: CaseId,
    ) -> Result<Vec<CaseParty>, ListCasePartiesError> {
        caller.require(Permission::PartiesManage)?;
        let mut uow = self.begin(Access::Read).await?;
        uow.cases().get(caller.practice(), case).await?.ok_or(ListCasePartiesError::CaseNotFound)?;
        Ok(uow.case_parties().list_for_case(caller.practice(), case).await?)
    }
}
