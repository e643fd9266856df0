//! The English wording of every email.

use super::{Action, Common, Content, Detail, Letter, Portal};
use identity_domain::FactorChange;

/// ", with the practice code maple-law", or nothing when it is unknown.
fn practice_code(portal: &Portal<'_>) -> String {
    if portal.practice_slug.is_empty() {
        String::new()
    } else {
        format!(" with the practice code {}, your email and your password", portal.practice_slug)
    }
}

pub(super) fn letter(content: &Content<'_>, common: &Common<'_>) -> Letter {
    let practice = common.practice;
    let link_works_once = |expires: &str| format!("This link works only once and expires on {expires}.");
    let mut letter = Letter {
        lang: "en",
        colon: ": ",
        subject: String::new(),
        greeting: if common.recipient.is_empty() {
            "Hello,".to_owned()
        } else {
            format!("Hello {},", common.recipient)
        },
        intro: Vec::new(),
        secret: None,
        details: Vec::new(),
        action: None,
        link_hint: "If the button does not work, copy this address into your browser:".to_owned(),
        outro: Vec::new(),
        closing: "Kind regards,".to_owned(),
        practice: practice.to_owned(),
        footer: format!("This is an automatic message from {practice}. Replies to it are not read."),
    };
    match content {
        Content::Welcome { practice_slug, sign_in_email, must_change_password, expires, link } => {
            letter.subject = format!("Your {practice} account is ready");
            letter.intro = vec![
                format!("An account has been created for you at {practice}."),
                "To sign in, open the sign-in page and enter:".to_owned(),
            ];
            letter.details = vec![
                Detail::new("Practice code", practice_slug),
                Detail::new("Email", sign_in_email),
                Detail::new("Password", "the one your administrator gave you"),
            ];
            letter.action = Some(Action::new("Sign in", link));
            if *must_change_password {
                letter.outro.push(
                    "You will be asked to choose your own password the first time you sign in.".to_owned(),
                );
            }
            if let Some(expires) = expires {
                letter.outro.push(format!(
                    "If it is not used, the password you were given stops working on {expires}."
                ));
            }
        }
        Content::Invitation { practice_slug, inviter, link, expires } => {
            letter.subject = format!("You are invited to join {practice}");
            letter.intro = vec![
                if inviter.is_empty() {
                    format!("You have been invited to join {practice}.")
                } else {
                    format!("{inviter} has invited you to join {practice}.")
                },
                "Choose your password to activate your account:".to_owned(),
            ];
            letter.action = Some(Action::new("Accept the invitation", link));
            if !practice_slug.is_empty() {
                letter.details = vec![Detail::new("Practice code (to sign in afterwards)", practice_slug)];
            }
            letter.outro = vec![
                link_works_once(expires),
                "If you were not expecting this invitation, you can ignore this email.".to_owned(),
            ];
        }
        Content::Recovery { link, expires } => {
            letter.subject = format!("Reset your {practice} password");
            letter.intro = vec![
                format!("We received a request to reset the password of your {practice} account."),
                "Choose a new password here:".to_owned(),
            ];
            letter.action = Some(Action::new("Choose a new password", link));
            letter.outro = vec![
                link_works_once(expires),
                "If you did not ask for this, you can ignore this email: your password has not changed."
                    .to_owned(),
            ];
        }
        Content::GeneratedPassword { practice_slug, password, expires, link } => {
            letter.subject = format!("Your new {practice} password");
            letter.intro = vec![
                format!("An administrator of {practice} has reset your password."),
                "Your new one-time password is:".to_owned(),
            ];
            letter.secret = Some((*password).to_owned());
            letter.details = vec![Detail::new("Practice code", practice_slug)];
            letter.action = Some(Action::new("Sign in", link));
            letter.outro = vec![
                format!("Sign in with it before {expires}; after that it stops working."),
                "You will then choose a password of your own: this one cannot be kept.".to_owned(),
                "If you did not expect this email, contact your administrator.".to_owned(),
            ];
        }
        Content::EmailChanged { old_email, new_email, changed } => {
            letter.subject = format!("The email address of your {practice} account was changed");
            letter.intro =
                vec![format!("The email address of your {practice} account was changed on {changed}.")];
            letter.details =
                vec![Detail::new("Previous address", old_email), Detail::new("New address", new_email)];
            letter.outro = vec![
                "From now on, sign in with the new address; emails about your account will go there."
                    .to_owned(),
                "If you did not expect this change, contact your administrator right away.".to_owned(),
            ];
        }
        Content::SecondFactorChanged { change, changed, link } => {
            let (subject, what) = match change {
                FactorChange::Added { name } => (
                    "A second factor was added",
                    format!("A second factor, “{name}”, was added to your account"),
                ),
                FactorChange::Removed { name } => (
                    "A second factor was removed",
                    format!("The second factor “{name}” was removed from your account"),
                ),
                FactorChange::Reset => (
                    "Your second factors were reset",
                    "An administrator removed every second factor of your account and signed you out"
                        .to_owned(),
                ),
            };
            letter.subject = format!("{subject} on your {practice} account");
            letter.intro = vec![format!("{what} on {changed}.")];
            if matches!(change, FactorChange::Reset) {
                letter.intro.push(
                    "If your practice requires a second factor, you will be asked to add one when you next sign in."
                        .to_owned(),
                );
            }
            letter.action = Some(Action::new("Sign in", link));
            letter.outro =
                vec!["If you did not expect this change, contact your administrator right away.".to_owned()];
        }
        Content::PartySecondFactorChanged { change, changed, portal } => {
            let (subject, what) = match change {
                FactorChange::Added { name } => (
                    "A second factor was added",
                    format!("A second factor, “{name}”, was added to your {practice} portal account"),
                ),
                FactorChange::Removed { name } => (
                    "A second factor was removed",
                    format!("The second factor “{name}” was removed from your {practice} portal account"),
                ),
                FactorChange::Reset => (
                    "Your second factors were reset",
                    format!(
                        "{practice} removed every second factor of your portal account and signed you out"
                    ),
                ),
            };
            letter.subject = format!("{subject} on your {practice} portal account");
            letter.intro = vec![format!("{what} on {changed}.")];
            if !portal.practice_slug.is_empty() {
                letter.details = vec![Detail::new("Practice code", portal.practice_slug)];
            }
            letter.action = Some(Action::new("Sign in to the portal", &portal.link));
            letter.outro = vec![format!("If you did not expect this change, contact {practice} right away.")];
        }
        Content::PartyInvitation { site, link, expires, portal } => {
            letter.subject = format!("{practice} invites you to its portal");
            letter.intro = vec![
                format!("{practice} ({site}) invites you to create your account on its portal."),
                "Choose your password to create it:".to_owned(),
            ];
            letter.action = Some(Action::new("Create my account", link));
            letter.outro = vec![
                link_works_once(expires),
                format!("Afterwards, sign in to the portal at {}{}.", portal.link, practice_code(portal)),
                "If you were not expecting this invitation, you can ignore this email.".to_owned(),
            ];
        }
        Content::PartyRecovery { link, expires, portal } => {
            letter.subject = format!("Choose a new password for the {practice} portal");
            letter.intro = vec![
                format!("Someone asked to reset the password of your account on the {practice} portal."),
                "Choose a new password:".to_owned(),
            ];
            letter.action = Some(Action::new("Choose a new password", link));
            letter.outro = vec![
                link_works_once(expires),
                format!("Then sign in to the portal at {}{}.", portal.link, practice_code(portal)),
                "If you did not ask for this, ignore this email: your password stays as it is.".to_owned(),
            ];
        }
        Content::PartyPasswordChanged { changed, portal } => {
            letter.subject = format!("Your {practice} portal password was changed");
            letter.intro = vec![format!(
                "The password of your account on the {practice} portal was changed on {changed}."
            )];
            if !portal.practice_slug.is_empty() {
                letter.details = vec![Detail::new("Practice code", portal.practice_slug)];
            }
            letter.action = Some(Action::new("Sign in to the portal", &portal.link));
            letter.outro = vec![
                "Your other portal sessions were signed out.".to_owned(),
                format!("If you did not make this change, contact {practice} right away."),
            ];
        }
    }
    letter
}
