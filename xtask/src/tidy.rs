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
    problems.extend(adapter_dependencies(root));
    problems.extend(module_docs(root));
    problems.extend(no_delete_path(root));
    problems.extend(readme_embedding(root));
    problems
}

/// The README's "Embed the domain" section gives an embedder everything its
/// example needs: each crate the example uses (`use x::`, `x::…`,
/// `#[tokio::main]`) is in its `[dependencies]` block, at the version the
/// workspace builds with, and the `opt-level` lines for argon2 and blake2
/// are there. (The example itself runs as a doctest of the domain crate.)
fn readme_embedding(root: &Path) -> Vec<String> {
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap_or_default();
    let workspace = std::fs::read_to_string(root.join("Cargo.toml")).unwrap_or_default();
    embedding_problems(&readme, &workspace)
}

fn embedding_problems(readme: &str, workspace: &str) -> Vec<String> {
    let Some(start) = readme.find("## Embed the domain") else {
        return vec!["README.md has no \"Embed the domain\" section".to_owned()];
    };
    let section = &readme[start..];
    let section = &section[..section[3..].find("\n## ").map_or(section.len(), |end| end + 3)];
    let blocks = |fence: &str| -> Vec<String> {
        section.split(fence).skip(1).filter_map(|rest| rest.split("```").next()).map(str::to_owned).collect()
    };
    let toml = blocks("```toml").join("\n");
    let rust = blocks("```rust").join("\n");
    let listed: Vec<String> = toml
        .lines()
        .take_while(|l| !l.starts_with("[profile"))
        .filter_map(|l| l.split_once('=').map(|(k, _)| k.trim().replace('-', "_")))
        .collect();
    // The first segment of every path: an identifier followed by `::` and
    // not itself preceded by `::`.
    let mut used: Vec<String> = Vec::new();
    let chars: Vec<char> = rust.chars().collect();
    let ident = |c: char| c.is_alphanumeric() || c == '_';
    for i in 0..chars.len() {
        let starts = i == 0 || !(ident(chars[i - 1]) || chars[i - 1] == ':');
        if !starts || !chars[i].is_ascii_lowercase() {
            continue;
        }
        let end = (i..chars.len()).find(|&j| !ident(chars[j])).unwrap_or(chars.len());
        if chars.get(end) == Some(&':') && chars.get(end + 1) == Some(&':') {
            used.push(chars[i..end].iter().collect());
        }
    }
    let mut problems = Vec::new();
    for name in used {
        let local = ["std", "crate", "self", "super", "factor", "ports"].contains(&name.as_str());
        if !local
            && !listed.contains(&name)
            && !problems.iter().any(|p: &String| p.contains(&format!("`{name}`")))
        {
            problems
                .push(format!("README.md: the embedding example uses `{name}`, not in its [dependencies]"));
        }
    }
    // `name = "1.2"` or `name = { version = "1.2", … }`; paths have none.
    fn version_of(value: &str) -> Option<&str> {
        let value = value.trim();
        let quoted = if value.starts_with('"') { value } else { value.split("version = ").nth(1)? };
        quoted.split('"').nth(1)
    }
    let workspace_version = |name: &str| {
        workspace
            .lines()
            .filter_map(|l| l.split_once('='))
            .find(|(k, _)| k.trim() == name)
            .and_then(|(_, v)| version_of(v))
    };
    for (name, value) in
        toml.lines().take_while(|l| !l.starts_with("[profile")).filter_map(|l| l.split_once('='))
    {
        let name = name.trim();
        if let (Some(readme_version), Some(ours)) = (version_of(value), workspace_version(name))
            && !ours.starts_with(readme_version)
        {
            problems
                .push(format!("README.md: {name} = \"{readme_version}\", the workspace builds with {ours}"));
        }
    }
    for package in ["argon2", "blake2"] {
        if !toml.contains(&format!("[profile.dev.package.{package}]\nopt-level = 3")) {
            problems.push(format!("README.md: the embedding section lacks opt-level = 3 for {package}"));
        }
    }
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

/// The adapter crates: each depends on the domain, never on another.
const ADAPTERS: &[&str] = &[
    "identity-memory",
    "identity-store",
    "identity-mail",
    "identity-api",
    "identity-console",
    "identity-http",
];

/// How a package depends on another (`kind` in `cargo metadata`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// `[dependencies]`.
    Normal,
    /// `[dev-dependencies]`: the package's tests, examples and benches.
    Dev,
    /// `[build-dependencies]`: its build script.
    Build,
}

impl Kind {
    fn describe(self) -> &'static str {
        match self {
            Kind::Normal => "a dependency",
            Kind::Dev => "a dev-dependency",
            Kind::Build => "a build-dependency",
        }
    }
}

/// The only dependencies of an adapter on a workspace crate other than the
/// domain, each of one kind only:
/// - the store runs the schema's migrations (`migrations`, no adapter);
/// - the two front doors stand on the edge they share, `identity-http`
///   (which depends on neither);
/// - the store's tests run the port contract suite (`identity-contract`,
///   written against the ports, test support and no adapter: it runs the
///   same cases on the in-memory adapters and on the store).
///
/// No adapter's tests use another adapter, the in-memory one included:
/// tests that need a store and another adapter live in `xtask/tests`.
const ALLOWED: &[(&str, &str, Kind)] = &[
    ("identity-store", "migrations", Kind::Normal),
    ("identity-api", "identity-http", Kind::Normal),
    ("identity-console", "identity-http", Kind::Normal),
    ("identity-store", "identity-contract", Kind::Dev),
];

/// One dependency of a package: its name, and its kind.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Dependency {
    name: String,
    kind: Kind,
}

/// Adapters never depend on each other, in any kind of dependency (read
/// from `cargo metadata`): only on the domain, and on [`ALLOWED`].
fn adapter_dependencies(root: &Path) -> Vec<String> {
    let output = Command::new(env!("CARGO"))
        .current_dir(root)
        .args(["metadata", "--format-version", "1", "--no-deps", "--offline"])
        .output();
    let output = match output {
        Ok(o) if o.status.success() => o,
        Ok(o) => return vec![format!("cargo metadata failed: {}", String::from_utf8_lossy(&o.stderr))],
        Err(e) => return vec![format!("cargo metadata could not start: {e}")],
    };
    let metadata: serde_json::Value = match serde_json::from_slice(&output.stdout) {
        Ok(m) => m,
        Err(e) => return vec![format!("cargo metadata gave unreadable JSON: {e}")],
    };
    let packages = metadata["packages"].as_array().cloned().unwrap_or_default();
    let listed: Vec<(String, Vec<Dependency>)> = packages
        .iter()
        .map(|p| {
            let name = p["name"].as_str().unwrap_or_default().to_owned();
            let dependencies = p["dependencies"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|d| Dependency {
                    name: d["name"].as_str().unwrap_or_default().to_owned(),
                    kind: match d["kind"].as_str() {
                        Some("dev") => Kind::Dev,
                        Some("build") => Kind::Build,
                        _ => Kind::Normal,
                    },
                })
                .collect();
            (name, dependencies)
        })
        .collect();
    forbidden_adapter_dependencies(&listed)
}

/// The dependencies of `packages` that break the rule above.
fn forbidden_adapter_dependencies(packages: &[(String, Vec<Dependency>)]) -> Vec<String> {
    let mut problems = Vec::new();
    for (package, dependencies) in packages.iter().filter(|(name, _)| ADAPTERS.contains(&name.as_str())) {
        for dependency in dependencies {
            let name = dependency.name.as_str();
            let workspace_crate = name.starts_with("identity-") || name == "migrations" || name == "xtask";
            let allowed = !workspace_crate
                || name == "identity-domain"
                || ALLOWED.contains(&(package.as_str(), name, dependency.kind));
            if !allowed {
                problems.push(format!(
                    "{package} has {} on {name}: adapters never depend on each other",
                    dependency.kind.describe()
                ));
            }
        }
    }
    problems
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

/// Ports whose records may be removed, and why: everything else is kept
/// for ever.
const REMOVABLE: &[(&str, &str)] = &[(
    "FactorRepository",
    "a user removes their own second factors and an administrator resets them; the audit log keeps the record",
)];

/// No port can remove a user, an email reservation or an audit entry: no
/// port but those of [`REMOVABLE`] has a delete path.
fn no_delete_path(root: &Path) -> Vec<String> {
    let ports = root.join("crates/identity-domain/src/ports.rs");
    let Ok(text) = std::fs::read_to_string(&ports) else {
        return vec![format!("cannot read {}", ports.display())];
    };
    let mut port = "";
    let mut found = Vec::new();
    for line in text.lines() {
        let line = line.trim_start();
        if let Some(rest) = line.strip_prefix("pub trait ") {
            port = rest.split([':', ' ', '<', '{']).next().unwrap_or_default();
        }
        let deletes = line.starts_with("async fn delete")
            || line.starts_with("async fn remove")
            || line.starts_with("fn delete");
        if deletes && !REMOVABLE.iter().any(|(name, _)| *name == port) {
            found.push(format!("ports.rs has a delete path in {port}: {}", line.trim()));
        }
    }
    found
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

    fn package(name: &str, dependencies: &[(&str, Kind)]) -> (String, Vec<Dependency>) {
        let dependencies =
            dependencies.iter().map(|(n, kind)| Dependency { name: (*n).to_owned(), kind: *kind }).collect();
        (name.to_owned(), dependencies)
    }

    #[test]
    fn the_check_notices_an_adapter_depending_on_another_in_any_kind_of_dependency() {
        use Kind::*;
        let packages = [
            package(
                "identity-mail",
                &[("identity-domain", Normal), ("identity-store", Dev), ("lettre", Normal)],
            ),
            package("identity-console", &[("identity-api", Normal), ("identity-http", Normal)]),
            package("identity-http", &[("identity-console", Dev), ("identity-domain", Dev)]),
            package("identity-api", &[("identity-http", Normal), ("identity-memory", Dev)]),
            package("identity-store", &[("migrations", Normal), ("identity-contract", Dev)]),
            package("identity-memory", &[("identity-store", Normal), ("identity-contract", Dev)]),
            package("identity-console", &[("identity-http", Dev), ("migrations", Build)]),
            package("identity-store", &[("identity-contract", Normal), ("identity-memory", Dev)]),
            package("identity-domain", &[("identity-memory", Dev)]),
            package("identity-contract", &[("identity-memory", Normal)]),
            package(
                "xtask",
                &[("identity-store", Normal), ("identity-api", Normal), ("identity-memory", Dev)],
            ),
        ];
        let problems = forbidden_adapter_dependencies(&packages);
        assert_eq!(
            problems,
            [
                "identity-mail has a dev-dependency on identity-store: adapters never depend on each other",
                "identity-console has a dependency on identity-api: adapters never depend on each other",
                "identity-http has a dev-dependency on identity-console: adapters never depend on each other",
                "identity-api has a dev-dependency on identity-memory: adapters never depend on each other",
                "identity-memory has a dependency on identity-store: adapters never depend on each other",
                "identity-memory has a dev-dependency on identity-contract: adapters never depend on each other",
                "identity-console has a dev-dependency on identity-http: adapters never depend on each other",
                "identity-console has a build-dependency on migrations: adapters never depend on each other",
                "identity-store has a dependency on identity-contract: adapters never depend on each other",
                "identity-store has a dev-dependency on identity-memory: adapters never depend on each other",
            ]
        );
    }

    #[test]
    fn the_embedding_check_notices_a_missing_dependency_a_wrong_version_and_a_missing_profile() {
        let workspace =
            "[workspace.dependencies]\nsecrecy = { version = \"0.10\" }\ntokio = { version = \"1\" }\n";
        let readme = "## Embed the domain\n```toml\n[dependencies]\nidentity-domain = { path = \"x\" }\n\
                      secrecy = \"0.8\"\n[profile.dev.package.argon2]\nopt-level = 3\n```\n\
                      ```rust\nuse identity_domain::*;\nuse secrecy::SecretString;\n#[tokio::main]\n\
                      async fn main() { let d = chrono::Duration::zero(); }\n```\n## Next\n";
        let problems = embedding_problems(readme, workspace);
        assert_eq!(
            problems,
            [
                "README.md: the embedding example uses `tokio`, not in its [dependencies]",
                "README.md: the embedding example uses `chrono`, not in its [dependencies]",
                "README.md: secrecy = \"0.8\", the workspace builds with 0.10",
                "README.md: the embedding section lacks opt-level = 3 for blake2",
            ]
        );
    }

    #[test]
    fn the_check_would_notice_a_forbidden_dependency() {
        assert!(FORBIDDEN_IN_DOMAIN.iter().any(|bad| "sea-orm".starts_with(bad)));
        assert!(FORBIDDEN_IN_DOMAIN.iter().any(|bad| "identity-memory".starts_with(bad)));
    }
}
