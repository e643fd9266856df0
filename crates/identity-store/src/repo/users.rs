//! [`UserRepository`] over `users`, `user_profiles`, `user_sites` and
//! `email_history`.
//!
//! The users list agrees exactly with the domain's in-memory semantics
//! (`UserFilter::matches`, `SortValue::of`): rows are ordered by the folded
//! sort column then by id, both in the requested direction, and a page
//! continues strictly after the cursor's `(value, id)`. The folded values
//! are stored columns computed by the domain, compared byte-wise on both
//! backends (PostgreSQL columns use the `"C"` collation), as Rust compares
//! strings.

use super::members::{Activity, Member};
use super::users_read::{ReadUser, Rewrite};
use super::{SeaUnitOfWork, row, settle};
use crate::entity::{email_history, roles, user_factors, user_grams, user_profiles, user_sites, users};
use crate::error::store_error;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use identity_domain::listing::SHORT_SEARCH_MAX;
use identity_domain::ports::UserRepository;
use identity_domain::{
    Conflict, Direction, EmailAddress, ListedUser, Page, PracticeId, RoleId, SortValue, StoreError, User,
    UserColumn, UserCursor, UserFilter, UserId, UserQuery, UserStatus,
};
use sea_orm::sea_query::{Expr, ExprTrait, LikeExpr, OnConflict, Query, SimpleExpr};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DbBackend, EntityTrait, Iterable, JoinType,
    ModelTrait, Order, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, QueryTrait, Select, Statement,
    Value,
};
use uuid::Uuid;

/// The column a list is sorted by.
fn sort_column(column: UserColumn) -> users::Column {
    match column {
        UserColumn::Name => users::Column::NameKey,
        UserColumn::Email => users::Column::EmailNormalized,
        UserColumn::Status => users::Column::Status,
        UserColumn::Role => users::Column::RoleKey,
        UserColumn::Language => users::Column::Language,
        UserColumn::TimeZone => users::Column::TimeZone,
        UserColumn::CreatedAt => users::Column::CreatedAt,
        // Not sortable: sorted as the name, as the domain does.
        UserColumn::LastSignIn | UserColumn::Profiles | UserColumn::Sites | UserColumn::Invitation => {
            users::Column::NameKey
        }
    }
}

/// The sort value of a stored row: the very value the database compared.
fn sort_value(row: &users::Model, column: UserColumn) -> SortValue {
    match column {
        UserColumn::Name => SortValue::Text(row.name_key.clone()),
        UserColumn::Email => SortValue::Text(row.email_normalized.clone()),
        UserColumn::Status => SortValue::Text(row.status.clone()),
        UserColumn::Role => SortValue::Text(row.role_key.clone()),
        UserColumn::Language => SortValue::Text(row.language.clone()),
        UserColumn::TimeZone => SortValue::Text(row.time_zone.clone()),
        UserColumn::CreatedAt => SortValue::Time(row.created_at),
        UserColumn::LastSignIn | UserColumn::Profiles | UserColumn::Sites | UserColumn::Invitation => {
            SortValue::Text(row.name_key.clone())
        }
    }
}

/// Where a page starts, relative to the cursor.
enum Start {
    /// Rows strictly after `(value, id)` in the list's order.
    After(Value, Uuid),
    /// Every row (a cursor sorting before all of them).
    Everything,
    /// No row (a cursor sorting after all of them).
    Nothing,
}

/// Reads a cursor for `column`. `SortValue` orders every `Text` before
/// every `Time`; a cursor of the other kind than the column therefore
/// starts before or after every row, as the in-memory list does. A time
/// that came back from its JSON form as `Text` is read as the time it is.
fn start(column: UserColumn, direction: Direction, cursor: &UserCursor) -> Start {
    let id = cursor.id.as_uuid();
    let time_column = column == UserColumn::CreatedAt;
    let value = match &cursor.value {
        SortValue::Time(t) if time_column => Some(Value::from(*t)),
        SortValue::Text(s) if time_column => {
            DateTime::parse_from_rfc3339(s).ok().map(|t| Value::from(t.with_timezone(&Utc)))
        }
        SortValue::Text(s) => Some(Value::from(s.clone())),
        SortValue::Time(_) => None,
    };
    match (value, direction) {
        (Some(value), _) => Start::After(value, id),
        // A Text cursor on the time column sorts before every Time row.
        (None, Direction::Asc) if !time_column => Start::Nothing,
        (None, Direction::Desc) if !time_column => Start::Everything,
        (None, Direction::Asc) => Start::Everything,
        (None, Direction::Desc) => Start::Nothing,
    }
}

/// `needle` as a LIKE pattern matching any text that contains it.
pub(super) fn contains_pattern(needle: &str) -> LikeExpr {
    let mut pattern = String::with_capacity(needle.len() + 2);
    pattern.push('%');
    for c in needle.chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    LikeExpr::new(pattern).escape('\\')
}

/// The filter as SQL, or `None` when no row can match.
fn filter_condition(filter: &UserFilter) -> Option<Condition> {
    let mut condition = Condition::all();
    if !filter.statuses.is_empty() {
        condition = condition.add(users::Column::Status.is_in(filter.statuses.iter().map(|s| s.as_str())));
    }
    if let Some(role) = filter.role {
        condition = condition.add(users::Column::RoleId.eq(role.as_uuid()));
    }
    if let Some(profile) = filter.profile {
        let holders = Query::select()
            .column(user_profiles::Column::UserId)
            .from(user_profiles::Entity)
            .and_where(user_profiles::Column::ProfileId.eq(profile.as_uuid()))
            .to_owned();
        condition = condition.add(users::Column::Id.in_subquery(holders));
    }
    if let Some(site) = filter.site {
        let members = Query::select()
            .column(user_sites::Column::UserId)
            .from(user_sites::Entity)
            .and_where(user_sites::Column::SiteId.eq(site.as_uuid()))
            .to_owned();
        condition = condition.add(users::Column::Id.in_subquery(members));
    }
    if let Some(wanted) = filter.second_factor {
        // The users with a factor are few (mostly administrators): their
        // set is read once, not probed per row.
        let enrolled = Query::select()
            .column(user_factors::Column::UserId)
            .from(user_factors::Entity)
            .and_where(user_factors::Column::Confirmed.eq(true))
            .to_owned();
        condition = condition.add(if wanted {
            users::Column::Id.in_subquery(enrolled)
        } else {
            users::Column::Id.not_in_subquery(enrolled)
        });
    }
    if let Some(holders) = &filter.holders {
        if holders.roles.is_empty() && holders.profiles.is_empty() {
            return None;
        }
        let by_profile = Query::select()
            .column(user_profiles::Column::UserId)
            .from(user_profiles::Entity)
            .and_where(user_profiles::Column::ProfileId.is_in(holders.profiles.iter().map(|p| p.as_uuid())))
            .to_owned();
        condition = condition.add(
            Condition::any()
                .add(users::Column::RoleId.is_in(holders.roles.iter().map(|r| r.as_uuid())))
                .add(users::Column::Id.in_subquery(by_profile)),
        );
    }
    if let Some(language) = &filter.language {
        // A tag holds only letters, digits and hyphens: nothing LIKE reads
        // as a wildcard.
        condition = condition.add(
            Condition::any()
                .add(users::Column::Language.eq(language.as_str()))
                .add(users::Column::Language.like(format!("{}-%", language.as_str()))),
        );
    }
    if let Some(needle) = &filter.search {
        // The searched columns hold no ASCII capital: such a needle matches
        // nothing (SQLite's LIKE would ignore its case).
        if needle.chars().any(|c| c.is_ascii_uppercase()) {
            return None;
        }
        if short(needle).is_some() {
            // Found through `user_grams` by the caller (see `ShortSearch`).
            return Some(condition);
        }
        condition = condition.add(
            Condition::any()
                .add(Expr::col(users::Column::NameKey).like(contains_pattern(needle)))
                .add(Expr::col(users::Column::EmailNormalized).like(contains_pattern(needle))),
        );
    }
    Some(condition)
}

/// The needle of a search short enough to be looked up in `user_grams`
/// (one or two characters).
fn short(needle: &str) -> Option<&str> {
    (1..=SHORT_SEARCH_MAX).contains(&needle.chars().count()).then_some(needle)
}

/// Only users with this gram, as a condition on `users`: `EXISTS`, a probe
/// of `user_grams`' primary key per row (for a walk along a sort index).
fn has_gram(practice: PracticeId, gram: &str) -> SimpleExpr {
    Expr::exists(
        Query::select()
            .expr(Expr::val(1))
            .from(user_grams::Entity)
            .and_where(Expr::col((user_grams::Entity, user_grams::Column::PracticeId)).eq(practice.as_uuid()))
            .and_where(Expr::col((user_grams::Entity, user_grams::Column::Gram)).eq(gram))
            .and_where(
                Expr::col((user_grams::Entity, user_grams::Column::UserId))
                    .equals((users::Entity, users::Column::Id)),
            )
            .to_owned(),
    )
}

/// Searches matching at most this many users are read from `user_grams`
/// first and then sorted; searches matching more walk the sort order and
/// probe `user_grams` for each row (their matches are dense enough that a
/// page comes soon).
const SHORT_SEARCH_DRIVE_MAX: u64 = 5_000;

/// Rows strictly after `(value, id)` in the list's order.
fn after(column: users::Column, direction: Direction, value: Value, id: Uuid) -> SimpleExpr {
    let row = Expr::tuple([Expr::col(column), Expr::col(users::Column::Id)]);
    let bound = Expr::tuple([Expr::val(value), Expr::val(id)]);
    match direction {
        Direction::Asc => row.gt(bound),
        Direction::Desc => row.lt(bound),
    }
}

/// A search PostgreSQL expects to match at most this many users is read
/// through the trigram indexes (see `search_by_trigrams`).
const TRIGRAM_PLAN_MAX: f64 = 10_000.0;

impl SeaUnitOfWork {
    /// One page of the users list, where the next starts, and how many
    /// users match (when `count`).
    async fn list_page(
        &self,
        practice: PracticeId,
        query: &UserQuery,
        count: bool,
    ) -> Result<(Vec<Member>, Option<UserCursor>, Option<u64>), StoreError> {
        let Some(filter) = filter_condition(&query.filter) else {
            return Ok((Vec::new(), None, count.then_some(0)));
        };
        let column = sort_column(query.sort);
        let matching: Select<users::Entity> =
            users::Entity::find().filter(users::Column::PracticeId.eq(practice.as_uuid())).filter(filter);
        let mut select = matching.clone();
        let mut nothing = false;
        if let Some(cursor) = &query.after {
            match start(query.sort, query.direction, cursor) {
                Start::After(value, id) => select = select.filter(after(column, query.direction, value, id)),
                Start::Everything => {}
                Start::Nothing => nothing = true,
            }
        }
        let short_search = query.filter.search.as_deref().and_then(short);
        let total = match short_search {
            // One statement both answers the count and chooses the plan.
            Some(gram) => Some(self.count_short(practice, &query.filter, matching, gram).await?),
            None if count => Some(matching.count(&self.txn).await.map_err(store_error)?),
            None => None,
        };
        if nothing || total == Some(0) {
            return Ok((Vec::new(), None, total.filter(|_| count)));
        }
        let drive = match short_search {
            Some(gram) if total.is_some_and(|n| n <= SHORT_SEARCH_DRIVE_MAX) => Some(gram),
            Some(gram) => {
                select = select.filter(has_gram(practice, gram));
                None
            }
            None => None,
        };
        let total = total.filter(|_| count);
        if let Some(gram) = drive {
            // From the gram's rows to their users, then sorted: SQLite's
            // CROSS JOIN keeps that order of the two tables.
            let backend = self.txn.get_database_backend();
            let join = if backend == DbBackend::Sqlite { JoinType::CrossJoin } else { JoinType::InnerJoin };
            let q = QueryTrait::query(&mut select);
            q.from_clear();
            if backend == DbBackend::Postgres {
                // PostgreSQL would flatten the join and walk the users in
                // the list's order, probing the gram for each: names of one
                // script sort together, so a rare CJK name walked ~70,000
                // users (0.5-1.5 s at 100,000). The gram's rows come from a
                // subquery it may not flatten (its OFFSET), joined by nested
                // loop (see `grams_first` below), then sorted: ~6 ms.
                let gram_rows = Query::select()
                    .columns([
                        user_grams::Column::UserId,
                        user_grams::Column::PracticeId,
                        user_grams::Column::Gram,
                    ])
                    .from(user_grams::Entity)
                    .and_where(user_grams::Column::PracticeId.eq(practice.as_uuid()))
                    .and_where(user_grams::Column::Gram.eq(gram))
                    .offset(0)
                    .to_owned();
                q.from_subquery(gram_rows, user_grams::Entity);
            } else {
                q.from(user_grams::Entity);
            }
            q.join(
                join,
                users::Entity,
                Expr::col((users::Entity, users::Column::Id))
                    .equals((user_grams::Entity, user_grams::Column::UserId)),
            )
            // Also in WHERE: sea-query writes a CROSS JOIN without its ON.
            .and_where(
                Expr::col((users::Entity, users::Column::Id))
                    .equals((user_grams::Entity, user_grams::Column::UserId)),
            )
            .and_where(Expr::col((user_grams::Entity, user_grams::Column::PracticeId)).eq(practice.as_uuid()))
            .and_where(Expr::col((user_grams::Entity, user_grams::Column::Gram)).eq(gram));
        }
        let limit = query.limit as usize;
        let by_trigrams = self.search_by_trigrams(&select, &query.filter).await?;
        let order = match query.direction {
            Direction::Asc => Order::Asc,
            Direction::Desc => Order::Desc,
        };
        let page = select
            .order_by(column, order.clone())
            .order_by(users::Column::Id, order)
            .limit(u64::from(query.limit) + 1);
        if by_trigrams {
            self.txn.execute_unprepared("SET LOCAL enable_indexscan = off").await.map_err(store_error)?;
        }
        // From the gram's few rows to their users one by one: with a hash
        // or merge join PostgreSQL would read every user of the practice.
        let grams_first = drive.is_some() && self.txn.get_database_backend() == DbBackend::Postgres;
        if grams_first {
            self.txn
                .execute_unprepared("SET LOCAL enable_hashjoin = off; SET LOCAL enable_mergejoin = off")
                .await
                .map_err(store_error)?;
        }
        let found = self.members(page, Activity::Read).await;
        if by_trigrams {
            self.txn.execute_unprepared("SET LOCAL enable_indexscan = on").await.map_err(store_error)?;
        }
        if grams_first {
            self.txn
                .execute_unprepared("SET LOCAL enable_hashjoin = on; SET LOCAL enable_mergejoin = on")
                .await
                .map_err(store_error)?;
        }
        let mut rows = found?;
        let more = rows.len() > limit;
        rows.truncate(limit);
        let next = match rows.last() {
            Some(last) if more => Some(UserCursor {
                value: sort_value(last.row(), query.sort),
                id: UserId::from_uuid(last.row().id),
            }),
            _ => None,
        };
        Ok((rows, next, total))
    }

    /// How many users match a filter whose search is the short `gram`: the
    /// gram's rows alone when nothing else filters (an index range of
    /// `user_grams`), else the matching users that hold it.
    async fn count_short(
        &self,
        practice: PracticeId,
        filter: &UserFilter,
        matching: Select<users::Entity>,
        gram: &str,
    ) -> Result<u64, StoreError> {
        let only_search = UserFilter { search: None, ..filter.clone() } == UserFilter::default();
        if only_search {
            return user_grams::Entity::find()
                .filter(user_grams::Column::PracticeId.eq(practice.as_uuid()))
                .filter(user_grams::Column::Gram.eq(gram))
                .count(&self.txn)
                .await
                .map_err(store_error);
        }
        let holders = Query::select()
            .column(user_grams::Column::UserId)
            .from(user_grams::Entity)
            .and_where(user_grams::Column::PracticeId.eq(practice.as_uuid()))
            .and_where(user_grams::Column::Gram.eq(gram))
            .to_owned();
        matching.filter(users::Column::Id.in_subquery(holders)).count(&self.txn).await.map_err(store_error)
    }

    /// Replaces a stored user's short n-grams (`user_grams`) by those of
    /// its name key and email as written now.
    async fn write_grams(&self, stored: &users::Model, replace: bool) -> Result<(), StoreError> {
        if replace {
            user_grams::Entity::delete_many()
                .filter(user_grams::Column::UserId.eq(stored.id))
                .exec(&self.txn)
                .await
                .map_err(store_error)?;
        }
        let rows = user_grams::Model::of(stored);
        if rows.is_empty() {
            return Ok(());
        }
        user_grams::Entity::insert_many(rows.into_iter().map(row::<_, user_grams::ActiveModel>))
            .exec_without_returning(&self.txn)
            .await
            .map_err(store_error)?;
        Ok(())
    }

    /// Whether PostgreSQL should find the users a search matches through
    /// its trigram indexes and sort them, rather than walk the sort index
    /// until a page of them has passed. The planner assumes matches are
    /// spread evenly along the sort order and walks; but names in one script
    /// sort together, so a rare name (an Arabic family name among 100,000
    /// users) made it read most of the practice (~80 ms, against ~3 ms
    /// through the trigrams). Its estimate of how many users match is good,
    /// though: up to [`TRIGRAM_PLAN_MAX`] they are read through the trigram
    /// indexes; a search matching more finds its page early in the walk.
    /// Trigrams need three characters; SQLite has none.
    async fn search_by_trigrams(
        &self,
        select: &Select<users::Entity>,
        filter: &UserFilter,
    ) -> Result<bool, StoreError> {
        let backend = self.txn.get_database_backend();
        let searched = filter.search.as_ref().is_some_and(|needle| needle.chars().count() >= 3);
        if backend != DbBackend::Postgres || !searched {
            return Ok(false);
        }
        let matching = select.clone().build(backend);
        let explain = Statement::from_sql_and_values(
            backend,
            format!("EXPLAIN (FORMAT JSON) {}", matching.sql),
            matching.values.map(|v| v.0).unwrap_or_default(),
        );
        let plan: Option<serde_json::Value> =
            match self.txn.query_one_raw(explain).await.map_err(store_error)? {
                Some(row) => row.try_get("", "QUERY PLAN").map_err(store_error)?,
                None => None,
            };
        let estimate = plan.as_ref().and_then(|p| p[0]["Plan"]["Plan Rows"].as_f64());
        Ok(estimate.is_some_and(|rows| rows <= TRIGRAM_PLAN_MAX))
    }

    /// The name of the user's role, for the `role_key` column (which holds
    /// its search key, folded by the domain).
    async fn role_name(&self, practice: PracticeId, role: RoleId) -> Result<String, StoreError> {
        let found = roles::Entity::find_by_id(role.as_uuid())
            .filter(roles::Column::PracticeId.eq(practice.as_uuid()))
            .one(&self.txn)
            .await
            .map_err(store_error)?;
        found.map(|r| r.name).ok_or_else(|| StoreError::Internal("the user's role does not exist".to_owned()))
    }

    /// Why inserting `user` changed no row: its address taken (a conflict),
    /// or its id (a fault).
    async fn refused_user(&self, user: &User) -> StoreError {
        let taken = users::Entity::find()
            .filter(users::Column::PracticeId.eq(user.practice.as_uuid()))
            .filter(users::Column::EmailNormalized.eq(user.email.normalized()))
            .count(&self.txn)
            .await;
        match taken {
            Ok(0) => StoreError::Internal("unique index users_pkey refused a duplicate".to_owned()),
            Ok(_) => Conflict::EmailTaken.into(),
            Err(e) => store_error(e),
        }
    }

    /// Replaces the user's profiles and sites.
    async fn write_memberships(&self, user: &User, replace: bool) -> Result<(), StoreError> {
        let id = user.id.as_uuid();
        if replace {
            user_profiles::Entity::delete_many()
                .filter(user_profiles::Column::UserId.eq(id))
                .exec(&self.txn)
                .await
                .map_err(store_error)?;
            user_sites::Entity::delete_many()
                .filter(user_sites::Column::UserId.eq(id))
                .exec(&self.txn)
                .await
                .map_err(store_error)?;
        }
        if !user.profiles.is_empty() {
            let rows = user.profiles.iter().map(|p| {
                row::<_, user_profiles::ActiveModel>(user_profiles::Model {
                    user_id: id,
                    profile_id: p.as_uuid(),
                })
            });
            user_profiles::Entity::insert_many(rows)
                .exec_without_returning(&self.txn)
                .await
                .map_err(store_error)?;
        }
        if !user.sites.is_empty() {
            let rows = user.sites.iter().map(|s| {
                row::<_, user_sites::ActiveModel>(user_sites::Model { user_id: id, site_id: s.as_uuid() })
            });
            user_sites::Entity::insert_many(rows)
                .exec_without_returning(&self.txn)
                .await
                .map_err(store_error)?;
        }
        Ok(())
    }
}

#[async_trait]
impl UserRepository for SeaUnitOfWork {
    /// One `INSERT … ON CONFLICT DO NOTHING`: a taken address changes no
    /// row and leaves the unit of work usable, with no savepoint.
    async fn insert(&mut self, user: &User) -> Result<(), StoreError> {
        let role_name = self.role_name(user.practice, user.role).await?;
        let stored = users::Model::from_domain(user, &role_name);
        let columns: Vec<users::Column> = users::Column::iter().collect();
        let values = columns.iter().map(|column| Expr::val(stored.get(*column)));
        let insert = Query::insert()
            .into_table(users::Entity)
            .columns(columns.iter().copied())
            .values_panic(values)
            .on_conflict(OnConflict::new().do_nothing().to_owned())
            .to_owned();
        let inserted = self.txn.execute(&insert).await.map_err(store_error)?.rows_affected();
        if inserted == 0 {
            return Err(self.refused_user(user).await);
        }
        self.write_grams(&stored, false).await?;
        self.write_memberships(user, false).await
    }

    async fn get(&mut self, practice: PracticeId, id: UserId) -> Result<Option<User>, StoreError> {
        self.member(
            users::Entity::find_by_id(id.as_uuid()).filter(users::Column::PracticeId.eq(practice.as_uuid())),
        )
        .await
    }

    async fn update(&mut self, user: &User) -> Result<(), StoreError> {
        let Some(previous) = user.version.checked_sub(1) else {
            return Err(Conflict::Stale.into());
        };
        let role_name = self.role_name(user.practice, user.role).await?;
        let stored = users::Model::from_domain(user, &role_name);
        let mut changes: users::ActiveModel = row(stored.clone());
        changes.not_set(users::Column::Id);
        changes.not_set(users::Column::PracticeId);
        changes.not_set(users::Column::CreatedAt);
        let savepoint = self.savepoint().await?;
        let result = users::Entity::update_many()
            .set(changes)
            .filter(users::Column::Id.eq(user.id.as_uuid()))
            .filter(users::Column::PracticeId.eq(user.practice.as_uuid()))
            .filter(users::Column::Version.eq(crate::entity::to_i64(previous)))
            .exec(&savepoint)
            .await;
        let updated = settle(savepoint, result).await.map_err(store_error)?;
        if updated.rows_affected == 0 {
            return Err(Conflict::Stale.into());
        }
        let written = ReadUser::of(&stored, &user.profiles, &user.sites);
        let rewrite =
            Rewrite::between(self.read_user(stored.id).as_ref(), &written, crate::entity::to_i64(previous));
        if rewrite.grams {
            self.write_grams(&stored, true).await?;
        }
        if rewrite.memberships {
            self.write_memberships(user, true).await?;
        }
        self.remember_user(written);
        Ok(())
    }

    async fn find_by_email(
        &mut self,
        practice: PracticeId,
        email: &EmailAddress,
    ) -> Result<Option<User>, StoreError> {
        let select = users::Entity::find()
            .filter(users::Column::PracticeId.eq(practice.as_uuid()))
            .filter(users::Column::EmailNormalized.eq(email.normalized()));
        self.member(select).await
    }

    async fn email_holder(
        &mut self,
        practice: PracticeId,
        email: &EmailAddress,
    ) -> Result<Option<UserId>, StoreError> {
        let found = email_history::Entity::find()
            .filter(email_history::Column::PracticeId.eq(practice.as_uuid()))
            .filter(email_history::Column::NormalizedEmail.eq(email.normalized()))
            .one(&self.txn)
            .await
            .map_err(store_error)?;
        Ok(found.map(|h| UserId::from_uuid(h.user_id)))
    }

    async fn reserve_email(
        &mut self,
        practice: PracticeId,
        email: &EmailAddress,
        user: UserId,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        // ON CONFLICT DO NOTHING: a taken address changes no row and leaves
        // the unit of work usable, with no savepoint.
        let reservation = email_history::Model::reservation(practice, email, user, at);
        let inserted = email_history::Entity::insert(row(reservation))
            .on_conflict(OnConflict::new().do_nothing().to_owned())
            .exec_without_returning(&self.txn)
            .await;
        match inserted {
            Ok(n) if n > 0 => Ok(()),
            Ok(_) | Err(sea_orm::DbErr::RecordNotInserted) => match self.email_holder(practice, email).await?
            {
                Some(_) => Err(Conflict::EmailTaken.into()),
                None => Err(StoreError::Internal(
                    "unique index email_history_pkey refused a duplicate".to_owned(),
                )),
            },
            Err(e) => Err(store_error(e)),
        }
    }

    async fn email_history(
        &mut self,
        practice: PracticeId,
        user: UserId,
    ) -> Result<Vec<(EmailAddress, DateTime<Utc>)>, StoreError> {
        email_history::Entity::find()
            .filter(email_history::Column::PracticeId.eq(practice.as_uuid()))
            .filter(email_history::Column::UserId.eq(user.as_uuid()))
            .order_by_asc(email_history::Column::HeldFrom)
            .order_by_asc(email_history::Column::Id)
            .all(&self.txn)
            .await
            .map_err(store_error)?
            .into_iter()
            .map(email_history::Model::into_domain)
            .collect()
    }

    async fn list(
        &mut self,
        practice: PracticeId,
        query: &UserQuery,
    ) -> Result<Page<ListedUser, UserCursor>, StoreError> {
        let (rows, next, total) = self.list_page(practice, query, true).await?;
        let items = rows.into_iter().map(Member::into_listed).collect::<Result<_, _>>()?;
        Ok(Page { items, next, total })
    }

    async fn list_columns(
        &mut self,
        practice: PracticeId,
        query: &UserQuery,
    ) -> Result<Page<ListedUser, UserCursor>, StoreError> {
        let (rows, next, _) = self.list_page(practice, query, false).await?;
        let items = rows.into_iter().map(Member::into_listed).collect::<Result<_, _>>()?;
        Ok(Page { items, next, total: None })
    }

    async fn count_with_roles(
        &mut self,
        practice: PracticeId,
        roles: &[RoleId],
        statuses: &[UserStatus],
    ) -> Result<u64, StoreError> {
        if roles.is_empty() || statuses.is_empty() {
            return Ok(0);
        }
        users::Entity::find()
            .filter(users::Column::PracticeId.eq(practice.as_uuid()))
            .filter(users::Column::RoleId.is_in(roles.iter().map(|r| r.as_uuid())))
            .filter(users::Column::Status.is_in(statuses.iter().map(|s| s.as_str())))
            .count(&self.txn)
            .await
            .map_err(store_error)
    }
}
