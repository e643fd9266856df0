//! Who is looking at a portal page: a signed-in party (from the
//! `__Host-portal-session` cookie), or a visitor before sign-in; the
//! language of each; and the form extractors that check the origin and
//! form token of every post.

use super::pages;
use super::{PORTAL_LANG_COOKIE, PORTAL_SESSION_COOKIE, paths};
use crate::ConsoleState;
use crate::i18n::Lang;
use crate::security;
use crate::session::{Visitor, VisitorForm, read_body, read_form};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::{Cookie, CookieJar};
use identity_domain::{Language, PortalCaller, PortalProfile, RequestId, SessionError, Token};
use identity_http::request_id::of as request_id;
use serde::de::DeserializeOwned;

/// The portal session cookie for a new sign-in.
pub fn session_cookie(token: &str) -> Cookie<'static> {
    identity_http::cookie::host_cookie(PORTAL_SESSION_COOKIE, token)
}

/// Cookies that remove the portal session cookie.
pub fn without_session() -> CookieJar {
    let mut removal = session_cookie("");
    removal.make_removal();
    CookieJar::new().add(removal)
}

fn session_token(headers: &HeaderMap) -> Option<String> {
    CookieJar::from_headers(headers).get(PORTAL_SESSION_COOKIE).map(|c| c.value().to_owned())
}

/// The language chosen in the address (`?lang=en|fr`), if any.
pub fn chosen_lang(query: Option<&str>) -> Option<Lang> {
    query?.split('&').find_map(|pair| match pair {
        "lang=fr" => Some(Lang::Fr),
        "lang=en" => Some(Lang::En),
        _ => None,
    })
}

/// The language of a page before sign-in: the one chosen in the address,
/// else the one kept in the language cookie, else the browser's.
pub fn visitor_lang(headers: &HeaderMap, query: Option<&str>) -> Lang {
    if let Some(lang) = chosen_lang(query) {
        return lang;
    }
    match CookieJar::from_headers(headers).get(PORTAL_LANG_COOKIE).map(Cookie::value) {
        Some("fr") => Lang::Fr,
        Some("en") => Lang::En,
        _ => crate::pages::browser_lang(headers),
    }
}

/// The language of a signed-in party: theirs when recorded, else the
/// visitor's choice.
pub fn party_lang(language: Option<&Language>, headers: &HeaderMap) -> Lang {
    language.map_or_else(|| visitor_lang(headers, None), Lang::of)
}

/// Someone before sign-in on a portal page with a form.
pub struct PortalVisitor {
    /// The double-submit form token and its cookie, from the console's
    /// visitor.
    pub visitor: Visitor,
    /// The cookie keeping a language chosen in the address, if one was.
    pub lang_cookie: Option<Cookie<'static>>,
}

impl PortalVisitor {
    /// The cookies to send back.
    pub fn jar(&self) -> CookieJar {
        let mut jar = self.visitor.jar.clone();
        if let Some(cookie) = &self.lang_cookie {
            jar = jar.add(cookie.clone());
        }
        jar
    }
}

impl<S: Send + Sync> FromRequestParts<S> for PortalVisitor {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let mut visitor = Visitor::from_request_parts(parts, state).await?;
        let query = parts.uri.query();
        visitor.lang = visitor_lang(&parts.headers, query);
        let lang_cookie = chosen_lang(query)
            .map(|lang| identity_http::cookie::host_cookie(PORTAL_LANG_COOKIE, lang.code()));
        Ok(Self { visitor, lang_cookie })
    }
}

/// A portal form posted before sign-in, its double-submit token checked.
pub struct PortalVisitorForm<T> {
    /// The visitor, in the portal's language.
    pub visitor: Visitor,
    /// The form.
    pub form: T,
    /// The request id, for the audit log.
    pub request_id: Option<RequestId>,
}

impl<T: DeserializeOwned + Send> FromRequest<ConsoleState> for PortalVisitorForm<T> {
    type Rejection = Response;

    async fn from_request(req: Request, state: &ConsoleState) -> Result<Self, Self::Rejection> {
        let lang = visitor_lang(req.headers(), None);
        let VisitorForm { mut visitor, form, request_id } =
            VisitorForm::from_request(req, state).await.map_err(|r| pages::as_portal_page(lang, r))?;
        visitor.lang = lang;
        Ok(Self { visitor, form, request_id })
    }
}

/// A signed-in party: their caller, their record and the form token of
/// their session.
#[derive(Debug, Clone)]
pub struct Party {
    /// The caller, tagged with the request id.
    pub caller: PortalCaller,
    /// Their record, email, time zone and practice.
    pub profile: PortalProfile,
    /// The form token of this session.
    pub csrf: String,
    /// The language of their pages.
    pub lang: Lang,
}

impl FromRequestParts<ConsoleState> for Party {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &ConsoleState) -> Result<Self, Self::Rejection> {
        let lang = visitor_lang(&parts.headers, None);
        let ended =
            || (without_session(), Redirect::to(&format!("{}?notice=ended", paths::SIGN_IN))).into_response();
        let Some(cookie) = session_token(&parts.headers) else {
            return Err(Redirect::to(paths::SIGN_IN).into_response());
        };
        let token = Token::presented(&cookie);
        let caller = match state.service.authenticate_portal(&token).await {
            Ok(caller) => caller.with_request_id(request_id(&parts.headers)),
            Err(SessionError::Invalid) => return Err(ended()),
            Err(SessionError::Store(e)) => return Err(pages::failure(lang, e)),
        };
        let profile = match state.service.portal_profile(&caller).await {
            Ok(profile) => profile,
            Err(identity_domain::PortalError::SessionInvalid) => return Err(ended()),
            Err(identity_domain::PortalError::Store(e)) => return Err(pages::failure(lang, e)),
        };
        let lang = party_lang(profile.party.details.language.as_ref(), &parts.headers);
        Ok(Self { caller, profile, csrf: security::session_csrf(token.expose()), lang })
    }
}

/// A portal form posted by a signed-in party, its token checked.
pub struct PartyForm<T> {
    /// The party.
    pub party: Party,
    /// The form.
    pub form: T,
}

impl<T: DeserializeOwned + Send> FromRequest<ConsoleState> for PartyForm<T> {
    type Rejection = Response;

    async fn from_request(req: Request, state: &ConsoleState) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = req.into_parts();
        let party = Party::from_request_parts(&mut parts, state).await?;
        let lang = party.lang;
        let body = read_body(&parts, body, state, lang).await.map_err(|r| pages::as_portal_page(lang, r))?;
        let (form, token) =
            read_form::<T>(&parts, body, state, lang).await.map_err(|r| pages::as_portal_page(lang, r))?;
        if !security::tokens_match(&party.csrf, &token) {
            return Err(pages::refusal(lang, StatusCode::FORBIDDEN, lang.text().err_csrf));
        }
        Ok(Self { party, form })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::{HeaderValue, header};

    #[test]
    fn the_address_then_the_cookie_then_the_browser_choose_the_language() {
        let mut headers = HeaderMap::new();
        assert_eq!(visitor_lang(&headers, None), Lang::En);
        headers.insert(header::ACCEPT_LANGUAGE, HeaderValue::from_static("fr-CA,fr;q=0.9"));
        assert_eq!(visitor_lang(&headers, None), Lang::Fr);
        headers.insert(header::COOKIE, HeaderValue::from_static("__Host-portal-lang=en"));
        assert_eq!(visitor_lang(&headers, None), Lang::En);
        assert_eq!(visitor_lang(&headers, Some("x=1&lang=fr")), Lang::Fr);
        assert_eq!(chosen_lang(Some("lang=de")), None);
    }

    #[test]
    fn the_portal_cookie_is_not_the_console_s() {
        let text = session_cookie("t0ken").to_string();
        assert!(text.starts_with("__Host-portal-session=t0ken"), "{text}");
        assert_ne!(PORTAL_SESSION_COOKIE, identity_http::cookie::SESSION_COOKIE);
        for part in ["HttpOnly", "SameSite=Strict", "Secure", "Path=/"] {
            assert!(text.contains(part), "{text}");
        }
    }
}
