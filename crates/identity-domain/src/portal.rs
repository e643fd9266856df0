//! The party portal: the accounts parties sign in with, their sessions,
//! and the parts parties take in cases.
//!
//! A portal account belongs to one party record, is never deleted, and
//! goes `invited` → `active` ⇄ `inactive`. Its password, throttle and lock
//! follow the staff rules ([`crate::ThrottlePolicy`], the practice's
//! [`crate::PasswordPolicy`]); its sessions are kept apart from staff
//! sessions, so a portal token is unknown to staff authentication and a
//! staff token unknown to the portal's.

use crate::email::EmailAddress;
use crate::ids::{CaseId, PartyId, PracticeId, SessionId};
use crate::password::PasswordHash;
use crate::person::TimeZone;
use crate::session::{SessionPolicy, SessionScope};
use crate::token::TokenHash;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;

/// Where a portal account stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PortalAccountStatus {
    /// Invited; the party has not chosen a password yet.
    Invited,
    /// The party can sign in.
    Active,
    /// Portal access withdrawn by an administrator; nothing works until it
    /// is reactivated.
    Inactive,
}

impl PortalAccountStatus {
    /// The status an account must have for a party link of `purpose` to
    /// be used: an invitation is for an account still invited, a recovery
    /// link for an active one; `None` for a staff link.
    pub const fn waiting_for(purpose: crate::link::LinkPurpose) -> Option<Self> {
        match purpose {
            crate::link::LinkPurpose::PartyInvitation => Some(Self::Invited),
            crate::link::LinkPurpose::Recovery => Some(Self::Active),
            crate::link::LinkPurpose::Invitation => None,
        }
    }

    /// The storage name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Invited => "invited",
            Self::Active => "active",
            Self::Inactive => "inactive",
        }
    }

    /// Parses a storage name.
    pub fn parse(s: &str) -> Option<Self> {
        [Self::Invited, Self::Active, Self::Inactive].into_iter().find(|v| v.as_str() == s)
    }

    /// Whether the lifecycle allows going from `self` to `next`:
    /// `invited` → `active` ⇄ `inactive` (an invitation not yet accepted is
    /// revoked, not deactivated).
    pub const fn may_become(self, next: Self) -> bool {
        matches!(
            (self, next),
            (Self::Invited, Self::Active) | (Self::Active, Self::Inactive) | (Self::Inactive, Self::Active)
        )
    }
}

impl fmt::Display for PortalAccountStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A lifecycle change the rules do not allow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a portal account cannot go from {from} to {to}")]
pub struct IllegalPortalTransition {
    /// The status it has.
    pub from: PortalAccountStatus,
    /// The status asked for.
    pub to: PortalAccountStatus,
}

/// A party's portal account: its sign-in email, status, password and
/// failed sign-ins. One per party record, keyed by the party.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortalAccount {
    /// The party it belongs to.
    pub party: PartyId,
    /// The practice.
    pub practice: PracticeId,
    /// The sign-in email; unique among the practice's portal accounts and
    /// reserved for this party for ever once held.
    pub email: EmailAddress,
    /// Where it stands.
    pub status: PortalAccountStatus,
    /// The argon2id hash; `None` until the invitation is accepted.
    pub hash: Option<PasswordHash>,
    /// Consecutive failed sign-ins (and wrong current passwords).
    pub failed_attempts: u32,
    /// When the last failure happened.
    pub last_failure_at: Option<DateTime<Utc>>,
    /// Password sign-in refused until a recovery link is used.
    pub locked: bool,
    /// The time zone the party chose for their emails and pages; `None`
    /// follows their site's, else their practice's
    /// ([`crate::party_time_zone`]).
    pub time_zone: Option<TimeZone>,
    /// When the last invitation was sent.
    pub invited_at: Option<DateTime<Utc>>,
    /// When the password was last set.
    pub password_changed_at: Option<DateTime<Utc>>,
    /// The last successful sign-in.
    pub last_sign_in_at: Option<DateTime<Utc>>,
    /// When the account was opened.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

impl PortalAccount {
    /// A new account for an invited party.
    pub fn invited(practice: PracticeId, party: PartyId, email: EmailAddress, now: DateTime<Utc>) -> Self {
        Self {
            party,
            practice,
            email,
            status: PortalAccountStatus::Invited,
            hash: None,
            failed_attempts: 0,
            last_failure_at: None,
            locked: false,
            time_zone: None,
            invited_at: Some(now),
            password_changed_at: None,
            last_sign_in_at: None,
            created_at: now,
            updated_at: now,
        }
    }

    /// Moves the account to `next`.
    ///
    /// # Errors
    /// [`IllegalPortalTransition`] when the lifecycle forbids it; the
    /// account is unchanged.
    pub fn transition(
        &mut self,
        next: PortalAccountStatus,
        now: DateTime<Utc>,
    ) -> Result<(), IllegalPortalTransition> {
        if !self.status.may_become(next) {
            return Err(IllegalPortalTransition { from: self.status, to: next });
        }
        self.status = next;
        self.updated_at = now;
        Ok(())
    }

    /// Sets a password the party chose; clears the failure count and lock.
    pub fn set_password(&mut self, hash: PasswordHash, now: DateTime<Utc>) {
        self.hash = Some(hash);
        self.password_changed_at = Some(now);
        self.failed_attempts = 0;
        self.last_failure_at = None;
        self.locked = false;
        self.updated_at = now;
    }

    /// Counts a failed sign-in (or wrong current password), locking the
    /// account at `lock_after` consecutive failures.
    pub fn count_failure(&mut self, now: DateTime<Utc>, lock_after: u32) {
        self.failed_attempts = self.failed_attempts.saturating_add(1);
        self.last_failure_at = Some(now);
        if self.failed_attempts >= lock_after {
            self.locked = true;
        }
    }
}

/// A portal session: only the hash of its token is kept. Stored apart from
/// staff sessions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortalSession {
    /// Its id.
    pub id: SessionId,
    /// The practice.
    pub practice: PracticeId,
    /// The signed-in party.
    pub party: PartyId,
    /// SHA-256 of the token.
    pub token_hash: TokenHash,
    /// When it began.
    pub created_at: DateTime<Utc>,
    /// When it was last used.
    pub last_seen_at: DateTime<Utc>,
    /// When it ends whatever its use.
    pub expires_at: DateTime<Utc>,
    /// What it may do: [`SessionScope::Full`], or
    /// [`SessionScope::SecondFactor`] while it waits for the second factor
    /// of a party who enrolled one (then it expires within
    /// [`crate::session::SECOND_STEP_MINUTES`]).
    pub scope: SessionScope,
    /// When the password was last typed in it (at sign-in, or to confirm
    /// it before managing second factors).
    pub password_at: DateTime<Utc>,
    /// When it was ended (sign-out, deactivation, password change, an
    /// administrator).
    pub ended_at: Option<DateTime<Utc>>,
}

impl PortalSession {
    /// Whether the session still works at `now` under `policy` (the staff
    /// idle and absolute expiry).
    pub fn is_live(&self, now: DateTime<Utc>, policy: &SessionPolicy) -> bool {
        self.ended_at.is_none() && now < self.expires_at && now < self.last_seen_at + policy.idle
    }
}

/// A party's part in a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CasePart {
    /// The student the case is about.
    Student,
    /// Who complained.
    Complainant,
    /// A witness.
    Witness,
    /// The practice's client.
    Client,
    /// Any other part.
    Other,
}

impl CasePart {
    /// Every part.
    pub const ALL: [Self; 5] = [Self::Student, Self::Complainant, Self::Witness, Self::Client, Self::Other];

    /// The storage and API name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Student => "student",
            Self::Complainant => "complainant",
            Self::Witness => "witness",
            Self::Client => "client",
            Self::Other => "other",
        }
    }

    /// Parses a storage or API name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == s)
    }
}

/// A party taking part in a case. A party appears at most once per case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseParty {
    /// The practice.
    pub practice: PracticeId,
    /// The case.
    pub case: CaseId,
    /// The party.
    pub party: PartyId,
    /// Their part in it.
    pub part: CasePart,
    /// When they were added.
    pub added_at: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invited_accounts_become_active_and_active_ones_toggle() {
        use PortalAccountStatus::*;
        assert!(Invited.may_become(Active));
        assert!(Active.may_become(Inactive));
        assert!(Inactive.may_become(Active));
        assert!(!Active.may_become(Invited));
        assert!(!Inactive.may_become(Invited));
        assert!(!Invited.may_become(Inactive));
        assert!(!Active.may_become(Active));
    }

    #[test]
    fn parts_round_trip() {
        for part in CasePart::ALL {
            assert_eq!(CasePart::parse(part.as_str()), Some(part));
        }
    }
}
