//! What the server's own PostgreSQL role may do, table by table.
//!
//! The migrations run as the database's owner; the server connects as a
//! role that owns nothing and holds only these rights, so it cannot alter
//! or drop a table, switch a trigger off, or rewrite the audit log (and,
//! not being a superuser, cannot `SET session_replication_role`).
//! [`grant_statements`] gives the SQL that grants them, run by the owner
//! (`cargo xtask db grant --role NAME`); running it again changes nothing.
//!
//! Tables a later migration adds get `SELECT, INSERT, UPDATE, DELETE`
//! through default privileges, so the server keeps working right after an
//! upgrade; the migration adds the table to [`TABLE_RIGHTS`] (a test fails
//! until it does), and the next `db grant` narrows it.

/// What the server's role may do to one table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rights {
    /// `SELECT`: the migrations' own bookkeeping.
    Read,
    /// `SELECT, INSERT`: the audit log.
    Append,
    /// `SELECT, INSERT, UPDATE`: records that are never deleted.
    Keep,
    /// `SELECT, INSERT, UPDATE, DELETE`: link tables rewritten as a whole,
    /// and the per-address counts whose past windows are removed.
    Replace,
}

impl Rights {
    /// The SQL privileges.
    #[must_use]
    pub fn privileges(self) -> &'static str {
        match self {
            Self::Read => "SELECT",
            Self::Append => "SELECT, INSERT",
            Self::Keep => "SELECT, INSERT, UPDATE",
            Self::Replace => "SELECT, INSERT, UPDATE, DELETE",
        }
    }
}

/// Every table of the schema and what the server's role may do to it.
pub const TABLE_RIGHTS: &[(&str, Rights)] = &[
    ("seaql_migrations", Rights::Read),
    ("practices", Rights::Keep),
    ("roles", Rights::Keep),
    ("profiles", Rights::Keep),
    ("sites", Rights::Keep),
    ("users", Rights::Keep),
    ("user_profiles", Rights::Replace),
    ("user_sites", Rights::Replace),
    ("user_grams", Rights::Replace),
    ("email_history", Rights::Keep),
    ("parties", Rights::Keep),
    ("cases", Rights::Keep),
    ("credentials", Rights::Keep),
    ("links", Rights::Keep),
    ("sessions", Rights::Keep),
    ("user_factors", Rights::Replace),
    ("recovery_codes", Rights::Replace),
    ("session_ceremonies", Rights::Replace),
    ("portal_factors", Rights::Replace),
    ("portal_recovery_codes", Rights::Replace),
    ("audit_log", Rights::Append),
    ("outbox", Rights::Keep),
    ("address_budgets", Rights::Replace),
    ("portal_accounts", Rights::Keep),
    ("portal_email_history", Rights::Keep),
    ("portal_sessions", Rights::Keep),
    ("case_parties", Rights::Replace),
];

/// A role name that is not a plain lower-case identifier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidRoleName(pub String);

impl std::fmt::Display for InvalidRoleName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{:?} is not a role name this command accepts: lower-case letters, digits and _, starting with a letter or _, at most 63",
            self.0
        )
    }
}

impl std::error::Error for InvalidRoleName {}

/// The statements, in order, that give `role` exactly its rights on every
/// table of [`TABLE_RIGHTS`] and default rights on tables created later by
/// the role that runs them (run them as the owner, after the migrations,
/// in one transaction).
///
/// # Errors
/// [`InvalidRoleName`] unless `role` is a plain lower-case identifier
/// (so that it needs no quoting rules beyond double quotes).
pub fn grant_statements(role: &str) -> Result<Vec<String>, InvalidRoleName> {
    let mut chars = role.chars();
    let plain = matches!(chars.next(), Some('a'..='z' | '_'))
        && chars.all(|c| matches!(c, 'a'..='z' | '0'..='9' | '_'))
        && role.len() <= 63;
    if !plain {
        return Err(InvalidRoleName(role.to_owned()));
    }
    let mut statements = vec![format!("GRANT USAGE ON SCHEMA public TO \"{role}\"")];
    for (table, rights) in TABLE_RIGHTS {
        statements.push(format!("REVOKE ALL ON \"{table}\" FROM \"{role}\""));
        statements.push(format!("GRANT {} ON \"{table}\" TO \"{role}\"", rights.privileges()));
    }
    statements.push(format!(
        "ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT {} ON TABLES TO \"{role}\"",
        Rights::Replace.privileges()
    ));
    Ok(statements)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_role_names_are_accepted() {
        for good in ["identity_app", "_x", "app2"] {
            assert!(grant_statements(good).is_ok(), "{good}");
        }
        for bad in ["", "App", "2app", "app\"; DROP TABLE users; --", "a b", &"a".repeat(64)] {
            assert_eq!(grant_statements(bad), Err(InvalidRoleName(bad.to_owned())));
        }
    }

    #[test]
    fn the_audit_log_is_only_read_and_appended() {
        let statements = grant_statements("identity_app").unwrap();
        assert!(statements.contains(&"GRANT SELECT, INSERT ON \"audit_log\" TO \"identity_app\"".to_owned()));
        assert!(!statements.iter().any(|s| s.contains("TRUNCATE")));
    }
}
