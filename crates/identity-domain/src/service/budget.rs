//! Spending a client address's request budget (see [`crate::budget`]).

use super::IdentityService;
use crate::budget::{AddressKey, BudgetAnswer, judge, window_start};
use crate::error::StoreError;
use std::net::IpAddr;
use std::num::NonZeroU32;

impl IdentityService {
    /// Counts one anonymous request from `client` against a budget of
    /// `per_minute` requests a minute, shared by every front door and
    /// every process on the same storage.
    ///
    /// # Errors
    /// [`StoreError`] when the count cannot be made; the caller decides
    /// whether that refuses the request (the HTTP layer does).
    pub async fn spend_address_budget(
        &self,
        client: IpAddr,
        per_minute: NonZeroU32,
    ) -> Result<BudgetAnswer, StoreError> {
        let now = self.now();
        let start = window_start(now);
        let hits = self.ports.budgets.hit(&AddressKey::of(client), start).await?;
        Ok(judge(hits, per_minute.get(), start, now))
    }
}
