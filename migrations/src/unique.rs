//! Every unique index of the schema, by name, with the columns it covers and
//! what it guards: the one list the store reads to turn a unique violation
//! into the right error, and that a test holds to the database's catalog.
//!
//! PostgreSQL names the index in its error (`… unique constraint
//! "ux_users_practice_email"`); SQLite names its columns (`UNIQUE
//! constraint failed: users.practice_id, users.email_normalized`), and
//! primary keys there are `sqlite_autoindex_…`. [`UniqueIndex::named`] and
//! [`UniqueIndex::on`] find the entry either way. No two entries cover the
//! same columns of the same table.
//!
//! A migration that adds a unique index (or a table, with its primary key)
//! adds its entry here; the store's test
//! `the_list_of_unique_indexes_is_the_schemas` fails until it does.

/// What a unique index keeps from happening twice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Guards {
    /// A practice's slug names one practice.
    PracticeSlug,
    /// A role, profile or site name is used once within its practice.
    NameInPractice,
    /// An email address belongs to one user of a practice (now, or ever:
    /// `email_history`).
    EmailInPractice,
    /// A token's hash identifies one link or session.
    TokenHash,
    /// A record's identity: its primary key.
    RecordId,
    /// A party has one portal account, and takes part in a case once.
    OnePerParty,
    /// A passkey's credential id is registered once, to one user (or to
    /// one party).
    PasskeyCredential,
}

/// One unique index (or primary key) of the schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UniqueIndex {
    /// Its name on PostgreSQL (`<table>_pkey` for a primary key).
    pub name: &'static str,
    /// The table it belongs to.
    pub table: &'static str,
    /// The columns it covers, in order.
    pub columns: &'static [&'static str],
    /// What it guards.
    pub guards: Guards,
}

const fn entry(
    name: &'static str,
    table: &'static str,
    columns: &'static [&'static str],
    guards: Guards,
) -> UniqueIndex {
    UniqueIndex { name, table, columns, guards }
}

/// Every unique index and primary key the migrations create (sea-orm's own
/// `seaql_migrations` table aside).
pub const UNIQUE_INDEXES: &[UniqueIndex] = &[
    entry("practices_pkey", "practices", &["id"], Guards::RecordId),
    entry("ux_practices_slug", "practices", &["slug"], Guards::PracticeSlug),
    entry("roles_pkey", "roles", &["id"], Guards::RecordId),
    entry("ux_roles_practice_name", "roles", &["practice_id", "name"], Guards::NameInPractice),
    entry("profiles_pkey", "profiles", &["id"], Guards::RecordId),
    entry("ux_profiles_practice_name", "profiles", &["practice_id", "name"], Guards::NameInPractice),
    entry("sites_pkey", "sites", &["id"], Guards::RecordId),
    entry("ux_sites_practice_name", "sites", &["practice_id", "name"], Guards::NameInPractice),
    entry("users_pkey", "users", &["id"], Guards::RecordId),
    entry("ux_users_practice_email", "users", &["practice_id", "email_normalized"], Guards::EmailInPractice),
    entry("user_profiles_pkey", "user_profiles", &["user_id", "profile_id"], Guards::RecordId),
    entry("user_sites_pkey", "user_sites", &["user_id", "site_id"], Guards::RecordId),
    entry("user_grams_pkey", "user_grams", &["practice_id", "gram", "user_id"], Guards::RecordId),
    entry("email_history_pkey", "email_history", &["id"], Guards::RecordId),
    entry(
        "ux_email_history_practice_normalized_email",
        "email_history",
        &["practice_id", "normalized_email"],
        Guards::EmailInPractice,
    ),
    entry("parties_pkey", "parties", &["id"], Guards::RecordId),
    entry("cases_pkey", "cases", &["id"], Guards::RecordId),
    entry("credentials_pkey", "credentials", &["user_id"], Guards::RecordId),
    entry("links_pkey", "links", &["id"], Guards::RecordId),
    entry("ux_links_token_hash", "links", &["token_hash"], Guards::TokenHash),
    entry("sessions_pkey", "sessions", &["id"], Guards::RecordId),
    entry("user_factors_pkey", "user_factors", &["id"], Guards::RecordId),
    entry("recovery_codes_pkey", "recovery_codes", &["user_id", "code_hash"], Guards::RecordId),
    entry("ux_user_factors_credential_id", "user_factors", &["credential_id"], Guards::PasskeyCredential),
    entry("session_ceremonies_pkey", "session_ceremonies", &["session_id"], Guards::RecordId),
    entry("portal_factors_pkey", "portal_factors", &["id"], Guards::RecordId),
    entry("ux_portal_factors_credential_id", "portal_factors", &["credential_id"], Guards::PasskeyCredential),
    entry(
        "portal_recovery_codes_pkey",
        "portal_recovery_codes",
        &["party_id", "code_hash"],
        Guards::RecordId,
    ),
    entry("ux_sessions_token_hash", "sessions", &["token_hash"], Guards::TokenHash),
    entry("audit_log_pkey", "audit_log", &["id"], Guards::RecordId),
    entry("outbox_pkey", "outbox", &["id"], Guards::RecordId),
    entry("address_budgets_pkey", "address_budgets", &["address", "window_start"], Guards::RecordId),
    entry("portal_accounts_pkey", "portal_accounts", &["party_id"], Guards::OnePerParty),
    entry(
        "ux_portal_accounts_practice_email",
        "portal_accounts",
        &["practice_id", "email_normalized"],
        Guards::EmailInPractice,
    ),
    entry("portal_email_history_pkey", "portal_email_history", &["id"], Guards::RecordId),
    entry(
        "ux_portal_email_history_practice_normalized_email",
        "portal_email_history",
        &["practice_id", "normalized_email"],
        Guards::EmailInPractice,
    ),
    entry("portal_sessions_pkey", "portal_sessions", &["id"], Guards::RecordId),
    entry("ux_portal_sessions_token_hash", "portal_sessions", &["token_hash"], Guards::TokenHash),
    entry("case_parties_pkey", "case_parties", &["case_id", "party_id"], Guards::OnePerParty),
];

impl UniqueIndex {
    /// The index called `name` (as PostgreSQL reports it).
    #[must_use]
    pub fn named(name: &str) -> Option<&'static Self> {
        UNIQUE_INDEXES.iter().find(|index| index.name == name)
    }

    /// The index over exactly `columns` of `table`, in order (as SQLite
    /// reports it).
    #[must_use]
    pub fn on(table: &str, columns: &[&str]) -> Option<&'static Self> {
        UNIQUE_INDEXES.iter().find(|index| index.table == table && index.columns == columns)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn names_and_column_lists_are_each_used_once() {
        let names: HashSet<_> = UNIQUE_INDEXES.iter().map(|i| i.name).collect();
        assert_eq!(names.len(), UNIQUE_INDEXES.len());
        let columns: HashSet<_> = UNIQUE_INDEXES.iter().map(|i| (i.table, i.columns)).collect();
        assert_eq!(columns.len(), UNIQUE_INDEXES.len());
        for index in UNIQUE_INDEXES {
            assert_eq!(UniqueIndex::named(index.name), Some(index));
            assert_eq!(UniqueIndex::on(index.table, index.columns), Some(index));
        }
    }
}
