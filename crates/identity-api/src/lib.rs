//! # identity-api
//!
//! The HTTP API of practice identity under `/api/v1`: thin axum handlers
//! over [`identity_domain::IdentityService`]. Each handler parses its body
//! into validated domain types, makes one use-case call and maps the
//! result; every error is RFC 9457 problem+json ([`error::ApiError`]).
//!
//! - Sessions: `Authorization: Bearer <token>` for API clients, or the
//!   `__Host-session` cookie (HttpOnly, Secure, SameSite=Strict) for
//!   browsers; cookie-authenticated writes must come from the same site.
//! - The practice always comes from the session, never from a request.
//! - Every answer carries `Cache-Control: no-store` and an `x-request-id`.
//! - What the API shares with the console at the edge (client addresses,
//!   the per-address budget, request ids, body limit, log span, session
//!   cookie) is `identity-http`'s.
//! - The party portal's routes (`/api/v1/portal/…`) take a portal
//!   session's bearer token only; staff routes refuse it and portal routes
//!   refuse a staff token (401).
//! - The OpenAPI 3.1 document is served at `/api/v1/openapi.json`.

pub mod dto;
pub mod error;
pub mod extract;
pub mod hashing;
pub mod limits;
mod routes;

use axum::Router;
use axum::http::{HeaderValue, header};
use error::ApiError;
use identity_domain::IdentityService;
use identity_http::budget::AddressLimit;
use identity_http::forgot::ForgotQueue;
use std::sync::Arc;
use std::time::Duration;
use tower_http::set_header::SetResponseHeaderLayer;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;

/// Settings of the HTTP layer: the edge's, shared with the console.
pub type ApiSettings = identity_http::EdgeSettings;

/// What every handler can reach.
#[derive(Clone)]
pub struct ApiState {
    /// The use cases.
    pub service: IdentityService,
    /// The HTTP settings.
    pub settings: Arc<ApiSettings>,
    /// Where "forgot password" requests wait for their work, after the
    /// answer (owned by the composition root, shared with the console).
    pub forgot: ForgotQueue,
}

#[derive(OpenApi)]
#[openapi(
    info(title = "Practice identity", description = "Users, roles and access for case-management practices."),
    modifiers(&BearerAuth),
    components(schemas(error::Problem, error::FieldProblem))
)]
struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        // A party portal session's token: only the `/portal/…` routes take
        // it, and they take no staff token.
        components.add_security_scheme(
            "portal",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("A party portal session's token (`POST /api/v1/portal/sessions`)"))
                    .build(),
            ),
        );
    }
}

/// How long `/readyz` may take to prove a write could commit.
const READINESS_BUDGET: Duration = Duration::from_secs(2);

/// The API's routes and their OpenAPI document.
pub fn api(state: ApiState) -> (Router, utoipa::openapi::OpenApi) {
    let (router, doc) =
        OpenApiRouter::with_openapi(ApiDoc::openapi()).nest("/api/v1", routes::all()).split_for_parts();
    (router.with_state(state), doc)
}

/// The whole HTTP service: the API, its OpenAPI document, problem+json
/// fallbacks, and the layers every answer goes through. Serve it with
/// `into_make_service_with_connect_info::<SocketAddr>()` so rate limits see
/// the client address.
pub fn router(state: ApiState) -> Router {
    let settings = state.settings.clone();
    let limits = AddressLimit::new(state.service.clone(), &settings, limits::API_ROUTES, limits::refusal());
    let service = state.service.clone();
    let (api, doc) = api(state);
    let doc = Arc::new(doc);
    let router = api
        .route(
            "/api/v1/openapi.json",
            axum::routing::get(move || {
                let doc = doc.clone();
                async move { axum::Json(doc.as_ref().clone()) }
            }),
        )
        .route("/healthz", axum::routing::get(|| async { "ok" }))
        .route(
            "/readyz",
            axum::routing::get(move || {
                let service = service.clone();
                async move {
                    // Ready means a write could commit now, proved within the budget.
                    match tokio::time::timeout(READINESS_BUDGET, service.check_storage()).await {
                        Ok(checked) => checked.map(|()| "ready").map_err(ApiError::from),
                        Err(_) => Err(ApiError::from(identity_domain::StoreError::Unavailable(
                            "the readiness check took longer than its budget".to_owned(),
                        ))),
                    }
                }
            }),
        )
        .fallback(|| async { ApiError::new(crate::error::ProblemKind::NoRoute, "no such route") })
        .method_not_allowed_fallback(|| async {
            ApiError::new(
                crate::error::ProblemKind::MethodNotAllowed,
                "this route does not answer this method",
            )
        })
        .layer(axum::middleware::from_fn_with_state(limits, identity_http::budget::limit))
        .layer(
            tower::ServiceBuilder::new()
                .layer(axum::error_handling::HandleErrorLayer::new(|_: tower::BoxError| async {
                    ApiError::new(
                        crate::error::ProblemKind::Timeout,
                        "the request took too long and was stopped; try again",
                    )
                    .retry_after(1)
                }))
                .timeout(settings.request_timeout),
        )
        .layer(SetResponseHeaderLayer::overriding(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ));
    identity_http::edge::around(router, &settings)
}

/// The OpenAPI document, without a running server (for `xtask openapi`).
pub fn openapi_document() -> utoipa::openapi::OpenApi {
    OpenApiRouter::<ApiState>::with_openapi(ApiDoc::openapi()).nest("/api/v1", routes::all()).into_openapi()
}
