//! The users table: filters, search, sortable columns the viewer chooses
//! (kept in a cookie), paging, and the CSV download link.

use super::*;

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
    /// `true` or `false`: with or without a second factor.
    second_factor: String,
    sort: String,
    direction: String,
    cursor: String,
    before: String,
    /// The position of the page's first row in the whole list (from 1),
    /// carried by the paging links (a cursor does not know it).
    from: String,
    /// Rows per page: one of [`PAGE_SIZES`] (the first when absent).
    size: String,
    done: String,
}

impl TableQuery {
    fn sort(&self) -> UserColumn {
        UserColumn::parse(&self.sort).filter(|c| c.is_sortable()).unwrap_or(UserColumn::Name)
    }

    /// The rows per page asked for: the default when none is, `None` when
    /// the value is not one the table offers.
    pub(super) fn size(&self) -> Option<u32> {
        let text = self.size.trim();
        if text.is_empty() {
            return Some(PAGE_SIZES[0]);
        }
        text.parse::<u32>().ok().filter(|n| PAGE_SIZES.contains(n))
    }

    /// The page size to keep in the table's links: a valid one that is not
    /// the default.
    pub(super) fn kept_size(&self) -> Option<u32> {
        self.size().filter(|n| *n != PAGE_SIZES[0])
    }

    fn direction(&self) -> Direction {
        if self.direction == "desc" { Direction::Desc } else { Direction::Asc }
    }

    /// The filter and search part of the address.
    pub(super) fn filters(&self) -> Vec<(&'static str, String)> {
        [
            ("status", &self.status),
            ("role", &self.role),
            ("profile", &self.profile),
            ("site", &self.site),
            ("language", &self.language),
            ("second_factor", &self.second_factor),
            ("search", &self.search),
        ]
        .into_iter()
        .filter(|(_, v)| !v.trim().is_empty())
        .map(|(k, v)| (k, v.trim().to_owned()))
        .collect()
    }

    pub(super) fn query_string(pairs: &[(&str, String)]) -> String {
        pairs.iter().map(|(k, v)| format!("{k}={}", encode(v))).collect::<Vec<_>>().join("&")
    }

    /// The position of the page's first row (from 1; 1 on the first page).
    fn from(&self) -> u64 {
        if self.cursor.is_empty() && self.before.is_empty() {
            return 1;
        }
        self.from.trim().parse::<u64>().ok().filter(|n| *n >= 1).unwrap_or(1)
    }

    /// The table's address with these filters and the given sort and page
    /// (a cursor and the position of that page's first row).
    fn href(&self, sort: UserColumn, direction: Direction, page: Option<(&str, String, u64)>) -> String {
        let mut pairs = self.filters();
        pairs.push(("sort", sort.as_str().to_owned()));
        pairs.push(("direction", direction_name(direction).to_owned()));
        pairs.extend(self.kept_size().map(|n| ("size", n.to_string())));
        if let Some((key, cursor, from)) = page {
            pairs.push((if key == "before" { "before" } else { "cursor" }, cursor));
            pairs.push(("from", from.to_string()));
        }
        format!("{}?{}", paths::USERS, Self::query_string(&pairs))
    }

    /// The filter the address asks for, or `None` when a value in it is not
    /// valid: an unknown status, an id that is not one, a language that is
    /// not a tag, a search with a control character. A bad value is
    /// refused, never ignored (ignoring it would list everyone).
    fn to_filter(&self) -> Option<UserFilter> {
        fn given(text: &str) -> Option<&str> {
            Some(text.trim()).filter(|t| !t.is_empty())
        }
        fn parsed<T, E>(text: &str, parse: impl Fn(&str) -> Result<T, E>) -> Result<Option<T>, ()> {
            given(text).map(|t| parse(t).map_err(|_| ())).transpose()
        }
        let id = |text: &str| parsed(text, uuid::Uuid::parse_str);
        let statuses = self
            .status
            .split(',')
            .filter_map(given)
            .map(|s| UserStatus::parse(s).ok_or(()))
            .collect::<Result<Vec<_>, ()>>()
            .ok()?;
        let filter = UserFilter {
            statuses,
            role: id(&self.role).ok()?.map(RoleId::from_uuid),
            profile: id(&self.profile).ok()?.map(ProfileId::from_uuid),
            site: id(&self.site).ok()?.map(SiteId::from_uuid),
            language: parsed(&self.language, Language::parse).ok()?,
            search: None,
            second_factor: parsed(&self.second_factor, str::parse::<bool>).ok()?,
            holders: None,
        };
        Some(filter.with_search_term(SearchTerm::parse(&self.search).ok()?))
    }
}

pub(super) fn direction_name(direction: Direction) -> &'static str {
    match direction {
        Direction::Asc => "asc",
        Direction::Desc => "desc",
    }
}

pub(super) fn reverse(direction: Direction) -> Direction {
    match direction {
        Direction::Asc => Direction::Desc,
        Direction::Desc => Direction::Asc,
    }
}

/// The columns remembered in the cookie (the name always first).
pub(super) fn chosen_columns(jar: &CookieJar) -> Vec<UserColumn> {
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

/// A heading of the table: a link that sorts by it (when it sorts), with
/// the order shown.
pub(super) struct Heading {
    key: &'static str,
    label: &'static str,
    href: Option<String>,
    arrow: &'static str,
    aria_sort: &'static str,
}

pub(super) struct Row {
    id: String,
    name: String,
    status: &'static str,
    cells: Vec<Cell>,
}

pub(super) struct Cell {
    key: &'static str,
    text: String,
}

#[derive(Template)]
#[template(path = "users.html")]
pub(super) struct TablePage {
    t: &'static Text,
    chrome: Chrome,
    done: Option<&'static str>,
    query: TableQuery,
    headings: Vec<Heading>,
    rows: Vec<Row>,
    /// Which rows of how many match (`1–25 of 1,637`).
    range: Option<String>,
    previous: Option<String>,
    next: Option<String>,
    statuses: Vec<Choice>,
    roles: Vec<Choice>,
    profiles: Vec<Choice>,
    sites: Vec<Choice>,
    /// With or without a second factor.
    second_factors: Vec<Choice>,
    columns: Vec<Choice>,
    /// The page sizes offered.
    sizes: Vec<Choice>,
    /// The filters, search and sort, for the forms that change something
    /// else (the page size).
    kept: Vec<(&'static str, String)>,
    /// The page size the search and filter forms keep.
    kept_size: Option<u32>,
    /// Each filter in force, with a link that removes it.
    chips: Vec<super::chips::Chip>,
    /// The table without any filter (sort and page size kept).
    clear_all: String,
    back: String,
    download: Option<String>,
    may_create: bool,
    error: Option<String>,
    /// Emails failing, for those who manage the outbox.
    outbox_banner: Option<String>,
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
    let filter = query.to_filter();
    if filter.is_none() {
        error = Some(t.err_bad_filter.to_owned());
    }
    let size = query.size().unwrap_or_else(|| {
        error = Some(
            error.take().map_or_else(|| t.err_page_size.to_owned(), |e| format!("{e} {}", t.err_page_size)),
        );
        PAGE_SIZES[0]
    });
    let page = match filter {
        Some(filter) => {
            let request = UserQuery {
                filter,
                sort,
                direction: if backwards { reverse(direction) } else { direction },
                after,
                limit: size,
            };
            match state.service.list_users(&viewer.caller, &request).await {
                Ok(page) => page,
                Err(e) => return crate::pages::failure_for(&viewer, e),
            }
        }
        None => Page { items: Vec::new(), next: None, total: None },
    };
    let more_this_way = page.next.is_some();
    let mut users = page.items;
    if backwards {
        users.reverse();
    }
    let cursor_of = |row: &ListedUser| {
        let user = &row.user;
        UserCursor { value: SortValue::of(user, sort, &catalogue.role_name(user.role)), id: user.id }.encode()
    };
    let (has_previous, has_next) =
        if backwards { (more_this_way, true) } else { (!query.cursor.is_empty(), more_this_way) };
    let first = query.from();
    let shown = users.len() as u64;
    let range = match page.total {
        Some(total) if shown > 0 => Some(crate::i18n::fill(
            t.users_range,
            &[
                ("first", &crate::i18n::number(first, viewer.lang)),
                ("last", &crate::i18n::number(first + shown - 1, viewer.lang)),
                ("total", &crate::i18n::number(total, viewer.lang)),
            ],
        )),
        _ => None,
    };
    let previous_from = first.saturating_sub(u64::from(size)).max(1);
    let previous = users
        .first()
        .filter(|_| has_previous)
        .map(|u| query.href(sort, direction, Some(("before", cursor_of(u), previous_from))));
    let next = users
        .last()
        .filter(|_| has_next)
        .map(|u| query.href(sort, direction, Some(("cursor", cursor_of(u), first + shown))));

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
                href: column.is_sortable().then(|| query.href(column, next_direction, None)),
                arrow,
                aria_sort,
            }
        })
        .collect();
    let now = state.service.now();
    let rows = users
        .iter()
        .map(|row| Row {
            id: row.user.id.to_string(),
            name: row.user.name.as_str().to_owned(),
            status: row.user.status.as_str(),
            cells: columns
                .iter()
                .map(|&column| Cell {
                    key: column.as_str(),
                    text: cell(&viewer, &catalogue, row, column, now),
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
    let roles = catalogue
        .roles
        .iter()
        .map(|r| choice(r.id.to_string(), crate::i18n::names::role(viewer.lang, r), &query.role))
        .collect();
    let profiles = catalogue
        .profiles
        .iter()
        .map(|p| choice(p.id.to_string(), crate::i18n::names::profile(viewer.lang, p), &query.profile))
        .collect();
    let second_factors = [("true", t.with_second_factor), ("false", t.without_second_factor)]
        .into_iter()
        .map(|(value, label)| choice(value.to_owned(), label.to_owned(), query.second_factor.trim()))
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
    let sizes = PAGE_SIZES
        .iter()
        .map(|n| Choice { value: n.to_string(), label: n.to_string(), selected: *n == size })
        .collect();
    let mut kept = query.filters();
    kept.push(("sort", sort.as_str().to_owned()));
    kept.push(("direction", direction_name(direction).to_owned()));
    let chips = super::chips::chips(viewer.lang, &query, &catalogue, &kept[query.filters().len()..]);
    let clear_all = {
        let mut pairs = kept[query.filters().len()..].to_vec();
        pairs.extend(query.kept_size().map(|n| ("size", n.to_string())));
        format!("{}?{}", paths::USERS, TableQuery::query_string(&pairs))
    };
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
        pairs.extend(query.kept_size().map(|n| ("size", n.to_string())));
        TableQuery::query_string(&pairs)
    };
    let page = TablePage {
        t,
        chrome: viewer.chrome("users"),
        done: done_text(t, &query.done),
        headings,
        rows,
        range,
        previous,
        next,
        statuses,
        roles,
        profiles,
        sites,
        second_factors,
        columns: column_choices,
        sizes,
        kept_size: query.kept_size(),
        kept,
        chips,
        clear_all,
        back,
        download,
        may_create: viewer.caller.may(Permission::UsersCreate),
        error,
        outbox_banner: crate::pages::outbox::failing_banner(&state, &viewer).await,
        query,
    };
    render(StatusCode::OK, &page)
}

/// What the table shows in `column` for `row`, in the viewer's language
/// and time zone.
fn cell(
    viewer: &Viewer,
    catalogue: &Catalogue,
    row: &ListedUser,
    column: UserColumn,
    now: DateTime<Utc>,
) -> String {
    let t = viewer.lang.text();
    let user = &row.user;
    let when = |at: DateTime<Utc>| date_time(at, viewer.user.time_zone, viewer.lang);
    match column {
        UserColumn::Name => user.name.as_str().to_owned(),
        UserColumn::Email => user.email.as_str().to_owned(),
        UserColumn::Status => status_name(t, user.status).to_owned(),
        // Shown as the viewer reads it; sorted by the stored name.
        UserColumn::Role => catalogue.role_label(viewer.lang, user.role),
        UserColumn::Language => user.language.as_str().to_owned(),
        UserColumn::TimeZone => user.time_zone.name().to_owned(),
        UserColumn::CreatedAt => when(user.created_at),
        UserColumn::LastSignIn => row.last_sign_in_at.map_or_else(|| t.never.to_owned(), when),
        UserColumn::Profiles => names(
            catalogue
                .profiles
                .iter()
                .filter(|p| user.profiles.contains(&p.id))
                .map(|p| crate::i18n::names::profile(viewer.lang, p)),
        ),
        UserColumn::Sites => {
            names(catalogue.sites.iter().filter(|s| user.sites.contains(&s.id)).map(|s| s.name.as_str()))
        }
        UserColumn::Invitation => match &row.invitation {
            // Invited in bulk (seeded), the invitation waits to be sent.
            None if user.status == UserStatus::Invited => t.invitation_not_sent.to_owned(),
            None => t.not_invited.to_owned(),
            Some(invitation) => match invitation.state(now) {
                InvitationState::Pending => fill(
                    t.invitation_pending,
                    &[("sent", &when(invitation.sent_at)), ("expires", &when(invitation.expires_at))],
                ),
                InvitationState::Accepted => fill(
                    t.invitation_accepted,
                    &[("at", &when(invitation.accepted_at.unwrap_or(invitation.sent_at)))],
                ),
                InvitationState::Expired => fill(
                    t.invitation_expired,
                    &[("sent", &when(invitation.sent_at)), ("at", &when(invitation.expires_at))],
                ),
                InvitationState::Withdrawn => fill(
                    t.invitation_withdrawn,
                    &[("at", &when(invitation.withdrawn_at.unwrap_or(invitation.sent_at)))],
                ),
            },
        },
    }
}

/// Names in the folded order of names, separated by commas; a dash for none.
fn names<S: AsRef<str>>(found: impl Iterator<Item = S>) -> String {
    let mut found: Vec<S> = found.collect();
    if found.is_empty() {
        return "—".to_owned();
    }
    found.sort_by_cached_key(|n| identity_domain::person::search_key(n.as_ref()));
    found.iter().map(AsRef::as_ref).collect::<Vec<&str>>().join(", ")
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
