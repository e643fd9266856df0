//! The outbox (needs `settings.manage`): how many emails wait, went out or
//! failed; the emails newest first, filtered by state, recipient and kind,
//! older ones a page at a time; retrying a failed email, or all of them.
//! The users pages show a banner while emails are failing.

use super::{Chrome, render};
use crate::ConsoleState;
use crate::i18n::{Text, date_time, fill};
use crate::messages::Describe;
use crate::session::{SignedForm, Viewer};
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use identity_domain::*;
use serde::Deserialize;

/// The routes of this module.
pub fn routes() -> Router<ConsoleState> {
    Router::new()
        .route("/console/outbox", get(outbox))
        .route("/console/outbox/retry", post(retry_all))
        .route("/console/outbox/{id}/retry", post(retry_one))
}

/// Rows per page.
const PAGE_SIZE: u32 = 50;

/// The filters in the address, and the notice after a retry.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct OutboxFilters {
    status: String,
    recipient: String,
    kind: String,
    cursor: String,
    retried: String,
    left: String,
}

impl OutboxFilters {
    /// The address of these filters, from the newest email or after `cursor`.
    fn href(&self, cursor: Option<EmailId>) -> String {
        let encode = super::users::encode;
        let mut href = format!(
            "/console/outbox?status={}&recipient={}&kind={}",
            encode(&self.status),
            encode(&self.recipient),
            encode(&self.kind)
        );
        if let Some(cursor) = cursor {
            href.push_str(&format!("&cursor={cursor}"));
        }
        href
    }
}

struct EmailRow {
    id: String,
    to: String,
    kind: &'static str,
    queued: String,
    status: &'static str,
    status_key: &'static str,
    attempts: u32,
    error: String,
    retryable: bool,
    needs_new_secret: bool,
}

#[derive(Template)]
#[template(path = "outbox.html")]
struct OutboxPage {
    t: &'static Text,
    chrome: Chrome,
    counts: OutboxCounts,
    filters: OutboxFilters,
    kinds: Vec<&'static str>,
    rows: Vec<EmailRow>,
    older: Option<String>,
    newest: Option<String>,
    notice: Option<String>,
}

fn status_name(t: &Text, status: DeliveryStatus) -> &'static str {
    match status {
        DeliveryStatus::Pending => t.outbox_pending,
        DeliveryStatus::Sent => t.outbox_sent,
        DeliveryStatus::Failed => t.outbox_failed,
    }
}

/// `GET /console/outbox`.
pub async fn outbox(
    State(state): State<ConsoleState>,
    viewer: Viewer,
    Query(filters): Query<OutboxFilters>,
) -> Response {
    let t = viewer.lang.text();
    let zone = viewer.user.time_zone;
    let query = OutboxQuery {
        status: DeliveryStatus::parse(&filters.status),
        recipient: EmailAddress::parse(&filters.recipient).ok(),
        kind: MessageKind::parse(&filters.kind),
        before: filters.cursor.parse::<uuid::Uuid>().ok().map(EmailId::from_uuid),
        limit: PAGE_SIZE,
    };
    let counts = match state.service.outbox_counts(&viewer.caller).await {
        Ok(counts) => counts,
        Err(e) => return super::failure_for(&viewer, e),
    };
    let page = match state.service.list_outbox(&viewer.caller, &query).await {
        Ok(page) => page,
        Err(e) => return super::failure_for(&viewer, e),
    };
    let rows = page
        .items
        .iter()
        .map(|e| {
            let kind = e.message.message_kind();
            let failed = e.status == DeliveryStatus::Failed;
            EmailRow {
                id: e.id.to_string(),
                to: format!("{} <{}>", e.recipient_name, e.to),
                kind: kind.as_str(),
                queued: date_time(e.created_at, zone, viewer.lang),
                status: status_name(t, e.status),
                status_key: e.status.as_str(),
                attempts: e.attempts,
                error: e.last_error.clone().unwrap_or_default(),
                retryable: failed && !kind.carries_secret(),
                needs_new_secret: failed && kind.carries_secret(),
            }
        })
        .collect();
    let notice = (!filters.retried.is_empty())
        .then(|| fill(t.outbox_retried, &[("count", &filters.retried), ("left", &filters.left)]));
    let page = OutboxPage {
        t,
        chrome: viewer.chrome("outbox"),
        counts,
        older: page.next.map(|id| filters.href(Some(id))),
        newest: (!filters.cursor.is_empty()).then(|| filters.href(None)),
        kinds: MessageKind::ALL.iter().map(|k| k.as_str()).collect(),
        rows,
        notice,
        filters,
    };
    render(StatusCode::OK, &page)
}

/// The retry forms carry only their token.
#[derive(Debug, Deserialize)]
pub struct RetryForm {}

/// `POST /console/outbox/retry`: every failed email that can be.
pub async fn retry_all(State(state): State<ConsoleState>, posted: SignedForm<RetryForm>) -> Response {
    let viewer = posted.viewer;
    match state.service.retry_failed_emails(&viewer.caller).await {
        Ok(done) => Redirect::to(&format!(
            "/console/outbox?status=pending&retried={}&left={}",
            done.retried, done.need_new_secret
        ))
        .into_response(),
        Err(e) => super::failure_for(&viewer, e),
    }
}

/// `POST /console/outbox/{id}/retry`.
pub async fn retry_one(
    State(state): State<ConsoleState>,
    Path(id): Path<String>,
    posted: SignedForm<RetryForm>,
) -> Response {
    let viewer = posted.viewer;
    let t = viewer.lang.text();
    let Ok(id) = id.parse::<uuid::Uuid>() else {
        return super::refusal_for(&viewer, StatusCode::NOT_FOUND, t.err_not_found);
    };
    match state.service.retry_email(&viewer.caller, EmailId::from_uuid(id)).await {
        Ok(()) => Redirect::to("/console/outbox?status=pending&retried=1&left=0").into_response(),
        Err(e) => {
            let problem = e.describe(t);
            super::refusal_for(&viewer, problem.status, &problem.text)
        }
    }
}

/// The banner of the users pages: how many emails failed, for a viewer who
/// manages the outbox; `None` when none did (or they may not see it).
pub async fn failing_banner(state: &ConsoleState, viewer: &Viewer) -> Option<String> {
    if !viewer.caller.may(Permission::SettingsManage) {
        return None;
    }
    let counts = state.service.outbox_counts(&viewer.caller).await.ok()?;
    (counts.failed > 0)
        .then(|| fill(viewer.lang.text().outbox_banner, &[("count", &counts.failed.to_string())]))
}
