//! Every error answers a kind its enum lists; the body keeps its RFC 9457
//! members.

use super::*;
use identity_domain::*;
use serde_json::Value;

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
    let internal = || StoreError::Internal("unreadable value in users.email".to_owned());
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
        DeactivateError::LastSuperAdmin,
        DeactivateError::OwnsOpenCases { count: 1 },
        DeactivateError::Assignee(AssigneeError::SameUser),
        DeactivateError::Store(store()),
    ]);
    assert_listed(&[
        CreateCaseError::Assignee(AssigneeError::NotActive { status: UserStatus::Inactive }),
        CreateCaseError::Store(store()),
    ]);
    assert_listed(&[
        AssignCaseError::CaseNotFound,
        AssignCaseError::CaseClosed,
        AssignCaseError::Assignee(AssigneeError::CannotOwnCases),
    ]);
    assert_listed(&[CloseCaseError::CaseNotFound, CloseCaseError::CaseClosed]);
    assert_listed(&[ReadCaseError::CaseNotFound, ReadCaseError::Store(internal())]);
    assert_listed(&[ListCasesError::UserNotFound]);
    assert_listed(&[
        ReassignCasesError::UserNotFound,
        ReassignCasesError::NotAnOpenCaseOf(CaseId::from_uuid(uuid::Uuid::nil())),
        ReassignCasesError::Assignee(AssigneeError::SameUser),
    ]);
    assert_listed(&[
        UpdateUserError::UserNotFound,
        UpdateUserError::VersionMismatch { current: 3 },
        UpdateUserError::UnknownSite,
    ]);
    assert_listed(&[
        ChangeEmailError::EmailPreviouslyUsed { holder: nobody, status: UserStatus::Active },
        ChangeEmailError::WrongPassword,
        ChangeEmailError::TooManyAttempts { retry_after: Some(3) },
        ChangeEmailError::Hash(HashError::Busy),
    ]);
    assert_listed(&[SetAccessError::Grant(GrantError::SuperAdminOnly), SetAccessError::UserNotFound]);
    assert_listed(&[ListUsersError::Store(store()), ListUsersError::Store(internal())]);
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
    assert_listed(&[SignInError::Failed, SignInError::PasswordTooLong, SignInError::Hash(HashError::Busy)]);
    assert_listed(&[
        RoleError::NotFound,
        RoleError::Builtin,
        RoleError::NameTaken,
        RoleError::Store(store()),
    ]);
    assert_listed(&[
        CreateGrantError::CannotGrant { missing: PermissionSet::EMPTY },
        CreateGrantError::NameTaken,
        CreateGrantError::Store(store()),
    ]);
    assert_listed(&[CreateSiteError::NameTaken, CreateSiteError::Store(store())]);
    assert_listed(&[UpdateSiteError::NotFound, UpdateSiteError::NameTaken]);
    assert_listed(&[ListSitesError::Access(AccessError::PasswordChangeRequired)]);
    assert_listed(&[
        RetryEmailError::NotFound,
        RetryEmailError::NotFailed { status: DeliveryStatus::Sent },
        RetryEmailError::SecretRemoved { kind: MessageKind::Recovery },
    ]);
    assert_listed(&[RetryFailedEmailsError::Store(internal())]);
    let party = PartyId::from_uuid(uuid::Uuid::nil());
    assert_listed(&[
        SavePartyError::SiteNotFound,
        SavePartyError::NoEmail,
        SavePartyError::EmailTaken { holder: party },
        SavePartyError::Access(AccessError::Forbidden(Permission::PartiesInvite)),
        SavePartyError::Store(store()),
    ]);
    assert_listed(&[UpdatePartyError::PartyNotFound, UpdatePartyError::Store(internal())]);
    assert_listed(&[
        InvitePartyError::PartyNotFound,
        InvitePartyError::NoEmail,
        InvitePartyError::EmailTaken { holder: party },
        InvitePartyError::PortalAlreadyOpen { status: PortalAccountStatus::Active },
        InvitePartyError::Store(internal()),
    ]);
    assert_listed(&[ReadPartyError::PartyNotFound, ReadPartyError::Store(store())]);
    assert_listed(&[ListPartiesError::SiteNotFound, ListPartiesError::Store(store())]);
    let transition =
        IllegalPortalTransition { from: PortalAccountStatus::Invited, to: PortalAccountStatus::Inactive };
    assert_listed(&[ReadPortalAccessError::PartyNotFound, ReadPortalAccessError::Store(internal())]);
    assert_listed(&[
        RevokePartyInvitationError::PartyNotFound,
        RevokePartyInvitationError::NotInvited,
        RevokePartyInvitationError::NotPending { status: PortalAccountStatus::Active },
    ]);
    assert_listed(&[
        PartyRecoveryLinkError::PartyNotFound,
        PartyRecoveryLinkError::NotInvited,
        PartyRecoveryLinkError::NotActive { status: PortalAccountStatus::Inactive },
    ]);
    assert_listed(&[EndPartySessionsError::PartyNotFound, EndPartySessionsError::NotInvited]);
    assert_listed(&[ResetPartyFactorsError::PartyNotFound, ResetPartyFactorsError::NotInvited]);
    assert_listed(&[
        DeactivatePortalError::PartyNotFound,
        DeactivatePortalError::NotInvited,
        DeactivatePortalError::Transition(transition),
    ]);
    assert_listed(&[
        ReactivatePortalError::PartyNotFound,
        ReactivatePortalError::NotInvited,
        ReactivatePortalError::Transition(transition),
    ]);
    assert_listed(&[ListCasePartiesError::CaseNotFound, ListCasePartiesError::Store(store())]);
    assert_listed(&[
        AddCasePartyError::CaseNotFound,
        AddCasePartyError::PartyNotFound,
        AddCasePartyError::AlreadyOnCase,
    ]);
    assert_listed(&[RemoveCasePartyError::CaseNotFound, RemoveCasePartyError::NotOnCase]);
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

#[tokio::test]
async fn a_storage_fault_that_retrying_cannot_mend_answers_500_without_its_cause() {
    let cause = "unreadable value in users.time_zone";
    let response = ApiError::from(StoreError::Internal(cause.to_owned())).into_response();
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert!(response.headers().get(header::RETRY_AFTER).is_none(), "{:?}", response.headers());
    let body = body(ApiError::from(StoreError::Internal(cause.to_owned()))).await;
    assert_eq!(body["type"], ProblemKind::Internal.type_uri(), "{body}");
    assert!(!body.to_string().contains("time_zone"), "the cause travelled: {body}");

    let unavailable =
        ApiError::from(StoreError::Unavailable("connection refused".to_owned())).into_response();
    assert_eq!(unavailable.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(unavailable.headers().get(header::RETRY_AFTER).is_some());
}
