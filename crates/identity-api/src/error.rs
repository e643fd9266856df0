//! One error type for every HTTP answer that is not a success: RFC 9457
//! `application/problem+json`, with a stable `type` per domain error and the
//! field at fault for validation errors.
//!
//! Every domain error enum maps here with an exhaustive `match`: a new
//! variant does not compile until it has its answer. Server-side failures
//! are logged with their cause and answered without it.
//!
//! Where each part lives: [`kind`] the catalogue of problem kinds (type,
//! status, title); `from_domain` the answer to every domain error, variant
//! by variant; [`openapi`] the kinds each error enum can answer and the
//! OpenAPI responses derived from them. This file holds the answer itself.

mod from_domain;
pub mod kind;
pub mod openapi;
#[cfg(test)]
mod tests;

pub use kind::ProblemKind;
pub use openapi::{Answers, KINDS_EXTENSION, Problems, kind_of_slug, problem_response, problem_responses};

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::{Map, Value, json};

/// The media type of every error body.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// A field and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct FieldProblem {
    /// The JSON field (dotted for nested ones).
    pub field: String,
    /// What is wrong, for people.
    pub detail: String,
}

/// A problem+json answer.
#[derive(Debug, Clone)]
pub struct ApiError {
    kind: ProblemKind,
    detail: String,
    extra: Map<String, Value>,
    retry_after: Option<u64>,
}

/// The body of every error answer (RFC 9457).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Problem {
    /// A URI naming the kind of problem; stable, compare it as a string.
    #[serde(rename = "type")]
    pub kind: String,
    /// A short summary of the kind.
    pub title: String,
    /// The HTTP status.
    pub status: u16,
    /// What happened this time.
    pub detail: String,
    /// The field at fault, for validation errors.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// Every field at fault, for validation errors.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<Vec<FieldProblem>>,
}

impl ApiError {
    /// A problem of `kind`; its status and title are the kind's.
    pub fn new(kind: ProblemKind, detail: impl Into<String>) -> Self {
        Self { kind, detail: detail.into(), extra: Map::new(), retry_after: None }
    }

    /// Adds a member to the body. The RFC 9457 members (`type`, `title`,
    /// `status`, `detail`, `instance`) are not extension keys.
    #[must_use]
    pub fn with(mut self, key: &str, value: impl Serialize) -> Self {
        debug_assert!(!["type", "title", "status", "detail", "instance"].contains(&key), "{key} is reserved");
        self.extra.insert(key.to_owned(), serde_json::to_value(value).unwrap_or(Value::Null));
        self
    }

    /// Names the field at fault.
    #[must_use]
    pub fn at(self, field: &str) -> Self {
        self.with("field", field)
    }

    /// Asks the client to retry after `seconds`.
    #[must_use]
    pub fn retry_after(mut self, seconds: u64) -> Self {
        self.retry_after = Some(seconds);
        self
    }

    /// The kind.
    pub fn kind(&self) -> ProblemKind {
        self.kind
    }

    /// The status.
    pub fn status(&self) -> StatusCode {
        self.kind.status()
    }

    /// One or more invalid fields (422).
    pub fn validation(problems: Vec<FieldProblem>) -> Self {
        let detail =
            problems.iter().map(|p| format!("{}: {}", p.field, p.detail)).collect::<Vec<_>>().join("; ");
        let first = problems.first().map(|p| p.field.clone());
        let mut error = Self::new(ProblemKind::InvalidField, detail).with("errors", &problems);
        if let Some(first) = first {
            error = error.at(&first);
        }
        error
    }

    /// One invalid field (422).
    pub fn invalid(field: &str, detail: impl std::fmt::Display) -> Self {
        Self::validation(vec![FieldProblem { field: field.to_owned(), detail: detail.to_string() }])
    }

    /// 404 for a record of this practice that does not exist (or belongs to
    /// another practice: the answer is the same).
    pub fn not_found(what: &'static str) -> Self {
        Self::new(ProblemKind::NotFound, format!("no such {what}"))
    }

    /// 401, with `WWW-Authenticate`.
    pub fn unauthenticated() -> Self {
        Self::new(ProblemKind::Unauthenticated, "the session is missing or no longer valid; sign in again")
    }

    /// A server-side failure: logged with its cause, answered without it.
    pub fn internal(cause: &dyn std::fmt::Display) -> Self {
        tracing::error!(cause = %cause, "request failed");
        Self::new(ProblemKind::Internal, "the server could not complete the request")
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut body = json!({
            "type": self.kind.type_uri(),
            "title": self.kind.title(),
            "status": self.kind.status().as_u16(),
            "detail": self.detail,
        });
        if let Value::Object(map) = &mut body {
            map.extend(self.extra);
        }
        let mut response = (self.kind.status(), axum::Json(body)).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
        if self.kind.status() == StatusCode::UNAUTHORIZED {
            headers.insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"practice-identity\""),
            );
        }
        if let Some(seconds) = self.retry_after {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}
