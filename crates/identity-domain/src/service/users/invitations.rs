//! Invitations: sending one (with a new link), resending and revoking.

use super::InvitationError;
use crate::audit::{AuditAction, Target};
use crate::error::StoreError;
use crate::ids::UserId;
use crate::link::{LinkPurpose, LinkSubject};
use crate::mail::{MailSecret, Message};
use crate::permission::Permission;
use crate::ports::{Access, UnitOfWork};
use crate::practice::Practice;
use crate::service::{Caller, IdentityService, Recipient};
use crate::user::{User, UserStatus};

/// Whether a user may already hold links of the purpose being issued.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(in crate::service) enum EarlierLinks {
    /// They may: void them first.
    Void,
    /// The user was made in this unit of work and holds none.
    NoneYet,
}

impl IdentityService {
    /// Issues a new invitation link (voiding the previous one, unless the
    /// user was made in this unit of work) and queues the invitation email.
    pub(in crate::service) async fn send_invitation(
        &self,
        uow: &mut dyn UnitOfWork,
        caller: &Caller,
        practice: &Practice,
        user: &User,
        earlier: EarlierLinks,
    ) -> Result<(), StoreError> {
        let inviter = uow.users().get(practice.id, caller.user()).await?;
        let (subject, ttl) = (LinkSubject::User(user.id), self.config.invitation_ttl);
        let (token, expires_at) = match earlier {
            EarlierLinks::Void => {
                self.issue_link(uow, practice.id, subject, LinkPurpose::Invitation, ttl).await?
            }
            EarlierLinks::NoneYet => {
                self.issue_first_link(uow, practice.id, subject, LinkPurpose::Invitation, ttl).await?
            }
        };
        let message = Message::Invitation {
            practice_slug: practice.slug.as_str().to_owned(),
            inviter_name: inviter.map(|u| u.name.as_str().to_owned()).unwrap_or_default(),
            token: MailSecret::new(token.expose()),
            expires_at,
        };
        self.send(uow, practice, Recipient::from(user), message).await
    }

    /// Sends a new invitation to an invited user; the old link stops working.
    /// Returns the user as it is.
    ///
    /// # Errors
    /// [`InvitationError`].
    pub async fn resend_invitation(&self, caller: &Caller, id: UserId) -> Result<User, InvitationError> {
        caller.require(Permission::UsersCreate)?;
        self.write(|| async move {
            let mut uow = self.begin(Access::Write).await?;
            let user = uow.users().get(caller.practice(), id).await?.ok_or(InvitationError::UserNotFound)?;
            self.check_may_act_on::<InvitationError>(uow.as_mut(), caller, &user).await?;
            if user.status != UserStatus::Invited {
                return Err(InvitationError::NotInvited { status: user.status });
            }
            let practice = self.practice_of(uow.as_mut(), caller.practice()).await?;
            self.send_invitation(uow.as_mut(), caller, &practice, &user, EarlierLinks::Void).await?;
            self.audit(
                uow.as_mut(),
                &caller.origin(),
                AuditAction::InvitationResent,
                Some(Target::User(id)),
                None,
                None,
            )
            .await?;
            uow.commit().await?;
            Ok(user)
        })
        .await
    }

    /// Revokes an invitation: its link dies and the user becomes inactive
    /// (reactivating them sends a new invitation).
    ///
    /// # Errors
    /// [`InvitationError`].
    pub async fn revoke_invitation(&self, caller: &Caller, id: UserId) -> Result<User, InvitationError> {
        caller.require(Permission::UsersCreate)?;
        self.write(|| async move {
            let mut uow = self.begin(Access::Write).await?;
            let mut user =
                uow.users().get(caller.practice(), id).await?.ok_or(InvitationError::UserNotFound)?;
            self.check_may_act_on::<InvitationError>(uow.as_mut(), caller, &user).await?;
            if user.status != UserStatus::Invited {
                return Err(InvitationError::NotInvited { status: user.status });
            }
            let before = user.audit_view();
            let now = self.now();
            uow.links().void_for(caller.practice(), LinkSubject::User(id), None, now).await?;
            user.status = UserStatus::Inactive;
            Ok(self.commit_user_change(uow, caller, AuditAction::InvitationRevoked, before, user).await?)
        })
        .await
    }
}
