//! One user: the details page with its actions menu (the three password
//! resets, sign out all sessions, invitations, each confirmed first), the
//! edit page (details, admin notes, sites, the active/inactive toggle that
//! offers to reassign open cases, role and profiles), the email change with
//! its warning, and the assigned-cases tab with select-all and
//! "Reassign to…".
//!
//! Where each lives: [`details`] (with the actions menu and its
//! confirmations), [`edit`], [`email`], [`cases`]. This file holds the
//! routes and what every page about one user shares: the heading, tabs
//! and actions menu ([`Head`]), the actions, and loading the user.

use super::people::{Picker, Purpose, Submitted};
use super::users::{Catalogue, PersonFields, done_text, holder_of, picked};
use super::{Chrome, Errors, render};
use crate::i18n::{Text, date_time, fill};
use crate::messages::{Describe, Problem, email_problem, status_name};
use crate::session::{SignedForm, Viewer};
use crate::{ConsoleState, paths};
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use identity_domain::*;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

mod cases;
mod details;
mod edit;
mod email;

use cases::*;
use details::*;
use edit::*;
use email::*;

/// The routes of this module.
pub fn routes() -> Router<ConsoleState> {
    Router::new()
        .route("/console/users/{id}", get(details))
        .route("/console/users/{id}/edit", get(edit_form).post(edit))
        .route("/console/users/{id}/access", post(set_access))
        .route("/console/users/{id}/email", get(email_form).post(change_email))
        .route("/console/users/{id}/confirm/{action}", get(confirm))
        .route("/console/users/{id}/actions/{action}", post(act))
        .route("/console/users/{id}/cases", get(cases))
        .route("/console/users/{id}/cases/reassign", post(reassign))
}

fn user_href(id: UserId) -> String {
    format!("{}/{id}", paths::USERS)
}

async fn load(state: &ConsoleState, viewer: &Viewer, raw: &str) -> Result<User, Response> {
    let Ok(id) = raw.parse::<UserId>() else {
        return Err(super::refusal_for(viewer, StatusCode::NOT_FOUND, viewer.lang.text().err_not_found));
    };
    state.service.get_user(&viewer.caller, id).await.map_err(|e| super::failure_for(viewer, e))
}

/// An action of the actions menu.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Action {
    ResetGenerate,
    ResetLink,
    ResetTemporary,
    SignOutAll,
    Resend,
    Revoke,
    ResetFactors,
}

impl Action {
    const ALL: [Self; 7] = [
        Self::ResetGenerate,
        Self::ResetLink,
        Self::ResetTemporary,
        Self::SignOutAll,
        Self::Resend,
        Self::Revoke,
        Self::ResetFactors,
    ];

    fn slug(self) -> &'static str {
        match self {
            Self::ResetGenerate => "reset-generate",
            Self::ResetLink => "reset-link",
            Self::ResetTemporary => "reset-temporary",
            Self::SignOutAll => "sign-out-all",
            Self::Resend => "resend-invitation",
            Self::Revoke => "revoke-invitation",
            Self::ResetFactors => "reset-factors",
        }
    }

    fn parse(slug: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.slug() == slug)
    }

    fn label(self, t: &'static Text) -> &'static str {
        match self {
            Self::ResetGenerate => t.reset_generate,
            Self::ResetLink => t.reset_link,
            Self::ResetTemporary => t.reset_temporary,
            Self::SignOutAll => t.sign_out_all,
            Self::Resend => t.resend_invitation,
            Self::Revoke => t.revoke_invitation,
            Self::ResetFactors => t.mfa_reset,
        }
    }

    fn question(self, t: &'static Text) -> &'static str {
        match self {
            Self::ResetGenerate => t.confirm_reset_generate,
            Self::ResetLink => t.confirm_reset_link,
            Self::ResetTemporary => t.confirm_reset_temporary,
            Self::SignOutAll => t.confirm_sign_out_all,
            Self::Resend => t.confirm_resend,
            Self::Revoke => t.confirm_revoke,
            Self::ResetFactors => t.mfa_reset_confirm,
        }
    }

    /// What its confirm button says (with `{name}`).
    fn button(self, t: &'static Text) -> &'static str {
        match self {
            Self::ResetGenerate => t.button_reset_generate,
            Self::ResetLink => t.button_reset_link,
            Self::ResetTemporary => t.button_reset_temporary,
            Self::SignOutAll => t.button_sign_out_all,
            Self::Resend => t.button_resend,
            Self::Revoke => t.button_revoke,
            Self::ResetFactors => t.mfa_reset,
        }
    }

    /// Whether the viewer may take it on this user now.
    fn offered(self, viewer: &Viewer, user: &User) -> bool {
        let may = |p| viewer.caller.may(p);
        match self {
            Self::ResetGenerate | Self::ResetLink | Self::ResetTemporary | Self::ResetFactors => {
                user.status == UserStatus::Active && may(Permission::UsersResetPassword)
            }
            Self::SignOutAll => user.status == UserStatus::Active && may(Permission::UsersSignOut),
            Self::Resend | Self::Revoke => user.status == UserStatus::Invited && may(Permission::UsersCreate),
        }
    }
}

/// The heading, tabs and actions menu of every page about one user.
struct Head {
    id: String,
    name: String,
    status: &'static str,
    status_label: &'static str,
    tab: &'static str,
    may_edit: bool,
    may_cases: bool,
    actions: Vec<(String, &'static str, &'static str)>,
}

impl Head {
    fn of(viewer: &Viewer, user: &User, tab: &'static str) -> Self {
        let t = viewer.lang.text();
        let may = |p| viewer.caller.may(p);
        Self {
            id: user.id.to_string(),
            name: user.name.as_str().to_owned(),
            status: user.status.as_str(),
            status_label: status_name(t, user.status),
            tab,
            may_edit: may(Permission::UsersUpdate)
                || may(Permission::UsersAssignRoles)
                || may(Permission::UsersDeactivate),
            may_cases: may(Permission::CasesRead),
            actions: Action::ALL
                .into_iter()
                .filter(|a| a.offered(viewer, user))
                .map(|a| (format!("{}/confirm/{}", user_href(user.id), a.slug()), a.label(t), a.slug()))
                .collect(),
        }
    }
}

#[derive(Template)]
#[template(path = "user.html")]
struct DetailsPage {
    t: &'static Text,
    chrome: Chrome,
    head: Head,
    done: Option<&'static str>,
    facts: Vec<(&'static str, String)>,
    notes: Option<String>,
    emails: Vec<(String, String)>,
    may_email: bool,
    may_audit: bool,
}

/// A notice in the address.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Done {
    done: String,
}

/// A choice in a list.
struct Choice {
    value: String,
    label: String,
    selected: bool,
}
