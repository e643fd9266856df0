//! The outbox as a unit of work sees it: queue an email, list and count a
//! practice's emails, retry failed ones.

use crate::store::*;

#[async_trait]
impl Outbox for MemoryUnitOfWork {
    async fn enqueue(&mut self, email: &OutboxEmail) -> Result<(), StoreError> {
        self.working.outbox.insert((email.created_at, email.id), email.clone());
        self.working.outbox_keys.insert(email.id, email.created_at);
        Ok(())
    }

    async fn list(
        &mut self,
        practice: PracticeId,
        query: &OutboxQuery,
    ) -> Result<Page<OutboxEmail, EmailId>, StoreError> {
        let limit = query.clamped_limit() as usize;
        let before = match query.before {
            None => None,
            Some(id) => match self.working.outbox_keys.get(&id) {
                Some(at) if self.working.outbox.get(&(*at, id)).is_some_and(|e| e.practice == practice) => {
                    Some((*at, id))
                }
                _ => return Ok(Page { items: Vec::new(), next: None, total: None }),
            },
        };
        let mut items: Vec<OutboxEmail> = self
            .working
            .outbox
            .iter()
            .rev()
            .filter(|(key, _)| before.is_none_or(|b| **key < b))
            .map(|(_, e)| e)
            .filter(|e| e.practice == practice && query.matches(e))
            .take(limit + 1)
            .cloned()
            .collect();
        let more = items.len() > limit;
        items.truncate(limit);
        let next = if more { items.last().map(|e| e.id) } else { None };
        Ok(Page { items, next, total: None })
    }

    async fn get(&mut self, practice: PracticeId, id: EmailId) -> Result<Option<OutboxEmail>, StoreError> {
        Ok(self
            .working
            .outbox_keys
            .get(&id)
            .and_then(|at| self.working.outbox.get(&(*at, id)))
            .filter(|e| e.practice == practice)
            .cloned())
    }

    async fn counts(&mut self, practice: PracticeId) -> Result<OutboxCounts, StoreError> {
        let mut counts = OutboxCounts::default();
        for email in self.working.outbox.values().filter(|e| e.practice == practice) {
            match email.status {
                DeliveryStatus::Pending => counts.pending += 1,
                DeliveryStatus::Sent => counts.sent += 1,
                DeliveryStatus::Failed => counts.failed += 1,
            }
        }
        Ok(counts)
    }

    async fn retry_failed(
        &mut self,
        practice: PracticeId,
        only: Option<EmailId>,
        kinds: &[MessageKind],
        now: DateTime<Utc>,
    ) -> Result<u64, StoreError> {
        let chosen: Vec<(DateTime<Utc>, EmailId)> = self
            .working
            .outbox
            .iter()
            .filter(|(_, e)| {
                e.practice == practice
                    && e.status == DeliveryStatus::Failed
                    && only.is_none_or(|id| e.id == id)
                    && kinds.contains(&e.message.message_kind())
            })
            .map(|(key, _)| *key)
            .collect();
        for key in &chosen {
            if let Some(email) = self.working.outbox.get_mut(key) {
                email.status = DeliveryStatus::Pending;
                email.attempts = 0;
                email.next_attempt_at = now;
            }
        }
        Ok(chosen.len() as u64)
    }
}
