//! The outbox for administrators: its emails in cursor pages with filters,
//! how many are in each state, and retrying failed emails (all need
//! `settings.manage`).

use super::{Caller, IdentityService, ReadLogError};
use crate::audit::AuditAction;
use crate::error::{AccessError, StoreError};
use crate::ids::EmailId;
use crate::listing::Page;
use crate::mail::{DeliveryStatus, MessageKind, OutboxCounts, OutboxEmail, OutboxQuery};
use crate::permission::Permission;
use crate::ports::Access;
use serde_json::json;

/// Why one failed email was not retried.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RetryEmailError {
    /// The caller may not manage the outbox.
    #[error(transparent)]
    Access(#[from] AccessError),
    /// No such email in the caller's practice.
    #[error("no such email")]
    NotFound,
    /// The email has not failed: it is pending or was delivered.
    #[error("the email is {status:?}, not failed")]
    NotFailed {
        /// Where it is.
        status: DeliveryStatus,
    },
    /// The email carried a link or a one-time password, removed when it
    /// was given up: send a new one instead (resend the invitation, reset
    /// the password again).
    #[error("the email's {kind:?} secret was removed when it failed: send a new one instead")]
    SecretRemoved {
        /// Its kind.
        kind: MessageKind,
    },
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Why the failed emails were not retried all at once.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RetryFailedEmailsError {
    /// The caller may not manage the outbox.
    #[error(transparent)]
    Access(#[from] AccessError),
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What retrying did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Retried {
    /// Emails pending again, due now.
    pub retried: u64,
    /// Failed emails left failed because they carried a link or a
    /// one-time password that was removed when they failed.
    pub need_new_secret: u64,
}

impl IdentityService {
    /// Emails of the caller's practice matching `query`, newest first, in
    /// cursor pages, with their delivery state and last error (needs
    /// `settings.manage`). Secrets are never returned.
    ///
    /// # Errors
    /// [`ReadLogError`].
    pub async fn list_outbox(
        &self,
        caller: &Caller,
        query: &OutboxQuery,
    ) -> Result<Page<OutboxEmail, EmailId>, ReadLogError> {
        caller.require(Permission::SettingsManage)?;
        let mut query = query.clone();
        query.limit = query.clamped_limit();
        let mut uow = self.begin(Access::Read).await?;
        let mut page = uow.outbox().list(caller.practice(), &query).await?;
        for email in &mut page.items {
            email.message = email.message.without_secrets();
        }
        Ok(page)
    }

    /// How many of the caller's practice's emails are pending, sent and
    /// failed (needs `settings.manage`).
    ///
    /// # Errors
    /// [`ReadLogError`].
    pub async fn outbox_counts(&self, caller: &Caller) -> Result<OutboxCounts, ReadLogError> {
        caller.require(Permission::SettingsManage)?;
        let mut uow = self.begin(Access::Read).await?;
        Ok(uow.outbox().counts(caller.practice()).await?)
    }

    /// Makes one failed email pending again, due now, with a new round of
    /// attempts (needs `settings.manage`; audited as `outbox.retried`).
    ///
    /// # Errors
    /// [`RetryEmailError`]: an email that is not failed, or that carried a
    /// link or one-time password (removed when it failed), is refused and
    /// nothing changes.
    pub async fn retry_email(&self, caller: &Caller, id: EmailId) -> Result<(), RetryEmailError> {
        caller.require(Permission::SettingsManage)?;
        self.write(|| async move {
            let mut uow = self.begin(Access::Write).await?;
            let email = uow.outbox().get(caller.practice(), id).await?.ok_or(RetryEmailError::NotFound)?;
            if email.status != DeliveryStatus::Failed {
                return Err(RetryEmailError::NotFailed { status: email.status });
            }
            let kind = email.message.message_kind();
            if kind.carries_secret() {
                return Err(RetryEmailError::SecretRemoved { kind });
            }
            let changed = uow
                .outbox()
                .retry_failed(caller.practice(), Some(id), &MessageKind::retryable(), self.now())
                .await?;
            let details = json!({ "emails": [id], "retried": changed });
            self.audit(uow.as_mut(), &caller.origin(), AuditAction::EmailsRetried, None, None, Some(details))
                .await?;
            uow.commit().await?;
            Ok(())
        })
        .await
    }

    /// Makes every failed email of the caller's practice that can be sent
    /// again pending, due now (needs `settings.manage`; audited as
    /// `outbox.retried` when one changed). Emails that carried a link or a
    /// one-time password stay failed and are counted apart.
    ///
    /// # Errors
    /// [`RetryFailedEmailsError`].
    pub async fn retry_failed_emails(&self, caller: &Caller) -> Result<Retried, RetryFailedEmailsError> {
        caller.require(Permission::SettingsManage)?;
        self.write(|| async move {
            let mut uow = self.begin(Access::Write).await?;
            let before = uow.outbox().counts(caller.practice()).await?;
            let retried = uow
                .outbox()
                .retry_failed(caller.practice(), None, &MessageKind::retryable(), self.now())
                .await?;
            let outcome = Retried { retried, need_new_secret: before.failed.saturating_sub(retried) };
            if retried > 0 {
                let details = json!({ "retried": retried, "need_new_secret": outcome.need_new_secret });
                self.audit(
                    uow.as_mut(),
                    &caller.origin(),
                    AuditAction::EmailsRetried,
                    None,
                    None,
                    Some(details),
                )
                .await?;
                uow.commit().await?;
            }
            Ok(outcome)
        })
        .await
    }
}
