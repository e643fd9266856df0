//! The API's routes that spend the per-client-address budget, and its
//! answer past the budget: `429 rate-limited` with `Retry-After`, or `503
//! storage-unavailable` when the budget cannot be counted. The budget
//! itself — one per client address, shared with the console and every
//! server process — is `identity_http::budget`.

use crate::error::{ApiError, ProblemKind};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use identity_http::budget::{Refusal, RenderRefusal};
use std::sync::Arc;

/// The API's routes limited per client address: method and path.
pub const API_ROUTES: &[(&str, &str)] = &[
    ("POST", "/api/v1/sessions"),
    ("POST", "/api/v1/password/forgot"),
    ("POST", "/api/v1/password/recover"),
    ("POST", "/api/v1/invitations/accept"),
    ("POST", "/api/v1/links/inspect"),
    ("POST", "/api/v1/portal/sessions"),
    ("POST", "/api/v1/portal/password/forgot"),
    ("POST", "/api/v1/portal/password/recover"),
    ("POST", "/api/v1/portal/invitations/accept"),
    ("POST", "/api/v1/portal/links/inspect"),
];

/// The API's answer to a refused request, as problem+json.
pub fn refusal() -> RenderRefusal {
    Arc::new(|refusal: Refusal, _: &Parts| -> Response {
        match refusal {
            Refusal::Spent { retry_after_secs } => ApiError::new(
                ProblemKind::RateLimited,
                "too many attempts from your address; wait and try again",
            )
            .retry_after(retry_after_secs)
            .into_response(),
            Refusal::Uncounted => ApiError::from(identity_domain::StoreError::Unavailable(
                "the request budget of your address could not be counted".to_owned(),
            ))
            .into_response(),
        }
    })
}
