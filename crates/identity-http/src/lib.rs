//! # identity-http
//!
//! The edge both front doors of practice identity stand on — the JSON API
//! (`identity-api`) and the administrators' console (`identity-console`) —
//! so that they keep one policy each, not two copies that drift:
//!
//! - [`client`]: the client address of a request (`X-Forwarded-For` read
//!   only from a trusted proxy, its right-most untrusted hop);
//! - [`budget`]: the per-client-address budget of anonymous routes, one
//!   budget per address across both front doors and every server process
//!   (counted through the domain's `AddressBudgets` port), answered by each
//!   front door in its own form, with the request body drained first so
//!   the connection stays usable;
//! - [`request_id`]: the `x-request-id` of every request, accepted when it
//!   is 1–64 of `[A-Za-z0-9-_.:]` and replaced by a generated one
//!   otherwise, echoed in the answer and the log span;
//! - [`edge`]: the layers every answer goes through (request id, trace
//!   span, body limit);
//! - [`cookie`]: the `__Host-session` cookie and the same-origin rule of
//!   writes authenticated by it;
//! - [`forgot`]: the bounded background queue "forgot password" work runs
//!   on, after the answer is sent.
//!
//! It depends on the domain only; the API and the console depend on it and
//! never on each other.

pub mod budget;
pub mod client;
pub mod cookie;
pub mod edge;
pub mod forgot;
pub mod request_id;

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::time::Duration;

/// The settings of the edge, the same for the API and the console.
#[derive(Debug, Clone)]
pub struct EdgeSettings {
    /// The public origin (`https://identity.example.org`), for the
    /// same-origin check of cookie-authenticated writes.
    pub public_origin: Option<String>,
    /// The largest request body accepted, in bytes.
    pub body_limit: usize,
    /// How long a request may take before it is answered 503.
    pub request_timeout: Duration,
    /// Sign-ins, password and link requests allowed per client address
    /// per minute, over both front doors and every server process.
    pub anonymous_per_minute: NonZeroU32,
    /// Proxies whose `X-Forwarded-For` is believed.
    pub trusted_proxies: Vec<IpAddr>,
}

impl Default for EdgeSettings {
    fn default() -> Self {
        Self {
            public_origin: None,
            body_limit: 64 * 1024,
            request_timeout: Duration::from_secs(30),
            anonymous_per_minute: NonZeroU32::new(30).unwrap_or(NonZeroU32::MIN),
            trusted_proxies: Vec::new(),
        }
    }
}
