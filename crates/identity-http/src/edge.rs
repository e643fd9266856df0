//! The layers every answer of both front doors goes through: the request
//! id ([`crate::request_id`]), the request's log span, and the body limit.
//!
//! The span holds the method, the path and the request id only: no header,
//! query (search terms) or body (passwords, tokens) is logged. A body over
//! the limit is refused (413) without being read; as the client may still
//! be sending it, that answer says `Connection: close`.

use crate::EdgeSettings;
use crate::request_id::{REQUEST_ID, assign};
use axum::Router;
use axum::body::Body;
use axum::extract::{DefaultBodyLimit, Request};
use axum::http::{HeaderValue, StatusCode, Version, header};
use axum::middleware::Next;
use axum::response::Response;
use tower_http::classify::{ServerErrorsAsFailures, SharedClassifier};
use tower_http::trace::{DefaultOnRequest, DefaultOnResponse, TraceLayer};
use tracing::{Level, Span};

/// The trace layer of both front doors.
pub type Trace = TraceLayer<
    SharedClassifier<ServerErrorsAsFailures>,
    fn(&Request<Body>) -> Span,
    DefaultOnRequest,
    DefaultOnResponse,
>;

/// The log span of a request: method, path and request id.
pub fn span(request: &Request<Body>) -> Span {
    let request_id = request.headers().get(REQUEST_ID).and_then(|v| v.to_str().ok()).unwrap_or("");
    tracing::info_span!("request", method = %request.method(), path = %request.uri().path(), request_id)
}

/// The trace layer: [`span`], and one line per answer at `INFO`.
pub fn trace() -> Trace {
    TraceLayer::new_for_http()
        .make_span_with(span as fn(&Request<Body>) -> Span)
        .on_response(DefaultOnResponse::new().level(Level::INFO))
}

/// Wraps a front door's routes in the shared layers: body limit,
/// `Connection: close` on a 413, the log span, the request id (outermost).
pub fn around<S: Clone + Send + Sync + 'static>(router: Router<S>, settings: &EdgeSettings) -> Router<S> {
    router
        .layer(DefaultBodyLimit::max(settings.body_limit))
        .layer(axum::middleware::from_fn(close_after_unread_body))
        .layer(trace())
        .layer(axum::middleware::from_fn(assign))
}

/// A 413 leaves the body unread: on HTTP/1 the connection cannot carry
/// another request, and says so.
async fn close_after_unread_body(request: Request, next: Next) -> Response {
    let version = request.version();
    let mut response = next.run(request).await;
    if response.status() == StatusCode::PAYLOAD_TOO_LARGE && version <= Version::HTTP_11 {
        response.headers_mut().insert(header::CONNECTION, HeaderValue::from_static("close"));
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Bytes;
    use axum::routing::post;
    use tower::ServiceExt;

    #[tokio::test]
    async fn a_body_over_the_limit_is_refused_and_closes_the_connection() {
        let settings = EdgeSettings { body_limit: 16, ..EdgeSettings::default() };
        let app = around(
            Router::new().route("/", post(|body: Bytes| async move { body.len().to_string() })),
            &settings,
        );
        let send = |body: &'static str| {
            app.clone().oneshot(axum::http::Request::post("/").body(Body::from(body)).unwrap())
        };
        assert_eq!(send("small").await.unwrap().status(), StatusCode::OK);
        let refused = send("a body longer than sixteen bytes").await.unwrap();
        assert_eq!(refused.status(), StatusCode::PAYLOAD_TOO_LARGE);
        assert_eq!(refused.headers()[header::CONNECTION], "close");
    }
}
