//! Portal rules as properties, over random command sequences on the
//! in-memory store:
//!
//! - a portal session never authenticates as staff, nor a staff session as
//!   a party, whatever mix of sign-ins, sign-outs, password changes and
//!   deactivations came before;
//! - a portal account's lifecycle holds: `invited` → `active` ⇄ `inactive`,
//!   never back to `invited` once joined, never gone; each command
//!   succeeds exactly when the lifecycle allows it; only an active account
//!   signs in, and no session outlives a deactivation.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use identity_contract::{Fixture, PORTAL_PASSWORD};
use identity_domain::*;
use identity_memory::MemoryStore;
use proptest::prelude::*;
use secrecy::SecretString;
use std::sync::Arc;

fn block_on<F: std::future::Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .build()
        .expect("a tokio runtime")
        .block_on(future)
}

fn secret(s: &str) -> SecretString {
    SecretString::from(s.to_owned())
}

const EMAIL: &str = "jordan@example.org";

/// What an administrator or the party does next.
#[derive(Debug, Clone, Copy)]
enum Command {
    Invite,
    Revoke,
    Accept,
    Deactivate,
    Reactivate,
    EndSessions,
    PortalSignIn,
    PortalSignOut,
    StaffSignIn,
    ChangePassword,
    Wait,
}

fn command() -> impl Strategy<Value = Command> {
    prop_oneof![
        3 => Just(Command::Invite),
        1 => Just(Command::Revoke),
        3 => Just(Command::Accept),
        2 => Just(Command::Deactivate),
        2 => Just(Command::Reactivate),
        1 => Just(Command::EndSessions),
        4 => Just(Command::PortalSignIn),
        2 => Just(Command::PortalSignOut),
        2 => Just(Command::StaffSignIn),
        1 => Just(Command::ChangePassword),
        1 => Just(Command::Wait),
    ]
}

/// The model: where the account should stand.
/// A refusal of deactivating or reactivating portal access.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Refused {
    NotInvited,
    Transition,
    Other(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Model {
    None,
    /// Invited with a live link (`true`) or revoked (`false`).
    Invited(bool),
    Active,
    Inactive,
}

async fn run(commands: Vec<Command>) {
    let f = Fixture::new(Arc::new(MemoryStore::new()), "contract").await;
    let site = f.site("North Campus").await;
    let party = f.party(site.id, "Jordan Lee", None).await;
    let mut details = party.details.clone();
    details.email = Some(EmailAddress::parse(EMAIL).unwrap());
    f.service.update_party(&f.admin, party.id, details).await.unwrap();

    let mut model = Model::None;
    let mut password = PORTAL_PASSWORD.to_owned();
    let mut portal_tokens: Vec<Token> = Vec::new();
    let mut staff_tokens: Vec<Token> = Vec::new();
    let mut live_portal: Vec<Token> = Vec::new();
    let mut changes = 0;

    for command in commands {
        match command {
            Command::Invite => {
                let result = f.service.invite_party(&f.admin, party.id).await;
                match model {
                    Model::None | Model::Invited(_) => {
                        result.unwrap();
                        model = Model::Invited(true);
                    }
                    Model::Active | Model::Inactive => {
                        assert!(
                            matches!(result, Err(InvitePartyError::PortalAlreadyOpen { .. })),
                            "{result:?}"
                        );
                    }
                }
            }
            Command::Revoke => {
                let result = f.service.revoke_party_invitation(&f.admin, party.id).await;
                match model {
                    Model::None => assert_eq!(result, Err(RevokePartyInvitationError::NotInvited)),
                    Model::Invited(_) => {
                        result.unwrap();
                        model = Model::Invited(false);
                    }
                    Model::Active | Model::Inactive => {
                        assert!(
                            matches!(result, Err(RevokePartyInvitationError::NotPending { .. })),
                            "{result:?}"
                        );
                    }
                }
            }
            Command::Accept => {
                if model == Model::None {
                    continue;
                }
                let token = f.party_invitation_token(EMAIL).await;
                let result = f.service.accept_party_invitation(&token, secret(&password), None).await;
                if model == Model::Invited(true) {
                    result.unwrap();
                    model = Model::Active;
                } else {
                    assert_eq!(result, Err(LinkError::InvalidLink));
                }
            }
            Command::Deactivate | Command::Reactivate => {
                let deactivate = matches!(command, Command::Deactivate);
                // Each change has its own error enum: compare their refusals.
                let result = if deactivate {
                    f.service.deactivate_portal_access(&f.admin, party.id).await.map_err(|e| match e {
                        DeactivatePortalError::NotInvited => Refused::NotInvited,
                        DeactivatePortalError::Transition(_) => Refused::Transition,
                        other => Refused::Other(other.to_string()),
                    })
                } else {
                    f.service.reactivate_portal_access(&f.admin, party.id).await.map_err(|e| match e {
                        ReactivatePortalError::NotInvited => Refused::NotInvited,
                        ReactivatePortalError::Transition(_) => Refused::Transition,
                        other => Refused::Other(other.to_string()),
                    })
                };
                match (model, deactivate) {
                    (Model::None, _) => assert_eq!(result, Err(Refused::NotInvited)),
                    (Model::Active, true) => {
                        result.unwrap();
                        model = Model::Inactive;
                        live_portal.clear();
                    }
                    (Model::Inactive, false) => {
                        result.unwrap();
                        model = Model::Active;
                    }
                    _ => assert_eq!(result, Err(Refused::Transition)),
                }
            }
            Command::EndSessions => {
                let result = f.service.end_party_sessions(&f.admin, party.id).await;
                if model == Model::None {
                    assert_eq!(result, Err(EndPartySessionsError::NotInvited));
                } else {
                    result.unwrap();
                    live_portal.clear();
                }
            }
            Command::PortalSignIn => {
                let result = f.portal_sign_in(EMAIL, &password).await;
                if model == Model::Active {
                    let signed = result.unwrap();
                    portal_tokens.push(signed.token.clone());
                    live_portal.push(signed.token);
                } else {
                    assert!(matches!(result, Err(SignInError::Failed)), "{result:?}");
                }
            }
            Command::PortalSignOut => {
                if let Some(token) = live_portal.pop() {
                    let caller = f.service.authenticate_portal(&token).await.unwrap();
                    f.service.portal_sign_out(&caller).await.unwrap();
                }
            }
            Command::StaffSignIn => {
                let signed = f.sign_in("owner@contract.example", identity_contract::PASSWORD).await.unwrap();
                staff_tokens.push(signed.token);
            }
            Command::ChangePassword => {
                if let Some(token) = live_portal.last().cloned() {
                    changes += 1;
                    let next = format!("{PORTAL_PASSWORD} changed {changes} times");
                    let caller = f.service.authenticate_portal(&token).await.unwrap();
                    f.service
                        .change_portal_password(&caller, secret(&password), secret(&next))
                        .await
                        .unwrap();
                    password = next;
                    live_portal = vec![token];
                }
            }
            Command::Wait => f.clock.advance(chrono::Duration::seconds(5)),
        }

        // The lifecycle as the administrator sees it.
        let access = f.service.portal_access(&f.admin, party.id).await.unwrap();
        match (model, &access) {
            (Model::None | Model::Invited(false), PortalAccess::NotInvited)
            | (Model::Invited(true), PortalAccess::Invited { expires_at: Some(_), .. })
            | (Model::Active, PortalAccess::Active { .. })
            | (Model::Inactive, PortalAccess::Inactive { .. }) => {}
            _ => panic!("model {model:?} but {access:?}"),
        }
        // Sessions never cross, and only the live ones work.
        for token in &portal_tokens {
            assert_eq!(f.service.authenticate(token).await, Err(SessionError::Invalid));
            let live = live_portal.iter().any(|t| t.hash() == token.hash());
            assert_eq!(f.service.authenticate_portal(token).await.is_ok(), live && model == Model::Active);
        }
        for token in &staff_tokens {
            assert_eq!(f.service.authenticate_portal(token).await, Err(SessionError::Invalid));
            assert!(f.service.authenticate(token).await.is_ok());
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// See the module documentation.
    #[test]
    fn portal_lifecycle_and_sessions_hold_over_random_commands(
        commands in prop::collection::vec(command(), 1..24)
    ) {
        block_on(run(commands));
    }
}
