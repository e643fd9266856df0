//! The fixed permission catalogue and sets of permissions.
//!
//! Permissions are an enum; their dotted names (`users.read`) exist only at
//! the edges, for storage and for clients.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

macro_rules! catalogue {
    ($($variant:ident => $name:literal : $doc:literal,)*) => {
        /// One permission of the catalogue.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(into = "&'static str", try_from = "String")]
        #[repr(u8)]
        pub enum Permission {
            $(#[doc = $doc] $variant,)*
        }

        impl Permission {
            /// Every permission, in catalogue order.
            pub const ALL: &'static [Permission] = &[$(Permission::$variant,)*];

            /// The dotted name, e.g. `users.read`.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(Permission::$variant => $name,)*
                }
            }
        }

        impl FromStr for Permission {
            type Err = UnknownPermission;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($name => Ok(Permission::$variant),)*
                    _ => Err(UnknownPermission(s.to_owned())),
                }
            }
        }
    };
}

catalogue! {
    UsersRead => "users.read": "See users and their details.",
    UsersCreate => "users.create": "Create users, by password or invitation; resend or revoke invitations.",
    UsersUpdate => "users.update": "Edit users' names, contact details, language, time zone and sites.",
    UsersUpdateEmail => "users.update_email": "Change a user's email (sign-in name).",
    UsersAssignRoles => "users.assign_roles": "Change a user's role and profiles.",
    UsersDeactivate => "users.deactivate": "Deactivate and reactivate users.",
    UsersResetPassword => "users.reset_password": "Reset a user's password, in any of the three modes.",
    UsersSignOut => "users.sign_out": "Sign a user out of all their sessions.",
    UsersExport => "users.export": "Download the users list.",
    UsersNotes => "users.notes": "Read and write admin-only notes on users.",
    RolesManage => "roles.manage": "Create and edit roles and profiles.",
    CasesRead => "cases.read": "See cases and who owns them.",
    CasesOwn => "cases.own": "Be the owner of cases.",
    CasesAssign => "cases.assign": "Create, assign, reassign and close cases.",
    PartiesManage => "parties.manage": "Record and edit parties.",
    PartiesInvite => "parties.invite": "Invite parties to the portal.",
    SitesManage => "sites.manage": "Create and edit sites.",
    InvoicesRead => "invoices.read": "See invoices.",
    InvoicesWrite => "invoices.write": "Write invoices.",
    PaymentsRead => "payments.read": "See payments.",
    PaymentsWrite => "payments.write": "Record payments.",
    AuditRead => "audit.read": "Read the audit log.",
    SettingsManage => "settings.manage": "Change practice settings and see the outbox.",
}

/// A name that is not in the catalogue.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown permission {0:?}")]
pub struct UnknownPermission(pub String);

impl fmt::Display for Permission {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl From<Permission> for &'static str {
    fn from(p: Permission) -> Self {
        p.as_str()
    }
}

impl TryFrom<String> for Permission {
    type Error = UnknownPermission;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        value.parse()
    }
}

/// A set of permissions (a bit set over the catalogue).
///
/// ```
/// use identity_domain::{Permission, PermissionSet};
/// let role = PermissionSet::from_iter([Permission::UsersRead]);
/// let profile = PermissionSet::from_iter([Permission::InvoicesRead]);
/// let effective = role.union(profile);
/// assert!(effective.contains(Permission::InvoicesRead));
/// assert!(!effective.contains(Permission::UsersCreate));
/// ```
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(into = "Vec<Permission>", from = "Vec<Permission>")]
pub struct PermissionSet(u64);

const _: () = assert!(Permission::ALL.len() <= 64, "PermissionSet is a u64");

impl PermissionSet {
    /// No permission.
    pub const EMPTY: Self = Self(0);

    /// Every permission of the catalogue.
    pub fn all() -> Self {
        Permission::ALL.iter().copied().collect()
    }

    const fn bit(p: Permission) -> u64 {
        1 << (p as u8)
    }

    /// Whether `p` is in the set.
    pub const fn contains(self, p: Permission) -> bool {
        self.0 & Self::bit(p) != 0
    }

    /// Adds `p`.
    pub fn insert(&mut self, p: Permission) {
        self.0 |= Self::bit(p);
    }

    /// Both sets together.
    #[must_use]
    pub const fn union(self, other: Self) -> Self {
        Self(self.0 | other.0)
    }

    /// Whether every permission of `self` is in `other`.
    pub const fn is_subset(self, other: Self) -> bool {
        self.0 & !other.0 == 0
    }

    /// The permissions of `self` that are not in `other`.
    #[must_use]
    pub const fn difference(self, other: Self) -> Self {
        Self(self.0 & !other.0)
    }

    /// Whether the set is empty.
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The permissions, in catalogue order.
    pub fn iter(self) -> impl Iterator<Item = Permission> {
        Permission::ALL.iter().copied().filter(move |p| self.contains(*p))
    }
}

impl FromIterator<Permission> for PermissionSet {
    fn from_iter<I: IntoIterator<Item = Permission>>(iter: I) -> Self {
        let mut set = Self::EMPTY;
        for p in iter {
            set.insert(p);
        }
        set
    }
}

impl From<Vec<Permission>> for PermissionSet {
    fn from(v: Vec<Permission>) -> Self {
        v.into_iter().collect()
    }
}

impl From<PermissionSet> for Vec<Permission> {
    fn from(set: PermissionSet) -> Self {
        set.iter().collect()
    }
}

impl fmt::Display for PermissionSet {
    /// The dotted names, comma-separated.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.iter().map(Permission::as_str).collect();
        f.write_str(&names.join(", "))
    }
}

impl fmt::Debug for PermissionSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.iter().map(Permission::as_str)).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for p in Permission::ALL {
            assert_eq!(p.as_str().parse::<Permission>(), Ok(*p));
        }
        assert!("users.delete".parse::<Permission>().is_err());
    }

    #[test]
    fn set_serialises_as_names() {
        let set = PermissionSet::from_iter([Permission::CasesOwn, Permission::UsersRead]);
        let json = serde_json::to_string(&set).unwrap();
        assert_eq!(json, r#"["users.read","cases.own"]"#);
        assert_eq!(serde_json::from_str::<PermissionSet>(&json).unwrap(), set);
    }
}
