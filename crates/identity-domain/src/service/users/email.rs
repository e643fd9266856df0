//! Changing a user's email: the current password for one's own, the
//! address reserved for good, the old links voided.

use super::{ChangeEmailError, EarlierLinks};
use crate::audit::AuditAction;
use crate::email::EmailAddress;
use crate::error::{Conflict, StoreError, TargetError};
use crate::ids::UserId;
use crate::link::LinkSubject;
use crate::mail::Message;
use crate::permission::Permission;
use crate::ports::Access;
use crate::service::{Caller, IdentityService, Recipient};
use crate::user::{User, UserStatus};
use secrecy::SecretString;

/// An email change.
#[derive(Debug, Clone)]
pub struct ChangeEmail {
    /// The new address.
    pub email: EmailAddress,
    /// The version the caller read (`If-Match`), if any.
    pub expected_version: Option<u64>,
    /// Required when changing one's own email (the self-service path); a
    /// wrong one counts as a failed sign-in.
    pub current_password: Option<SecretString>,
}

impl IdentityService {
    /// Changes a user's email (needs `users.update_email`). One's own
    /// email changes only with the current password (a wrong one counts as
    /// a failed sign-in); another user's only if the caller may act on them
    /// (see [`TargetError::TargetOutranksCaller`]). The old address stays in
    /// the history and stays reserved; a notice goes to the old address;
    /// every pending link of the user dies, and an invited user gets a new
    /// invitation at the new address.
    ///
    /// # Errors
    /// [`ChangeEmailError`].
    pub async fn change_email(
        &self,
        caller: &Caller,
        id: UserId,
        change: ChangeEmail,
    ) -> Result<User, ChangeEmailError> {
        caller.require(Permission::UsersUpdateEmail)?;
        if id == caller.user() {
            let Some(typed) = &change.current_password else {
                return Err(TargetError::UseSelfService.into());
            };
            self.confirm_current_password::<ChangeEmailError>(caller, typed).await?;
        }
        let change = &change;
        self.write(|| async move {
            let mut uow = self.begin(Access::Write).await?;
            let mut user =
                self.user_at_version(uow.as_mut(), caller.practice(), id, change.expected_version).await?;
            if id != caller.user() {
                self.check_may_act_on::<ChangeEmailError>(uow.as_mut(), caller, &user).await?;
            }
            let now = self.now();
            // A change of case or spacing only keeps the same reservation.
            let new_address = user.email.normalized() != change.email.normalized();
            if new_address {
                match self.email_holder(uow.as_mut(), caller.practice(), &change.email).await? {
                    Some((holder, _)) if holder == id => {} // taking back one of their own old addresses
                    Some((holder, status)) => {
                        return Err(ChangeEmailError::EmailPreviouslyUsed { holder, status });
                    }
                    None => {
                        if let Err(e) =
                            uow.users().reserve_email(caller.practice(), &change.email, id, now).await
                        {
                            drop(uow);
                            return Err(match e {
                                StoreError::Conflict(Conflict::EmailTaken) => {
                                    self.email_taken_after_race(caller.practice(), &change.email).await.into()
                                }
                                other => other.into(),
                            });
                        }
                    }
                }
            }
            let before = user.audit_view();
            let practice = self.practice_of(uow.as_mut(), caller.practice()).await?;
            if new_address {
                let notice = Message::EmailChanged {
                    old_email: user.email.as_str().to_owned(),
                    new_email: change.email.as_str().to_owned(),
                    changed_at: now,
                };
                self.send(uow.as_mut(), &practice, Recipient::from(&user), notice).await?;
            }
            let changed = user.email != change.email;
            user.email = change.email.clone();
            if changed {
                // A link mailed to the old address must not outlive the change.
                uow.links().void_for(caller.practice(), LinkSubject::User(id), None, now).await?;
                if user.status == UserStatus::Invited {
                    self.send_invitation(uow.as_mut(), caller, &practice, &user, EarlierLinks::Void).await?;
                }
            }
            Ok(self.commit_user_change(uow, caller, AuditAction::EmailChanged, before, user).await?)
        })
        .await
    }
}
