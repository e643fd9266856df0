//! One individual (party), opened from their site's list: every recorded
//! detail (date of birth, gender, grade or position included) and their
//! edit form; their portal access with its status, sent and expiry times
//! and the actions it allows (invite, resend or revoke the invitation,
//! recovery link, end sessions, reset second factors, deactivate,
//! reactivate), the destructive ones confirmed on a page of their own
//! first; and the cases they take part in, with their part, added by the
//! case's reference and removed after a confirmation. Everything here
//! needs `parties.manage`.

use super::sites::{KINDS, PartyForm, kind_label, parse_party};
use super::{Chrome, Errors, render};
use crate::ConsoleState;
use crate::i18n::{Text, date_time, fill};
use crate::messages::{Describe, Problem};
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
        .route("/console/parties/{id}", get(page).post(update))
        .route("/console/parties/{id}/cases", post(add_case))
        .route("/console/parties/{id}/confirm/{action}", get(confirm))
        .route("/console/parties/{id}/actions/{action}", post(act))
}

fn href(id: PartyId) -> String {
    format!("/console/parties/{id}")
}

/// What can be done to a party's portal access or cases from this page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Action {
    Invite,
    Resend,
    Revoke,
    Recovery,
    EndSessions,
    ResetFactors,
    Deactivate,
    Reactivate,
    RemoveCase,
}

impl Action {
    const ALL: [Self; 9] = [
        Self::Invite,
        Self::Resend,
        Self::Revoke,
        Self::Recovery,
        Self::EndSessions,
        Self::ResetFactors,
        Self::Deactivate,
        Self::Reactivate,
        Self::RemoveCase,
    ];

    fn slug(self) -> &'static str {
        match self {
            Self::Invite => "invite",
            Self::Resend => "resend",
            Self::Revoke => "revoke",
            Self::Recovery => "recovery",
            Self::EndSessions => "end-sessions",
            Self::ResetFactors => "reset-factors",
            Self::Deactivate => "deactivate",
            Self::Reactivate => "reactivate",
            Self::RemoveCase => "remove-case",
        }
    }

    fn parse(slug: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.slug() == slug)
    }

    fn label(self, t: &'static Text) -> &'static str {
        match self {
            Self::Invite => t.party_invite,
            Self::Resend => t.resend_invitation,
            Self::Revoke => t.revoke_invitation,
            Self::Recovery => t.party_recovery,
            Self::EndSessions => t.party_end_sessions,
            Self::ResetFactors => t.mfa_reset,
            Self::Deactivate => t.party_deactivate,
            Self::Reactivate => t.party_reactivate,
            Self::RemoveCase => t.remove,
        }
    }

    /// The question asked first, for the actions that end or replace
    /// something; `None` for those done at once.
    fn question(self, t: &'static Text) -> Option<&'static str> {
        match self {
            Self::Invite | Self::Reactivate => None,
            Self::Resend => Some(t.confirm_party_resend),
            Self::Revoke => Some(t.confirm_party_revoke),
            Self::Recovery => Some(t.confirm_party_recovery),
            Self::EndSessions => Some(t.confirm_party_end_sessions),
            Self::ResetFactors => Some(t.confirm_party_reset_factors),
            Self::Deactivate => Some(t.confirm_party_deactivate),
            Self::RemoveCase => Some(t.confirm_case_remove),
        }
    }

    fn question_needed(self) -> bool {
        !matches!(self, Self::Invite | Self::Reactivate)
    }

    /// The actions the portal access allows (removing a case is offered
    /// beside each case).
    fn offered(access: &PortalAccess, may_invite: bool) -> Vec<Self> {
        let mut actions = match access {
            PortalAccess::NotInvited => vec![Self::Invite],
            PortalAccess::Invited { .. } => vec![Self::Resend, Self::Revoke],
            PortalAccess::Active { .. } => {
                vec![Self::Recovery, Self::EndSessions, Self::ResetFactors, Self::Deactivate]
            }
            PortalAccess::Inactive { .. } => vec![Self::Reactivate],
        };
        if !may_invite {
            actions.retain(|a| !matches!(a, Self::Invite | Self::Resend));
        }
        actions
    }
}

/// What the address carries: a notice, and the case search typed in
/// "Add to a case".
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Done {
    done: String,
    count: String,
    case_search: String,
}

/// Cases listed for one search in "Add to a case".
const FOUND_CASES: u32 = 20;

/// A case found by the search, to pick.
struct FoundCase {
    id: String,
    title: String,
    status: &'static str,
}

fn done_text(t: &'static Text, done: &Done) -> Option<String> {
    let text = match done.done.as_str() {
        "saved" => t.done_saved,
        "invited" => t.party_invited,
        "resent" => t.done_resend,
        "revoked" => t.done_revoke,
        "recovery" => t.done_party_recovery,
        "sessions" | "factors_reset" => {
            let count = done.count.parse::<u64>().unwrap_or_default().to_string();
            let text =
                if done.done == "sessions" { t.done_party_sessions } else { t.done_party_factors_reset };
            return Some(fill(text, &[("count", &count)]));
        }
        "deactivated" => t.done_party_deactivated,
        "reactivated" => t.done_party_reactivated,
        "case_added" => t.done_case_added,
        "case_removed" => t.done_case_removed,
        _ => return None,
    };
    Some(text.to_owned())
}

pub(crate) fn part_label(t: &'static Text, part: CasePart) -> &'static str {
    match part {
        CasePart::Student => t.part_student,
        CasePart::Complainant => t.part_complainant,
        CasePart::Witness => t.part_witness,
        CasePart::Client => t.part_client,
        CasePart::Other => t.part_other,
    }
}

pub(crate) fn case_status_label(t: &'static Text, status: CaseStatus) -> &'static str {
    match status {
        CaseStatus::Open => t.case_open,
        CaseStatus::Closed => t.case_closed,
    }
}

struct CaseRow {
    id: String,
    title: String,
    status: &'static str,
    part: &'static str,
    added: String,
}

/// The "Add to a case" form as typed.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct AddCaseForm {
    case: String,
    part: String,
    /// The search the cases to pick from were found by, shown again when
    /// the form is refused.
    case_search: String,
}

#[derive(Template)]
#[template(path = "party.html")]
struct PartyPage {
    t: &'static Text,
    chrome: Chrome,
    id: String,
    site_id: String,
    name: String,
    done: Option<String>,
    alert: Option<String>,
    facts: Vec<(&'static str, String)>,
    portal_status: &'static str,
    portal_badge: &'static str,
    portal_facts: Vec<(&'static str, String)>,
    portal_note: Option<&'static str>,
    actions: Vec<(&'static str, &'static str, bool)>,
    form: PartyForm,
    errors: Errors,
    kinds: Vec<(&'static str, &'static str)>,
    cases: Vec<CaseRow>,
    add: AddCaseForm,
    add_errors: Errors,
    parts: Vec<(&'static str, &'static str)>,
    case_search: String,
    /// `None` when nothing was searched for.
    found: Option<Vec<FoundCase>>,
    found_all: bool,
}

/// What a page shows besides the records: a notice, a problem, and the
/// forms as typed.
#[derive(Default)]
struct Shown {
    done: Option<String>,
    alert: Option<String>,
    form: Option<PartyForm>,
    errors: Errors,
    add: AddCaseForm,
    add_errors: Errors,
    case_search: String,
}

/// A form posted about one individual, with the individual as they are.
async fn posted<T>(
    state: &ConsoleState,
    raw: &str,
    posted: SignedForm<T>,
) -> Result<(Viewer, T, Party), Response> {
    let SignedForm { viewer, form } = posted;
    let party = load(state, &viewer, raw).await?;
    Ok((viewer, form, party))
}

async fn load(state: &ConsoleState, viewer: &Viewer, raw: &str) -> Result<Party, Response> {
    let Ok(id) = raw.parse::<PartyId>() else {
        return Err(super::refusal_for(viewer, StatusCode::NOT_FOUND, viewer.lang.text().err_not_found));
    };
    state.service.get_party(&viewer.caller, id).await.map_err(|e| super::failure_for(viewer, e))
}

fn facts(t: &'static Text, viewer: &Viewer, party: &Party, site: &str) -> Vec<(&'static str, String)> {
    let d = &party.details;
    let text = |v: Option<&str>| v.unwrap_or("—").to_owned();
    vec![
        (t.kind, kind_label(t, d.kind).to_owned()),
        (t.email, text(d.email.as_ref().map(EmailAddress::as_str))),
        (t.phone, text(d.phone.as_ref().map(Phone::as_str))),
        (t.address, text(d.address.as_ref().map(Note::as_str))),
        (
            t.date_of_birth,
            d.date_of_birth.map_or_else(|| "—".to_owned(), |b| b.format("%Y-%m-%d").to_string()),
        ),
        (t.gender, text(d.gender.as_ref().map(Label::as_str))),
        (t.grade_or_position, text(d.grade_or_position.as_ref().map(Label::as_str))),
        (t.language, text(d.language.as_ref().map(Language::as_str))),
        (t.site, site.to_owned()),
        (t.created_at, date_time(party.created_at, viewer.user.time_zone, viewer.lang)),
        (t.updated_at, date_time(party.updated_at, viewer.user.time_zone, viewer.lang)),
    ]
}

fn portal_view(
    t: &'static Text,
    viewer: &Viewer,
    access: &PortalAccess,
) -> (&'static str, &'static str, Vec<(&'static str, String)>, Option<&'static str>) {
    let at = |when: DateTimeUtc| date_time(when, viewer.user.time_zone, viewer.lang);
    match access {
        PortalAccess::NotInvited => (t.portal_not_invited, "inactive", Vec::new(), None),
        PortalAccess::Invited { email, sent_at, expires_at } => {
            let mut facts = vec![(t.email, email.as_str().to_owned())];
            if let Some(sent) = sent_at {
                facts.push((t.portal_sent_at, at(*sent)));
            }
            let note = match expires_at {
                Some(expires) => {
                    facts.push((t.portal_expires_at, at(*expires)));
                    None
                }
                None => Some(t.portal_expired),
            };
            (t.portal_invited, "invited", facts, note)
        }
        PortalAccess::Active { email, last_sign_in_at, locked, second_factors } => {
            let last = last_sign_in_at.map_or_else(|| t.never.to_owned(), at);
            let facts = vec![
                (t.portal_sign_in_email, email.as_str().to_owned()),
                (t.portal_last_sign_in, last),
                (t.mfa_nav, second_factors.to_string()),
            ];
            (t.portal_active, "active", facts, locked.then_some(t.portal_locked))
        }
        PortalAccess::Inactive { email } => {
            (t.portal_inactive, "inactive", vec![(t.portal_sign_in_email, email.as_str().to_owned())], None)
        }
    }
}

type DateTimeUtc = chrono::DateTime<chrono::Utc>;

async fn party_page(state: &ConsoleState, viewer: &Viewer, party: &Party, shown: Shown) -> Response {
    let t = viewer.lang.text();
    let service = &state.service;
    let site = match service.list_sites(&viewer.caller).await {
        Ok(sites) => {
            sites.into_iter().find(|s| s.id == party.site).map(|s| s.name.to_string()).unwrap_or_default()
        }
        Err(e) => return super::failure_for(viewer, e),
    };
    let access = match service.portal_access(&viewer.caller, party.id).await {
        Ok(access) => access,
        Err(e) => return super::failure_for(viewer, e),
    };
    let cases = match service.list_party_cases(&viewer.caller, party.id).await {
        Ok(cases) => cases,
        Err(e) => return super::failure_for(viewer, e),
    };
    let mut add_errors = shown.add_errors;
    let found = match SearchTerm::parse(&shown.case_search) {
        Ok(None) => None,
        Ok(Some(term)) => {
            match service.find_cases(&viewer.caller, Some(&term), None, FOUND_CASES + 1).await {
                Ok(found) => Some(found),
                Err(e) => return super::failure(viewer.lang, e),
            }
        }
        Err(_) => {
            add_errors.add(Problem::at("case_search", t.err_control));
            None
        }
    };
    let found_all = found.as_ref().is_none_or(|f| f.len() <= FOUND_CASES as usize);
    let (portal_status, portal_badge, portal_facts, portal_note) = portal_view(t, viewer, &access);
    let may_invite = viewer.caller.may(Permission::PartiesInvite);
    let status = if shown.errors.is_empty() && add_errors.is_empty() && shown.alert.is_none() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = PartyPage {
        t,
        chrome: viewer.chrome("sites"),
        id: party.id.to_string(),
        site_id: party.site.to_string(),
        name: party.details.name.to_string(),
        done: shown.done,
        alert: shown.alert,
        facts: facts(t, viewer, party, &site),
        portal_status,
        portal_badge,
        portal_facts,
        portal_note,
        actions: Action::offered(&access, may_invite)
            .into_iter()
            .map(|a| (a.slug(), a.label(t), a.question_needed()))
            .collect(),
        form: shown.form.unwrap_or_else(|| PartyForm::of(&party.details)),
        errors: shown.errors,
        kinds: KINDS.iter().map(|k| (k.as_str(), kind_label(t, *k))).collect(),
        cases: cases
            .into_iter()
            .map(|c| CaseRow {
                id: c.case.id.to_string(),
                title: c.case.title.to_string(),
                status: case_status_label(t, c.case.status),
                part: part_label(t, c.part),
                added: date_time(c.added_at, viewer.user.time_zone, viewer.lang),
            })
            .collect(),
        add: shown.add,
        add_errors,
        parts: CasePart::ALL.iter().map(|p| (p.as_str(), part_label(t, *p))).collect(),
        case_search: shown.case_search,
        found: found.map(|cases| {
            cases
                .into_iter()
                .take(FOUND_CASES as usize)
                .map(|c| FoundCase {
                    id: c.id.to_string(),
                    title: c.title.to_string(),
                    status: case_status_label(t, c.status),
                })
                .collect()
        }),
        found_all,
    };
    render(status, &page)
}

/// `GET /console/parties/{id}`: the individual's page.
pub async fn page(
    State(state): State<ConsoleState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Query(done): Query<Done>,
) -> Response {
    let party = match load(&state, &viewer, &id).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let shown = Shown {
        done: done_text(viewer.lang.text(), &done),
        case_search: done.case_search.clone(),
        ..Shown::default()
    };
    party_page(&state, &viewer, &party, shown).await
}

/// `POST /console/parties/{id}`: the edited details.
pub async fn update(
    State(state): State<ConsoleState>,
    Path(id): Path<String>,
    form: SignedForm<PartyForm>,
) -> Response {
    let (viewer, form, party) = match posted(&state, &id, form).await {
        Ok(posted) => posted,
        Err(refused) => return refused,
    };
    let t = viewer.lang.text();
    let mut errors = Errors::default();
    if let Some(details) = parse_party(t, &form, &mut errors) {
        match state.service.update_party(&viewer.caller, party.id, details).await {
            Ok(_) => return Redirect::to(&format!("{}?done=saved", href(party.id))).into_response(),
            Err(e) => errors.add(e.describe(t)),
        }
    }
    party_page(&state, &viewer, &party, Shown { form: Some(form), errors, ..Shown::default() }).await
}

/// `POST /console/parties/{id}/cases`: adds the individual to a case.
pub async fn add_case(
    State(state): State<ConsoleState>,
    Path(id): Path<String>,
    form: SignedForm<AddCaseForm>,
) -> Response {
    let (viewer, form, party) = match posted(&state, &id, form).await {
        Ok(posted) => posted,
        Err(refused) => return refused,
    };
    let t = viewer.lang.text();
    let mut errors = Errors::default();
    let case = errors.check(form.case.trim().parse::<CaseId>().map_err(|_| {
        Problem::at("case", if form.case.trim().is_empty() { t.err_required } else { t.err_case_reference })
    }));
    let part = errors.check(CasePart::parse(&form.part).ok_or_else(|| Problem::at("part", t.err_choose)));
    if let (Some(case), Some(part)) = (case, part) {
        match state.service.add_case_party(&viewer.caller, case, party.id, part).await {
            Ok(_) => return Redirect::to(&format!("{}?done=case_added", href(party.id))).into_response(),
            Err(e) => errors.add(e.describe(t)),
        }
    }
    let case_search = form.case_search.clone();
    let shown = Shown { add: form, add_errors: errors, case_search, ..Shown::default() };
    party_page(&state, &viewer, &party, shown).await
}

/// The case an action is about (removing the individual from it).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct CaseChoice {
    case: String,
}

#[derive(Template)]
#[template(path = "party_confirm.html")]
struct ConfirmPage {
    t: &'static Text,
    chrome: Chrome,
    id: String,
    name: String,
    label: &'static str,
    question: String,
    slug: &'static str,
    case: String,
}

/// `GET /console/parties/{id}/confirm/{action}`: asks before acting.
pub async fn confirm(
    State(state): State<ConsoleState>,
    viewer: Viewer,
    Path((id, action)): Path<(String, String)>,
    Query(choice): Query<CaseChoice>,
) -> Response {
    let t = viewer.lang.text();
    let party = match load(&state, &viewer, &id).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let Some((action, question)) = Action::parse(&action).and_then(|a| Some((a, a.question(t)?))) else {
        return super::refusal_for(&viewer, StatusCode::NOT_FOUND, t.err_not_found);
    };
    let name = party.details.name.to_string();
    let mut case_title = String::new();
    if action == Action::RemoveCase {
        let Ok(case) = choice.case.parse::<CaseId>() else {
            return super::refusal_for(&viewer, StatusCode::NOT_FOUND, t.err_not_found);
        };
        match state.service.list_party_cases(&viewer.caller, party.id).await {
            Ok(cases) => match cases.into_iter().find(|c| c.case.id == case) {
                Some(c) => case_title = c.case.title.to_string(),
                None => return super::refusal_for(&viewer, StatusCode::CONFLICT, t.err_not_on_case),
            },
            Err(e) => return super::failure_for(&viewer, e),
        }
    }
    let page = ConfirmPage {
        t,
        chrome: viewer.chrome("sites"),
        id: party.id.to_string(),
        question: fill(question, &[("name", &name), ("case", &case_title)]),
        name,
        label: action.label(t),
        slug: action.slug(),
        case: choice.case,
    };
    render(StatusCode::OK, &page)
}

/// `POST /console/parties/{id}/actions/{action}`: does it, then back to
/// the page with what was done, or the page with why not.
pub async fn act(
    State(state): State<ConsoleState>,
    Path((id, action)): Path<(String, String)>,
    form: SignedForm<CaseChoice>,
) -> Response {
    let (viewer, form, party) = match posted(&state, &id, form).await {
        Ok(posted) => posted,
        Err(refused) => return refused,
    };
    let t = viewer.lang.text();
    let Some(action) = Action::parse(&action) else {
        return super::refusal_for(&viewer, StatusCode::NOT_FOUND, t.err_not_found);
    };
    let (caller, service, id) = (&viewer.caller, &state.service, party.id);
    let done: Result<String, Problem> = match action {
        Action::Invite | Action::Resend => service
            .invite_party(caller, id)
            .await
            .map(|_| if action == Action::Invite { "invited" } else { "resent" }.to_owned())
            .map_err(|e| e.describe(t)),
        Action::Revoke => service
            .revoke_party_invitation(caller, id)
            .await
            .map(|()| "revoked".into())
            .map_err(|e| e.describe(t)),
        Action::Recovery => service
            .send_party_recovery_link(caller, id)
            .await
            .map(|()| "recovery".into())
            .map_err(|e| e.describe(t)),
        Action::EndSessions => service
            .end_party_sessions(caller, id)
            .await
            .map(|n| format!("sessions&count={n}"))
            .map_err(|e| e.describe(t)),
        Action::ResetFactors => service
            .reset_party_factors(caller, id)
            .await
            .map(|n| format!("factors_reset&count={n}"))
            .map_err(|e| e.describe(t)),
        Action::Deactivate => service
            .deactivate_portal_access(caller, id)
            .await
            .map(|()| "deactivated".into())
            .map_err(|e| e.describe(t)),
        Action::Reactivate => service
            .reactivate_portal_access(caller, id)
            .await
            .map(|()| "reactivated".into())
            .map_err(|e| e.describe(t)),
        Action::RemoveCase => match form.case.parse::<CaseId>() {
            Ok(case) => service
                .remove_case_party(caller, case, id)
                .await
                .map(|()| "case_removed".into())
                .map_err(|e| e.describe(t)),
            Err(_) => Err(Problem::general(StatusCode::CONFLICT, t.err_not_on_case)),
        },
    };
    match done {
        Ok(done) => Redirect::to(&format!("{}?done={done}", href(id))).into_response(),
        Err(problem)
            if problem.status == StatusCode::NOT_FOUND || problem.status == StatusCode::FORBIDDEN =>
        {
            super::refusal_for(&viewer, problem.status, &problem.text)
        }
        Err(problem) => {
            let status = problem.status;
            let shown = Shown { alert: Some(problem.text), ..Shown::default() };
            let mut response = party_page(&state, &viewer, &party, shown).await;
            if response.status() == StatusCode::OK || response.status() == StatusCode::UNPROCESSABLE_ENTITY {
                *response.status_mut() = status;
            }
            response
        }
    }
}
