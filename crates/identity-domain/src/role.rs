//! Roles (exactly one per user) and profiles (zero or more per user), and the
//! built-in ones every practice starts with.

use crate::ids::{PracticeId, ProfileId, RoleId};
use crate::permission::{Permission, PermissionSet};
use crate::person::Label;
use serde::{Deserialize, Serialize};

/// A role: a user's baseline set of permissions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Role {
    /// Its id.
    pub id: RoleId,
    /// The practice it belongs to.
    pub practice: PracticeId,
    /// Its name, unique within the practice.
    pub name: Label,
    /// What it allows.
    pub permissions: PermissionSet,
    /// A bypass role (Super Admin) passes every permission check inside its
    /// practice. Only the built-in Super Admin role has it.
    pub bypass: bool,
    /// Built-in roles cannot be renamed or have their permissions changed.
    pub builtin: bool,
    /// Its holders must have a second factor: one who has none is asked to
    /// enrol one right after the password (on by default for Super Admin
    /// and Administrator in a new practice).
    #[serde(default)]
    pub second_factor_required: bool,
}

/// A profile: permissions added on top of a user's role.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Profile {
    /// Its id.
    pub id: ProfileId,
    /// The practice it belongs to.
    pub practice: PracticeId,
    /// Its name, unique within the practice.
    pub name: Label,
    /// What it adds.
    pub permissions: PermissionSet,
    /// Built-in profiles cannot be renamed or have their permissions changed.
    pub builtin: bool,
}

/// A built-in role or profile, before it is given ids in a practice.
#[derive(Debug, Clone, Copy)]
pub struct Builtin {
    /// Its name.
    pub name: &'static str,
    /// What it grants.
    pub permissions: &'static [Permission],
    /// Whether it is a bypass (Super Admin) role.
    pub bypass: bool,
    /// Whether, as a role, it requires a second factor in a new practice.
    pub second_factor_required: bool,
}

/// The name of the built-in bypass role.
pub const SUPER_ADMIN: &str = "Super Admin";

use Permission as P;

/// The roles every practice starts with.
pub const BUILTIN_ROLES: &[Builtin] = &[
    Builtin { name: SUPER_ADMIN, permissions: &[], bypass: true, second_factor_required: true },
    // Everything but the bypass: an Administrator onboards consultants,
    // paralegals and accountants, and may only grant what it holds.
    Builtin {
        name: "Administrator",
        permissions: Permission::ALL,
        bypass: false,
        second_factor_required: true,
    },
    Builtin {
        name: "RCIC Consultant",
        permissions: &[
            P::UsersRead,
            P::CasesRead,
            P::CasesOwn,
            P::PartiesManage,
            P::PartiesInvite,
            P::InvoicesRead,
        ],
        bypass: false,
        second_factor_required: false,
    },
    Builtin {
        name: "Paralegal",
        permissions: &[P::UsersRead, P::CasesRead, P::CasesOwn, P::PartiesManage],
        bypass: false,
        second_factor_required: false,
    },
    Builtin {
        name: "Accountant",
        permissions: &[
            P::UsersRead,
            P::CasesRead,
            P::InvoicesRead,
            P::InvoicesWrite,
            P::PaymentsRead,
            P::PaymentsWrite,
        ],
        bypass: false,
        second_factor_required: false,
    },
];

/// The profiles every practice starts with.
pub const BUILTIN_PROFILES: &[Builtin] = &[Builtin {
    name: "Collections",
    permissions: &[P::InvoicesRead, P::InvoicesWrite, P::PaymentsRead, P::PaymentsWrite],
    bypass: false,
    second_factor_required: false,
}];

impl Builtin {
    /// Its permissions as a set.
    pub fn permission_set(&self) -> PermissionSet {
        self.permissions.iter().copied().collect()
    }
}

/// What a user may do: the union of their role's and profiles' permissions,
/// or everything when the role bypasses checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Grants {
    /// Role ∪ profiles.
    pub permissions: PermissionSet,
    /// Whether the role is a bypass (Super Admin) role.
    pub bypass: bool,
}

impl Grants {
    /// The grants of a role with some profiles.
    pub fn of<'a>(role: &Role, profiles: impl IntoIterator<Item = &'a Profile>) -> Self {
        let permissions = profiles.into_iter().fold(role.permissions, |acc, p| acc.union(p.permissions));
        Self { permissions, bypass: role.bypass }
    }

    /// Whether these grants allow `p`.
    pub fn allows(&self, p: Permission) -> bool {
        self.bypass || self.permissions.contains(p)
    }

    /// Whether a holder of these grants may act on the account of a holder
    /// of `target` (edit it, reset its password, end its sessions…): a
    /// Super Admin may act on anyone of its practice; anyone else only on an
    /// account that is not a Super Admin's and whose every permission they
    /// hold too.
    pub fn may_act_on(&self, target: &Grants) -> bool {
        self.bypass || (!target.bypass && target.permissions.is_subset(self.permissions))
    }

    /// Whether these grants cover every permission of `set` (a holder may
    /// only hand out what they hold).
    pub fn covers(&self, set: PermissionSet) -> bool {
        self.bypass || set.is_subset(self.permissions)
    }
}
