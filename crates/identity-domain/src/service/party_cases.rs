//! The cases one party takes part in, as administrators see them (the
//! individual's page in the console).

use super::{Caller, CasePartyError, IdentityService};
use crate::case::Case;
use crate::ids::PartyId;
use crate::permission::Permission;
use crate::portal::CasePart;
use crate::ports::Access;
use chrono::{DateTime, Utc};

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
}
