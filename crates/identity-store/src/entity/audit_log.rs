//! `audit_log`: append-only (the database refuses updates and deletes).

use super::{corrupt, parse, parse_opt, stored_time};
use identity_domain::{
    Actor, AuditAction, AuditEntry, AuditId, CaseId, PartyId, PracticeId, ProfileId, RequestId, RoleId,
    SiteId, StoreError, Target, UserId,
};
use sea_orm::entity::prelude::*;

/// A row of `audit_log`.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_log")]
pub struct Model {
    /// Entry id (UUIDv7: sorts in writing order).
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The practice.
    pub practice_id: Uuid,
    /// When, UTC.
    pub at: DateTimeUtc,
    /// `user`, `system` or `anonymous`.
    pub actor_kind: String,
    /// The acting user, when `actor_kind` is `user`.
    pub actor_user_id: Option<Uuid>,
    /// Dotted action name.
    pub action: String,
    /// `practice`, `user`, `role`, `profile`, `site`, `party` or `case`.
    pub target_kind: Option<String>,
    /// The target's id.
    pub target_id: Option<Uuid>,
    /// The request that did it.
    pub request_id: Option<String>,
    /// State before.
    pub before: Option<Json>,
    /// State after, or details.
    pub after: Option<Json>,
}

impl ActiveModelBehavior for ActiveModel {}

const TABLE: &str = "audit_log";

/// The `(actor_kind, actor_user_id)` columns of an actor.
pub fn actor_columns(actor: Actor) -> (&'static str, Option<Uuid>) {
    match actor {
        Actor::User(u) => ("user", Some(u.as_uuid())),
        Actor::System => ("system", None),
        Actor::Anonymous => ("anonymous", None),
    }
}

/// The `(target_kind, target_id)` columns of a target.
pub fn target_columns(target: Target) -> (&'static str, Uuid) {
    match target {
        Target::Practice(id) => ("practice", id.as_uuid()),
        Target::User(id) => ("user", id.as_uuid()),
        Target::Role(id) => ("role", id.as_uuid()),
        Target::Profile(id) => ("profile", id.as_uuid()),
        Target::Site(id) => ("site", id.as_uuid()),
        Target::Party(id) => ("party", id.as_uuid()),
        Target::Case(id) => ("case", id.as_uuid()),
    }
}

fn target_from(kind: &str, id: Uuid) -> Option<Target> {
    Some(match kind {
        "practice" => Target::Practice(PracticeId::from_uuid(id)),
        "user" => Target::User(UserId::from_uuid(id)),
        "role" => Target::Role(RoleId::from_uuid(id)),
        "profile" => Target::Profile(ProfileId::from_uuid(id)),
        "site" => Target::Site(SiteId::from_uuid(id)),
        "party" => Target::Party(PartyId::from_uuid(id)),
        "case" => Target::Case(CaseId::from_uuid(id)),
        _ => return None,
    })
}

impl Model {
    /// The row of an entry.
    pub fn from_domain(e: &AuditEntry) -> Self {
        let (actor_kind, actor_user_id) = actor_columns(e.actor);
        let target = e.target.map(target_columns);
        Self {
            id: e.id.as_uuid(),
            practice_id: e.practice.as_uuid(),
            at: stored_time(e.at),
            actor_kind: actor_kind.to_owned(),
            actor_user_id,
            action: e.action.as_str().to_owned(),
            target_kind: target.map(|(kind, _)| kind.to_owned()),
            target_id: target.map(|(_, id)| id),
            request_id: e.request_id.as_ref().map(|r| r.as_str().to_owned()),
            before: e.before.clone(),
            after: e.after.clone(),
        }
    }

    /// The entry of a row.
    ///
    /// # Errors
    /// [`StoreError::Internal`] when a stored value is unreadable.
    pub fn into_domain(self) -> Result<AuditEntry, StoreError> {
        let actor = match (self.actor_kind.as_str(), self.actor_user_id) {
            ("user", Some(id)) => Actor::User(UserId::from_uuid(id)),
            ("system", None) => Actor::System,
            ("anonymous", None) => Actor::Anonymous,
            _ => return Err(corrupt(TABLE, "actor_kind")),
        };
        let target = match (self.target_kind.as_deref(), self.target_id) {
            (None, None) => None,
            (Some(kind), Some(id)) => {
                Some(target_from(kind, id).ok_or_else(|| corrupt(TABLE, "target_kind"))?)
            }
            _ => return Err(corrupt(TABLE, "target_kind")),
        };
        Ok(AuditEntry {
            id: AuditId::from_uuid(self.id),
            practice: PracticeId::from_uuid(self.practice_id),
            at: self.at,
            actor,
            action: parse(TABLE, "action", &self.action, |s| AuditAction::parse(s).ok_or(()))?,
            target,
            request_id: parse_opt(TABLE, "request_id", self.request_id.as_deref(), RequestId::parse)?,
            before: self.before,
            after: self.after,
        })
    }
}
