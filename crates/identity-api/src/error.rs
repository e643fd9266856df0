//! One error type for every HTTP answer that is not a success: RFC 9457
//! `application/problem+json`, with a stable `type` per domain error and the
//! field at fault for validation errors.
//!
//! Every domain error enum maps here with an exhaustive `match`: a new
//! variant does not compile until it has its answer. Server-side failures
//! are logged with their cause and answered without it.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use identity_domain::*;
use serde::Serialize;
use serde_json::{Map, Value, json};

/// The media type of every error body.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// A field and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct FieldProblem {
    /// The JSON field (dotted for nested ones).
    pub field: String,
    /// What is wrong, for people.
    pub detail: String,
}

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
    /// 403: the caller lacks a permission.
    Forbidden,
    /// 403: this session may only change its password.
    PasswordChangeRequired,
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
    /// 409: the case is closed.
    CaseClosed,
    /// 409: built-in roles and profiles cannot change.
    Builtin,
    /// 409: a role, profile or site with this name exists.
    NameTaken,
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
    pub const ALL: [Self; 45] = [
        Self::MalformedJson,
        Self::UnreadableBody,
        Self::InvalidPath,
        Self::InvalidIfMatch,
        Self::InvalidLink,
        Self::Unauthenticated,
        Self::SignInFailed,
        Self::Forbidden,
        Self::PasswordChangeRequired,
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
        Self::CaseClosed,
        Self::Builtin,
        Self::NameTaken,
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
            Self::Forbidden => "forbidden",
            Self::PasswordChangeRequired => "password-change-required",
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
            Self::CaseClosed => "case-closed",
            Self::Builtin => "builtin",
            Self::NameTaken => "name-taken",
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
            Self::Unauthenticated | Self::SignInFailed => StatusCode::UNAUTHORIZED,
            Self::Forbidden
            | Self::PasswordChangeRequired
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
            | Self::CaseClosed
            | Self::Builtin
            | Self::NameTaken
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

/// A problem+json answer.
#[derive(Debug, Clone)]
pub struct ApiError {
    kind: ProblemKind,
    detail: String,
    extra: Map<String, Value>,
    retry_after: Option<u64>,
}

/// The body of every error answer (RFC 9457).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Problem {
    /// A URI naming the kind of problem; stable, compare it as a string.
    #[serde(rename = "type")]
    pub kind: String,
    /// A short summary of the kind.
    pub title: String,
    /// The HTTP status.
    pub status: u16,
    /// What happened this time.
    pub detail: String,
    /// The field at fault, for validation errors.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// Every field at fault, for validation errors.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<Vec<FieldProblem>>,
}

impl ApiError {
    /// A problem of `kind`; its status and title are the kind's.
    pub fn new(kind: ProblemKind, detail: impl Into<String>) -> Self {
        Self { kind, detail: detail.into(), extra: Map::new(), retry_after: None }
    }

    /// Adds a member to the body. The RFC 9457 members (`type`, `title`,
    /// `status`, `detail`, `instance`) are not extension keys.
    #[must_use]
    pub fn with(mut self, key: &str, value: impl Serialize) -> Self {
        debug_assert!(!["type", "title", "status", "detail", "instance"].contains(&key), "{key} is reserved");
        self.extra.insert(key.to_owned(), serde_json::to_value(value).unwrap_or(Value::Null));
        self
    }

    /// Names the field at fault.
    #[must_use]
    pub fn at(self, field: &str) -> Self {
        self.with("field", field)
    }

    /// Asks the client to retry after `seconds`.
    #[must_use]
    pub fn retry_after(mut self, seconds: u64) -> Self {
        self.retry_after = Some(seconds);
        self
    }

    /// The kind.
    pub fn kind(&self) -> ProblemKind {
        self.kind
    }

    /// The status.
    pub fn status(&self) -> StatusCode {
        self.kind.status()
    }

    /// One or more invalid fields (422).
    pub fn validation(problems: Vec<FieldProblem>) -> Self {
        let detail =
            problems.iter().map(|p| format!("{}: {}", p.field, p.detail)).collect::<Vec<_>>().join("; ");
        let first = problems.first().map(|p| p.field.clone());
        let mut error = Self::new(ProblemKind::InvalidField, detail).with("errors", &problems);
        if let Some(first) = first {
            error = error.at(&first);
        }
        error
    }

    /// One invalid field (422).
    pub fn invalid(field: &str, detail: impl std::fmt::Display) -> Self {
        Self::validation(vec![FieldProblem { field: field.to_owned(), detail: detail.to_string() }])
    }

    /// 404 for a record of this practice that does not exist (or belongs to
    /// another practice: the answer is the same).
    pub fn not_found(what: &'static str) -> Self {
        Self::new(ProblemKind::NotFound, format!("no such {what}"))
    }

    /// 401, with `WWW-Authenticate`.
    pub fn unauthenticated() -> Self {
        Self::new(ProblemKind::Unauthenticated, "the session is missing or no longer valid; sign in again")
    }

    /// A server-side failure: logged with its cause, answered without it.
    pub fn internal(cause: &dyn std::fmt::Display) -> Self {
        tracing::error!(cause = %cause, "request failed");
        Self::new(ProblemKind::Internal, "the server could not complete the request")
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut body = json!({
            "type": self.kind.type_uri(),
            "title": self.kind.title(),
            "status": self.kind.status().as_u16(),
            "detail": self.detail,
        });
        if let Value::Object(map) = &mut body {
            map.extend(self.extra);
        }
        let mut response = (self.kind.status(), axum::Json(body)).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
        if self.kind.status() == StatusCode::UNAUTHORIZED {
            headers.insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"practice-identity\""),
            );
        }
        if let Some(seconds) = self.retry_after {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

impl From<AccessError> for ApiError {
    fn from(e: AccessError) -> Self {
        match e {
            AccessError::Forbidden(p) => {
                Self::new(ProblemKind::Forbidden, e.to_string()).with("permission", p)
            }
            AccessError::PasswordChangeRequired => {
                Self::new(ProblemKind::PasswordChangeRequired, e.to_string())
            }
            AccessError::TargetOutranksCaller { super_admin, missing } => {
                Self::new(ProblemKind::TargetOutranksCaller, e.to_string())
                    .with("super_admin", super_admin)
                    .with("missing", missing)
            }
            AccessError::UseSelfService => Self::new(ProblemKind::UseSelfService, e.to_string()),
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
            StoreError::Unavailable(cause) => {
                tracing::error!(cause = %cause, "storage unavailable");
                Self::new(ProblemKind::StorageUnavailable, "the database did not answer").retry_after(5)
            }
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
            GrantError::LastSuperAdmin => Self::new(ProblemKind::LastSuperAdmin, detail),
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
            UpdateUserError::UserNotFound => Self::not_found("user"),
            UpdateUserError::VersionMismatch { current } => {
                Self::new(ProblemKind::VersionMismatch, e.to_string()).with("current_version", current)
            }
            UpdateUserError::UnknownSite => Self::invalid("sites", e),
            UpdateUserError::EmailPreviouslyUsed { holder, status } => email_previously_used(holder, status),
            UpdateUserError::WrongPassword => Self::invalid("current_password", e),
            UpdateUserError::TooManyAttempts { retry_after } => too_many_attempts(retry_after),
            UpdateUserError::Grant(e) => e.into(),
            UpdateUserError::Hash(e) => e.into(),
            UpdateUserError::Store(e) => e.into(),
        }
    }
}

impl From<InvitationError> for ApiError {
    fn from(e: InvitationError) -> Self {
        match e {
            InvitationError::Access(e) => e.into(),
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
            DeactivateError::UserNotFound => Self::not_found("user"),
            DeactivateError::SelfDeactivation => Self::new(ProblemKind::SelfDeactivation, e.to_string()),
            DeactivateError::Transition(t) => illegal_transition(t),
            DeactivateError::Grant(e) => e.into(),
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
            ReactivateError::UserNotFound => Self::not_found("user"),
            ReactivateError::Transition(t) => illegal_transition(t),
            ReactivateError::Grant(e) => e.into(),
            ReactivateError::Store(e) => e.into(),
        }
    }
}

impl From<SignOutError> for ApiError {
    fn from(e: SignOutError) -> Self {
        match e {
            SignOutError::Access(e) => e.into(),
            SignOutError::UserNotFound => Self::not_found("user"),
            SignOutError::Store(e) => e.into(),
        }
    }
}

impl From<CaseError> for ApiError {
    fn from(e: CaseError) -> Self {
        match e {
            CaseError::Access(e) => e.into(),
            CaseError::CaseNotFound => Self::not_found("case"),
            CaseError::UserNotFound => Self::not_found("user"),
            CaseError::CaseClosed => Self::new(ProblemKind::CaseClosed, e.to_string()),
            CaseError::NotAnOpenCaseOf(id) => Self::invalid("cases", e).with("case", id),
            CaseError::Assignee(e) => e.into(),
            CaseError::Store(e) => e.into(),
        }
    }
}

impl From<ResetPasswordError> for ApiError {
    fn from(e: ResetPasswordError) -> Self {
        match e {
            ResetPasswordError::Access(e) => e.into(),
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
fn too_many_attempts(retry_after: Option<u64>) -> ApiError {
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

impl From<SiteError> for ApiError {
    fn from(e: SiteError) -> Self {
        match e {
            SiteError::Access(e) => e.into(),
            SiteError::NotFound => Self::not_found("site"),
            SiteError::NameTaken => Self::new(ProblemKind::NameTaken, e.to_string()).at("name"),
            SiteError::Store(e) => e.into(),
        }
    }
}

impl From<PartyError> for ApiError {
    fn from(e: PartyError) -> Self {
        match e {
            PartyError::Access(e) => e.into(),
            PartyError::SiteNotFound => Self::not_found("site"),
            PartyError::PartyNotFound => Self::not_found("party"),
            PartyError::NoEmail => Self::invalid("email", e),
            PartyError::Store(e) => e.into(),
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

/// The problem kinds an error enum answers with: what the OpenAPI document
/// lists for the routes that can fail with it. Each list follows the
/// enum's `From` mapping above, variant by variant.
pub trait Problems {
    /// The kinds, in any order.
    fn kinds() -> Vec<ProblemKind>;
}

/// The kinds of several error sources.
macro_rules! problems {
    ($error:ident => [$($kind:ident),* $(,)?] $(+ $inner:ident)*) => {
        impl Problems for $error {
            fn kinds() -> Vec<ProblemKind> {
                #[allow(unused_mut)]
                let mut kinds = vec![$(ProblemKind::$kind),*];
                $(kinds.extend(<$inner as Problems>::kinds());)*
                kinds
            }
        }
    };
}

problems!(AccessError => [Forbidden, PasswordChangeRequired, TargetOutranksCaller, UseSelfService]);
problems!(StoreError => [StorageUnavailable]);
problems!(HashError => [Busy, Internal]);
problems!(SessionError => [Unauthenticated] + StoreError);
problems!(SignInError => [SignInFailed, InvalidField] + HashError + StoreError);
problems!(PasswordRejection => [PasswordRejected]);
problems!(GrantError => [InvalidField, CannotGrant, SuperAdminOnly, SuperAdminCapReached, LastSuperAdmin]);
problems!(CreateUserError => [EmailPreviouslyUsed, InvalidField]
    + AccessError + GrantError + PasswordRejection + HashError + StoreError);
problems!(UpdateUserError => [NotFound, VersionMismatch, InvalidField, EmailPreviouslyUsed, TooManyAttempts]
    + AccessError + GrantError + HashError + StoreError);
problems!(InvitationError => [NotFound, NotInvited] + AccessError + StoreError);
problems!(ReadUsersError => [NotFound] + AccessError + StoreError);
problems!(ExportUsersError => [] + AccessError + StoreError);
problems!(AssigneeError => [AssigneeNotFound, AssigneeNotActive, AssigneeCannotOwnCases, AssigneeSameUser]);
problems!(DeactivateError => [NotFound, SelfDeactivation, IllegalTransition, OwnsOpenCases]
    + AccessError + GrantError + AssigneeError + StoreError);
problems!(ReactivateError => [NotFound, IllegalTransition] + AccessError + GrantError + StoreError);
problems!(SignOutError => [NotFound] + AccessError + StoreError);
problems!(CaseError => [NotFound, CaseClosed, InvalidField] + AccessError + AssigneeError + StoreError);
problems!(ResetPasswordError => [NotFound, UserNotActive]
    + AccessError + PasswordRejection + HashError + StoreError);
problems!(LinkError => [InvalidLink] + PasswordRejection + HashError + StoreError);
problems!(ChangePasswordError => [InvalidField, TooManyAttempts] + PasswordRejection + HashError + StoreError);
problems!(EditUserError => [] + UpdateUserError + DeactivateError + ReactivateError);
problems!(RoleError => [NotFound, Builtin, CannotGrant, NameTaken] + AccessError + StoreError);
problems!(SiteError => [NotFound, NameTaken] + AccessError + StoreError);
problems!(PartyError => [NotFound, InvalidField] + AccessError + StoreError);
problems!(ReadLogError => [] + AccessError + StoreError);
problems!(RetryEmailError => [NotFound, EmailNotFailed, EmailSecretRemoved] + AccessError + StoreError);
problems!(SettingsError => [InvalidField]);
problems!(UpdateSettingsError => [SuperAdminOnly] + AccessError + SettingsError + StoreError);

impl<A: Problems, B: Problems> Problems for (A, B) {
    fn kinds() -> Vec<ProblemKind> {
        let mut kinds = A::kinds();
        kinds.extend(B::kinds());
        kinds
    }
}

/// The error answers of a route failing with `E`, for `responses(..)` in
/// `#[utoipa::path]`: one response per status, naming its problem kinds.
pub struct Answers<E>(std::marker::PhantomData<E>);

impl<E: Problems> utoipa::IntoResponses for Answers<E> {
    fn responses()
    -> std::collections::BTreeMap<String, utoipa::openapi::RefOr<utoipa::openapi::response::Response>> {
        problem_responses(&E::kinds())
    }
}

/// The extension member of an error response listing its problem kinds
/// (`type` URI suffixes), so the document can be merged and read by tools.
pub const KINDS_EXTENSION: &str = "x-problem-kinds";

/// One response per status for `kinds`: `application/problem+json` whose
/// `type` is one of the kinds' URIs, described by their slugs and titles.
pub fn problem_responses(
    kinds: &[ProblemKind],
) -> std::collections::BTreeMap<String, utoipa::openapi::RefOr<utoipa::openapi::response::Response>> {
    use std::collections::{BTreeMap, BTreeSet};
    let mut by_status: BTreeMap<u16, BTreeSet<ProblemKind>> = BTreeMap::new();
    for kind in kinds {
        by_status.entry(kind.status().as_u16()).or_default().insert(*kind);
    }
    by_status
        .into_iter()
        .map(|(status, kinds)| (status.to_string(), problem_response(&kinds).into()))
        .collect()
}

/// The response for problems of one status.
pub fn problem_response(
    kinds: &std::collections::BTreeSet<ProblemKind>,
) -> utoipa::openapi::response::Response {
    use utoipa::openapi::extensions::ExtensionsBuilder;
    use utoipa::openapi::schema::{AllOfBuilder, ObjectBuilder, Type};
    use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
    let description =
        kinds.iter().map(|k| format!("`{}`: {}", k.slug(), k.title())).collect::<Vec<_>>().join("; ");
    let types = ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(kinds.iter().map(|k| k.type_uri()).collect::<Vec<_>>()));
    let schema = AllOfBuilder::new()
        .item(Ref::from_schema_name("Problem"))
        .item(ObjectBuilder::new().property("type", types));
    ResponseBuilder::new()
        .description(description)
        .content(PROBLEM_JSON, ContentBuilder::new().schema(Some(schema)).build())
        .extensions(Some(
            ExtensionsBuilder::new()
                .add(KINDS_EXTENSION, kinds.iter().map(|k| k.slug()).collect::<Vec<_>>())
                .build(),
        ))
        .build()
}

/// The kind named by `slug`, if any.
pub fn kind_of_slug(slug: &str) -> Option<ProblemKind> {
    ProblemKind::ALL.into_iter().find(|k| k.slug() == slug)
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn body(error: ApiError) -> Value {
        let response = error.into_response();
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 16).await.unwrap();
        serde_json::from_slice(&bytes).unwrap()
    }

    /// Every error maps to a kind its enum lists for the document.
    fn assert_listed<E: Problems + std::fmt::Debug + Clone>(errors: &[E])
    where
        ApiError: From<E>,
    {
        let listed = E::kinds();
        for error in errors {
            let kind = ApiError::from(error.clone()).kind();
            assert!(listed.contains(&kind), "{error:?} answers {kind:?}, not listed in {listed:?}");
        }
    }

    #[test]
    fn every_error_answers_a_kind_its_enum_lists() {
        let store = || StoreError::Unavailable("down".to_owned());
        let nobody = UserId::from_uuid(uuid::Uuid::nil());
        assert_listed(&[
            CreateUserError::Access(AccessError::PasswordChangeRequired),
            CreateUserError::EmailPreviouslyUsed { holder: nobody, status: UserStatus::Inactive },
            CreateUserError::Grant(GrantError::UnknownRole),
            CreateUserError::Grant(GrantError::SuperAdminCapReached { cap: 2 }),
            CreateUserError::UnknownSite,
            CreateUserError::Password(PasswordRejection::Common),
            CreateUserError::Hash(HashError::Busy),
            CreateUserError::Hash(HashError::Failed("x".to_owned())),
            CreateUserError::Store(store()),
        ]);
        assert_listed(&[
            DeactivateError::UserNotFound,
            DeactivateError::SelfDeactivation,
            DeactivateError::Transition(IllegalTransition {
                from: UserStatus::Inactive,
                to: UserStatus::Inactive,
            }),
            DeactivateError::Grant(GrantError::LastSuperAdmin),
            DeactivateError::OwnsOpenCases { count: 1 },
            DeactivateError::Assignee(AssigneeError::SameUser),
            DeactivateError::Store(store()),
        ]);
        assert_listed(&[
            CaseError::CaseNotFound,
            CaseError::UserNotFound,
            CaseError::CaseClosed,
            CaseError::NotAnOpenCaseOf(CaseId::from_uuid(uuid::Uuid::nil())),
            CaseError::Assignee(AssigneeError::CannotOwnCases),
            CaseError::Store(store()),
        ]);
        assert_listed(&[
            LinkError::InvalidLink,
            LinkError::Password(PasswordRejection::TooLong),
            LinkError::Hash(HashError::Busy),
            LinkError::Store(store()),
        ]);
        assert_listed(&[
            ResetPasswordError::UserNotFound,
            ResetPasswordError::NotActive { status: UserStatus::Invited },
            ResetPasswordError::Password(PasswordRejection::SameAsCurrent),
        ]);
        assert_listed(&[
            SignInError::Failed,
            SignInError::PasswordTooLong,
            SignInError::Hash(HashError::Busy),
        ]);
        assert_listed(&[
            RoleError::NotFound,
            RoleError::Builtin,
            RoleError::NameTaken,
            RoleError::Store(store()),
        ]);
        assert_listed(&[SiteError::NotFound, SiteError::NameTaken]);
        assert_listed(&[PartyError::SiteNotFound, PartyError::PartyNotFound, PartyError::NoEmail]);
        assert_listed(&[
            UpdateSettingsError::Settings(SettingsError::CapTooLow),
            UpdateSettingsError::Settings(SettingsError::MinLengthOutOfRange),
        ]);
        assert_listed(&[
            InvitationError::UserNotFound,
            InvitationError::NotInvited { status: UserStatus::Active },
        ]);
        assert_listed(&[SessionError::Invalid, SessionError::Store(store())]);
    }

    #[tokio::test]
    async fn extension_members_never_replace_the_numeric_status() {
        let errors = [
            ApiError::from(InvitationError::NotInvited { status: UserStatus::Active }),
            ApiError::from(ResetPasswordError::NotActive { status: UserStatus::Inactive }),
            ApiError::from(DeactivateError::Transition(IllegalTransition {
                from: UserStatus::Inactive,
                to: UserStatus::Inactive,
            })),
        ];
        for error in errors {
            let body = body(error).await;
            assert_eq!(body["status"], 409, "{body}");
            assert!(body["user_status"].is_string(), "{body}");
        }
    }
}
