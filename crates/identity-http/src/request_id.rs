//! The request id of every request, in the `x-request-id` header.
//!
//! A client may send its own to find its request in the audit log: it is
//! kept when it is 1–64 characters of `[A-Za-z0-9-_.:]` (the domain's
//! [`RequestId`]), and replaced by a generated one (a UUID) otherwise — a
//! space, a 65th character or markup never reaches a log line, the audit
//! log or the answer. Handlers read it back with [`of`]; the answer and the
//! request's log span carry the same id.

use axum::extract::Request;
use axum::http::{HeaderMap, HeaderName, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use identity_domain::RequestId;

/// The header.
pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The request id of a request that went through [`assign`].
pub fn of(headers: &HeaderMap) -> Option<RequestId> {
    headers.get(REQUEST_ID).and_then(|v| v.to_str().ok()).and_then(|v| RequestId::parse(v).ok())
}

/// The middleware (`axum::middleware::from_fn`): keeps a valid id, puts a
/// generated one in place of anything else, and echoes it in the answer.
pub async fn assign(mut request: Request, next: Next) -> Response {
    let id = of(request.headers()).map_or_else(generated, |id| id.as_str().to_owned());
    let value = HeaderValue::from_str(&id).unwrap_or_else(|_| HeaderValue::from_static("unknown"));
    request.headers_mut().insert(REQUEST_ID, value.clone());
    let mut response = next.run(request).await;
    response.headers_mut().insert(REQUEST_ID, value);
    response
}

fn generated() -> String {
    uuid::Uuid::now_v7().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::Router;
    use axum::body::Body;
    use axum::routing::get;
    use tower::ServiceExt;

    async fn echoed(sent: Option<&str>) -> (String, String) {
        let app = Router::new()
            .route(
                "/",
                get(|headers: HeaderMap| async move {
                    headers.get(REQUEST_ID).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned()
                }),
            )
            .layer(axum::middleware::from_fn(assign));
        let mut request = axum::http::Request::builder().uri("/");
        if let Some(sent) = sent {
            request = request.header("x-request-id", sent);
        }
        let response = app.oneshot(request.body(Body::empty()).unwrap()).await.unwrap();
        let header = response.headers()[REQUEST_ID].to_str().unwrap().to_owned();
        let body = axum::body::to_bytes(response.into_body(), 1024).await.unwrap();
        (header, String::from_utf8(body.to_vec()).unwrap())
    }

    #[tokio::test]
    async fn a_valid_request_id_is_kept_and_anything_else_replaced() {
        assert_eq!(
            echoed(Some("client-42:a.b_c")).await,
            ("client-42:a.b_c".into(), "client-42:a.b_c".into())
        );
        let longest = "a".repeat(64);
        assert_eq!(echoed(Some(&longest)).await.0, longest);
        for bad in [None, Some("bad id with spaces"), Some(&"a".repeat(65)), Some("<script>"), Some("")] {
            let (header, seen) = echoed(bad).await;
            assert_eq!(header, seen, "the handler sees the id answered");
            assert!(uuid::Uuid::parse_str(&header).is_ok(), "{bad:?} became {header}");
        }
    }
}
