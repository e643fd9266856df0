//! Second factors and recovery codes, by holder (a user or a party).

use crate::store::*;
use identity_domain::ports::FactorRepository;
use identity_domain::{Factor, FactorHolder, FactorId, FactorKind, RecoveryCodeHash, StoredPasskey};

#[async_trait]
impl FactorRepository for MemoryUnitOfWork {
    async fn list(&mut self, practice: PracticeId, holder: FactorHolder) -> Result<Vec<Factor>, StoreError> {
        let mut found: Vec<Factor> = self
            .working
            .factors
            .values()
            .filter(|f| f.practice == practice && f.holder == holder)
            .cloned()
            .collect();
        found.sort_by_key(|f| (f.created_at, f.id));
        Ok(found)
    }

    async fn has_confirmed(
        &mut self,
        practice: PracticeId,
        holder: FactorHolder,
    ) -> Result<bool, StoreError> {
        Ok(self.working.factors.values().any(|f| f.practice == practice && f.holder == holder && f.confirmed))
    }

    async fn insert(&mut self, factor: &Factor) -> Result<(), StoreError> {
        if let FactorKind::Passkey(new) = &factor.kind {
            let taken = self.working.factors.values().any(
                |f| matches!(&f.kind, FactorKind::Passkey(held) if held.credential_id == new.credential_id),
            );
            if taken {
                return Err(Conflict::CredentialTaken.into());
            }
        }
        self.working.factors.insert(factor.id, factor.clone());
        Ok(())
    }

    async fn update(&mut self, factor: &Factor) -> Result<(), StoreError> {
        if let Some(stored) = self.working.factors.get_mut(&factor.id)
            && stored.practice == factor.practice
        {
            stored.name = factor.name.clone();
            stored.confirmed = factor.confirmed;
            stored.last_used_at = factor.last_used_at;
        }
        Ok(())
    }

    async fn advance_totp(
        &mut self,
        practice: PracticeId,
        holder: FactorHolder,
        id: FactorId,
        step: u64,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let mine = |f: &&mut Factor| f.practice == practice && f.holder == holder;
        let Some(factor) = self.working.factors.get_mut(&id).filter(mine) else {
            return Ok(false);
        };
        let FactorKind::Totp(totp) = &mut factor.kind else {
            return Ok(false);
        };
        if totp.last_step.is_some_and(|last| last >= step) {
            return Ok(false);
        }
        totp.last_step = Some(step);
        factor.last_used_at = Some(at);
        Ok(true)
    }

    async fn save_passkey(
        &mut self,
        practice: PracticeId,
        holder: FactorHolder,
        id: FactorId,
        credential: &StoredPasskey,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        if let Some(factor) =
            self.working.factors.get_mut(&id).filter(|f| f.practice == practice && f.holder == holder)
            && let FactorKind::Passkey(passkey) = &mut factor.kind
        {
            passkey.credential = credential.clone();
            factor.last_used_at = Some(at);
        }
        Ok(())
    }

    async fn remove(
        &mut self,
        practice: PracticeId,
        holder: FactorHolder,
        id: FactorId,
    ) -> Result<bool, StoreError> {
        let owned =
            self.working.factors.get(&id).is_some_and(|f| f.practice == practice && f.holder == holder);
        if owned {
            self.working.factors.remove(&id);
        }
        Ok(owned)
    }

    async fn remove_all(&mut self, practice: PracticeId, holder: FactorHolder) -> Result<u64, StoreError> {
        let ids: Vec<FactorId> = self
            .working
            .factors
            .values()
            .filter(|f| f.practice == practice && f.holder == holder)
            .map(|f| f.id)
            .collect();
        for id in &ids {
            self.working.factors.remove(id);
        }
        self.working.recovery_codes.remove(&(practice, holder));
        Ok(ids.len() as u64)
    }

    async fn replace_recovery_codes(
        &mut self,
        practice: PracticeId,
        holder: FactorHolder,
        codes: &[RecoveryCodeHash],
        _at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        if codes.is_empty() {
            self.working.recovery_codes.remove(&(practice, holder));
        } else {
            let unused = codes.iter().map(|c| (*c, false)).collect();
            self.working.recovery_codes.insert((practice, holder), unused);
        }
        Ok(())
    }

    async fn use_recovery_code(
        &mut self,
        practice: PracticeId,
        holder: FactorHolder,
        code: &RecoveryCodeHash,
        _at: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let Some(codes) = self.working.recovery_codes.get_mut(&(practice, holder)) else {
            return Ok(false);
        };
        match codes.iter_mut().find(|(c, used)| c == code && !*used) {
            Some(entry) => {
                entry.1 = true;
                Ok(true)
            }
            None => Ok(false),
        }
    }

    async fn recovery_codes_left(
        &mut self,
        practice: PracticeId,
        holder: FactorHolder,
    ) -> Result<u32, StoreError> {
        let left = self
            .working
            .recovery_codes
            .get(&(practice, holder))
            .map_or(0, |codes| codes.iter().filter(|(_, used)| !used).count());
        Ok(u32::try_from(left).unwrap_or(u32::MAX))
    }
}
