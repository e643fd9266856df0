//! The French wording of every email.

use super::{Action, Common, Content, Detail, Letter, Portal};
use identity_domain::FactorChange;

/// « avec le code du cabinet … », or nothing when it is unknown.
fn practice_code(portal: &Portal<'_>) -> String {
    if portal.practice_slug.is_empty() {
        String::new()
    } else {
        format!(
            " avec le code du cabinet {}, votre adresse courriel et votre mot de passe",
            portal.practice_slug
        )
    }
}

pub(super) fn letter(content: &Content<'_>, common: &Common<'_>) -> Letter {
    let practice = common.practice;
    let link_works_once =
        |expires: &str| format!("Ce lien ne fonctionne qu’une fois et expire le {expires}.");
    let mut letter = Letter {
        lang: "fr",
        colon: " : ",
        subject: String::new(),
        greeting: if common.recipient.is_empty() {
            "Bonjour,".to_owned()
        } else {
            format!("Bonjour {},", common.recipient)
        },
        intro: Vec::new(),
        secret: None,
        details: Vec::new(),
        action: None,
        link_hint: "Si le bouton ne fonctionne pas, copiez cette adresse dans votre navigateur :".to_owned(),
        outro: Vec::new(),
        closing: "Cordialement,".to_owned(),
        practice: practice.to_owned(),
        footer: format!(
            "Ce message automatique vous est envoyé par {practice}. Les réponses ne sont pas lues."
        ),
    };
    match content {
        Content::Welcome { practice_slug, sign_in_email, must_change_password, expires, link } => {
            letter.subject = format!("Votre compte {practice} est prêt");
            letter.intro = vec![
                format!("Un compte a été créé pour vous chez {practice}."),
                "Pour vous connecter, ouvrez la page de connexion et saisissez :".to_owned(),
            ];
            letter.details = vec![
                Detail::new("Code du cabinet", practice_slug),
                Detail::new("Courriel", sign_in_email),
                Detail::new("Mot de passe", "celui que votre administrateur vous a remis"),
            ];
            letter.action = Some(Action::new("Se connecter", link));
            if *must_change_password {
                letter.outro.push(
                    "Vous devrez choisir votre propre mot de passe à votre première connexion.".to_owned(),
                );
            }
            if let Some(expires) = expires {
                letter.outro.push(format!("S’il ne sert pas, le mot de passe qui vous a été remis cessera de fonctionner le {expires}."));
            }
        }
        Content::Invitation { practice_slug, inviter, link, expires } => {
            letter.subject = format!("Invitation à rejoindre {practice}");
            letter.intro = vec![
                if inviter.is_empty() {
                    format!("Vous êtes invité à rejoindre {practice}.")
                } else {
                    format!("{inviter} vous invite à rejoindre {practice}.")
                },
                "Choisissez votre mot de passe pour activer votre compte :".to_owned(),
            ];
            letter.action = Some(Action::new("Accepter l’invitation", link));
            if !practice_slug.is_empty() {
                letter.details =
                    vec![Detail::new("Code du cabinet (pour vous connecter ensuite)", practice_slug)];
            }
            letter.outro = vec![
                link_works_once(expires),
                "Si vous n’attendiez pas cette invitation, vous pouvez ignorer ce courriel.".to_owned(),
            ];
        }
        Content::Recovery { link, expires } => {
            letter.subject = format!("Réinitialisation de votre mot de passe {practice}");
            letter.intro = vec![
                format!(
                    "Nous avons reçu une demande de réinitialisation du mot de passe de votre compte {practice}."
                ),
                "Choisissez un nouveau mot de passe ici :".to_owned(),
            ];
            letter.action = Some(Action::new("Choisir un nouveau mot de passe", link));
            letter.outro = vec![
                link_works_once(expires),
                "Si vous n’êtes pas à l’origine de cette demande, ignorez ce courriel : votre mot de passe n’a pas changé."
                    .to_owned(),
            ];
        }
        Content::GeneratedPassword { practice_slug, password, expires, link } => {
            letter.subject = format!("Votre nouveau mot de passe {practice}");
            letter.intro = vec![
                format!("Un administrateur de {practice} a réinitialisé votre mot de passe."),
                "Votre nouveau mot de passe à usage unique est :".to_owned(),
            ];
            letter.secret = Some((*password).to_owned());
            letter.details = vec![Detail::new("Code du cabinet", practice_slug)];
            letter.action = Some(Action::new("Se connecter", link));
            letter.outro = vec![
                format!(
                    "Connectez-vous avec celui-ci avant le {expires} ; il cessera ensuite de fonctionner."
                ),
                "Vous choisirez alors votre propre mot de passe : celui-ci ne peut pas être conservé."
                    .to_owned(),
                "Si vous ne vous attendiez pas à ce courriel, contactez votre administrateur.".to_owned(),
            ];
        }
        Content::EmailChanged { old_email, new_email, changed } => {
            letter.subject = format!("L’adresse courriel de votre compte {practice} a été modifiée");
            letter.intro =
                vec![format!("L’adresse courriel de votre compte {practice} a été modifiée le {changed}.")];
            letter.details =
                vec![Detail::new("Ancienne adresse", old_email), Detail::new("Nouvelle adresse", new_email)];
            letter.outro = vec![
                "Dorénavant, connectez-vous avec la nouvelle adresse ; les courriels concernant votre compte y seront envoyés."
                    .to_owned(),
                "Si vous n’êtes pas à l’origine de ce changement, contactez immédiatement votre administrateur."
                    .to_owned(),
            ];
        }
        Content::SecondFactorChanged { change, changed, link } => {
            let (subject, what) = match change {
                FactorChange::Added { name } => (
                    "Un second facteur a été ajouté",
                    format!("Un second facteur, « {name} », a été ajouté à votre compte"),
                ),
                FactorChange::Removed { name } => (
                    "Un second facteur a été retiré",
                    format!("Le second facteur « {name} » a été retiré de votre compte"),
                ),
                FactorChange::Reset => (
                    "Vos seconds facteurs ont été réinitialisés",
                    "Un administrateur a retiré tous les seconds facteurs de votre compte et vous a déconnecté"
                        .to_owned(),
                ),
            };
            letter.subject = format!("{subject} — votre compte {practice}");
            letter.intro = vec![format!("{what} le {changed}.")];
            if matches!(change, FactorChange::Reset) {
                letter.intro.push(
                    "Si votre cabinet exige un second facteur, on vous demandera d’en ajouter un à votre prochaine connexion."
                        .to_owned(),
                );
            }
            letter.action = Some(Action::new("Se connecter", link));
            letter.outro = vec![
                "Si vous n’êtes pas à l’origine de ce changement, contactez immédiatement votre administrateur."
                    .to_owned(),
            ];
        }
        Content::PartySecondFactorChanged { change, changed, portal } => {
            let (subject, what) = match change {
                FactorChange::Added { name } => (
                    "Un second facteur a été ajouté",
                    format!(
                        "Un second facteur, « {name} », a été ajouté à votre compte sur le portail de {practice}"
                    ),
                ),
                FactorChange::Removed { name } => (
                    "Un second facteur a été retiré",
                    format!(
                        "Le second facteur « {name} » a été retiré de votre compte sur le portail de {practice}"
                    ),
                ),
                FactorChange::Reset => (
                    "Vos seconds facteurs ont été réinitialisés",
                    format!(
                        "{practice} a retiré tous les seconds facteurs de votre compte sur son portail et vous a déconnecté"
                    ),
                ),
            };
            letter.subject = format!("{subject} — votre compte sur le portail de {practice}");
            letter.intro = vec![format!("{what} le {changed}.")];
            if !portal.practice_slug.is_empty() {
                letter.details = vec![Detail::new("Code du cabinet", portal.practice_slug)];
            }
            letter.action = Some(Action::new("Se connecter au portail", &portal.link));
            letter.outro = vec![format!(
                "Si vous n’êtes pas à l’origine de ce changement, contactez {practice} immédiatement."
            )];
        }
        Content::PartyInvitation { site, link, expires, portal } => {
            letter.subject = format!("{practice} vous invite sur son portail");
            letter.intro = vec![
                format!("{practice} ({site}) vous invite à créer votre compte sur son portail."),
                "Choisissez votre mot de passe pour le créer :".to_owned(),
            ];
            letter.action = Some(Action::new("Créer mon compte", link));
            letter.outro = vec![
                link_works_once(expires),
                format!(
                    "Ensuite, connectez-vous au portail à l’adresse {}{}.",
                    portal.link,
                    practice_code(portal)
                ),
                "Si vous n’attendiez pas cette invitation, vous pouvez ignorer ce courriel.".to_owned(),
            ];
        }
        Content::PartyRecovery { link, expires, portal } => {
            letter.subject = format!("Choisissez un nouveau mot de passe pour le portail de {practice}");
            letter.intro = vec![
                format!(
                    "Quelqu’un a demandé la réinitialisation du mot de passe de votre compte sur le portail de {practice}."
                ),
                "Choisissez un nouveau mot de passe :".to_owned(),
            ];
            letter.action = Some(Action::new("Choisir un nouveau mot de passe", link));
            letter.outro = vec![
                link_works_once(expires),
                format!(
                    "Connectez-vous ensuite au portail à l’adresse {}{}.",
                    portal.link,
                    practice_code(portal)
                ),
                "Si vous n’avez rien demandé, ignorez ce courriel : votre mot de passe reste le même."
                    .to_owned(),
            ];
        }
        Content::PartyPasswordChanged { changed, portal } => {
            letter.subject =
                format!("Le mot de passe de votre compte sur le portail de {practice} a été changé");
            letter.intro = vec![format!(
                "Le mot de passe de votre compte sur le portail de {practice} a été changé le {changed}."
            )];
            if !portal.practice_slug.is_empty() {
                letter.details = vec![Detail::new("Code du cabinet", portal.practice_slug)];
            }
            letter.action = Some(Action::new("Se connecter au portail", &portal.link));
            letter.outro = vec![
                "Vos autres sessions sur le portail ont été fermées.".to_owned(),
                format!(
                    "Si vous n’êtes pas à l’origine de ce changement, contactez {practice} immédiatement."
                ),
            ];
        }
    }
    letter
}
