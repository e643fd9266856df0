//! Why each second-factor operation was refused: one error enum per operation.

use super::enrolment::MAX_FACTORS;
use crate::error::{AccessError, HashError, StoreError, TargetError};
use crate::factor::FactorNameError;
use crate::service::credentials::CurrentPasswordRefusal;

/// Why the second step failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SecondStepError {
    /// One answer for a wrong, replayed or malformed code, an unknown,
    /// ended or expired waiting session, and a locked or throttled account.
    #[error("the code is not correct, or the sign-in has expired; sign in again")]
    Failed,
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Why the password could not be confirmed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfirmPasswordError {
    /// The session may not manage factors (it waits for a password change).
    #[error(transparent)]
    Access(#[from] AccessError),
    /// Wrong: counted as a failed sign-in.
    #[error("the password is not correct")]
    WrongPassword,
    /// Throttled (seconds to wait) or locked (`None`).
    #[error("too many wrong passwords; wait before trying again")]
    TooManyAttempts {
        /// Seconds to wait, when throttled rather than locked.
        retry_after: Option<u64>,
    },
    /// The hasher is busy or failed.
    #[error(transparent)]
    Hash(#[from] HashError),
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<CurrentPasswordRefusal> for ConfirmPasswordError {
    fn from(e: CurrentPasswordRefusal) -> Self {
        match e {
            CurrentPasswordRefusal::Wrong => Self::WrongPassword,
            CurrentPasswordRefusal::TooManyAttempts { retry_after } => Self::TooManyAttempts { retry_after },
        }
    }
}

/// Why a TOTP or passkey enrolment could not begin.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StartEnrolmentError {
    /// The session may not enrol (it waits for a password change).
    #[error(transparent)]
    Access(#[from] AccessError),
    /// The password was not typed recently enough: confirm it first.
    #[error("confirm your password first")]
    PasswordConfirmationRequired,
    /// The name is not acceptable.
    #[error(transparent)]
    Name(#[from] FactorNameError),
    /// The user holds [`MAX_FACTORS`] already.
    #[error("you already have {MAX_FACTORS} second factors; remove one first")]
    TooManyFactors,
    /// A passkey was asked for and this server offers none (it has no
    /// relying party: see [`crate::NoPasskeys`]).
    #[error("passkeys are not set up on this server")]
    PasskeysUnavailable,
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Why a passkey enrolment could not be finished.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfirmPasskeyError {
    /// The session may not enrol (it waits for a password change).
    #[error(transparent)]
    Access(#[from] AccessError),
    /// The password was not typed recently enough: confirm it first.
    #[error("confirm your password first")]
    PasswordConfirmationRequired,
    /// No passkey enrolment was begun in this session, or it expired
    /// ([`crate::factor::CEREMONY_MINUTES`]), or it was answered already.
    #[error("no passkey enrolment is waiting; start again")]
    NotStarted,
    /// The authenticator's answer does not check out, or the passkey is
    /// registered already.
    #[error("the passkey could not be verified; start again")]
    Refused,
    /// The user holds [`MAX_FACTORS`] already.
    #[error("you already have {MAX_FACTORS} second factors; remove one first")]
    TooManyFactors,
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Why a TOTP enrolment could not be confirmed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfirmEnrolmentError {
    /// The session may not enrol (it waits for a password change).
    #[error(transparent)]
    Access(#[from] AccessError),
    /// The password was not typed recently enough: confirm it first.
    #[error("confirm your password first")]
    PasswordConfirmationRequired,
    /// No enrolment in progress with this id.
    #[error("no such enrolment in progress")]
    NotFound,
    /// The code is not the authenticator's current one.
    #[error("the code is not correct; check the time on your device and type the current code")]
    WrongCode,
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Why one's factors could not be read, or recovery codes regenerated.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OwnFactorsError {
    /// The session may not manage factors.
    #[error(transparent)]
    Access(#[from] AccessError),
    /// The password was not typed recently enough: confirm it first.
    #[error("confirm your password first")]
    PasswordConfirmationRequired,
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Why recovery codes could not be regenerated.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RegenerateCodesError {
    /// The session may not manage factors.
    #[error(transparent)]
    Access(#[from] AccessError),
    /// The password was not typed recently enough: confirm it first.
    #[error("confirm your password first")]
    PasswordConfirmationRequired,
    /// Recovery codes come with a second factor: add one first.
    #[error("add a second factor first; recovery codes come with it")]
    NoFactor,
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Why a factor could not be renamed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RenameFactorError {
    /// The session may not manage factors.
    #[error(transparent)]
    Access(#[from] AccessError),
    /// The password was not typed recently enough: confirm it first.
    #[error("confirm your password first")]
    PasswordConfirmationRequired,
    /// No such factor of the caller.
    #[error("no such second factor")]
    NotFound,
    /// The name is not acceptable.
    #[error(transparent)]
    Name(#[from] FactorNameError),
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Why a factor could not be removed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RemoveFactorError {
    /// The session may not manage factors.
    #[error(transparent)]
    Access(#[from] AccessError),
    /// The password was not typed recently enough: confirm it first.
    #[error("confirm your password first")]
    PasswordConfirmationRequired,
    /// No such factor of the caller.
    #[error("no such second factor")]
    NotFound,
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Why a user's factors could not be read by an administrator.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReadUserFactorsError {
    /// The caller lacks `users.read` (and it is not their own account).
    #[error(transparent)]
    Access(#[from] AccessError),
    /// No such user in the caller's practice.
    #[error("no such user")]
    UserNotFound,
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Why a user's factors could not be reset by an administrator.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ResetFactorsError {
    /// The caller lacks the permission.
    #[error(transparent)]
    Access(#[from] AccessError),
    /// The caller may not act on this user.
    #[error(transparent)]
    Target(#[from] TargetError),
    /// No such user in the caller's practice.
    #[error("no such user")]
    UserNotFound,
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Why a role's second-factor requirement could not be set.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FactorPolicyError {
    /// The caller lacks `roles.manage`, or the change touches a role it
    /// could not grant.
    #[error(transparent)]
    Access(#[from] AccessError),
    /// The role holds permissions the caller does not, or is a Super
    /// Admin role and the caller is not one
    /// ([`TargetError::TargetOutranksCaller`] only).
    #[error(transparent)]
    Target(#[from] TargetError),
    /// No such role in the caller's practice.
    #[error("no such role")]
    RoleNotFound,
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

crate::error::contended_through_store!(
    SecondStepError,
    ConfirmPasswordError,
    StartEnrolmentError,
    ConfirmEnrolmentError,
    ConfirmPasskeyError,
    OwnFactorsError,
    RegenerateCodesError,
    RenameFactorError,
    RemoveFactorError,
    ReadUserFactorsError,
    ResetFactorsError,
    FactorPolicyError,
);
