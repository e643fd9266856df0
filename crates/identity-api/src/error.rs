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

/// A problem+json answer.
#[derive(Debug, Clone)]
pub struct ApiError {
    status: StatusCode,
    kind: &'static str,
    title: &'static str,
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
    /// A problem of `kind` (a short slug, part of the `type` URI).
    pub fn new(
        status: StatusCode,
        kind: &'static str,
        title: &'static str,
        detail: impl Into<String>,
    ) -> Self {
        Self { status, kind, title, detail: detail.into(), extra: Map::new(), retry_after: None }
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

    /// The status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The stable `type` URI of a kind.
    pub fn type_uri(kind: &str) -> String {
        format!("urn:practice-identity:problem:{kind}")
    }

    /// One or more invalid fields (422).
    pub fn validation(problems: Vec<FieldProblem>) -> Self {
        let detail =
            problems.iter().map(|p| format!("{}: {}", p.field, p.detail)).collect::<Vec<_>>().join("; ");
        let first = problems.first().map(|p| p.field.clone());
        let mut error =
            Self::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid-field", "A field is not valid", detail)
                .with("errors", &problems);
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
        Self::new(StatusCode::NOT_FOUND, "not-found", "Not found", format!("no such {what}"))
    }

    /// 401, with `WWW-Authenticate`.
    pub fn unauthenticated() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
            "Sign in first",
            "the session is missing or no longer valid; sign in again",
        )
    }

    /// A server-side failure: logged with its cause, answered without it.
    pub fn internal(cause: &dyn std::fmt::Display) -> Self {
        tracing::error!(cause = %cause, "request failed");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "Something went wrong",
            "the server could not complete the request",
        )
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut body = json!({
            "type": Self::type_uri(self.kind),
            "title": self.title,
            "status": self.status.as_u16(),
            "detail": self.detail,
        });
        if let Value::Object(map) = &mut body {
            map.extend(self.extra);
        }
        let mut response = (self.status, axum::Json(body)).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
        if self.status == StatusCode::UNAUTHORIZED {
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
                Self::new(StatusCode::FORBIDDEN, "forbidden", "Not allowed", e.to_string())
                    .with("permission", p)
            }
            AccessError::PasswordChangeRequired => Self::new(
                StatusCode::FORBIDDEN,
                "password-change-required",
                "Change your password first",
                e.to_string(),
            ),
            AccessError::TargetOutranksCaller { super_admin, missing } => Self::new(
                StatusCode::FORBIDDEN,
                "target-outranks-caller",
                "This user outranks you",
                e.to_string(),
            )
            .with("super_admin", super_admin)
            .with("missing", missing),
            AccessError::UseSelfService => {
                Self::new(StatusCode::FORBIDDEN, "use-self-service", "Not on your own account", e.to_string())
            }
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict(Conflict::Stale) => Self::new(
                StatusCode::PRECONDITION_FAILED,
                "version-mismatch",
                "Changed by someone else",
                "the record changed since you read it; read it again",
            ),
            StoreError::Conflict(Conflict::EmailTaken) => {
                Self::new(StatusCode::CONFLICT, "email-previously-used", "Email already used", e.to_string())
                    .at("email")
            }
            StoreError::Conflict(Conflict::NameTaken) => {
                Self::new(StatusCode::CONFLICT, "name-taken", "Name already used", e.to_string()).at("name")
            }
            StoreError::Unavailable(cause) => {
                tracing::error!(cause = %cause, "storage unavailable");
                Self::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "storage-unavailable",
                    "Try again shortly",
                    "the database did not answer",
                )
                .retry_after(5)
            }
        }
    }
}

impl From<HashError> for ApiError {
    fn from(e: HashError) -> Self {
        match e {
            HashError::Busy => Self::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "busy",
                "Try again shortly",
                "too many sign-ins at once; try again in a second",
            )
            .retry_after(1),
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
            SignInError::Failed => {
                Self::new(StatusCode::UNAUTHORIZED, "sign-in-failed", "Sign-in failed", e.to_string())
            }
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
        Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "password-rejected",
            "Choose another password",
            e.to_string(),
        )
        .at("password")
        .with("reason", reason)
    }
}

impl From<GrantError> for ApiError {
    fn from(e: GrantError) -> Self {
        let detail = e.to_string();
        match e {
            GrantError::UnknownRole => Self::invalid("role", detail),
            GrantError::UnknownProfile => Self::invalid("profiles", detail),
            GrantError::CannotGrant { missing } => {
                Self::new(StatusCode::FORBIDDEN, "cannot-grant", "Not allowed", detail)
                    .with("missing", missing)
            }
            GrantError::SuperAdminOnly => {
                Self::new(StatusCode::FORBIDDEN, "super-admin-only", "Only a Super Admin can do this", detail)
            }
            GrantError::SuperAdminCapReached { cap } => {
                Self::new(StatusCode::CONFLICT, "super-admin-cap-reached", "Too many Super Admins", detail)
                    .with("cap", cap)
            }
            GrantError::LastSuperAdmin => {
                Self::new(StatusCode::CONFLICT, "last-super-admin", "The last Super Admin stays", detail)
            }
        }
    }
}

fn email_previously_used(holder: UserId, status: UserStatus) -> ApiError {
    ApiError::new(
        StatusCode::CONFLICT,
        "email-previously-used",
        "Email already used",
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
            CreateUserError::Password(e) => e.into(),
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
            UpdateUserError::VersionMismatch { current } => Self::new(
                StatusCode::PRECONDITION_FAILED,
                "version-mismatch",
                "Changed by someone else",
                e.to_string(),
            )
            .with("current_version", current),
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
                Self::new(StatusCode::CONFLICT, "not-invited", "Not waiting on an invitation", e.to_string())
                    .with("user_status", status)
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
            AssigneeError::NotFound => "assignee-not-found",
            AssigneeError::NotActive { .. } => "assignee-not-active",
            AssigneeError::CannotOwnCases => "assignee-cannot-own-cases",
            AssigneeError::SameUser => "assignee-same-user",
        };
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, kind, "Cannot be given cases", e.to_string())
    }
}

impl From<DeactivateError> for ApiError {
    fn from(e: DeactivateError) -> Self {
        match e {
            DeactivateError::Access(e) => e.into(),
            DeactivateError::UserNotFound => Self::not_found("user"),
            DeactivateError::SelfDeactivation => Self::new(
                StatusCode::CONFLICT,
                "self-deactivation",
                "You cannot deactivate yourself",
                e.to_string(),
            ),
            DeactivateError::Transition(t) => illegal_transition(t),
            DeactivateError::Grant(e) => e.into(),
            DeactivateError::OwnsOpenCases { count } => Self::new(
                StatusCode::CONFLICT,
                "owns-open-cases",
                "The user still owns open cases",
                e.to_string(),
            )
            .with("count", count),
            DeactivateError::Assignee(e) => Self::from(e).at("reassign_to"),
            DeactivateError::Store(e) => e.into(),
        }
    }
}

fn illegal_transition(t: IllegalTransition) -> ApiError {
    ApiError::new(StatusCode::CONFLICT, "illegal-transition", "Not possible in this status", t.to_string())
        .with("user_status", t.from)
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
            CaseError::CaseClosed => {
                Self::new(StatusCode::CONFLICT, "case-closed", "The case is closed", e.to_string())
            }
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
                Self::new(StatusCode::CONFLICT, "user-not-active", "Only active users", e.to_string())
                    .with("user_status", status)
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
            LinkError::InvalidLink => {
                Self::new(StatusCode::BAD_REQUEST, "invalid-link", "The link does not work", e.to_string())
                    .at("token")
            }
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
        StatusCode::TOO_MANY_REQUESTS,
        "too-many-attempts",
        "Too many wrong passwords",
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
            RoleError::Builtin => {
                Self::new(StatusCode::CONFLICT, "builtin", "Built-ins cannot change", e.to_string())
            }
            RoleError::CannotGrant { missing } => {
                Self::new(StatusCode::FORBIDDEN, "cannot-grant", "Not allowed", e.to_string())
                    .with("missing", missing)
            }
            RoleError::NameTaken => {
                Self::new(StatusCode::CONFLICT, "name-taken", "Name already used", e.to_string()).at("name")
            }
            RoleError::Store(e) => e.into(),
        }
    }
}

impl From<SiteError> for ApiError {
    fn from(e: SiteError) -> Self {
        match e {
            SiteError::Access(e) => e.into(),
            SiteError::NotFound => Self::not_found("site"),
            SiteError::NameTaken => {
                Self::new(StatusCode::CONFLICT, "name-taken", "Name already used", e.to_string()).at("name")
            }
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
            RetryEmailError::NotFailed { status } => Self::new(
                StatusCode::CONFLICT,
                "email-not-failed",
                "Only failed emails are retried",
                e.to_string(),
            )
            .with("email_status", status),
            RetryEmailError::SecretRemoved { kind } => Self::new(
                StatusCode::CONFLICT,
                "email-secret-removed",
                "Its link or password is gone: send a new one",
                e.to_string(),
            )
            .with("kind", kind.as_str()),
            RetryEmailError::Store(e) => e.into(),
        }
    }
}

impl From<UpdateSettingsError> for ApiError {
    fn from(e: UpdateSettingsError) -> Self {
        match e {
            UpdateSettingsError::Access(e) => e.into(),
            UpdateSettingsError::Settings(e) => e.into(),
            UpdateSettingsError::SuperAdminOnly => Self::new(
                StatusCode::FORBIDDEN,
                "super-admin-only",
                "Only a Super Admin can do this",
                e.to_string(),
            )
            .at("super_admin_cap"),
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

#[cfg(test)]
mod tests {
    use super::*;

    async fn body(error: ApiError) -> Value {
        let response = error.into_response();
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 16).await.unwrap();
        serde_json::from_slice(&bytes).unwrap()
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
