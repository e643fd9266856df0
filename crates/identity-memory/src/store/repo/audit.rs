//! The audit log: append and read, never remove.

use crate::store::*;

#[async_trait]
impl AuditLog for MemoryUnitOfWork {
    async fn append(&mut self, entry: &AuditEntry) -> Result<(), StoreError> {
        self.working.audit.insert(entry.id, entry.clone());
        Ok(())
    }

    async fn list(
        &mut self,
        practice: PracticeId,
        query: &AuditQuery,
    ) -> Result<Page<AuditEntry, AuditId>, StoreError> {
        let limit = query.limit as usize;
        let mut items: Vec<AuditEntry> = self
            .working
            .audit
            .values()
            .rev()
            .filter(|e| {
                e.practice == practice
                    && query.before_id.is_none_or(|b| e.id < b)
                    && query.action.is_none_or(|a| e.action == a)
                    && query.actor.is_none_or(|a| e.actor == a)
                    && query.target.is_none_or(|t| e.target == Some(t))
                    && query.since.is_none_or(|s| e.at >= s)
                    && query.until.is_none_or(|u| e.at < u)
            })
            .take(limit + 1)
            .cloned()
            .collect();
        let more = items.len() > limit;
        items.truncate(limit);
        let next = if more { items.last().map(|e| e.id) } else { None };
        Ok(Page { items, next, total: None })
    }
}
