//! The users list: filters, search, sort, keyset pages and column choice.

use crate::ids::{ProfileId, RoleId, SiteId, UserId};
use crate::person::{Language, search_key};
use crate::user::{User, UserStatus};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// The most rows one page may hold.
pub const MAX_PAGE_SIZE: u32 = 500;

/// A column of the users list, to sort by or to show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UserColumn {
    /// Full name.
    Name,
    /// Email.
    Email,
    /// Status.
    Status,
    /// Role (sorted by the role's name).
    Role,
    /// Preferred language.
    Language,
    /// Time zone.
    TimeZone,
    /// Creation time.
    CreatedAt,
    /// The last successful sign-in (not sortable).
    LastSignIn,
    /// The extra profiles, by name (not sortable).
    Profiles,
    /// The sites, by name (not sortable).
    Sites,
    /// The latest invitation: when it was sent, when it expires, whether it
    /// was accepted (not sortable).
    Invitation,
}

impl UserColumn {
    /// Every column, in the default display order.
    pub const ALL: &'static [UserColumn] = &[
        Self::Name,
        Self::Email,
        Self::Status,
        Self::Role,
        Self::Language,
        Self::TimeZone,
        Self::CreatedAt,
        Self::LastSignIn,
        Self::Profiles,
        Self::Sites,
        Self::Invitation,
    ];

    /// The columns a list can be sorted by.
    pub const SORTABLE: &'static [UserColumn] =
        &[Self::Name, Self::Email, Self::Status, Self::Role, Self::Language, Self::TimeZone, Self::CreatedAt];

    /// Whether a list can be sorted by this column. A query sorted by
    /// another column is sorted by the name: front doors refuse them.
    pub fn is_sortable(self) -> bool {
        Self::SORTABLE.contains(&self)
    }

    /// The API and CSV header name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Name => "name",
            Self::Email => "email",
            Self::Status => "status",
            Self::Role => "role",
            Self::Language => "language",
            Self::TimeZone => "time_zone",
            Self::CreatedAt => "created_at",
            Self::LastSignIn => "last_sign_in_at",
            Self::Profiles => "profiles",
            Self::Sites => "sites",
            Self::Invitation => "invitation",
        }
    }

    /// Parses an API name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|c| c.as_str() == s)
    }

    /// What the CSV export shows in this column for `row`; `names` gives
    /// the names of roles, profiles and sites. Times are RFC 3339 in UTC,
    /// to the second; profiles and sites are their names in name order,
    /// separated by `; `.
    pub fn value(self, row: &ListedUser, names: &CatalogueNames) -> String {
        let user = &row.user;
        match self {
            Self::Name => user.name.as_str().to_owned(),
            Self::Email => user.email.as_str().to_owned(),
            Self::Status => user.status.as_str().to_owned(),
            Self::Role => names.roles.get(&user.role).cloned().unwrap_or_default(),
            Self::Language => user.language.as_str().to_owned(),
            Self::TimeZone => user.time_zone.name().to_owned(),
            Self::CreatedAt => rfc3339(user.created_at),
            Self::LastSignIn => row.last_sign_in_at.map(rfc3339).unwrap_or_default(),
            Self::Profiles => names.list(&names.profiles, &user.profiles),
            Self::Sites => names.list(&names.sites, &user.sites),
            Self::Invitation => row.invitation.as_ref().map(Invitation::summary).unwrap_or_default(),
        }
    }
}

/// A time as the download writes it: RFC 3339 in UTC, to the second.
fn rfc3339(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// The names of a practice's roles, profiles and sites, by id, for the
/// columns that show them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CatalogueNames {
    /// Each role's name.
    pub roles: HashMap<RoleId, String>,
    /// Each profile's name.
    pub profiles: HashMap<ProfileId, String>,
    /// Each site's name.
    pub sites: HashMap<SiteId, String>,
}

impl CatalogueNames {
    /// The names of `ids` found in `names`, sorted, separated by `; `.
    fn list<K: Ord + Eq + std::hash::Hash>(
        &self,
        names: &HashMap<K, String>,
        ids: &std::collections::BTreeSet<K>,
    ) -> String {
        let mut found: Vec<&str> = ids.iter().filter_map(|id| names.get(id)).map(String::as_str).collect();
        found.sort_by_key(|n| search_key(n));
        found.join("; ")
    }

    /// Whether every role, profile and site `user` refers to has a name here.
    pub fn knows(&self, user: &User) -> bool {
        self.roles.contains_key(&user.role)
            && user.profiles.iter().all(|p| self.profiles.contains_key(p))
            && user.sites.iter().all(|s| self.sites.contains_key(s))
    }
}

/// A user's latest invitation to join, as the users list shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Invitation {
    /// When it was sent.
    pub sent_at: DateTime<Utc>,
    /// When its link stops working.
    pub expires_at: DateTime<Utc>,
    /// When it was accepted, if it was.
    pub accepted_at: Option<DateTime<Utc>>,
    /// When it was withdrawn (a newer invitation, a deactivation), if it was.
    pub withdrawn_at: Option<DateTime<Utc>>,
}

/// Where an invitation stands at a given time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InvitationState {
    /// Sent, not yet accepted, still usable.
    Pending,
    /// Accepted: the user joined.
    Accepted,
    /// No longer usable: its time ran out.
    Expired,
    /// No longer usable: withdrawn.
    Withdrawn,
}

impl InvitationState {
    /// The API name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Accepted => "accepted",
            Self::Expired => "expired",
            Self::Withdrawn => "withdrawn",
        }
    }
}

impl Invitation {
    /// Where the invitation stands at `now`.
    pub fn state(&self, now: DateTime<Utc>) -> InvitationState {
        if self.accepted_at.is_some() {
            InvitationState::Accepted
        } else if self.withdrawn_at.is_some() {
            InvitationState::Withdrawn
        } else if now >= self.expires_at {
            InvitationState::Expired
        } else {
            InvitationState::Pending
        }
    }

    /// The download's text: `sent …; expires …` and `; accepted …` or
    /// `; withdrawn …` when it was.
    pub fn summary(&self) -> String {
        let mut text = format!("sent {}; expires {}", rfc3339(self.sent_at), rfc3339(self.expires_at));
        if let Some(at) = self.accepted_at {
            text.push_str(&format!("; accepted {}", rfc3339(at)));
        } else if let Some(at) = self.withdrawn_at {
            text.push_str(&format!("; withdrawn {}", rfc3339(at)));
        }
        text
    }
}

/// A row of the users list: the user and what the list shows beside it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedUser {
    /// The user, with its profiles and sites.
    pub user: User,
    /// Their last successful sign-in, if any.
    pub last_sign_in_at: Option<DateTime<Utc>>,
    /// Their latest invitation (the one sent last), if they were invited.
    pub invitation: Option<Invitation>,
}

impl ListedUser {
    /// A row with nothing beside the user.
    pub fn new(user: User) -> Self {
        Self { user, last_sign_in_at: None, invitation: None }
    }
}

/// The columns an administrator chose to see or download: at least one,
/// each at most once, in their chosen order.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ColumnChoice(Vec<UserColumn>);

/// Why a column choice was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ColumnChoiceError {
    /// Nothing was chosen.
    #[error("choose at least one column")]
    Empty,
    /// A name that is not a column.
    #[error(
        "'{0}' is not a column; use name, email, status, role, language, time_zone, created_at, last_sign_in_at, profiles, sites or invitation"
    )]
    Unknown(String),
    /// A column named twice.
    #[error("'{0}' is chosen twice")]
    Repeated(&'static str),
}

impl ColumnChoice {
    /// Every column, in the default order.
    pub fn all() -> Self {
        Self(UserColumn::ALL.to_vec())
    }

    /// A choice of `columns`, in that order.
    ///
    /// # Errors
    /// [`ColumnChoiceError`] when `columns` is empty or repeats a column.
    pub fn new(columns: Vec<UserColumn>) -> Result<Self, ColumnChoiceError> {
        if columns.is_empty() {
            return Err(ColumnChoiceError::Empty);
        }
        for (i, column) in columns.iter().enumerate() {
            if columns[..i].contains(column) {
                return Err(ColumnChoiceError::Repeated(column.as_str()));
            }
        }
        Ok(Self(columns))
    }

    /// Reads a comma-separated list of column names, such as
    /// `name,email,role`; spaces around names are ignored.
    ///
    /// # Errors
    /// [`ColumnChoiceError`] for an unknown, repeated or missing column.
    pub fn parse(list: &str) -> Result<Self, ColumnChoiceError> {
        let columns = list
            .split(',')
            .map(str::trim)
            .filter(|name| !name.is_empty())
            .map(|name| UserColumn::parse(name).ok_or_else(|| ColumnChoiceError::Unknown(name.to_owned())))
            .collect::<Result<Vec<_>, _>>()?;
        Self::new(columns)
    }

    /// The chosen columns, in order.
    pub fn columns(&self) -> &[UserColumn] {
        &self.0
    }

    /// Whether `column` is chosen.
    pub fn contains(&self, column: UserColumn) -> bool {
        self.0.contains(&column)
    }
}

impl Default for ColumnChoice {
    fn default() -> Self {
        Self::all()
    }
}

impl std::fmt::Display for ColumnChoice {
    /// The comma-separated form [`ColumnChoice::parse`] reads.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (i, column) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            f.write_str(column.as_str())?;
        }
        Ok(())
    }
}

/// Sort direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// Smallest first.
    #[default]
    Asc,
    /// Largest first.
    Desc,
}

/// Which users to list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserFilter {
    /// Only these statuses (all when empty).
    pub statuses: Vec<UserStatus>,
    /// Only holders of this role.
    pub role: Option<RoleId>,
    /// Only holders of this profile.
    pub profile: Option<ProfileId>,
    /// Only users of this site.
    pub site: Option<SiteId>,
    /// Only users whose preferred language is this one or a variant of it
    /// (`fr` matches `fr` and `fr-CA`; see [`Language::covers`]).
    pub language: Option<Language>,
    /// Case-insensitive substring of the name or email, already folded by
    /// [`search_key`] (see [`SearchTerm`]).
    pub search: Option<String>,
    /// Only users who have (`true`) or have not (`false`) a confirmed
    /// second factor: an authenticator whose enrolment was finished.
    /// Recovery codes alone do not count, nor an enrolment in progress.
    pub second_factor: Option<bool>,
    /// Only users a grant reaches: holders of one of these roles or of one
    /// of these profiles (for example, everyone who may own cases).
    pub holders: Option<Holders>,
}

/// The roles and profiles whose holders a [`UserFilter`] keeps.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Holders {
    /// Holders of any of these roles.
    pub roles: std::collections::BTreeSet<RoleId>,
    /// Holders of any of these profiles.
    pub profiles: std::collections::BTreeSet<ProfileId>,
}

impl Holders {
    /// Everyone `permission` reaches: the roles that grant it (a Super
    /// Admin role grants everything, as [`crate::Grants::allows`] says) and
    /// the profiles that add it.
    pub fn of_permission(
        permission: crate::Permission,
        roles: &[crate::Role],
        profiles: &[crate::Profile],
    ) -> Self {
        Self {
            roles: roles
                .iter()
                .filter(|r| crate::Grants::of(r, []).allows(permission))
                .map(|r| r.id)
                .collect(),
            profiles: profiles.iter().filter(|p| p.permissions.contains(permission)).map(|p| p.id).collect(),
        }
    }

    /// Whether `user` holds one of the roles or profiles.
    pub fn reach(&self, user: &User) -> bool {
        self.roles.contains(&user.role) || user.profiles.iter().any(|p| self.profiles.contains(p))
    }
}

impl UserFilter {
    /// Sets the search text, folding it for comparison; blank text means no
    /// search. The text is taken as it is: what a person typed goes through
    /// [`SearchTerm::parse`] and [`UserFilter::with_search_term`] instead,
    /// which refuse control characters.
    #[must_use]
    pub fn with_search(mut self, text: &str) -> Self {
        let folded = search_key(text.trim());
        self.search = (!folded.is_empty()).then_some(folded);
        self
    }

    /// Searches for `term`; `None` is no search.
    #[must_use]
    pub fn with_search_term(mut self, term: Option<SearchTerm>) -> Self {
        self.search = term.map(|t| t.0);
        self
    }

    /// Whether `user` passes the filter, given whether they have a
    /// confirmed second factor ([`crate::Factor::confirmed`]). Adapters
    /// without a query language (the in-memory one) use this; database
    /// adapters must agree with it.
    pub fn matches(&self, user: &User, has_second_factor: bool) -> bool {
        (self.statuses.is_empty() || self.statuses.contains(&user.status))
            && self.second_factor.is_none_or(|wanted| wanted == has_second_factor)
            && self.holders.as_ref().is_none_or(|h| h.reach(user))
            && self.role.is_none_or(|r| user.role == r)
            && self.profile.is_none_or(|p| user.profiles.contains(&p))
            && self.site.is_none_or(|s| user.sites.contains(&s))
            && self.language.as_ref().is_none_or(|l| l.covers(&user.language))
            && self.search.as_ref().is_none_or(|needle| {
                user.name.search_key().contains(needle.as_str())
                    || user.email.normalized().contains(needle.as_str())
            })
    }
}

/// The longest search, in characters, that a store answers from the short
/// n-grams of names and emails ([`short_grams`]) rather than by reading the
/// names and emails themselves: a text of one or two characters is found
/// in a name or email exactly when it is one of their 1- or 2-grams.
pub const SHORT_SEARCH_MAX: usize = 2;

/// Every distinct 1- and 2-character substring (in Unicode scalar values)
/// of `text`: the short n-grams a store keeps for each user's folded name
/// ([`crate::PersonName::search_key`]) and normalised email, so that a
/// search of up to [`SHORT_SEARCH_MAX`] characters in any script is an
/// exact lookup. A folded search `needle` of 1 or 2 characters is a
/// substring of `text` exactly when `short_grams(text)` holds it.
///
/// ```
/// use identity_domain::listing::short_grams;
/// let grams = short_grams("王小明");
/// assert!(grams.contains("王") && grams.contains("小明") && !grams.contains("王明"));
/// assert_eq!(short_grams("aaa").len(), 2); // "a", "aa"
/// ```
pub fn short_grams(text: &str) -> std::collections::BTreeSet<String> {
    let chars: Vec<char> = text.chars().collect();
    let ones = chars.iter().map(|c| c.to_string());
    let twos = chars.windows(2).map(|w| w.iter().collect::<String>());
    ones.chain(twos).collect()
}

/// The short n-grams of a user: those of the folded name and of the
/// normalised email together (see [`short_grams`]).
pub fn user_short_grams(name_key: &str, email_normalized: &str) -> std::collections::BTreeSet<String> {
    let mut grams = short_grams(name_key);
    grams.extend(short_grams(email_normalized));
    grams
}

/// The text searched for in the users list (and its download): a
/// case-insensitive substring of a user's name or email, folded by
/// [`search_key`], without control characters (NUL, line breaks…), which no
/// name or email holds and which a database may not even accept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchTerm(String);

/// Why a search was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SearchTermError {
    /// A control character such as NUL or a line break.
    #[error("the search must not contain control characters such as NUL or line breaks")]
    ControlCharacter,
}

impl SearchTerm {
    /// Checks and folds what a person typed; blank text is no search
    /// (`None`).
    ///
    /// # Errors
    /// [`SearchTermError::ControlCharacter`] for a control character anywhere
    /// in the text.
    pub fn parse(input: &str) -> Result<Option<Self>, SearchTermError> {
        if input.chars().any(char::is_control) {
            return Err(SearchTermError::ControlCharacter);
        }
        let folded = search_key(input.trim());
        Ok((!folded.is_empty()).then_some(Self(folded)))
    }

    /// The folded text, as compared with names and emails.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The value a row is sorted by, as carried in a cursor.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum SortValue {
    /// Text columns, compared by their folded form.
    Text(String),
    /// Time columns.
    Time(DateTime<Utc>),
}

impl SortValue {
    /// The sort value of `user` for `column`; `role_name` gives the name of
    /// the user's role.
    pub fn of(user: &User, column: UserColumn, role_name: &str) -> Self {
        match column {
            UserColumn::Name => Self::Text(user.name.search_key()),
            UserColumn::Email => Self::Text(user.email.normalized().to_owned()),
            UserColumn::Status => Self::Text(user.status.as_str().to_owned()),
            UserColumn::Role => Self::Text(search_key(role_name)),
            UserColumn::Language => Self::Text(user.language.as_str().to_owned()),
            UserColumn::TimeZone => Self::Text(user.time_zone.name().to_owned()),
            UserColumn::CreatedAt => Self::Time(user.created_at),
            // Not sortable: sorted as the name.
            UserColumn::LastSignIn | UserColumn::Profiles | UserColumn::Sites | UserColumn::Invitation => {
                Self::Text(user.name.search_key())
            }
        }
    }
}

/// Where a page ends: the sort value and id of its last row. Ties on the
/// sort value are broken by id, so paging is exact even with equal values.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserCursor {
    /// The sort value of the last row.
    pub value: SortValue,
    /// The id of the last row.
    pub id: UserId,
}

/// A cursor that could not be read back.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the page cursor is not valid")]
pub struct CursorError;

impl UserCursor {
    /// The opaque text handed to clients.
    pub fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(self).unwrap_or_default())
    }

    /// Reads back an opaque cursor.
    ///
    /// # Errors
    /// [`CursorError`] for anything not made by [`UserCursor::encode`].
    pub fn decode(text: &str) -> Result<Self, CursorError> {
        let bytes = URL_SAFE_NO_PAD.decode(text).map_err(|_| CursorError)?;
        serde_json::from_slice(&bytes).map_err(|_| CursorError)
    }
}

/// One request for a page of users.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserQuery {
    /// Which users.
    pub filter: UserFilter,
    /// The column to sort by.
    pub sort: UserColumn,
    /// Its direction (ties by id follow the same direction).
    pub direction: Direction,
    /// Continue after this row.
    pub after: Option<UserCursor>,
    /// At most this many rows (1 to [`MAX_PAGE_SIZE`]).
    pub limit: u32,
}

impl Default for UserQuery {
    fn default() -> Self {
        Self {
            filter: UserFilter::default(),
            sort: UserColumn::Name,
            direction: Direction::Asc,
            after: None,
            limit: 50,
        }
    }
}

/// One page of results and the cursor of the next page, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<T, C> {
    /// The rows.
    pub items: Vec<T>,
    /// Where the next page starts; `None` on the last page.
    pub next: Option<C>,
    /// How many records match the query on every page together (the
    /// cursor and the page size aside), when the listing counts them: the
    /// users list does ([`crate::ports::UserRepository::list`]); `None`
    /// elsewhere.
    pub total: Option<u64>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// The holders a permission reaches are exactly the users whose
        /// role and profiles together allow it: a Super Admin role, a role
        /// that grants it, or any profile that adds it.
        #[test]
        fn holders_of_a_permission_are_those_whose_grants_allow_it(
            bypass: bool,
            role_grants: bool,
            profile_grants in proptest::collection::vec(any::<bool>(), 0..4),
            held in any::<u8>(),
        ) {
            use crate::{Permission, PermissionSet, PracticeId, Profile, Role};
            let practice = PracticeId::from_uuid(uuid::Uuid::from_u128(1));
            let grants = |yes: bool| {
                if yes {
                    PermissionSet::from_iter([Permission::CasesOwn, Permission::UsersRead])
                } else {
                    PermissionSet::from_iter([Permission::UsersRead])
                }
            };
            let role = Role {
                id: RoleId::from_uuid(uuid::Uuid::from_u128(2)),
                practice,
                name: crate::Label::parse("Role").unwrap(),
                permissions: grants(role_grants),
                bypass,
                builtin: false,
                second_factor_required: false,
            };
            let profiles: Vec<Profile> = profile_grants
                .iter()
                .enumerate()
                .map(|(i, &yes)| Profile {
                    id: ProfileId::from_uuid(uuid::Uuid::from_u128(10 + i as u128)),
                    practice,
                    name: crate::Label::parse(&format!("Profile {i}")).unwrap(),
                    permissions: grants(yes),
                    builtin: false,
                })
                .collect();
            let holders = Holders::of_permission(Permission::CasesOwn, std::slice::from_ref(&role), &profiles);
            let theirs: Vec<&Profile> =
                profiles.iter().enumerate().filter(|(i, _)| held & (1 << i) != 0).map(|(_, p)| p).collect();
            let reached =
                holders.roles.contains(&role.id) || theirs.iter().any(|p| holders.profiles.contains(&p.id));
            prop_assert_eq!(reached, crate::Grants::of(&role, theirs.iter().copied()).allows(Permission::CasesOwn));
        }

        /// A needle of one or two characters is in a text exactly when it
        /// is one of the text's short n-grams, in any script.
        #[test]
        fn a_short_needle_is_found_exactly_when_it_is_a_short_gram(
            text in "[a-cé\\-@.Ж-Й王小明김]{0,12}",
            needle in "[a-cé\\-@.Ж-Й王小明김]{1,2}",
        ) {
            prop_assert_eq!(short_grams(&text).contains(&needle), text.contains(needle.as_str()));
            for gram in short_grams(&text) {
                prop_assert!(text.contains(gram.as_str()));
                prop_assert!((1..=SHORT_SEARCH_MAX).contains(&gram.chars().count()));
            }
        }
    }

    #[test]
    fn cursors_come_back_from_their_text_with_the_same_kind_of_value() {
        let id = UserId::from_uuid(uuid::Uuid::from_u128(7));
        let at = "2026-01-05T09:00:00Z".parse().unwrap();
        for value in [SortValue::Time(at), SortValue::Text("2026-01-05T09:00:00Z".into())] {
            let cursor = UserCursor { value, id };
            assert_eq!(UserCursor::decode(&cursor.encode()).unwrap(), cursor);
        }
        assert!(UserCursor::decode("not a cursor").is_err());
    }

    #[test]
    fn a_search_is_folded_and_refuses_control_characters() {
        let term = SearchTerm::parse("  CÉLINE ").unwrap().unwrap();
        assert_eq!(term.as_str(), "celine");
        assert_eq!(
            UserFilter::default().with_search_term(Some(term)),
            UserFilter::default().with_search("CÉLINE")
        );
        assert_eq!(SearchTerm::parse("   "), Ok(None));
        assert_eq!(SearchTerm::parse(""), Ok(None));
        assert_eq!(SearchTerm::parse("100% _sure_"), Ok(Some(SearchTerm("100% _sure_".into()))));
        for typed in ["\0", "ana\0", "ana\nsilva", "\u{7f}", "ana\u{85}", "\t"] {
            assert_eq!(SearchTerm::parse(typed), Err(SearchTermError::ControlCharacter), "{typed:?}");
        }
    }

    #[test]
    fn a_column_choice_keeps_its_order_and_refuses_unknown_repeated_or_no_columns() {
        let choice = ColumnChoice::parse(" role, name ,email").unwrap();
        assert_eq!(choice.columns(), &[UserColumn::Role, UserColumn::Name, UserColumn::Email]);
        assert_eq!(choice.to_string(), "role,name,email");
        assert_eq!(ColumnChoice::parse(&ColumnChoice::all().to_string()).unwrap(), ColumnChoice::all());
        assert_eq!(
            ColumnChoice::parse("name,password_hash"),
            Err(ColumnChoiceError::Unknown("password_hash".into()))
        );
        assert_eq!(ColumnChoice::parse("name,name"), Err(ColumnChoiceError::Repeated("name")));
        assert_eq!(ColumnChoice::parse(" , "), Err(ColumnChoiceError::Empty));
    }
}
