//! Per-client-address rate limits on the anonymous routes that check
//! passwords or send email (sign-in, forgot-password, link use).
//!
//! The client address is the TCP peer. Only when the peer is a configured
//! trusted proxy is `X-Forwarded-For` read (its right-most address that is
//! not itself a trusted proxy): a forged header from anyone else changes
//! nothing.

use crate::error::ApiError;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::Arc;

/// The API's routes limited per client address: method and path.
pub const API_ROUTES: &[(&str, &str)] = &[
    ("POST", "/api/v1/sessions"),
    ("POST", "/api/v1/password/forgot"),
    ("POST", "/api/v1/password/recover"),
    ("POST", "/api/v1/invitations/accept"),
    ("POST", "/api/v1/links/inspect"),
];

/// Rate limits per client address.
#[derive(Clone)]
pub struct RateLimits {
    limiter: Arc<DefaultKeyedRateLimiter<IpAddr>>,
    trusted_proxies: Arc<Vec<IpAddr>>,
    routes: &'static [(&'static str, &'static str)],
}

impl RateLimits {
    /// At most `per_minute` requests a minute to the [`API_ROUTES`] from one
    /// client address (bursts of that size allowed), reading
    /// `X-Forwarded-For` only from `trusted_proxies`.
    pub fn new(per_minute: NonZeroU32, trusted_proxies: Vec<IpAddr>) -> Self {
        Self {
            limiter: Arc::new(RateLimiter::keyed(Quota::per_minute(per_minute))),
            trusted_proxies: Arc::new(trusted_proxies),
            routes: API_ROUTES,
        }
    }

    /// The same limits on other routes (method and path), such as the web
    /// console's sign-in and password forms.
    #[must_use]
    pub fn on_routes(mut self, routes: &'static [(&'static str, &'static str)]) -> Self {
        self.routes = routes;
        self
    }

    fn limits(&self, method: &Method, path: &str) -> bool {
        self.routes.iter().any(|(m, p)| method.as_str() == *m && path == *p)
    }

    /// The client address of a request that came from `peer`.
    pub fn client(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        if !self.trusted_proxies.contains(&peer) {
            return peer;
        }
        let forwarded = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .filter_map(|hop| hop.trim().parse::<IpAddr>().ok())
            .collect::<Vec<_>>();
        forwarded.into_iter().rev().find(|ip| !self.trusted_proxies.contains(ip)).unwrap_or(peer)
    }
}

/// The middleware: 429 problem+json with `Retry-After` past the limit.
pub async fn limit(State(limits): State<RateLimits>, request: Request, next: Next) -> Response {
    if !limits.limits(request.method(), request.uri().path()) {
        return next.run(request).await;
    }
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |c| c.0.ip());
    let client = limits.client(peer, request.headers());
    match limits.limiter.check_key(&client) {
        Ok(()) => next.run(request).await,
        Err(not_until) => {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            ApiError::new(
                crate::error::ProblemKind::RateLimited,
                "too many attempts from your address; wait and try again",
            )
            .retry_after(wait.as_secs().max(1))
            .into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> RateLimits {
        RateLimits::new(NonZeroU32::MIN, vec!["10.0.0.1".parse().unwrap()])
    }

    fn forwarded(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert("x-forwarded-for", value.parse().unwrap());
        headers
    }

    #[test]
    fn a_forged_forwarded_for_from_an_untrusted_peer_changes_nothing() {
        let peer: IpAddr = "203.0.113.9".parse().unwrap();
        assert_eq!(limits().client(peer, &forwarded("198.51.100.1")), peer);
    }

    #[test]
    fn a_trusted_proxy_passes_on_the_client_address() {
        let proxy: IpAddr = "10.0.0.1".parse().unwrap();
        let client: IpAddr = "198.51.100.7".parse().unwrap();
        assert_eq!(limits().client(proxy, &forwarded("1.2.3.4, 198.51.100.7")), client);
        assert_eq!(limits().client(proxy, &HeaderMap::new()), proxy);
    }
}
