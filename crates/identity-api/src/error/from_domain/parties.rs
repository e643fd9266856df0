//! The answers to the refusals about parties: recording, changing,
//! inviting and reading them, their portal access, and the parties of
//! cases. One exhaustive `match` per operation's error enum.

use super::super::{ApiError, ProblemKind};
use identity_domain::*;

fn party_email_taken(detail: String, holder: PartyId) -> ApiError {
    ApiError::new(ProblemKind::EmailPreviouslyUsed, detail).at("email").with("holder", holder)
}

impl From<SavePartyError> for ApiError {
    fn from(e: SavePartyError) -> Self {
        match e {
            SavePartyError::Access(e) => e.into(),
            SavePartyError::SiteNotFound => Self::not_found("site"),
            SavePartyError::NoEmail => Self::invalid("email", e),
            SavePartyError::EmailTaken { holder } => party_email_taken(e.to_string(), holder),
            SavePartyError::Store(e) => e.into(),
        }
    }
}

impl From<UpdatePartyError> for ApiError {
    fn from(e: UpdatePartyError) -> Self {
        match e {
            UpdatePartyError::Access(e) => e.into(),
            UpdatePartyError::PartyNotFound => Self::not_found("party"),
            UpdatePartyError::Store(e) => e.into(),
        }
    }
}

impl From<InvitePartyError> for ApiError {
    fn from(e: InvitePartyError) -> Self {
        match e {
            InvitePartyError::Access(e) => e.into(),
            InvitePartyError::PartyNotFound => Self::not_found("party"),
            InvitePartyError::NoEmail => Self::invalid("email", e),
            InvitePartyError::EmailTaken { holder } => party_email_taken(e.to_string(), holder),
            InvitePartyError::PortalAlreadyOpen { status } => portal_transition(e.to_string(), status),
            InvitePartyError::Store(e) => e.into(),
        }
    }
}

impl From<ReadPartyError> for ApiError {
    fn from(e: ReadPartyError) -> Self {
        match e {
            ReadPartyError::Access(e) => e.into(),
            ReadPartyError::PartyNotFound => Self::not_found("party"),
            ReadPartyError::Store(e) => e.into(),
        }
    }
}

impl From<ListPartiesError> for ApiError {
    fn from(e: ListPartiesError) -> Self {
        match e {
            ListPartiesError::Access(e) => e.into(),
            ListPartiesError::SiteNotFound => Self::not_found("site"),
            ListPartiesError::Store(e) => e.into(),
        }
    }
}

fn portal_transition(detail: String, status: PortalAccountStatus) -> ApiError {
    ApiError::new(ProblemKind::IllegalTransition, detail).with("portal_status", status)
}

fn no_portal_account(detail: String) -> ApiError {
    ApiError::new(ProblemKind::NoPortalAccount, detail)
}

impl From<ReadPortalAccessError> for ApiError {
    fn from(e: ReadPortalAccessError) -> Self {
        match e {
            ReadPortalAccessError::Access(e) => e.into(),
            ReadPortalAccessError::PartyNotFound => Self::not_found("party"),
            ReadPortalAccessError::Store(e) => e.into(),
        }
    }
}

impl From<RevokePartyInvitationError> for ApiError {
    fn from(e: RevokePartyInvitationError) -> Self {
        match e {
            RevokePartyInvitationError::Access(e) => e.into(),
            RevokePartyInvitationError::PartyNotFound => Self::not_found("party"),
            RevokePartyInvitationError::NotInvited => no_portal_account(e.to_string()),
            RevokePartyInvitationError::NotPending { status } => portal_transition(e.to_string(), status),
            RevokePartyInvitationError::Store(e) => e.into(),
        }
    }
}

impl From<PartyRecoveryLinkError> for ApiError {
    fn from(e: PartyRecoveryLinkError) -> Self {
        match e {
            PartyRecoveryLinkError::Access(e) => e.into(),
            PartyRecoveryLinkError::PartyNotFound => Self::not_found("party"),
            PartyRecoveryLinkError::NotInvited => no_portal_account(e.to_string()),
            PartyRecoveryLinkError::NotActive { status } => portal_transition(e.to_string(), status),
            PartyRecoveryLinkError::Store(e) => e.into(),
        }
    }
}

impl From<EndPartySessionsError> for ApiError {
    fn from(e: EndPartySessionsError) -> Self {
        match e {
            EndPartySessionsError::Access(e) => e.into(),
            EndPartySessionsError::PartyNotFound => Self::not_found("party"),
            EndPartySessionsError::NotInvited => no_portal_account(e.to_string()),
            EndPartySessionsError::Store(e) => e.into(),
        }
    }
}

impl From<ResetPartyFactorsError> for ApiError {
    fn from(e: ResetPartyFactorsError) -> Self {
        match e {
            ResetPartyFactorsError::Access(e) => e.into(),
            ResetPartyFactorsError::PartyNotFound => Self::not_found("party"),
            ResetPartyFactorsError::NotInvited => no_portal_account(e.to_string()),
            ResetPartyFactorsError::Store(e) => e.into(),
        }
    }
}

impl From<DeactivatePortalError> for ApiError {
    fn from(e: DeactivatePortalError) -> Self {
        match e {
            DeactivatePortalError::Access(e) => e.into(),
            DeactivatePortalError::PartyNotFound => Self::not_found("party"),
            DeactivatePortalError::NotInvited => no_portal_account(e.to_string()),
            DeactivatePortalError::Transition(t) => portal_transition(t.to_string(), t.from),
            DeactivatePortalError::Store(e) => e.into(),
        }
    }
}

impl From<ReactivatePortalError> for ApiError {
    fn from(e: ReactivatePortalError) -> Self {
        match e {
            ReactivatePortalError::Access(e) => e.into(),
            ReactivatePortalError::PartyNotFound => Self::not_found("party"),
            ReactivatePortalError::NotInvited => no_portal_account(e.to_string()),
            ReactivatePortalError::Transition(t) => portal_transition(t.to_string(), t.from),
            ReactivatePortalError::Store(e) => e.into(),
        }
    }
}

impl From<ListCasePartiesError> for ApiError {
    fn from(e: ListCasePartiesError) -> Self {
        match e {
            ListCasePartiesError::Access(e) => e.into(),
            ListCasePartiesError::CaseNotFound => Self::not_found("case"),
            ListCasePartiesError::Store(e) => e.into(),
        }
    }
}

impl From<AddCasePartyError> for ApiError {
    fn from(e: AddCasePartyError) -> Self {
        match e {
            AddCasePartyError::Access(e) => e.into(),
            AddCasePartyError::CaseNotFound => Self::not_found("case"),
            // The party is named in the body: an unknown one is a bad field.
            AddCasePartyError::PartyNotFound => Self::invalid("party", e),
            AddCasePartyError::AlreadyOnCase => {
                Self::new(ProblemKind::AlreadyOnCase, e.to_string()).at("party")
            }
            AddCasePartyError::Store(e) => e.into(),
        }
    }
}

impl From<RemoveCasePartyError> for ApiError {
    fn from(e: RemoveCasePartyError) -> Self {
        match e {
            RemoveCasePartyError::Access(e) => e.into(),
            RemoveCasePartyError::CaseNotFound => Self::not_found("case"),
            RemoveCasePartyError::NotOnCase => Self::not_found("party on this case"),
            RemoveCasePartyError::Store(e) => e.into(),
        }
    }
}
