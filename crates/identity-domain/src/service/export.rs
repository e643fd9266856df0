//! The users list as a CSV download: the whole filtered list with the
//! chosen columns, read from storage in keyset batches so that memory does
//! not grow with the number of users, quoted as RFC 4180 says, in UTF-8,
//! with every cell a spreadsheet would run as a formula neutralised.

use super::{Caller, IdentityService};
use crate::audit::{AuditAction, Target};
use crate::error::{AccessError, StoreError};
use crate::ids::PracticeId;
use crate::listing::{CatalogueNames, ColumnChoice, UserQuery};
use crate::permission::Permission;
use crate::ports::{Access, UnitOfWork};
use std::borrow::Cow;

/// Users read from storage per batch of an export: large enough that an
/// export of 100,000 users takes 100 short reads, small enough that a batch
/// is a few hundred kilobytes.
pub const EXPORT_BATCH: u32 = 1000;

/// The byte-order mark that opens the file, so that spreadsheet programs
/// read it as UTF-8 rather than a legacy code page. CSV readers skip it.
const UTF8_BOM: &[u8] = "\u{feff}".as_bytes();

/// Why an export could not start.
#[derive(Debug, thiserror::Error)]
pub enum ExportUsersError {
    /// The caller may not download the users list.
    #[error(transparent)]
    Access(#[from] AccessError),
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What a spreadsheet shows for `cell`: a cell beginning with `=`, `+`,
/// `-`, `@`, tab, carriage return or NUL would be read as a formula (or
/// start one), so it gets a leading `'`, which spreadsheets show as text.
///
/// ```
/// use identity_domain::neutralise_formula;
/// assert_eq!(neutralise_formula("=HYPERLINK(\"http://evil\")"), "'=HYPERLINK(\"http://evil\")");
/// assert_eq!(neutralise_formula("Ana-Maria"), "Ana-Maria");
/// ```
pub fn neutralise_formula(cell: &str) -> Cow<'_, str> {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r' | '\0') => Cow::Owned(format!("'{cell}")),
        _ => Cow::Borrowed(cell),
    }
}

/// An export under way: call [`UserExport::next_chunk`] until it gives
/// `None`, and send each chunk on as it comes. The first chunk holds the
/// header row; every other one holds up to [`EXPORT_BATCH`] rows.
///
/// Each batch is read in its own short unit of work, continuing after the
/// last row sent, so a long download never holds a transaction open. A user
/// added or changed during the download appears at most once.
pub struct UserExport {
    service: IdentityService,
    practice: PracticeId,
    query: UserQuery,
    columns: ColumnChoice,
    names: CatalogueNames,
    rows: u64,
    state: State,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Header,
    Rows,
    Done,
}

impl std::fmt::Debug for UserExport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserExport")
            .field("practice", &self.practice)
            .field("columns", &self.columns)
            .field("rows", &self.rows)
            .field("state", &self.state)
            .finish_non_exhaustive()
    }
}

impl IdentityService {
    /// Starts a CSV download of every user `query.filter` selects, in the
    /// order of `query.sort` and `query.direction`, starting after
    /// `query.after` when given (`query.limit` plays no part), with the
    /// `columns` chosen. Needs `users.export`; the download is recorded in
    /// the audit log, with its filter and columns, before any row is read.
    ///
    /// # Errors
    /// [`ExportUsersError`].
    pub async fn export_users(
        &self,
        caller: &Caller,
        query: &UserQuery,
        columns: ColumnChoice,
    ) -> Result<UserExport, ExportUsersError> {
        caller.require(Permission::UsersExport)?;
        let columns_named = &columns;
        let names = self
            .write(|| async move {
                let mut uow = self.begin(Access::Write).await?;
                let names = names_of(uow.as_mut(), caller.practice()).await?;
                let filter = &query.filter;
                let details = serde_json::json!({
                    "columns": columns_named.to_string(),
                    "sort": query.sort.as_str(),
                    "direction": query.direction,
                    "filter": {
                        "statuses": filter.statuses.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
                        "role": filter.role,
                        "profile": filter.profile,
                        "site": filter.site,
                        "language": filter.language.as_ref().map(|l| l.as_str()),
                        "search": filter.search,
                    },
                });
                let target = Some(Target::Practice(caller.practice()));
                self.audit(
                    uow.as_mut(),
                    &caller.origin(),
                    AuditAction::UsersExported,
                    target,
                    None,
                    Some(details),
                )
                .await?;
                uow.commit().await?;
                Ok::<_, ExportUsersError>(names)
            })
            .await?;
        Ok(UserExport {
            service: self.clone(),
            practice: caller.practice(),
            query: UserQuery { limit: EXPORT_BATCH, ..query.clone() },
            columns,
            names,
            rows: 0,
            state: State::Header,
        })
    }
}

impl UserExport {
    /// The columns of the download, in order.
    pub fn columns(&self) -> &ColumnChoice {
        &self.columns
    }

    /// How many user rows the chunks given so far hold.
    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// The next piece of the file, or `None` once it is complete.
    ///
    /// # Errors
    /// [`StoreError`] when a batch cannot be read; the download is then
    /// incomplete and must not be presented as whole.
    pub async fn next_chunk(&mut self) -> Result<Option<Vec<u8>>, StoreError> {
        let csv = match self.state {
            State::Done => return Ok(None),
            State::Header => {
                self.state = State::Rows;
                let mut csv = writer(UTF8_BOM.to_vec());
                csv.write_record(self.columns.columns().iter().map(|c| c.as_str())).map_err(encoding)?;
                csv
            }
            State::Rows => {
                let mut csv = writer(Vec::new());
                self.write_batch(&mut csv).await?;
                csv
            }
        };
        let chunk = csv.into_inner().map_err(|e| encoding(e.into_error().into()))?;
        Ok(Some(chunk))
    }

    async fn write_batch(&mut self, csv: &mut csv::Writer<Vec<u8>>) -> Result<(), StoreError> {
        let mut uow = self.service.begin(Access::Read).await?;
        let page = uow.users().list_columns(self.practice, &self.query).await?;
        if page.items.iter().any(|row| !self.names.knows(&row.user)) {
            // A role, profile or site created since the download started.
            self.names = names_of(uow.as_mut(), self.practice).await?;
        }
        uow.commit().await?;
        for row in &page.items {
            let cells = self.columns.columns().iter().map(|c| c.value(row, &self.names));
            csv.write_record(cells.map(|cell| neutralise_formula(&cell).into_owned())).map_err(encoding)?;
        }
        self.rows += page.items.len() as u64;
        match page.next {
            Some(next) => self.query.after = Some(next),
            None => self.state = State::Done,
        }
        Ok(())
    }
}

/// The names of the practice's roles, profiles and sites, for the columns
/// that show them.
async fn names_of(uow: &mut dyn UnitOfWork, practice: PracticeId) -> Result<CatalogueNames, StoreError> {
    let roles = uow.roles().list_roles(practice).await?;
    let profiles = uow.roles().list_profiles(practice).await?;
    let sites = uow.sites().list(practice).await?;
    Ok(CatalogueNames {
        roles: roles.into_iter().map(|r| (r.id, r.name.into())).collect(),
        profiles: profiles.into_iter().map(|p| (p.id, p.name.into())).collect(),
        sites: sites.into_iter().map(|s| (s.id, s.name.into())).collect(),
    })
}

/// An RFC 4180 writer (quotes where needed, quotes doubled, CRLF) that
/// appends to `buffer`.
fn writer(buffer: Vec<u8>) -> csv::Writer<Vec<u8>> {
    csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(buffer)
}

/// Writing CSV into memory fails only if the writer is misused.
fn encoding(error: csv::Error) -> StoreError {
    StoreError::Internal(format!("cannot write the CSV: {error}"))
}
