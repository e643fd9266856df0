//! The people picker: finding a person by a typed part of their name or
//! email, with no cap on who can be found.
//!
//! - `GET /console/people?q=…&for=owner|anyone&except=…` answers the
//!   matching people as JSON (`{"people":[{"id","label"}],"more":bool}`),
//!   for the script that turns a picker's text field into a combobox; a
//!   search with control characters is refused with `422` and
//!   `application/problem+json`.
//! - Without the script, the same search is run by the page itself: the
//!   picker's "Find" button (or a typed name on submit) shows the matches
//!   in a list to choose from ([`Picker`]).
//!
//! "owner" finds the people who may receive cases: active users whose role
//! and profiles grant `cases.own`, except the one the cases come from;
//! "anyone" finds every user of the practice, whatever their status or
//! role (the audit log's Who and About).

use crate::ConsoleState;
use crate::i18n::Text;
use crate::messages::{Describe, Problem};
use crate::session::Viewer;
use axum::Json;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use identity_domain::*;
use serde::{Deserialize, Serialize};

/// The routes of this module.
pub fn routes() -> Router<ConsoleState> {
    Router::new().route("/console/people", get(people))
}

/// The most people one search shows; a longer list is narrowed by typing
/// more.
pub const SHOWN: usize = 20;
/// Who a picker offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// Active users who may own cases.
    Owner,
    /// Every user of the practice.
    Anyone,
}

impl Purpose {
    /// The purpose named in the address (`owner` or `anyone`).
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "owner" => Some(Self::Owner),
            "anyone" => Some(Self::Anyone),
            _ => None,
        }
    }

    /// Its name in the address.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Owner => "owner",
            Self::Anyone => "anyone",
        }
    }
}

/// A person found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Person {
    /// The user's id.
    pub id: String,
    /// Their name and email.
    pub label: String,
}

impl Person {
    /// The person `user` is.
    pub fn of(user: &User) -> Self {
        Self { id: user.id.to_string(), label: format!("{} ({})", user.name, user.email) }
    }
}

/// What a search found.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Found {
    /// The people, in name order, at most [`SHOWN`].
    pub people: Vec<Person>,
    /// Whether more people match than are shown.
    pub more: bool,
}

/// Finds the people `purpose` offers whose name or email contains `term`
/// (ignoring case and accents), in name order, other than `except`.
///
/// # Errors
/// The problem to show: a search with control characters, or a refusal of
/// the users list.
pub async fn find(
    state: &ConsoleState,
    viewer: &Viewer,
    purpose: Purpose,
    term: &str,
    except: Option<UserId>,
) -> Result<Found, Problem> {
    let t = viewer.lang.text();
    let search = SearchTerm::parse(term).map_err(|_| Problem::at("search", t.err_control))?;
    // Who may own cases is asked of the list itself: holders of a role or
    // profile that grants it (Super Admin roles grant everything), so one
    // page holds the first matches however many others the term finds.
    let (statuses, holders) = match purpose {
        Purpose::Owner => {
            let roles = state.service.list_roles(&viewer.caller).await.map_err(|e| e.describe(t))?;
            let profiles = state.service.list_profiles(&viewer.caller).await.map_err(|e| e.describe(t))?;
            let holders = Holders::of_permission(Permission::CasesOwn, &roles, &profiles);
            (vec![UserStatus::Active], Some(holders))
        }
        Purpose::Anyone => (Vec::new(), None),
    };
    // One more than shown says whether more match; one more again in case
    // the one left out (`except`) is among them.
    let query = UserQuery {
        filter: UserFilter { statuses, holders, ..UserFilter::default() }.with_search_term(search),
        limit: u32::try_from(SHOWN + 2).unwrap_or(u32::MAX),
        ..UserQuery::default()
    };
    let page = state.service.list_users(&viewer.caller, &query).await.map_err(|e| e.describe(t))?;
    let mut people: Vec<Person> =
        page.items.iter().map(|row| &row.user).filter(|u| Some(u.id) != except).map(Person::of).collect();
    let more = people.len() > SHOWN || page.next.is_some();
    people.truncate(SHOWN);
    Ok(Found { people, more })
}

/// The search in the address.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct PeopleQuery {
    q: String,
    #[serde(rename = "for")]
    purpose: String,
    except: String,
}

#[derive(Serialize)]
struct ProblemJson {
    #[serde(rename = "type")]
    kind: &'static str,
    title: &'static str,
    status: u16,
    detail: String,
}

fn problem_json(status: StatusCode, t: &Text, detail: String) -> Response {
    let body = ProblemJson {
        kind: "about:blank",
        title: super::refusal_title(t, status),
        status: status.as_u16(),
        detail,
    };
    let mut response = (status, Json(body)).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, header::HeaderValue::from_static("application/problem+json"));
    response
}

/// `GET /console/people`: the people a picker offers for what was typed.
pub async fn people(
    State(state): State<ConsoleState>,
    viewer: Viewer,
    Query(query): Query<PeopleQuery>,
) -> Response {
    let t = viewer.lang.text();
    let Some(purpose) = Purpose::parse(&query.purpose) else {
        return problem_json(StatusCode::UNPROCESSABLE_ENTITY, t, t.err_picker_purpose.to_owned());
    };
    let except = match query.except.as_str() {
        "" => None,
        raw => match raw.parse::<UserId>() {
            Ok(id) => Some(id),
            Err(_) => return problem_json(StatusCode::UNPROCESSABLE_ENTITY, t, t.err_not_found.to_owned()),
        },
    };
    match find(&state, &viewer, purpose, &query.q, except).await {
        Ok(found) => Json(found).into_response(),
        Err(problem) => problem_json(problem.status, t, problem.text),
    }
}

/// A picker as a page shows it without the script: the typed text, the
/// chosen person, and the people found for the text when a search ran.
#[derive(Debug, Clone, Default)]
pub struct Picker {
    /// The form field that carries the chosen id.
    pub name: &'static str,
    /// What the script asks `/console/people` for (`owner` or `anyone`).
    pub purpose: &'static str,
    /// The id the script leaves out (the cases' current owner), if any.
    pub except: String,
    /// The text typed in the search field.
    pub term: String,
    /// The chosen person, if any.
    pub chosen: Option<Person>,
    /// The people found for `term`, when a search ran.
    pub found: Option<Found>,
}

impl Picker {
    /// Whether `id` is the chosen person's.
    pub fn is_chosen(&self, id: &str) -> bool {
        self.chosen.as_ref().is_some_and(|p| p.id == id)
    }

    /// The people to list: the chosen one first when the search did not
    /// find them.
    pub fn options(&self) -> Vec<Person> {
        let mut people: Vec<Person> = self.chosen.iter().cloned().collect();
        if let Some(found) = &self.found {
            people.extend(found.people.iter().filter(|p| !self.is_chosen(&p.id)).cloned());
        }
        people
    }
}

/// A picker as submitted: the chosen id (from the list, or set by the
/// script), the typed text, and whether its "Find" button was pressed.
#[derive(Debug, Clone, Copy)]
pub struct Submitted<'a> {
    /// The chosen id, if any.
    pub id: &'a str,
    /// The typed text.
    pub term: &'a str,
    /// Whether "Find" was pressed (search, act on nothing).
    pub finding: bool,
}

impl Picker {
    /// An empty picker for the field `name`.
    pub fn new(name: &'static str, purpose: Purpose, except: Option<UserId>) -> Self {
        Self {
            name,
            purpose: purpose.as_str(),
            except: except.map(|id| id.to_string()).unwrap_or_default(),
            ..Self::default()
        }
    }

    /// Reads a submitted picker, and who it picks: "Find" searches the
    /// typed text and picks nobody; otherwise the chosen id wins; otherwise
    /// the typed text is searched, and a search that finds exactly one
    /// person picks them (any other finds are listed to choose from).
    ///
    /// # Errors
    /// The problem of the search (a control character), beside the field.
    pub async fn read(
        mut self,
        state: &ConsoleState,
        viewer: &Viewer,
        submitted: Submitted<'_>,
    ) -> (Self, Result<Option<UserId>, Problem>) {
        let purpose = Purpose::parse(self.purpose).unwrap_or(Purpose::Anyone);
        let except = self.except.parse::<UserId>().ok();
        self.term = submitted.term.to_owned();
        if let Ok(id) = submitted.id.parse::<UserId>() {
            self.chosen = chosen(state, viewer, id).await;
            if !submitted.finding {
                return (self, Ok(Some(id)));
            }
        }
        if submitted.term.trim().is_empty() && !submitted.finding {
            return (self, Ok(None));
        }
        let found = match find(state, viewer, purpose, submitted.term, except).await {
            Ok(found) => found,
            Err(mut problem) => {
                problem.field = Some(self.name);
                return (self, Err(problem));
            }
        };
        let single = match found.people.as_slice() {
            [one] if !found.more && !submitted.finding => one.id.parse::<UserId>().ok(),
            _ => None,
        };
        if single.is_some() {
            self.chosen = found.people.first().cloned();
        }
        self.found = Some(found);
        (self, Ok(single))
    }
}

/// The chosen person of a picker, by id, for showing it again.
pub async fn chosen(state: &ConsoleState, viewer: &Viewer, id: UserId) -> Option<Person> {
    state.service.get_user(&viewer.caller, id).await.ok().map(|u| Person::of(&u))
}
