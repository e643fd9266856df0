//! Who is looking at a page: the signed-in viewer (read from the API's
//! `__Host-session` cookie), a session that may only change its password,
//! or a visitor not signed in; and the form extractors that check the form
//! token and origin of every post before a handler runs.

use crate::flash::FlashKey;
use crate::i18n::Lang;
use crate::pages::{self, Chrome};
use crate::security::{self, ANONYMOUS_CSRF_COOKIE};
use crate::{ConsoleState, paths};
use axum::body::{Body, Bytes};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::CookieJar;
use identity_domain::system::OsRandom;
use identity_domain::{Caller, RequestId, Token, User};
use serde::Deserialize;
use serde::de::DeserializeOwned;

/// The API's session cookie and its helpers, which the console shares
/// (`identity_http::cookie`).
pub use identity_http::cookie::{SESSION_COOKIE, session_cookie, without_session};
use identity_http::request_id::of as request_id;

fn accept_language(headers: &HeaderMap) -> Lang {
    pages::browser_lang(headers)
}

/// A session presented by cookie, whatever it may do.
#[derive(Debug, Clone)]
pub struct Session {
    /// The caller, tagged with the request id.
    pub caller: Caller,
    /// The form token of this session.
    pub csrf: String,
    /// The language of pages when the user cannot be read (a session that
    /// may only change its password): the browser's.
    pub lang: Lang,
    /// The key of this session's flash cookies.
    pub flash: FlashKey,
}

impl FromRequestParts<ConsoleState> for Session {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &ConsoleState) -> Result<Self, Self::Rejection> {
        let to_sign_in = || Redirect::to(paths::SIGN_IN).into_response();
        let Some(cookie) = identity_http::cookie::session_token(&parts.headers) else {
            return Err(to_sign_in());
        };
        let token = Token::presented(&cookie);
        let caller = match state.service.authenticate(&token).await {
            Ok(caller) => caller.with_request_id(request_id(&parts.headers)),
            Err(identity_domain::SessionError::Invalid) => {
                return Err((without_session(), Redirect::to(paths::SIGN_IN_AGAIN)).into_response());
            }
            Err(identity_domain::SessionError::Store(e)) => {
                return Err(pages::failure(accept_language(&parts.headers), e));
            }
        };
        Ok(Self {
            caller,
            csrf: security::session_csrf(token.expose()),
            lang: accept_language(&parts.headers),
            flash: FlashKey::of_session(token.expose()),
        })
    }
}

/// A signed-in person with a full session, and their user record (for
/// their name, language and time zone).
#[derive(Debug, Clone)]
pub struct Viewer {
    /// The caller.
    pub caller: Caller,
    /// The signed-in user.
    pub user: User,
    /// The form token of this session.
    pub csrf: String,
    /// The user's language.
    pub lang: Lang,
    /// The key of this session's flash cookies.
    pub flash: FlashKey,
}

impl Viewer {
    /// The layout data of a page in `section`.
    pub fn chrome(&self, section: &'static str) -> Chrome {
        Chrome::signed_in(self, section)
    }
}

impl FromRequestParts<ConsoleState> for Viewer {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &ConsoleState) -> Result<Self, Self::Rejection> {
        let session = Session::from_request_parts(parts, state).await?;
        match session.caller.scope() {
            identity_domain::SessionScope::Full => {}
            identity_domain::SessionScope::PasswordChange => {
                return Err(Redirect::to(paths::PASSWORD).into_response());
            }
            identity_domain::SessionScope::SecondFactor | identity_domain::SessionScope::Enrolment => {
                return Err(Redirect::to(paths::SECURITY).into_response());
            }
        }
        let user = state
            .service
            .get_user(&session.caller, session.caller.user())
            .await
            .map_err(|e| pages::failure(session.lang, e))?;
        let lang = Lang::of(&user.language);
        Ok(Self { caller: session.caller, user, csrf: session.csrf, lang, flash: session.flash })
    }
}

/// Someone not (necessarily) signed in, on a page with a form: the form
/// token comes from the `__Host-console-csrf` cookie, made when missing.
#[derive(Debug, Clone)]
pub struct Visitor {
    /// The browser's language.
    pub lang: Lang,
    /// The form token.
    pub csrf: String,
    /// The cookies to send back (with a new token cookie when there was none).
    pub jar: CookieJar,
}

impl<S: Send + Sync> FromRequestParts<S> for Visitor {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let jar = CookieJar::from_headers(&parts.headers);
        let lang = accept_language(&parts.headers);
        match jar.get(ANONYMOUS_CSRF_COOKIE).map(|c| c.value().to_owned()) {
            Some(csrf) if !csrf.is_empty() => Ok(Self { lang, csrf, jar: CookieJar::new() }),
            _ => {
                let csrf = Token::generate(&OsRandom).expose().to_owned();
                let cookie = identity_http::cookie::host_cookie(ANONYMOUS_CSRF_COOKIE, &csrf);
                Ok(Self { lang, csrf, jar: CookieJar::new().add(cookie) })
            }
        }
    }
}

#[derive(Deserialize)]
struct FormToken {
    #[serde(default)]
    csrf: String,
}

/// Reads a form's bytes, within the body limit: a larger form is the 413
/// page, in the visitor's language.
pub(crate) async fn read_body(
    parts: &Parts,
    body: Body,
    state: &ConsoleState,
    lang: Lang,
) -> Result<Bytes, Response> {
    match Bytes::from_request(Request::from_parts(parts.clone(), body), state).await {
        Ok(bytes) => Ok(bytes),
        Err(rejection) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => Err(pages::too_large(lang)),
        Err(rejection) => Err(pages::refusal(lang, StatusCode::BAD_REQUEST, &rejection.body_text())),
    }
}

/// Reads a form body as `T` (repeated fields become lists) and its `csrf`
/// field, after the same-origin check.
pub(crate) async fn read_form<T: DeserializeOwned>(
    parts: &Parts,
    body: Bytes,
    state: &ConsoleState,
    lang: Lang,
) -> Result<(T, String), Response> {
    if !identity_http::cookie::same_origin(&parts.headers, state.settings.public_origin.as_deref()) {
        return Err(pages::refusal(lang, StatusCode::FORBIDDEN, lang.text().err_csrf));
    }
    let parse = |bytes: Bytes| {
        let mut request = Request::new(Body::from(bytes));
        *request.method_mut() = parts.method.clone();
        *request.headers_mut() = parts.headers.clone();
        request
    };
    let token = axum_extra::extract::Form::<FormToken>::from_request(parse(body.clone()), &())
        .await
        .map(|f| f.0.csrf)
        .unwrap_or_default();
    let form = axum_extra::extract::Form::<T>::from_request(parse(body), &())
        .await
        .map_err(|e| pages::refusal(lang, StatusCode::BAD_REQUEST, &e.body_text()))?;
    Ok((form.0, token))
}

/// A form posted by a signed-in viewer, its token checked.
pub struct SignedForm<T> {
    /// The viewer.
    pub viewer: Viewer,
    /// The form.
    pub form: T,
}

impl<T: DeserializeOwned + Send> FromRequest<ConsoleState> for SignedForm<T> {
    type Rejection = Response;

    async fn from_request(req: Request, state: &ConsoleState) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = req.into_parts();
        let viewer = Viewer::from_request_parts(&mut parts, state).await?;
        let body = read_body(&parts, body, state, viewer.lang).await?;
        let (form, token) = read_form::<T>(&parts, body, state, viewer.lang).await?;
        if !security::tokens_match(&viewer.csrf, &token) {
            return Err(pages::refusal(viewer.lang, StatusCode::FORBIDDEN, viewer.lang.text().err_csrf));
        }
        Ok(Self { viewer, form })
    }
}

/// A form posted by a session that may only change its password (or any
/// session), its token checked.
pub struct SessionForm<T> {
    /// The session.
    pub session: Session,
    /// The form.
    pub form: T,
}

impl<T: DeserializeOwned + Send> FromRequest<ConsoleState> for SessionForm<T> {
    type Rejection = Response;

    async fn from_request(req: Request, state: &ConsoleState) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = req.into_parts();
        let session = Session::from_request_parts(&mut parts, state).await?;
        let body = read_body(&parts, body, state, session.lang).await?;
        let (form, token) = read_form::<T>(&parts, body, state, session.lang).await?;
        if !security::tokens_match(&session.csrf, &token) {
            return Err(pages::refusal(session.lang, StatusCode::FORBIDDEN, session.lang.text().err_csrf));
        }
        Ok(Self { session, form })
    }
}

/// A form posted before sign-in, its double-submit token checked.
pub struct VisitorForm<T> {
    /// The visitor.
    pub visitor: Visitor,
    /// The form.
    pub form: T,
    /// The request id, for the audit log.
    pub request_id: Option<RequestId>,
}

impl<T: DeserializeOwned + Send> FromRequest<ConsoleState> for VisitorForm<T> {
    type Rejection = Response;

    async fn from_request(req: Request, state: &ConsoleState) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = req.into_parts();
        let visitor = Visitor::from_request_parts(&mut parts, state).await?;
        let body = read_body(&parts, body, state, visitor.lang).await?;
        let (form, token) = read_form::<T>(&parts, body, state, visitor.lang).await?;
        if !security::tokens_match(&visitor.csrf, &token) {
            return Err(pages::refusal(visitor.lang, StatusCode::FORBIDDEN, visitor.lang.text().err_csrf));
        }
        Ok(Self { visitor, form, request_id: request_id(&parts.headers) })
    }
}
