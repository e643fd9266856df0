//! The answers to the refusals about second factors: the second step of
//! signing in, one's own factors, and an administrator's view, reset and
//! requirement. One exhaustive `match` per operation's error enum.

use super::super::{ApiError, ProblemKind};
use super::too_many_attempts;
use identity_domain::*;

fn password_confirmation_required(e: impl std::fmt::Display) -> ApiError {
    ApiError::new(ProblemKind::PasswordConfirmationRequired, e.to_string())
}

impl From<SecondStepError> for ApiError {
    fn from(e: SecondStepError) -> Self {
        match e {
            SecondStepError::Failed => Self::new(ProblemKind::SecondFactorFailed, e.to_string()),
            SecondStepError::Store(e) => e.into(),
        }
    }
}

impl From<ConfirmPasswordError> for ApiError {
    fn from(e: ConfirmPasswordError) -> Self {
        match e {
            ConfirmPasswordError::Access(e) => e.into(),
            ConfirmPasswordError::WrongPassword => Self::invalid("password", e),
            ConfirmPasswordError::TooManyAttempts { retry_after } => too_many_attempts(retry_after),
            ConfirmPasswordError::Hash(e) => e.into(),
            ConfirmPasswordError::Store(e) => e.into(),
        }
    }
}

impl From<StartEnrolmentError> for ApiError {
    fn from(e: StartEnrolmentError) -> Self {
        match e {
            StartEnrolmentError::Access(e) => e.into(),
            StartEnrolmentError::PasswordConfirmationRequired => password_confirmation_required(e),
            StartEnrolmentError::Name(e) => Self::invalid("name", e),
            StartEnrolmentError::TooManyFactors => Self::new(ProblemKind::TooManyFactors, e.to_string()),
            StartEnrolmentError::PasskeysUnavailable => {
                Self::new(ProblemKind::PasskeysUnavailable, e.to_string())
            }
            StartEnrolmentError::Store(e) => e.into(),
        }
    }
}

impl From<ConfirmPasskeyError> for ApiError {
    fn from(e: ConfirmPasskeyError) -> Self {
        match e {
            ConfirmPasskeyError::Access(e) => e.into(),
            ConfirmPasskeyError::PasswordConfirmationRequired => password_confirmation_required(e),
            ConfirmPasskeyError::NotStarted => Self::not_found("passkey enrolment"),
            ConfirmPasskeyError::Refused => Self::invalid("credential", e),
            ConfirmPasskeyError::TooManyFactors => Self::new(ProblemKind::TooManyFactors, e.to_string()),
            ConfirmPasskeyError::Store(e) => e.into(),
        }
    }
}

impl From<ConfirmEnrolmentError> for ApiError {
    fn from(e: ConfirmEnrolmentError) -> Self {
        match e {
            ConfirmEnrolmentError::Access(e) => e.into(),
            ConfirmEnrolmentError::PasswordConfirmationRequired => password_confirmation_required(e),
            ConfirmEnrolmentError::NotFound => Self::not_found("enrolment"),
            ConfirmEnrolmentError::WrongCode => Self::invalid("code", e),
            ConfirmEnrolmentError::Store(e) => e.into(),
        }
    }
}

impl From<OwnFactorsError> for ApiError {
    fn from(e: OwnFactorsError) -> Self {
        match e {
            OwnFactorsError::Access(e) => e.into(),
            OwnFactorsError::PasswordConfirmationRequired => password_confirmation_required(e),
            OwnFactorsError::Store(e) => e.into(),
        }
    }
}

impl From<RegenerateCodesError> for ApiError {
    fn from(e: RegenerateCodesError) -> Self {
        match e {
            RegenerateCodesError::Access(e) => e.into(),
            RegenerateCodesError::PasswordConfirmationRequired => password_confirmation_required(e),
            RegenerateCodesError::NoFactor => Self::new(ProblemKind::NoSecondFactor, e.to_string()),
            RegenerateCodesError::Store(e) => e.into(),
        }
    }
}

impl From<RenameFactorError> for ApiError {
    fn from(e: RenameFactorError) -> Self {
        match e {
            RenameFactorError::Access(e) => e.into(),
            RenameFactorError::PasswordConfirmationRequired => password_confirmation_required(e),
            RenameFactorError::NotFound => Self::not_found("second factor"),
            RenameFactorError::Name(e) => Self::invalid("name", e),
            RenameFactorError::Store(e) => e.into(),
        }
    }
}

impl From<RemoveFactorError> for ApiError {
    fn from(e: RemoveFactorError) -> Self {
        match e {
            RemoveFactorError::Access(e) => e.into(),
            RemoveFactorError::PasswordConfirmationRequired => password_confirmation_required(e),
            RemoveFactorError::NotFound => Self::not_found("second factor"),
            RemoveFactorError::Store(e) => e.into(),
        }
    }
}

impl From<ReadUserFactorsError> for ApiError {
    fn from(e: ReadUserFactorsError) -> Self {
        match e {
            ReadUserFactorsError::Access(e) => e.into(),
            ReadUserFactorsError::UserNotFound => Self::not_found("user"),
            ReadUserFactorsError::Store(e) => e.into(),
        }
    }
}

impl From<ResetFactorsError> for ApiError {
    fn from(e: ResetFactorsError) -> Self {
        match e {
            ResetFactorsError::Access(e) => e.into(),
            ResetFactorsError::Target(e) => e.into(),
            ResetFactorsError::UserNotFound => Self::not_found("user"),
            ResetFactorsError::Store(e) => e.into(),
        }
    }
}

impl From<FactorPolicyError> for ApiError {
    fn from(e: FactorPolicyError) -> Self {
        match e {
            FactorPolicyError::Access(e) => e.into(),
            FactorPolicyError::Target(e) => e.into(),
            FactorPolicyError::RoleNotFound => Self::not_found("role"),
            FactorPolicyError::Store(e) => e.into(),
        }
    }
}
