//! The browser the console's and the portal's browser tests drive:
//! headless Chromium (Debian's `chromium`) through `chromedriver`, on the
//! pages of `xtask serve`; and the links the server emails, read from its
//! `.eml` outbox folder.

#![allow(dead_code)]

use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const CHROMIUM: &str = "/usr/bin/chromium";
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// Whether the browser is here; under CI its absence fails the test.
pub fn browser_available() -> bool {
    let present = Path::new(CHROMIUM).exists() && Path::new(CHROMEDRIVER).exists();
    if !present {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "{CHROMIUM} and {CHROMEDRIVER} are needed for the browser tests \
             (apt-get install chromium chromium-driver; .ci/run does it)"
        );
        xtask::skips::record(
            &format!("Chromium ({CHROMIUM} and {CHROMEDRIVER})"),
            &xtask::skips::current_test(),
        );
    }
    present
}

pub fn screenshot_dir() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf();
    let target = std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), PathBuf::from);
    let target = if target.is_absolute() { target } else { root.join(target) };
    let dir = target.join("console-screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

pub struct Browser {
    pub client: Client,
    driver: Child,
    profile: PathBuf,
    pub base: String,
}

impl Browser {
    pub async fn open(base: &str, tag: &str) -> Self {
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let driver = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let profile =
            std::env::temp_dir().join(format!("identity-console-chromium-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&profile);
        let args = [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
            "--window-size=1280,900",
            "--lang=en-US",
        ]
        .iter()
        .map(|a| (*a).to_owned())
        .chain([format!("--user-data-dir={}", profile.display())])
        .collect::<Vec<_>>();
        let mut capabilities = serde_json::Map::new();
        capabilities
            .insert("goog:chromeOptions".into(), serde_json::json!({ "binary": CHROMIUM, "args": args }));
        let url = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(30);
        let client = loop {
            match ClientBuilder::new(HttpConnector::new())
                .capabilities(capabilities.clone())
                .connect(&url)
                .await
            {
                Ok(client) => break client,
                Err(e) if Instant::now() < deadline => {
                    let _ = e;
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
                Err(e) => panic!("chromedriver did not start a browser: {e}"),
            }
        };
        Self { client, driver, profile, base: base.to_owned() }
    }

    /// Ends the browser session; the driver stops when the browser is dropped.
    pub async fn close(self) {
        let _ = self.client.clone().close().await;
    }

    /// Opens a path of the server, or a whole address (an emailed link),
    /// and checks the page with axe-core.
    pub async fn goto(&self, path: &str) {
        let url = if path.starts_with("http") { path.to_owned() } else { format!("{}{path}", self.base) };
        self.client.goto(&url).await.unwrap();
        self.assert_accessible().await;
    }

    /// The first Super Admin's first sign-in (`admin@practice.example` of
    /// the practice the server's first start made) with the one-time
    /// password it printed, changed to `password`.
    pub async fn first_admin_sign_in(&self, one_time: &str, password: &str) {
        self.goto("/console/sign-in").await;
        self.fill("#f-practice", "practice").await;
        self.fill("#f-email", "admin@practice.example").await;
        self.fill("#f-password", one_time).await;
        self.submit("button.primary").await;
        self.fill("#f-current_password", one_time).await;
        self.fill("#f-new_password", password).await;
        self.submit("button.primary").await;
    }

    pub async fn path(&self) -> String {
        let url = self.client.current_url().await.unwrap();
        match url.query() {
            Some(q) => format!("{}?{q}", url.path()),
            None => url.path().to_owned(),
        }
    }

    /// The element at `css`, waiting a little for it; a missing one fails
    /// the test with what the page says instead.
    pub async fn find(&self, css: &str) -> fantoccini::elements::Element {
        match self.client.wait().at_most(Duration::from_secs(5)).for_element(Locator::Css(css)).await {
            Ok(element) => element,
            Err(e) => {
                let body = match self.client.find(Locator::Css("body")).await {
                    Ok(body) => body.text().await.unwrap_or_default(),
                    Err(_) => String::new(),
                };
                panic!("{css} not found on {} ({e}); the page says:\n{body}", self.path().await)
            }
        }
    }

    /// Clicks `css` and waits for the next page to load.
    pub async fn submit(&self, css: &str) {
        self.mark_page().await;
        self.find(css).await.click().await.unwrap_or_else(|e| panic!("clicking {css}: {e}"));
        self.wait_for_next_page(&format!("clicking {css}")).await;
    }

    /// Marks the page shown, so that [`Browser::wait_for_next_page`] can
    /// tell when another has replaced it.
    pub async fn mark_page(&self) {
        self.client.execute("window.__before_click = true;", vec![]).await.unwrap();
    }

    /// Waits until a page other than the one marked has loaded; `what` led
    /// to it (for the failure's message).
    pub async fn wait_for_next_page(&self, what: &str) {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let loaded = self
                .client
                .execute(
                    "return window.__before_click === undefined && document.readyState === 'complete';",
                    vec![],
                )
                .await
                .map(|v| v == serde_json::Value::Bool(true))
                .unwrap_or(false);
            if loaded {
                self.assert_accessible().await;
                return;
            }
            assert!(Instant::now() < deadline, "{what} led to no new page");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub async fn fill(&self, css: &str, text: &str) {
        let field = self.find(css).await;
        field.clear().await.unwrap();
        field.send_keys(text).await.unwrap();
    }

    pub async fn click(&self, css: &str) {
        self.find(css).await.click().await.unwrap();
    }

    pub async fn text(&self, css: &str) -> String {
        self.find(css).await.text().await.unwrap()
    }

    /// The text of `css` once the page's script has shown it.
    pub async fn shown_text(&self, css: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let text = self.text(css).await;
            if !text.is_empty() || Instant::now() > deadline {
                return text;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub async fn has(&self, css: &str) -> bool {
        !self.client.find_all(Locator::Css(css)).await.unwrap().is_empty()
    }

    /// The current value of the form field `css`.
    pub async fn field_value(&self, css: &str) -> String {
        self.find(css).await.prop("value").await.unwrap().unwrap_or_default()
    }

    pub async fn body(&self) -> String {
        self.text("body").await
    }

    /// Every field of the page has a label (or an accessible name).
    pub async fn assert_labelled(&self) {
        let unlabelled = self
            .client
            .execute(
                "return [...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
                    .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label'))
                    .map(e => e.name || e.id);",
                vec![],
            )
            .await
            .unwrap();
        assert_eq!(unlabelled, serde_json::json!([]), "fields without a label on {}", self.path().await);
    }

    /// Checks a main page — its fields are labelled, axe-core finds no
    /// serious or critical violation — and saves its screenshots at 1366
    /// and 375 px wide (`<name>-1366.png`, `<name>-375.png`), the window
    /// then given back its size.
    pub async fn shot(&self, name: &str) {
        self.assert_labelled().await;
        self.assert_accessible().await;
        let (width, height) = self.client.get_window_size().await.unwrap();
        let (width, height) = (u32::try_from(width).unwrap(), u32::try_from(height).unwrap());
        for shot_width in [1366, 375] {
            self.client.set_window_size(shot_width, 900).await.unwrap();
            tokio::time::sleep(Duration::from_millis(100)).await;
            let png = self.client.screenshot().await.unwrap();
            std::fs::write(screenshot_dir().join(format!("{name}-{shot_width}.png")), png).unwrap();
        }
        self.client.set_window_size(width, height).await.unwrap();
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    /// axe-core (`xtask/axe`, from npm) finds no serious or critical
    /// violation on the page shown. The path is added to
    /// `<target>/console-screenshots/axe-pages.txt`.
    ///
    /// A page that goes away meanwhile (its script leads elsewhere) is not
    /// checked: the next one is.
    pub async fn assert_accessible(&self) {
        let Some(axe) = axe_source() else { return };
        let Ok(loaded) = self.client.execute("return typeof window.axe === 'object';", vec![]).await else {
            return;
        };
        if loaded != serde_json::Value::Bool(true)
            && self.client.execute(&format!("{axe}\n;return true;"), vec![]).await.is_err()
        {
            return;
        }
        let Ok(found) = self
            .client
            .execute_async(
                "const done = arguments[arguments.length - 1];
                 axe.run(document, { resultTypes: ['violations'] })
                   .then(r => done(r.violations
                     .filter(v => v.impact === 'serious' || v.impact === 'critical')
                     .map(v => ({ id: v.id, impact: v.impact, help: v.help,
                                  nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ')) }))))
                   .catch(e => done([{ id: 'axe-failed', help: String(e) }]));",
                vec![],
            )
            .await
        else {
            return;
        };
        let path = self.path().await;
        assert_eq!(found, serde_json::json!([]), "axe-core: serious or critical violations on {path}");
        let log = screenshot_dir().join("axe-pages.txt");
        let mut file = std::fs::OpenOptions::new().create(true).append(true).open(log).unwrap();
        std::io::Write::write_all(&mut file, format!("{path}\n").as_bytes()).unwrap();
    }
}

/// axe-core's script, installed from npm by `cargo xtask ci` (`npm ci` in
/// `xtask/axe`); without it the check is skipped, except under `CI=true`,
/// where its absence fails the test.
pub fn axe_source() -> Option<&'static str> {
    static SOURCE: std::sync::OnceLock<Option<String>> = std::sync::OnceLock::new();
    SOURCE
        .get_or_init(|| {
            let root = Path::new(env!("CARGO_MANIFEST_DIR"));
            let file = root.join("axe/node_modules/axe-core/axe.min.js");
            match std::fs::read_to_string(&file) {
                Ok(source) => Some(source),
                Err(e) => {
                    assert!(
                        std::env::var("CI").as_deref() != Ok("true"),
                        "{} is needed for the accessibility checks ({e}): `npm ci --prefix xtask/axe` \
                         (cargo xtask ci does it)",
                        file.display()
                    );
                    xtask::skips::record(
                        "axe-core (npm ci --prefix xtask/axe)",
                        &xtask::skips::current_test(),
                    );
                    None
                }
            }
        })
        .as_deref()
}

/// A test that fails leaves no chromedriver (nor its browser) behind.
impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
        let _ = self.driver.wait();
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

impl Browser {
    pub async fn select(&self, css: &str, label: &str) {
        self.find(css).await.select_by_label(label).await.unwrap_or_else(|e| panic!("{css} {label}: {e}"));
    }
}

/// The newest emailed link to `path` (`/join`, `/recover`, `/portal/join`,
/// `/portal/recover`) for `to`, from the outbox folder, waiting for the
/// mail worker.
pub async fn emailed_link(outbox: &Path, to: &str, path: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(link) = links(outbox, to, path).pop() {
            return link;
        }
        assert!(Instant::now() < deadline, "no email with a {path} link to {to} in {}", outbox.display());
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The first emailed link to `path` for `to` that is none of `known`,
/// waiting for the mail worker (emails written in the same instant have
/// no order, so a new link is told by what was there before).
pub async fn new_emailed_link(outbox: &Path, to: &str, path: &str, known: &[String]) -> String {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(link) = links(outbox, to, path).into_iter().find(|l| !known.contains(l)) {
            return link;
        }
        assert!(Instant::now() < deadline, "no new email with a {path} link to {to} in {}", outbox.display());
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Every link to `path` emailed to `to`, oldest first.
pub fn links(outbox: &Path, to: &str, path: &str) -> Vec<String> {
    emails_with_link(outbox, to, path)
        .into_iter()
        .map(|(_, text)| {
            let start = text.find(&format!("{path}#token=")).unwrap();
            let from = text[..start].rfind("http").unwrap();
            text[from..].chars().take_while(|c| c.is_ascii_alphanumeric() || "-_:/.#=".contains(*c)).collect()
        })
        .collect()
}

/// The emails to `to` with a link to `path`, oldest first, as text.
pub fn emails_with_link(outbox: &Path, to: &str, path: &str) -> Vec<(std::time::SystemTime, String)> {
    let mut found: Vec<(std::time::SystemTime, String)> = std::fs::read_dir(outbox)
        .map(|entries| {
            entries
                .flatten()
                .filter_map(|e| {
                    let raw = std::fs::read_to_string(e.path()).ok()?;
                    let text = raw.replace("=\r\n", "").replace("=\n", "").replace("=3D", "=");
                    let modified = e.metadata().ok()?.modified().ok()?;
                    (text.contains(&format!("<{to}>")) && text.contains(&format!("{path}#token=")))
                        .then_some((modified, text))
                })
                .collect()
        })
        .unwrap_or_default();
    found.sort();
    found
}

/// A WebDriver command of the WebAuthn extension (chromedriver's virtual
/// authenticators): `POST` (or `GET` without a body) of `path` under the
/// session.
#[derive(Debug)]
struct WebAuthnCommand {
    path: String,
    body: Option<serde_json::Value>,
}

impl fantoccini::wd::WebDriverCompatibleCommand for WebAuthnCommand {
    fn endpoint(&self, base: &url::Url, session: Option<&str>) -> Result<url::Url, url::ParseError> {
        base.join(&format!("session/{}/webauthn/{}", session.unwrap_or_default(), self.path))
    }

    fn method_and_body(&self, _url: &url::Url) -> (http::Method, Option<String>) {
        match &self.body {
            Some(body) => (http::Method::POST, Some(body.to_string())),
            None => (http::Method::GET, None),
        }
    }
}

impl Browser {
    /// A virtual authenticator in this browser, as a CTAP2 security key
    /// with a PIN to which the person always consents; its id.
    pub async fn virtual_authenticator(&self) -> String {
        let body = serde_json::json!({
            "protocol": "ctap2",
            "transport": "usb",
            "hasResidentKey": false,
            "hasUserVerification": true,
            "isUserConsenting": true,
            "isUserVerified": true,
        });
        let command = WebAuthnCommand { path: "authenticator".to_owned(), body: Some(body) };
        let id = self.client.issue_cmd(command).await.unwrap();
        id.as_str().expect("an authenticator id").to_owned()
    }

    /// The credentials the virtual authenticator `id` holds.
    pub async fn authenticator_credentials(&self, id: &str) -> serde_json::Value {
        let command = WebAuthnCommand { path: format!("authenticator/{id}/credentials"), body: None };
        self.client.issue_cmd(command).await.unwrap()
    }
}
