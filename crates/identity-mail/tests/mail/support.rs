//! A mail configuration for the tests that need one and no store. The
//! delivery tests (a real SMTP server, the worker over the domain's ports
//! on each store) live in `xtask/tests/mail/`, where every crate is known.

#![allow(dead_code)]

use identity_mail::MailConfig;

pub const BASE_URL: &str = "https://id.maple.example";

/// A configuration sending in plain SMTP to `port` on 127.0.0.1, polling
/// fast.
pub fn smtp_config(port: u16) -> MailConfig {
    serde_json::from_value(serde_json::json!({
        "from_address": "no-reply@maple.example",
        "from_name": "Maple Identity",
        "public_base_url": BASE_URL,
        "transport": { "kind": "smtp", "host": "127.0.0.1", "port": port, "security": "plain",
                       "timeout_secs": 5 },
        "worker": { "batch_size": 10, "poll_interval_ms": 20, "lease_secs": 300, "max_attempts": 5,
                    "backoff_base_secs": 60, "backoff_max_secs": 600, "jitter_percent": 20 }
    }))
    .unwrap()
}
