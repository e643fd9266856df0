//! `cargo xtask`: the project's one binary and its checks.
//!
//! - `cargo xtask ci` runs what CI runs: formatting, lints, the architecture
//!   check and every test.
//! - `cargo xtask tidy` checks the architecture invariants of
//!   `docs/architecture.md` that a compiler cannot.

mod tidy;

use clap::{Parser, Subcommand};
use std::process::{Command, ExitCode};

#[derive(Parser)]
#[command(name = "xtask", about = "Practice identity: the server binary and the project's checks")]
struct Cli {
    #[command(subcommand)]
    command: Task,
}

#[derive(Subcommand)]
enum Task {
    /// Formatting, clippy, the architecture check and every test, as CI runs them.
    Ci,
    /// The architecture invariants: the domain's dependencies, module docs, no delete path.
    Tidy,
}

fn main() -> ExitCode {
    match Cli::parse().command {
        Task::Ci => ci(),
        Task::Tidy => report(tidy::check(&tidy::workspace_root())),
    }
}

fn report(problems: Vec<String>) -> ExitCode {
    if problems.is_empty() {
        println!("tidy: ok");
        return ExitCode::SUCCESS;
    }
    for problem in &problems {
        eprintln!("tidy: {problem}");
    }
    ExitCode::FAILURE
}

fn ci() -> ExitCode {
    let steps: &[(&str, &[&str])] = &[
        ("format", &["fmt", "--all", "--", "--check"]),
        ("lints", &["clippy", "--workspace", "--all-targets", "--", "-D", "warnings"]),
        ("tests", &["test", "--workspace"]),
    ];
    for (name, args) in steps {
        println!("== {name}: cargo {}", args.join(" "));
        let status = Command::new(env!("CARGO")).args(*args).status();
        match status {
            Ok(s) if s.success() => {}
            Ok(s) => {
                eprintln!("== {name} failed ({s})");
                return ExitCode::FAILURE;
            }
            Err(e) => {
                eprintln!("== {name} could not start cargo: {e}");
                return ExitCode::FAILURE;
            }
        }
    }
    println!("== tidy");
    report(tidy::check(&tidy::workspace_root()))
}
