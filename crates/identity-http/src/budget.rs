//! The per-client-address budget of the anonymous routes that check a
//! password or send an email.
//!
//! Each front door lists its own routes; both spend the same budget, one
//! per client address ([`crate::client`]) across every front door and every
//! server process, counted through the domain's `AddressBudgets` port
//! ([`IdentityService::spend_address_budget`]). Past the budget, and when
//! the count cannot be made (the budget fails closed: a storage fault must
//! not lift the limit on password guessing), the front door renders its
//! own answer ([`Refusal`]).
//!
//! Before a refusal is answered, the request body is read and dropped (up
//! to the body limit, for at most [`DRAIN_WAIT`]), so the client's next
//! request on the same keep-alive connection is read correctly; when it
//! cannot be drained, the answer says `Connection: close`.

use crate::client::{client_address, peer};
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, Method, Version, header};
use axum::middleware::Next;
use axum::response::Response;
use identity_domain::{BudgetAnswer, IdentityService};
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

/// The longest a refused request's body is waited for.
pub const DRAIN_WAIT: Duration = Duration::from_secs(5);

/// Why a request was not let through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The address spent its budget: try again in `retry_after_secs`.
    Spent {
        /// Seconds until the budget's window ends (at least 1).
        retry_after_secs: u64,
    },
    /// The budget could not be counted (storage unavailable): refused, to
    /// be tried again later.
    Uncounted,
}

/// How a front door answers a refusal, given the request's head.
pub type RenderRefusal = Arc<dyn Fn(Refusal, &Parts) -> Response + Send + Sync>;

/// The budget middleware's state: which routes spend, the budget, and
/// how refusals look.
#[derive(Clone)]
pub struct AddressLimit {
    service: IdentityService,
    per_minute: NonZeroU32,
    trusted_proxies: Arc<Vec<IpAddr>>,
    routes: &'static [(&'static str, &'static str)],
    drain_limit: usize,
    render: RenderRefusal,
}

impl AddressLimit {
    /// At most `per_minute` requests a minute to `routes` (method, path)
    /// from one client address, counted with every other front door and
    /// process; bodies of refused requests read up to `drain_limit` bytes.
    pub fn new(
        service: IdentityService,
        settings: &crate::EdgeSettings,
        routes: &'static [(&'static str, &'static str)],
        render: RenderRefusal,
    ) -> Self {
        Self {
            service,
            per_minute: settings.anonymous_per_minute,
            trusted_proxies: Arc::new(settings.trusted_proxies.clone()),
            routes,
            drain_limit: settings.body_limit,
            render,
        }
    }

    fn spends(&self, method: &Method, path: &str) -> bool {
        self.routes.iter().any(|(m, p)| method.as_str() == *m && path == *p)
    }
}

/// The middleware (`axum::middleware::from_fn_with_state`).
pub async fn limit(State(limit): State<AddressLimit>, request: Request, next: Next) -> Response {
    if !limit.spends(request.method(), request.uri().path()) {
        return next.run(request).await;
    }
    let client = client_address(peer(request.extensions()), request.headers(), &limit.trusted_proxies);
    let refusal = match limit.service.spend_address_budget(client, limit.per_minute).await {
        Ok(BudgetAnswer::Allowed) => return next.run(request).await,
        Ok(BudgetAnswer::Spent { retry_after_secs }) => Refusal::Spent { retry_after_secs },
        Err(e) => {
            tracing::error!(error = %e, "the address budget could not be counted: request refused");
            Refusal::Uncounted
        }
    };
    let (parts, body) = request.into_parts();
    let drained = drain(body, limit.drain_limit).await;
    let mut response = (limit.render)(refusal, &parts);
    if !drained && parts.version <= Version::HTTP_11 {
        response.headers_mut().insert(header::CONNECTION, HeaderValue::from_static("close"));
    }
    response
}

/// Reads and drops a body of at most `limit` bytes; `false` when it is
/// larger, broken, or slower than [`DRAIN_WAIT`].
pub async fn drain(body: Body, limit: usize) -> bool {
    matches!(tokio::time::timeout(DRAIN_WAIT, axum::body::to_bytes(body, limit)).await, Ok(Ok(_)))
}
