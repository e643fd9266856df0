//! Cases: creating, assigning, closing, listing and bulk reassignment.

use super::{Caller, IdentityService};
use crate::audit::{AuditAction, Target};
use crate::case::{Case, CaseStatus};
use crate::error::{AccessError, StoreError};
use crate::ids::{CaseId, PracticeId, UserId};
use crate::permission::Permission;
use crate::person::Label;
use crate::ports::{Access, UnitOfWork};
use crate::user::UserStatus;
use serde_json::json;

/// Why a user cannot be given cases.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AssigneeError {
    /// No such user in the practice.
    #[error("no such user to assign to")]
    NotFound,
    /// Only active users can be assigned cases.
    #[error("cases can only be assigned to active users; this one is {status}")]
    NotActive {
        /// Their status.
        status: UserStatus,
    },
    /// The user's role and profiles do not include `cases.own`.
    #[error("the user does not have the cases.own permission")]
    CannotOwnCases,
    /// Cases cannot be reassigned to the user they come from.
    #[error("cases cannot be reassigned to the user who already owns them")]
    SameUser,
}

/// Why a case was not opened. Nothing changed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CreateCaseError {
    /// The caller may not open this case.
    #[error(transparent)]
    Access(#[from] AccessError),
    /// The owner named cannot own cases.
    #[error(transparent)]
    Assignee(#[from] AssigneeError),
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Why a case was not given to another owner. Nothing changed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AssignCaseError {
    /// The caller may not assign cases.
    #[error(transparent)]
    Access(#[from] AccessError),
    /// No such case in the caller's practice.
    #[error("no such case")]
    CaseNotFound,
    /// The case is closed.
    #[error("the case is closed")]
    CaseClosed,
    /// The new owner cannot own cases.
    #[error(transparent)]
    Assignee(#[from] AssigneeError),
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Why a case was not closed. Nothing changed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CloseCaseError {
    /// The caller may not close this case.
    #[error(transparent)]
    Access(#[from] AccessError),
    /// No such case in the caller's practice.
    #[error("no such case")]
    CaseNotFound,
    /// The case is closed already.
    #[error("the case is closed")]
    CaseClosed,
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Why a case could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReadCaseError {
    /// The caller may not read this case.
    #[error(transparent)]
    Access(#[from] AccessError),
    /// No such case in the caller's practice.
    #[error("no such case")]
    CaseNotFound,
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Why a user's cases could not be listed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ListCasesError {
    /// The caller may not read this user's cases.
    #[error(transparent)]
    Access(#[from] AccessError),
    /// No such user in the caller's practice.
    #[error("no such user")]
    UserNotFound,
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Why a user's open cases were not moved. No case moved.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReassignCasesError {
    /// The caller may not assign cases.
    #[error(transparent)]
    Access(#[from] AccessError),
    /// No such user (the one cases are moved from) in the caller's practice.
    #[error("no such user")]
    UserNotFound,
    /// A selected case is not an open case of the user cases are moved from.
    #[error("case {0} is not an open case of that user")]
    NotAnOpenCaseOf(CaseId),
    /// The new owner cannot own cases.
    #[error(transparent)]
    Assignee(#[from] AssigneeError),
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Which of a user's open cases to move.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CaseSelection {
    /// All of them.
    AllOpen,
    /// These (each must be an open case of the user).
    Only(Vec<CaseId>),
}

impl IdentityService {
    /// Checks that `id` may be given cases: an active user of the practice
    /// holding `cases.own`.
    pub(super) async fn check_assignee<E: From<AssigneeError> + From<StoreError>>(
        &self,
        uow: &mut dyn UnitOfWork,
        practice: PracticeId,
        id: UserId,
    ) -> Result<(), E> {
        let user = uow.users().get(practice, id).await?.ok_or(AssigneeError::NotFound)?;
        if user.status != UserStatus::Active {
            return Err(AssigneeError::NotActive { status: user.status }.into());
        }
        if !self.grants_of(uow, &user).await?.allows(Permission::CasesOwn) {
            return Err(AssigneeError::CannotOwnCases.into());
        }
        Ok(())
    }

    /// Opens a case owned by `owner`. Needs `cases.assign`, or `cases.own`
    /// to open one for oneself.
    ///
    /// # Errors
    /// [`CreateCaseError`].
    pub async fn create_case(
        &self,
        caller: &Caller,
        title: Label,
        owner: UserId,
    ) -> Result<Case, CreateCaseError> {
        if owner == caller.user() && caller.may(Permission::CasesOwn) {
            caller.require(Permission::CasesOwn)?;
        } else {
            caller.require(Permission::CasesAssign)?;
        }
        self.write(|| {
            let title = title.clone();
            async move {
                let mut uow = self.begin(Access::Write).await?;
                self.check_assignee::<CreateCaseError>(uow.as_mut(), caller.practice(), owner).await?;
                let now = self.now();
                let case = Case {
                    id: self.new_id(),
                    practice: caller.practice(),
                    title,
                    status: CaseStatus::Open,
                    owner,
                    created_at: now,
                    updated_at: now,
                };
                uow.cases().insert(&case).await?;
                let after = json!({ "title": case.title, "owner": owner, "status": case.status });
                self.audit(
                    uow.as_mut(),
                    &caller.origin(),
                    AuditAction::CaseCreated,
                    Some(Target::Case(case.id)),
                    None,
                    Some(after),
                )
                .await?;
                uow.commit().await?;
                Ok(case)
            }
        })
        .await
    }

    /// Gives an open case to another owner (needs `cases.assign`).
    ///
    /// # Errors
    /// [`AssignCaseError`]; an inactive user or one without `cases.own` is
    /// refused.
    pub async fn assign_case(
        &self,
        caller: &Caller,
        id: CaseId,
        to: UserId,
    ) -> Result<Case, AssignCaseError> {
        caller.require(Permission::CasesAssign)?;
        self.write(|| async move {
            let mut uow = self.begin(Access::Write).await?;
            let mut case =
                uow.cases().get(caller.practice(), id).await?.ok_or(AssignCaseError::CaseNotFound)?;
            if case.status == CaseStatus::Closed {
                return Err(AssignCaseError::CaseClosed);
            }
            self.check_assignee::<AssignCaseError>(uow.as_mut(), caller.practice(), to).await?;
            let before = json!({ "owner": case.owner });
            case.owner = to;
            case.updated_at = self.now();
            uow.cases().update(&case).await?;
            self.audit(
                uow.as_mut(),
                &caller.origin(),
                AuditAction::CaseAssigned,
                Some(Target::Case(id)),
                Some(before),
                Some(json!({ "owner": to })),
            )
            .await?;
            uow.commit().await?;
            Ok(case)
        })
        .await
    }

    /// Closes a case (needs `cases.assign`, or owning it).
    ///
    /// # Errors
    /// [`CloseCaseError`].
    pub async fn close_case(&self, caller: &Caller, id: CaseId) -> Result<Case, CloseCaseError> {
        caller.require_full_session()?;
        self.write(|| async move {
            let mut uow = self.begin(Access::Write).await?;
            let mut case =
                uow.cases().get(caller.practice(), id).await?.ok_or(CloseCaseError::CaseNotFound)?;
            if case.owner != caller.user() {
                caller.require(Permission::CasesAssign)?;
            }
            if case.status == CaseStatus::Closed {
                return Err(CloseCaseError::CaseClosed);
            }
            case.status = CaseStatus::Closed;
            case.updated_at = self.now();
            uow.cases().update(&case).await?;
            self.audit(
                uow.as_mut(),
                &caller.origin(),
                AuditAction::CaseClosed,
                Some(Target::Case(id)),
                Some(json!({ "status": CaseStatus::Open })),
                Some(json!({ "status": CaseStatus::Closed })),
            )
            .await?;
            uow.commit().await?;
            Ok(case)
        })
        .await
    }

    /// One case (needs `cases.read`, or owning it).
    ///
    /// # Errors
    /// [`ReadCaseError`].
    pub async fn get_case(&self, caller: &Caller, id: CaseId) -> Result<Case, ReadCaseError> {
        caller.require_full_session()?;
        let mut uow = self.begin(Access::Read).await?;
        let case = uow.cases().get(caller.practice(), id).await?.ok_or(ReadCaseError::CaseNotFound)?;
        if case.owner != caller.user() {
            caller.require(Permission::CasesRead)?;
        }
        Ok(case)
    }

    /// A user's cases, optionally of one status (the "Assigned cases" tab).
    /// Needs `cases.read`, or being that user.
    ///
    /// # Errors
    /// [`ListCasesError`].
    pub async fn list_cases(
        &self,
        caller: &Caller,
        owner: UserId,
        status: Option<CaseStatus>,
    ) -> Result<Vec<Case>, ListCasesError> {
        caller.require_self_or(owner, Permission::CasesRead)?;
        let mut uow = self.begin(Access::Read).await?;
        uow.users().get(caller.practice(), owner).await?.ok_or(ListCasesError::UserNotFound)?;
        Ok(uow.cases().list_by_owner(caller.practice(), owner, status).await?)
    }

    /// Moves some or all open cases of `from` to `to`, all in one unit of
    /// work (needs `cases.assign`). Returns the cases moved.
    ///
    /// # Errors
    /// [`ReassignCasesError`]; then no case moved.
    pub async fn reassign_cases(
        &self,
        caller: &Caller,
        from: UserId,
        to: UserId,
        selection: CaseSelection,
    ) -> Result<Vec<CaseId>, ReassignCasesError> {
        caller.require(Permission::CasesAssign)?;
        self.write(|| {
            let selection = selection.clone();
            async move {
                let mut uow = self.begin(Access::Write).await?;
                uow.users().get(caller.practice(), from).await?.ok_or(ReassignCasesError::UserNotFound)?;
                let choose = |open| chosen(open, &selection);
                let moved = self.move_open_cases(uow.as_mut(), caller, from, to, choose).await?;
                uow.commit().await?;
                Ok(moved)
            }
        })
        .await
    }

    /// Moves the open cases of `from` that `choose` picks to `to` inside
    /// the caller's unit of work and audits the move; nothing is committed
    /// here.
    pub(super) async fn move_open_cases<E, F>(
        &self,
        uow: &mut dyn UnitOfWork,
        caller: &Caller,
        from: UserId,
        to: UserId,
        choose: F,
    ) -> Result<Vec<CaseId>, E>
    where
        E: From<AssigneeError> + From<StoreError>,
        F: FnOnce(Vec<Case>) -> Result<Vec<Case>, E>,
    {
        if from == to {
            return Err(AssigneeError::SameUser.into());
        }
        self.check_assignee::<E>(uow, caller.practice(), to).await?;
        let open = uow.cases().list_by_owner(caller.practice(), from, Some(CaseStatus::Open)).await?;
        let chosen = choose(open)?;
        let now = self.now();
        for mut case in chosen.iter().cloned() {
            case.owner = to;
            case.updated_at = now;
            uow.cases().update(&case).await?;
        }
        let ids: Vec<CaseId> = chosen.iter().map(|c| c.id).collect();
        if !ids.is_empty() {
            self.audit(
                uow,
                &caller.origin(),
                AuditAction::CasesReassigned,
                Some(Target::User(from)),
                Some(json!({ "owner": from })),
                Some(json!({ "owner": to, "cases": ids })),
            )
            .await?;
        }
        Ok(ids)
    }
}

/// The cases `selection` picks among a user's `open` cases, each once.
fn chosen(open: Vec<Case>, selection: &CaseSelection) -> Result<Vec<Case>, ReassignCasesError> {
    match selection {
        CaseSelection::AllOpen => Ok(open),
        CaseSelection::Only(ids) => {
            let mut chosen: Vec<Case> = Vec::with_capacity(ids.len());
            for id in ids {
                let case =
                    open.iter().find(|c| c.id == *id).ok_or(ReassignCasesError::NotAnOpenCaseOf(*id))?;
                if !chosen.iter().any(|c| c.id == *id) {
                    chosen.push(case.clone());
                }
            }
            Ok(chosen)
        }
    }
}
