//! Request extractors: JSON bodies that fail as problem+json, the signed-in
//! caller (bearer token or session cookie, with CSRF protection for cookie
//! writes), and the request id.

use crate::ApiState;
use crate::error::{ApiError, FieldProblem};
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum_extra::extract::cookie::CookieJar;
use identity_domain::{Caller, RequestId, Token};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// The name of the session cookie. `__Host-` makes browsers insist on
/// `Secure`, `Path=/` and no `Domain`.
pub const SESSION_COOKIE: &str = "__Host-session";

/// The request-id header, set by the server when the client sends none.
pub const REQUEST_ID: &str = "x-request-id";

/// A JSON body or answer. Bodies that cannot be read answer problem+json:
/// malformed JSON 400, a wrong content type 415, an oversized body 413,
/// unknown or mistyped fields 422.
#[derive(Debug, Clone, Copy, Default)]
pub struct AppJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for AppJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(value)) => Ok(Self(value)),
            Err(rejection) => Err(json_rejection(&rejection)),
        }
    }
}

impl<T: Serialize> IntoResponse for AppJson<T> {
    fn into_response(self) -> Response {
        axum::Json(self.0).into_response()
    }
}

fn json_rejection(rejection: &JsonRejection) -> ApiError {
    match rejection {
        JsonRejection::JsonDataError(e) => {
            let detail = e.body_text();
            let field = detail
                .split('`')
                .nth(1)
                .filter(|_| detail.contains("field"))
                .map_or_else(|| "body".to_owned(), str::to_owned);
            ApiError::validation(vec![FieldProblem { field, detail: strip_prefix(&detail) }])
        }
        JsonRejection::JsonSyntaxError(e) => ApiError::new(
            StatusCode::BAD_REQUEST,
            "malformed-json",
            "The body is not valid JSON",
            strip_prefix(&e.body_text()),
        ),
        JsonRejection::MissingJsonContentType(_) => ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported-media-type",
            "Send JSON",
            "the body must be sent with Content-Type: application/json",
        ),
        other if other.status() == StatusCode::PAYLOAD_TOO_LARGE => ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "body-too-large",
            "The body is too large",
            "the request body is larger than the server accepts",
        ),
        other => ApiError::new(
            StatusCode::BAD_REQUEST,
            "unreadable-body",
            "The body could not be read",
            other.body_text(),
        ),
    }
}

/// axum's messages start with a sentence about the rejection; keep serde's part.
fn strip_prefix(text: &str) -> String {
    text.rsplit_once(": ").map_or(text, |(_, rest)| rest).to_owned()
}

/// The request id of this request, when it is one the audit log can hold.
pub fn request_id(headers: &HeaderMap) -> Option<RequestId> {
    headers.get(REQUEST_ID).and_then(|v| v.to_str().ok()).and_then(|v| RequestId::parse(v).ok())
}

/// The request id, for handlers of anonymous routes.
#[derive(Debug, Clone)]
pub struct RequestMeta {
    /// The request id, if valid.
    pub request_id: Option<RequestId>,
}

impl<S: Send + Sync> FromRequestParts<S> for RequestMeta {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(Self { request_id: request_id(&parts.headers) })
    }
}

/// The signed-in caller, from `Authorization: Bearer <token>` or the
/// session cookie. A cookie-authenticated write must come from the same
/// site (`Sec-Fetch-Site: same-origin`, or an `Origin` equal to the
/// configured public origin): other sites cannot use a visitor's cookie.
#[derive(Debug, Clone)]
pub struct Authenticated {
    /// The caller, tagged with the request id.
    pub caller: Caller,
    /// The presented token, for signing out.
    pub token: Token,
}

impl FromRequestParts<ApiState> for Authenticated {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &ApiState) -> Result<Self, Self::Rejection> {
        let (token, via_cookie) = match bearer(&parts.headers) {
            Some(token) => (token, false),
            None => {
                let jar = CookieJar::from_headers(&parts.headers);
                let cookie = jar.get(SESSION_COOKIE).ok_or_else(ApiError::unauthenticated)?;
                (cookie.value().to_owned(), true)
            }
        };
        if via_cookie && !parts.method.is_safe() {
            check_same_origin(&parts.headers, state.settings.public_origin.as_deref())?;
        }
        let token = Token::presented(&token);
        let caller = state.service.authenticate(&token).await?;
        Ok(Self { caller: caller.with_request_id(request_id(&parts.headers)), token })
    }
}

fn bearer(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim().to_owned())
}

fn check_same_origin(headers: &HeaderMap, public_origin: Option<&str>) -> Result<(), ApiError> {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let same_site = match (header("sec-fetch-site"), header(header::ORIGIN.as_str())) {
        (Some(site), _) => site == "same-origin",
        (None, Some(origin)) => {
            public_origin.is_some_and(|expected| expected.trim_end_matches('/') == origin)
        }
        (None, None) => false,
    };
    if same_site {
        Ok(())
    } else {
        Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "cross-site-request",
            "Refused: cross-site request",
            "a write authenticated by the session cookie must come from this site; API clients send the bearer token instead",
        ))
    }
}
