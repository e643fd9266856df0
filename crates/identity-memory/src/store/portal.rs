//! The portal's repositories in memory: portal accounts, the emails they
//! ever held, portal sessions (apart from staff sessions), and the parties
//! of cases.

use super::MemoryUnitOfWork;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use identity_domain::ports::{CasePartyRepository, PortalRepository};
use identity_domain::{
    CaseId, CaseParty, Ceremony, Conflict, EmailAddress, PartyId, PortalAccount, PortalSession, PracticeId,
    SessionId, StoreError, TokenHash,
};
use imbl::{HashMap, Vector};

/// Everything the portal stores.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct PortalState {
    /// Accounts by party.
    accounts: HashMap<PartyId, PortalAccount>,
    /// (practice, normalised email) → the party whose account holds or held it.
    reservations: HashMap<(PracticeId, String), PartyId>,
    sessions: HashMap<SessionId, PortalSession>,
    sessions_by_hash: HashMap<TokenHash, SessionId>,
    /// The passkey ceremony each portal session waits on, if any.
    ceremonies: HashMap<SessionId, Ceremony>,
    case_parties: Vector<CaseParty>,
}

#[async_trait]
impl PortalRepository for MemoryUnitOfWork {
    async fn insert_account(&mut self, account: &PortalAccount) -> Result<(), StoreError> {
        let portal = &mut self.working.portal;
        if portal.accounts.contains_key(&account.party) {
            return Err(Conflict::Stale.into());
        }
        portal.accounts.insert(account.party, account.clone());
        Ok(())
    }

    async fn get_account(
        &mut self,
        practice: PracticeId,
        party: PartyId,
    ) -> Result<Option<PortalAccount>, StoreError> {
        Ok(self.working.portal.accounts.get(&party).filter(|a| a.practice == practice).cloned())
    }

    async fn find_account_by_email(
        &mut self,
        practice: PracticeId,
        email: &EmailAddress,
    ) -> Result<Option<PortalAccount>, StoreError> {
        Ok(self
            .working
            .portal
            .accounts
            .values()
            .find(|a| a.practice == practice && a.email.normalized() == email.normalized())
            .cloned())
    }

    async fn update_account(&mut self, account: &PortalAccount) -> Result<(), StoreError> {
        let accounts = &mut self.working.portal.accounts;
        if accounts.get(&account.party).is_some_and(|a| a.practice == account.practice) {
            accounts.insert(account.party, account.clone());
        }
        Ok(())
    }

    async fn email_holder(
        &mut self,
        practice: PracticeId,
        email: &EmailAddress,
    ) -> Result<Option<PartyId>, StoreError> {
        Ok(self.working.portal.reservations.get(&(practice, email.normalized().to_owned())).copied())
    }

    async fn reserve_email(
        &mut self,
        practice: PracticeId,
        email: &EmailAddress,
        party: PartyId,
        _at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let key = (practice, email.normalized().to_owned());
        match self.working.portal.reservations.get(&key) {
            Some(holder) if *holder == party => Ok(()),
            Some(_) => Err(Conflict::EmailTaken.into()),
            None => {
                self.working.portal.reservations.insert(key, party);
                Ok(())
            }
        }
    }

    async fn insert_session(&mut self, session: &PortalSession) -> Result<(), StoreError> {
        let portal = &mut self.working.portal;
        portal.sessions.insert(session.id, session.clone());
        portal.sessions_by_hash.insert(session.token_hash, session.id);
        Ok(())
    }

    async fn find_session_by_hash(&mut self, hash: &TokenHash) -> Result<Option<PortalSession>, StoreError> {
        let portal = &self.working.portal;
        Ok(portal.sessions_by_hash.get(hash).and_then(|id| portal.sessions.get(id)).cloned())
    }

    async fn get_session(
        &mut self,
        practice: PracticeId,
        id: SessionId,
    ) -> Result<Option<PortalSession>, StoreError> {
        Ok(self.working.portal.sessions.get(&id).filter(|s| s.practice == practice).cloned())
    }

    async fn update_session(&mut self, session: &PortalSession) -> Result<(), StoreError> {
        let sessions = &mut self.working.portal.sessions;
        if sessions.get(&session.id).is_some_and(|s| s.practice == session.practice) {
            sessions.insert(session.id, session.clone());
        }
        Ok(())
    }

    async fn set_ceremony(
        &mut self,
        practice: PracticeId,
        id: SessionId,
        ceremony: &Ceremony,
    ) -> Result<(), StoreError> {
        let portal = &mut self.working.portal;
        if portal.sessions.get(&id).is_some_and(|s| s.practice == practice) {
            portal.ceremonies.insert(id, ceremony.clone());
        }
        Ok(())
    }

    async fn take_ceremony(
        &mut self,
        practice: PracticeId,
        id: SessionId,
    ) -> Result<Option<Ceremony>, StoreError> {
        let portal = &mut self.working.portal;
        if portal.sessions.get(&id).is_none_or(|s| s.practice != practice) {
            return Ok(None);
        }
        Ok(portal.ceremonies.remove(&id))
    }

    async fn end_sessions(
        &mut self,
        practice: PracticeId,
        party: PartyId,
        except: Option<SessionId>,
        at: DateTime<Utc>,
    ) -> Result<u64, StoreError> {
        let mut ended = 0;
        for (_, session) in self.working.portal.sessions.iter_mut() {
            if session.practice == practice
                && session.party == party
                && Some(session.id) != except
                && session.ended_at.is_none()
            {
                session.ended_at = Some(at);
                ended += 1;
            }
        }
        Ok(ended)
    }
}

#[async_trait]
impl CasePartyRepository for MemoryUnitOfWork {
    async fn add(&mut self, entry: &CaseParty) -> Result<(), StoreError> {
        let entries = &mut self.working.portal.case_parties;
        if entries.iter().any(|e| e.case == entry.case && e.party == entry.party) {
            return Err(Conflict::Stale.into());
        }
        entries.push_back(entry.clone());
        Ok(())
    }

    async fn take_off(
        &mut self,
        practice: PracticeId,
        case: CaseId,
        party: PartyId,
    ) -> Result<bool, StoreError> {
        let entries = &mut self.working.portal.case_parties;
        let before = entries.len();
        entries.retain(|e| !(e.practice == practice && e.case == case && e.party == party));
        Ok(entries.len() < before)
    }

    async fn list_for_case(
        &mut self,
        practice: PracticeId,
        case: CaseId,
    ) -> Result<Vec<CaseParty>, StoreError> {
        Ok(self
            .working
            .portal
            .case_parties
            .iter()
            .filter(|e| e.practice == practice && e.case == case)
            .cloned()
            .collect::<Vec<_>>())
        .map(|mut entries| {
            entries.sort_by_key(|e| (e.added_at, e.party));
            entries
        })
    }

    async fn list_for_party(
        &mut self,
        practice: PracticeId,
        party: PartyId,
    ) -> Result<Vec<CaseParty>, StoreError> {
        Ok(self
            .working
            .portal
            .case_parties
            .iter()
            .filter(|e| e.practice == practice && e.party == party)
            .cloned()
            .collect::<Vec<_>>())
        .map(|mut entries| {
            entries.sort_by_key(|e| (e.added_at, e.case));
            entries
        })
    }
}
