//! Reading users: the list with its filters, search, sort and paging, the
//! CSV download, and one user with its ETag.

use super::*;

/// Filters, search, sort and paging of the users list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListUsersParams {
    /// Comma-separated statuses (`invited,active,inactive`).
    #[param(min_length = 1, max_length = 200)]
    pub status: Option<String>,
    /// A role's id.
    pub role: Option<Uuid>,
    /// A profile's id.
    pub profile: Option<Uuid>,
    /// A site's id.
    pub site: Option<Uuid>,
    /// A BCP 47 language tag.
    #[param(min_length = 1, max_length = 64)]
    pub language: Option<String>,
    /// Case-insensitive text in the name or email (no control characters).
    #[param(max_length = 200)]
    pub search: Option<String>,
    /// `true`: only users with a second factor (an authenticator whose
    /// enrolment is finished); `false`: only users without one.
    pub second_factor: Option<bool>,
    /// The column to sort by (default `name`); `last_sign_in_at`,
    /// `profiles`, `sites` and `invitation` do not sort.
    #[param(schema_with = crate::dto::column_schema)]
    pub sort: Option<String>,
    /// `asc` (default) or `desc`.
    #[param(schema_with = crate::dto::direction_schema)]
    pub direction: Option<String>,
    /// The `next_cursor` of the previous page.
    #[param(min_length = 1, max_length = 1000)]
    pub cursor: Option<String>,
    /// Rows per page, 1 to 500 (default 50).
    #[param(schema_with = crate::dto::limit_schema)]
    pub limit: Option<u32>,
    /// The columns to return, comma-separated, e.g. `name,email,role` or
    /// `name,last_sign_in_at,invitation` (default: every field). Each row
    /// then holds its `id` and those columns.
    #[param(min_length = 1, max_length = 200)]
    pub columns: Option<String>,
}

impl ListUsersParams {
    /// The whole list asked for, and its columns (default: every column).
    fn into_download(mut self) -> Result<(UserQuery, ColumnChoice), ApiError> {
        let mut f = Fields::default();
        if self.limit.take().is_some() {
            f.fail("limit", "a download holds every matching user: leave limit out");
        }
        let (query, columns) = self.into_query()?;
        f.finish(Some((query, columns.unwrap_or_default())))
    }

    /// The page or download asked for, and the columns chosen (`None`: every field).
    fn into_query(self) -> Result<(UserQuery, Option<ColumnChoice>), ApiError> {
        let mut f = Fields::default();
        f.length("status", self.status.as_deref(), 1, 200);
        f.length("search", self.search.as_deref(), 0, 200);
        f.length("cursor", self.cursor.as_deref(), 1, 1000);
        f.length("columns", self.columns.as_deref(), 1, 200);
        let columns = f.optional("columns", self.columns.as_deref(), ColumnChoice::parse);
        let statuses: Option<Vec<UserStatus>> = match self.status.as_deref() {
            None => Some(Vec::new()),
            Some(list) => list
                .split(',')
                .map(|s| {
                    f.check("status", UserStatus::parse(s.trim()).ok_or("use invited, active or inactive"))
                })
                .collect(),
        };
        let language = f.optional("language", self.language.as_deref(), Language::parse);
        let sort = f.optional("sort", self.sort.as_deref(), |s| {
            UserColumn::parse(s).filter(|c| c.is_sortable()).ok_or("not a sortable column")
        });
        let direction = f.optional("direction", self.direction.as_deref(), |d| match d {
            "asc" => Ok(Direction::Asc),
            "desc" => Ok(Direction::Desc),
            _ => Err("use asc or desc"),
        });
        let after = f.optional("cursor", self.cursor.as_deref(), UserCursor::decode);
        let search = f.optional("search", self.search.as_deref(), SearchTerm::parse);
        let limit = self.limit.unwrap_or(50);
        if !(1..=500).contains(&limit) {
            f.fail("limit", "must be 1 to 500");
        }
        let built = (|| {
            let filter = UserFilter {
                statuses: statuses?,
                role: self.role.map(RoleId::from_uuid),
                profile: self.profile.map(ProfileId::from_uuid),
                site: self.site.map(SiteId::from_uuid),
                language: language?,
                search: None,
                second_factor: self.second_factor,
                holders: None,
            }
            .with_search_term(search?.flatten());
            let query = UserQuery {
                filter,
                sort: sort?.unwrap_or(UserColumn::Name),
                direction: direction?.unwrap_or_default(),
                after: after?,
                limit,
            };
            Some((query, columns?))
        })();
        f.finish(built)
    }
}

/// One page of the users list.
#[utoipa::path(get, path = "/users", tag = "users", security(("bearer" = [])), params(ListUsersParams),
    responses(
        (status = 200, description = "A page of users, and how many match", body = UserPage),
        Answers<ListUsersError>,
    ))]
pub(super) async fn list_users(
    State(state): State<ApiState>,
    auth: Authenticated,
    AppQuery(params): AppQuery<ListUsersParams>,
) -> Result<AppJson<UserPage>, ApiError> {
    let (query, columns) = params.into_query()?;
    let page = state.service.list_users(&auth.caller, &query).await?;
    // Reading the list needs a full session, as reading the roles does.
    let roles = state.service.list_roles(&auth.caller).await?;
    let role_name = |id: RoleId| roles.iter().find(|r| r.id == id).map_or("", |r| r.name.as_str());
    let now = state.service.now();
    Ok(AppJson(UserPage {
        items: page
            .items
            .into_iter()
            .map(|row| {
                let name = role_name(row.user.role);
                UserListItem::new(row, name, columns.as_ref(), now)
            })
            .collect(),
        next_cursor: page.next.map(|c| c.encode()),
        total: page.total.unwrap_or_default(),
    }))
}

/// The whole filtered users list as a CSV download (RFC 4180, UTF-8 with a
/// byte-order mark, CRLF line ends), streamed as it is read. Takes the
/// list's filters, sort and `columns` (default: every column); the role
/// column holds the role's name. Cells that a spreadsheet would run as a
/// formula start with `'`. Needs `users.export`; every download is audited.
#[utoipa::path(get, path = "/users/export", tag = "users", security(("bearer" = [])), params(ListUsersParams),
    responses(
        (status = 200, description = "The users, one row each, after a header row", body = String, content_type = "text/csv"),
        Answers<ExportUsersError>,
    ))]
pub(super) async fn export_users(
    State(state): State<ApiState>,
    auth: Authenticated,
    AppQuery(params): AppQuery<ListUsersParams>,
) -> Result<impl IntoResponse, ApiError> {
    let (query, columns) = params.into_download()?;
    let export = state.service.export_users(&auth.caller, &query, columns).await?;
    let chunks = futures_util::stream::try_unfold(export, |mut export| async move {
        let chunk = export.next_chunk().await.inspect_err(|e| {
            tracing::error!(error = %e, rows = export.rows(), "the users download stopped part-way");
        })?;
        Ok::<_, StoreError>(chunk.map(|chunk| (chunk, export)))
    });
    let headers = [
        (header::CONTENT_TYPE, HeaderValue::from_static("text/csv; charset=utf-8")),
        (header::CONTENT_DISPOSITION, HeaderValue::from_static("attachment; filename=\"users.csv\"")),
    ];
    Ok((headers, axum::body::Body::from_stream(chunks)))
}

/// One user, with its version as `ETag`.
#[utoipa::path(get, path = "/users/{id}", tag = "users", security(("bearer" = [])), params(("id" = Uuid, Path, description = "The user's id")),
    responses(
        (status = 200, description = "The user", body = UserView, headers(("ETag" = String, description = "The version, for If-Match"))),
        Answers<ReadUsersError>,
    ))]
pub(super) async fn get_user(
    State(state): State<ApiState>,
    auth: Authenticated,
    AppPath(id): AppPath<Uuid>,
) -> Result<impl IntoResponse, ApiError> {
    Ok(with_etag(state.service.get_user(&auth.caller, user_id(id)).await?))
}
