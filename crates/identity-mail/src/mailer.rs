//! One outbox email in, one message out: render it, put it in an envelope
//! (sender, recipient, `Message-ID` derived from the email's id, both MIME
//! parts), and hand it to the transport.

use crate::config::{ConfigError, MailConfig};
use crate::render::{RenderError, Renderer};
use crate::transport::{self, MailTransport, TransportError};
use identity_domain::OutboxEmail;
use lettre::message::header::ContentTransferEncoding;
use lettre::message::header::{HeaderName, HeaderValue};
use lettre::message::{Body, Mailbox, MultiPart, SinglePart};
use lettre::{Address, Message};
use std::sync::Arc;

/// Why an email was not delivered.
#[derive(Debug, thiserror::Error)]
pub enum DeliveryError {
    /// It could not be rendered.
    #[error(transparent)]
    Render(#[from] RenderError),
    /// The message could not be put together (an address the mail library
    /// refuses).
    #[error("the message could not be built: {0}")]
    Envelope(String),
    /// The transport failed.
    #[error(transparent)]
    Transport(#[from] TransportError),
}

impl DeliveryError {
    /// Whether retrying cannot help.
    pub fn is_permanent(&self) -> bool {
        match self {
            Self::Render(_) | Self::Envelope(_) => true,
            Self::Transport(e) => e.is_permanent(),
        }
    }
}

/// Renders and sends outbox emails.
#[derive(Clone)]
pub struct Mailer {
    renderer: Renderer,
    from: Mailbox,
    transport: Arc<dyn MailTransport>,
}

impl Mailer {
    /// A mailer sending as `from` through `transport`.
    pub fn new(renderer: Renderer, from: Mailbox, transport: Arc<dyn MailTransport>) -> Self {
        Self { renderer, from, transport }
    }

    /// The mailer a configuration describes.
    ///
    /// # Errors
    /// [`ConfigError`] for unusable transport settings.
    pub fn from_config(config: &MailConfig) -> Result<Self, ConfigError> {
        let transport = transport::from_config(&config.transport)?;
        Ok(Self::with_transport(config, transport))
    }

    /// The mailer a configuration describes, on another transport.
    pub fn with_transport(config: &MailConfig, transport: Arc<dyn MailTransport>) -> Self {
        let name = config.from_name.as_deref().map(str::trim).filter(|n| !n.is_empty()).map(str::to_owned);
        let from = Mailbox::new(name, config.from_address.address().clone());
        Self::new(Renderer::new(config.public_base_url.clone()), from, transport)
    }

    /// The renderer.
    pub fn renderer(&self) -> &Renderer {
        &self.renderer
    }

    /// The complete message for `email`: `multipart/alternative` with the
    /// text part first and the HTML part second (in 8-bit text for a
    /// transport whose messages are read as written).
    ///
    /// # Errors
    /// [`DeliveryError::Render`] or [`DeliveryError::Envelope`].
    pub fn compose(&self, email: &OutboxEmail) -> Result<Message, DeliveryError> {
        let rendered = self.renderer.render(email)?;
        let address = email
            .to
            .as_str()
            .parse::<Address>()
            .map_err(|e| DeliveryError::Envelope(format!("recipient address: {e}")))?;
        let name = email.recipient_name.trim();
        let to = Mailbox::new((!name.is_empty()).then(|| name.to_owned()), address);
        let message_id = format!("<{}@{}>", email.id, self.from.email.domain());
        let mut message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(rendered.subject)
            .message_id(Some(message_id))
            .multipart(
                MultiPart::alternative()
                    .singlepart(SinglePart::plain(self.body(rendered.text)))
                    .singlepart(SinglePart::html(self.body(rendered.html))),
            )
            .map_err(|e| DeliveryError::Envelope(e.to_string()))?;
        let headers = message.headers_mut();
        headers.insert_raw(HeaderValue::new(
            HeaderName::new_from_ascii_str("Content-Language"),
            rendered.lang.tag().to_owned(),
        ));
        // RFC 3834: tells autoresponders not to answer.
        headers.insert_raw(HeaderValue::new(
            HeaderName::new_from_ascii_str("Auto-Submitted"),
            "auto-generated".to_owned(),
        ));
        Ok(message)
    }

    /// A body part: 8-bit text when the transport's messages are read as
    /// written (and the text fits 8-bit lines), else the encoding the mail
    /// library picks.
    fn body(&self, text: String) -> Body {
        // RFC 5322 lines: at most 998 bytes before CRLF, and no NUL. (The
        // mail library's own 8-bit choice stops at 76, which a link passes.)
        let fits = !text.contains('\0') && text.lines().all(|line| line.len() <= 998);
        if !(self.transport.read_as_written() && fits) {
            return Body::new(text);
        }
        let mut crlf = text.lines().collect::<Vec<_>>().join("\r\n");
        if text.ends_with('\n') {
            crlf.push_str("\r\n");
        }
        Body::dangerous_pre_encoded(crlf.into_bytes(), ContentTransferEncoding::EightBit)
    }

    /// Renders `email` and sends it.
    ///
    /// # Errors
    /// [`DeliveryError`]; [`DeliveryError::is_permanent`] tells whether a
    /// retry can help.
    pub async fn deliver(&self, email: &OutboxEmail) -> Result<(), DeliveryError> {
        let message = self.compose(email)?;
        self.transport.send(email.id, message).await?;
        Ok(())
    }
}
