//! Sessions: what a signed-in person holds between requests.

use crate::ids::{PracticeId, SessionId, UserId};
use crate::role::Grants;
use crate::token::TokenHash;
use crate::user::UserStatus;
use chrono::{DateTime, Duration, Utc};

/// How long sessions live.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionPolicy {
    /// A session unused this long ends (default 30 minutes).
    pub idle: Duration,
    /// A session ends this long after sign-in whatever its use (default 12 hours).
    pub absolute: Duration,
}

impl Default for SessionPolicy {
    fn default() -> Self {
        Self { idle: Duration::minutes(30), absolute: Duration::hours(12) }
    }
}

/// What a session may do. Only a [`SessionScope::Full`] session acts on
/// the user's grants; the others are steps of signing in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SessionScope {
    /// Everything the user's grants allow.
    Full,
    /// Nothing but changing the password (a one-time password was used).
    PasswordChange,
    /// Nothing but presenting a second factor: the password was right and a
    /// factor is enrolled. Lives [`SECOND_STEP_MINUTES`] minutes.
    SecondFactor,
    /// Nothing but enrolling a second factor: the user's role or practice
    /// requires one and they have none yet.
    Enrolment,
}

impl SessionScope {
    /// The scope's name, as stored and shown in the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Full => "full",
            Self::PasswordChange => "password_change",
            Self::SecondFactor => "second_factor",
            Self::Enrolment => "enrolment",
        }
    }

    /// The scope of a stored name.
    pub fn parse(name: &str) -> Option<Self> {
        [Self::Full, Self::PasswordChange, Self::SecondFactor, Self::Enrolment]
            .into_iter()
            .find(|s| s.as_str() == name)
    }
}

impl std::fmt::Display for SessionScope {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Minutes a session waiting for the second factor lives.
pub const SECOND_STEP_MINUTES: i64 = 5;

/// A session as stored: only the hash of its token is kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// Its id.
    pub id: SessionId,
    /// The practice of the user.
    pub practice: PracticeId,
    /// Who is signed in.
    pub user: UserId,
    /// SHA-256 of the token.
    pub token_hash: TokenHash,
    /// When it began.
    pub created_at: DateTime<Utc>,
    /// When it was last used.
    pub last_seen_at: DateTime<Utc>,
    /// When it ends whatever its use.
    pub expires_at: DateTime<Utc>,
    /// What the session may do.
    pub scope: SessionScope,
    /// When its holder last typed their password (at sign-in, or to confirm
    /// it before managing their second factors).
    pub password_at: DateTime<Utc>,
    /// When it was ended (sign-out, sign-out-all, deactivation, password change).
    pub ended_at: Option<DateTime<Utc>>,
}

impl Session {
    /// Whether the session still works at `now` under `policy`.
    pub fn is_live(&self, now: DateTime<Utc>, policy: &SessionPolicy) -> bool {
        self.ended_at.is_none() && now < self.expires_at && now < self.last_seen_at + policy.idle
    }
}

/// Everything checking a presented session token needs, read together in
/// one go ([`crate::ports::Store::check_session`]): the session, its user's
/// status, and the grants of the user's role and profiles as they are at
/// the moment of reading.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionCheck {
    /// The session (whether it may only change the password included).
    pub session: Session,
    /// Its user's status now.
    pub user_status: UserStatus,
    /// Its user's role ∪ profiles now.
    pub grants: Grants,
}
