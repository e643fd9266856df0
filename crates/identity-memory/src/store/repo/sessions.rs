//! Sessions, stored by the hash of their token.

use crate::store::*;

#[async_trait]
impl SessionRepository for MemoryUnitOfWork {
    async fn insert(&mut self, session: &Session) -> Result<(), StoreError> {
        self.working.sessions.insert(session.id, session.clone());
        self.working.sessions_by_hash.insert(session.token_hash, session.id);
        Ok(())
    }

    async fn find_by_hash(&mut self, hash: &TokenHash) -> Result<Option<Session>, StoreError> {
        Ok(self.working.sessions_by_hash.get(hash).and_then(|id| self.working.sessions.get(id)).cloned())
    }

    async fn get(&mut self, practice: PracticeId, id: SessionId) -> Result<Option<Session>, StoreError> {
        Ok(owned(&self.working.sessions, &id, practice, |s| s.practice))
    }

    async fn update(&mut self, session: &Session) -> Result<(), StoreError> {
        self.working.sessions.insert(session.id, session.clone());
        Ok(())
    }

    async fn check(&mut self, hash: &TokenHash) -> Result<Option<SessionCheck>, StoreError> {
        let state = &self.working;
        let Some(session) = state.sessions_by_hash.get(hash).and_then(|id| state.sessions.get(id)) else {
            return Ok(None);
        };
        let practice = session.practice;
        let Some(user) = owned(&state.users, &session.user, practice, |u| u.practice) else {
            return Ok(None);
        };
        let Some(role) = owned(&state.roles, &user.role, practice, |r| r.practice) else {
            return Ok(None);
        };
        let profiles: Vec<Profile> = user
            .profiles
            .iter()
            .filter_map(|p| owned(&state.profiles, p, practice, |p| p.practice))
            .collect();
        Ok(Some(SessionCheck {
            session: session.clone(),
            user_status: user.status,
            grants: Grants::of(&role, &profiles),
        }))
    }

    async fn touch(
        &mut self,
        practice: PracticeId,
        id: SessionId,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        match self.working.sessions.get_mut(&id) {
            Some(session) if session.practice == practice && session.ended_at.is_none() => {
                session.last_seen_at = at;
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    async fn end_all_for_user(
        &mut self,
        practice: PracticeId,
        user: UserId,
        except: Option<SessionId>,
        at: DateTime<Utc>,
    ) -> Result<u64, StoreError> {
        let mut ended = 0;
        for (_, session) in self.working.sessions.iter_mut() {
            if session.practice == practice
                && session.user == user
                && Some(session.id) != except
                && session.ended_at.is_none()
            {
                session.ended_at = Some(at);
                ended += 1;
            }
        }
        Ok(ended)
    }

    async fn set_ceremony(
        &mut self,
        practice: PracticeId,
        id: SessionId,
        ceremony: &identity_domain::Ceremony,
    ) -> Result<(), StoreError> {
        if self.working.sessions.get(&id).is_some_and(|s| s.practice == practice) {
            self.working.ceremonies.insert(id, ceremony.clone());
        }
        Ok(())
    }

    async fn take_ceremony(
        &mut self,
        practice: PracticeId,
        id: SessionId,
    ) -> Result<Option<identity_domain::Ceremony>, StoreError> {
        if self.working.sessions.get(&id).is_none_or(|s| s.practice != practice) {
            return Ok(None);
        }
        Ok(self.working.ceremonies.remove(&id))
    }
}
