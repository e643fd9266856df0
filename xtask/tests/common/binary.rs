//! The real binary as an operator runs it: `xtask serve` in a folder of its
//! own, its banner read for the address, stopped with SIGTERM (or killed),
//! and a small HTTP client to drive it.

#![allow(dead_code)]

use reqwest::StatusCode;
use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

pub const PASSWORD: &str = "a long and private passphrase";

/// The longest a test waits for one answer, or for a server to stop: a
/// server that hangs fails its test with a message instead of holding the
/// whole run until CI cuts it.
pub const PATIENCE: Duration = Duration::from_secs(60);

/// An HTTP client that gives up on an answer after [`PATIENCE`].
pub fn http() -> reqwest::Client {
    http_builder().build().unwrap()
}

/// [`http`]'s settings, to add to.
pub fn http_builder() -> reqwest::ClientBuilder {
    reqwest::Client::builder().timeout(PATIENCE)
}

/// A fresh folder under the system's temporary folder.
pub fn temp_dir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("identity-{tag}-{}", uuid::Uuid::now_v7().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// `xtask` with no `IDENTITY_*` variable of the test's environment.
pub fn xtask(dir: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_xtask"));
    command.current_dir(dir);
    for (name, _) in std::env::vars() {
        if name.starts_with("IDENTITY_") {
            command.env_remove(name);
        }
    }
    command
}

/// A running `xtask serve`.
pub struct Running {
    /// `None` once stopped.
    pub child: Option<Child>,
    pub base: String,
    pub first_password: Option<String>,
    /// Every line printed before `Listening on`.
    pub banner: Vec<String>,
    /// What it logged so far, read as it is written: a server whose log
    /// nobody reads would stop at its next line once the pipe is full.
    log: Log,
}

/// A child's stderr, drained by a thread of its own.
struct Log {
    text: Arc<Mutex<Vec<u8>>>,
    reader: Option<JoinHandle<()>>,
}

impl Log {
    fn drain(mut from: impl Read + Send + 'static) -> Self {
        let text = Arc::new(Mutex::new(Vec::new()));
        let sink = text.clone();
        let reader = std::thread::spawn(move || {
            let mut buf = [0_u8; 8192];
            while let Ok(n @ 1..) = from.read(&mut buf) {
                sink.lock().unwrap().extend_from_slice(&buf[..n]);
            }
        });
        Self { text, reader: Some(reader) }
    }

    /// Everything, once the child has exited (its end of the pipe closed).
    fn finish(&mut self) -> String {
        if let Some(reader) = self.reader.take() {
            reader.join().ok();
        }
        String::from_utf8_lossy(&self.text.lock().unwrap()).into_owned()
    }
}

/// Starts `xtask serve` in `dir` on a free loopback port with `env`, and
/// waits until it listens.
pub fn start(dir: &Path, env: &[(&str, &str)]) -> Running {
    try_start(dir, env).unwrap_or_else(|stderr| panic!("the server stopped before listening: {stderr}"))
}

/// [`start`], or what the server wrote to stderr when it stopped first.
pub fn try_start(dir: &Path, env: &[(&str, &str)]) -> Result<Running, String> {
    let mut command = xtask(dir);
    command
        .arg("serve")
        .env("IDENTITY_LISTEN", "127.0.0.1:0")
        .env("RUST_LOG", "info")
        // Most tests act as the first Super Admin straight after the
        // password change; tests of second factors (and the README's walk)
        // set it back to the default, `true`.
        .env("IDENTITY_FIRST_PRACTICE__SECOND_FACTOR_FOR_ADMINS", "false")
        .envs(env.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = command.spawn().expect("start xtask serve");
    let mut log = Log::drain(child.stderr.take().unwrap());
    // stdout is read on a thread of its own, so that a server that neither
    // listens nor exits fails the test after [`PATIENCE`] instead of
    // holding it; the thread goes on reading (and dropping) the rest, so
    // that printing never blocks the server.
    let (lines, printed) = std::sync::mpsc::channel();
    let stdout = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            let _ = lines.send(line);
        }
    });
    let deadline = Instant::now() + PATIENCE;
    let mut first_password = None;
    let mut base = None;
    let mut banner = Vec::new();
    while let Ok(line) = printed.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
        if let Some(rest) = line.trim().strip_prefix("password:") {
            first_password = rest.split_whitespace().next().map(str::to_owned);
        }
        if let Some(address) = line.strip_prefix("Listening on ") {
            base = address.split_whitespace().next().map(str::to_owned);
            banner.push(line);
            break;
        }
        banner.push(line);
    }
    let Some(base) = base else {
        let running = child.try_wait().unwrap().is_none();
        if running {
            let _ = child.kill();
        }
        child.wait().unwrap();
        let log = log.finish();
        return Err(if running { format!("{log}\n(not listening after {PATIENCE:?}: killed)") } else { log });
    };
    Ok(Running { child: Some(child), base, first_password, banner, log })
}

impl Running {
    /// SIGTERM, then whether it exited 0 within [`PATIENCE`], and what it
    /// logged. One still running then is killed, and counts as not stopped.
    pub fn stop(mut self) -> (bool, String) {
        let mut child = self.child.take().unwrap();
        // A frozen server (SIGSTOP) would never act on the SIGTERM.
        Command::new("kill").args(["-CONT", &child.id().to_string()]).status().unwrap();
        Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
        let deadline = Instant::now() + PATIENCE;
        let status = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break Some(status);
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            std::thread::sleep(Duration::from_millis(50));
        };
        let log = self.log.finish();
        match status {
            Some(status) => (status.success(), log),
            None => (false, format!("{log}\n(still running {PATIENCE:?} after SIGTERM: killed)")),
        }
    }

    /// SIGKILL: no shutdown at all.
    pub fn kill(mut self) {
        let mut child = self.child.take().unwrap();
        child.kill().unwrap();
        child.wait().unwrap();
    }

    pub fn client(&self) -> Client {
        Client { http: http(), base: self.base.clone() }
    }
}

/// A test that fails before `stop` leaves no server behind.
impl Drop for Running {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

#[derive(Clone)]
pub struct Client {
    pub http: reqwest::Client,
    pub base: String,
}

impl Client {
    pub async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut request = self.http.request(method, format!("{}{path}", self.base));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        let text = response.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
    }

    /// Signs the first Super Admin in with the printed one-time password,
    /// sets [`PASSWORD`], and returns a full session's token.
    pub async fn first_admin(&self, one_time: &str) -> String {
        use reqwest::Method;
        let body = json!({ "practice": "practice", "email": "admin@practice.example", "password": one_time });
        let (status, signed) = self.send(Method::POST, "/api/v1/sessions", None, Some(body)).await;
        assert_eq!(status, StatusCode::CREATED, "{signed}");
        let token = signed["token"].as_str().unwrap().to_owned();
        let change = json!({ "current_password": one_time, "new_password": PASSWORD });
        let (status, body) = self.send(Method::PUT, "/api/v1/me/password", Some(&token), Some(change)).await;
        assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
        token
    }

    /// The id of the role named `name`.
    pub async fn role(&self, token: &str, name: &str) -> Value {
        let (_, roles) = self.send(reqwest::Method::GET, "/api/v1/roles", Some(token), None).await;
        roles.as_array().unwrap().iter().find(|r| r["name"] == name).unwrap()["id"].clone()
    }

    /// Creates an invited user; the status and body.
    pub async fn invite(&self, token: &str, role: &Value, email: &str) -> (StatusCode, Value) {
        let body = json!({ "email": email, "name": "Staff Member", "role": role, "language": "en",
                           "time_zone": "UTC", "credential": { "mode": "invite" } });
        self.send(reqwest::Method::POST, "/api/v1/users", Some(token), Some(body)).await
    }
}

/// Waits until `check` holds, or fails naming `what`.
pub async fn eventually<F: FnMut() -> bool>(what: &str, timeout: Duration, mut check: F) {
    let started = Instant::now();
    while !check() {
        assert!(started.elapsed() < timeout, "{what}: not within {timeout:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The token of the newest link to `to` in the file outbox, waiting for the
/// worker to write it.
pub async fn emailed_token(outbox: &Path, to: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let mut found: Vec<(std::time::SystemTime, String)> = std::fs::read_dir(outbox)
            .map(|entries| {
                entries
                    .flatten()
                    .filter_map(|e| {
                        let raw = std::fs::read_to_string(e.path()).ok()?;
                        // Undo quoted-printable: soft line breaks, then `=3D`.
                        let text = raw.replace("=\r\n", "").replace("=\n", "").replace("=3D", "=");
                        let modified = e.metadata().ok()?.modified().ok()?;
                        (text.contains(&format!("<{to}>")) && text.contains("#token="))
                            .then_some((modified, text))
                    })
                    .collect()
            })
            .unwrap_or_default();
        found.sort();
        if let Some((_, text)) = found.pop() {
            let start = text.find("#token=").unwrap() + "#token=".len();
            return text[start..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || "-_".contains(*c))
                .collect();
        }
        assert!(Instant::now() < deadline, "no email with a link to {to} in {}", outbox.display());
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
