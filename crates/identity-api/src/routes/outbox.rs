//! The outbox for administrators (all need `settings.manage`): its emails
//! in cursor pages with filters, how many are in each state, and retrying
//! failed emails, one or all. Links and one-time passwords are never shown.

use crate::ApiState;
use crate::dto::{Fields, PageOf};
use crate::error::{Answers, ApiError};
use crate::extract::{AppJson, AppPath, AppQuery, Authenticated};
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use identity_domain::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

pub fn routes() -> OpenApiRouter<ApiState> {
    OpenApiRouter::new()
        .routes(routes!(list_outbox))
        .routes(routes!(outbox_counts))
        .routes(routes!(retry_email))
        .routes(routes!(retry_failed_emails))
}

/// Rows per page when `limit` is absent.
const DEFAULT_LIMIT: u32 = 50;

/// Which emails. Every parameter is optional.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct OutboxParams {
    /// `pending`, `sent` or `failed` (all when absent).
    #[param(schema_with = crate::dto::delivery_status_schema)]
    pub status: Option<String>,
    /// Only emails to this address.
    pub recipient: Option<String>,
    /// Only emails of this kind: `welcome`, `invitation`, `recovery`,
    /// `generated_password`, `email_changed`, `party_invitation` or
    /// `party_recovery`.
    pub kind: Option<String>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Rows per page, 1 to 500 (default 50).
    #[param(schema_with = crate::dto::limit_schema)]
    pub limit: Option<String>,
}

impl OutboxParams {
    fn into_query(self) -> Result<OutboxQuery, ApiError> {
        let mut f = Fields::default();
        let status = f.optional("status", self.status.as_deref(), |s| {
            DeliveryStatus::parse(s).ok_or("use pending, sent or failed")
        });
        let recipient = f.optional("recipient", self.recipient.as_deref(), EmailAddress::parse);
        let kind = f.optional("kind", self.kind.as_deref(), |k| {
            MessageKind::parse(k).ok_or(
                "use welcome, invitation, recovery, generated_password, email_changed, party_invitation or party_recovery",
            )
        });
        let before = f.optional("cursor", self.cursor.as_deref(), |c| {
            Uuid::parse_str(c).map(EmailId::from_uuid).map_err(|_| "not a cursor this API gave")
        });
        let limit = f.optional("limit", self.limit.as_deref(), |text| {
            text.parse::<u32>()
                .ok()
                .filter(|n| (1..=listing::MAX_PAGE_SIZE).contains(n))
                .ok_or(format!("must be a whole number from 1 to {}", listing::MAX_PAGE_SIZE))
        });
        let built = (|| {
            Some(OutboxQuery {
                status: status?,
                recipient: recipient?,
                kind: kind?,
                before: before?,
                limit: limit?.unwrap_or(DEFAULT_LIMIT),
            })
        })();
        f.finish(built)
    }
}

/// An email in the outbox. Its secrets (links, passwords) are never shown.
#[derive(Debug, Serialize, ToSchema)]
pub struct OutboxEmailView {
    /// Id.
    pub id: Uuid,
    /// The recipient's address.
    pub to: String,
    /// The recipient's name.
    pub recipient_name: String,
    /// `welcome`, `invitation`, `recovery`, `generated_password`,
    /// `email_changed`, `party_invitation` or `party_recovery`.
    pub kind: String,
    /// The language it is written in.
    pub language: String,
    /// Queued.
    pub created_at: DateTime<Utc>,
    /// `pending`, `sent` or `failed`.
    pub status: String,
    /// Delivery attempts so far, the successful one included.
    pub attempts: u32,
    /// When the next attempt is due.
    pub next_attempt_at: DateTime<Utc>,
    /// The last delivery error.
    pub last_error: Option<String>,
    /// Delivered.
    pub sent_at: Option<DateTime<Utc>>,
    /// Whether an administrator may retry it now: failed, and carrying no
    /// link or one-time password (those are removed when an email fails;
    /// send a new invitation or reset instead).
    pub retryable: bool,
}

impl From<OutboxEmail> for OutboxEmailView {
    fn from(e: OutboxEmail) -> Self {
        let kind = e.message.message_kind();
        Self {
            id: e.id.as_uuid(),
            to: e.to.as_str().to_owned(),
            recipient_name: e.recipient_name,
            kind: kind.as_str().to_owned(),
            language: e.language.as_str().to_owned(),
            created_at: e.created_at,
            status: e.status.as_str().to_owned(),
            attempts: e.attempts,
            next_attempt_at: e.next_attempt_at,
            last_error: e.last_error,
            sent_at: e.sent_at,
            retryable: e.status == DeliveryStatus::Failed && !kind.carries_secret(),
        }
    }
}

/// Your practice's emails, newest first, with their delivery state, in
/// cursor pages (needs `settings.manage`). Follow `next_cursor` (as
/// `cursor`, with the same filters) for older ones.
#[utoipa::path(get, path = "/outbox", tag = "outbox", security(("bearer" = [])), params(OutboxParams),
    responses(
        (status = 200, description = "A page of emails, newest first", body = PageOf<OutboxEmailView>),
        Answers<ReadLogError>,
    ))]
async fn list_outbox(
    State(state): State<ApiState>,
    auth: Authenticated,
    AppQuery(params): AppQuery<OutboxParams>,
) -> Result<AppJson<PageOf<OutboxEmailView>>, ApiError> {
    let page = state.service.list_outbox(&auth.caller, &params.into_query()?).await?;
    Ok(AppJson(PageOf {
        items: page.items.into_iter().map(OutboxEmailView::from).collect(),
        next_cursor: page.next.map(|id| id.to_string()),
    }))
}

/// How many emails are in each state.
#[derive(Debug, Serialize, ToSchema)]
pub struct OutboxCountsView {
    /// Waiting for (another) attempt.
    pub pending: u64,
    /// Delivered.
    pub sent: u64,
    /// Given up.
    pub failed: u64,
}

/// How many of your practice's emails are pending, sent and failed (needs
/// `settings.manage`).
#[utoipa::path(get, path = "/outbox/counts", tag = "outbox", security(("bearer" = [])),
    responses(
        (status = 200, description = "The counts", body = OutboxCountsView),
        Answers<ReadLogError>,
    ))]
async fn outbox_counts(
    State(state): State<ApiState>,
    auth: Authenticated,
) -> Result<AppJson<OutboxCountsView>, ApiError> {
    let c = state.service.outbox_counts(&auth.caller).await?;
    Ok(AppJson(OutboxCountsView { pending: c.pending, sent: c.sent, failed: c.failed }))
}

/// Sends a failed email again: pending, due now, with a new round of
/// attempts (needs `settings.manage`; audited as `outbox.retried`).
#[utoipa::path(post, path = "/outbox/{id}/retry", tag = "outbox", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The email's id")),
    responses(
        (status = 204, description = "Pending again"),
        Answers<RetryEmailError>,
    ))]
async fn retry_email(
    State(state): State<ApiState>,
    auth: Authenticated,
    AppPath(id): AppPath<Uuid>,
) -> Result<StatusCode, ApiError> {
    state.service.retry_email(&auth.caller, EmailId::from_uuid(id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// What retrying every failed email did.
#[derive(Debug, Serialize, ToSchema)]
pub struct RetriedView {
    /// Emails pending again, due now.
    pub retried: u64,
    /// Failed emails left failed because they carried a link or a
    /// one-time password: send a new invitation or reset instead.
    pub need_new_secret: u64,
}

/// Sends every failed email of your practice again that can be (needs
/// `settings.manage`; audited as `outbox.retried`).
#[utoipa::path(post, path = "/outbox/retry", tag = "outbox", security(("bearer" = [])),
    responses(
        (status = 200, description = "What was retried", body = RetriedView),
        Answers<RetryFailedEmailsError>,
    ))]
async fn retry_failed_emails(
    State(state): State<ApiState>,
    auth: Authenticated,
) -> Result<AppJson<RetriedView>, ApiError> {
    let done = state.service.retry_failed_emails(&auth.caller).await?;
    Ok(AppJson(RetriedView { retried: done.retried, need_new_secret: done.need_new_secret }))
}
