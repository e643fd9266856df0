//! The refusals about individuals (parties): recording, changing and
//! inviting them, their portal access, and the cases they take part in.
//! One exhaustive `match` per operation's error enum.

use super::{Describe, Problem, portal_status_name};
use crate::i18n::{Text, fill};
use axum::http::StatusCode;
use identity_domain::*;

fn email_taken(t: &Text) -> Problem {
    Problem::conflict("email", t.party_portal_email_taken.to_owned())
}

fn no_portal(t: &Text) -> Problem {
    Problem::general(StatusCode::CONFLICT, t.err_party_no_portal)
}

fn transition(t: &Text, e: &IllegalPortalTransition) -> Problem {
    Problem::general(
        StatusCode::CONFLICT,
        fill(
            t.err_portal_transition,
            &[("from", portal_status_name(t, e.from)), ("to", portal_status_name(t, e.to))],
        ),
    )
}

impl Describe for SavePartyError {
    fn describe(&self, t: &Text) -> Problem {
        match self {
            Self::Access(e) => e.describe(t),
            Self::SiteNotFound => Problem::not_found(t),
            Self::NoEmail => Problem::at("email", t.party_needs_email),
            Self::EmailTaken { .. } => email_taken(t),
            Self::Store(e) => e.describe(t),
        }
    }
}

impl Describe for UpdatePartyError {
    fn describe(&self, t: &Text) -> Problem {
        match self {
            Self::Access(e) => e.describe(t),
            Self::PartyNotFound => Problem::not_found(t),
            Self::Store(e) => e.describe(t),
        }
    }
}

impl Describe for InvitePartyError {
    fn describe(&self, t: &Text) -> Problem {
        match self {
            Self::Access(e) => e.describe(t),
            Self::PartyNotFound => Problem::not_found(t),
            Self::NoEmail => Problem::at("email", t.party_needs_email),
            Self::EmailTaken { .. } => email_taken(t),
            Self::PortalAlreadyOpen { .. } => Problem::conflict("email", t.party_portal_open.to_owned()),
            Self::Store(e) => e.describe(t),
        }
    }
}

impl Describe for ReadPartyError {
    fn describe(&self, t: &Text) -> Problem {
        match self {
            Self::Access(e) => e.describe(t),
            Self::PartyNotFound => Problem::not_found(t),
            Self::Store(e) => e.describe(t),
        }
    }
}

impl Describe for ListPartiesError {
    fn describe(&self, t: &Text) -> Problem {
        match self {
            Self::Access(e) => e.describe(t),
            Self::SiteNotFound => Problem::not_found(t),
            Self::Store(e) => e.describe(t),
        }
    }
}

impl Describe for ReadPortalAccessError {
    fn describe(&self, t: &Text) -> Problem {
        match self {
            Self::Access(e) => e.describe(t),
            Self::PartyNotFound => Problem::not_found(t),
            Self::Store(e) => e.describe(t),
        }
    }
}

impl Describe for RevokePartyInvitationError {
    fn describe(&self, t: &Text) -> Problem {
        match self {
            Self::Access(e) => e.describe(t),
            Self::PartyNotFound => Problem::not_found(t),
            Self::NotInvited => no_portal(t),
            Self::NotPending { status } => Problem::general(
                StatusCode::CONFLICT,
                fill(t.err_party_not_pending, &[("status", portal_status_name(t, *status))]),
            ),
            Self::Store(e) => e.describe(t),
        }
    }
}

impl Describe for PartyRecoveryLinkError {
    fn describe(&self, t: &Text) -> Problem {
        match self {
            Self::Access(e) => e.describe(t),
            Self::PartyNotFound => Problem::not_found(t),
            Self::NotInvited => no_portal(t),
            Self::NotActive { status } => Problem::general(
                StatusCode::CONFLICT,
                fill(t.err_party_not_active, &[("status", portal_status_name(t, *status))]),
            ),
            Self::Store(e) => e.describe(t),
        }
    }
}

impl Describe for EndPartySessionsError {
    fn describe(&self, t: &Text) -> Problem {
        match self {
            Self::Access(e) => e.describe(t),
            Self::PartyNotFound => Problem::not_found(t),
            Self::NotInvited => no_portal(t),
            Self::Store(e) => e.describe(t),
        }
    }
}

impl Describe for ResetPartyFactorsError {
    fn describe(&self, t: &Text) -> Problem {
        match self {
            Self::Access(e) => e.describe(t),
            Self::PartyNotFound => Problem::not_found(t),
            Self::NotInvited => no_portal(t),
            Self::Store(e) => e.describe(t),
        }
    }
}

impl Describe for DeactivatePortalError {
    fn describe(&self, t: &Text) -> Problem {
        match self {
            Self::Access(e) => e.describe(t),
            Self::PartyNotFound => Problem::not_found(t),
            Self::NotInvited => no_portal(t),
            Self::Transition(e) => transition(t, e),
            Self::Store(e) => e.describe(t),
        }
    }
}

impl Describe for ReactivatePortalError {
    fn describe(&self, t: &Text) -> Problem {
        match self {
            Self::Access(e) => e.describe(t),
            Self::PartyNotFound => Problem::not_found(t),
            Self::NotInvited => no_portal(t),
            Self::Transition(e) => transition(t, e),
            Self::Store(e) => e.describe(t),
        }
    }
}

impl Describe for ListPartyCasesError {
    fn describe(&self, t: &Text) -> Problem {
        match self {
            Self::Access(e) => e.describe(t),
            Self::PartyNotFound => Problem::not_found(t),
            Self::Store(e) => e.describe(t),
        }
    }
}

impl Describe for AddCasePartyError {
    fn describe(&self, t: &Text) -> Problem {
        match self {
            Self::Access(e) => e.describe(t),
            Self::CaseNotFound => Problem::at("case", t.err_case_reference),
            Self::PartyNotFound => Problem::not_found(t),
            Self::AlreadyOnCase => Problem::conflict("case", t.err_already_on_case.to_owned()),
            Self::Store(e) => e.describe(t),
        }
    }
}

impl Describe for RemoveCasePartyError {
    fn describe(&self, t: &Text) -> Problem {
        match self {
            Self::Access(e) => e.describe(t),
            Self::CaseNotFound => Problem::at("case", t.err_case_reference),
            Self::NotOnCase => Problem::general(StatusCode::CONFLICT, t.err_not_on_case),
            Self::Store(e) => e.describe(t),
        }
    }
}
