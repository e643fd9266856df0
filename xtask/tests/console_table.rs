//! The users table in a real browser (headless Chromium over chromedriver,
//! `xtask serve` on SQLite as an operator starts it, 130 users seeded):
//! the page size chosen and kept while paging, the columns of last
//! sign-in, profiles, sites and invitation, and each filter a chip whose
//! remove link is reached and followed with the keyboard. Screenshots go
//! to `<target>/console-screenshots/` (`users-page-size`,
//! `users-columns`, `users-chips`).
//!
//! Without `/usr/bin/chromium` and `/usr/bin/chromedriver` the test prints
//! SKIPPED and passes, except under `CI=true`, where it fails.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use fantoccini::Locator;
use std::process::Stdio;

#[path = "common/binary.rs"]
mod binary;
#[path = "common/browser.rs"]
mod browser;

use browser::{Browser, browser_available};

const PASSWORD: &str = "a long and private passphrase";
const TAB: &str = "\u{e004}";
const ENTER: &str = "\u{e007}";

/// Signs in with the one-time password and chooses [`PASSWORD`].
async fn sign_in(browser: &Browser, one_time: &str) {
    browser.first_admin_sign_in(one_time, PASSWORD).await;
    assert!(browser.path().await.starts_with("/console/users"), "{}", browser.path().await);
}

/// An API session of the Super Admin.
async fn api_token(http: &reqwest::Client, base: &str) -> String {
    let body = serde_json::json!({ "practice": "practice", "email": "admin@practice.example", "password": PASSWORD });
    let answer: serde_json::Value =
        http.post(format!("{base}/api/v1/sessions")).json(&body).send().await.unwrap().json().await.unwrap();
    answer["token"].as_str().expect("an API session").to_owned()
}

impl Browser {
    async fn rows(&self) -> usize {
        self.client.find_all(Locator::Css("#users tbody tr")).await.unwrap().len()
    }

    async fn chips(&self) -> Vec<String> {
        let mut labels = Vec::new();
        for chip in self.client.find_all(Locator::Css("#filter-chips .chip-label")).await.unwrap() {
            labels.push(chip.text().await.unwrap());
        }
        labels
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_users_table_pages_by_the_chosen_size_shows_the_new_columns_and_drops_filters_by_their_chips() {
    if !browser_available() {
        return;
    }
    let dir = binary::temp_dir("console-table");
    let running = binary::start(&dir, &[("RUST_LOG", "warn")]);
    let base = running.base.clone();
    let one_time = running.first_password.clone().expect("first start printed a password");
    let browser = Browser::open(&base, "table").await;
    sign_in(&browser, &one_time).await;
    let seeded = binary::xtask(&dir)
        .args(["seed", "--users", "130"])
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert!(seeded.success(), "seeding failed: {seeded}");
    // One invitation sent through the API.
    let http = binary::http();
    let token = api_token(&http, &base).await;
    let roles: serde_json::Value = http
        .get(format!("{base}/api/v1/roles"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let paralegal =
        roles.as_array().unwrap().iter().find(|r| r["name"] == "Paralegal").unwrap()["id"].clone();
    let body = serde_json::json!({
        "email": "ivy@practice.example", "name": "Ivy Invited", "role": paralegal,
        "language": "en", "time_zone": "UTC", "credential": { "mode": "invite" },
    });
    let created: serde_json::Value = http
        .post(format!("{base}/api/v1/users"))
        .bearer_auth(&token)
        .json(&body)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let ivy = created["user"]["id"].as_str().unwrap().to_owned();

    // The page size: 25 by default, 50 once chosen, kept on the next page.
    browser.goto("/console/users").await;
    assert_eq!(browser.rows().await, 25);
    browser.select("#f-size", "50").await;
    browser.submit("#apply-size").await;
    assert!(browser.path().await.contains("size=50"), "{}", browser.path().await);
    assert_eq!(browser.rows().await, 50);
    assert!(
        browser.text("#users-range").await.starts_with("1–50 of "),
        "{}",
        browser.text("#users-range").await
    );
    browser.submit("#next-page").await;
    assert!(browser.path().await.contains("size=50"), "{}", browser.path().await);
    assert_eq!(browser.rows().await, 50);
    assert!(browser.text("#users-range").await.starts_with("51–100 of "));
    browser.shot("users-page-size").await;

    // The new columns, chosen in the Columns panel.
    browser.click("#columns-menu > summary").await;
    for column in ["last_sign_in_at", "profiles", "sites", "invitation"] {
        browser.click(&format!("#col-{column}")).await;
    }
    browser.submit("#save-columns").await;
    assert!(browser.path().await.contains("size=50"), "the size stays: {}", browser.path().await);
    assert_eq!(browser.text("th[data-column=last_sign_in_at]").await, "Last sign-in");
    assert_eq!(browser.text("th[data-column=invitation]").await, "Invitation");
    assert!(!browser.has("th[data-column=invitation] a").await, "the invitation does not sort");
    browser.goto("/console/users?search=ivy%40practice").await;
    let row = browser.text(&format!("tr[data-user=\"{ivy}\"]")).await;
    assert!(row.contains("Never") && row.contains("Sent ") && row.contains("; expires "), "{row}");
    browser.goto("/console/users?search=admin%40practice").await;
    let row = browser.text("#users tbody tr").await;
    assert!(!row.contains("Never") && row.contains("Not invited"), "the admin signed in: {row}");
    browser.goto("/console/users?size=50").await;
    browser.shot("users-columns").await;

    // Filters become chips; the keyboard reaches a chip's remove link.
    browser.click("#filter-menu > summary").await;
    browser.select("#f-status", "Active").await;
    browser.submit("#apply-filter").await;
    browser.fill("#f-search", "a").await;
    browser.submit("#search-form button[type=submit]").await;
    assert_eq!(browser.chips().await, ["Status: Active", "Search: “a”"]);
    let remove = browser.find(".chip-remove").await;
    assert_eq!(remove.attr("aria-label").await.unwrap().as_deref(), Some("Remove the filter Status: Active"));
    browser.find("#f-search").await.click().await.unwrap();
    let mut reached = false;
    for _ in 0..12 {
        browser.client.active_element().await.unwrap().send_keys(TAB).await.unwrap();
        let focused = browser.client.active_element().await.unwrap();
        if focused.attr("class").await.unwrap().as_deref() == Some("chip-remove") {
            reached = true;
            break;
        }
    }
    assert!(reached, "Tab reaches the first chip's remove link");
    browser.shot("users-chips").await;
    browser.mark_page().await;
    browser.client.active_element().await.unwrap().send_keys(ENTER).await.unwrap();
    browser.wait_for_next_page("removing the status chip").await;
    assert_eq!(browser.chips().await, ["Search: “a”"]);
    let path = browser.path().await;
    assert!(!path.contains("status=") && path.contains("search=a") && path.contains("size=50"), "{path}");
    browser.submit("#clear-chips").await;
    assert!(!browser.has("#filter-chips").await);
    assert_eq!(browser.rows().await, 50, "every user again, 50 a page");

    browser.close().await;
    let (stopped, log) = running.stop();
    assert!(stopped, "the server did not stop cleanly:\n{log}");
    let _ = std::fs::remove_dir_all(&dir);
}
