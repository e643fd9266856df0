//! The users table (filter, sort by heading, chosen columns remembered in
//! a cookie, search, keyset pages both ways, CSV download through the API)
//! and the "New user" page (generated or typed one-time password, or an
//! invitation).
//!
//! Where each lives: [`table`], [`new`] (the new-user page), and [`form`]
//! (what the new-user form shares with the pages of one user). This file
//! holds the routes and the column names and encoding the other pages use.

use super::{Chrome, Errors, render};
use crate::i18n::{Text, date_time, fill};
use crate::messages::{Describe, Problem, email_problem, status_name, text_problem};
use crate::session::{SignedForm, Viewer};
use crate::{ConsoleState, paths};
use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use chrono::{DateTime, Utc};
use identity_domain::*;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use std::collections::BTreeSet;

mod chips;
mod form;
mod new;
mod table;

pub use form::*;
use new::*;
use table::*;

/// The routes of this module.
pub fn routes() -> Router<ConsoleState> {
    Router::new()
        .route(paths::USERS, get(table).post(create))
        .route("/console/users/columns", post(choose_columns))
        .route("/console/users/new", get(new_form))
        .route("/console/users/{id}/created", get(created))
}

/// The cookie that remembers the chosen columns.
const COLUMNS_COOKIE: &str = "__Host-console-columns";
/// The rows per page the table offers; the first is the default.
const PAGE_SIZES: [u32; 3] = [25, 50, 100];
/// Columns shown until the viewer chooses.
const DEFAULT_COLUMNS: &[UserColumn] =
    &[UserColumn::Name, UserColumn::Email, UserColumn::Status, UserColumn::Role, UserColumn::CreatedAt];

/// Percent-encodes a query value.
pub fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A column's heading.
pub fn column_label(t: &Text, column: UserColumn) -> &'static str {
    match column {
        UserColumn::Name => t.name,
        UserColumn::Email => t.email,
        UserColumn::Status => t.status,
        UserColumn::Role => t.role,
        UserColumn::Language => t.language,
        UserColumn::TimeZone => t.time_zone,
        UserColumn::CreatedAt => t.created_at,
        UserColumn::LastSignIn => t.last_sign_in,
        UserColumn::Profiles => t.profiles,
        UserColumn::Sites => t.sites,
        UserColumn::Invitation => t.invitation,
    }
}

struct Choice {
    value: String,
    label: String,
    selected: bool,
}
