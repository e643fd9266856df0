//! Per-client-address budgets: how many anonymous requests that check a
//! password or send an email (sign-in, forgot-password, link use) one
//! client address may make, across the API, the console and every server
//! process sharing the storage.
//!
//! The budget is counted in fixed one-minute windows ([`BUDGET_WINDOW`]):
//! the [`AddressBudgets`](crate::ports::AddressBudgets) port counts one hit
//! per request for the address's key in the current window, and the
//! request is allowed while the count stays within the budget; past it the
//! answer says how long until the window ends. An IPv4 client is counted
//! by its address, an IPv6 client by its /64 network (one machine is given
//! a whole /64, and could otherwise change address at every request).

use chrono::{DateTime, Duration, Utc};
use std::net::IpAddr;

/// The length of one counting window.
pub const BUDGET_WINDOW: Duration = Duration::minutes(1);

/// What a client address is counted under: `203.0.113.9`, or an IPv6
/// /64 network such as `2001:db8:1:2::/64`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AddressKey(String);

impl AddressKey {
    /// The key of a client address.
    pub fn of(address: IpAddr) -> Self {
        match address {
            IpAddr::V4(v4) => Self(v4.to_string()),
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => Self(v4.to_string()),
                None => {
                    let mut segments = v6.segments();
                    segments[4..].fill(0);
                    Self(format!("{}/64", std::net::Ipv6Addr::from(segments)))
                }
            },
        }
    }

    /// The key as text (at most 43 characters).
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The outcome of spending one request of an address's budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BudgetAnswer {
    /// Within the budget: go on.
    Allowed,
    /// The budget of this window is spent: try again in `retry_after_secs`
    /// (at least 1).
    Spent {
        /// Seconds until the window ends.
        retry_after_secs: u64,
    },
}

/// The start of the window `now` falls in.
pub fn window_start(now: DateTime<Utc>) -> DateTime<Utc> {
    let window = BUDGET_WINDOW.num_seconds();
    let start = now.timestamp().div_euclid(window) * window;
    DateTime::from_timestamp(start, 0).unwrap_or(now)
}

/// Whether `hits` (this request included) in the window that began at
/// `start` fit a budget of `per_window`, judged at `now`.
pub fn judge(hits: u64, per_window: u32, start: DateTime<Utc>, now: DateTime<Utc>) -> BudgetAnswer {
    if hits <= u64::from(per_window) {
        return BudgetAnswer::Allowed;
    }
    let left = (start + BUDGET_WINDOW - now).num_milliseconds().max(0);
    let retry_after_secs = u64::try_from(left.div_euclid(1000) + i64::from(left % 1000 != 0)).unwrap_or(1);
    BudgetAnswer::Spent { retry_after_secs: retry_after_secs.max(1) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn ipv6_clients_are_counted_by_their_64_and_mapped_ipv4_as_ipv4() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:bbbb::9".parse().unwrap();
        let c: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert_eq!(AddressKey::of(a), AddressKey::of(b));
        assert_ne!(AddressKey::of(a), AddressKey::of(c));
        assert_eq!(AddressKey::of(a).as_str(), "2001:db8:1:2::/64");
        let mapped: IpAddr = "::ffff:203.0.113.9".parse().unwrap();
        assert_eq!(AddressKey::of(mapped).as_str(), "203.0.113.9");
    }

    #[test]
    fn a_spent_budget_waits_for_the_end_of_its_window() {
        let now = Utc.with_ymd_and_hms(2026, 1, 5, 9, 0, 40).unwrap();
        let start = window_start(now);
        assert_eq!(start, Utc.with_ymd_and_hms(2026, 1, 5, 9, 0, 0).unwrap());
        assert_eq!(judge(3, 3, start, now), BudgetAnswer::Allowed);
        assert_eq!(judge(4, 3, start, now), BudgetAnswer::Spent { retry_after_secs: 20 });
        let late = start + Duration::milliseconds(59_999);
        assert_eq!(judge(4, 3, start, late), BudgetAnswer::Spent { retry_after_secs: 1 });
    }
}
