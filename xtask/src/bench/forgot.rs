//! `bench --forgot`: whether "forgot password" tells anything by its time.
//!
//! The release server on a fresh SQLite file (as the main bench starts
//! it); an active, an inactive and a locked account made through the API
//! (the lock is written to the database directly: 100 failed sign-ins take
//! minutes of enforced delays); then `--samples` rounds, each sending
//! `POST /api/v1/password/forgot` once for every case — a known active
//! address, an unknown address, the inactive account, the locked account,
//! an unknown practice — in an order that changes every round, so that the
//! machine's drift falls on all five alike and no case always follows the
//! same one (the work queued for one request shares the database with the
//! next answer's budget count); 20 ms apart. Prints the median and p90 of
//! each, and how far the medians are apart.

use super::{ADMIN_EMAIL, ADMIN_PASSWORD, Api, BenchArgs, Latencies, PRACTICE, Place, Server, expect, ms};
use reqwest::{Method, StatusCode};
use sea_orm::ConnectionTrait as _;
use serde_json::json;
use std::path::Path;
use std::time::Duration;

/// The five cases: a name, the practice and the email sent.
const CASES: [(&str, &str, &str); 5] = [
    ("known active address", PRACTICE, "active@practice.example"),
    ("unknown address", PRACTICE, "nobody@practice.example"),
    ("inactive account", PRACTICE, "inactive@practice.example"),
    ("locked account", PRACTICE, "locked@practice.example"),
    ("unknown practice", "no-such-practice", "active@practice.example"),
];

/// Runs the measurement on `binary` and prints the table.
///
/// # Errors
/// A readable message when a step fails; the server is stopped all the same.
pub async fn measure(args: &BenchArgs, binary: &Path) -> Result<(), String> {
    let place = Place::make(&BenchArgs { database_url: None, ..args.clone() }).await?;
    let outcome = match Server::start(binary, &place) {
        Ok(mut server) => {
            let outcome = drive(args.samples, &place, &server).await;
            server.stop();
            outcome
        }
        Err(e) => Err(e),
    };
    place.remove().await;
    let medians = outcome?;
    println!();
    println!("Forgot-password answer time — SQLite, {} samples each, taken in turns", args.samples);
    println!("| {:<22} | {:>11} | {:>8} |", "case", "median (ms)", "p90 (ms)");
    println!("|{}|{}|{}|", "-".repeat(24), "-".repeat(13), "-".repeat(10));
    for (case, median, p90) in &medians {
        println!("| {case:<22} | {:>11.3} | {:>8.3} |", ms(*median), ms(*p90));
    }
    let low = medians.iter().map(|m| m.1).min().unwrap_or_default();
    let high = medians.iter().map(|m| m.1).max().unwrap_or_default();
    let spread = if low.is_zero() { 0.0 } else { (high.as_secs_f64() / low.as_secs_f64() - 1.0) * 100.0 };
    println!("Spread of the medians: {spread:.1}% (highest over lowest)");
    Ok(())
}

async fn drive(
    samples: usize,
    place: &Place,
    server: &Server,
) -> Result<Vec<(&'static str, Duration, Duration)>, String> {
    let api = Api::new(&server.base)?;
    let first = api.sign_in(ADMIN_EMAIL, &server.first_password).await;
    expect(&first, StatusCode::CREATED, "first sign-in")?;
    let one_time = first.body["token"].as_str().unwrap_or_default().to_owned();
    let change = json!({ "current_password": server.first_password, "new_password": ADMIN_PASSWORD });
    let changed = api.send(Method::PUT, "/me/password", Some(&one_time), Some(change)).await;
    expect(&changed, StatusCode::NO_CONTENT, "changing the first password")?;
    let signed = api.sign_in(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    expect(&signed, StatusCode::CREATED, "signing in")?;
    let admin = signed.body["token"].as_str().unwrap_or_default().to_owned();
    let roles = api.send(Method::GET, "/roles", Some(&admin), None).await;
    let role = roles.body.as_array().and_then(|r| {
        r.iter().find(|r| r["name"] == "Paralegal").and_then(|r| r["id"].as_str().map(str::to_owned))
    });
    let role = role.ok_or("no Paralegal role")?;
    for email in ["active@practice.example", "inactive@practice.example", "locked@practice.example"] {
        let body = json!({
            "email": email, "name": "Bench Person", "role": role, "language": "en",
            "time_zone": "UTC", "credential": { "mode": "generate" },
        });
        let created = api.send(Method::POST, "/users", Some(&admin), Some(body)).await;
        expect(&created, StatusCode::CREATED, "creating a user")?;
        if email.starts_with("inactive") {
            let id = created.body["user"]["id"].as_str().unwrap_or_default();
            let gone = api
                .send(Method::POST, &format!("/users/{id}/deactivate"), Some(&admin), Some(json!({})))
                .await;
            expect(&gone, StatusCode::OK, "deactivating a user")?;
        }
    }
    let store = identity_store::SeaStore::connect(&place.database_url).await.map_err(|e| e.to_string())?;
    store
        .connection()
        .execute_unprepared(
            "UPDATE credentials SET locked = 1 WHERE user_id = \
             (SELECT id FROM users WHERE email_normalized = 'locked@practice.example')",
        )
        .await
        .map_err(|e| e.to_string())?;
    store.close().await.map_err(|e| e.to_string())?;

    let mut times: Vec<Vec<Duration>> = vec![Vec::with_capacity(samples); CASES.len()];
    for round in 0..samples {
        // A different order every round (strides 1 to 4 of 5 cases), so
        // that no case always follows the same one.
        let stride = 1 + round % (CASES.len() - 1);
        for turn in 0..CASES.len() {
            let index = (round + turn * stride) % CASES.len();
            let (_, practice, email) = CASES[index];
            let body = json!({ "practice": practice, "email": email });
            let answer = api.send(Method::POST, "/password/forgot", None, Some(body)).await;
            expect(&answer, StatusCode::ACCEPTED, "forgot password")?;
            times[index].push(answer.took);
            // Room for the queued work, so each answer is measured alone.
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    Ok(CASES
        .iter()
        .zip(times)
        .map(|((case, _, _), samples)| {
            let latencies = Latencies::new(samples);
            (
                *case,
                latencies.percentile(50.0).unwrap_or_default(),
                latencies.percentile(90.0).unwrap_or_default(),
            )
        })
        .collect())
}
