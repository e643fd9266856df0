//! What a unit of work read of each user, so that writing the user back
//! touches only the rows that follow from what changed.
//!
//! A user's search grams (`user_grams`) follow from its name key and email,
//! and its memberships (`user_profiles`, `user_sites`) are its own rows.
//! Rewriting them on every update (a delete and an insert of a few dozen
//! rows) made a status change or a phone number as costly as a rename. An
//! update is conditional on the version it replaces; when this unit of
//! work read the user at that very version, the stored grams and
//! memberships are those of what it read, so unchanged ones are left alone.

use crate::entity::users;
use identity_domain::{ProfileId, SiteId};
use std::collections::BTreeSet;

/// One user as read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ReadUser {
    /// The user's id.
    pub id: uuid::Uuid,
    /// The version read.
    pub version: i64,
    /// What the grams follow from.
    pub name_key: String,
    pub email_normalized: String,
    /// Its memberships.
    pub profiles: BTreeSet<ProfileId>,
    pub sites: BTreeSet<SiteId>,
}

impl ReadUser {
    pub(crate) fn of(row: &users::Model, profiles: &BTreeSet<ProfileId>, sites: &BTreeSet<SiteId>) -> Self {
        Self {
            id: row.id,
            version: row.version,
            name_key: row.name_key.clone(),
            email_normalized: row.email_normalized.clone(),
            profiles: profiles.clone(),
            sites: sites.clone(),
        }
    }
}

/// What an update must rewrite besides the user's row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Rewrite {
    pub grams: bool,
    pub memberships: bool,
}

impl Rewrite {
    /// Everything: nothing is known of the stored rows.
    pub(crate) const ALL: Self = Self { grams: true, memberships: true };

    /// What `after` changes of `read`, which must be the version `after`
    /// replaces (else everything).
    pub(crate) fn between(read: Option<&ReadUser>, after: &ReadUser, replaced: i64) -> Self {
        match read {
            Some(read) if read.version == replaced => Self {
                grams: read.name_key != after.name_key || read.email_normalized != after.email_normalized,
                memberships: read.profiles != after.profiles || read.sites != after.sites,
            },
            _ => Self::ALL,
        }
    }
}
