//! Counting what units of work send to the database, statement by
//! statement, for the bench (`xtask bench --statements`).

use std::sync::atomic::{AtomicU64, Ordering};

/// What the store sent to the database since the counter was last read.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StatementCount {
    /// `SELECT`s (and `WITH … SELECT`).
    pub reads: u64,
    /// `INSERT`s, `UPDATE`s and `DELETE`s.
    pub writes: u64,
    /// Other statements sent through the ORM (`SET LOCAL`, `EXPLAIN`…).
    pub other: u64,
    /// Transaction control: `BEGIN`, `SET TRANSACTION`, `COMMIT` or
    /// `ROLLBACK`, and each savepoint's `SAVEPOINT` and its release or
    /// rollback.
    pub control: u64,
}

impl StatementCount {
    /// Statements that read or write rows.
    pub fn statements(&self) -> u64 {
        self.reads + self.writes + self.other
    }

    /// Every statement, each a round trip to the database.
    pub fn round_trips(&self) -> u64 {
        self.statements() + self.control
    }
}

/// Counts statements as the store sends them (see
/// [`crate::SeaStore::count_statements`]).
#[derive(Debug, Default)]
pub struct StatementCounter {
    reads: AtomicU64,
    writes: AtomicU64,
    other: AtomicU64,
    control: AtomicU64,
}

impl StatementCounter {
    /// What was counted since the last call, and starts again from zero.
    pub fn take(&self) -> StatementCount {
        StatementCount {
            reads: self.reads.swap(0, Ordering::SeqCst),
            writes: self.writes.swap(0, Ordering::SeqCst),
            other: self.other.swap(0, Ordering::SeqCst),
            control: self.control.swap(0, Ordering::SeqCst),
        }
    }

    /// One statement sent through the ORM.
    pub(crate) fn statement(&self, sql: &str) {
        let verb = sql.split_whitespace().next().unwrap_or("").to_ascii_uppercase();
        let counter = match verb.as_str() {
            "SELECT" | "WITH" => &self.reads,
            "INSERT" | "UPDATE" | "DELETE" => &self.writes,
            _ => &self.other,
        };
        counter.fetch_add(1, Ordering::SeqCst);
    }

    /// `n` transaction-control statements.
    pub(crate) fn control(&self, n: u64) {
        self.control.fetch_add(n, Ordering::SeqCst);
    }
}
