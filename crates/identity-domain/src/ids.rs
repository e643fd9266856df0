//! Typed identifiers. Every record is addressed by a UUIDv7 wrapped in a type
//! of its own, so a case id can never be passed where a user id is expected.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use uuid::Uuid;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(Uuid);

        impl $name {
            /// Wraps an existing UUID (read back from storage or a request path).
            pub const fn from_uuid(uuid: Uuid) -> Self {
                Self(uuid)
            }

            /// The UUID inside.
            pub const fn as_uuid(&self) -> Uuid {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = uuid::Error;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self)
            }
        }

        impl From<Uuid> for $name {
            fn from(uuid: Uuid) -> Self {
                Self(uuid)
            }
        }
    };
}

id_type!(
    /// Identifies a practice (the tenant).
    PracticeId
);
id_type!(
    /// Identifies a staff user.
    UserId
);
id_type!(
    /// Identifies a role.
    RoleId
);
id_type!(
    /// Identifies a profile.
    ProfileId
);
id_type!(
    /// Identifies a site (office or campus).
    SiteId
);
id_type!(
    /// Identifies a party (student, witness, client…).
    PartyId
);
id_type!(
    /// Identifies a case.
    CaseId
);
id_type!(
    /// Identifies a session (not its token: the token is a secret).
    SessionId
);
id_type!(
    /// Identifies an invitation or recovery link (not its token).
    LinkId
);
id_type!(
    /// Identifies an audit entry; UUIDv7 ids sort in the order entries were written.
    AuditId
);
id_type!(
    /// Identifies an email in the outbox.
    EmailId
);
id_type!(
    /// Identifies a second factor of a user (a TOTP authenticator).
    FactorId
);
