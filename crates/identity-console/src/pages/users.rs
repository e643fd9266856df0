//! The users table (filter, sort by heading, chosen columns remembered in
//! a cookie, search, keyset pages both ways, CSV download through the API)
//! and the "New user" page (generated or typed one-time password, or an
//! invitation).

use super::{Chrome, Errors, render};
use crate::i18n::{Text, date_time};
use crate::messages::{Describe, Problem, email_problem, status_name, text_problem};
use crate::session::{SignedForm, Viewer};
use crate::{ConsoleState, paths};
use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use identity_domain::*;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use std::collections::BTreeSet;

/// The routes of this module.
pub fn routes() -> Router<ConsoleState> {
    Router::new()
        .route(paths::USERS, get(table).post(create))
        .route("/console/users/columns", post(choose_columns))
        .route("/console/users/new", get(new_form))
}

/// The cookie that remembers the chosen columns.
const COLUMNS_COOKIE: &str = "__Host-console-columns";
/// Rows per page.
const PAGE_SIZE: u32 = 25;
/// Columns shown until the viewer chooses.
const DEFAULT_COLUMNS: &[UserColumn] =
    &[UserColumn::Name, UserColumn::Email, UserColumn::Status, UserColumn::Role, UserColumn::CreatedAt];

/// Percent-encodes a query value.
pub fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A column's heading.
pub fn column_label(t: &Text, column: UserColumn) -> &'static str {
    match column {
        UserColumn::Name => t.name,
        UserColumn::Email => t.email,
        UserColumn::Status => t.status,
        UserColumn::Role => t.role,
        UserColumn::Language => t.language,
        UserColumn::TimeZone => t.time_zone,
        UserColumn::CreatedAt => t.created_at,
    }
}

/// The filters, search, sort and page of the table, as in its address
/// (the same names as `GET /api/v1/users`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct TableQuery {
    status: String,
    role: String,
    profile: String,
    site: String,
    language: String,
    search: String,
    sort: String,
    direction: String,
    cursor: String,
    before: String,
    done: String,
}

impl TableQuery {
    fn sort(&self) -> UserColumn {
        UserColumn::parse(&self.sort).unwrap_or(UserColumn::Name)
    }

    fn direction(&self) -> Direction {
        if self.direction == "desc" { Direction::Desc } else { Direction::Asc }
    }

    /// The filter and search part of the address.
    fn filters(&self) -> Vec<(&'static str, String)> {
        [
            ("status", &self.status),
            ("role", &self.role),
            ("profile", &self.profile),
            ("site", &self.site),
            ("language", &self.language),
            ("search", &self.search),
        ]
        .into_iter()
        .filter(|(_, v)| !v.trim().is_empty())
        .map(|(k, v)| (k, v.trim().to_owned()))
        .collect()
    }

    fn query_string(pairs: &[(&str, String)]) -> String {
        pairs.iter().map(|(k, v)| format!("{k}={}", encode(v))).collect::<Vec<_>>().join("&")
    }

    /// The table's address with these filters and the given sort and page.
    fn href(&self, sort: UserColumn, direction: Direction, page: Option<(&str, String)>) -> String {
        let mut pairs = self.filters();
        pairs.push(("sort", sort.as_str().to_owned()));
        pairs.push(("direction", direction_name(direction).to_owned()));
        if let Some((key, cursor)) = page {
            pairs.push((if key == "before" { "before" } else { "cursor" }, cursor));
        }
        format!("{}?{}", paths::USERS, Self::query_string(&pairs))
    }

    fn to_filter(&self) -> UserFilter {
        let id = |text: &str| uuid::Uuid::parse_str(text.trim()).ok();
        let filter = UserFilter {
            statuses: self.status.split(',').filter_map(|s| UserStatus::parse(s.trim())).collect(),
            role: id(&self.role).map(RoleId::from_uuid),
            profile: id(&self.profile).map(ProfileId::from_uuid),
            site: id(&self.site).map(SiteId::from_uuid),
            language: Language::parse(&self.language).ok(),
            search: None,
        };
        filter.with_search_term(SearchTerm::parse(&self.search).ok().flatten())
    }
}

fn direction_name(direction: Direction) -> &'static str {
    match direction {
        Direction::Asc => "asc",
        Direction::Desc => "desc",
    }
}

fn reverse(direction: Direction) -> Direction {
    match direction {
        Direction::Asc => Direction::Desc,
        Direction::Desc => Direction::Asc,
    }
}

/// The columns remembered in the cookie (the name always first).
fn chosen_columns(jar: &CookieJar) -> Vec<UserColumn> {
    let mut columns: Vec<UserColumn> = jar
        .get(COLUMNS_COOKIE)
        .map(|c| c.value().split('.').filter_map(UserColumn::parse).collect())
        .unwrap_or_default();
    columns.retain(|c| *c != UserColumn::Name);
    columns.dedup();
    if columns.is_empty() && jar.get(COLUMNS_COOKIE).is_none() {
        columns = DEFAULT_COLUMNS.iter().copied().filter(|c| *c != UserColumn::Name).collect();
    }
    columns.insert(0, UserColumn::Name);
    columns
}

/// A heading of the table: a link that sorts by it, with the order shown.
struct Heading {
    key: &'static str,
    label: &'static str,
    href: String,
    arrow: &'static str,
    aria_sort: &'static str,
}

struct Row {
    id: String,
    name: String,
    status: &'static str,
    cells: Vec<Cell>,
}

struct Cell {
    key: &'static str,
    text: String,
}

struct Choice {
    value: String,
    label: String,
    selected: bool,
}

#[derive(Template)]
#[template(path = "users.html")]
struct TablePage {
    t: &'static Text,
    chrome: Chrome,
    done: Option<&'static str>,
    query: TableQuery,
    headings: Vec<Heading>,
    rows: Vec<Row>,
    previous: Option<String>,
    next: Option<String>,
    statuses: Vec<Choice>,
    roles: Vec<Choice>,
    profiles: Vec<Choice>,
    sites: Vec<Choice>,
    columns: Vec<Choice>,
    back: String,
    download: Option<String>,
    may_create: bool,
    error: Option<String>,
    /// Emails failing, for those who manage the outbox.
    outbox_banner: Option<String>,
}

/// A notice after a change, by its key in the address.
pub fn done_text(t: &'static Text, key: &str) -> Option<&'static str> {
    Some(match key {
        "password" => t.password_changed,
        "saved" => t.done_saved,
        "reset" => t.done_reset,
        "signed_out" => t.done_sign_out_all,
        "resent" => t.done_resend,
        "revoked" => t.done_revoke,
        "reassigned" => t.done_reassigned,
        "deactivated" => t.done_deactivated,
        "reactivated" => t.done_reactivated,
        "email" => t.done_email,
        "invited" => t.done_invited,
        _ => return None,
    })
}

/// What the forms of the users pages choose from.
pub struct Catalogue {
    /// Roles.
    pub roles: Vec<Role>,
    /// Profiles.
    pub profiles: Vec<Profile>,
    /// Sites.
    pub sites: Vec<Site>,
}

impl Catalogue {
    /// Reads roles, profiles and sites.
    ///
    /// # Errors
    /// The page for a refusal or failure.
    pub async fn read(state: &ConsoleState, viewer: &Viewer) -> Result<Self, Response> {
        let service = &state.service;
        let fail = |p: Problem| super::refusal(viewer.lang, p.status, &p.text);
        let t = viewer.lang.text();
        let roles = service.list_roles(&viewer.caller).await.map_err(|e| fail(e.describe(t)))?;
        let profiles = service.list_profiles(&viewer.caller).await.map_err(|e| fail(e.describe(t)))?;
        let sites = service.list_sites(&viewer.caller).await.map_err(|e| fail(e.describe(t)))?;
        Ok(Self { roles, profiles, sites })
    }

    /// The name of a role.
    pub fn role_name(&self, id: RoleId) -> String {
        self.roles.iter().find(|r| r.id == id).map(|r| r.name.as_str().to_owned()).unwrap_or_default()
    }
}

/// `GET /console/users`: the table.
pub async fn table(
    State(state): State<ConsoleState>,
    viewer: Viewer,
    jar: CookieJar,
    Query(query): Query<TableQuery>,
) -> Response {
    let t = viewer.lang.text();
    let catalogue = match Catalogue::read(&state, &viewer).await {
        Ok(c) => c,
        Err(page) => return page,
    };
    let sort = query.sort();
    let direction = query.direction();
    let backwards = !query.before.is_empty();
    let after = if backwards { &query.before } else { &query.cursor };
    let mut error = None;
    let after = if after.is_empty() {
        None
    } else {
        UserCursor::decode(after).map_err(|_| error = Some(t.err_unexpected.to_owned())).ok()
    };
    let request = UserQuery {
        filter: query.to_filter(),
        sort,
        direction: if backwards { reverse(direction) } else { direction },
        after,
        limit: PAGE_SIZE,
    };
    let page = match state.service.list_users(&viewer.caller, &request).await {
        Ok(page) => page,
        Err(e) => return super::failure(viewer.lang, e),
    };
    let more_this_way = page.next.is_some();
    let mut users = page.items;
    if backwards {
        users.reverse();
    }
    let cursor_of = |user: &User| {
        UserCursor { value: SortValue::of(user, sort, &catalogue.role_name(user.role)), id: user.id }.encode()
    };
    let (has_previous, has_next) =
        if backwards { (more_this_way, true) } else { (!query.cursor.is_empty(), more_this_way) };
    let previous = users
        .first()
        .filter(|_| has_previous)
        .map(|u| query.href(sort, direction, Some(("before", cursor_of(u)))));
    let next = users
        .last()
        .filter(|_| has_next)
        .map(|u| query.href(sort, direction, Some(("cursor", cursor_of(u)))));

    let columns = chosen_columns(&jar);
    let headings = columns
        .iter()
        .map(|&column| {
            let current = column == sort;
            let next_direction = if current { reverse(direction) } else { Direction::Asc };
            let (arrow, aria_sort) = match (current, direction) {
                (false, _) => ("", "none"),
                (true, Direction::Asc) => ("▲", "ascending"),
                (true, Direction::Desc) => ("▼", "descending"),
            };
            Heading {
                key: column.as_str(),
                label: column_label(t, column),
                href: query.href(column, next_direction, None),
                arrow,
                aria_sort,
            }
        })
        .collect();
    let rows = users
        .iter()
        .map(|user| Row {
            id: user.id.to_string(),
            name: user.name.as_str().to_owned(),
            status: user.status.as_str(),
            cells: columns
                .iter()
                .map(|&column| {
                    let text = match column {
                        UserColumn::Name => user.name.as_str().to_owned(),
                        UserColumn::Email => user.email.as_str().to_owned(),
                        UserColumn::Status => status_name(t, user.status).to_owned(),
                        UserColumn::Role => catalogue.role_name(user.role),
                        UserColumn::Language => user.language.as_str().to_owned(),
                        UserColumn::TimeZone => user.time_zone.name().to_owned(),
                        UserColumn::CreatedAt => {
                            date_time(user.created_at, viewer.user.time_zone, viewer.lang)
                        }
                    };
                    Cell { key: column.as_str(), text }
                })
                .collect(),
        })
        .collect();

    let choice =
        |value: String, label: String, current: &str| Choice { selected: value == current, value, label };
    let statuses = [UserStatus::Active, UserStatus::Invited, UserStatus::Inactive]
        .into_iter()
        .map(|s| choice(s.as_str().to_owned(), status_name(t, s).to_owned(), &query.status))
        .collect();
    let roles =
        catalogue.roles.iter().map(|r| choice(r.id.to_string(), r.name.to_string(), &query.role)).collect();
    let profiles = catalogue
        .profiles
        .iter()
        .map(|p| choice(p.id.to_string(), p.name.to_string(), &query.profile))
        .collect();
    let sites =
        catalogue.sites.iter().map(|s| choice(s.id.to_string(), s.name.to_string(), &query.site)).collect();
    let column_choices = UserColumn::ALL
        .iter()
        .filter(|c| **c != UserColumn::Name)
        .map(|c| Choice {
            value: c.as_str().to_owned(),
            label: column_label(t, *c).to_owned(),
            selected: columns.contains(c),
        })
        .collect();
    let mut export = query.filters();
    export.push(("sort", sort.as_str().to_owned()));
    export.push(("direction", direction_name(direction).to_owned()));
    export.push(("columns", columns.iter().map(|c| c.as_str()).collect::<Vec<_>>().join(",")));
    let download = viewer
        .caller
        .may(Permission::UsersExport)
        .then(|| format!("/api/v1/users/export?{}", TableQuery::query_string(&export)));
    let back = {
        let mut pairs = query.filters();
        pairs.push(("sort", sort.as_str().to_owned()));
        pairs.push(("direction", direction_name(direction).to_owned()));
        TableQuery::query_string(&pairs)
    };
    let page = TablePage {
        t,
        chrome: viewer.chrome("users"),
        done: done_text(t, &query.done),
        headings,
        rows,
        previous,
        next,
        statuses,
        roles,
        profiles,
        sites,
        columns: column_choices,
        back,
        download,
        may_create: viewer.caller.may(Permission::UsersCreate),
        error,
        outbox_banner: super::outbox::failing_banner(&state, &viewer).await,
        query,
    };
    render(StatusCode::OK, &page)
}

/// The column chooser.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ColumnsForm {
    columns: Vec<String>,
    back: String,
}

/// `POST /console/users/columns`: remembers the columns, back to the table.
pub async fn choose_columns(posted: SignedForm<ColumnsForm>) -> Response {
    let chosen: Vec<&str> = posted
        .form
        .columns
        .iter()
        .filter_map(|c| UserColumn::parse(c))
        .filter(|c| *c != UserColumn::Name)
        .map(UserColumn::as_str)
        .collect();
    let cookie = Cookie::build((COLUMNS_COOKIE, chosen.join(".")))
        .path("/")
        .secure(true)
        .http_only(true)
        .same_site(SameSite::Strict)
        .permanent()
        .build();
    // Only a query string of safe characters goes back into the address.
    let back: String =
        posted.form.back.chars().filter(|c| c.is_ascii_alphanumeric() || "=&%-_.~,".contains(*c)).collect();
    (CookieJar::new().add(cookie), Redirect::to(&format!("{}?{back}", paths::USERS))).into_response()
}

/// The "New user" form as typed.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct NewUserForm {
    name: String,
    email: String,
    role: String,
    profiles: Vec<String>,
    language: String,
    time_zone: String,
    phone: String,
    title: String,
    notes: String,
    sites: Vec<String>,
    password_mode: String,
    password: SecretString,
    submit: String,
}

#[derive(Template)]
#[template(path = "user_new.html")]
struct NewUserPage {
    t: &'static Text,
    chrome: Chrome,
    form: NewUserForm,
    errors: Errors,
    holder: Option<(String, String)>,
    roles: Vec<Choice>,
    profiles: Vec<Choice>,
    sites: Vec<Choice>,
    may_notes: bool,
}

fn new_user_page(
    viewer: &Viewer,
    catalogue: &Catalogue,
    form: NewUserForm,
    errors: Errors,
    holder: Option<(String, String)>,
) -> NewUserPage {
    let roles = catalogue
        .roles
        .iter()
        .map(|r| Choice {
            value: r.id.to_string(),
            label: r.name.to_string(),
            selected: form.role == r.id.to_string(),
        })
        .collect();
    let profiles = catalogue
        .profiles
        .iter()
        .map(|p| Choice {
            value: p.id.to_string(),
            label: p.name.to_string(),
            selected: form.profiles.contains(&p.id.to_string()),
        })
        .collect();
    let sites = catalogue
        .sites
        .iter()
        .map(|s| Choice {
            value: s.id.to_string(),
            label: s.name.to_string(),
            selected: form.sites.contains(&s.id.to_string()),
        })
        .collect();
    NewUserPage {
        t: viewer.lang.text(),
        chrome: viewer.chrome("users"),
        form,
        errors,
        holder,
        roles,
        profiles,
        sites,
        may_notes: viewer.caller.may(Permission::UsersNotes),
    }
}

/// `GET /console/users/new`.
pub async fn new_form(State(state): State<ConsoleState>, viewer: Viewer) -> Response {
    let catalogue = match Catalogue::read(&state, &viewer).await {
        Ok(c) => c,
        Err(page) => return page,
    };
    let form = NewUserForm {
        language: viewer.user.language.as_str().to_owned(),
        time_zone: viewer.user.time_zone.name().to_owned(),
        password_mode: "generate".into(),
        ..NewUserForm::default()
    };
    render(StatusCode::OK, &new_user_page(&viewer, &catalogue, form, Errors::default(), None))
}

/// Parses an optional field: blank is absent.
pub fn optional<T, E>(
    errors: &mut Errors,
    raw: &str,
    parse: impl FnOnce(&str) -> Result<T, E>,
    problem: impl FnOnce(E) -> Problem,
) -> Option<T> {
    if raw.trim().is_empty() { None } else { errors.check(parse(raw).map_err(problem)) }
}

/// Parses ids picked in a form, dropping anything that is not one.
pub fn picked<T: From<uuid::Uuid> + Ord>(raw: &[String]) -> BTreeSet<T> {
    raw.iter().filter_map(|s| uuid::Uuid::parse_str(s).ok()).map(T::from).collect()
}

/// Reads the common fields of a person from a form.
pub struct PersonFields {
    /// Full name.
    pub name: Option<PersonName>,
    /// Language.
    pub language: Option<Language>,
    /// Time zone.
    pub time_zone: Option<TimeZone>,
    /// Phone (outer `None`: refused).
    pub phone: Option<Option<Phone>>,
    /// Title.
    pub title: Option<Option<Label>>,
    /// Notes.
    pub notes: Option<Option<Note>>,
}

impl PersonFields {
    /// Parses, recording every problem beside its field.
    pub fn parse(
        t: &Text,
        errors: &mut Errors,
        (name, language, time_zone): (&str, &str, &str),
        (phone, title, notes): (&str, &str, &str),
    ) -> Self {
        let name = errors.check(PersonName::parse(name).map_err(|e| text_problem(t, "name", &e)));
        let language =
            errors.check(Language::parse(language).map_err(|_| Problem::at("language", t.err_language)));
        let time_zone =
            errors.check(TimeZone::parse(time_zone).map_err(|_| Problem::at("time_zone", t.err_time_zone)));
        let mut refused = false;
        let phone = optional(errors, phone, Phone::parse, |_| {
            refused = true;
            Problem::at("phone", t.err_phone)
        });
        let phone = (!refused).then_some(phone);
        let mut refused = false;
        let title = optional(errors, title, Label::parse, |e| {
            refused = true;
            text_problem(t, "title", &e)
        });
        let title = (!refused).then_some(title);
        let mut refused = false;
        let notes = optional(errors, notes, Note::parse, |e| {
            refused = true;
            text_problem(t, "notes", &e)
        });
        let notes = (!refused).then_some(notes);
        Self { name, language, time_zone, phone, title, notes }
    }
}

/// Names the holder of a refused email: their name and page.
pub async fn holder_of(
    state: &ConsoleState,
    viewer: &Viewer,
    problem: &mut Problem,
) -> Option<(String, String)> {
    let holder = problem.holder?;
    let name = match state.service.get_user(&viewer.caller, holder).await {
        Ok(user) => user.name.as_str().to_owned(),
        Err(_) => holder.to_string(),
    };
    problem.text = crate::i18n::fill(&problem.text, &[("holder", &name)]);
    Some((name, format!("{}/{holder}", paths::USERS)))
}

#[derive(Template)]
#[template(path = "user_created.html")]
struct CreatedPage {
    t: &'static Text,
    chrome: Chrome,
    message: String,
    password: String,
    href: String,
}

/// `POST /console/users`: "Save" (with the generated or typed one-time
/// password) or "Send invite".
pub async fn create(State(state): State<ConsoleState>, posted: SignedForm<NewUserForm>) -> Response {
    let SignedForm { viewer, form } = posted;
    let t = viewer.lang.text();
    let catalogue = match Catalogue::read(&state, &viewer).await {
        Ok(c) => c,
        Err(page) => return page,
    };
    let mut errors = Errors::default();
    let email = errors.check(EmailAddress::parse(&form.email).map_err(|e| email_problem(t, "email", &e)));
    let person = PersonFields::parse(
        t,
        &mut errors,
        (&form.name, &form.language, &form.time_zone),
        (&form.phone, &form.title, &form.notes),
    );
    let role = errors.check(
        uuid::Uuid::parse_str(&form.role)
            .map(RoleId::from_uuid)
            .map_err(|_| Problem::at("role", t.err_choose)),
    );
    let credential = if form.submit == "invite" {
        Some(InitialCredential::Invite)
    } else if form.password_mode == "define" {
        if form.password.expose_secret().is_empty() {
            errors.add(Problem::at("password", t.err_required));
            None
        } else {
            Some(InitialCredential::SetPassword(form.password.clone()))
        }
    } else {
        Some(InitialCredential::GeneratePassword)
    };
    let new = (|| {
        Some(NewUser {
            email: email?,
            name: person.name?,
            role: role?,
            profiles: picked(&form.profiles),
            language: person.language?,
            time_zone: person.time_zone?,
            phone: person.phone?,
            title: person.title?,
            notes: person.notes?,
            sites: picked(&form.sites),
            credential: credential?,
        })
    })();
    let Some(new) = new.filter(|_| errors.is_empty()) else {
        let page = new_user_page(&viewer, &catalogue, form, errors, None);
        return render(StatusCode::UNPROCESSABLE_ENTITY, &page);
    };
    match state.service.create_user(&viewer.caller, new).await {
        Ok(created) => {
            let href = format!("{}/{}", paths::USERS, created.user.id);
            match created.generated_password {
                Some(password) => {
                    let page = CreatedPage {
                        t,
                        chrome: viewer.chrome("users"),
                        message: crate::i18n::fill(
                            t.created_with_password,
                            &[("name", created.user.name.as_str())],
                        ),
                        password: password.expose().to_owned(),
                        href,
                    };
                    render(StatusCode::CREATED, &page)
                }
                None if created.user.status == UserStatus::Invited => {
                    Redirect::to(&format!("{href}?done=invited")).into_response()
                }
                None => Redirect::to(&format!("{href}?done=saved")).into_response(),
            }
        }
        Err(e) => {
            let mut problem = e.describe(t);
            let holder = holder_of(&state, &viewer, &mut problem).await;
            let status = problem.status;
            let mut form = form;
            form.password = SecretString::default();
            errors.add(problem);
            render(status, &new_user_page(&viewer, &catalogue, form, errors, holder))
        }
    }
}
