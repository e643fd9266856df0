//! Second factors: the second step of signing in, enrolling and managing
//! one's own factors, an administrator's reset, and who must have one.
//!
//! Managing one's factors asks for the password: each operation needs a
//! session whose password was typed (at sign-in, or through
//! [`IdentityService::confirm_password`]) within the last
//! [`PASSWORD_CONFIRMATION_MINUTES`] minutes.
//!
//! Where each rule lives: `second_step` holds the second step of signing
//! in and the step a session owes after the password; `enrolment` holds
//! confirming the password, enrolling an authenticator, and managing one's
//! own factors and recovery codes; `passkeys` holds the two WebAuthn
//! ceremonies (enrolling a passkey, and the challenge of a second step); `admin` holds what an administrator
//! does (reading and resetting a user's factors, a role's requirement);
//! `errors` holds each operation's error enum. What several of them share
//! (whether a factor is required of a user, the overview of a user's
//! factors, the email telling them their factors changed) is here.

mod admin;
mod enrolment;
mod errors;
mod passkeys;
mod second_step;

pub use enrolment::*;
pub use errors::*;
pub use second_step::*;

use super::{IdentityService, Recipient};
use crate::error::StoreError;
use crate::factor::{Factor, FactorSummary};
use crate::ids::{PracticeId, UserId};
use crate::mail::{FactorChange, Message};
use crate::ports::UnitOfWork;
use crate::practice::Practice;
use crate::user::User;

/// A user's second factors as they may be shown: never a secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FactorOverview {
    /// Confirmed factors, oldest first.
    pub factors: Vec<FactorSummary>,
    /// Unused recovery codes.
    pub recovery_codes_left: u32,
    /// Whether the user's role or practice requires a second factor.
    pub required: bool,
}

impl IdentityService {
    /// Whether `user` must have a second factor: their role requires one,
    /// or their practice requires one of everybody.
    pub(super) async fn factor_required(
        &self,
        uow: &mut dyn UnitOfWork,
        practice: &Practice,
        user: &User,
    ) -> Result<bool, StoreError> {
        if practice.settings.second_factor_required {
            return Ok(true);
        }
        Ok(uow.roles().get_role(practice.id, user.role).await?.is_some_and(|r| r.second_factor_required))
    }

    /// A user's confirmed factors, unused recovery codes, and whether a
    /// factor is required of them: what both they and an administrator see.
    async fn overview(
        &self,
        uow: &mut dyn UnitOfWork,
        practice: PracticeId,
        user: UserId,
    ) -> Result<FactorOverview, StoreError> {
        let factors: Vec<FactorSummary> = uow
            .factors()
            .list(practice, user)
            .await?
            .iter()
            .filter(|f| f.confirmed)
            .map(Factor::summary)
            .collect();
        let recovery_codes_left = uow.factors().recovery_codes_left(practice, user).await?;
        let practice = self.practice_of(uow, practice).await?;
        let required = match uow.users().get(practice.id, user).await? {
            Some(user) => self.factor_required(uow, &practice, &user).await?,
            None => false,
        };
        Ok(FactorOverview { factors, recovery_codes_left, required })
    }

    /// Queues the email telling a user their second factors changed.
    async fn notify_factor_change(
        &self,
        uow: &mut dyn UnitOfWork,
        practice: PracticeId,
        user: UserId,
        change: FactorChange,
    ) -> Result<(), StoreError> {
        let practice = self.practice_of(uow, practice).await?;
        let Some(user) = uow.users().get(practice.id, user).await? else {
            return Ok(());
        };
        let message = Message::SecondFactorChanged { change, changed_at: self.now() };
        self.send(uow, &practice, Recipient::from(&user), message).await
    }
}
