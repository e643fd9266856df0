//! What the OpenAPI document says a route can answer: the problem kinds of
//! each error enum (following the enum's mapping in `from_domain`, variant
//! by variant) and the problem+json responses derived from them.

use super::{PROBLEM_JSON, ProblemKind};
use identity_domain::*;

/// The problem kinds an error enum answers with: what the OpenAPI document
/// lists for the routes that can fail with it. Each list follows the
/// enum's `From` mapping in `from_domain`, variant by variant.
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

problems!(AccessError => [
    Forbidden,
    PasswordChangeRequired,
    SecondFactorRequired,
    EnrolmentRequired,
]);
problems!(TargetError => [TargetOutranksCaller, UseSelfService]);
problems!(StoreError => [StorageUnavailable, Internal]);
problems!(HashError => [Busy, Internal]);
problems!(SessionError => [Unauthenticated] + StoreError);
problems!(SignInError => [SignInFailed, InvalidField] + HashError + StoreError);
problems!(PasswordRejection => [PasswordRejected]);
problems!(GrantError => [InvalidField, CannotGrant, SuperAdminOnly, SuperAdminCapReached]);
problems!(CreateUserError => [EmailPreviouslyUsed, InvalidField]
    + AccessError + GrantError + PasswordRejection + HashError + StoreError);
problems!(UpdateUserError => [NotFound, VersionMismatch, InvalidField] + AccessError + TargetError + StoreError);
problems!(ChangeEmailError => [NotFound, VersionMismatch, EmailPreviouslyUsed, InvalidField, TooManyAttempts]
    + AccessError + TargetError + HashError + StoreError);
problems!(SetAccessError => [NotFound, VersionMismatch, LastSuperAdmin] + AccessError + TargetError + GrantError + StoreError);
problems!(InvitationError => [NotFound, NotInvited] + AccessError + TargetError + StoreError);
problems!(ReadUsersError => [NotFound] + AccessError + StoreError);
problems!(ListUsersError => [] + AccessError + StoreError);
problems!(ExportUsersError => [] + AccessError + StoreError);
problems!(AssigneeError => [AssigneeNotFound, AssigneeNotActive, AssigneeCannotOwnCases, AssigneeSameUser]);
problems!(DeactivateError => [NotFound, SelfDeactivation, IllegalTransition, OwnsOpenCases, LastSuperAdmin]
    + AccessError + TargetError + AssigneeError + StoreError);
problems!(ReactivateError => [NotFound, IllegalTransition, SuperAdminCapReached]
    + AccessError + TargetError + StoreError);
problems!(SignOutError => [NotFound] + AccessError + TargetError + StoreError);
problems!(CreateCaseError => [] + AccessError + AssigneeError + StoreError);
problems!(AssignCaseError => [NotFound, CaseClosed] + AccessError + AssigneeError + StoreError);
problems!(CloseCaseError => [NotFound, CaseClosed] + AccessError + StoreError);
problems!(ReadCaseError => [NotFound] + AccessError + StoreError);
problems!(ListCasesError => [NotFound] + AccessError + StoreError);
problems!(ReassignCasesError => [NotFound, InvalidField] + AccessError + AssigneeError + StoreError);
problems!(ResetPasswordError => [NotFound, UserNotActive]
    + AccessError + TargetError + PasswordRejection + HashError + StoreError);
problems!(LinkError => [InvalidLink] + PasswordRejection + HashError + StoreError);
problems!(ChangePasswordError => [InvalidField, TooManyAttempts] + PasswordRejection + HashError + StoreError);
problems!(EditUserError => [] + UpdateUserError + DeactivateError + ReactivateError);
problems!(RoleError => [NotFound, Builtin, CannotGrant, NameTaken] + AccessError + StoreError);
problems!(CreateGrantError => [CannotGrant, NameTaken] + AccessError + StoreError);
problems!(ListRolesError => [] + AccessError + StoreError);
problems!(CreateSiteError => [NameTaken] + AccessError + StoreError);
problems!(UpdateSiteError => [NotFound, NameTaken] + AccessError + StoreError);
problems!(ListSitesError => [] + AccessError + StoreError);
problems!(SavePartyError => [NotFound, InvalidField, EmailPreviouslyUsed] + AccessError + StoreError);
problems!(UpdatePartyError => [NotFound] + AccessError + StoreError);
problems!(InvitePartyError => [NotFound, InvalidField, EmailPreviouslyUsed, IllegalTransition]
    + AccessError + StoreError);
problems!(ReadPartyError => [NotFound] + AccessError + StoreError);
problems!(ListPartiesError => [NotFound] + AccessError + StoreError);
problems!(ReadLogError => [] + AccessError + StoreError);
problems!(RetryEmailError => [NotFound, EmailNotFailed, EmailSecretRemoved] + AccessError + StoreError);
problems!(RetryFailedEmailsError => [] + AccessError + StoreError);
problems!(SettingsError => [InvalidField]);
problems!(PortalError => [Unauthenticated] + StoreError);
problems!(PortalPasswordError => [Unauthenticated, InvalidField, TooManyAttempts]
    + PasswordRejection + HashError + StoreError);
problems!(ReadPortalAccessError => [NotFound] + AccessError + StoreError);
problems!(RevokePartyInvitationError => [NotFound, NoPortalAccount, IllegalTransition] + AccessError + StoreError);
problems!(PartyRecoveryLinkError => [NotFound, NoPortalAccount, IllegalTransition] + AccessError + StoreError);
problems!(EndPartySessionsError => [NotFound, NoPortalAccount] + AccessError + StoreError);
problems!(ResetPartyFactorsError => [NotFound, NoPortalAccount] + AccessError + StoreError);
problems!(DeactivatePortalError => [NotFound, NoPortalAccount, IllegalTransition] + AccessError + StoreError);
problems!(ReactivatePortalError => [NotFound, NoPortalAccount, IllegalTransition] + AccessError + StoreError);
problems!(ListCasePartiesError => [NotFound] + AccessError + StoreError);
problems!(AddCasePartyError => [NotFound, InvalidField, AlreadyOnCase] + AccessError + StoreError);
problems!(RemoveCasePartyError => [NotFound] + AccessError + StoreError);
problems!(SecondStepError => [SecondFactorFailed] + StoreError);
problems!(ConfirmPasswordError => [InvalidField, TooManyAttempts] + AccessError + HashError + StoreError);
problems!(StartEnrolmentError => [PasswordConfirmationRequired, InvalidField, TooManyFactors, PasskeysUnavailable] + AccessError + StoreError);
problems!(ConfirmPasskeyError => [PasswordConfirmationRequired, NotFound, InvalidField, TooManyFactors] + AccessError + StoreError);
problems!(ConfirmEnrolmentError => [PasswordConfirmationRequired, NotFound, InvalidField] + AccessError + StoreError);
problems!(OwnFactorsError => [PasswordConfirmationRequired] + AccessError + StoreError);
problems!(RegenerateCodesError => [PasswordConfirmationRequired, NoSecondFactor] + AccessError + StoreError);
problems!(RenameFactorError => [PasswordConfirmationRequired, NotFound, InvalidField] + AccessError + StoreError);
problems!(RemoveFactorError => [PasswordConfirmationRequired, NotFound] + AccessError + StoreError);
problems!(ReadUserFactorsError => [NotFound] + AccessError + StoreError);
problems!(ResetFactorsError => [NotFound] + AccessError + TargetError + StoreError);
// Acting on a role, never on one's own account.
problems!(FactorPolicyError => [NotFound, TargetOutranksCaller] + AccessError + StoreError);
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
