//! Users: create (with a password or by invitation), list, read, edit,
//! change email, role and profiles, deactivate (optionally reassigning open
//! cases), reactivate, the three password resets, sign out everywhere,
//! invitations, assigned cases and bulk reassign.
//!
//! Where each lives: [`create`], [`list`] (with the download and one
//! user), [`edit`] (fields, email, access), [`lifecycle`] (deactivate,
//! reactivate, resets, sign-out, invitations), [`cases`]. This file holds
//! the route table and the ETag helpers they share.

use crate::ApiState;
use crate::dto::{CaseView, Fields, OptionalJson, UserListItem, UserPage, UserView, double_option, ids};
use crate::error::{Answers, ApiError};
use crate::extract::{AppJson, AppPath, AppQuery, Authenticated};
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::IntoResponse;
use chrono::{DateTime, Utc};
use identity_domain::*;
use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

mod cases;
mod create;
mod edit;
mod lifecycle;
mod list;

use cases::*;
use create::*;
use edit::*;
use lifecycle::*;
use list::*;

pub fn routes() -> OpenApiRouter<ApiState> {
    OpenApiRouter::new()
        .routes(routes!(list_users, create_user))
        .routes(routes!(export_users))
        .routes(routes!(get_user, update_user))
        .routes(routes!(change_email))
        .routes(routes!(email_history))
        .routes(routes!(set_access))
        .routes(routes!(deactivate))
        .routes(routes!(reactivate))
        .routes(routes!(reset_password))
        .routes(routes!(sign_out_everywhere))
        .routes(routes!(resend_invitation, revoke_invitation))
        .routes(routes!(user_cases))
        .routes(routes!(reassign_cases))
}

fn user_id(id: Uuid) -> UserId {
    UserId::from_uuid(id)
}

fn etag(version: u64) -> HeaderValue {
    HeaderValue::from_str(&format!("\"{version}\"")).unwrap_or_else(|_| HeaderValue::from_static("\"0\""))
}

/// The version in `If-Match`, if any (`*` matches any version).
fn if_match(headers: &HeaderMap) -> Result<Option<u64>, ApiError> {
    let Some(value) = headers.get(header::IF_MATCH) else { return Ok(None) };
    let text = value.to_str().unwrap_or_default().trim();
    if text == "*" {
        return Ok(None);
    }
    text.trim_start_matches("W/").trim_matches('"').parse().map(Some).map_err(|_| {
        ApiError::new(
            crate::error::ProblemKind::InvalidIfMatch,
            "If-Match must be an ETag from a read of this user",
        )
    })
}

fn with_etag(user: User) -> impl IntoResponse {
    let tag = etag(user.version);
    ([(header::ETAG, tag)], AppJson(UserView::from(user)))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "correct horse battery staple";

    #[test]
    fn the_debug_of_a_create_user_or_reset_body_never_shows_the_password() {
        let create: CreateUserBody = serde_json::from_value(serde_json::json!({
            "email": "ana@maple.example", "name": "Ana Silva", "role": Uuid::nil(), "language": "en",
            "time_zone": "UTC", "credential": { "mode": "password", "password": SECRET },
        }))
        .unwrap();
        let reset: ResetBody =
            serde_json::from_value(serde_json::json!({ "mode": "set_temporary", "password": SECRET }))
                .unwrap();
        let email: ChangeEmailBody = serde_json::from_value(serde_json::json!({
            "email": "ana@maple.example", "current_password": SECRET,
        }))
        .unwrap();
        for debug in [format!("{create:?}"), format!("{reset:?}"), format!("{email:?}")] {
            assert!(!debug.contains(SECRET) && !debug.contains("horse"), "{debug}");
        }
        assert!(format!("{create:?}").contains("Ana Silva"), "the rest still shows");
    }
}
