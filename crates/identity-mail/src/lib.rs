//! # identity-mail
//!
//! Delivers the outbox of practice identity. The domain writes typed
//! [`identity_domain::Message`]s to the outbox in the same unit of work as
//! the change that causes them; this crate renders each one (subject, plain
//! text and HTML, in the recipient's language and time zone, with links
//! built from the configured public base URL) and sends it through SMTP or
//! into a folder of `.eml` files, retrying with backoff.
//!
//! - [`config`]: [`MailConfig`], what start-up reads.
//! - [`links`]: the public base URL and the links built from it (tokens in
//!   the URL fragment, never in a path or query).
//! - [`render`]: wording per language and the askama layouts.
//! - [`transport`]: SMTP (implicit TLS, STARTTLS, plain) and `.eml` files.
//! - [`mailer`]: render, envelope, send one email.
//! - [`worker`]: the [`OutboxWorker`] loop over an
//!   [`identity_domain::OutboxQueue`].
//!
//! ## Wiring
//!
//! ```no_run
//! use identity_mail::{shutdown_channel, MailConfig, Mailer, OutboxWorker};
//! use identity_domain::{OutboxQueue, system::SystemClock};
//! use std::sync::Arc;
//!
//! # async fn wire(config: MailConfig, queue: Arc<dyn OutboxQueue>) -> Result<(), identity_mail::ConfigError> {
//! let mailer = Arc::new(Mailer::from_config(&config)?);
//! let worker = OutboxWorker::new(queue, mailer, Arc::new(SystemClock), config.worker.clone())?;
//! let (stop, signal) = shutdown_channel();
//! let running = tokio::spawn(async move { worker.run(signal).await });
//! // … on SIGTERM:
//! stop.shutdown();
//! let _report = running.await;
//! # Ok(()) }
//! ```

pub mod config;
pub mod links;
pub mod mailer;
pub mod render;
pub mod transport;
pub mod worker;

pub use config::{
    ConfigError, MailConfig, SenderAddress, SmtpConfig, SmtpPassword, SmtpSecurity, TransportConfig,
    WorkerConfig,
};
pub use links::{BaseUrlError, PublicBaseUrl};
pub use mailer::{DeliveryError, Mailer};
pub use render::{Lang, RenderError, RenderedEmail, Renderer};
pub use transport::{FileTransport, MailTransport, SmtpTransport, TransportError};
pub use worker::{Backoff, OutboxWorker, PassReport, ShutdownSignal, ShutdownTrigger, shutdown_channel};
