//! Architecture checks a compiler cannot make (see docs/architecture.md).

use std::path::{Path, PathBuf};
use std::process::Command;

/// Crates the domain must never depend on, directly or not.
const FORBIDDEN_IN_DOMAIN: &[&str] =
    &["sea-orm", "sqlx", "axum", "hyper", "lettre", "tokio", "mio", "reqwest", "tower", "identity-"];

/// The workspace root (the parent of this crate).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().map_or_else(|| PathBuf::from("."), Path::to_path_buf)
}

/// Every problem found; empty when the tree is tidy.
pub fn check(root: &Path) -> Vec<String> {
    let mut problems = domain_dependencies(root);
    problems.extend(module_docs(root));
    problems.extend(no_delete_path(root));
    problems
}

/// The domain's normal dependency tree holds no I/O, database, HTTP or
/// mail crate, no async runtime and no adapter.
fn domain_dependencies(root: &Path) -> Vec<String> {
    let output = Command::new(env!("CARGO"))
        .current_dir(root)
        .args(["tree", "-p", "identity-domain", "-e", "normal", "--prefix", "none", "--format", "{p}"])
        .output();
    let output = match output {
        Ok(o) if o.status.success() => o,
        Ok(o) => return vec![format!("cargo tree failed: {}", String::from_utf8_lossy(&o.stderr))],
        Err(e) => return vec![format!("cargo tree could not start: {e}")],
    };
    let tree = String::from_utf8_lossy(&output.stdout);
    tree.lines()
        .filter_map(|line| line.split_whitespace().next())
        .filter(|name| *name != "identity-domain")
        .filter(|name| FORBIDDEN_IN_DOMAIN.iter().any(|bad| name.starts_with(bad)))
        .map(|name| format!("identity-domain depends on {name}"))
        .collect()
}

/// Every source file of every crate starts with a module doc comment.
fn module_docs(root: &Path) -> Vec<String> {
    let mut files = Vec::new();
    for dir in ["crates", "xtask", "migrations"] {
        collect_rs(&root.join(dir), &mut files);
    }
    files
        .into_iter()
        .filter(|f| f.components().any(|c| c.as_os_str() == "src"))
        .filter(|f| {
            std::fs::read_to_string(f).map(|text| !text.trim_start().starts_with("//!")).unwrap_or(true)
        })
        .map(|f| format!("{} has no module doc (//!)", f.display()))
        .collect()
}

/// No port can remove a user, an email reservation or an audit entry.
fn no_delete_path(root: &Path) -> Vec<String> {
    let ports = root.join("crates/identity-domain/src/ports.rs");
    let Ok(text) = std::fs::read_to_string(&ports) else {
        return vec![format!("cannot read {}", ports.display())];
    };
    text.lines()
        .filter(|line| {
            let line = line.trim_start();
            line.starts_with("async fn delete")
                || line.starts_with("async fn remove")
                || line.starts_with("fn delete")
        })
        .map(|line| format!("ports.rs has a delete path: {}", line.trim()))
        .collect()
}

fn collect_rs(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            if path.file_name().is_some_and(|n| n != "target") {
                collect_rs(&path, out);
            }
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tree_is_tidy() {
        let problems = check(&workspace_root());
        assert!(problems.is_empty(), "{problems:#?}");
    }

    #[test]
    fn the_check_would_notice_a_forbidden_dependency() {
        assert!(FORBIDDEN_IN_DOMAIN.iter().any(|bad| "sea-orm".starts_with(bad)));
        assert!(FORBIDDEN_IN_DOMAIN.iter().any(|bad| "identity-memory".starts_with(bad)));
    }
}
