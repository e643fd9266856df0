//! The answer to every domain error: one `From` per error enum, an
//! exhaustive `match` per enum, so a new variant does not compile until it
//! has its answer here (and its kind in [`super::openapi`]'s lists).

use super::{ApiError, ProblemKind};
use identity_domain::*;

mod factors;
mod parties;

impl From<AccessError> for ApiError {
    fn from(e: AccessError) -> Self {
        match e {
            AccessError::Forbidden(p) => {
                Self::new(ProblemKind::Forbidden, e.to_string()).with("permission", p)
            }
            AccessError::PasswordChangeRequired => {
                Self::new(ProblemKind::PasswordChangeRequired, e.to_string())
            }
            AccessError::SecondFactorRequired => Self::new(ProblemKind::SecondFactorRequired, e.to_string()),
            AccessError::EnrolmentRequired => Self::new(ProblemKind::EnrolmentRequired, e.to_string()),
        }
    }
}

impl From<TargetError> for ApiError {
    fn from(e: TargetError) -> Self {
        match e {
            TargetError::TargetOutranksCaller { super_admin, missing } => {
                Self::new(ProblemKind::TargetOutranksCaller, e.to_string())
                    .with("super_admin", super_admin)
                    .with("missing", missing)
            }
            TargetError::UseSelfService => Self::new(ProblemKind::UseSelfService, e.to_string()),
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict(Conflict::Stale) => {
                Self::new(ProblemKind::VersionMismatch, "the record changed since you read it; read it again")
            }
            StoreError::Conflict(Conflict::EmailTaken) => {
                Self::new(ProblemKind::EmailPreviouslyUsed, e.to_string()).at("email")
            }
            StoreError::Conflict(Conflict::NameTaken) => {
                Self::new(ProblemKind::NameTaken, e.to_string()).at("name")
            }
            // Enrolling a passkey turns it into its own refusal; nothing
            // else inserts one.
            StoreError::Conflict(Conflict::CredentialTaken) => Self::internal(&e.to_string()),
            StoreError::Unavailable(cause) => {
                tracing::error!(cause = %cause, "storage unavailable");
                Self::new(ProblemKind::StorageUnavailable, "the database did not answer").retry_after(5)
            }
            // Trying again cannot help: 500, the cause logged, not sent.
            StoreError::Internal(cause) => Self::internal(&cause),
            StoreError::Contended(cause) => {
                tracing::warn!(cause = %cause, "a change kept racing others and was given up");
                Self::new(ProblemKind::StorageUnavailable, "too many changes at once; try again")
                    .retry_after(1)
            }
        }
    }
}

impl From<HashError> for ApiError {
    fn from(e: HashError) -> Self {
        match e {
            HashError::Busy => {
                Self::new(ProblemKind::Busy, "too many sign-ins at once; try again in a second")
                    .retry_after(1)
            }
            HashError::Failed(cause) => Self::internal(&cause),
        }
    }
}

impl From<SessionError> for ApiError {
    fn from(e: SessionError) -> Self {
        match e {
            SessionError::Invalid => Self::unauthenticated(),
            SessionError::Store(e) => e.into(),
        }
    }
}

impl From<SignInError> for ApiError {
    fn from(e: SignInError) -> Self {
        match e {
            SignInError::Failed => Self::new(ProblemKind::SignInFailed, e.to_string()),
            SignInError::PasswordTooLong => Self::invalid("password", e),
            SignInError::Hash(e) => e.into(),
            SignInError::Store(e) => e.into(),
        }
    }
}

impl From<PasswordRejection> for ApiError {
    fn from(e: PasswordRejection) -> Self {
        let reason = match e {
            PasswordRejection::TooShort { .. } => "too_short",
            PasswordRejection::TooLong => "too_long",
            PasswordRejection::Common => "common",
            PasswordRejection::Repeated => "repeated",
            PasswordRejection::KeyboardRow => "keyboard_row",
            PasswordRejection::Sequence => "sequence",
            PasswordRejection::ContainsPracticeName => "contains_practice_name",
            PasswordRejection::ContainsEmail => "contains_email",
            PasswordRejection::ContainsName => "contains_name",
            PasswordRejection::SameAsCurrent => "same_as_current",
        };
        Self::new(ProblemKind::PasswordRejected, e.to_string()).at("password").with("reason", reason)
    }
}

impl From<GrantError> for ApiError {
    fn from(e: GrantError) -> Self {
        let detail = e.to_string();
        match e {
            GrantError::UnknownRole => Self::invalid("role", detail),
            GrantError::UnknownProfile => Self::invalid("profiles", detail),
            GrantError::CannotGrant { missing } => {
                Self::new(ProblemKind::CannotGrant, detail).with("missing", missing)
            }
            GrantError::SuperAdminOnly => Self::new(ProblemKind::SuperAdminOnly, detail),
            GrantError::SuperAdminCapReached { cap } => {
                Self::new(ProblemKind::SuperAdminCapReached, detail).with("cap", cap)
            }
        }
    }
}

fn email_previously_used(holder: UserId, status: UserStatus) -> ApiError {
    ApiError::new(
        ProblemKind::EmailPreviouslyUsed,
        format!("this email belongs or belonged to another user ({status}); reactivate them instead"),
    )
    .at("email")
    .with("holder", holder)
    .with("holder_status", status)
}

impl From<CreateUserError> for ApiError {
    fn from(e: CreateUserError) -> Self {
        match e {
            CreateUserError::Access(e) => e.into(),
            CreateUserError::EmailPreviouslyUsed { holder, status } => email_previously_used(holder, status),
            CreateUserError::Grant(e) => e.into(),
            CreateUserError::UnknownSite => Self::invalid("sites", e),
            // The typed password travels in `credential`.
            CreateUserError::Password(e) => Self::from(e).at("credential.password"),
            CreateUserError::Hash(e) => e.into(),
            CreateUserError::Store(e) => e.into(),
        }
    }
}

impl From<UpdateUserError> for ApiError {
    fn from(e: UpdateUserError) -> Self {
        match e {
            UpdateUserError::Access(e) => e.into(),
            UpdateUserError::Target(e) => e.into(),
            UpdateUserError::UserNotFound => Self::not_found("user"),
            UpdateUserError::VersionMismatch { current } => version_mismatch(e.to_string(), current),
            UpdateUserError::UnknownSite => Self::invalid("sites", e),
            UpdateUserError::Store(e) => e.into(),
        }
    }
}

impl From<ChangeEmailError> for ApiError {
    fn from(e: ChangeEmailError) -> Self {
        match e {
            ChangeEmailError::Access(e) => e.into(),
            ChangeEmailError::Target(e) => e.into(),
            ChangeEmailError::UserNotFound => Self::not_found("user"),
            ChangeEmailError::VersionMismatch { current } => version_mismatch(e.to_string(), current),
            ChangeEmailError::EmailPreviouslyUsed { holder, status } => email_previously_used(holder, status),
            ChangeEmailError::WrongPassword => Self::invalid("current_password", e),
            ChangeEmailError::TooManyAttempts { retry_after } => too_many_attempts(retry_after),
            ChangeEmailError::Hash(e) => e.into(),
            ChangeEmailError::Store(e) => e.into(),
        }
    }
}

impl From<SetAccessError> for ApiError {
    fn from(e: SetAccessError) -> Self {
        match e {
            SetAccessError::Access(e) => e.into(),
            SetAccessError::Target(e) => e.into(),
            SetAccessError::UserNotFound => Self::not_found("user"),
            SetAccessError::VersionMismatch { current } => version_mismatch(e.to_string(), current),
            SetAccessError::Grant(e) => e.into(),
            SetAccessError::LastSuperAdmin => Self::new(ProblemKind::LastSuperAdmin, e.to_string()),
            SetAccessError::Store(e) => e.into(),
        }
    }
}

fn version_mismatch(detail: String, current: u64) -> ApiError {
    ApiError::new(ProblemKind::VersionMismatch, detail).with("current_version", current)
}

impl From<InvitationError> for ApiError {
    fn from(e: InvitationError) -> Self {
        match e {
            InvitationError::Access(e) => e.into(),
            InvitationError::Target(e) => e.into(),
            InvitationError::UserNotFound => Self::not_found("user"),
            InvitationError::NotInvited { status } => {
                Self::new(ProblemKind::NotInvited, e.to_string()).with("user_status", status)
            }
            InvitationError::Store(e) => e.into(),
        }
    }
}

impl From<ReadUsersError> for ApiError {
    fn from(e: ReadUsersError) -> Self {
        match e {
            ReadUsersError::Access(e) => e.into(),
            ReadUsersError::UserNotFound => Self::not_found("user"),
            ReadUsersError::Store(e) => e.into(),
        }
    }
}

impl From<ListUsersError> for ApiError {
    fn from(e: ListUsersError) -> Self {
        match e {
            ListUsersError::Access(e) => e.into(),
            ListUsersError::Store(e) => e.into(),
        }
    }
}

impl From<ExportUsersError> for ApiError {
    fn from(e: ExportUsersError) -> Self {
        match e {
            ExportUsersError::Access(e) => e.into(),
            ExportUsersError::Store(e) => e.into(),
        }
    }
}

impl From<AssigneeError> for ApiError {
    fn from(e: AssigneeError) -> Self {
        let kind = match e {
            AssigneeError::NotFound => ProblemKind::AssigneeNotFound,
            AssigneeError::NotActive { .. } => ProblemKind::AssigneeNotActive,
            AssigneeError::CannotOwnCases => ProblemKind::AssigneeCannotOwnCases,
            AssigneeError::SameUser => ProblemKind::AssigneeSameUser,
        };
        Self::new(kind, e.to_string())
    }
}

impl From<DeactivateError> for ApiError {
    fn from(e: DeactivateError) -> Self {
        match e {
            DeactivateError::Access(e) => e.into(),
            DeactivateError::Target(e) => e.into(),
            DeactivateError::UserNotFound => Self::not_found("user"),
            DeactivateError::SelfDeactivation => Self::new(ProblemKind::SelfDeactivation, e.to_string()),
            DeactivateError::Transition(t) => illegal_transition(t),
            DeactivateError::LastSuperAdmin => Self::new(ProblemKind::LastSuperAdmin, e.to_string()),
            DeactivateError::OwnsOpenCases { count } => {
                Self::new(ProblemKind::OwnsOpenCases, e.to_string()).with("count", count)
            }
            DeactivateError::Assignee(e) => Self::from(e).at("reassign_to"),
            DeactivateError::Store(e) => e.into(),
        }
    }
}

fn illegal_transition(t: IllegalTransition) -> ApiError {
    ApiError::new(ProblemKind::IllegalTransition, t.to_string()).with("user_status", t.from)
}

impl From<ReactivateError> for ApiError {
    fn from(e: ReactivateError) -> Self {
        match e {
            ReactivateError::Access(e) => e.into(),
            ReactivateError::Target(e) => e.into(),
            ReactivateError::UserNotFound => Self::not_found("user"),
            ReactivateError::Transition(t) => illegal_transition(t),
            ReactivateError::SuperAdminCapReached { cap } => {
                Self::new(ProblemKind::SuperAdminCapReached, e.to_string()).with("cap", cap)
            }
            ReactivateError::Store(e) => e.into(),
        }
    }
}

impl From<SignOutError> for ApiError {
    fn from(e: SignOutError) -> Self {
        match e {
            SignOutError::Access(e) => e.into(),
            SignOutError::Target(e) => e.into(),
            SignOutError::UserNotFound => Self::not_found("user"),
            SignOutError::Store(e) => e.into(),
        }
    }
}

// The field an assignee refusal names depends on the route (`owner`,
// `to`): the routes add it.

impl From<CreateCaseError> for ApiError {
    fn from(e: CreateCaseError) -> Self {
        match e {
            CreateCaseError::Access(e) => e.into(),
            CreateCaseError::Assignee(e) => e.into(),
            CreateCaseError::Store(e) => e.into(),
        }
    }
}

impl From<AssignCaseError> for ApiError {
    fn from(e: AssignCaseError) -> Self {
        match e {
            AssignCaseError::Access(e) => e.into(),
            AssignCaseError::CaseNotFound => Self::not_found("case"),
            AssignCaseError::CaseClosed => Self::new(ProblemKind::CaseClosed, e.to_string()),
            AssignCaseError::Assignee(e) => e.into(),
            AssignCaseError::Store(e) => e.into(),
        }
    }
}

impl From<CloseCaseError> for ApiError {
    fn from(e: CloseCaseError) -> Self {
        match e {
            CloseCaseError::Access(e) => e.into(),
            CloseCaseError::CaseNotFound => Self::not_found("case"),
            CloseCaseError::CaseClosed => Self::new(ProblemKind::CaseClosed, e.to_string()),
            CloseCaseError::Store(e) => e.into(),
        }
    }
}

impl From<ReadCaseError> for ApiError {
    fn from(e: ReadCaseError) -> Self {
        match e {
            ReadCaseError::Access(e) => e.into(),
            ReadCaseError::CaseNotFound => Self::not_found("case"),
            ReadCaseError::Store(e) => e.into(),
        }
    }
}

impl From<ListCasesError> for ApiError {
    fn from(e: ListCasesError) -> Self {
        match e {
            ListCasesError::Access(e) => e.into(),
            ListCasesError::UserNotFound => Self::not_found("user"),
            ListCasesError::Store(e) => e.into(),
        }
    }
}

impl From<ReassignCasesError> for ApiError {
    fn from(e: ReassignCasesError) -> Self {
        match e {
            ReassignCasesError::Access(e) => e.into(),
            ReassignCasesError::UserNotFound => Self::not_found("user"),
            ReassignCasesError::NotAnOpenCaseOf(id) => Self::invalid("cases", e).with("case", id),
            ReassignCasesError::Assignee(e) => e.into(),
            ReassignCasesError::Store(e) => e.into(),
        }
    }
}

impl From<ResetPasswordError> for ApiError {
    fn from(e: ResetPasswordError) -> Self {
        match e {
            ResetPasswordError::Access(e) => e.into(),
            ResetPasswordError::Target(e) => e.into(),
            ResetPasswordError::UserNotFound => Self::not_found("user"),
            ResetPasswordError::NotActive { status } => {
                Self::new(ProblemKind::UserNotActive, e.to_string()).with("user_status", status)
            }
            ResetPasswordError::Password(e) => e.into(),
            ResetPasswordError::Hash(e) => e.into(),
            ResetPasswordError::Store(e) => e.into(),
        }
    }
}

impl From<LinkError> for ApiError {
    fn from(e: LinkError) -> Self {
        match e {
            LinkError::InvalidLink => Self::new(ProblemKind::InvalidLink, e.to_string()).at("token"),
            LinkError::Password(e) => e.into(),
            LinkError::Hash(e) => e.into(),
            LinkError::Store(e) => e.into(),
        }
    }
}

/// 429 for a current password refused unchecked after too many wrong
/// passwords: with `Retry-After` while throttled, `locked` when locked.
pub(super) fn too_many_attempts(retry_after: Option<u64>) -> ApiError {
    let error = ApiError::new(
        ProblemKind::TooManyAttempts,
        match retry_after {
            Some(seconds) => format!("too many wrong passwords; try again in {seconds} s"),
            None => "too many wrong passwords: an administrator must reset your password".to_owned(),
        },
    )
    .at("current_password")
    .with("locked", retry_after.is_none());
    match retry_after {
        Some(seconds) => error.retry_after(seconds),
        None => error,
    }
}

impl From<EditUserError> for ApiError {
    fn from(e: EditUserError) -> Self {
        match e {
            EditUserError::Update(e) => e.into(),
            EditUserError::Deactivate(e) => e.into(),
            EditUserError::Reactivate(e) => e.into(),
        }
    }
}

impl From<ChangePasswordError> for ApiError {
    fn from(e: ChangePasswordError) -> Self {
        match e {
            ChangePasswordError::WrongPassword => Self::invalid("current_password", e),
            ChangePasswordError::TooManyAttempts { retry_after } => too_many_attempts(retry_after),
            ChangePasswordError::Password(e) => e.into(),
            ChangePasswordError::Hash(e) => e.into(),
            ChangePasswordError::Store(e) => e.into(),
        }
    }
}

impl From<RoleError> for ApiError {
    fn from(e: RoleError) -> Self {
        match e {
            RoleError::Access(e) => e.into(),
            RoleError::NotFound => Self::not_found("role or profile"),
            RoleError::Builtin => Self::new(ProblemKind::Builtin, e.to_string()),
            RoleError::CannotGrant { missing } => {
                Self::new(ProblemKind::CannotGrant, e.to_string()).with("missing", missing)
            }
            RoleError::NameTaken => Self::new(ProblemKind::NameTaken, e.to_string()).at("name"),
            RoleError::Store(e) => e.into(),
        }
    }
}

impl From<CreateGrantError> for ApiError {
    fn from(e: CreateGrantError) -> Self {
        match e {
            CreateGrantError::Access(e) => e.into(),
            CreateGrantError::CannotGrant { missing } => {
                Self::new(ProblemKind::CannotGrant, e.to_string()).with("missing", missing)
            }
            CreateGrantError::NameTaken => Self::new(ProblemKind::NameTaken, e.to_string()).at("name"),
            CreateGrantError::Store(e) => e.into(),
        }
    }
}

impl From<ListRolesError> for ApiError {
    fn from(e: ListRolesError) -> Self {
        match e {
            ListRolesError::Access(e) => e.into(),
            ListRolesError::Store(e) => e.into(),
        }
    }
}

impl From<CreateSiteError> for ApiError {
    fn from(e: CreateSiteError) -> Self {
        match e {
            CreateSiteError::Access(e) => e.into(),
            CreateSiteError::NameTaken => Self::new(ProblemKind::NameTaken, e.to_string()).at("name"),
            CreateSiteError::Store(e) => e.into(),
        }
    }
}

impl From<UpdateSiteError> for ApiError {
    fn from(e: UpdateSiteError) -> Self {
        match e {
            UpdateSiteError::Access(e) => e.into(),
            UpdateSiteError::NotFound => Self::not_found("site"),
            UpdateSiteError::NameTaken => Self::new(ProblemKind::NameTaken, e.to_string()).at("name"),
            UpdateSiteError::Store(e) => e.into(),
        }
    }
}

impl From<ListSitesError> for ApiError {
    fn from(e: ListSitesError) -> Self {
        match e {
            ListSitesError::Access(e) => e.into(),
            ListSitesError::Store(e) => e.into(),
        }
    }
}

impl From<ReadLogError> for ApiError {
    fn from(e: ReadLogError) -> Self {
        match e {
            ReadLogError::Access(e) => e.into(),
            ReadLogError::Store(e) => e.into(),
        }
    }
}

impl From<RetryEmailError> for ApiError {
    fn from(e: RetryEmailError) -> Self {
        match e {
            RetryEmailError::Access(e) => e.into(),
            RetryEmailError::NotFound => Self::not_found("email"),
            RetryEmailError::NotFailed { status } => {
                Self::new(ProblemKind::EmailNotFailed, e.to_string()).with("email_status", status)
            }
            RetryEmailError::SecretRemoved { kind } => {
                Self::new(ProblemKind::EmailSecretRemoved, e.to_string()).with("kind", kind.as_str())
            }
            RetryEmailError::Store(e) => e.into(),
        }
    }
}

impl From<RetryFailedEmailsError> for ApiError {
    fn from(e: RetryFailedEmailsError) -> Self {
        match e {
            RetryFailedEmailsError::Access(e) => e.into(),
            RetryFailedEmailsError::Store(e) => e.into(),
        }
    }
}

impl From<UpdateSettingsError> for ApiError {
    fn from(e: UpdateSettingsError) -> Self {
        match e {
            UpdateSettingsError::Access(e) => e.into(),
            UpdateSettingsError::Settings(e) => e.into(),
            UpdateSettingsError::SuperAdminOnly => {
                Self::new(ProblemKind::SuperAdminOnly, e.to_string()).at("super_admin_cap")
            }
            UpdateSettingsError::Store(e) => e.into(),
        }
    }
}

impl From<SettingsError> for ApiError {
    fn from(e: SettingsError) -> Self {
        match e {
            SettingsError::CapTooLow | SettingsError::CapBelowHolders { .. } => {
                Self::invalid("super_admin_cap", e)
            }
            SettingsError::MinLengthOutOfRange => Self::invalid("password_min_length", e),
        }
    }
}

impl From<PortalError> for ApiError {
    fn from(e: PortalError) -> Self {
        match e {
            PortalError::SessionInvalid => Self::unauthenticated(),
            PortalError::Store(e) => e.into(),
        }
    }
}

impl From<PortalPasswordError> for ApiError {
    fn from(e: PortalPasswordError) -> Self {
        match e {
            PortalPasswordError::SessionInvalid => Self::unauthenticated(),
            PortalPasswordError::WrongPassword => Self::invalid("current_password", e),
            PortalPasswordError::TooManyAttempts { retry_after } => too_many_attempts(retry_after),
            PortalPasswordError::Password(e) => Self::from(e).at("new_password"),
            PortalPasswordError::Hash(e) => e.into(),
            PortalPasswordError::Store(e) => e.into(),
        }
    }
}
