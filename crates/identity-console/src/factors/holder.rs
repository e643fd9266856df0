//! Who manages their own second factors: a staff session or a signed-in
//! party, read from their side's session cookie, with the layout, language
//! and time zone of their pages and the use cases of their side.

use super::{Frame, Side, unmounted};
use crate::ConsoleState;
use crate::i18n::{Lang, Text};
use crate::messages::Describe;
use crate::pages::Chrome;
use crate::portal::{Party, PartyForm, PortalChrome};
use crate::session::{Session, SessionForm, Viewer};
use askama::Template;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};
use identity_domain::{
    Caller, ConfirmEnrolmentError, ConfirmPasskeyError, ConfirmPasswordError, Enrolled, FactorId,
    FactorOverview, FactorSummary, IdentityService, OwnFactorsError, PortalCaller, RecoveryCode,
    RegenerateCodesError, RemoveFactorError, RenameFactorError, SessionScope, StartEnrolmentError, TimeZone,
    TotpEnrolment,
};
use secrecy::SecretString;
use serde::de::DeserializeOwned;

/// Someone on their own second-factor pages.
#[derive(Debug, Clone)]
pub struct Holder {
    who: Who,
    side: Side,
    /// What the session may do (a party's is always a full one).
    scope: SessionScope,
    /// The language of their pages.
    pub lang: Lang,
    /// Their time zone, for the dates of their factors.
    pub zone: TimeZone,
    /// The form token of their session.
    pub csrf: String,
    frame: Frame,
}

#[derive(Debug, Clone)]
enum Who {
    Staff(Caller),
    Party(PortalCaller),
}

/// The staff use case, or the party's (`portal_…`), for the holder.
macro_rules! either {
    ($holder:ident, $service:ident, $staff:ident | $party:ident ($($arg:expr),*)) => {
        match &$holder.who {
            Who::Staff(caller) => $service.$staff(caller $(, $arg)*).await,
            Who::Party(caller) => $service.$party(caller $(, $arg)*).await,
        }
    };
}

impl Holder {
    /// A staff session: the console's navigation for a full one; none, in
    /// the browser's language, for a session that may only enrol.
    async fn staff(session: Session, state: &ConsoleState) -> Self {
        let scope = session.caller.scope();
        let mut holder = Self {
            side: Side::Console,
            scope,
            lang: session.lang,
            zone: TimeZone::utc(),
            frame: Frame::Console(Chrome::plain(session.lang, session.csrf.clone())),
            csrf: session.csrf.clone(),
            who: Who::Staff(session.caller.clone()),
        };
        if scope == SessionScope::Full
            && let Ok(user) = state.service.get_user(&session.caller, session.caller.user()).await
        {
            holder.lang = Lang::of(&user.language);
            holder.zone = user.time_zone;
            let viewer = Viewer {
                caller: session.caller,
                user,
                csrf: session.csrf,
                lang: holder.lang,
                flash: session.flash,
            };
            holder.frame = Frame::Console(viewer.chrome("security"));
        }
        holder
    }

    /// A signed-in party, with the portal's navigation.
    fn party(party: Party) -> Self {
        let security = Side::Portal.paths().security;
        Self {
            side: Side::Portal,
            scope: SessionScope::Full,
            lang: party.lang,
            zone: party.profile.time_zone,
            frame: Frame::Portal(PortalChrome::party(&party, "security", security)),
            csrf: party.csrf,
            who: Who::Party(party.caller),
        }
    }

    /// Their side.
    pub fn side(&self) -> Side {
        self.side
    }

    /// The texts of their language.
    pub fn text(&self) -> &'static Text {
        self.lang.text()
    }

    /// A staff session that may only enrol (a role or the practice
    /// requires a factor it does not have yet).
    pub fn enrolling(&self) -> bool {
        self.scope == SessionScope::Enrolment
    }

    /// Where a session that may not manage factors goes instead: a staff
    /// session that must change its password first.
    pub fn elsewhere(&self) -> Option<Response> {
        match self.scope {
            SessionScope::Full | SessionScope::Enrolment => None,
            SessionScope::PasswordChange | SessionScope::SecondFactor => {
                Some(Redirect::to(crate::paths::PASSWORD).into_response())
            }
        }
    }

    /// `body` under `title` in their side's layout.
    pub fn show(&self, status: StatusCode, title: &str, body: &impl Template) -> Response {
        self.frame.render(self.text(), status, title, body)
    }

    /// The page that says why something was refused, in their side's layout.
    pub fn refusal(&self, status: StatusCode, text: &str) -> Response {
        match self.side {
            Side::Console => crate::pages::refusal(self.lang, status, text),
            Side::Portal => crate::portal::refusal(self.lang, status, text),
        }
    }

    /// The page for a refusal or failure of the domain.
    pub fn failure(&self, error: impl Describe) -> Response {
        let problem = error.describe(self.text());
        self.refusal(problem.status, &problem.text)
    }

    /// Confirms their password for the next minutes of factor management.
    pub async fn confirm_password(
        &self,
        service: &IdentityService,
        password: SecretString,
    ) -> Result<(), ConfirmPasswordError> {
        either!(self, service, confirm_password | portal_confirm_password(password))
    }

    /// Their factors, never a secret.
    pub async fn factors(&self, service: &IdentityService) -> Result<FactorOverview, OwnFactorsError> {
        either!(self, service, own_factors | portal_factors())
    }

    /// Begins an authenticator app's enrolment.
    pub async fn start_totp(
        &self,
        service: &IdentityService,
        name: &str,
    ) -> Result<TotpEnrolment, StartEnrolmentError> {
        either!(self, service, start_totp | portal_start_totp(name))
    }

    /// Confirms an authenticator app with its first code.
    pub async fn confirm_totp(
        &self,
        service: &IdentityService,
        factor: FactorId,
        code: &str,
    ) -> Result<Enrolled, ConfirmEnrolmentError> {
        either!(self, service, confirm_totp | portal_confirm_totp(factor, code))
    }

    /// Begins a passkey's enrolment: the options for the browser.
    pub async fn start_passkey(
        &self,
        service: &IdentityService,
        name: &str,
    ) -> Result<serde_json::Value, StartEnrolmentError> {
        either!(self, service, start_passkey | portal_start_passkey(name))
    }

    /// Finishes a passkey's enrolment with the browser's answer.
    pub async fn confirm_passkey(
        &self,
        service: &IdentityService,
        credential: &str,
    ) -> Result<Enrolled, ConfirmPasskeyError> {
        either!(self, service, confirm_passkey | portal_confirm_passkey(credential))
    }

    /// Renames one of their factors.
    pub async fn rename_factor(
        &self,
        service: &IdentityService,
        factor: FactorId,
        name: &str,
    ) -> Result<FactorSummary, RenameFactorError> {
        either!(self, service, rename_factor | portal_rename_factor(factor, name))
    }

    /// Removes one of their factors.
    pub async fn remove_factor(
        &self,
        service: &IdentityService,
        factor: FactorId,
    ) -> Result<(), RemoveFactorError> {
        either!(self, service, remove_factor | portal_remove_factor(factor))
    }

    /// Replaces their recovery codes.
    pub async fn regenerate_recovery_codes(
        &self,
        service: &IdentityService,
    ) -> Result<Vec<RecoveryCode>, RegenerateCodesError> {
        either!(self, service, regenerate_recovery_codes | portal_regenerate_recovery_codes())
    }
}

impl FromRequestParts<ConsoleState> for Holder {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &ConsoleState) -> Result<Self, Self::Rejection> {
        match Side::of(&parts.extensions).ok_or_else(unmounted)? {
            Side::Console => Ok(Self::staff(Session::from_request_parts(parts, state).await?, state).await),
            Side::Portal => Ok(Self::party(Party::from_request_parts(parts, state).await?)),
        }
    }
}

/// A form posted on one's own second-factor pages, its origin and form
/// token checked as every form of the side is.
pub struct HolderForm<T> {
    /// Who posted it.
    pub holder: Holder,
    /// The form.
    pub form: T,
}

impl<T: DeserializeOwned + Send> FromRequest<ConsoleState> for HolderForm<T> {
    type Rejection = Response;

    async fn from_request(req: Request, state: &ConsoleState) -> Result<Self, Self::Rejection> {
        match Side::of(req.extensions()).ok_or_else(unmounted)? {
            Side::Console => {
                let SessionForm { session, form } = SessionForm::from_request(req, state).await?;
                Ok(Self { holder: Holder::staff(session, state).await, form })
            }
            Side::Portal => {
                let PartyForm { party, form } = PartyForm::from_request(req, state).await?;
                Ok(Self { holder: Holder::party(party), form })
            }
        }
    }
}
