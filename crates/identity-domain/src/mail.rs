//! Emails the domain asks to send. The domain writes typed messages to the
//! outbox in the same unit of work as the change that causes them; the mail
//! adapter renders and delivers them.

use crate::email::EmailAddress;
use crate::ids::{EmailId, PracticeId};
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
        /// The site that recorded them.
        site_name: String,
        /// The link token.
        token: MailSecret,
        /// When the link stops working.
        expires_at: DateTime<Utc>,
    },
}

impl Message {
    /// The message's kind, for listings and templates.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Welcome { .. } => "welcome",
            Self::Invitation { .. } => "invitation",
            Self::Recovery { .. } => "recovery",
            Self::GeneratedPassword { .. } => "generated_password",
            Self::EmailChanged { .. } => "email_changed",
            Self::PartyInvitation { .. } => "party_invitation",
        }
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
            | Self::PartyInvitation { token, .. } => *token = blank(),
            Self::GeneratedPassword { password, .. } => *password = blank(),
            Self::Welcome { .. } | Self::EmailChanged { .. } => {}
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
