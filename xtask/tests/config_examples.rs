//! The configuration as operators write it: every ```toml example of the
//! README and of docs/operations.md, read from the files at test time and
//! loaded by the real binary (`xtask config check`, the loader `serve`
//! uses), from a file and the same through `IDENTITY_*` variables; and the
//! README's SMTP example delivering to a real SMTP server.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "common/binary.rs"]
mod binary;

use binary::{temp_dir, xtask};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The README's section on configuration: every ```toml block in it is a
/// configuration example (others, such as an embedder's Cargo.toml, are not).
const README_SECTION: &str = "## Configure the server";

fn workspace_file(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(relative)
}

/// The configuration examples of a Markdown file: every ```toml block of
/// the section whose heading is `section` (down to the next heading of its
/// level), or of the whole file.
fn toml_blocks(relative: &str, section: Option<&str>) -> Vec<String> {
    let text = std::fs::read_to_string(workspace_file(relative)).unwrap();
    let text = match section {
        Some(heading) => {
            let start = text.find(heading).unwrap_or_else(|| panic!("{relative} has no `{heading}`"));
            let level = heading.split(' ').next().unwrap_or_default();
            let after = &text[start + heading.len()..];
            let end = after.find(&format!("\n{level} ")).map_or(after.len(), |i| i + 1);
            after[..end].to_owned()
        }
        None => text,
    };
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in text.lines() {
        match (&mut current, line.trim()) {
            (None, "```toml") => current = Some(String::new()),
            (Some(block), "```") => {
                blocks.push(std::mem::take(block));
                current = None;
            }
            (Some(block), _) => {
                block.push_str(line);
                block.push('\n');
            }
            (None, _) => {}
        }
    }
    assert!(!blocks.is_empty(), "{relative} has no toml example");
    blocks
}

/// The leaves of a TOML document: dotted key and value.
fn leaves(toml: &str) -> Vec<(String, Value)> {
    use figment::providers::{Format, Toml};
    let document: Value = figment::Figment::from(Toml::string(toml)).extract().unwrap();
    let mut out = Vec::new();
    fn walk(prefix: &str, value: &Value, out: &mut Vec<(String, Value)>) {
        match value {
            Value::Object(map) => {
                for (key, inner) in map {
                    let path = if prefix.is_empty() { key.clone() } else { format!("{prefix}.{key}") };
                    walk(&path, inner, out);
                }
            }
            leaf => out.push((prefix.to_owned(), leaf.clone())),
        }
    }
    walk("", &document, &mut out);
    out
}

/// A leaf as an environment variable: `IDENTITY_MAIL__TRANSPORT__HOST`.
fn env_var(key: &str, value: &Value) -> (String, String) {
    let name = format!("IDENTITY_{}", key.replace('.', "__").to_uppercase());
    let text = match value {
        Value::String(s) => s.clone(),
        Value::Array(items) => format!(
            "[{}]",
            items.iter().map(|i| format!("\"{}\"", i.as_str().unwrap())).collect::<Vec<_>>().join(", ")
        ),
        other => other.to_string(),
    };
    (name, text)
}

/// `xtask config check` in `dir`: its output, or why it failed.
fn config_check(dir: &Path, file: Option<&Path>, env: &[(String, String)]) -> Result<String, String> {
    let mut command = xtask(dir);
    if let Some(file) = file {
        command.arg("--config").arg(file);
    }
    command.args(["config", "check"]).envs(env.iter().map(|(k, v)| (k, v)));
    let output = command.output().unwrap();
    if output.status.success() {
        Ok(String::from_utf8(output.stdout).unwrap())
    } else {
        Err(String::from_utf8_lossy(&output.stderr).into_owned())
    }
}

/// The line `config check` prints for a leaf given in a configuration.
fn expected_line(key: &str, value: &Value) -> Option<String> {
    let shown = match value {
        _ if key.ends_with("password") || key == "outbox_key" => "\"***\"".to_owned(),
        // Printed with its password masked: checked apart.
        _ if key == "database_url" || key == "database_owner_url" => return None,
        Value::String(s) => format!("{s:?}"),
        Value::Array(items) => format!(
            "[{}]",
            items.iter().map(|i| format!("{:?}", i.as_str().unwrap())).collect::<Vec<_>>().join(", ")
        ),
        other => other.to_string(),
    };
    Some(format!("{key} = {shown}"))
}

/// Loads each example from a file and through the environment: both load,
/// both give the same settings, and every value given is in force.
fn check_examples(relative: &str, section: Option<&str>) -> BTreeSet<String> {
    let mut keys = BTreeSet::new();
    for (n, block) in toml_blocks(relative, section).iter().enumerate() {
        let dir = temp_dir("config");
        let file = dir.join("identity.toml");
        std::fs::write(&file, block).unwrap();
        let from_file = config_check(&dir, Some(&file), &[])
            .unwrap_or_else(|e| panic!("{relative} example {n} does not load:\n{block}\n{e}"));
        let leaves = leaves(block);
        let env: Vec<(String, String)> = leaves.iter().map(|(k, v)| env_var(k, v)).collect();
        let empty = temp_dir("config-env");
        let from_env = config_check(&empty, None, &env).unwrap_or_else(|e| {
            panic!("{relative} example {n} through IDENTITY_* does not load:\n{env:?}\n{e}")
        });
        assert_eq!(from_file, from_env, "{relative} example {n}: the file and the variables differ");
        for (key, value) in &leaves {
            keys.insert(key.clone());
            if let Some(line) = expected_line(key, value) {
                assert!(
                    from_file.lines().any(|l| l == line),
                    "{relative} example {n}: `{line}` is not in force:\n{from_file}"
                );
            }
        }
        assert!(!from_file.contains("relay secret") && !from_file.contains("secret@"), "{from_file}");
        std::fs::remove_dir_all(dir).ok();
        std::fs::remove_dir_all(empty).ok();
    }
    keys
}

#[test]
fn the_readmes_configuration_examples_load_from_a_file_and_from_the_environment() {
    check_examples("README.md", Some(README_SECTION));
}

/// The operations guide's examples load, and together they set every
/// setting `config check` knows: none is undocumented.
#[test]
fn the_operations_guides_examples_load_and_set_every_setting() {
    let documented = check_examples("docs/operations.md", Some("## Settings"));
    let dir = temp_dir("config-defaults");
    let defaults = config_check(&dir, None, &[]).unwrap();
    for line in defaults.lines() {
        let key = line.split(" = ").next().unwrap();
        assert!(documented.contains(key), "`{key}` is in no example of docs/operations.md");
    }
    // Every setting of the table is in force somewhere, defaults included.
    let smtp_keys = ["host", "port", "security", "username", "password", "ca_certificate", "timeout_secs"];
    for key in smtp_keys {
        assert!(documented.contains(&format!("mail.transport.{key}")), "mail.transport.{key}");
    }
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn a_table_given_in_part_through_the_environment_keeps_its_defaults() {
    let dir = temp_dir("config-part");
    let env = [("IDENTITY_FIRST_PRACTICE__SLUG".to_owned(), "maple".to_owned())];
    let printed = config_check(&dir, None, &env).unwrap();
    assert!(printed.contains("first_practice.slug = \"maple\""), "{printed}");
    assert!(printed.contains("first_practice.name = \"My practice\""), "{printed}");
    let env = [
        ("IDENTITY_MAIL__TRANSPORT__KIND".to_owned(), "smtp".to_owned()),
        ("IDENTITY_MAIL__TRANSPORT__HOST".to_owned(), "smtp.maple.example".to_owned()),
        ("IDENTITY_MAIL__TRANSPORT__PASSWORD".to_owned(), "123456".to_owned()),
        ("IDENTITY_MAIL__TRANSPORT__USERNAME".to_owned(), "identity".to_owned()),
    ];
    let printed = config_check(&dir, None, &env).unwrap();
    assert!(printed.contains("mail.transport.port = 587"), "{printed}");
    assert!(!printed.contains("123456"), "{printed}");
    let env = [("IDENTITY_LISTEN".to_owned(), "127.0.0.1:9555".to_owned())];
    let printed = config_check(&dir, None, &env).unwrap();
    assert!(printed.contains("public_url = \"http://127.0.0.1:9555\""), "{printed}");
    assert!(printed.contains("mail.public_base_url = \"http://127.0.0.1:9555\""), "{printed}");
    let env = [("IDENTITY_SESSIONS__IDLE_MINUTES".to_owned(), "0".to_owned())];
    assert!(config_check(&dir, None, &env).unwrap_err().contains("sessions.idle_minutes"));
    std::fs::remove_dir_all(dir).ok();
}

/// Without `public_url`, the banner and the emailed links point where the
/// server listens, not at port 8080.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_public_url_the_banner_and_links_use_the_port_listened_on() {
    let dir = temp_dir("public-url");
    let server = binary::start(&dir, &[]);
    let banner = server.banner.join("\n");
    let port = server.base.rsplit(':').next().unwrap().to_owned();
    assert!(banner.contains(&format!("console at http://127.0.0.1:{port}/console")), "{banner}");
    assert!(banner.contains(&format!("sign in at http://127.0.0.1:{port}/console")), "{banner}");
    let outbox = dir.join("data/mail-outbox");
    binary::eventually("the welcome email", std::time::Duration::from_secs(20), || {
        std::fs::read_dir(&outbox).map(|d| d.count() > 0).unwrap_or(false)
    })
    .await;
    let welcome = std::fs::read_dir(&outbox).unwrap().next().unwrap().unwrap().path();
    let text = std::fs::read_to_string(welcome).unwrap().replace("=\r\n", "").replace("=\n", "");
    assert!(text.contains(&format!("http://127.0.0.1:{port}/")), "{text}");
    assert!(!text.contains("127.0.0.1:8080"), "{text}");
    assert!(server.stop().0);
    std::fs::remove_dir_all(dir).ok();
}

mod smtp {
    use mailin_embedded::{AuthMechanism, Handler, Response, Server, SslConfig, response};
    use std::net::TcpListener;
    use std::path::{Path, PathBuf};
    use std::process::Command;
    use std::sync::{Arc, Mutex, PoisonError};

    /// One message as received: sender, recipients, raw data.
    pub type Received = (String, Vec<String>, Vec<u8>);

    #[derive(Clone)]
    struct Sink {
        user: String,
        password: String,
        received: Arc<Mutex<Vec<Received>>>,
        current: Option<Received>,
    }

    impl Handler for Sink {
        fn auth_plain(&mut self, _authorization_id: &str, user: &str, password: &str) -> Response {
            if user == self.user && password == self.password {
                response::AUTH_OK
            } else {
                response::INVALID_CREDENTIALS
            }
        }

        fn data_start(&mut self, _domain: &str, from: &str, _is8bit: bool, to: &[String]) -> Response {
            self.current = Some((from.to_owned(), to.to_vec(), Vec::new()));
            response::OK
        }

        fn data(&mut self, buf: &[u8]) -> std::io::Result<()> {
            if let Some(current) = &mut self.current {
                current.2.extend_from_slice(buf);
            }
            Ok(())
        }

        fn data_end(&mut self) -> Response {
            if let Some(message) = self.current.take() {
                self.received.lock().unwrap_or_else(PoisonError::into_inner).push(message);
            }
            response::OK
        }
    }

    /// A CA and a `localhost` certificate it signed (openssl CLI): the CA's
    /// file, the leaf's certificate and key.
    pub fn certificates(folder: &Path) -> (PathBuf, PathBuf, PathBuf) {
        let run = |args: &[&str]| {
            let output = Command::new("openssl").args(args).current_dir(folder).output().expect("openssl");
            assert!(output.status.success(), "openssl {args:?}: {}", String::from_utf8_lossy(&output.stderr));
        };
        std::fs::write(
            folder.join("leaf.ext"),
            "subjectAltName=DNS:localhost\nbasicConstraints=CA:FALSE\n\
             keyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n",
        )
        .unwrap();
        let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
        let mut ca = vec!["req", "-x509"];
        ca.extend(ec);
        ca.extend(["-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=Maple Test CA"]);
        ca.extend([
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign",
        ]);
        run(&ca);
        let mut leaf = vec!["req"];
        leaf.extend(ec);
        leaf.extend(["-keyout", "leaf.key", "-out", "leaf.csr", "-subj", "/CN=localhost"]);
        run(&leaf);
        run(&[
            "x509",
            "-req",
            "-in",
            "leaf.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            "leaf.pem",
            "-days",
            "2",
            "-extfile",
            "leaf.ext",
        ]);
        (folder.join("ca.pem"), folder.join("leaf.pem"), folder.join("leaf.key"))
    }

    /// A real SMTP server on 127.0.0.1 offering STARTTLS and requiring AUTH
    /// PLAIN as `user`/`password`: its port and what it received.
    pub fn start(cert: &Path, key: &Path, user: &str, password: &str) -> (u16, Arc<Mutex<Vec<Received>>>) {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let received = Arc::new(Mutex::new(Vec::new()));
        let sink = Sink {
            user: user.to_owned(),
            password: password.to_owned(),
            received: received.clone(),
            current: None,
        };
        let mut server = Server::new(sink);
        server.with_name("mail.test").with_num_threads(4).with_tcp_listener(listener);
        server
            .with_ssl(SslConfig::SelfSigned {
                cert_path: cert.display().to_string(),
                key_path: key.display().to_string(),
            })
            .unwrap()
            .with_auth(AuthMechanism::Plain);
        std::thread::spawn(move || {
            let _ = server.serve();
        });
        (port, received)
    }
}

/// The README's SMTP example, as written (STARTTLS, a user name and
/// password), pointed at a real SMTP server on loopback: the first start's
/// welcome email arrives there. Only what cannot be true here is
/// overridden, through variables merged into the file's tables: the host
/// and port, the private CA, the database (and its owner's URL) and the
/// listening address.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_readmes_smtp_example_delivers_to_a_real_smtp_server() {
    if !std::process::Command::new("openssl").arg("version").output().is_ok_and(|o| o.status.success()) {
        xtask::skips::record(xtask::skips::OPENSSL, &xtask::skips::current_test());
        return;
    }
    let example = toml_blocks("README.md", Some(README_SECTION))
        .into_iter()
        .find(|b| b.contains("kind = \"smtp\""))
        .expect("the README has an SMTP example");
    let given: std::collections::BTreeMap<String, Value> = leaves(&example).into_iter().collect();
    let user = given["mail.transport.username"].as_str().unwrap().to_owned();
    let password = given["mail.transport.password"].as_str().unwrap().to_owned();
    let dir = temp_dir("smtp");
    let (ca, cert, key) = smtp::certificates(&dir);
    let (port, received) = smtp::start(&cert, &key, &user, &password);
    std::fs::write(dir.join("identity.toml"), &example).unwrap();
    let port = port.to_string();
    let ca = ca.display().to_string();
    let server = binary::start(
        &dir,
        &[
            ("IDENTITY_DATABASE_URL", "sqlite://data/identity.db"),
            ("IDENTITY_DATABASE_OWNER_URL", "sqlite://data/identity.db"),
            ("IDENTITY_MAIL__TRANSPORT__HOST", "localhost"),
            ("IDENTITY_MAIL__TRANSPORT__PORT", &port),
            ("IDENTITY_MAIL__TRANSPORT__CA_CERTIFICATE", &ca),
            ("IDENTITY_MAIL__WORKER__POLL_INTERVAL_MS", "100"),
        ],
    );
    binary::eventually("the welcome email at the SMTP server", std::time::Duration::from_secs(30), || {
        !received.lock().unwrap().is_empty()
    })
    .await;
    let (from, to, data) = received.lock().unwrap()[0].clone();
    assert_eq!(from, given["mail.from_address"].as_str().unwrap());
    assert_eq!(to, vec!["admin@practice.example".to_owned()]);
    let text = String::from_utf8_lossy(&data);
    assert!(text.contains("Maple Immigration"), "the sender's name: {text}");
    assert!(text.contains("https://identity.maple.example"), "links from public_url: {text}");
    let (stopped, logs) = server.stop();
    assert!(stopped, "{logs}");
    std::fs::remove_dir_all(dir).ok();
}

/// The composition root in process: settings loaded by the real loader,
/// `serve::build` (what the binary runs), served until told to stop.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_composition_root_serves_in_process_and_stops_when_told() {
    let dir = temp_dir("in-process");
    let file = dir.join("identity.toml");
    let toml = format!(
        "listen = \"127.0.0.1:0\"\ndatabase_url = \"sqlite://{db}\"\n[mail.transport]\nkind = \"file\"\nfolder = \"{mail}\"\n",
        db = dir.join("identity.db").display(),
        mail = dir.join("outbox").display(),
    );
    std::fs::write(&file, toml).unwrap();
    let settings = xtask::config::load(&file).unwrap();
    let server = xtask::serve::build(settings).await.unwrap();
    assert!(server.first_start.is_some(), "a first start");
    let address = server.local_addr().unwrap();
    assert_eq!(server.settings().public_url(), format!("http://{address}"));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let running = tokio::spawn(server.run(async move {
        let _ = stopped.await;
    }));
    let ready = reqwest::get(format!("http://{address}/readyz")).await.unwrap();
    assert_eq!(ready.status(), reqwest::StatusCode::OK);
    stop.send(()).unwrap();
    running.await.unwrap().unwrap();
    std::fs::remove_dir_all(dir).ok();
}

/// The defaults column of the operations guide's settings table is what the
/// server runs with when nothing is set: each key whose defaults are given
/// as values (`30`, `none`…) is printed by `config check` with that value.
#[test]
fn the_operations_guides_defaults_are_the_defaults_in_force() {
    let guide = std::fs::read_to_string(workspace_file("docs/operations.md")).unwrap();
    let dir = temp_dir("config-table");
    let printed = config_check(&dir, None, &[]).unwrap();
    std::fs::remove_dir_all(dir).ok();
    let in_force = |key: &str| {
        printed
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{key} = ")))
            .map(|v| v.trim_matches('"').to_owned())
    };
    let ticked = |cell: &str| -> Option<String> {
        let cell = cell.trim();
        if cell == "none" {
            return Some("(unset)".to_owned());
        }
        let inner = cell.strip_prefix('`')?.strip_suffix('`')?;
        (!inner.contains('`')).then(|| inner.to_owned())
    };
    let mut compared = 0;
    for row in guide.lines().filter(|l| l.starts_with("| `")) {
        let cells: Vec<&str> = row.split(" | ").collect();
        let (Some(keys), Some(defaults)) = (cells.first(), cells.get(1)) else { continue };
        // `a.b`, `.c` and `d` after `a.b` are all under `a.`.
        let mut prefix = String::new();
        let keys: Vec<String> = keys
            .trim_start_matches("| ")
            .split(", ")
            .filter_map(&ticked)
            .map(|k| {
                if let Some(rest) = k.strip_prefix('.') {
                    format!("{prefix}{rest}")
                } else if k.contains('.') {
                    prefix = k[..=k.rfind('.').unwrap()].to_owned();
                    k
                } else if prefix.is_empty() {
                    k
                } else {
                    format!("{prefix}{k}")
                }
            })
            .collect();
        let Some(defaults) = defaults.split(", ").map(ticked).collect::<Option<Vec<String>>>() else {
            continue; // prose ("number of cores", "`public_url`" …): not a value
        };
        if defaults.len() != keys.len() {
            continue;
        }
        for (key, default) in keys.iter().zip(&defaults) {
            let Some(value) = in_force(key) else { continue };
            // A default that names another setting is that setting's value.
            let default = in_force(default).unwrap_or_else(|| default.clone());
            assert_eq!(
                value, default,
                "docs/operations.md says `{key}` defaults to {default}, it is {value}"
            );
            compared += 1;
        }
    }
    assert!(compared >= 35, "only {compared} defaults compared:\n{printed}");
}
