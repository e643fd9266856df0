//! The catalogue of problem kinds: every `type` the API answers, with its
//! status and title. A new kind is added here and in `docs/api.md`.

use axum::http::StatusCode;

/// Every kind of problem the API answers: its `type` URI suffix, its
/// status and its title. `docs/api.md` lists each one (a test holds the two
/// together), and the OpenAPI document names, per route and status, the
/// kinds the route can answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ProblemKind {
    /// 400: the body is not JSON.
    MalformedJson,
    /// 400: the body could not be read at all.
    UnreadableBody,
    /// 400: a path parameter is not a UUID.
    InvalidPath,
    /// 400: `If-Match` is not an ETag this API gave.
    InvalidIfMatch,
    /// 400: the invitation or recovery link cannot be used.
    InvalidLink,
    /// 401: no session, or it ended.
    Unauthenticated,
    /// 401: the sign-in did not work (always the same answer).
    SignInFailed,
    /// 401: the second step of sign-in did not work (always the same answer).
    SecondFactorFailed,
    /// 403: the caller lacks a permission.
    Forbidden,
    /// 403: this session may only change its password.
    PasswordChangeRequired,
    /// 403: this session waits for its second factor.
    SecondFactorRequired,
    /// 403: this session may only enrol a second factor.
    EnrolmentRequired,
    /// 403: type the password again before managing second factors.
    PasswordConfirmationRequired,
    /// 403: a cookie-authenticated write from another site.
    CrossSiteRequest,
    /// 403: granting permissions the caller does not hold.
    CannotGrant,
    /// 403: only a Super Admin grants or removes Super Admin.
    SuperAdminOnly,
    /// 403: the target user outranks the caller.
    TargetOutranksCaller,
    /// 403: not on one's own account: use the self-service route.
    UseSelfService,
    /// 404: no such route.
    NoRoute,
    /// 404: no such record in the caller's practice.
    NotFound,
    /// 405: the route exists, not with this method.
    MethodNotAllowed,
    /// 409: the email belongs or belonged to another user.
    EmailPreviouslyUsed,
    /// 409: the user still owns open cases.
    OwnsOpenCases,
    /// 409: the practice has as many Super Admins as its cap.
    SuperAdminCapReached,
    /// 409: the last active Super Admin stays.
    LastSuperAdmin,
    /// 409: nobody deactivates themself.
    SelfDeactivation,
    /// 409: not possible from the user's current status.
    IllegalTransition,
    /// 409: the user is not waiting on an invitation.
    NotInvited,
    /// 409: only an active user's password can be reset.
    UserNotActive,
    /// 409: the party has no portal account (never invited).
    NoPortalAccount,
    /// 409: the party already takes part in the case.
    AlreadyOnCase,
    /// 409: the case is closed.
    CaseClosed,
    /// 409: built-in roles and profiles cannot change.
    Builtin,
    /// 409: a role, profile or site with this name exists.
    NameTaken,
    /// 409: the user holds as many second factors as allowed.
    TooManyFactors,
    /// 409: recovery codes come with a second factor.
    NoSecondFactor,
    /// 409: this server offers no passkeys (its public URL is no domain name).
    PasskeysUnavailable,
    /// 409: only a failed email can be retried.
    EmailNotFailed,
    /// 409: the failed email's link or password was removed; send a new one.
    EmailSecretRemoved,
    /// 412: the record changed since the caller read it.
    VersionMismatch,
    /// 413: the body is larger than the server accepts.
    BodyTooLarge,
    /// 415: the body is not sent as JSON.
    UnsupportedMediaType,
    /// 422: a field or query parameter is invalid, missing or unknown.
    InvalidField,
    /// 422: the new password is refused.
    PasswordRejected,
    /// 422: the named user does not exist.
    AssigneeNotFound,
    /// 422: the named user is not active.
    AssigneeNotActive,
    /// 422: the named user does not hold `cases.own`.
    AssigneeCannotOwnCases,
    /// 422: the cases would go to the user who has them.
    AssigneeSameUser,
    /// 429: too many requests from one address.
    RateLimited,
    /// 429: too many wrong current passwords; not checked.
    TooManyAttempts,
    /// 500: a bug; the cause is logged, not sent.
    Internal,
    /// 503: the database did not answer.
    StorageUnavailable,
    /// 503: too many passwords are being hashed at once.
    Busy,
    /// 503: the request took longer than the server allows.
    Timeout,
}

impl ProblemKind {
    /// Every kind, in status order.
    pub const ALL: [Self; 54] = [
        Self::MalformedJson,
        Self::UnreadableBody,
        Self::InvalidPath,
        Self::InvalidIfMatch,
        Self::InvalidLink,
        Self::Unauthenticated,
        Self::SignInFailed,
        Self::SecondFactorFailed,
        Self::Forbidden,
        Self::PasswordChangeRequired,
        Self::SecondFactorRequired,
        Self::EnrolmentRequired,
        Self::PasswordConfirmationRequired,
        Self::CrossSiteRequest,
        Self::CannotGrant,
        Self::SuperAdminOnly,
        Self::TargetOutranksCaller,
        Self::UseSelfService,
        Self::NoRoute,
        Self::NotFound,
        Self::MethodNotAllowed,
        Self::EmailPreviouslyUsed,
        Self::OwnsOpenCases,
        Self::SuperAdminCapReached,
        Self::LastSuperAdmin,
        Self::SelfDeactivation,
        Self::IllegalTransition,
        Self::NotInvited,
        Self::UserNotActive,
        Self::NoPortalAccount,
        Self::AlreadyOnCase,
        Self::CaseClosed,
        Self::Builtin,
        Self::NameTaken,
        Self::TooManyFactors,
        Self::NoSecondFactor,
        Self::PasskeysUnavailable,
        Self::EmailNotFailed,
        Self::EmailSecretRemoved,
        Self::VersionMismatch,
        Self::BodyTooLarge,
        Self::UnsupportedMediaType,
        Self::InvalidField,
        Self::PasswordRejected,
        Self::AssigneeNotFound,
        Self::AssigneeNotActive,
        Self::AssigneeCannotOwnCases,
        Self::AssigneeSameUser,
        Self::RateLimited,
        Self::TooManyAttempts,
        Self::Internal,
        Self::StorageUnavailable,
        Self::Busy,
        Self::Timeout,
    ];

    /// The last part of the `type` URI (`not-found`).
    pub const fn slug(self) -> &'static str {
        match self {
            Self::MalformedJson => "malformed-json",
            Self::UnreadableBody => "unreadable-body",
            Self::InvalidPath => "invalid-path",
            Self::InvalidIfMatch => "invalid-if-match",
            Self::InvalidLink => "invalid-link",
            Self::Unauthenticated => "unauthenticated",
            Self::SignInFailed => "sign-in-failed",
            Self::SecondFactorFailed => "second-factor-failed",
            Self::Forbidden => "forbidden",
            Self::PasswordChangeRequired => "password-change-required",
            Self::SecondFactorRequired => "second-factor-required",
            Self::EnrolmentRequired => "second-factor-enrolment-required",
            Self::PasswordConfirmationRequired => "password-confirmation-required",
            Self::CrossSiteRequest => "cross-site-request",
            Self::CannotGrant => "cannot-grant",
            Self::SuperAdminOnly => "super-admin-only",
            Self::TargetOutranksCaller => "target-outranks-caller",
            Self::UseSelfService => "use-self-service",
            Self::NoRoute => "no-route",
            Self::NotFound => "not-found",
            Self::MethodNotAllowed => "method-not-allowed",
            Self::EmailPreviouslyUsed => "email-previously-used",
            Self::OwnsOpenCases => "owns-open-cases",
            Self::SuperAdminCapReached => "super-admin-cap-reached",
            Self::LastSuperAdmin => "last-super-admin",
            Self::SelfDeactivation => "self-deactivation",
            Self::IllegalTransition => "illegal-transition",
            Self::NotInvited => "not-invited",
            Self::UserNotActive => "user-not-active",
            Self::NoPortalAccount => "no-portal-account",
            Self::AlreadyOnCase => "already-on-case",
            Self::CaseClosed => "case-closed",
            Self::Builtin => "builtin",
            Self::NameTaken => "name-taken",
            Self::TooManyFactors => "too-many-factors",
            Self::NoSecondFactor => "no-second-factor",
            Self::PasskeysUnavailable => "passkeys-unavailable",
            Self::EmailNotFailed => "email-not-failed",
            Self::EmailSecretRemoved => "email-secret-removed",
            Self::VersionMismatch => "version-mismatch",
            Self::BodyTooLarge => "body-too-large",
            Self::UnsupportedMediaType => "unsupported-media-type",
            Self::InvalidField => "invalid-field",
            Self::PasswordRejected => "password-rejected",
            Self::AssigneeNotFound => "assignee-not-found",
            Self::AssigneeNotActive => "assignee-not-active",
            Self::AssigneeCannotOwnCases => "assignee-cannot-own-cases",
            Self::AssigneeSameUser => "assignee-same-user",
            Self::RateLimited => "rate-limited",
            Self::TooManyAttempts => "too-many-attempts",
            Self::Internal => "internal",
            Self::StorageUnavailable => "storage-unavailable",
            Self::Busy => "busy",
            Self::Timeout => "timeout",
        }
    }

    /// The HTTP status every answer of this kind has.
    pub const fn status(self) -> StatusCode {
        match self {
            Self::MalformedJson
            | Self::UnreadableBody
            | Self::InvalidPath
            | Self::InvalidIfMatch
            | Self::InvalidLink => StatusCode::BAD_REQUEST,
            Self::Unauthenticated | Self::SignInFailed | Self::SecondFactorFailed => StatusCode::UNAUTHORIZED,
            Self::Forbidden
            | Self::PasswordChangeRequired
            | Self::SecondFactorRequired
            | Self::EnrolmentRequired
            | Self::PasswordConfirmationRequired
            | Self::CrossSiteRequest
            | Self::CannotGrant
            | Self::SuperAdminOnly
            | Self::TargetOutranksCaller
            | Self::UseSelfService => StatusCode::FORBIDDEN,
            Self::NoRoute | Self::NotFound => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Self::EmailPreviouslyUsed
            | Self::OwnsOpenCases
            | Self::SuperAdminCapReached
            | Self::LastSuperAdmin
            | Self::SelfDeactivation
            | Self::IllegalTransition
            | Self::NotInvited
            | Self::UserNotActive
            | Self::NoPortalAccount
            | Self::AlreadyOnCase
            | Self::CaseClosed
            | Self::Builtin
            | Self::NameTaken
            | Self::TooManyFactors
            | Self::NoSecondFactor
            | Self::PasskeysUnavailable
            | Self::EmailNotFailed
            | Self::EmailSecretRemoved => StatusCode::CONFLICT,
            Self::VersionMismatch => StatusCode::PRECONDITION_FAILED,
            Self::BodyTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::InvalidField
            | Self::PasswordRejected
            | Self::AssigneeNotFound
            | Self::AssigneeNotActive
            | Self::AssigneeCannotOwnCases
            | Self::AssigneeSameUser => StatusCode::UNPROCESSABLE_ENTITY,
            Self::RateLimited | Self::TooManyAttempts => StatusCode::TOO_MANY_REQUESTS,
            Self::Internal => StatusCode::INTERNAL_SERVER_ERROR,
            Self::StorageUnavailable | Self::Busy | Self::Timeout => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    /// A short summary of the kind, for people (the `title` member).
    pub const fn title(self) -> &'static str {
        match self {
            Self::MalformedJson => "The body is not valid JSON",
            Self::UnreadableBody => "The body could not be read",
            Self::InvalidPath => "A path parameter is not valid",
            Self::InvalidIfMatch => "Bad If-Match",
            Self::InvalidLink => "The link does not work",
            Self::Unauthenticated => "Sign in first",
            Self::SignInFailed => "Sign-in failed",
            Self::SecondFactorFailed => "Second step failed",
            Self::SecondFactorRequired => "Present your second factor first",
            Self::EnrolmentRequired => "Add a second factor first",
            Self::PasswordConfirmationRequired => "Confirm your password first",
            Self::TooManyFactors => "Too many second factors",
            Self::NoSecondFactor => "No second factor",
            Self::PasskeysUnavailable => "Passkeys are not offered here",
            Self::Forbidden | Self::CannotGrant => "Not allowed",
            Self::PasswordChangeRequired => "Change your password first",
            Self::CrossSiteRequest => "Refused: cross-site request",
            Self::SuperAdminOnly => "Only a Super Admin can do this",
            Self::TargetOutranksCaller => "This user outranks you",
            Self::UseSelfService => "Not on your own account",
            Self::NoRoute | Self::NotFound => "Not found",
            Self::MethodNotAllowed => "Method not allowed",
            Self::EmailPreviouslyUsed => "Email already used",
            Self::OwnsOpenCases => "The user still owns open cases",
            Self::SuperAdminCapReached => "Too many Super Admins",
            Self::LastSuperAdmin => "The last Super Admin stays",
            Self::SelfDeactivation => "You cannot deactivate yourself",
            Self::IllegalTransition => "Not possible in this status",
            Self::NotInvited => "Not waiting on an invitation",
            Self::UserNotActive => "Only active users",
            Self::NoPortalAccount => "No portal account",
            Self::AlreadyOnCase => "Already on the case",
            Self::CaseClosed => "The case is closed",
            Self::Builtin => "Built-ins cannot change",
            Self::NameTaken => "Name already used",
            Self::EmailNotFailed => "Only failed emails are retried",
            Self::EmailSecretRemoved => "Its link or password is gone: send a new one",
            Self::VersionMismatch => "Changed by someone else",
            Self::BodyTooLarge => "The body is too large",
            Self::UnsupportedMediaType => "Send JSON",
            Self::InvalidField => "A field is not valid",
            Self::PasswordRejected => "Choose another password",
            Self::AssigneeNotFound
            | Self::AssigneeNotActive
            | Self::AssigneeCannotOwnCases
            | Self::AssigneeSameUser => "Cannot be given cases",
            Self::RateLimited => "Too many requests",
            Self::TooManyAttempts => "Too many wrong passwords",
            Self::Internal => "Something went wrong",
            Self::StorageUnavailable | Self::Busy => "Try again shortly",
            Self::Timeout => "Took too long",
        }
    }

    /// The stable `type` URI (`urn:practice-identity:problem:not-found`).
    pub fn type_uri(self) -> String {
        format!("urn:practice-identity:problem:{}", self.slug())
    }
}
