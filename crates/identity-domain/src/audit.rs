//! The audit log: an append-only record of every change, sign-in and export.
//!
//! No secret (password, token, link, hash) is ever written to an entry; the
//! request id is checked so that input cannot forge a log line.

use crate::ids::{AuditId, CaseId, PartyId, PracticeId, ProfileId, RoleId, SiteId, UserId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;

/// Who did it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "id")]
pub enum Actor {
    /// A signed-in user (or one proving who they are: a sign-in, a link).
    User(UserId),
    /// The system itself (bootstrap, scheduled work).
    System,
    /// Someone not identified (a failed sign-in for an unknown email, a
    /// forgot-password request).
    Anonymous,
}

/// What it was done to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "id")]
pub enum Target {
    /// The practice itself.
    Practice(PracticeId),
    /// A user.
    User(UserId),
    /// A role.
    Role(RoleId),
    /// A profile.
    Profile(ProfileId),
    /// A site.
    Site(SiteId),
    /// A party.
    Party(PartyId),
    /// A case.
    Case(CaseId),
}

macro_rules! actions {
    ($($variant:ident => $name:literal,)*) => {
        /// What happened.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(into = "&'static str", try_from = "String")]
        pub enum AuditAction {
            $(#[doc = $name] $variant,)*
        }

        impl AuditAction {
            /// Every action.
            pub const ALL: &'static [AuditAction] = &[$(AuditAction::$variant,)*];

            /// The dotted name, e.g. `user.deactivated`.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(AuditAction::$variant => $name,)*
                }
            }

            /// Parses a dotted name.
            pub fn parse(s: &str) -> Option<Self> {
                match s {
                    $($name => Some(AuditAction::$variant),)*
                    _ => None,
                }
            }
        }
    };
}

actions! {
    PracticeCreated => "practice.created",
    SettingsChanged => "practice.settings_changed",
    UserCreated => "user.created",
    UserInvited => "user.invited",
    InvitationResent => "user.invitation_resent",
    InvitationRevoked => "user.invitation_revoked",
    InvitationAccepted => "user.invitation_accepted",
    UserUpdated => "user.updated",
    EmailChanged => "user.email_changed",
    AccessChanged => "user.access_changed",
    UserDeactivated => "user.deactivated",
    UserReactivated => "user.reactivated",
    PasswordReset => "user.password_reset",
    PasswordChanged => "user.password_changed",
    RecoveryRequested => "user.recovery_requested",
    PasswordRecovered => "user.password_recovered",
    SessionsEnded => "user.sessions_ended",
    FactorAdded => "user.factor_added",
    FactorRenamed => "user.factor_renamed",
    FactorRemoved => "user.factor_removed",
    FactorsReset => "user.factors_reset",
    RecoveryCodesRegenerated => "user.recovery_codes_regenerated",
    PasswordAccepted => "session.password_accepted",
    SignedIn => "session.signed_in",
    SignInFailed => "session.sign_in_failed",
    SecondFactorFailed => "session.second_factor_failed",
    RecoveryCodeUsed => "session.recovery_code_used",
    SignedOut => "session.signed_out",
    UsersExported => "users.exported",
    UsersSeeded => "users.seeded",
    RoleCreated => "role.created",
    RoleUpdated => "role.updated",
    ProfileCreated => "profile.created",
    ProfileUpdated => "profile.updated",
    SiteCreated => "site.created",
    SiteUpdated => "site.updated",
    PartyCreated => "party.created",
    PartyUpdated => "party.updated",
    PartyInvited => "party.invited",
    PortalInvitationRevoked => "party.portal_invitation_revoked",
    PortalJoined => "party.portal_joined",
    PortalDeactivated => "party.portal_deactivated",
    PortalReactivated => "party.portal_reactivated",
    PortalSessionsEnded => "party.portal_sessions_ended",
    PortalDetailsChanged => "party.portal_details_changed",
    PortalPasswordChanged => "party.portal_password_changed",
    PortalRecoveryRequested => "party.portal_recovery_requested",
    PortalRecoverySent => "party.portal_recovery_sent",
    PortalPasswordRecovered => "party.portal_password_recovered",
    PortalFactorAdded => "party.portal_factor_added",
    PortalFactorRenamed => "party.portal_factor_renamed",
    PortalFactorRemoved => "party.portal_factor_removed",
    PortalFactorsReset => "party.portal_factors_reset",
    PortalRecoveryCodesRegenerated => "party.portal_recovery_codes_regenerated",
    PortalPasswordAccepted => "portal.password_accepted",
    PortalSignedIn => "portal.signed_in",
    PortalSignInFailed => "portal.sign_in_failed",
    PortalSecondFactorFailed => "portal.second_factor_failed",
    PortalRecoveryCodeUsed => "portal.recovery_code_used",
    PortalSignedOut => "portal.signed_out",
    CasePartyAdded => "case.party_added",
    CasePartyRemoved => "case.party_removed",
    CaseCreated => "case.created",
    CaseAssigned => "case.assigned",
    CasesReassigned => "case.reassigned",
    CaseClosed => "case.closed",
    EmailsRetried => "outbox.retried",
}

impl From<AuditAction> for &'static str {
    fn from(a: AuditAction) -> Self {
        a.as_str()
    }
}

impl TryFrom<String> for AuditAction {
    type Error = String;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value).ok_or_else(|| format!("unknown audit action {value:?}"))
    }
}

impl fmt::Display for AuditAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A request id carried into the audit log: 1 to 64 characters of ASCII
/// letters, digits, `-`, `_`, `.` and `:`, so it can never break a log line.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct RequestId(String);

/// Why a request id was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a request id has 1 to 64 ASCII letters, digits, - _ . or :")]
pub struct RequestIdError;

impl RequestId {
    /// Checks a request id.
    ///
    /// # Errors
    /// [`RequestIdError`] for anything outside the alphabet above.
    pub fn parse(input: &str) -> Result<Self, RequestIdError> {
        let ok = (1..=64).contains(&input.len())
            && input.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.:".contains(&b));
        if ok { Ok(Self(input.to_owned())) } else { Err(RequestIdError) }
    }

    /// The id.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}
impl TryFrom<String> for RequestId {
    type Error = RequestIdError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}
impl From<RequestId> for String {
    fn from(value: RequestId) -> Self {
        value.0
    }
}

/// One entry of the audit log. Entries are appended, never updated or removed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// Its id; ids sort in the order entries were written.
    pub id: AuditId,
    /// The practice it belongs to.
    pub practice: PracticeId,
    /// When, in UTC.
    pub at: DateTime<Utc>,
    /// Who.
    pub actor: Actor,
    /// What.
    pub action: AuditAction,
    /// To what.
    pub target: Option<Target>,
    /// The request that did it.
    pub request_id: Option<RequestId>,
    /// The state before, where something changed.
    pub before: Option<serde_json::Value>,
    /// The state after, or details of the event.
    pub after: Option<serde_json::Value>,
}

/// Which audit entries to read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditQuery {
    /// Only this action.
    pub action: Option<AuditAction>,
    /// Only by this actor.
    pub actor: Option<Actor>,
    /// Only about this target.
    pub target: Option<Target>,
    /// Only at or after this time.
    pub since: Option<DateTime<Utc>>,
    /// Only before this time.
    pub until: Option<DateTime<Utc>>,
    /// Entries older than this one (newest first; keyset paging).
    pub before_id: Option<AuditId>,
    /// At most this many.
    pub limit: u32,
}
