//! Request extractors: JSON bodies, path parameters and query strings that
//! fail as problem+json, the signed-in caller (bearer token or session
//! cookie, with CSRF protection for cookie writes), and the request id.

use crate::ApiState;
use crate::error::{ApiError, FieldProblem};
use axum::extract::path::ErrorKind;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use identity_domain::{Caller, PortalCaller, RequestId, Token};
use serde::Serialize;
use serde::de::DeserializeOwned;

pub use identity_http::cookie::SESSION_COOKIE;

/// A JSON body or answer. Bodies that cannot be read answer problem+json:
/// a body that is not JSON (a syntax error, truncated, or empty) 400
/// `malformed-json`, a wrong content type 415, an oversized body 413, and
/// JSON of the wrong shape (not an object, a wrong type, an unknown or a
/// missing field) 422 `invalid-field` naming the field's path.
#[derive(Debug, Clone, Copy, Default)]
pub struct AppJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for AppJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        // The syntax is checked whole before the shape: serde would report
        // an unknown key of a truncated body before reaching its end.
        match axum::Json::<serde_json::Value>::from_request(req, state).await {
            Ok(axum::Json(value)) => shaped(value).map(Self),
            Err(rejection) => Err(json_rejection(&rejection)),
        }
    }
}

/// A JSON document read as `T`: 422 naming the field where it does not fit.
fn shaped<T: DeserializeOwned>(value: serde_json::Value) -> Result<T, ApiError> {
    if !value.is_object() {
        let detail = format!("the body must be a JSON object, not {}", json_kind(&value));
        return Err(ApiError::validation(vec![FieldProblem { field: "body".to_owned(), detail }]));
    }
    serde_path_to_error::deserialize::<_, T>(value).map_err(|e| {
        // In the form of axum's own message, which `data_error_field` reads.
        let path = e.path().to_string();
        let at = if path == "." { String::new() } else { format!("{path}: ") };
        let text = format!("Failed to deserialize the JSON body into the target type: {at}{}", e.inner());
        let (field, detail) = data_error_field(&text);
        ApiError::validation(vec![FieldProblem { field, detail }])
    })
}

fn json_kind(value: &serde_json::Value) -> &'static str {
    match value {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::Object(_) => "an object",
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
            let (field, detail) = data_error_field(&e.body_text());
            ApiError::validation(vec![FieldProblem { field, detail }])
        }
        JsonRejection::JsonSyntaxError(e) => {
            ApiError::new(crate::error::ProblemKind::MalformedJson, strip_prefix(&e.body_text()))
        }
        JsonRejection::MissingJsonContentType(_) => ApiError::new(
            crate::error::ProblemKind::UnsupportedMediaType,
            "the body must be sent with Content-Type: application/json",
        ),
        other if other.status() == StatusCode::PAYLOAD_TOO_LARGE => ApiError::new(
            crate::error::ProblemKind::BodyTooLarge,
            "the request body is larger than the server accepts",
        ),
        other => ApiError::new(crate::error::ProblemKind::UnreadableBody, other.body_text()),
    }
}

/// The field at fault and serde's message, from axum's text for a body or
/// query that does not fit its type: `Failed to …: <path>: <message>`, where
/// the path (`credential.password`, `profiles[1]`) is absent at the top level
/// and the message may name the field itself (``unknown field `x` ``).
fn data_error_field(text: &str) -> (String, String) {
    let rest = text.split_once("type: ").map_or(text, |(_, rest)| rest);
    let (path, message) = match rest.split_once(": ") {
        Some((path, message)) if !path.is_empty() && !path.contains(char::is_whitespace) => {
            (Some(path), message)
        }
        _ => (None, rest),
    };
    let named = ["unknown field", "missing field", "duplicate field"]
        .iter()
        .any(|p| message.starts_with(p))
        .then(|| message.split('`').nth(1))
        .flatten();
    let field = match (path, named) {
        // An unknown field is on the path already; a missing one is not.
        (Some(path), Some(name)) if path == name || path.ends_with(&format!(".{name}")) => path.to_owned(),
        (Some(path), Some(name)) => format!("{path}.{name}"),
        (Some(path), None) => path.to_owned(),
        (None, Some(name)) => name.to_owned(),
        (None, None) => "body".to_owned(),
    };
    let detail = message.rsplit_once(" at line ").map_or(message, |(m, _)| m).to_owned();
    (field, detail)
}

/// axum's messages start with a sentence about the rejection; keep serde's part.
fn strip_prefix(text: &str) -> String {
    text.rsplit_once(": ").map_or(text, |(_, rest)| rest).to_owned()
}

/// Path parameters (ids). A parameter that does not parse (`/users/abc`)
/// answers 400 `invalid-path` naming the parameter, as problem+json.
#[derive(Debug, Clone, Copy)]
pub struct AppPath<T>(pub T);

impl<T: DeserializeOwned + Send + 'static, S: Send + Sync> FromRequestParts<S> for AppPath<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(value)) => Ok(Self(value)),
            Err(rejection) => Err(path_rejection(&rejection)),
        }
    }
}

fn path_rejection(rejection: &PathRejection) -> ApiError {
    if rejection.status().is_server_error() {
        return ApiError::internal(&rejection.body_text());
    }
    let field = match rejection {
        PathRejection::FailedToDeserializePathParams(e) => match e.kind() {
            ErrorKind::ParseErrorAtKey { key, .. }
            | ErrorKind::DeserializeError { key, .. }
            | ErrorKind::InvalidUtf8InPathParam { key } => key.clone(),
            _ => "id".to_owned(),
        },
        _ => "id".to_owned(),
    };
    ApiError::new(crate::error::ProblemKind::InvalidPath, format!("{field} must be a UUID")).at(&field)
}

/// A query string. One that does not fit its type answers 422
/// `invalid-field` as problem+json (unknown parameters are refused).
#[derive(Debug, Clone, Copy, Default)]
pub struct AppQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for AppQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(value)) => Ok(Self(value)),
            Err(QueryRejection::FailedToDeserializeQueryString(e)) => {
                let (field, detail) = data_error_field(&e.body_text());
                let field = if field == "body" { "query".to_owned() } else { field };
                Err(ApiError::validation(vec![FieldProblem { field, detail }]))
            }
            Err(other) => Err(ApiError::internal(&other.body_text())),
        }
    }
}

/// The request id of this request (`identity_http::request_id`: always
/// one the audit log can hold once the edge has seen the request).
pub fn request_id(headers: &HeaderMap) -> Option<RequestId> {
    identity_http::request_id::of(headers)
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
                let token = identity_http::cookie::session_token(&parts.headers);
                (token.ok_or_else(ApiError::unauthenticated)?, true)
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

/// The token of a session waiting for its second factor, from the same
/// places as [`Authenticated`]'s (with the same cross-site check for a
/// cookie). It is no caller: only the second step takes it.
#[derive(Debug, Clone)]
pub struct WaitingSession {
    /// The presented token.
    pub token: Token,
    /// The request id, if valid.
    pub request_id: Option<RequestId>,
}

impl FromRequestParts<ApiState> for WaitingSession {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &ApiState) -> Result<Self, Self::Rejection> {
        let token = match bearer(&parts.headers) {
            Some(token) => token,
            None => {
                let token = identity_http::cookie::session_token(&parts.headers)
                    .ok_or_else(ApiError::unauthenticated)?;
                check_same_origin(&parts.headers, state.settings.public_origin.as_deref())?;
                token
            }
        };
        Ok(Self { token: Token::presented(&token), request_id: request_id(&parts.headers) })
    }
}

/// The signed-in party of a portal route, from `Authorization: Bearer
/// <token>` only (the portal API sets no cookie). A staff session's token
/// is unknown here (401), as a portal token is to [`Authenticated`].
#[derive(Debug, Clone)]
pub struct PortalAuthenticated {
    /// The party, tagged with the request id.
    pub caller: PortalCaller,
}

impl FromRequestParts<ApiState> for PortalAuthenticated {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &ApiState) -> Result<Self, Self::Rejection> {
        let token = bearer(&parts.headers).ok_or_else(ApiError::unauthenticated)?;
        let caller = state.service.authenticate_portal(&Token::presented(&token)).await?;
        Ok(Self { caller: caller.with_request_id(request_id(&parts.headers)) })
    }
}

/// The token of a portal session waiting for its second factor, from
/// `Authorization: Bearer <token>` only. It is no caller: only the portal's
/// second step takes it.
#[derive(Debug, Clone)]
pub struct PortalWaitingSession {
    /// The presented token.
    pub token: Token,
    /// The request id, if valid.
    pub request_id: Option<RequestId>,
}

impl<S: Send + Sync> FromRequestParts<S> for PortalWaitingSession {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let token = bearer(&parts.headers).ok_or_else(ApiError::unauthenticated)?;
        Ok(Self { token: Token::presented(&token), request_id: request_id(&parts.headers) })
    }
}

fn bearer(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim().to_owned())
}

fn check_same_origin(headers: &HeaderMap, public_origin: Option<&str>) -> Result<(), ApiError> {
    let same_site = identity_http::cookie::same_origin(headers, public_origin);
    if same_site {
        Ok(())
    } else {
        Err(ApiError::new(
            crate::error::ProblemKind::CrossSiteRequest,
            "a write authenticated by the session cookie must come from this site; API clients send the bearer token instead",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::data_error_field;

    const PREFIX: &str = "Failed to deserialize the JSON body into the target type: ";

    #[test]
    fn the_field_at_fault_is_read_from_serde_s_path_and_message() {
        let cases = [
            ("unknown field `role`, expected one of `name` at line 1 column 7", "role"),
            ("role: unknown field `role`, expected one of `name` at line 1 column 7", "role"),
            ("missing field `name` at line 1 column 2", "name"),
            ("credential: missing field `password` at line 1 column 30", "credential.password"),
            (
                "super_admin_cap: invalid type: string \"x\", expected u32 at line 1 column 20",
                "super_admin_cap",
            ),
            ("profiles[1]: invalid type: integer `5`, expected a string at line 1 column 9", "profiles[1]"),
            ("invalid type: integer `5`, expected a map at line 1 column 1", "body"),
        ];
        for (message, field) in cases {
            let (found, detail) = data_error_field(&format!("{PREFIX}{message}"));
            assert_eq!(found, field, "{message}");
            assert!(!detail.contains(" at line "), "{detail}");
            assert!(!detail.starts_with(field) || field == "body", "{detail}");
        }
    }
}
