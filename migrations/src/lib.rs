//! The database schema of practice identity, one migration per file, for
//! SQLite and PostgreSQL.
//!
//! Apply with [`Migrator`] (`Migrator::up(&db, None)`); every migration runs
//! in a transaction and applying twice changes nothing. The crate knows no
//! domain type: it only describes tables.
//!
//! The crate also exports what the store and operators need to know about
//! the schema: [`UNIQUE_INDEXES`] (every unique index by name, and what it
//! guards) and [`TABLE_RIGHTS`] with [`grant_statements`] (what the
//! server's own PostgreSQL role may do to each table).
//!
//! Rules the schema holds itself:
//! - every record carries its `practice_id`, and every reference is a
//!   foreign key (never `ON DELETE CASCADE`: users are never deleted), but
//!   for the derived short n-grams of `user_grams`, written only with their
//!   user;
//! - an email address is held by one user of a practice for ever: a unique
//!   index on `email_history (practice_id, normalized_email)`, where the
//!   normalised form is computed by the domain (never `lower()` in SQL);
//!   likewise by one party's portal account, on `portal_email_history`;
//! - a party has at most one portal account (keyed by the party) and takes
//!   part in a case at most once (`case_parties` keyed by case and party);
//! - slugs, role, profile and site names, and link, session and portal
//!   session token hashes
//!   are unique;
//! - the audit log refuses `UPDATE` and `DELETE` (triggers on both backends),
//!   `TRUNCATE` on PostgreSQL, and on SQLite an insert that would replace an
//!   entry (`INSERT OR REPLACE`, `REPLACE`) as well;
//! - text columns that are sorted or compared for paging use the byte-wise
//!   `"C"` collation on PostgreSQL, as SQLite's default `BINARY` does, so
//!   both order rows exactly as Rust orders strings.

pub use app_role::{InvalidRoleName, Rights, TABLE_RIGHTS, grant_statements};
pub use sea_orm_migration::MigratorTrait;
use sea_orm_migration::prelude::*;
pub use unique::{Guards, UNIQUE_INDEXES, UniqueIndex};

mod app_role;
mod idens;
mod m20261125_000001_practices;
mod m20261125_000002_roles_and_profiles;
mod m20261125_000003_sites;
mod m20261125_000004_users;
mod m20261125_000005_parties_and_cases;
mod m20261125_000006_credentials_links_sessions;
mod m20261125_000007_audit_log;
mod m20261125_000008_outbox;
mod m20261125_000009_users_search;
mod m20261206_000001_outbox_claims_and_sealing;
mod m20261206_000002_audit_log_no_replace;
mod m20261207_000010_accent_folded_keys;
mod m20261207_000011_address_budgets;
mod m20261207_000011_party_portal;
mod m20261207_000020_time_zones;
mod m20261207_000021_case_title_keys;
mod m20261207_000022_user_short_grams;
mod m20261207_000023_second_factors;
mod m20261208_000030_passkeys;
mod m20261209_000040_portal_factors;
mod schema;
mod unique;

/// Every migration, in order.
#[derive(Debug, Clone, Copy, Default)]
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261125_000001_practices::Migration),
            Box::new(m20261125_000002_roles_and_profiles::Migration),
            Box::new(m20261125_000003_sites::Migration),
            Box::new(m20261125_000004_users::Migration),
            Box::new(m20261125_000005_parties_and_cases::Migration),
            Box::new(m20261125_000006_credentials_links_sessions::Migration),
            Box::new(m20261125_000007_audit_log::Migration),
            Box::new(m20261125_000008_outbox::Migration),
            Box::new(m20261125_000009_users_search::Migration),
            Box::new(m20261206_000001_outbox_claims_and_sealing::Migration),
            Box::new(m20261206_000002_audit_log_no_replace::Migration),
            Box::new(m20261207_000010_accent_folded_keys::Migration),
            Box::new(m20261207_000011_address_budgets::Migration),
            Box::new(m20261207_000011_party_portal::Migration),
            Box::new(m20261207_000020_time_zones::Migration),
            Box::new(m20261207_000021_case_title_keys::Migration),
            Box::new(m20261207_000022_user_short_grams::Migration),
            Box::new(m20261207_000023_second_factors::Migration),
            Box::new(m20261208_000030_passkeys::Migration),
            Box::new(m20261209_000040_portal_factors::Migration),
        ]
    }
}
