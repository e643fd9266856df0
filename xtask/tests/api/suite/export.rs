//! The users list's column choice and its CSV download: read back with a
//! CSV reader, the download equals the list; formula cells are neutralised;
//! every download is audited; bad parameters change nothing.

use super::*;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::collections::HashMap;

/// Names a spreadsheet would misread, and names that need CSV quoting.
const AWKWARD_NAMES: &[&str] = &[
    "=HYPERLINK(\"http://evil.example\",\"x\")",
    "+33 Dupont",
    "-Ana, the \"second\"",
    "@Ahmed",
    "Zoë O'Brien",
    "Ωmega Παπαδόπουλος",
    "Иван, Петров",
    "李小龍",
];

async fn add_named(app: &App, email: &str, name: &str, mode: &str) {
    let body = json!({
        "email": email, "name": name, "role": app.role("Paralegal").await,
        "language": "fr-CA", "time_zone": "America/Montreal", "credential": { "mode": mode },
    });
    let created = app.post("/api/v1/users", &app.admin, body).await;
    assert_eq!(created.status, StatusCode::CREATED, "{:#}", created.body);
}

struct Download {
    status: StatusCode,
    headers: reqwest::header::HeaderMap,
    bytes: Vec<u8>,
}

async fn download(app: &App, query: &str) -> Download {
    let response = app
        .http
        .get(format!("{}/api/v1/users/export?{query}", app.base))
        .bearer_auth(&app.admin)
        .send()
        .await
        .unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    Download { status, headers, bytes: response.bytes().await.unwrap().to_vec() }
}

fn records(bytes: &[u8]) -> (Vec<String>, Vec<Vec<String>>) {
    let mut reader = csv::Reader::from_reader(bytes);
    let header = reader.headers().unwrap().iter().map(str::to_owned).collect();
    let rows = reader.records().map(|r| r.unwrap().iter().map(str::to_owned).collect()).collect();
    (header, rows)
}

/// Every page of the list for `query`, walked with its cursors.
async fn walk(app: &App, query: &str) -> Vec<Value> {
    let mut items = Vec::new();
    let mut path = format!("/api/v1/users?{query}&limit=3");
    loop {
        let page = app.get(&path, &app.admin).await;
        assert_eq!(page.status, StatusCode::OK, "{:#}", page.body);
        items.extend(page.body["items"].as_array().unwrap().iter().cloned());
        match page.body["next_cursor"].as_str() {
            Some(cursor) => path = format!("/api/v1/users?{query}&limit=3&cursor={cursor}"),
            None => return items,
        }
    }
}

#[tokio::test]
async fn the_download_read_back_equals_the_list_with_formula_cells_neutralised() {
    let Some(app) = spawn_app().await else { return };
    for (i, name) in AWKWARD_NAMES.iter().enumerate() {
        add_named(
            &app,
            &format!("person{i}@maple.example"),
            name,
            if i % 2 == 0 { "invite" } else { "generate" },
        )
        .await;
    }
    let roles: HashMap<String, String> = app
        .get("/api/v1/roles", &app.admin)
        .await
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["id"].as_str().unwrap().to_owned(), r["name"].as_str().unwrap().to_owned()))
        .collect();

    for query in [
        "columns=name,email,role,status,created_at&sort=name&direction=desc",
        "columns=email,name&sort=created_at&status=invited",
        "columns=status,name&search=%D0%BF%D0%B5%D1%82&sort=status",
    ] {
        let got = download(&app, query).await;
        assert_eq!(got.status, StatusCode::OK, "{}", String::from_utf8_lossy(&got.bytes));
        let (header, rows) = records(&got.bytes);
        let listed = walk(&app, query).await;
        let columns: Vec<&str> = query["columns=".len()..query.find('&').unwrap()].split(',').collect();
        assert_eq!(header, columns);
        let expected: Vec<Vec<String>> = listed
            .iter()
            .map(|item| {
                // id, the chosen columns, and role_name beside role.
                let role_name = usize::from(columns.contains(&"role"));
                assert_eq!(item.as_object().unwrap().len(), columns.len() + 1 + role_name, "{item}");
                if role_name == 1 {
                    assert_eq!(item["role_name"], roles[item["role"].as_str().unwrap()].as_str(), "{item}");
                }
                columns
                    .iter()
                    .map(|c| match (*c, &item[*c]) {
                        ("role", Value::String(id)) => roles[id].clone(),
                        ("created_at", Value::String(at)) => at
                            .parse::<chrono::DateTime<chrono::Utc>>()
                            .unwrap()
                            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                        (_, Value::String(text)) if text.starts_with(['=', '+', '-', '@']) => {
                            format!("'{text}")
                        }
                        (_, Value::String(text)) => text.clone(),
                        (column, other) => panic!("{column}: {other}"),
                    })
                    .collect()
            })
            .collect();
        assert!(!expected.is_empty(), "{query} matches someone");
        assert_eq!(rows, expected, "{query}");
    }
}

#[tokio::test]
async fn the_download_is_utf8_csv_with_crlf_lines_quoted_as_rfc_4180_says() {
    let Some(app) = spawn_app().await else { return };
    add_named(&app, "ana@maple.example", "-Ana, the \"second\"", "invite").await;
    let got = download(&app, "columns=name,email&sort=email").await;
    assert_eq!(got.headers["content-type"], "text/csv; charset=utf-8");
    assert_eq!(got.headers["content-disposition"], "attachment; filename=\"users.csv\"");
    assert_eq!(got.headers["cache-control"], "no-store");
    let text = String::from_utf8(got.bytes).unwrap();
    assert_eq!(
        text,
        "\u{feff}name,email\r\n\"'-Ana, the \"\"second\"\"\",ana@maple.example\r\nOlivia Owner,owner@maple.example\r\n"
    );
}

#[tokio::test]
async fn every_download_is_audited_with_its_filter_and_columns() {
    let Some(app) = spawn_app().await else { return };
    let got = download(&app, "columns=email&status=active&search=Owner").await;
    assert_eq!(got.status, StatusCode::OK);
    let audit = app.get("/api/v1/audit?action=users.exported", &app.admin).await;
    let entries = audit.body["items"].as_array().unwrap();
    assert_eq!(entries.len(), 1, "{:#}", audit.body);
    assert_eq!(entries[0]["after"]["columns"], "email");
    assert_eq!(entries[0]["after"]["filter"]["statuses"], json!(["active"]));
    assert_eq!(entries[0]["after"]["filter"]["search"], "owner");
}

#[tokio::test]
async fn bad_download_parameters_are_422_and_nothing_is_audited() {
    let Some(app) = spawn_app().await else { return };
    for (query, field) in [
        ("columns=name,password_hash", "columns"),
        ("columns=name,name", "columns"),
        ("columns=", "columns"),
        ("limit=10", "limit"),
        ("sort=notes", "sort"),
    ] {
        let got = app.get(&format!("/api/v1/users/export?{query}"), &app.admin).await;
        got.assert_problem(422, "invalid-field");
        assert!(got.body.to_string().contains(field), "{query}: {:#}", got.body);
    }
    let audit = app.get("/api/v1/audit?action=users.exported", &app.admin).await;
    assert_eq!(audit.body["items"], json!([]));
}

#[tokio::test]
async fn the_list_shows_only_the_chosen_columns_and_everything_without_a_choice() {
    let Some(app) = spawn_app().await else { return };
    let chosen = app.get("/api/v1/users?columns=status,name", &app.admin).await;
    let item = &chosen.body["items"][0];
    assert_eq!(item.as_object().unwrap().keys().collect::<Vec<_>>(), ["id", "name", "status"]);
    let whole = app.get("/api/v1/users", &app.admin).await;
    let item = whole.body["items"][0].as_object().unwrap();
    for field in ["email", "role", "profiles", "phone", "sites", "version", "updated_at", "time_zone"] {
        assert!(item.contains_key(field), "{field}");
    }
}
