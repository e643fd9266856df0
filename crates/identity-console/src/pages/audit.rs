//! The audit log, newest first: filtered by action and by day (in the
//! viewer's time zone), older entries a page at a time; people are named.

use super::people::{Picker, Purpose, Submitted};
use super::{Chrome, Errors, render};
use crate::ConsoleState;
use crate::i18n::{Text, audit_action, date_time};
use crate::messages::status_name;
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
    code: &'static str,
    actor: String,
    target: String,
    changes: Vec<Change>,
}

/// One field of an entry's before/after view.
struct Change {
    field: String,
    before: Option<String>,
    after: Option<String>,
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    t: &'static Text,
    chrome: Chrome,
    filters: AuditFilters,
    actions: Vec<(&'static str, &'static str)>,
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
        Err(e) => return super::failure_for(&viewer, e),
    };
    let mut names = Names::load(&state, &viewer).await;
    let mut rows = Vec::with_capacity(page.items.len());
    for entry in &page.items {
        let actor = match entry.actor {
            Actor::User(id) => names.user(id).await,
            Actor::System => t.actor_system.to_owned(),
            Actor::Anonymous => t.actor_anonymous.to_owned(),
        };
        let target = match entry.target {
            Some(target) => names.target(target).await,
            None => String::new(),
        };
        let changes = names.changes(entry.before.as_ref(), entry.after.as_ref()).await;
        rows.push(EntryRow {
            when: date_time(entry.at, zone, viewer.lang),
            action: audit_action(viewer.lang, entry.action),
            code: entry.action.as_str(),
            actor,
            target,
            changes,
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
        actions: AuditAction::ALL.iter().map(|a| (a.as_str(), audit_action(viewer.lang, *a))).collect(),
        rows,
        older,
    };
    render(StatusCode::OK, &page)
}

/// The names of what entries point at, by id: roles, profiles and sites
/// read once per page; people, individuals and cases looked up once each.
struct Names<'a> {
    state: &'a ConsoleState,
    viewer: &'a Viewer,
    known: HashMap<String, String>,
}

impl<'a> Names<'a> {
    async fn load(state: &'a ConsoleState, viewer: &'a Viewer) -> Self {
        let mut known = HashMap::new();
        let service = &state.service;
        if let Ok(roles) = service.list_roles(&viewer.caller).await {
            let lang = viewer.lang;
            known.extend(roles.iter().map(|r| (r.id.to_string(), crate::i18n::names::role(lang, r))));
        }
        if let Ok(profiles) = service.list_profiles(&viewer.caller).await {
            let lang = viewer.lang;
            known.extend(profiles.iter().map(|p| (p.id.to_string(), crate::i18n::names::profile(lang, p))));
        }
        if let Ok(sites) = service.list_sites(&viewer.caller).await {
            known.extend(sites.into_iter().map(|s| (s.id.to_string(), s.name.as_str().to_owned())));
        }
        Self { state, viewer, known }
    }

    /// A person's name and email, or their id when the viewer may not read them.
    async fn user(&mut self, id: UserId) -> String {
        let key = id.to_string();
        if let Some(name) = self.known.get(&key) {
            return name.clone();
        }
        let name = match self.state.service.get_user(&self.viewer.caller, id).await {
            Ok(user) => format!("{} ({})", user.name, user.email),
            Err(_) => key.clone(),
        };
        self.known.insert(key, name.clone());
        name
    }

    async fn target(&mut self, target: Target) -> String {
        let t = self.viewer.lang.text();
        let (kind, key) = match target {
            Target::User(id) => return self.user(id).await,
            Target::Practice(_) => return t.audit_practice.to_owned(),
            Target::Role(id) => (t.role, id.to_string()),
            Target::Profile(id) => (t.profile, id.to_string()),
            Target::Site(id) => (t.site, id.to_string()),
            Target::Party(id) => {
                let key = id.to_string();
                if !self.known.contains_key(&key)
                    && let Ok(party) = self.state.service.get_party(&self.viewer.caller, id).await
                {
                    self.known.insert(key.clone(), party.details.name.as_str().to_owned());
                }
                (t.audit_party, key)
            }
            Target::Case(id) => {
                let key = id.to_string();
                if !self.known.contains_key(&key)
                    && let Ok(case) = self.state.service.get_case(&self.viewer.caller, id).await
                {
                    self.known.insert(key.clone(), case.title.as_str().to_owned());
                }
                (t.audit_case, key)
            }
        };
        let name = self.known.get(&key).cloned().unwrap_or(key);
        format!("{kind}: {name}")
    }

    /// A stored value as people read it: ids as names, statuses and
    /// yes/no in the viewer's language, lists joined, nothing as "—".
    async fn value(&mut self, field: &str, value: &serde_json::Value) -> String {
        use serde_json::Value;
        let t = self.viewer.lang.text();
        match value {
            Value::Null => "—".to_owned(),
            Value::Bool(b) => if *b { t.yes } else { t.no }.to_owned(),
            Value::Number(n) => n.to_string(),
            Value::String(s) => self.text(field, s).await,
            Value::Array(items) => {
                let mut shown = Vec::with_capacity(items.len());
                for item in items {
                    shown.push(match item {
                        Value::String(s) => self.text(field, s).await,
                        other => other.to_string(),
                    });
                }
                if shown.is_empty() { "—".to_owned() } else { shown.join(", ") }
            }
            Value::Object(_) => value.to_string(),
        }
    }

    async fn text(&mut self, field: &str, text: &str) -> String {
        let t = self.viewer.lang.text();
        if field == "status" {
            for status in [UserStatus::Invited, UserStatus::Active, UserStatus::Inactive] {
                if status.as_str() == text {
                    return status_name(t, status).to_owned();
                }
            }
        }
        if let Some(name) = self.known.get(text) {
            return name.clone();
        }
        if field.starts_with("case")
            && let Ok(id) = text.parse::<CaseId>()
        {
            let title = match self.state.service.get_case(&self.viewer.caller, id).await {
                Ok(case) => case.title.as_str().to_owned(),
                Err(_) => text.to_owned(),
            };
            self.known.insert(text.to_owned(), title.clone());
            return title;
        }
        match text.parse::<UserId>() {
            Ok(id) => self.user(id).await,
            Err(_) => text.to_owned(),
        }
    }

    /// The before/after view of an entry: the fields that changed (every
    /// field when there is only one side).
    async fn changes(
        &mut self,
        before: Option<&serde_json::Value>,
        after: Option<&serde_json::Value>,
    ) -> Vec<Change> {
        use serde_json::Value;
        let empty = serde_json::Map::new();
        let as_object = |v: Option<&'_ Value>| match v {
            Some(Value::Object(map)) => Some(map.clone()),
            Some(Value::Null) | None => None,
            Some(other) => Some(std::iter::once(("value".to_owned(), other.clone())).collect()),
        };
        let (before, after) = (as_object(before), as_object(after));
        let both = before.is_some() && after.is_some();
        let (old, new) = (before.as_ref().unwrap_or(&empty), after.as_ref().unwrap_or(&empty));
        let mut fields: Vec<&String> = new.keys().collect();
        fields.extend(old.keys().filter(|k| !new.contains_key(*k)));
        let mut changes = Vec::new();
        for field in fields {
            let (was, is) = (old.get(field), new.get(field));
            if both && was == is {
                continue;
            }
            if !both && matches!(was.or(is), Some(Value::Null)) {
                continue;
            }
            let before = match was {
                Some(v) => Some(self.value(field, v).await),
                None => None,
            };
            let after = match is {
                Some(v) => Some(self.value(field, v).await),
                None => None,
            };
            changes.push(Change { field: field_label(self.viewer.lang.text(), field), before, after });
        }
        changes
    }
}

/// A stored field's name as people read it.
fn field_label(t: &Text, field: &str) -> String {
    let known = match field {
        "email" => t.email,
        "name" => t.name,
        "role" => t.role,
        "profiles" => t.profiles,
        "language" => t.language,
        "time_zone" => t.time_zone,
        "phone" => t.phone,
        "title" => t.job_title,
        "has_notes" => t.notes,
        "sites" => t.sites,
        "site" => t.site,
        "status" => t.status,
        other => return other.replace(['_', '.'], " "),
    };
    known.to_owned()
}
