//! The outbox's delivery side (`OutboxQueue`), as the mail worker reaches
//! it: claims under a lease, outcomes recorded only by the claim that holds
//! the email.

use crate::store::*;

#[async_trait]
impl OutboxQueue for MemoryStore {
    async fn claim_due(
        &self,
        worker: &WorkerId,
        now: DateTime<Utc>,
        limit: u32,
        lease_until: DateTime<Utc>,
    ) -> Result<Vec<ClaimedEmail>, StoreError> {
        let mut state = self.state.lock().await;
        let claim = ClaimToken::from_uuid(uuid::Uuid::now_v7());
        let due: Vec<OutboxEmail> = state
            .outbox
            .values()
            .filter(|e| e.status == DeliveryStatus::Pending && e.next_attempt_at <= now)
            .filter(|e| state.leases.get(&e.id).is_none_or(|lease| lease.until <= now))
            .take(limit as usize)
            .cloned()
            .collect();
        for email in &due {
            state.leases.insert(email.id, Lease { until: lease_until, worker: worker.clone(), claim });
        }
        Ok(due.into_iter().map(|email| ClaimedEmail { email, claim }).collect())
    }

    async fn reclaim(&self, worker: &WorkerId) -> Result<u64, StoreError> {
        let mut state = self.state.lock().await;
        let held: Vec<EmailId> =
            state.leases.iter().filter(|(_, lease)| &lease.worker == worker).map(|(id, _)| *id).collect();
        for id in &held {
            state.leases.remove(id);
        }
        Ok(held.len() as u64)
    }

    async fn release(&self, id: EmailId, claim: ClaimToken) -> Result<bool, StoreError> {
        self.settle(id, claim, |_| {}).await
    }

    async fn mark_sent(&self, id: EmailId, claim: ClaimToken, at: DateTime<Utc>) -> Result<bool, StoreError> {
        self.settle(id, claim, |email| {
            email.attempts = email.attempts.saturating_add(1);
            email.status = DeliveryStatus::Sent;
            email.sent_at = Some(at);
            email.message = email.message.without_secrets();
        })
        .await
    }

    async fn mark_failed(
        &self,
        id: EmailId,
        claim: ClaimToken,
        error: &str,
        retry_at: Option<DateTime<Utc>>,
    ) -> Result<bool, StoreError> {
        self.settle(id, claim, |email| {
            email.attempts = email.attempts.saturating_add(1);
            email.last_error = Some(error.to_owned());
            match retry_at {
                Some(at) => email.next_attempt_at = at,
                None => {
                    email.status = DeliveryStatus::Failed;
                    email.message = email.message.without_secrets();
                }
            }
        })
        .await
    }
}

impl MemoryStore {
    /// Applies a delivery outcome to an email held by `claim` and releases
    /// it; `false` when `claim` does not hold it.
    async fn settle(
        &self,
        id: EmailId,
        claim: ClaimToken,
        apply: impl FnOnce(&mut OutboxEmail),
    ) -> Result<bool, StoreError> {
        let mut state = self.state.lock().await;
        if state.leases.get(&id).is_none_or(|lease| lease.claim != claim) {
            return Ok(false);
        }
        let created_at =
            *state.outbox_keys.get(&id).ok_or_else(|| StoreError::Internal(format!("no email {id}")))?;
        let email = state
            .outbox
            .get_mut(&(created_at, id))
            .ok_or_else(|| StoreError::Internal(format!("no email {id}")))?;
        apply(email);
        state.leases.remove(&id);
        Ok(true)
    }
}
