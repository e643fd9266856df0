//! The README's "Try it with curl" walk, run as written: the code blocks
//! marked `<!-- readme-walk -->` go through bash, one script, in the
//! folder of a fresh `xtask serve` (the binary `cargo build` makes). The
//! only substitutions are the ones the README names: the port the server
//! got, and the one-time password it printed. Needs `bash`, `curl` and
//! `jq` (`.ci/run` installs them); without them the test says it skipped
//! and records it.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "common/binary.rs"]
mod binary;

use binary::{start, temp_dir};
use std::process::Command;

const README: &str = include_str!("../../README.md");
/// The address and password the README's example banner shows.
const README_ADDRESS: &str = "127.0.0.1:8080";
const README_PASSWORD: &str = "5fubh3Ct3CJxhr62a8HE";

/// The code blocks marked `<!-- readme-walk{suffix} -->`, in order.
fn marked_blocks(marker: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut lines = README.lines();
    while let Some(line) = lines.next() {
        if line.trim() != marker {
            continue;
        }
        let fence = lines.next().unwrap_or_default();
        assert!(fence.starts_with("```"), "a code block follows {marker}, not {fence:?}");
        let block: Vec<&str> = lines.by_ref().take_while(|l| !l.starts_with("```")).collect();
        blocks.push(block.join("\n"));
    }
    blocks
}

fn command_exists(name: &str) -> bool {
    Command::new("sh").args(["-c", &format!("command -v {name}")]).output().is_ok_and(|o| o.status.success())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_readme_curl_walk_runs_as_written() {
    let steps = marked_blocks("<!-- readme-walk -->");
    assert!(steps.len() >= 5, "the README marks its curl walk: {steps:?}");
    let missing: Vec<&str> =
        ["bash", "curl", "jq", "python3"].into_iter().filter(|c| !command_exists(c)).collect();
    if !missing.is_empty() {
        let reason = format!("{} (the README's curl walk)", missing.join(", "));
        xtask::skips::record(&reason, &xtask::skips::current_test());
        return;
    }
    let dir = temp_dir("readme");
    // As an operator starts it: its first Super Admin must add a second factor.
    let server = start(&dir, &[("IDENTITY_FIRST_PRACTICE__SECOND_FACTOR_FOR_ADMINS", "true")]);
    let address = server.base.trim_start_matches("http://").to_owned();
    let password = server.first_password.clone().expect("the first start prints a password");

    // The banner, as the README shows it.
    let banner = marked_blocks("<!-- readme-walk: banner -->").concat();
    for line in banner.lines() {
        let line = line.replace(README_ADDRESS, &address).replace(README_PASSWORD, &password);
        assert!(
            server.banner.contains(&line),
            "the README's banner line {line:?} is printed: {:#?}",
            server.banner
        );
    }

    let script = steps.join("\n").replace(README_ADDRESS, &address).replace(README_PASSWORD, &password);
    let run =
        Command::new("bash").args(["-euo", "pipefail", "-c", &script]).current_dir(&dir).output().unwrap();
    let out = String::from_utf8_lossy(&run.stdout).into_owned();
    let err = String::from_utf8_lossy(&run.stderr).into_owned();
    assert!(run.status.success(), "the walk stopped:\n{out}\n{err}");

    // What each step shows.
    let generated = out.lines().find(|l| l.contains("\"generated_password\"")).unwrap_or_default();
    assert!(generated.contains(": \"") && !generated.contains("null"), "Ana's password is shown:\n{out}");
    let eml = out.lines().filter(|l| l.ends_with(".eml")).count();
    assert_eq!(
        eml, 4,
        "the welcome emails, the second factor's notice and the invitation are files by then:\n{out}"
    );
    assert!(out.lines().any(|l| l == "full"), "the enrolment made the session a full one:\n{out}");
    assert!(!out.contains("invalid-link"), "Ben's token was read from his email:\n{out}");
    assert!(out.contains("urn:practice-identity:problem:owns-open-cases"), "{out}");
    assert!(out.contains("\"ended\":"), "{out}");
    for action in ["user.invitation_accepted", "user.deactivated", "user.sessions_ended"] {
        assert!(out.contains(action), "{action} in the audit log:\n{out}");
    }
    let csv = std::fs::read_to_string(dir.join("users.csv")).unwrap();
    assert!(csv.contains("Ben Okafor") && !csv.contains("Ana Silva"), "the active users:\n{csv}");

    let (stopped, logs) = server.stop();
    assert!(stopped, "{logs}");
    std::fs::remove_dir_all(dir).ok();
}
