//! Single-use links sent by email: invitations and password recovery.

use crate::ids::{LinkId, PartyId, PracticeId, UserId};
use crate::token::TokenHash;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// What a link is for; a link works only for its own purpose.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkPurpose {
    /// Join the practice: set a first password and become active.
    Invitation,
    /// Choose a new password after forgetting it or an admin reset.
    Recovery,
    /// A party's invitation to create a portal account.
    PartyInvitation,
}

impl LinkPurpose {
    /// The storage name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Invitation => "invitation",
            Self::Recovery => "recovery",
            Self::PartyInvitation => "party_invitation",
        }
    }

    /// Parses a storage name.
    pub fn parse(s: &str) -> Option<Self> {
        [Self::Invitation, Self::Recovery, Self::PartyInvitation].into_iter().find(|p| p.as_str() == s)
    }
}

/// Whom a link is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "id")]
pub enum LinkSubject {
    /// A staff user.
    User(UserId),
    /// A party.
    Party(PartyId),
}

/// A link as stored: only the hash of its token is kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    /// Its id.
    pub id: LinkId,
    /// The practice it is bound to.
    pub practice: PracticeId,
    /// What it is for.
    pub purpose: LinkPurpose,
    /// Whom it is for.
    pub subject: LinkSubject,
    /// SHA-256 of the token.
    pub token_hash: TokenHash,
    /// When it was issued.
    pub created_at: DateTime<Utc>,
    /// When it stops working.
    pub expires_at: DateTime<Utc>,
    /// When it was used; a link works once.
    pub used_at: Option<DateTime<Utc>>,
    /// When it was voided (a newer link, a deactivation, an admin reset).
    pub voided_at: Option<DateTime<Utc>>,
}

impl Link {
    /// Whether the link can still be used at `now`.
    pub fn is_live(&self, now: DateTime<Utc>) -> bool {
        self.used_at.is_none() && self.voided_at.is_none() && now < self.expires_at
    }
}
