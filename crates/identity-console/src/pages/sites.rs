//! Sites and the individuals (parties) recorded at each: create and rename
//! sites; record an individual with "Save", or "Send invite" to also invite
//! them to the portal.

use super::users::optional;
use super::{Chrome, Errors, render};
use crate::ConsoleState;
use crate::i18n::{Text, date_time};
use crate::messages::{Describe, Problem, email_problem, text_problem};
use crate::session::{SignedForm, Viewer};
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::NaiveDate;
use identity_domain::*;
use serde::Deserialize;

/// The routes of this module.
pub fn routes() -> Router<ConsoleState> {
    Router::new()
        .route("/console/sites", get(list).post(create))
        .route("/console/sites/{id}", get(site).post(update))
        .route("/console/sites/{id}/parties", post(save_party))
}

/// A notice in the address.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Done {
    done: String,
}

fn done_text(t: &'static Text, key: &str) -> Option<&'static str> {
    match key {
        "saved" => Some(t.done_saved),
        "party_saved" => Some(t.party_saved),
        "party_invited" => Some(t.party_invited),
        _ => None,
    }
}

/// The site form as typed.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct SiteForm {
    name: String,
    address: String,
    time_zone: String,
}

struct SiteRow {
    id: String,
    name: String,
    address: String,
    time_zone: String,
}

#[derive(Template)]
#[template(path = "sites.html")]
struct SitesPage {
    t: &'static Text,
    chrome: Chrome,
    sites: Vec<SiteRow>,
    may_manage: bool,
    form: SiteForm,
    errors: Errors,
}

async fn sites_page(state: &ConsoleState, viewer: &Viewer, form: SiteForm, errors: Errors) -> Response {
    let sites = match state.service.list_sites(&viewer.caller).await {
        Ok(s) => s,
        Err(e) => return super::failure_for(viewer, e),
    };
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let page = SitesPage {
        t: viewer.lang.text(),
        chrome: viewer.chrome("sites"),
        sites: sites
            .into_iter()
            .map(|s| SiteRow {
                id: s.id.to_string(),
                name: s.name.to_string(),
                address: s.address.map(|a| a.as_str().to_owned()).unwrap_or_default(),
                time_zone: s.time_zone.map(|z| z.name().to_owned()).unwrap_or_default(),
            })
            .collect(),
        may_manage: viewer.caller.may(Permission::SitesManage),
        form,
        errors,
    };
    render(status, &page)
}

/// `GET /console/sites`.
pub async fn list(State(state): State<ConsoleState>, viewer: Viewer) -> Response {
    sites_page(&state, &viewer, SiteForm::default(), Errors::default()).await
}

fn parse_site(t: &Text, form: &SiteForm, errors: &mut Errors) -> Option<SiteDetails> {
    let name = errors.check(Label::parse(&form.name).map_err(|e| text_problem(t, "name", &e)));
    let mut refused = false;
    let address = optional(errors, &form.address, Note::parse, |e| {
        refused = true;
        text_problem(t, "address", &e)
    });
    let time_zone = optional(errors, &form.time_zone, TimeZone::parse, |_| {
        refused = true;
        Problem::at("time_zone", t.err_time_zone)
    });
    Some(SiteDetails { name: name?, address, time_zone }).filter(|_| !refused)
}

/// `POST /console/sites`: a new site.
pub async fn create(State(state): State<ConsoleState>, posted: SignedForm<SiteForm>) -> Response {
    let SignedForm { viewer, form } = posted;
    let t = viewer.lang.text();
    let mut errors = Errors::default();
    if let Some(details) = parse_site(t, &form, &mut errors) {
        match state.service.create_site(&viewer.caller, details).await {
            Ok(site) => {
                return Redirect::to(&format!("/console/sites/{}?done=saved", site.id)).into_response();
            }
            Err(e) => errors.add(e.describe(t)),
        }
    }
    sites_page(&state, &viewer, form, errors).await
}

/// The "New individual" form as typed.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct PartyForm {
    pub(crate) kind: String,
    pub(crate) name: String,
    pub(crate) email: String,
    pub(crate) phone: String,
    pub(crate) address: String,
    pub(crate) date_of_birth: String,
    pub(crate) gender: String,
    pub(crate) grade_or_position: String,
    pub(crate) language: String,
    pub(crate) submit: String,
}

impl PartyForm {
    /// The form filled with a party's recorded details.
    pub(crate) fn of(details: &PartyDetails) -> Self {
        let text = |v: Option<&str>| v.unwrap_or_default().to_owned();
        Self {
            kind: details.kind.as_str().to_owned(),
            name: details.name.to_string(),
            email: text(details.email.as_ref().map(EmailAddress::as_str)),
            phone: text(details.phone.as_ref().map(Phone::as_str)),
            address: text(details.address.as_ref().map(Note::as_str)),
            date_of_birth: details
                .date_of_birth
                .map(|d| d.format("%Y-%m-%d").to_string())
                .unwrap_or_default(),
            gender: text(details.gender.as_ref().map(Label::as_str)),
            grade_or_position: text(details.grade_or_position.as_ref().map(Label::as_str)),
            language: text(details.language.as_ref().map(Language::as_str)),
            submit: String::new(),
        }
    }
}

struct PartyRow {
    id: String,
    name: String,
    kind: &'static str,
    email: String,
    portal: &'static str,
    created: String,
}

pub(crate) const KINDS: [PartyKind; 6] = [
    PartyKind::Student,
    PartyKind::Witness,
    PartyKind::Faculty,
    PartyKind::Staff,
    PartyKind::Client,
    PartyKind::Other,
];

pub(crate) fn kind_label(t: &'static Text, kind: PartyKind) -> &'static str {
    match kind {
        PartyKind::Student => t.kind_student,
        PartyKind::Witness => t.kind_witness,
        PartyKind::Faculty => t.kind_faculty,
        PartyKind::Staff => t.kind_staff,
        PartyKind::Client => t.kind_client,
        PartyKind::Other => t.kind_other,
    }
}

#[derive(Template)]
#[template(path = "site.html")]
struct SitePage {
    t: &'static Text,
    chrome: Chrome,
    id: String,
    done: Option<&'static str>,
    site_form: SiteForm,
    site_errors: Errors,
    parties: Vec<PartyRow>,
    kinds: Vec<(&'static str, &'static str)>,
    party: PartyForm,
    party_errors: Errors,
    may_manage_site: bool,
    may_parties: bool,
    may_invite: bool,
}

struct SiteState {
    done: Option<&'static str>,
    site_form: Option<SiteForm>,
    site_errors: Errors,
    party: PartyForm,
    party_errors: Errors,
}

async fn site_page(state: &ConsoleState, viewer: &Viewer, raw: &str, s: SiteState) -> Response {
    let t = viewer.lang.text();
    let not_found = || super::refusal_for(viewer, StatusCode::NOT_FOUND, t.err_not_found);
    let Ok(id) = raw.parse::<SiteId>() else { return not_found() };
    let sites = match state.service.list_sites(&viewer.caller).await {
        Ok(s) => s,
        Err(e) => return super::failure_for(viewer, e),
    };
    let Some(site) = sites.into_iter().find(|s| s.id == id) else { return not_found() };
    let may_parties = viewer.caller.may(Permission::PartiesManage);
    let parties = if may_parties {
        match state.service.list_parties(&viewer.caller, id).await {
            Ok(list) => list,
            Err(e) => return super::failure_for(viewer, e),
        }
    } else {
        Vec::new()
    };
    let status = if s.site_errors.is_empty() && s.party_errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = SitePage {
        t,
        chrome: viewer.chrome("sites"),
        id: site.id.to_string(),
        done: s.done,
        site_form: s.site_form.unwrap_or_else(|| SiteForm {
            name: site.name.to_string(),
            address: site.address.as_ref().map(|a| a.as_str().to_owned()).unwrap_or_default(),
            time_zone: site.time_zone.map(|z| z.name().to_owned()).unwrap_or_default(),
        }),
        site_errors: s.site_errors,
        parties: parties
            .into_iter()
            .map(|p| PartyRow {
                id: p.id.to_string(),
                name: p.details.name.to_string(),
                kind: kind_label(t, p.details.kind),
                email: p.details.email.map(|e| e.as_str().to_owned()).unwrap_or_default(),
                portal: match p.portal {
                    PortalStatus::Invited => t.portal_invited,
                    PortalStatus::NotInvited => t.portal_not_invited,
                },
                created: date_time(p.created_at, viewer.user.time_zone, viewer.lang),
            })
            .collect(),
        kinds: KINDS.iter().map(|k| (k.as_str(), kind_label(t, *k))).collect(),
        party: s.party,
        party_errors: s.party_errors,
        may_manage_site: viewer.caller.may(Permission::SitesManage),
        may_parties,
        may_invite: viewer.caller.may(Permission::PartiesInvite),
    };
    render(status, &page)
}

/// `GET /console/sites/{id}`: the site, its individuals and "New individual".
pub async fn site(
    State(state): State<ConsoleState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Query(done): Query<Done>,
) -> Response {
    let s = SiteState {
        done: done_text(viewer.lang.text(), &done.done),
        site_form: None,
        site_errors: Errors::default(),
        party: PartyForm { kind: "student".into(), ..PartyForm::default() },
        party_errors: Errors::default(),
    };
    site_page(&state, &viewer, &id, s).await
}

/// `POST /console/sites/{id}`: renames the site or changes its address or
/// time zone.
pub async fn update(
    State(state): State<ConsoleState>,
    Path(id): Path<String>,
    posted: SignedForm<SiteForm>,
) -> Response {
    let SignedForm { viewer, form } = posted;
    let t = viewer.lang.text();
    let mut errors = Errors::default();
    if let (Some(details), Ok(site)) = (parse_site(t, &form, &mut errors), id.parse::<SiteId>()) {
        match state.service.update_site(&viewer.caller, site, details).await {
            Ok(_) => return Redirect::to(&format!("/console/sites/{site}?done=saved")).into_response(),
            Err(e) => errors.add(e.describe(t)),
        }
    }
    let s = SiteState {
        done: None,
        site_form: Some(form),
        site_errors: errors,
        party: PartyForm::default(),
        party_errors: Errors::default(),
    };
    site_page(&state, &viewer, &id, s).await
}

pub(crate) fn parse_party(t: &Text, form: &PartyForm, errors: &mut Errors) -> Option<PartyDetails> {
    let kind = errors.check(PartyKind::parse(&form.kind).ok_or_else(|| Problem::at("kind", t.err_choose)));
    let name = errors.check(PersonName::parse(&form.name).map_err(|e| text_problem(t, "name", &e)));
    let before = !errors.is_empty();
    let email = optional(errors, &form.email, EmailAddress::parse, |e| email_problem(t, "email", &e));
    let phone = optional(errors, &form.phone, Phone::parse, |_| Problem::at("phone", t.err_phone));
    let address = optional(errors, &form.address, Note::parse, |e| text_problem(t, "address", &e));
    let date_of_birth = optional(
        errors,
        &form.date_of_birth,
        |d| NaiveDate::parse_from_str(d.trim(), "%Y-%m-%d"),
        |_| Problem::at("date_of_birth", t.err_date),
    );
    let gender = optional(errors, &form.gender, Label::parse, |e| text_problem(t, "gender", &e));
    let grade_or_position =
        optional(errors, &form.grade_or_position, Label::parse, |e| text_problem(t, "grade_or_position", &e));
    let language =
        optional(errors, &form.language, Language::parse, |_| Problem::at("language", t.err_language));
    if before || !errors.is_empty() {
        return None;
    }
    Some(PartyDetails {
        kind: kind?,
        name: name?,
        email,
        phone,
        address,
        date_of_birth,
        gender,
        grade_or_position,
        language,
    })
}

/// `POST /console/sites/{id}/parties`: "Save" or "Send invite".
pub async fn save_party(
    State(state): State<ConsoleState>,
    Path(id): Path<String>,
    posted: SignedForm<PartyForm>,
) -> Response {
    let SignedForm { viewer, form } = posted;
    let t = viewer.lang.text();
    let mut errors = Errors::default();
    let invite = form.submit == "invite";
    if invite && form.email.trim().is_empty() {
        errors.add(Problem::at("email", t.party_needs_email));
    }
    if let (Some(details), Ok(site)) = (parse_party(t, &form, &mut errors), id.parse::<SiteId>())
        && errors.is_empty()
    {
        match state.service.save_party(&viewer.caller, site, details, invite).await {
            Ok(_) => {
                let done = if invite { "party_invited" } else { "party_saved" };
                return Redirect::to(&format!("/console/sites/{site}?done={done}")).into_response();
            }
            Err(e) => errors.add(e.describe(t)),
        }
    }
    let s = SiteState {
        done: None,
        site_form: None,
        site_errors: Errors::default(),
        party: form,
        party_errors: errors,
    };
    site_page(&state, &viewer, &id, s).await
}
