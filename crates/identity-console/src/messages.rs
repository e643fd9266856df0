//! Every refusal of the domain as a readable message, and the form field it
//! belongs beside: one exhaustive `match` per error enum, so a new variant
//! does not compile until it has its message. Failures of storage or the
//! hasher are logged with their cause and shown without it.

use crate::i18n::{Text, fill};
use axum::http::StatusCode;
use identity_domain::*;

mod parties;

/// A refusal, ready to show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The form field it concerns (`None`: the whole form or page).
    pub field: Option<&'static str>,
    /// The message, in the viewer's language.
    pub text: String,
    /// The HTTP status of a page that shows only this problem.
    pub status: StatusCode,
    /// The user who holds a refused email: the page names them.
    pub holder: Option<UserId>,
}

impl Problem {
    /// A problem about `field`.
    pub fn at(field: &'static str, text: impl Into<String>) -> Self {
        Self { field: Some(field), text: text.into(), status: StatusCode::UNPROCESSABLE_ENTITY, holder: None }
    }

    /// A problem about the whole form or page.
    pub fn general(status: StatusCode, text: impl Into<String>) -> Self {
        Self { field: None, text: text.into(), status, holder: None }
    }

    fn conflict(field: &'static str, text: String) -> Self {
        Self { status: StatusCode::CONFLICT, ..Self::at(field, text) }
    }

    fn not_found(t: &Text) -> Self {
        Self::general(StatusCode::NOT_FOUND, t.err_not_found)
    }
}

/// A domain error as a [`Problem`].
pub trait Describe {
    /// The problem, in the language of `t`.
    fn describe(&self, t: &Text) -> Problem;
}

/// A status as people read it.
pub fn status_name(t: &Text, status: UserStatus) -> &'static str {
    match status {
        UserStatus::Invited => t.status_invited,
        UserStatus::Active => t.status_active,
        UserStatus::Inactive => t.status_inactive,
    }
}

fn unexpected(t: &Text, cause: &dyn std::fmt::Display) -> Problem {
    tracing::error!(error = %cause, "the console could not complete a request");
    Problem::general(StatusCode::INTERNAL_SERVER_ERROR, t.err_unexpected)
}

impl Describe for StoreError {
    fn describe(&self, t: &Text) -> Problem {
        match self {
            Self::Conflict(Conflict::Stale) => Problem::general(StatusCode::CONFLICT, t.err_version),
            Self::Conflict(Conflict::NameTaken) => Problem::conflict("name", t.err_name_taken.to_owned()),
            Self::Conflict(Conflict::EmailTaken) => {
                Problem::conflict("email", fill(t.err_email_used, &[("holder", "?"), ("status", "?")]))
            }
            Self::Conflict(Conflict::CredentialTaken) => {
                Problem::general(StatusCode::CONFLICT, t.mfa_passkey_refused)
            }
            // Retrying can help: the page says so, as the API's 503 does.
            Self::Unavailable(_) | Self::Contended(_) => {
                tracing::warn!(error = %self, "the console could not reach the records");
                Problem::general(StatusCode::SERVICE_UNAVAILABLE, t.err_unavailable)
            }
            Self::Internal(_) => unexpected(t, self),
        }
    }
}

impl Describe for HashError {
    fn describe(&self, t: &Text) -> Problem {
        match self {
            Self::Busy => Problem::general(StatusCode::SERVICE_UNAVAILABLE, t.err_busy),
            Self::Failed(_) => unexpected(t, self),
        }
    }
}

impl Describe for AccessError {
    fn describe(&self, t: &Text) -> Problem {
        match self {
            Self::Forbidden(permission) => Problem::general(
                StatusCode::FORBIDDEN,
                fill(t.err_forbidden, &[("permission", permission.as_str())]),
            ),
            Self::PasswordChangeRequired => Problem::general(StatusCode::FORBIDDEN, t.must_change_intro),
            Self::SecondFactorRequired => Problem::general(StatusCode::FORBIDDEN, t.second_step_intro),
            Self::EnrolmentRequired => Problem::general(StatusCode::FORBIDDEN, t.enrol_required_intro),
        }
    }
}

impl Describe for TargetError {
    fn describe(&self, t: &Text) -> Problem {
        match self {
            Self::TargetOutranksCaller { super_admin: true, .. } => {
                Problem::general(StatusCode::FORBIDDEN, t.err_target_super_admin)
            }
            Self::TargetOutranksCaller { super_admin: false, missing } => Problem::general(
                StatusCode::FORBIDDEN,
                fill(t.err_target_outranks, &[("missing", &missing.to_string())]),
            ),
            Self::UseSelfService => Problem::general(StatusCode::FORBIDDEN, t.err_use_self_service),
        }
    }
}

impl Describe for SessionError {
    fn describe(&self, t: &Text) -> Problem {
        match self {
            Self::Invalid => Problem::general(StatusCode::UNAUTHORIZED, t.session_ended),
            Self::Store(e) => e.describe(t),
        }
    }
}

/// Too many wrong current passwords, beside that field.
fn too_many_attempts(t: &Text) -> Problem {
    Problem {
        status: StatusCode::TOO_MANY_REQUESTS,
        ..Problem::at("current_password", t.err_too_many_attempts)
    }
}

/// A refused password, beside `field`.
pub fn password_problem(t: &Text, field: &'static str, rejection: &PasswordRejection) -> Problem {
    let text = match rejection {
        PasswordRejection::TooShort { min } => fill(t.pw_too_short, &[("min", &min.to_string())]),
        PasswordRejection::TooLong => t.pw_too_long.to_owned(),
        PasswordRejection::Common => t.pw_common.to_owned(),
        PasswordRejection::Repeated => t.pw_repeated.to_owned(),
        PasswordRejection::KeyboardRow => t.pw_keyboard_row.to_owned(),
        PasswordRejection::Sequence => t.pw_sequence.to_owned(),
        PasswordRejection::ContainsPracticeName => t.pw_practice_name.to_owned(),
        PasswordRejection::ContainsEmail => t.pw_email.to_owned(),
        PasswordRejection::ContainsName => t.pw_name.to_owned(),
        PasswordRejection::SameAsCurrent => t.pw_same.to_owned(),
    };
    Problem::at(field, text)
}

impl Describe for GrantError {
    fn describe(&self, t: &Text) -> Problem {
        match self {
            Self::UnknownRole => Problem::at("role", t.err_unknown_role),
            Self::UnknownProfile => Problem::at("profiles", t.err_unknown_profile),
            Self::CannotGrant { missing } => {
                Problem::at("role", fill(t.err_cannot_grant, &[("missing", &missing.to_string())]))
            }
            Self::SuperAdminOnly => Problem::at("role", t.err_super_admin_only),
            Self::SuperAdminCapReached { cap } => {
                Problem::conflict("role", fill(t.err_super_admin_cap, &[("cap", &cap.to_string())]))
            }
        }
    }
}

fn email_used(t: &Text, holder: UserId, status: UserStatus) -> Problem {
    let text = fill(t.err_email_used, &[("status", status_name(t, status))]);
    Problem { holder: Some(holder), ..Problem::conflict("email", text) }
}

impl Describe for CreateUserError {
    fn describe(&self, t: &Text) -> Problem {
        match self {
            Self::Access(e) => e.describe(t),
            Self::EmailPreviouslyUsed { holder, status } => email_used(t, *holder, *status),
            Self::Grant(e) => e.describe(t),
            Self::UnknownSite => Problem::at("sites", t.err_unknown_site),
            Self::Password(e) => password_problem(t, "password", e),
            Self::Hash(e) => e.describe(t),
            Self::Store(e) => e.describe(t),
        }
    }
}

fn version_changed(t: &Text) -> Problem {
    Problem::general(StatusCode::CONFLICT, t.err_version)
}

impl Describe for UpdateUserError {
    fn describe(&self, t: &Text) -> Problem {
        match self {
            Self::Access(e) => e.describe(t),
            Self::Target(e) => e.describe(t),
            Self::UserNotFound => Problem::not_found(t),
            Self::VersionMismatch { .. } => version_changed(t),
            Self::UnknownSite => Problem::at("sites", t.err_unknown_site),
            Self::Store(e) => e.describe(t),
        }
    }
}

impl Describe for ChangeEmailError {
    fn describe(&self, t: &Text) -> Problem {
        match self {
            Self::Access(e) => e.describe(t),
            Self::Target(e) => e.describe(t),
            Self::UserNotFound => Problem::not_found(t),
            Self::VersionMismatch { .. } => version_changed(t),
            Self::EmailPreviouslyUsed { holder, status } => email_used(t, *holder, *status),
            Self::WrongPassword => Problem::at("current_password", t.err_wrong_password),
            Self::TooManyAttempts { .. } => too_many_attempts(t),
            Self::Hash(e) => e.describe(t),
            Self::Store(e) => e.describe(t),
        }
    }
}

impl Describe for SetAccessError {
    fn describe(&self, t: &Text) -> Problem {
        match self {
            Self::Access(e) => e.describe(t),
            Self::Target(e) => e.describe(t),
            Self::UserNotFound => Problem::not_found(t),
            Self::VersionMismatch { .. } => version_changed(t),
            Self::Grant(e) => e.describe(t),
            Self::LastSuperAdmin => Problem::conflict("role", t.err_last_super_admin.to_owned()),
            Self::Store(e) => e.describe(t),
        }
    }
}

impl Describe for EditUserError {
    fn describe(&self, t: &Text) -> Problem {
        match self {
            Self::Update(e) => e.describe(t),
            Self::Deactivate(e) => e.describe(t),
            Self::Reactivate(e) => e.describe(t),
        }
    }
}

impl Describe for InvitationError {
    fn describe(&self, t: &Text) -> Problem {
        match self {
            Self::Access(e) => e.describe(t),
            Self::Target(e) => e.describe(t),
            Self::UserNotFound => Problem::not_found(t),
            Self::NotInvited { status } => Problem::general(
                StatusCode::CONFLICT,
                fill(t.err_not_invited, &[("status", status_name(t, *status))]),
            ),
            Self::Store(e) => e.describe(t),
        }
    }
}

impl Describe for ListUsersError {
    fn describe(&self, t: &Text) -> Problem {
        match self {
            Self::Access(e) => e.describe(t),
            Self::Store(e) => e.describe(t),
        }
    }
}

impl Describe for ReadUsersError {
    fn describe(&self, t: &Text) -> Problem {
        match self {
            Self::Access(e) => e.describe(t),
            Self::UserNotFound => Problem::not_found(t),
            Self::Store(e) => e.describe(t),
        }
    }
}

impl Describe for AssigneeError {
    fn describe(&self, t: &Text) -> Problem {
        match self {
            Self::NotFound => Problem::at("reassign_to", t.err_assignee_not_found),
            Self::NotActive { status } => Problem::at(
                "reassign_to",
                fill(t.err_assignee_not_active, &[("status", status_name(t, *status))]),
            ),
            Self::CannotOwnCases => Problem::at("reassign_to", t.err_assignee_cannot_own),
            Self::SameUser => Problem::at("reassign_to", t.err_assignee_same),
        }
    }
}

fn transition(t: &Text, e: &IllegalTransition) -> Problem {
    let text = fill(t.err_transition, &[("from", status_name(t, e.from)), ("to", status_name(t, e.to))]);
    Problem::conflict("active", text)
}

impl Describe for DeactivateError {
    fn describe(&self, t: &Text) -> Problem {
        match self {
            Self::Access(e) => e.describe(t),
            Self::Target(e) => e.describe(t),
            Self::UserNotFound => Problem::not_found(t),
            Self::SelfDeactivation => Problem::at("active", t.err_self_deactivation),
            Self::Transition(e) => transition(t, e),
            Self::LastSuperAdmin => Problem::conflict("active", t.err_last_super_admin.to_owned()),
            // The page fills in the user's name.
            Self::OwnsOpenCases { count } => {
                Problem::conflict("active", fill(t.err_open_cases, &[("count", &count.to_string())]))
            }
            Self::Assignee(e) => e.describe(t),
            Self::Store(e) => e.describe(t),
        }
    }
}

impl Describe for ReactivateError {
    fn describe(&self, t: &Text) -> Problem {
        match self {
            Self::Access(e) => e.describe(t),
            Self::Target(e) => e.describe(t),
            Self::UserNotFound => Problem::not_found(t),
            Self::Transition(e) => transition(t, e),
            Self::SuperAdminCapReached { cap } => {
                Problem::conflict("active", fill(t.err_super_admin_cap, &[("cap", &cap.to_string())]))
            }
            Self::Store(e) => e.describe(t),
        }
    }
}

impl Describe for SignOutError {
    fn describe(&self, t: &Text) -> Problem {
        match self {
            Self::Access(e) => e.describe(t),
            Self::Target(e) => e.describe(t),
            Self::UserNotFound => Problem::not_found(t),
            Self::Store(e) => e.describe(t),
        }
    }
}

impl Describe for ListCasesError {
    fn describe(&self, t: &Text) -> Problem {
        match self {
            Self::Access(e) => e.describe(t),
            Self::UserNotFound => Problem::not_found(t),
            Self::Store(e) => e.describe(t),
        }
    }
}

impl Describe for ReassignCasesError {
    fn describe(&self, t: &Text) -> Problem {
        match self {
            Self::Access(e) => e.describe(t),
            Self::NotAnOpenCaseOf(_) => Problem::at("cases", t.err_case_not_open),
            Self::UserNotFound => Problem::not_found(t),
            Self::Assignee(e) => e.describe(t),
            Self::Store(e) => e.describe(t),
        }
    }
}

impl Describe for ResetPasswordError {
    fn describe(&self, t: &Text) -> Problem {
        match self {
            Self::Access(e) => e.describe(t),
            Self::Target(e) => e.describe(t),
            Self::UserNotFound => Problem::not_found(t),
            Self::NotActive { status } => Problem::general(
                StatusCode::CONFLICT,
                fill(t.err_not_active, &[("status", status_name(t, *status))]),
            ),
            Self::Password(e) => password_problem(t, "password", e),
            Self::Hash(e) => e.describe(t),
            Self::Store(e) => e.describe(t),
        }
    }
}

impl Describe for LinkError {
    fn describe(&self, t: &Text) -> Problem {
        match self {
            Self::InvalidLink => Problem::general(StatusCode::BAD_REQUEST, t.link_invalid),
            Self::Password(e) => password_problem(t, "new_password", e),
            Self::Hash(e) => e.describe(t),
            Self::Store(e) => e.describe(t),
        }
    }
}

impl Describe for ChangePasswordError {
    fn describe(&self, t: &Text) -> Problem {
        match self {
            Self::WrongPassword => Problem::at("current_password", t.wrong_current_password),
            Self::TooManyAttempts { .. } => too_many_attempts(t),
            Self::Password(e) => password_problem(t, "new_password", e),
            Self::Hash(e) => e.describe(t),
            Self::Store(e) => e.describe(t),
        }
    }
}

impl Describe for ListRolesError {
    fn describe(&self, t: &Text) -> Problem {
        match self {
            Self::Access(e) => e.describe(t),
            Self::Store(e) => e.describe(t),
        }
    }
}

impl Describe for CreateGrantError {
    fn describe(&self, t: &Text) -> Problem {
        match self {
            Self::Access(e) => e.describe(t),
            Self::CannotGrant { missing } => {
                Problem::at("permissions", fill(t.err_cannot_grant, &[("missing", &missing.to_string())]))
            }
            Self::NameTaken => Problem::conflict("name", t.err_name_taken.to_owned()),
            Self::Store(e) => e.describe(t),
        }
    }
}

impl Describe for RoleError {
    fn describe(&self, t: &Text) -> Problem {
        match self {
            Self::Access(e) => e.describe(t),
            Self::NotFound => Problem::not_found(t),
            Self::Builtin => Problem::general(StatusCode::CONFLICT, t.err_builtin),
            Self::CannotGrant { missing } => {
                Problem::at("permissions", fill(t.err_cannot_grant, &[("missing", &missing.to_string())]))
            }
            Self::NameTaken => Problem::conflict("name", t.err_name_taken.to_owned()),
            Self::Store(e) => e.describe(t),
        }
    }
}

impl Describe for CreateSiteError {
    fn describe(&self, t: &Text) -> Problem {
        match self {
            Self::Access(e) => e.describe(t),
            Self::NameTaken => Problem::conflict("name", t.err_name_taken.to_owned()),
            Self::Store(e) => e.describe(t),
        }
    }
}

impl Describe for UpdateSiteError {
    fn describe(&self, t: &Text) -> Problem {
        match self {
            Self::Access(e) => e.describe(t),
            Self::NotFound => Problem::not_found(t),
            Self::NameTaken => Problem::conflict("name", t.err_name_taken.to_owned()),
            Self::Store(e) => e.describe(t),
        }
    }
}

impl Describe for ListSitesError {
    fn describe(&self, t: &Text) -> Problem {
        match self {
            Self::Access(e) => e.describe(t),
            Self::Store(e) => e.describe(t),
        }
    }
}

/// A portal account's status as people read it.
pub fn portal_status_name(t: &Text, status: PortalAccountStatus) -> &'static str {
    match status {
        PortalAccountStatus::Invited => t.portal_invited,
        PortalAccountStatus::Active => t.portal_active,
        PortalAccountStatus::Inactive => t.portal_inactive,
    }
}

impl Describe for PortalError {
    fn describe(&self, t: &Text) -> Problem {
        match self {
            Self::SessionInvalid => Problem::general(StatusCode::UNAUTHORIZED, t.session_ended),
            Self::Store(e) => e.describe(t),
        }
    }
}

impl Describe for PortalPasswordError {
    fn describe(&self, t: &Text) -> Problem {
        match self {
            Self::SessionInvalid => Problem::general(StatusCode::UNAUTHORIZED, t.session_ended),
            Self::WrongPassword => Problem::at("current_password", t.wrong_current_password),
            Self::TooManyAttempts { .. } => too_many_attempts(t),
            Self::Password(e) => password_problem(t, "new_password", e),
            Self::Hash(e) => e.describe(t),
            Self::Store(e) => e.describe(t),
        }
    }
}

impl Describe for ReadLogError {
    fn describe(&self, t: &Text) -> Problem {
        match self {
            Self::Access(e) => e.describe(t),
            Self::Store(e) => e.describe(t),
        }
    }
}

impl Describe for FindCasesError {
    fn describe(&self, t: &Text) -> Problem {
        match self {
            Self::Access(e) => e.describe(t),
            Self::Store(e) => e.describe(t),
        }
    }
}

impl Describe for RetryEmailError {
    fn describe(&self, t: &Text) -> Problem {
        match self {
            Self::Access(e) => e.describe(t),
            Self::NotFound => Problem::not_found(t),
            Self::NotFailed { .. } => Problem::general(StatusCode::CONFLICT, t.err_not_failed),
            Self::SecretRemoved { .. } => Problem::general(StatusCode::CONFLICT, t.outbox_new_secret),
            Self::Store(e) => e.describe(t),
        }
    }
}

impl Describe for RetryFailedEmailsError {
    fn describe(&self, t: &Text) -> Problem {
        match self {
            Self::Access(e) => e.describe(t),
            Self::Store(e) => e.describe(t),
        }
    }
}

/// A refused piece of text, beside `field`.
pub fn text_problem(t: &Text, field: &'static str, e: &TextError) -> Problem {
    let text = match e {
        TextError::Empty => t.err_required.to_owned(),
        TextError::TooLong { max } => fill(t.err_too_long, &[("max", &max.to_string())]),
        TextError::ControlCharacter => t.err_control.to_owned(),
        TextError::InvisibleCharacter(c) => invisible(t, *c),
    };
    Problem::at(field, text)
}

/// A refused email address, beside `field`.
pub fn email_problem(t: &Text, field: &'static str, e: &EmailError) -> Problem {
    let text = match e {
        EmailError::Empty => t.err_required.to_owned(),
        EmailError::ControlCharacter => t.err_control.to_owned(),
        EmailError::InvisibleCharacter(c) => invisible(t, *c),
        EmailError::TooLong | EmailError::Invalid(_) => t.err_email.to_owned(),
    };
    Problem::at(field, text)
}

/// The refusal of an invisible format character, named by its code point.
fn invisible(t: &Text, c: char) -> String {
    fill(t.err_invisible, &[("code", &format!("U+{:04X}", u32::from(c)))])
}

impl Describe for ConfirmPasswordError {
    fn describe(&self, t: &Text) -> Problem {
        match self {
            Self::Access(e) => e.describe(t),
            Self::WrongPassword => Problem::at("password", t.wrong_current_password),
            Self::TooManyAttempts { .. } => too_many_attempts(t),
            Self::Hash(e) => e.describe(t),
            Self::Store(e) => e.describe(t),
        }
    }
}

fn confirm_first(t: &Text) -> Problem {
    Problem::general(StatusCode::FORBIDDEN, t.mfa_confirm_first)
}

impl Describe for StartEnrolmentError {
    fn describe(&self, t: &Text) -> Problem {
        match self {
            Self::Access(e) => e.describe(t),
            Self::PasswordConfirmationRequired => confirm_first(t),
            Self::Name(_) => Problem::at("name", t.mfa_name_invalid),
            Self::TooManyFactors => Problem::general(StatusCode::CONFLICT, t.mfa_too_many),
            Self::PasskeysUnavailable => Problem::general(StatusCode::CONFLICT, t.mfa_passkeys_unavailable),
            Self::Store(e) => e.describe(t),
        }
    }
}

impl Describe for ConfirmPasskeyError {
    fn describe(&self, t: &Text) -> Problem {
        match self {
            Self::Access(e) => e.describe(t),
            Self::PasswordConfirmationRequired => confirm_first(t),
            Self::NotStarted => Problem::general(StatusCode::CONFLICT, t.mfa_passkey_gone),
            Self::Refused => Problem::general(StatusCode::UNPROCESSABLE_ENTITY, t.mfa_passkey_refused),
            Self::TooManyFactors => Problem::general(StatusCode::CONFLICT, t.mfa_too_many),
            Self::Store(e) => e.describe(t),
        }
    }
}

impl Describe for ConfirmEnrolmentError {
    fn describe(&self, t: &Text) -> Problem {
        match self {
            Self::Access(e) => e.describe(t),
            Self::PasswordConfirmationRequired => confirm_first(t),
            Self::NotFound => Problem::general(StatusCode::NOT_FOUND, t.mfa_enrolment_gone),
            Self::WrongCode => Problem::at("code", t.mfa_wrong_code),
            Self::Store(e) => e.describe(t),
        }
    }
}

impl Describe for OwnFactorsError {
    fn describe(&self, t: &Text) -> Problem {
        match self {
            Self::Access(e) => e.describe(t),
            Self::PasswordConfirmationRequired => confirm_first(t),
            Self::Store(e) => e.describe(t),
        }
    }
}

impl Describe for RegenerateCodesError {
    fn describe(&self, t: &Text) -> Problem {
        match self {
            Self::Access(e) => e.describe(t),
            Self::PasswordConfirmationRequired => confirm_first(t),
            Self::NoFactor => Problem::general(StatusCode::CONFLICT, t.mfa_no_factor),
            Self::Store(e) => e.describe(t),
        }
    }
}

impl Describe for RenameFactorError {
    fn describe(&self, t: &Text) -> Problem {
        match self {
            Self::Access(e) => e.describe(t),
            Self::PasswordConfirmationRequired => confirm_first(t),
            Self::NotFound => Problem::general(StatusCode::NOT_FOUND, t.mfa_factor_gone),
            Self::Name(_) => Problem::at("name", t.mfa_name_invalid),
            Self::Store(e) => e.describe(t),
        }
    }
}

impl Describe for RemoveFactorError {
    fn describe(&self, t: &Text) -> Problem {
        match self {
            Self::Access(e) => e.describe(t),
            Self::PasswordConfirmationRequired => confirm_first(t),
            Self::NotFound => Problem::general(StatusCode::NOT_FOUND, t.mfa_factor_gone),
            Self::Store(e) => e.describe(t),
        }
    }
}

impl Describe for ReadUserFactorsError {
    fn describe(&self, t: &Text) -> Problem {
        match self {
            Self::Access(e) => e.describe(t),
            Self::UserNotFound => Problem::general(StatusCode::NOT_FOUND, t.not_found_title),
            Self::Store(e) => e.describe(t),
        }
    }
}

impl Describe for ResetFactorsError {
    fn describe(&self, t: &Text) -> Problem {
        match self {
            Self::Access(e) => e.describe(t),
            Self::Target(e) => e.describe(t),
            Self::UserNotFound => Problem::general(StatusCode::NOT_FOUND, t.not_found_title),
            Self::Store(e) => e.describe(t),
        }
    }
}

impl Describe for FactorPolicyError {
    fn describe(&self, t: &Text) -> Problem {
        match self {
            Self::Access(e) => e.describe(t),
            Self::Target(e) => e.describe(t),
            Self::RoleNotFound => Problem::general(StatusCode::NOT_FOUND, t.not_found_title),
            Self::Store(e) => e.describe(t),
        }
    }
}

impl Describe for SecondStepError {
    fn describe(&self, t: &Text) -> Problem {
        match self {
            Self::Failed => Problem::general(StatusCode::UNAUTHORIZED, t.mfa_step_failed),
            Self::Store(e) => e.describe(t),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::{EN, FR};

    #[test]
    fn the_refusals_the_api_answers_read_as_sentences_beside_their_field() {
        let owns = DeactivateError::OwnsOpenCases { count: 3 }.describe(&EN);
        assert_eq!(owns.field, Some("active"));
        assert!(owns.text.contains('3'));
        let cap = CreateUserError::Grant(GrantError::SuperAdminCapReached { cap: 2 }).describe(&FR);
        assert_eq!(cap.field, Some("role"));
        assert_eq!(cap.text, "Le cabinet a déjà son maximum de 2 super administrateurs.");
        let holder = UserId::from_uuid(uuid::Uuid::from_u128(9));
        let used =
            CreateUserError::EmailPreviouslyUsed { holder, status: UserStatus::Inactive }.describe(&EN);
        assert_eq!((used.field, used.holder), (Some("email"), Some(holder)));
        assert!(used.text.contains("(Inactive)"), "{}", used.text);
    }

    #[test]
    fn storage_failures_show_no_cause() {
        let shown = StoreError::Unavailable("connection refused to db:5432".into()).describe(&EN);
        assert_eq!(shown.status, StatusCode::SERVICE_UNAVAILABLE, "retrying can help");
        assert!(!shown.text.contains("5432"));
        assert!(shown.text.contains("Try again"), "{}", shown.text);
        let shown = StoreError::Contended("could not serialize access".into()).describe(&EN);
        assert_eq!(shown.status, StatusCode::SERVICE_UNAVAILABLE);
        let shown = StoreError::Internal("unreadable value in users.time_zone".into()).describe(&EN);
        assert_eq!(shown.status, StatusCode::INTERNAL_SERVER_ERROR);
        assert!(!shown.text.contains("time_zone"), "{}", shown.text);
    }
}
