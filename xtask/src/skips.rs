//! Tests skipped for want of a tool the machine lacks (PostgreSQL,
//! Chromium, `openssl`, `curl`…): each skipped test prints why and, when
//! `IDENTITY_TEST_SKIP_LOG` names a file, appends one line to it, `reason
//! TAB test`. `cargo xtask ci` sets the variable and ends with the count per
//! reason, so a run that skipped part of the suite says so.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::Path;

/// The variable naming the skip log.
pub const LOG_ENV: &str = "IDENTITY_TEST_SKIP_LOG";

/// The reason for tests that need `IDENTITY_TEST_POSTGRES_URL`.
pub const POSTGRES: &str = "PostgreSQL (IDENTITY_TEST_POSTGRES_URL is not set)";

/// The reason for tests that need the `openssl` command.
pub const OPENSSL: &str = "openssl (the command, to make test certificates)";

/// Says that `test` was skipped for want of `reason`, on standard output
/// and in the skip log when there is one. A log that cannot be written is
/// reported on standard error, never a failure.
pub fn record(reason: &str, test: &str) {
    println!("SKIPPED {test}: needs {reason}");
    let Ok(path) = std::env::var(LOG_ENV) else { return };
    let written = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .and_then(|mut file| file.write_all(format!("{reason}\t{test}\n").as_bytes()));
    if let Err(e) = written {
        eprintln!("cannot append to the skip log {path}: {e}");
    }
}

/// The name of the running test (its thread's name), for [`record`].
pub fn current_test() -> String {
    std::thread::current().name().unwrap_or("a test").to_owned()
}

/// How many tests each reason skipped, from the log's text.
pub fn count(log: &str) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for line in log.lines().filter(|l| !l.trim().is_empty()) {
        let reason = line.split_once('\t').map_or(line, |(reason, _)| reason);
        *counts.entry(reason.to_owned()).or_default() += 1;
    }
    counts
}

/// The closing lines of `cargo xtask ci`: the skips in `log`, per reason.
pub fn summary(log: &Path) -> String {
    let counts = count(&std::fs::read_to_string(log).unwrap_or_default());
    if counts.is_empty() {
        return "== skipped: none (every test ran)".to_owned();
    }
    let total: usize = counts.values().sum();
    let mut out = format!("== skipped: {total} tests for want of a tool (listed in {})", log.display());
    for (reason, n) in counts {
        out.push_str(&format!("\n   {n:>4}  {reason}"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skips_are_counted_per_reason() {
        let log =
            format!("{POSTGRES}\tapi::postgres::a\n{POSTGRES}\tapi::postgres::b\nChromium\tconsole::walk\n");
        let counts = count(&log);
        assert_eq!(counts.get(POSTGRES), Some(&2));
        assert_eq!(counts.get("Chromium"), Some(&1));
    }
}
