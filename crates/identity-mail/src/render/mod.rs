//! Turns an outbox email into a subject, a plain-text body and an HTML body,
//! in the recipient's language (English or French; English for any other)
//! with times in the recipient's time zone.
//!
//! Each message kind is first reduced to a `Content` (links built, dates
//! formatted, secrets checked); the wording of each language lives in its
//! own module (`english`, `french`) and fills a `Letter`; two askama
//! layouts (`templates/email.txt`, `templates/email.html`) lay the letter
//! out. The HTML layout escapes every value, so names and addresses typed
//! by users cannot inject markup.

mod dates;
mod english;
mod french;

use crate::links::PublicBaseUrl;
use askama::Template;
use identity_domain::{Language, MailSecret, Message, OutboxEmail};

/// The languages emails are written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// English: the fallback for every language without its own wording.
    En,
    /// French.
    Fr,
}

impl Lang {
    /// The language to write to someone who prefers `language`.
    pub fn of(language: &Language) -> Self {
        match language.primary() {
            "fr" => Self::Fr,
            _ => Self::En,
        }
    }

    /// The BCP 47 tag of the text written.
    pub const fn tag(self) -> &'static str {
        match self {
            Self::En => "en",
            Self::Fr => "fr",
        }
    }
}

/// A rendered email, ready to be put in an envelope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderedEmail {
    /// The subject line.
    pub subject: String,
    /// The plain-text body.
    pub text: String,
    /// The HTML body.
    pub html: String,
    /// The language written in.
    pub lang: Lang,
}

/// Why an email could not be rendered. Retrying does not help.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RenderError {
    /// The email's secret was already blanked (it was delivered or given up).
    #[error("the {kind} email no longer carries its secret")]
    MissingSecret {
        /// The message kind.
        kind: &'static str,
    },
    /// A layout failed to render.
    #[error("the {kind} email could not be laid out: {reason}")]
    Layout {
        /// The message kind.
        kind: &'static str,
        /// The template engine's reason.
        reason: String,
    },
}

/// Renders outbox emails, with links to one public base URL.
#[derive(Debug, Clone)]
pub struct Renderer {
    base: PublicBaseUrl,
}

impl Renderer {
    /// A renderer whose links point to `base`.
    pub fn new(base: PublicBaseUrl) -> Self {
        Self { base }
    }

    /// Renders `email` in its recipient's language and time zone.
    ///
    /// # Errors
    /// [`RenderError`]: the secret is missing or a layout failed.
    pub fn render(&self, email: &OutboxEmail) -> Result<RenderedEmail, RenderError> {
        let lang = Lang::of(&email.language);
        let kind = email.message.kind();
        let content = self.content(email, lang)?;
        let common = Common { practice: &email.practice_name, recipient: email.recipient_name.trim() };
        let letter = match lang {
            Lang::En => english::letter(&content, &common),
            Lang::Fr => french::letter(&content, &common),
        };
        let layout = |e: askama::Error| RenderError::Layout { kind, reason: e.to_string() };
        let text = TextLayout { l: &letter }.render().map_err(layout)?;
        let html = HtmlLayout { l: &letter }.render().map_err(layout)?;
        Ok(RenderedEmail { subject: one_line(&letter.subject), text, html, lang })
    }

    fn content<'a>(&self, email: &'a OutboxEmail, lang: Lang) -> Result<Content<'a>, RenderError> {
        let kind = email.message.kind();
        let secret = |s: &'a MailSecret| -> Result<&'a str, RenderError> {
            let value = s.expose();
            if value.is_empty() { Err(RenderError::MissingSecret { kind }) } else { Ok(value) }
        };
        let when = |at| dates::date_time(at, email.time_zone, lang);
        Ok(match &email.message {
            Message::Welcome { practice_slug, sign_in_email, must_change_password, password_expires_at } => {
                Content::Welcome {
                    practice_slug,
                    sign_in_email,
                    must_change_password: *must_change_password,
                    expires: password_expires_at.map(when),
                    link: self.base.sign_in(),
                }
            }
            Message::Invitation { practice_slug, inviter_name, token, expires_at } => Content::Invitation {
                practice_slug,
                inviter: inviter_name.trim(),
                link: self.base.join(secret(token)?),
                expires: when(*expires_at),
            },
            Message::Recovery { token, expires_at } => {
                Content::Recovery { link: self.base.recover(secret(token)?), expires: when(*expires_at) }
            }
            Message::GeneratedPassword { practice_slug, password, expires_at } => {
                Content::GeneratedPassword {
                    practice_slug,
                    password: secret(password)?,
                    expires: when(*expires_at),
                    link: self.base.sign_in(),
                }
            }
            Message::EmailChanged { old_email, new_email, changed_at } => {
                Content::EmailChanged { old_email, new_email, changed: when(*changed_at) }
            }
            Message::PartyInvitation { practice_slug, site_name, token, expires_at } => {
                Content::PartyInvitation {
                    site: site_name.trim(),
                    link: self.base.portal_join(secret(token)?),
                    expires: when(*expires_at),
                    portal: Portal { practice_slug, link: self.base.portal_sign_in() },
                }
            }
            Message::PartyRecovery { practice_slug, token, expires_at } => Content::PartyRecovery {
                link: self.base.portal_recover(secret(token)?),
                expires: when(*expires_at),
                portal: Portal { practice_slug, link: self.base.portal_sign_in() },
            },
            Message::PartyPasswordChanged { practice_slug, changed_at } => Content::PartyPasswordChanged {
                changed: when(*changed_at),
                portal: Portal { practice_slug, link: self.base.portal_sign_in() },
            },
            Message::SecondFactorChanged { change, changed_at } => {
                Content::SecondFactorChanged { change, changed: when(*changed_at), link: self.base.sign_in() }
            }
            Message::PartySecondFactorChanged { practice_slug, change, changed_at } => {
                Content::PartySecondFactorChanged {
                    change,
                    changed: when(*changed_at),
                    portal: Portal { practice_slug, link: self.base.portal_sign_in() },
                }
            }
        })
    }
}

/// What every letter mentions.
struct Common<'a> {
    practice: &'a str,
    recipient: &'a str,
}

/// A message kind with its links built and its dates written out.
enum Content<'a> {
    Welcome {
        practice_slug: &'a str,
        sign_in_email: &'a str,
        must_change_password: bool,
        expires: Option<String>,
        link: String,
    },
    Invitation {
        practice_slug: &'a str,
        inviter: &'a str,
        link: String,
        expires: String,
    },
    Recovery {
        link: String,
        expires: String,
    },
    GeneratedPassword {
        practice_slug: &'a str,
        password: &'a str,
        expires: String,
        link: String,
    },
    EmailChanged {
        old_email: &'a str,
        new_email: &'a str,
        changed: String,
    },
    PartyInvitation {
        site: &'a str,
        link: String,
        expires: String,
        portal: Portal<'a>,
    },
    PartyRecovery {
        link: String,
        expires: String,
        portal: Portal<'a>,
    },
    PartyPasswordChanged {
        changed: String,
        portal: Portal<'a>,
    },
    SecondFactorChanged {
        change: &'a identity_domain::FactorChange,
        changed: String,
        link: String,
    },
    PartySecondFactorChanged {
        change: &'a identity_domain::FactorChange,
        changed: String,
        portal: Portal<'a>,
    },
}

/// Where and how a party signs in to the portal.
struct Portal<'a> {
    /// The practice code to type (empty in emails queued before it was
    /// written: then not mentioned).
    practice_slug: &'a str,
    /// The portal's sign-in page.
    link: String,
}

/// The words of one email, in the order the layouts show them.
struct Letter {
    lang: &'static str,
    /// Between a label and its value: ": " in English, " : " in French.
    colon: &'static str,
    subject: String,
    greeting: String,
    intro: Vec<String>,
    /// A one-time password, set apart.
    secret: Option<String>,
    details: Vec<Detail>,
    action: Option<Action>,
    /// "If the button does not work…", shown under the action.
    link_hint: String,
    outro: Vec<String>,
    closing: String,
    practice: String,
    footer: String,
}

/// A labelled value ("Practice code: maple-law").
struct Detail {
    label: String,
    value: String,
}

impl Detail {
    fn new(label: &str, value: &str) -> Self {
        Self { label: label.to_owned(), value: value.to_owned() }
    }
}

/// The one thing to click.
struct Action {
    label: String,
    url: String,
}

impl Action {
    fn new(label: &str, url: &str) -> Self {
        Self { label: label.to_owned(), url: url.to_owned() }
    }
}

#[derive(Template)]
#[template(path = "email.txt")]
struct TextLayout<'a> {
    l: &'a Letter,
}

#[derive(Template)]
#[template(path = "email.html")]
struct HtmlLayout<'a> {
    l: &'a Letter,
}

/// A subject on one line: control characters become spaces.
fn one_line(s: &str) -> String {
    s.chars().map(|c| if c.is_control() { ' ' } else { c }).collect::<String>().trim().to_owned()
}
