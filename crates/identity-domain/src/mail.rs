//! Emails the domain asks to send. The domain writes typed messages to the
//! outbox in the same unit of work as the change that causes them; the mail
//! adapter renders and delivers them.

use crate::email::EmailAddress;
use crate::ids::{EmailId, PracticeId};
use crate::listing::MAX_PAGE_SIZE;
use crate::person::{Language, TimeZone};
use chrono::{DateTime, Utc};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// A secret an email must carry (a link token, a generated password).
///
/// It is kept in the outbox only until the email is delivered: delivery
/// stores [`Message::without_secrets`] in its place. Its `Debug` shows
/// nothing; serialising it (for the outbox row) writes the secret.
#[derive(Clone)]
pub struct MailSecret(SecretString);

impl MailSecret {
    /// Wraps a secret.
    pub fn new(secret: &str) -> Self {
        Self(SecretString::from(secret.to_owned()))
    }

    /// The secret, for rendering the email.
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }
}

impl fmt::Debug for MailSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("MailSecret(<redacted>)")
    }
}

impl PartialEq for MailSecret {
    fn eq(&self, other: &Self) -> bool {
        self.expose() == other.expose()
    }
}
impl Eq for MailSecret {}

impl Serialize for MailSecret {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.expose())
    }
}

impl<'de> Deserialize<'de> for MailSecret {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(|s| Self(SecretString::from(s)))
    }
}

/// What an email says, before rendering.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Message {
    /// A new account with a password: how to sign in.
    Welcome {
        /// The practice slug to type at sign-in.
        practice_slug: String,
        /// The email to type at sign-in.
        sign_in_email: String,
        /// Whether the password must be changed at first sign-in.
        must_change_password: bool,
        /// When the one-time password stops working if unused.
        #[serde(default)]
        password_expires_at: Option<DateTime<Utc>>,
    },
    /// Join the practice by choosing a password.
    Invitation {
        /// The practice slug to type at sign-in once joined (empty in
        /// emails queued before it was written).
        #[serde(default)]
        practice_slug: String,
        /// Who invited them.
        inviter_name: String,
        /// The link token.
        token: MailSecret,
        /// When the link stops working.
        expires_at: DateTime<Utc>,
    },
    /// Choose a new password.
    Recovery {
        /// The link token.
        token: MailSecret,
        /// When the link stops working.
        expires_at: DateTime<Utc>,
    },
    /// An administrator generated a new password.
    GeneratedPassword {
        /// The practice slug to type at sign-in.
        practice_slug: String,
        /// The one-time password.
        password: MailSecret,
        /// When it stops working if unused.
        expires_at: DateTime<Utc>,
    },
    /// Sent to the old address when a user's email changes.
    EmailChanged {
        /// The old address.
        old_email: String,
        /// The new address.
        new_email: String,
        /// When it changed.
        changed_at: DateTime<Utc>,
    },
    /// A party is invited to create a portal account.
    PartyInvitation {
        /// The practice slug to type at the portal's sign-in (empty in
        /// emails queued before it was written).
        #[serde(default)]
        practice_slug: String,
        /// The site that recorded them.
        site_name: String,
        /// The link token.
        token: MailSecret,
        /// When the link stops working.
        expires_at: DateTime<Utc>,
    },
    /// A party chooses a new portal password.
    PartyRecovery {
        /// The practice slug to type at the portal's sign-in (empty in
        /// emails queued before it was written).
        #[serde(default)]
        practice_slug: String,
        /// The link token.
        token: MailSecret,
        /// When the link stops working.
        expires_at: DateTime<Utc>,
    },
    /// A user's second factors changed: one added or removed by them, or
    /// all reset by an administrator.
    SecondFactorChanged {
        /// What changed.
        change: FactorChange,
        /// When.
        changed_at: DateTime<Utc>,
    },
    /// A party's portal password was changed (by them, or through a
    /// recovery link).
    PartyPasswordChanged {
        /// The practice slug to type at the portal's sign-in.
        practice_slug: String,
        /// When it changed.
        changed_at: DateTime<Utc>,
    },
    /// A party's portal second factors changed: one added or removed by
    /// them, or all reset by an administrator.
    PartySecondFactorChanged {
        /// The practice slug to type at the portal's sign-in.
        practice_slug: String,
        /// What changed.
        change: FactorChange,
        /// When.
        changed_at: DateTime<Utc>,
    },
}

/// How a user's second factors changed, as their email tells it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "what")]
pub enum FactorChange {
    /// They added a factor.
    Added {
        /// Its name.
        name: String,
    },
    /// They removed a factor.
    Removed {
        /// Its name.
        name: String,
    },
    /// An administrator removed all of them.
    Reset,
}

/// What kind of email a [`Message`] is, for filters and listings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum MessageKind {
    /// [`Message::Welcome`].
    Welcome,
    /// [`Message::Invitation`].
    Invitation,
    /// [`Message::Recovery`].
    Recovery,
    /// [`Message::GeneratedPassword`].
    GeneratedPassword,
    /// [`Message::EmailChanged`].
    EmailChanged,
    /// [`Message::PartyInvitation`].
    PartyInvitation,
    /// [`Message::PartyRecovery`].
    PartyRecovery,
    /// [`Message::PartyPasswordChanged`].
    PartyPasswordChanged,
    /// [`Message::SecondFactorChanged`].
    SecondFactorChanged,
    /// [`Message::PartySecondFactorChanged`].
    PartySecondFactorChanged,
}

impl MessageKind {
    /// Every kind.
    pub const ALL: [Self; 10] = [
        Self::Welcome,
        Self::Invitation,
        Self::Recovery,
        Self::GeneratedPassword,
        Self::EmailChanged,
        Self::PartyInvitation,
        Self::PartyRecovery,
        Self::PartyPasswordChanged,
        Self::SecondFactorChanged,
        Self::PartySecondFactorChanged,
    ];

    /// The storage and API name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Welcome => "welcome",
            Self::Invitation => "invitation",
            Self::Recovery => "recovery",
            Self::GeneratedPassword => "generated_password",
            Self::EmailChanged => "email_changed",
            Self::PartyInvitation => "party_invitation",
            Self::PartyRecovery => "party_recovery",
            Self::PartyPasswordChanged => "party_password_changed",
            Self::SecondFactorChanged => "second_factor_changed",
            Self::PartySecondFactorChanged => "party_second_factor_changed",
        }
    }

    /// Parses a storage or API name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Whether emails of this kind carry a secret (a link token or a
    /// one-time password). Such an email cannot be retried once it failed:
    /// its secret was removed when it was given up.
    pub const fn carries_secret(self) -> bool {
        match self {
            Self::Invitation
            | Self::Recovery
            | Self::GeneratedPassword
            | Self::PartyInvitation
            | Self::PartyRecovery => true,
            Self::Welcome
            | Self::EmailChanged
            | Self::PartyPasswordChanged
            | Self::SecondFactorChanged
            | Self::PartySecondFactorChanged => false,
        }
    }

    /// The kinds an administrator may retry after they failed.
    pub fn retryable() -> Vec<Self> {
        Self::ALL.into_iter().filter(|k| !k.carries_secret()).collect()
    }
}

impl Message {
    /// The message's kind.
    pub const fn message_kind(&self) -> MessageKind {
        match self {
            Self::Welcome { .. } => MessageKind::Welcome,
            Self::Invitation { .. } => MessageKind::Invitation,
            Self::Recovery { .. } => MessageKind::Recovery,
            Self::GeneratedPassword { .. } => MessageKind::GeneratedPassword,
            Self::EmailChanged { .. } => MessageKind::EmailChanged,
            Self::PartyInvitation { .. } => MessageKind::PartyInvitation,
            Self::PartyRecovery { .. } => MessageKind::PartyRecovery,
            Self::PartyPasswordChanged { .. } => MessageKind::PartyPasswordChanged,
            Self::SecondFactorChanged { .. } => MessageKind::SecondFactorChanged,
            Self::PartySecondFactorChanged { .. } => MessageKind::PartySecondFactorChanged,
        }
    }

    /// The message's kind by name, for listings and templates.
    pub const fn kind(&self) -> &'static str {
        self.message_kind().as_str()
    }

    /// The message with every secret blanked: what the outbox keeps once
    /// the email is delivered or given up.
    #[must_use]
    pub fn without_secrets(&self) -> Self {
        let blank = || MailSecret::new("");
        let mut copy = self.clone();
        match &mut copy {
            Self::Invitation { token, .. }
            | Self::Recovery { token, .. }
            | Self::PartyInvitation { token, .. }
            | Self::PartyRecovery { token, .. } => *token = blank(),
            Self::GeneratedPassword { password, .. } => *password = blank(),
            Self::Welcome { .. }
            | Self::EmailChanged { .. }
            | Self::PartyPasswordChanged { .. }
            | Self::SecondFactorChanged { .. }
            | Self::PartySecondFactorChanged { .. } => {}
        }
        copy
    }
}

/// Where an email is in its delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryStatus {
    /// Waiting for (another) attempt.
    Pending,
    /// Delivered to the mail server.
    Sent,
    /// Given up after the last attempt.
    Failed,
}

impl DeliveryStatus {
    /// The storage and API name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Sent => "sent",
            Self::Failed => "failed",
        }
    }

    /// Parses a storage or API name.
    pub fn parse(s: &str) -> Option<Self> {
        [Self::Pending, Self::Sent, Self::Failed].into_iter().find(|st| st.as_str() == s)
    }
}

/// An email in the outbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxEmail {
    /// Its id.
    pub id: EmailId,
    /// The practice it belongs to.
    pub practice: PracticeId,
    /// The practice's name, for the email's greeting and signature.
    pub practice_name: String,
    /// The recipient: always an address stored for the user or party,
    /// never one typed in a request.
    pub to: EmailAddress,
    /// The recipient's name.
    pub recipient_name: String,
    /// The language to write in.
    pub language: Language,
    /// The time zone to show times in.
    pub time_zone: TimeZone,
    /// What it says.
    pub message: Message,
    /// When it was queued.
    pub created_at: DateTime<Utc>,
    /// Where it is in its delivery.
    pub status: DeliveryStatus,
    /// Attempts made so far.
    pub attempts: u32,
    /// When the next attempt is due.
    pub next_attempt_at: DateTime<Utc>,
    /// The last delivery error, for administrators.
    pub last_error: Option<String>,
    /// When it was delivered.
    pub sent_at: Option<DateTime<Utc>>,
}

/// Which worker holds a claim on outbox emails. It stays the same across
/// restarts of one server process (by default the host's name), so a
/// process that restarts after a crash takes back its own claims at once
/// instead of waiting for their lease to run out. Two processes that run at
/// the same time MUST have different identities.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct WorkerId(String);

impl WorkerId {
    /// A worker identity: trimmed, 1 to 200 characters.
    ///
    /// # Errors
    /// A reason when it is empty or longer than 200 characters.
    pub fn parse(name: &str) -> Result<Self, &'static str> {
        let name = name.trim();
        if name.is_empty() {
            return Err("a worker identity cannot be empty");
        }
        if name.chars().count() > 200 {
            return Err("a worker identity has at most 200 characters");
        }
        Ok(Self(name.to_owned()))
    }

    /// The identity as stored.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Default for WorkerId {
    /// `identity-server`, for a host without a usable name.
    fn default() -> Self {
        Self("identity-server".to_owned())
    }
}

impl fmt::Display for WorkerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The token of one claim: settling or releasing an email needs the token
/// of the claim that holds it, so a worker whose lease ran out (and whose
/// email another worker claimed since) cannot record an outcome for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ClaimToken(uuid::Uuid);

impl ClaimToken {
    /// A token from its stored form.
    pub const fn from_uuid(id: uuid::Uuid) -> Self {
        Self(id)
    }

    /// The stored form.
    pub const fn as_uuid(self) -> uuid::Uuid {
        self.0
    }
}

/// An email handed to a worker by [`crate::OutboxQueue::claim_due`], with
/// the token of that claim.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimedEmail {
    /// The email, with its secrets.
    pub email: OutboxEmail,
    /// The claim that holds it.
    pub claim: ClaimToken,
}

/// Which outbox emails to list: filters and a cursor, newest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxQuery {
    /// Only emails in this state.
    pub status: Option<DeliveryStatus>,
    /// Only emails to this address.
    pub recipient: Option<EmailAddress>,
    /// Only emails of this kind.
    pub kind: Option<MessageKind>,
    /// Only emails older than this one (the previous page's cursor).
    pub before: Option<EmailId>,
    /// At most this many, 1 to [`MAX_PAGE_SIZE`].
    pub limit: u32,
}

impl Default for OutboxQuery {
    fn default() -> Self {
        Self { status: None, recipient: None, kind: None, before: None, limit: 50 }
    }
}

impl OutboxQuery {
    /// Whether `email` passes the filters (not the cursor).
    pub fn matches(&self, email: &OutboxEmail) -> bool {
        self.status.is_none_or(|s| email.status == s)
            && self.recipient.as_ref().is_none_or(|r| &email.to == r)
            && self.kind.is_none_or(|k| email.message.message_kind() == k)
    }

    /// The limit, within 1 to [`MAX_PAGE_SIZE`].
    pub fn clamped_limit(&self) -> u32 {
        self.limit.clamp(1, MAX_PAGE_SIZE)
    }
}

/// How many of a practice's emails are in each state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxCounts {
    /// Waiting for (another) attempt.
    pub pending: u64,
    /// Delivered.
    pub sent: u64,
    /// Given up.
    pub failed: u64,
}
