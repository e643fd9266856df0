//! What administrators look back at and tune: the audit log (filtered,
//! newest first, in cursor pages) and the practice's settings. The outbox
//! has its own module.

use crate::ApiState;
use crate::dto::{Fields, PageOf};
use crate::error::{Answers, ApiError};
use crate::extract::{AppJson, AppQuery, Authenticated};
use axum::extract::State;
use chrono::{DateTime, Utc};
use identity_domain::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

pub fn routes() -> OpenApiRouter<ApiState> {
    OpenApiRouter::new().routes(routes!(read_audit)).routes(routes!(get_settings, update_settings))
}

/// Rows per page when `limit` is absent.
const DEFAULT_LIMIT: u32 = 50;

/// Parses `limit`: 1 to the largest page, [`DEFAULT_LIMIT`] when absent.
fn limit(f: &mut Fields, raw: Option<&str>) -> Option<u32> {
    let parsed = f.optional("limit", raw, |text| {
        text.parse::<u32>()
            .ok()
            .filter(|n| (1..=listing::MAX_PAGE_SIZE).contains(n))
            .ok_or(format!("must be a whole number from 1 to {}", listing::MAX_PAGE_SIZE))
    });
    parsed.map(|n| n.unwrap_or(DEFAULT_LIMIT))
}

fn time(text: &str) -> Result<DateTime<Utc>, &'static str> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| "use an RFC 3339 time, e.g. 2026-01-31T09:00:00Z")
}

fn uuid(text: &str) -> Result<Uuid, &'static str> {
    Uuid::parse_str(text).map_err(|_| "must be a UUID")
}

/// Filters and paging of the audit log. Every parameter is optional.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AuditParams {
    /// Only this action (`user.deactivated`, `session.signed_in`…).
    #[param(schema_with = crate::dto::audit_action_schema)]
    pub action: Option<String>,
    /// Only by this actor: a user's id, `system` or `anonymous`.
    #[param(min_length = 1, max_length = 45)]
    pub actor: Option<String>,
    /// Only about targets of this kind; give `target_id` with it.
    #[param(schema_with = crate::dto::target_kind_schema)]
    pub target_kind: Option<String>,
    /// Only about the target with this id; give `target_kind` with it.
    #[param(value_type = Option<Uuid>)]
    pub target_id: Option<String>,
    /// Only entries at or after this time (RFC 3339).
    #[param(value_type = Option<DateTime<Utc>>)]
    pub since: Option<String>,
    /// Only entries before this time (RFC 3339).
    #[param(value_type = Option<DateTime<Utc>>)]
    pub until: Option<String>,
    /// The `next_cursor` of the previous page (an entry's id).
    #[param(value_type = Option<Uuid>)]
    pub cursor: Option<String>,
    /// Rows per page, 1 to 500 (default 50).
    #[param(schema_with = crate::dto::limit_schema)]
    pub limit: Option<String>,
}

impl AuditParams {
    fn into_query(self) -> Result<AuditQuery, ApiError> {
        let mut f = Fields::default();
        f.length("actor", self.actor.as_deref(), 1, 45);
        let action = f.optional("action", self.action.as_deref(), |a| {
            AuditAction::parse(a).ok_or("not an audit action")
        });
        let actor = f.optional("actor", self.actor.as_deref(), |a| match a {
            "system" => Ok(Actor::System),
            "anonymous" => Ok(Actor::Anonymous),
            id => uuid(id).map(|id| Actor::User(UserId::from_uuid(id))),
        });
        let target_id = f.optional("target_id", self.target_id.as_deref(), uuid);
        let target = match (self.target_kind.as_deref(), target_id) {
            (None, Some(None)) => Some(None),
            (Some(kind), Some(Some(id))) => f.check("target_kind", target_of(kind, id)).map(Some),
            (Some(kind), Some(None)) => {
                // A kind that is none is said too, not only the missing id.
                f.check("target_kind", target_of(kind, Uuid::nil()));
                f.fail("target_id", "give target_id with target_kind");
                None
            }
            (None, Some(Some(_))) => {
                f.fail("target_kind", "give target_kind with target_id");
                None
            }
            (_, None) => None,
        };
        let since = f.optional("since", self.since.as_deref(), time);
        let until = f.optional("until", self.until.as_deref(), time);
        let before_id = f.optional("cursor", self.cursor.as_deref(), |c| uuid(c).map(AuditId::from_uuid));
        let limit = limit(&mut f, self.limit.as_deref());
        let built = (|| {
            Some(AuditQuery {
                action: action?,
                actor: actor?,
                target: target?,
                since: since?,
                until: until?,
                before_id: before_id?,
                limit: limit?,
            })
        })();
        f.finish(built)
    }
}

fn target_of(kind: &str, id: Uuid) -> Result<Target, &'static str> {
    Ok(match kind {
        "practice" => Target::Practice(PracticeId::from_uuid(id)),
        "user" => Target::User(UserId::from_uuid(id)),
        "role" => Target::Role(RoleId::from_uuid(id)),
        "profile" => Target::Profile(ProfileId::from_uuid(id)),
        "site" => Target::Site(SiteId::from_uuid(id)),
        "party" => Target::Party(PartyId::from_uuid(id)),
        "case" => Target::Case(CaseId::from_uuid(id)),
        _ => return Err("use practice, user, role, profile, site, party or case"),
    })
}

/// Who did something.
#[derive(Debug, Serialize, ToSchema)]
pub struct ActorView {
    /// `user`, `system` or `anonymous`.
    pub kind: String,
    /// The user's id, for `user`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<Uuid>,
}

/// What something was done to.
#[derive(Debug, Serialize, ToSchema)]
pub struct TargetView {
    /// `practice`, `user`, `role`, `profile`, `site`, `party` or `case`.
    pub kind: String,
    /// Its id.
    pub id: Uuid,
}

/// One audit entry.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEntryView {
    /// Id (also the paging cursor).
    pub id: Uuid,
    /// When, in UTC.
    pub at: DateTime<Utc>,
    /// Who.
    pub actor: ActorView,
    /// What (`user.deactivated`…).
    pub action: String,
    /// To what.
    pub target: Option<TargetView>,
    /// The request that did it (`x-request-id`).
    pub request_id: Option<String>,
    /// The state before, where something changed.
    pub before: Option<serde_json::Value>,
    /// The state after, or details of the event.
    pub after: Option<serde_json::Value>,
}

impl From<AuditEntry> for AuditEntryView {
    fn from(e: AuditEntry) -> Self {
        let actor = match e.actor {
            Actor::User(id) => ActorView { kind: "user".to_owned(), id: Some(id.as_uuid()) },
            Actor::System => ActorView { kind: "system".to_owned(), id: None },
            Actor::Anonymous => ActorView { kind: "anonymous".to_owned(), id: None },
        };
        let target = e.target.map(|t| {
            let (kind, id) = match t {
                Target::Practice(id) => ("practice", id.as_uuid()),
                Target::User(id) => ("user", id.as_uuid()),
                Target::Role(id) => ("role", id.as_uuid()),
                Target::Profile(id) => ("profile", id.as_uuid()),
                Target::Site(id) => ("site", id.as_uuid()),
                Target::Party(id) => ("party", id.as_uuid()),
                Target::Case(id) => ("case", id.as_uuid()),
            };
            TargetView { kind: kind.to_owned(), id }
        });
        Self {
            id: e.id.as_uuid(),
            at: e.at,
            actor,
            action: e.action.as_str().to_owned(),
            target,
            request_id: e.request_id.map(String::from),
            before: e.before,
            after: e.after,
        }
    }
}

/// The audit log of your practice, newest first (needs `audit.read`).
/// Follow `next_cursor` (as `cursor`) for older entries.
#[utoipa::path(get, path = "/audit", tag = "logs", security(("bearer" = [])), params(AuditParams),
    responses(
        (status = 200, description = "A page of entries, newest first", body = PageOf<AuditEntryView>),
        Answers<ReadLogError>,
    ))]
async fn read_audit(
    State(state): State<ApiState>,
    auth: Authenticated,
    AppQuery(params): AppQuery<AuditParams>,
) -> Result<AppJson<PageOf<AuditEntryView>>, ApiError> {
    let page = state.service.read_audit(&auth.caller, &params.into_query()?).await?;
    Ok(AppJson(PageOf {
        items: page.items.into_iter().map(AuditEntryView::from).collect(),
        next_cursor: page.next.map(|id| id.to_string()),
    }))
}

/// Your practice and its settings.
#[derive(Debug, Serialize, ToSchema)]
pub struct SettingsView {
    /// The slug typed at sign-in.
    pub practice: String,
    /// The practice's name.
    pub name: String,
    /// How many users may hold Super Admin at once.
    pub super_admin_cap: u32,
    /// The minimum password length, in characters.
    pub password_min_length: u32,
    /// The practice's IANA time zone: its sites and parties follow it
    /// unless they have their own.
    pub time_zone: String,
    /// Every user must have a second factor, whatever their role.
    pub second_factor_required: bool,
}

impl From<Practice> for SettingsView {
    fn from(p: Practice) -> Self {
        Self {
            practice: p.slug.as_str().to_owned(),
            name: p.name.as_str().to_owned(),
            super_admin_cap: p.settings.super_admin_cap,
            password_min_length: p.settings.password_min_length,
            time_zone: p.settings.time_zone.name().to_owned(),
            second_factor_required: p.settings.second_factor_required,
        }
    }
}

/// Your practice's settings.
#[utoipa::path(get, path = "/settings", tag = "logs", security(("bearer" = [])),
    responses(
        (status = 200, description = "The settings", body = SettingsView),
        Answers<UpdateSettingsError>,
    ))]
async fn get_settings(
    State(state): State<ApiState>,
    auth: Authenticated,
) -> Result<AppJson<SettingsView>, ApiError> {
    Ok(AppJson(state.service.practice(&auth.caller).await?.into()))
}

/// New settings (the cap and the length are required).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SettingsBody {
    /// How many users may hold Super Admin at once: at least 1, and not
    /// below the Super Admins the practice has; a 32-bit signed integer, as
    /// its `format` says.
    #[schema(minimum = 1, maximum = 2_147_483_647)]
    pub super_admin_cap: u32,
    /// The minimum password length, 8 to 128.
    #[schema(minimum = 8, maximum = 128)]
    pub password_min_length: u32,
    /// The practice's IANA time zone (absent: unchanged).
    #[schema(min_length = 1, max_length = 64, example = "America/Toronto")]
    pub time_zone: Option<String>,
    /// Every user must have a second factor, whatever their role (absent:
    /// unchanged).
    pub second_factor_required: Option<bool>,
}

/// The largest Super Admin cap: the `int32` the document promises.
const MAX_SUPER_ADMIN_CAP: u32 = 2_147_483_647;

/// Changes your practice's settings (needs `settings.manage`).
#[utoipa::path(put, path = "/settings", tag = "logs", security(("bearer" = [])), request_body = SettingsBody,
    responses(
        (status = 200, description = "The settings", body = SettingsView),
        Answers<UpdateSettingsError>,
    ))]
async fn update_settings(
    State(state): State<ApiState>,
    auth: Authenticated,
    AppJson(body): AppJson<SettingsBody>,
) -> Result<AppJson<SettingsView>, ApiError> {
    let mut f = Fields::default();
    if body.super_admin_cap > MAX_SUPER_ADMIN_CAP {
        f.fail("super_admin_cap", format!("must be at most {MAX_SUPER_ADMIN_CAP}"));
    }
    let time_zone = f.optional("time_zone", body.time_zone.as_deref(), TimeZone::parse);
    let time_zone = f.finish(time_zone)?;
    let change = SettingsChange {
        super_admin_cap: body.super_admin_cap,
        password_min_length: body.password_min_length,
        time_zone,
        second_factor_required: body.second_factor_required,
    };
    Ok(AppJson(state.service.update_settings(&auth.caller, change).await?.into()))
}
