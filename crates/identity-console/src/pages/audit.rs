//! The audit log, newest first: filtered by action and by day (in the
//! viewer's time zone), older entries a page at a time; people are named.

use super::people::{Picker, Purpose, Submitted};
use super::{Chrome, Errors, render};
use crate::ConsoleState;
use crate::i18n::{Text, date_time};
use crate::session::Viewer;
use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use chrono::{DateTime, NaiveDate, TimeZone as _, Utc};
use identity_domain::*;
use serde::Deserialize;
use std::collections::HashMap;

/// The routes of this module.
pub fn routes() -> Router<ConsoleState> {
    Router::new().route("/console/audit", get(log))
}

/// Rows per page.
const PAGE_SIZE: u32 = 50;

/// The filters in the address.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct AuditFilters {
    action: String,
    since: String,
    until: String,
    actor: String,
    actor_q: String,
    target: String,
    target_q: String,
    find: String,
    cursor: String,
}

impl AuditFilters {
    /// The address of these filters, from the newest entry or after `cursor`.
    fn href(&self, cursor: Option<AuditId>) -> String {
        let encode = super::users::encode;
        let mut href = format!(
            "/console/audit?action={}&since={}&until={}&actor={}&target={}",
            encode(&self.action),
            encode(&self.since),
            encode(&self.until),
            encode(&self.actor),
            encode(&self.target)
        );
        if let Some(cursor) = cursor {
            href.push_str(&format!("&cursor={cursor}"));
        }
        href
    }
}

struct EntryRow {
    when: String,
    action: &'static str,
    actor: String,
    target: String,
    details: String,
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    t: &'static Text,
    chrome: Chrome,
    filters: AuditFilters,
    actions: Vec<&'static str>,
    rows: Vec<EntryRow>,
    actor: Picker,
    target: Picker,
    older: Option<String>,
    newest: Option<String>,
    errors: Errors,
}

/// The start of `day` in `zone`, in UTC.
fn start_of(day: &str, zone: identity_domain::TimeZone) -> Option<DateTime<Utc>> {
    let date = NaiveDate::parse_from_str(day.trim(), "%Y-%m-%d").ok()?;
    let local = date.and_hms_opt(0, 0, 0)?;
    zone.tz().from_local_datetime(&local).earliest().map(|t| t.with_timezone(&Utc))
}

/// `GET /console/audit`.
pub async fn log(
    State(state): State<ConsoleState>,
    viewer: Viewer,
    Query(mut filters): Query<AuditFilters>,
) -> Response {
    let t = viewer.lang.text();
    let zone = viewer.user.time_zone;
    let mut errors = Errors::default();
    let finding = filters.find.clone();
    let mut person = async |name: &'static str, id: &str, term: &str| {
        let submitted = Submitted { id, term, finding: finding == name };
        let (picker, picked) =
            Picker::new(name, Purpose::Anyone, None).read(&state, &viewer, submitted).await;
        let picked = picked.map_err(|problem| errors.add(problem)).ok().flatten();
        (picker, picked.filter(|_| !submitted.finding))
    };
    let (actor, actor_id) = person("actor", &filters.actor, &filters.actor_q).await;
    let (target, target_id) = person("target", &filters.target, &filters.target_q).await;
    // Older pages keep the people picked, by id.
    filters.actor = actor_id.map(|id| id.to_string()).unwrap_or_default();
    filters.target = target_id.map(|id| id.to_string()).unwrap_or_default();
    let query = AuditQuery {
        action: AuditAction::parse(&filters.action),
        actor: actor_id.map(Actor::User),
        target: target_id.map(Target::User),
        since: start_of(&filters.since, zone),
        until: start_of(&filters.until, zone).map(|t| t + chrono::Duration::days(1)),
        before_id: filters.cursor.parse::<AuditId>().ok(),
        limit: PAGE_SIZE,
    };
    let page = match state.service.read_audit(&viewer.caller, &query).await {
        Ok(page) => page,
        Err(e) => return super::failure(viewer.lang, e),
    };
    let mut names: HashMap<UserId, String> = HashMap::new();
    let mut rows = Vec::with_capacity(page.items.len());
    for entry in &page.items {
        let actor = match entry.actor {
            Actor::User(id) => name_of(&state, &viewer, &mut names, id).await,
            Actor::System => t.actor_system.to_owned(),
            Actor::Anonymous => t.actor_anonymous.to_owned(),
        };
        let target = match entry.target {
            Some(Target::User(id)) => name_of(&state, &viewer, &mut names, id).await,
            Some(Target::Practice(id)) => format!("practice {id}"),
            Some(Target::Role(id)) => format!("role {id}"),
            Some(Target::Profile(id)) => format!("profile {id}"),
            Some(Target::Site(id)) => format!("site {id}"),
            Some(Target::Party(id)) => format!("party {id}"),
            Some(Target::Case(id)) => format!("case {id}"),
            None => String::new(),
        };
        let mut details = entry.after.as_ref().map(ToString::to_string).unwrap_or_default();
        if details.chars().count() > 300 {
            details = details.chars().take(300).chain(['…']).collect();
        }
        rows.push(EntryRow {
            when: date_time(entry.at, zone, viewer.lang),
            action: entry.action.as_str(),
            actor,
            target,
            details,
        });
    }
    let older = page.next.map(|id| filters.href(Some(id)));
    let newest = (!filters.cursor.is_empty()).then(|| filters.href(None));
    let page = AuditPage {
        t,
        chrome: viewer.chrome("audit"),
        newest,
        actor,
        target,
        errors,
        filters,
        actions: AuditAction::ALL.iter().map(|a| a.as_str()).collect(),
        rows,
        older,
    };
    render(StatusCode::OK, &page)
}

async fn name_of(
    state: &ConsoleState,
    viewer: &Viewer,
    names: &mut HashMap<UserId, String>,
    id: UserId,
) -> String {
    if let Some(name) = names.get(&id) {
        return name.clone();
    }
    let name = match state.service.get_user(&viewer.caller, id).await {
        Ok(user) => format!("{} ({})", user.name, user.email),
        Err(_) => id.to_string(),
    };
    names.insert(id, name.clone());
    name
}
